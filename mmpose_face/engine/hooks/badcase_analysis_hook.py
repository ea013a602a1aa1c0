"""The test faces a model gets worst: pictures and a list (mmpose's ``BadCaseAnalysisHook``)."""
import json
import os
import os.path as osp

import numpy as np
import torch
from mmengine import fileio
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.visualization import Visualizer

from mmpose_face.fileio import read_image_bgr, write_atomically
from mmpose_face.registry import HOOKS, METRICS, MODELS

BLUE, RED = (0, 0, 255), (255, 0, 0)  # RGB: ground truth and prediction, as mmpose draws them


def current_visualizer():
    """The newest mmengine visualizer (the runner's, once built), or None before any exists."""
    try:
        return Visualizer.get_current_instance()
    except RuntimeError:
        return None


@HOOKS.register_module()
class BadCaseAnalysisHook(Hook):
    """During testing, draw and list every face whose error passes a threshold.

    ``tools/test.py --badcase`` enables it and sets ``metric`` to the model's
    loss (as mmpose's tool does). A face is bad when, with
    ``metric_type='loss'``, ``metric(pred, gt, keypoints_visible)`` on image
    pixels is ``>= badcase_thr``; with ``'accuracy'``, when
    ``metric`` (an evaluator config) gives ``metric_key`` ``<= badcase_thr``
    on that face alone. Each bad face is drawn (ground truth blue,
    prediction red) to
    ``{work_dir}/{timestamp}/{out_dir}/{image stem}_bbox{[[x1, y1, x2, y2]]}_{metric name}{value:.2f}.{ext}``
    (or shown with ``show``), and listed in ``results.json`` there as
    ``{"img": stem, "bbox": [[x1, y1, x2, y2]], <metric name>: value}``.

    mmpose's life cycle: the metric is built, and the current visualizer
    taken, in ``__init__``; each ``after_test_iter`` (callable on its own)
    creates the folder and draws; ``after_test_epoch`` writes results.json.

    Args (mmpose's): enable, show, wait_time, interval (accepted; every
    face is checked, as in mmpose), kpt_thr (accepted; regression gives
    every point score 1), out_dir, backend_args (to read the images),
    metric_type ('loss' or 'accuracy', else KeyError), metric (a loss or
    metric config, default ``KeypointMSELoss``; an unregistered one is a
    KeyError here, as in mmpose), metric_key, badcase_thr.
    """

    priority = 'NORMAL'

    def __init__(self, enable: bool = False, show: bool = False, wait_time: float = 0., interval: int = 50,
                 kpt_thr: float = 0.3, out_dir: str = None, backend_args: dict = None, metric_type: str = 'loss',
                 metric: dict = dict(type='KeypointMSELoss'), metric_key: str = 'PCK', badcase_thr: float = 5):
        if metric_type not in ('loss', 'accuracy'):
            raise KeyError(f'The badcase metric type {metric_type} is not supported by {type(self).__name__}. '
                           f"Should be one of 'loss', 'accuracy', but got {metric_type}.")
        self.enable, self.show, self.wait_time = enable, show, wait_time
        self.interval, self.kpt_thr, self.out_dir = interval, kpt_thr, out_dir
        self.backend_args = backend_args
        self.metric_type, self.metric_cfg, self.metric_key = metric_type, metric, metric_key
        self.metric_name = metric['type'] if metric_type == 'loss' else metric_key
        self.badcase_thr = badcase_thr
        self.metric = self._build_metric()
        self._visualizer = None
        self._use_visualizer(current_visualizer())
        self.results = []
        self._test_index = 0
        self._out_dir = None

    def _build_metric(self):
        registry = MODELS if self.metric_type == 'loss' else METRICS
        try:
            return registry.build(self.metric_cfg)
        except KeyError as error:
            raise KeyError(f'BadCaseAnalysisHook: metric {self.metric_cfg["type"]!r} is not a registered '
                           f'{"loss" if self.metric_type == "loss" else "metric"} of mmpose_face ({error}); '
                           'set default_hooks.badcase.metric (tools/test.py --badcase uses model.head.loss)') from None

    def _use_visualizer(self, visualizer) -> None:
        self._visualizer = visualizer
        if visualizer is not None and self.show:  # shown only, nothing stored by the vis backends
            visualizer._vis_backends = {}

    def _prepare(self, runner):
        """The visualizer (the one of ``__init__``, else the runner's) with the data
        set's metainfo, and the output folder, created once."""
        if self._visualizer is None:
            self._use_visualizer(runner.visualizer)
        dataset_meta = getattr(runner.test_evaluator, 'dataset_meta', None)
        self._visualizer.set_dataset_meta(dataset_meta if isinstance(dataset_meta, dict) else None)
        if self.out_dir is not None and self._out_dir is None:
            self._out_dir = osp.join(runner.work_dir, runner.timestamp, self.out_dir)
            os.makedirs(self._out_dir, exist_ok=True)
        return self._visualizer

    def check_badcase(self, data_batch, data_sample):
        """(is_badcase, metric value) of one face."""
        if self.metric_type == 'loss':
            gts = np.asarray(data_sample.gt_instances.keypoints)
            preds = np.asarray(data_sample.pred_instances.keypoints)
            weights = np.asarray(data_sample.gt_instances.keypoints_visible)
            with torch.no_grad():
                value = self.metric(torch.from_numpy(preds), torch.from_numpy(gts), torch.from_numpy(weights)).item()
            return value >= self.badcase_thr, value
        self.metric.process([data_batch], [data_sample.to_dict()])
        value = self.metric.evaluate(1)[self.metric_key]
        return value <= self.badcase_thr, value

    def _image_rgb(self, img_path: str) -> np.ndarray:
        if self.backend_args:
            import mmcv  # only for non-local storage: importing mmcv.image costs seconds
            return mmcv.imfrombytes(fileio.get(img_path, backend_args=self.backend_args), channel_order='rgb')
        return read_image_bgr(img_path)[..., ::-1]

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not self.enable:
            return
        visualizer = self._prepare(runner)
        for data_sample in outputs:
            self._test_index += 1
            is_badcase, value = self.check_badcase(data_batch, data_sample)
            if not is_badcase:
                continue
            img_path = data_sample.metainfo['img_path']
            img_name, postfix = osp.basename(img_path).rsplit('.', 1)
            bboxes = np.asarray(data_sample.gt_instances.bboxes).astype(int).tolist()
            badcase_name = f'{img_name}_bbox{bboxes}_{self.metric_name}{round(value, 2)}'
            self.results.append({'img': img_name, 'bbox': bboxes, self.metric_name: value})
            out_file = osp.join(self._out_dir, f'{badcase_name}.{postfix}') if self._out_dir else None
            colors = visualizer.gt_color, visualizer.pred_color
            visualizer.gt_color, visualizer.pred_color = BLUE, RED
            try:
                visualizer.add_datasample(badcase_name if self.show else 'test_img', self._image_rgb(img_path),
                                          data_sample, draw_gt=True, draw_pred=True, show=self.show,
                                          wait_time=self.wait_time, out_file=out_file, step=self._test_index)
            finally:
                visualizer.gt_color, visualizer.pred_color = colors

    def after_test_epoch(self, runner, metrics=None) -> None:
        if not self.enable or not self.results or self._out_dir is None:
            return
        write_atomically(json.dumps(self.results).encode(), osp.join(self._out_dir, 'results.json'))
        print_log(f'the bad cases are saved under {self._out_dir}', logger='current')
