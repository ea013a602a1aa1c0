"""Data preparation: from a benchmark's release (or a synthetic draw) to mmpose's COCO-style JSON.

Not data sets: nothing here is read during training. One converter per
release format, each writing mmpose's file names under one ``data_root``:

- ``wflw_release_converter``: WFLW list files (98 points, six attributes).
- ``face300w_release_converter``: 300W ``.pts`` files in iBUG's folders.
- ``cofw_release_converter``: COFW's ``.mat`` files (images inside).
- ``aflw_release_converter``: AFLW-19's ``AFLWinfo_release.mat``.
- ``lapa_release_converter``: LaPa's landmark text files.
- ``coco_wholebody_face_converter``: checks COCO-WholeBody's JSON face part.

``coco_face_annotations`` holds what they share (records, crops, atomic
JSON writes), ``release_converters`` names them by layout,
``landmark_layouts`` maps WFLW's 98 points to the other layouts, and
``synthetic/`` draws faces and writes them in each release format.
"""
