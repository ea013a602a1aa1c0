"""LapaDataset: 106 points in mmpose's base layout, NME over the published pair (66, 79)."""
from mmpose_face.datasets import LapaDataset

from face_benchmark_samples import read_generated_layout


def test_lapa_reads_its_layout_with_its_description(tmp_path):
    dataset, _ = read_generated_layout('lapa', tmp_path)
    assert type(dataset) is LapaDataset and dataset.metainfo['num_keypoints'] == 106
    assert dataset.metainfo['nme_keypoint_indices'] == (66, 79) and len(dataset.metainfo['flip_pairs']) == 96
    assert dataset.metainfo['flip_indices'][0] == 32  # the jaw's first point mirrors onto its last
