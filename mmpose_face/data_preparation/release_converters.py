"""Every benchmark's release converter under its layout name.

``convert_release('300w', ROOT, OUT)`` runs
:func:`~.face300w_release_converter.convert_300w`; each converter writes
``OUT/annotations/<mmpose's file names>`` and the image folders mmpose's
config for that benchmark reads under ``data_root=OUT``.
"""
from .aflw_release_converter import convert_aflw
from .coco_wholebody_face_converter import convert_coco_wholebody_face
from .cofw_release_converter import convert_cofw
from .face300w_release_converter import convert_300w
from .lapa_release_converter import convert_lapa
from .wflw_release_converter import convert_wflw

CONVERTERS = {
    'wflw': convert_wflw,
    '300w': convert_300w,
    'cofw': convert_cofw,
    'aflw': convert_aflw,
    'lapa': convert_lapa,
    'coco_wholebody_face': convert_coco_wholebody_face,
}


def convert_release(layout, release_root, out_root, **options):
    """Run the converter of ``layout`` (a key of :data:`CONVERTERS`); returns what it returns."""
    if layout not in CONVERTERS:
        raise ValueError(f'no converter for layout {layout!r}; known: {", ".join(CONVERTERS)}')
    return CONVERTERS[layout](release_root, out_root, **options)
