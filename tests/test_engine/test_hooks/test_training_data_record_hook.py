"""TrainingDataRecordHook: each checkpoint records the training data set's name, whether it is
synthetic and its file; ``trained_on`` reads it back (empty for checkpoints saved without the hook)."""
from types import SimpleNamespace

from mmpose_face.engine.hooks.training_data_record_hook import TrainingDataRecordHook, trained_on
from mmpose_face.registry import HOOKS


def runner_training_on(dataset):
    return SimpleNamespace(train_dataloader=SimpleNamespace(dataset=dataset))


def test_the_checkpoint_meta_names_the_data_set_and_whether_it_is_synthetic():
    dataset = SimpleNamespace(metainfo=dict(dataset_name='wflw', synthetic=True), ann_file='data/train.json')
    checkpoint = {'meta': {'epoch': 3}}
    HOOKS.build(dict(type='TrainingDataRecordHook')).before_save_checkpoint(runner_training_on(dataset), checkpoint)
    assert checkpoint['meta'] == {'epoch': 3, 'trained_on': dict(dataset='wflw', synthetic=True,
                                                                 ann_file='data/train.json')}
    assert trained_on(checkpoint['meta']) == checkpoint['meta']['trained_on']


def test_a_data_set_without_metainfo_is_named_by_its_class_and_old_checkpoints_record_nothing():
    class ListOfFaces:
        pass
    checkpoint = {}
    TrainingDataRecordHook().before_save_checkpoint(runner_training_on(ListOfFaces()), checkpoint)
    assert checkpoint['meta']['trained_on'] == dict(dataset='ListOfFaces', synthetic=False, ann_file='')
    assert trained_on({'epoch': 210}) == {} and trained_on(None) == {}
