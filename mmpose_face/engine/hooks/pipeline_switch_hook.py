"""Switch the training pipeline at an epoch (mmdet's ``PipelineSwitchHook``).

mmpose's RTMPose configs train their last epochs with weaker augmentation
(``train_pipeline_stage2``) and name the hook in mmdet's scope,
``mmdet.PipelineSwitchHook``; it is registered there.
"""
from mmcv.transforms import Compose
from mmengine.hooks import Hook

from mmpose_face.registry import MMDET_HOOKS


@MMDET_HOOKS.register_module()
class PipelineSwitchHook(Hook):
    """From epoch ``switch_epoch`` on (0-based, checked before each training epoch),
    the train data set's pipeline is ``Compose(switch_pipeline)``.

    With ``persistent_workers=True`` the loader's workers hold copies of the
    data set made when they started, so, as mmdet 3.3.0 does, the hook makes
    the loader start new workers once (through the private attributes of
    ``torch.utils.data.DataLoader``) and restores its state at the next epoch.
    After a resume past ``switch_epoch`` the switch happens at the first epoch run.

    Args (mmdet's):
        switch_epoch: the first epoch trained with ``switch_pipeline``.
        switch_pipeline: transform configs (or callables) of the new pipeline.
    """

    def __init__(self, switch_epoch, switch_pipeline):
        self.switch_epoch = switch_epoch
        self.switch_pipeline = switch_pipeline
        self._restart_dataloader = False
        self._has_switched = False

    def before_train_epoch(self, runner):
        train_loader = runner.train_dataloader
        if runner.epoch >= self.switch_epoch and not self._has_switched:
            runner.logger.info('Switch pipeline now!')
            train_loader.dataset.pipeline = Compose(self.switch_pipeline)
            if getattr(train_loader, 'persistent_workers', None) is True:
                # workers keep the old pipeline: make DataLoader build a new iterator (new workers)
                train_loader._DataLoader__initialized = False
                train_loader._iterator = None
                self._restart_dataloader = True
            self._has_switched = True
        elif self._restart_dataloader:
            train_loader._DataLoader__initialized = True  # the new workers run; restore the flag
