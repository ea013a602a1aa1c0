"""An epoch loop that keeps the GPU busy: no host synchronisation per step."""
import logging

import torch
from mmengine.hooks import CheckpointHook, LoggerHook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop

from mmpose_face.errors import NonFiniteLossError
from mmpose_face.registry import LOOPS
from .cached_face_dataset import CachedFaceDataset
from .fast_data_preprocessor import FastPoseDataPreprocessor


@LOOPS.register_module()
class FastEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` that reads the losses back every ``sync_interval`` steps.

    mmengine's loop hands each step's loss tensors to ``RuntimeInfoHook``,
    which calls ``.item()`` on them, and ``TopdownPoseEstimator`` checks the
    loss for NaN/inf on the host: two waits for the GPU per step. Here the
    losses stay on the device; at the log interval, at the end of each epoch
    and before an iteration-based checkpoint they are copied back in one
    transfer, pushed into the message hub in order (so logged averages are
    the same as per-step logging), and checked.

    It binds the training set's crop cache and augmentor to the model's
    ``FastPoseDataPreprocessor`` (:meth:`~FastPoseDataPreprocessor.bind`),
    and again after ``mmdet.PipelineSwitchHook`` has switched the training
    set's pipeline (:attr:`CachedFaceDataset.pipeline`).
    The model's own per-step check is its config's switch
    (``model.train_cfg.check_finite_loss_every_step=False`` in the fast-path
    configs); this loop always checks at its read-backs.

    Trade-off: a non-finite loss stops training up to ``sync_interval - 1``
    steps after it happened (the weights took those steps), instead of
    before its own step. It still stops before any checkpoint is written
    from those weights, and ``NonFiniteLossError`` names the first bad
    iteration; resume from the last checkpoint.

    Args:
        sync_interval: steps between reads; default the ``LoggerHook``
            interval (50 if there is none).
        channels_last: on CUDA, convert the model to channels-last memory
            format before training (the fast preprocessor feeds channels-last
            input there); under DDP the wrapper must do it (see
            ``ChannelsLastDistributedDataParallel``).
        Other arguments as ``EpochBasedTrainLoop``.
    """

    def __init__(self, runner, dataloader, max_epochs: int, val_begin: int = 1, val_interval: int = 1,
                 dynamic_intervals=None, sync_interval: int = None, channels_last: bool = True):
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval, dynamic_intervals)
        logger = next((hook for hook in runner.hooks if isinstance(hook, LoggerHook)), None)
        self.sync_interval = int(sync_interval or (logger.interval if logger is not None else 50))
        checkpoint = next((hook for hook in runner.hooks if isinstance(hook, CheckpointHook)), None)
        self._checkpoint_iters = (checkpoint.interval if checkpoint is not None and not checkpoint.by_epoch
                                  else None)
        self.channels_last = channels_last
        self._pending = []      # (iteration, epoch, image paths, (V,) tensor of the step's log values) not yet read
        self._pending_names = None
        dataset = self.dataloader.dataset
        if not isinstance(dataset, CachedFaceDataset):
            raise TypeError(f'FastEpochBasedTrainLoop: the training set must be a CachedFaceDataset, got '
                            f'{type(dataset).__name__}')
        preprocessor = self._model.data_preprocessor
        if not isinstance(preprocessor, FastPoseDataPreprocessor):
            raise TypeError('FastEpochBasedTrainLoop: the model needs '
                            "data_preprocessor=dict(type='FastPoseDataPreprocessor', ...), got "
                            f'{type(preprocessor).__name__}')
        preprocessor.bind(dataset.cache, dataset.augmentor)

    @property
    def _model(self):
        return self.runner.model.module if is_model_wrapper(self.runner.model) else self.runner.model

    def run(self):
        on_cuda = next(self._model.parameters()).is_cuda
        if self.channels_last and on_cuda and not is_model_wrapper(self.runner.model):
            self._model.to(memory_format=torch.channels_last)
        elif self.channels_last and on_cuda:
            # DDP has laid out its gradient buckets already: converting now would copy every
            # gradient across layouts; ChannelsLastDistributedDataParallel converts before
            weight = next(self._model.parameters())
            if weight.dim() == 4 and not weight.is_contiguous(memory_format=torch.channels_last):
                print_log('FastEpochBasedTrainLoop: the wrapped model is not channels-last; use '
                          "model_wrapper_cfg=dict(type='mmpose_face.ChannelsLastDistributedDataParallel')",
                          logger='current', level=logging.WARNING)
        return super().run()

    def run_iter(self, idx, data_batch) -> None:
        dataset, preprocessor = self.dataloader.dataset, self._model.data_preprocessor
        if preprocessor._augmentor is not dataset.augmentor:  # the pipeline was switched (PipelineSwitchHook)
            preprocessor.bind(dataset.cache, dataset.augmentor)
        self.runner.call_hook('before_train_iter', batch_idx=idx, data_batch=data_batch)
        log_vars = self.runner.model.train_step(data_batch, optim_wrapper=self.runner.optim_wrapper)
        self._pending_names = list(log_vars)
        values = torch.stack([value.detach().float().reshape(()) for value in log_vars.values()])
        self._pending.append((self._iter, self._epoch, list(data_batch.img_path), values))
        outputs = self._read_back() if self._must_sync(idx) else None
        # outputs=None: RuntimeInfoHook records nothing for this step (it was or will be pushed in order)
        self.runner.call_hook('after_train_iter', batch_idx=idx, data_batch=data_batch, outputs=outputs)
        self._iter += 1

    def _must_sync(self, idx: int) -> bool:
        end_of_epoch = idx + 1 == len(self.dataloader)
        checkpoint_due = self._checkpoint_iters and (self._iter + 1) % self._checkpoint_iters == 0
        return end_of_epoch or (idx + 1) % self.sync_interval == 0 or bool(checkpoint_due)

    def _read_back(self) -> dict:
        """One device->host copy of the pending losses; raise on a non-finite
        one; push all but the last step into the message hub and return the
        last as this step's outputs."""
        pending, self._pending = self._pending, []
        values = torch.stack([value for *_, value in pending]).cpu()
        finite = torch.isfinite(values).all(dim=1)
        if not bool(finite.all()):
            first = int((~finite).nonzero()[0, 0])
            iteration, epoch, img_paths, _ = pending[first]
            bad = dict(zip(self._pending_names, values[first].tolist()))
            raise NonFiniteLossError(  # counted from 1, as the reference loop's message and the log lines
                f'loss is not finite at iteration {iteration + 1} (epoch {epoch + 1}): {bad}; the '
                f'fast path checks every {self.sync_interval} steps, so the weights took '
                f'{pending[-1][0] - iteration + 1} step(s) since; no checkpoint was written '
                f'from them - resume from the last checkpoint. Images of that batch: {img_paths}')
        message_hub = self.runner.message_hub
        for row in values[:-1].tolist():
            for name, value in zip(self._pending_names, row):
                message_hub.update_scalar(f'train/{name}', value)
        return dict(zip(self._pending_names, values[-1].tolist()))
