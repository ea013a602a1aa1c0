"""The prediction core's layout of a config's test set: a data set class's own, or, for
mmpose's ``CombinedDataset`` (the Face6 configs' test set), the combined description."""
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmpose_face.apis.predictor import dataset_meta_from_config


def config_testing_on(dataset: dict) -> Config:
    init_default_scope('mmpose_face')
    return Config(dict(test_dataloader=dict(dataset=dataset)))


def test_combined_test_set_takes_its_combined_layout():
    config = config_testing_on(dict(type='CombinedDataset', metainfo=dict(from_file='configs/_base_/datasets/lapa.py'),
                                    datasets=[dict(type='WFLWDataset', ann_file='unused.json')], pipeline=[]))
    meta = dataset_meta_from_config(config)
    assert meta['dataset_name'] == 'lapa' and meta['num_keypoints'] == 106
    assert len(meta['flip_indices']) == 106 and meta['flip_indices'] != list(range(106))


def test_single_test_set_takes_its_class_layout():
    meta = dataset_meta_from_config(config_testing_on(dict(type='WFLWDataset', ann_file='unused.json')))
    assert meta['dataset_name'] == 'wflw' and meta['num_keypoints'] == 98
