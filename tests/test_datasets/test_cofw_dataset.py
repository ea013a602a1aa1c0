"""COFWDataset: 29 points in mmpose's base layout, NME over the published pair (8, 9), 11 mirror pairs."""
from mmpose_face.datasets import COFWDataset

from face_benchmark_samples import read_generated_layout


def test_cofw_reads_its_layout_with_its_description(tmp_path):
    dataset, _ = read_generated_layout('cofw', tmp_path)
    assert type(dataset) is COFWDataset and dataset.metainfo['num_keypoints'] == 29
    assert dataset.metainfo['nme_keypoint_indices'] == (8, 9) and len(dataset.metainfo['flip_pairs']) == 22
    assert dataset.metainfo['flip_indices'][:4] == [1, 0, 3, 2]  # brows' ends swap side
