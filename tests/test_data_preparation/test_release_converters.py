"""convert_release: every benchmark's converter under its layout name; an unknown name lists the known
ones."""
import pytest

from mmpose_face.data_preparation import release_converters
from mmpose_face.data_preparation.release_converters import CONVERTERS, convert_release

from test_datasets.face_layouts import BENCHMARKS


def test_every_benchmark_layout_has_its_converter():
    assert set(CONVERTERS) == set(BENCHMARKS) - {'300wlp'}  # 300W-LP ships in mmpose's layout already
    assert CONVERTERS['wflw'].__name__ == 'convert_wflw' and CONVERTERS['300w'].__name__ == 'convert_300w'


def test_convert_release_passes_its_arguments_to_the_layouts_converter(monkeypatch):
    calls = []
    monkeypatch.setitem(release_converters.CONVERTERS, 'cofw', lambda *args, **kwargs: calls.append((args, kwargs))
                        or 'written')
    assert convert_release('cofw', 'release', 'out', progress=False) == 'written'
    assert calls == [(('release', 'out'), dict(progress=False))]


def test_an_unknown_layout_names_the_known_ones():
    with pytest.raises(ValueError, match=r"no converter for layout 'helen'; known: wflw, 300w, cofw, aflw, lapa"):
        convert_release('helen', 'release', 'out')
