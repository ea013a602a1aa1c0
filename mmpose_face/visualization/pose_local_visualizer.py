"""Drawing face landmarks: ground truth and prediction on the photograph."""
import os.path as osp

import cv2
import numpy as np
from mmengine.visualization import Visualizer

from mmpose_face.fileio import write_atomically
from mmpose_face.registry import VISUALIZERS

SUBPIXEL_BITS = 4  # cv2 drawing with 1/16 pixel precision


def write_image_bgr(path: str, image_bgr: np.ndarray) -> None:
    """Encode ``image_bgr`` by the extension of ``path`` and write it completely or
    not at all (:func:`~mmpose_face.fileio.write_atomically`, creates the folder);
    :class:`OSError` naming the file on failure."""
    try:
        encoded, data = cv2.imencode(osp.splitext(path)[1], image_bgr)
    except cv2.error as error:
        raise OSError(f'{path}: cannot write image ({str(error).strip().splitlines()[-1]})') from None
    if not encoded:
        raise OSError(f'{path}: cannot write image')
    write_atomically(data.tobytes(), path)


def contour_links(contours) -> list:
    """``(first, last, closed)`` contours (a data set's ``metainfo['contours']``)
    -> list of (i, j) point pairs."""
    links = []
    for first, last, closed in contours:
        links += [(i, i + 1) for i in range(first, last)]
        if closed:
            links.append((last, first))
    return links


@VISUALIZERS.register_module()
class PoseLocalVisualizer(Visualizer):
    """mmpose-style visualizer for face landmarks (images are RGB, as in mmengine).

    Args:
        name, image, vis_backends, save_dir: as :class:`mmengine.visualization.Visualizer`.
        gt_color, pred_color, bbox_color: RGB colours of ground truth,
            prediction and face boxes.
        radius: point radius in pixels; ``None`` = about 1/100 of the face size.
        line_width: contour and box width in pixels; ``None`` = like radius.
        draw_contours: join the points along the data set's lines: its
            ``skeleton_links`` when it has any, else its ``contours``
            (:meth:`set_dataset_meta`); points only until it is set.
        draw_bbox: draw the face box the crop was made from.
        low_score_color: RGB colour of a predicted point with score 0; a point
            with score s is drawn ``s * pred colour + (1 - s) * low_score_color``,
            so confident points keep the prediction colour (DeepPose: all 1).
    """

    def __init__(self, name: str = 'visualizer', image: np.ndarray = None, vis_backends=None,
                 save_dir: str = None, gt_color=(0, 220, 0), pred_color=(255, 40, 40),
                 bbox_color=(255, 200, 0), radius: float = None, line_width: int = None,
                 draw_contours: bool = True, draw_bbox: bool = True, low_score_color=(255, 230, 0)):
        super().__init__(name=name, image=image, vis_backends=vis_backends, save_dir=save_dir)
        self.gt_color, self.pred_color, self.bbox_color = tuple(gt_color), tuple(pred_color), tuple(bbox_color)
        self.radius, self.line_width = radius, line_width
        self.draw_contours, self.draw_bbox = draw_contours, draw_bbox
        self.low_score_color = tuple(low_score_color)
        self.links = []

    def set_dataset_meta(self, dataset_meta: dict) -> None:
        """Draw the data set's skeleton, else its contours (mmpose's method name)."""
        self.dataset_meta = dataset_meta
        skeleton = (dataset_meta or {}).get('skeleton_links')
        if skeleton:
            self.links = [tuple(link) for link in skeleton]
        else:
            self.links = contour_links((dataset_meta or {}).get('contours') or ())

    def _sizes(self, keypoints: np.ndarray) -> tuple:
        face_size = float(np.ptp(keypoints.reshape(-1, 2), axis=0).max()) if keypoints.size else 100.
        radius = self.radius if self.radius is not None else max(1., face_size / 100.)
        line_width = self.line_width if self.line_width is not None else max(1, int(round(face_size / 150.)))
        return radius, line_width

    def draw_face(self, image: np.ndarray, keypoints: np.ndarray, color, visible: np.ndarray = None,
                  bbox: np.ndarray = None, scores: np.ndarray = None) -> np.ndarray:
        """Draw one face in place and return the image.

        Args:
            image: (H, W, 3) uint8, colours in the same channel order as ``color``.
            keypoints: (K, 2) image pixels.
            visible: (K,) points drawn where > 0.5; ``None`` = all.
            bbox: (4,) xyxy pixels, drawn when ``draw_bbox``.
            scores: (K,) confidences in [0, 1]: each point coloured between
                ``color`` (1) and ``low_score_color`` (0).
        """
        keypoints = np.asarray(keypoints, dtype=np.float64).reshape(-1, 2)
        shown = np.ones(len(keypoints), bool) if visible is None else np.asarray(visible).reshape(-1) > 0.5
        shown &= np.isfinite(keypoints).all(axis=1)
        radius, line_width = self._sizes(keypoints[shown])
        fixed = np.round(np.nan_to_num(keypoints) * (1 << SUBPIXEL_BITS)).astype(np.int64)
        color = tuple(int(c) for c in color)
        if self.draw_bbox and bbox is not None:
            corners = np.round(np.asarray(bbox, dtype=np.float64).reshape(2, 2) * (1 << SUBPIXEL_BITS))
            cv2.rectangle(image, tuple(int(v) for v in corners[0]), tuple(int(v) for v in corners[1]),
                          tuple(int(c) for c in self.bbox_color), line_width, cv2.LINE_AA, SUBPIXEL_BITS)
        if self.draw_contours:
            for i, j in self.links:
                if i < len(keypoints) and j < len(keypoints) and shown[i] and shown[j]:
                    cv2.line(image, tuple(int(v) for v in fixed[i]), tuple(int(v) for v in fixed[j]),
                             color, line_width, cv2.LINE_AA, SUBPIXEL_BITS)
        radius_fixed = int(round(radius * (1 << SUBPIXEL_BITS)))
        if scores is not None:
            weight = np.clip(np.nan_to_num(np.asarray(scores, np.float64).reshape(-1)), 0, 1)[:, None]
            point_colors = np.round(weight * color + (1 - weight) * np.asarray(self.low_score_color))
        for k in np.flatnonzero(shown):
            point_color = color if scores is None else tuple(int(c) for c in point_colors[k])
            cv2.circle(image, tuple(int(v) for v in fixed[k]), radius_fixed, point_color, -1, cv2.LINE_AA,
                       SUBPIXEL_BITS)
        return image

    def draw_instances(self, image: np.ndarray, instances, color) -> np.ndarray:
        """Draw every face of an InstanceData (``keypoints`` (N, K, 2), optional
        ``keypoints_visible`` (N, K) and ``bboxes`` (N, 4)) in place. Predictions with
        ``keypoint_scores`` (N, K) are coloured by score, every point shown."""
        if instances is None or 'keypoints' not in instances:
            return image
        keypoints = np.asarray(instances.keypoints).reshape(len(instances.keypoints), -1, 2)
        scores = instances.get('keypoint_scores')
        # a prediction's keypoints_visible is its scores: colour by them rather than hide
        visible = instances.get('keypoints_visible') if scores is None else None
        bboxes = instances.get('bboxes')
        for n in range(len(keypoints)):
            self.draw_face(image, keypoints[n], color,
                           None if visible is None else np.asarray(visible)[n],
                           None if bboxes is None or n >= len(bboxes) else np.asarray(bboxes)[n],
                           None if scores is None else np.asarray(scores)[n])
        return image

    def draw_heatmaps(self, image: np.ndarray, heatmaps, crop_center=None, crop_size=None) -> np.ndarray:
        """The per-pixel maximum of ``heatmaps`` (K, H, W) (a tensor or array, as
        ``pred_fields.heatmaps``) in the jet colours, blended half and half over a
        copy of ``image`` (H, W, 3) RGB uint8 -> that copy.

        With ``crop_center`` and ``crop_size`` ((2,) image pixels: the
        crop's ``input_center`` / ``input_scale``) the maps cover that box,
        as they do the crop; without, the whole image (as mmpose draws them).
        """
        maps = heatmaps.detach().cpu().numpy() if hasattr(heatmaps, 'detach') else np.asarray(heatmaps)
        maps = np.nan_to_num(maps.astype(np.float32).reshape(-1, *maps.shape[-2:]).max(axis=0))
        span = maps.max() - maps.min()
        maps = np.uint8(np.round(255 * (maps - maps.min()) / span)) if span > 0 else np.zeros_like(maps, np.uint8)
        colours = cv2.applyColorMap(maps, cv2.COLORMAP_JET)[..., ::-1]  # BGR -> RGB
        height, width = image.shape[:2]
        map_height, map_width = maps.shape
        if crop_center is not None and crop_size is not None:
            sx, sy = np.asarray(crop_size, np.float64).reshape(2) / (map_width, map_height)
            x0, y0 = np.asarray(crop_center, np.float64).reshape(2) - 0.5 * np.asarray(crop_size).reshape(2)
        else:
            (sx, sy), (x0, y0) = (width / map_width, height / map_height), (0., 0.)
        # map cell i covers [x0 + i * sx, x0 + (i + 1) * sx): its centre goes to that span's centre
        warp = np.array([[sx, 0, x0 + 0.5 * sx - 0.5], [0, sy, y0 + 0.5 * sy - 0.5]])
        covered = cv2.warpAffine(np.full(maps.shape, 255, np.uint8), warp, (width, height)) > 127
        colours = cv2.warpAffine(np.ascontiguousarray(colours), warp, (width, height))
        drawn = np.ascontiguousarray(image, dtype=np.uint8).copy()
        blended = np.round(0.5 * drawn.astype(np.float32) + 0.5 * colours).astype(np.uint8)
        drawn[covered] = blended[covered]
        return drawn

    def add_datasample(self, name: str, image: np.ndarray, data_sample=None, draw_gt: bool = True,
                       draw_pred: bool = True, draw_heatmap: bool = False, draw_bbox: bool = None,
                       show: bool = False, wait_time: float = 0, out_file: str = None, step: int = 0,
                       **mmpose_options) -> np.ndarray:
        """Draw ground truth (``gt_color``) and prediction (``pred_color``) of a
        :class:`PoseDataSample` over ``image`` (H, W, 3) RGB uint8.

        ``draw_heatmap`` (mmpose's): with ``pred_fields.heatmaps`` (a head's
        ``test_cfg.output_heatmaps``), their picture (:meth:`draw_heatmaps`,
        over the crop box) goes under the drawn image, which is then (2H, W, 3),
        as mmpose stacks them. ``draw_bbox``: None = the visualizer's setting.
        mmpose's ``show_kpt_idx``, ``skeleton_style`` and ``kpt_thr`` are
        accepted and ignored (points are coloured by score instead).

        The result goes to ``out_file`` when given (written BGR, like mmpose),
        else to the vis backends as ``{name}`` at ``step``; ``show`` opens a
        window. Returns the drawn RGB image.
        """
        unknown = set(mmpose_options) - {'show_kpt_idx', 'skeleton_style', 'kpt_thr'}
        if unknown:
            raise TypeError(f'PoseLocalVisualizer.add_datasample() got an unexpected keyword argument '
                            f'{sorted(unknown)[0]!r}')
        drawn = np.ascontiguousarray(image, dtype=np.uint8).copy()
        saved_draw_bbox = self.draw_bbox
        if draw_bbox is not None:
            self.draw_bbox = draw_bbox
        try:
            if data_sample is not None:
                if draw_gt:
                    self.draw_instances(drawn, data_sample.get('gt_instances'), self.gt_color)
                if draw_pred:
                    self.draw_instances(drawn, data_sample.get('pred_instances'), self.pred_color)
        finally:
            self.draw_bbox = saved_draw_bbox
        fields = data_sample.get('pred_fields') if data_sample is not None else None
        if draw_heatmap and fields is not None and 'heatmaps' in fields:
            metainfo = data_sample.metainfo
            drawn = np.concatenate([drawn, self.draw_heatmaps(image, fields.heatmaps, metainfo.get('input_center'),
                                                              metainfo.get('input_scale'))], axis=0)
        self.set_image(drawn)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            write_image_bgr(out_file, np.ascontiguousarray(drawn[..., ::-1]))
        else:
            self.add_image(name, drawn, step)
        return drawn
