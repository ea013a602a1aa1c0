"""Face300WLPDataset: 68 points in mmpose's base layout (not 300W's centre and scale), 300W's pairs."""
from mmpose_face.datasets import Face300WLPDataset

from face_benchmark_samples import read_generated_layout


def test_300wlp_reads_its_layout_with_its_description(tmp_path):
    dataset, _ = read_generated_layout('300wlp', tmp_path)
    assert type(dataset) is Face300WLPDataset and dataset.metainfo['num_keypoints'] == 68
    assert dataset.metainfo['nme_keypoint_indices'] == (36, 45) and len(dataset.metainfo['flip_pairs']) == 58
    assert dataset.metainfo['flip_indices'][:2] == [16, 15]
