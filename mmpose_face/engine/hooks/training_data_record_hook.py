"""Every checkpoint says what it was trained on.

Writes ``checkpoint['meta']['trained_on'] = {'dataset': name, 'synthetic':
bool, 'ann_file': path}`` from the training data set's metainfo (the
synthetic quick-start config sets ``synthetic=True`` in it). The demo and the
inferencer read it to warn when a model trained on synthetic faces is used
on photographs (:func:`trained_on` below).
"""
from mmengine.hooks import Hook

from mmpose_face.registry import HOOKS


def trained_on(checkpoint_meta: dict) -> dict:
    """``{'dataset', 'synthetic', 'ann_file'}`` from a checkpoint's meta, or ``{}``
    for checkpoints saved without the hook (e.g. mmpose's released files)."""
    return dict((checkpoint_meta or {}).get('trained_on') or {})


@HOOKS.register_module()
class TrainingDataRecordHook(Hook):
    """Record the training data set's name and whether it is synthetic in each checkpoint."""
    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        dataset = runner.train_dataloader.dataset
        metainfo = dict(getattr(dataset, 'metainfo', None) or {})
        checkpoint.setdefault('meta', {})['trained_on'] = dict(
            dataset=str(metainfo.get('dataset_name', type(dataset).__name__)),
            synthetic=bool(metainfo.get('synthetic', False)),
            ann_file=str(getattr(dataset, 'ann_file', '')))
