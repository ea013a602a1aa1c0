"""Data preparation: from a benchmark's release (or a synthetic draw) to mmpose's COCO-style JSON.

Not data sets: nothing here is read during training. ``wflw_release_converter``
converts the official WFLW release; ``synthetic_wflw`` draws a WFLW-format
release for the quick start and the tests.
"""
