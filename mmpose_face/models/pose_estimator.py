"""Top-down face landmark estimator: crop -> backbone -> neck -> head -> keypoints."""
import numpy as np
import torch
from mmengine.logging import MessageHub
from mmengine.model import BaseModel

from mmpose_face.errors import CheckpointMismatchError, NonFiniteLossError  # noqa: F401 (re-exported)
from mmpose_face.registry import MODELS




@MODELS.register_module()
class TopdownPoseEstimator(BaseModel):
    """The whole model, as configs describe it.

    ``forward(inputs, data_samples, mode)``: inputs (B, 3, H, W) normalised
    crops; ``mode='loss'`` returns a loss dict, ``'predict'`` the data samples
    with ``pred_instances.keypoints`` (1, K, 2) in image pixels,
    ``'tensor'`` the head's raw output (``head.forward``: e.g. (B, K, 2) normalised
    crop coordinates for ``RegressionHead``, (B, K, H, W) heatmaps for ``HeatmapHead``).

    ``train_cfg``: passed to the head's loss; its
    ``check_finite_loss_every_step`` (default True) refuses a NaN or infinite
    loss before the step (a host sync per step: the fast-path configs turn
    it off, as ``FastEpochBasedTrainLoop`` checks at its read-backs).
    """

    def __init__(self, backbone, neck=None, head=None, train_cfg=None, test_cfg=None,
                 data_preprocessor=None, init_cfg=None, metainfo=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.head = MODELS.build(head)
        self.train_cfg = train_cfg or {}
        self.test_cfg = test_cfg or {}
        self.dataset_meta = metainfo
        self._register_load_state_dict_pre_hook(self._fit_old_checkpoints)

    def extract_feat(self, inputs: torch.Tensor) -> tuple:
        feats = self.backbone(inputs)
        return self.neck(feats) if self.neck is not None else feats

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.head.forward(self.extract_feat(inputs))
        raise ValueError(f'TopdownPoseEstimator: unknown mode {mode!r} (loss, predict or tensor)')

    def loss(self, inputs, data_samples) -> dict:
        """The head's losses (``loss_kpt``, ``acc_pose`` ...) of crops (B, 3, H, W) and their
        targets, as mmpose's ``TopdownPoseEstimator.loss``."""
        return self.head.loss(self.extract_feat(inputs), data_samples, self.train_cfg)

    def train_step(self, data, optim_wrapper) -> dict:
        """``BaseModel.train_step``, handing the batch's samples to ``parse_losses``
        so that a non-finite loss names the batch's images."""
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode='loss')
        loss, log_vars = self.parse_losses(losses, data.get('data_samples') if isinstance(data, dict) else None)
        optim_wrapper.update_params(loss)
        return log_vars

    def parse_losses(self, losses: dict, data_samples=None):
        """mmengine's loss sum, refusing a NaN or infinite loss.

        Called by ``train_step`` (plain or DDP) between the forward pass and
        ``optim_wrapper.update_params``, so the bad step never reaches the
        weights and the run stops before the next checkpoint. ``data_samples``
        (the batch's, when the caller has them) name the images in the message.
        """
        loss, log_vars = super().parse_losses(losses)
        if self.train_cfg.get('check_finite_loss_every_step', True) and not torch.isfinite(loss):
            message_hub = MessageHub.get_current_instance()
            iteration, epoch = message_hub.get_info('iter'), message_hub.get_info('epoch')
            raise NonFiniteLossError(  # counted from 1, as in the log lines
                f'loss is {loss.item()} at iteration {"?" if iteration is None else iteration + 1} '
                f'(epoch {"?" if epoch is None else epoch + 1}); the step was not applied. '
                'Images of this batch: ' + (str([sample.metainfo.get('img_path') for sample in data_samples])
                                            if data_samples is not None else 'not known here'))
        return loss, log_vars

    def predict(self, inputs, data_samples):
        if self.test_cfg.get('flip_test', False):
            feats = (self.extract_feat(inputs), self.extract_feat(inputs.flip(-1)))
        else:
            feats = self.extract_feat(inputs)
        preds = self.head.predict(feats, data_samples, test_cfg=self.test_cfg)
        if isinstance(preds, tuple):  # test_cfg.output_heatmaps: (instances, PixelData per face), as mmpose
            preds, pred_fields = preds
            for pred_field, data_sample in zip(pred_fields, data_samples):
                data_sample.pred_fields = pred_field
        return self.add_pred_to_datasample(preds, data_samples)

    @staticmethod
    def add_pred_to_datasample(preds, data_samples):
        """Crop pixels -> image pixels: ``p / input_size * scale + center - scale / 2``."""
        for pred, data_sample in zip(preds, data_samples):
            # no float32 casts: the precision of the box is kept, as in mmpose
            input_size = np.asarray(data_sample.metainfo['input_size'])
            scale = np.asarray(data_sample.metainfo['input_scale'])
            center = np.asarray(data_sample.metainfo['input_center'])
            pred.keypoints = pred.keypoints / input_size * scale + center - 0.5 * scale
            if 'keypoints_visible' not in pred:  # a codec's decoded visibility stays, as in mmpose
                pred.keypoints_visible = pred.keypoint_scores
            if 'gt_instances' in data_sample and 'bboxes' in data_sample.gt_instances:
                pred.bboxes = data_sample.gt_instances.bboxes
            data_sample.pred_instances = pred
        return data_samples

    def _fit_old_checkpoints(self, state_dict, prefix, local_metadata, strict,
                             missing_keys, unexpected_keys, error_msgs):
        """Accept mmpose 0.x checkpoints (``keypoint_head.*`` -> ``head.*``) and refuse,
        before anything is copied, parameters whose shapes do not fit."""
        name_in_file = {}  # renamed key -> the key as the 0.x file writes it, for messages
        for key in [k for k in state_dict if k.startswith(prefix + 'keypoint_head.')]:
            new_key = prefix + 'head.' + key[len(prefix + 'keypoint_head.'):]
            state_dict[new_key] = state_dict.pop(key)
            name_in_file[new_key] = key
        own = self.state_dict()
        mismatched = [f'{name_in_file.get(key, key)}: checkpoint {tuple(value.shape)} '
                      f'vs model {tuple(own[key[len(prefix):]].shape)}'
                      for key, value in state_dict.items()
                      if key[len(prefix):] in own and hasattr(value, 'shape')
                      and tuple(value.shape) != tuple(own[key[len(prefix):]].shape)]
        if mismatched:
            raise CheckpointMismatchError(
                'checkpoint parameters do not fit the model (' + '; '.join(mismatched[:5])
                + (f'; and {len(mismatched) - 5} more' if len(mismatched) > 5 else '') + ')')
