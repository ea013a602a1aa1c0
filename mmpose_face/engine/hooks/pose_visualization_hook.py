"""Pictures of what the model predicts: validation samples while training,
every test face with ``tools/test.py --show-dir``."""
import os
import os.path as osp

from mmengine.hooks import Hook

from mmpose_face.errors import UserInputTypeError
from mmpose_face.fileio import read_image_bgr
from mmpose_face.registry import HOOKS


@HOOKS.register_module()
class PoseVisualizationHook(Hook):
    """Draw predictions (and ground truth) with the runner's visualizer.

    Args:
        enable: draw at all (off by default: drawing costs time).
        interval: validation: draw the first face of every ``interval``-th
            batch (counted from the training iteration), sent to the vis
            backends as ``val_face`` (``vis_data/vis_image/val_face_{step}.png``).
        show: also open a window.
        wait_time: seconds a shown window stays (0 = until a key).
        out_dir: test: write every face to
            ``{work_dir}/{timestamp}/{out_dir}/{image stem}_{face id}{ext}``
            (as mmpose; an absolute ``out_dir`` is used as is). Without it,
            test faces go to the vis backends as ``test_face``.
    """

    priority = 'NORMAL'

    def __init__(self, enable: bool = False, interval: int = 50, show: bool = False,
                 wait_time: float = 0., out_dir: str = None):
        if interval < 1:
            raise ValueError(f'PoseVisualizationHook: interval must be >= 1, got {interval}')
        self.enable, self.interval, self.show = enable, interval, show
        self.wait_time, self.out_dir = wait_time, out_dir
        self._test_index = 0
        self._test_out_dir = None

    def _visualizer(self, runner, evaluator):
        visualizer = runner.visualizer
        if not hasattr(visualizer, 'draw_instances'):
            raise UserInputTypeError(f'PoseVisualizationHook needs visualizer=dict(type=\'PoseLocalVisualizer\', ...) '
                            f'in the config, got {type(visualizer).__name__}')
        visualizer.set_dataset_meta(getattr(evaluator, 'dataset_meta', None))
        return visualizer

    def _add_sample(self, visualizer, name, data_sample, step, out_file=None):
        """The sample's photograph to the visualizer's ``add_datasample``, which draws it (through
        ``PoseLocalVisualizer.draw_face``, as :mod:`mmpose_face.visualization.face_drawing` does for
        inference) and sends it to the vis backends or ``out_file``."""
        img_path = data_sample.metainfo['img_path']
        image_rgb = read_image_bgr(img_path)[..., ::-1]
        visualizer.add_datasample(osp.basename(img_path) if self.show else name, image_rgb, data_sample,
                                  draw_gt=True, draw_pred=True, show=self.show, wait_time=self.wait_time,
                                  out_file=out_file, step=step)

    def after_val_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not self.enable or not outputs:
            return
        step = runner.iter + batch_idx
        if step % self.interval == 0:
            self._add_sample(self._visualizer(runner, runner.val_evaluator), 'val_face', outputs[0], step)

    def before_test(self, runner) -> None:
        self._test_index = 0
        if self.enable and self.out_dir is not None:
            self._test_out_dir = osp.join(runner.work_dir, runner.timestamp, self.out_dir)
            os.makedirs(self._test_out_dir, exist_ok=True)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not self.enable:
            return
        visualizer = self._visualizer(runner, runner.test_evaluator)
        for data_sample in outputs or []:
            self._test_index += 1
            out_file = None
            if self._test_out_dir is not None:
                stem, ext = osp.splitext(osp.basename(data_sample.metainfo['img_path']))
                face_id = data_sample.metainfo.get('id', self._test_index)
                out_file = osp.join(self._test_out_dir, f'{stem}_{face_id}{ext or ".png"}')
            self._add_sample(visualizer, 'test_face', data_sample, self._test_index, out_file)
