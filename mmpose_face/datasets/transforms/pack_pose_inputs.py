"""The last step of every pipeline: arrays -> model input and a PoseDataSample."""
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import InstanceData, PixelData

from mmpose_face.registry import TRANSFORMS
from mmpose_face.structures import PoseDataSample
from . import batch_stage as stages


@TRANSFORMS.register_module()
class PackPoseInputs(BaseTransform):
    """``{'inputs': (3, h, w) uint8 tensor, 'data_samples': PoseDataSample}``.

    ``gt_instances`` get the fields of ``instance_mapping_table`` present in
    the dict (``bbox`` -> ``bboxes`` (1, 4) float32, ``bbox_score`` ->
    ``bbox_scores``, image-pixel ``keypoints``, ``keypoints_visible``,
    ``bbox_scale`` -> ``bbox_scales`` ...), and with ``pack_transformed`` the
    crop-pixel ``transformed_keypoints``; targets (``keypoint_labels``,
    ``keypoint_weights``) go to ``gt_instance_labels`` as tensors; the
    ``meta_keys`` present become metainfo.

    Args (mmpose's):
        meta_keys: mmpose's default plus ``attributes`` (WFLW's subset
            flags, which the NME table reads) and ``ann_file`` (NME tells
            the faces of several annotation files apart by (file, id)).
        pack_transformed: also pack ``transformed_keypoints``.
    """

    batch_stage = stages.PACK  # how the fast path batches it

    instance_mapping_table = dict(bbox='bboxes', bbox_score='bbox_scores', keypoints='keypoints',
                                  keypoints_cam='keypoints_cam', keypoints_visible='keypoints_visible',
                                  bbox_scale='bbox_scales', head_size='head_size')
    #: mmpose's table, plus SimCCLabel's vectors (mmpose's GenerateTarget hands the codec's
    #: ``label_mapping_table`` over in the results; here the one table has them)
    label_mapping_table = dict(keypoint_labels='keypoint_labels', keypoint_weights='keypoint_weights',
                               keypoints_visible_weights='keypoints_visible_weights',
                               keypoint_x_labels='keypoint_x_labels', keypoint_y_labels='keypoint_y_labels')
    #: codec outputs (K, H, W) packed into ``gt_fields`` (a ``PixelData``), e.g. heatmaps;
    #: the fast path packs ``encode_batch`` outputs by these same two tables
    field_mapping_table = dict(heatmaps='heatmaps', heatmap_weights='heatmap_weights')

    def __init__(self, meta_keys=('id', 'img_id', 'img_path', 'category_id', 'crowd_index', 'ori_shape',
                                  'img_shape', 'input_size', 'input_center', 'input_scale', 'flip',
                                  'flip_direction', 'flip_indices', 'raw_ann_info', 'dataset_name',
                                  'attributes', 'ann_file'),
                 pack_transformed: bool = False):
        super().__init__()
        self.meta_keys = meta_keys
        self.pack_transformed = pack_transformed

    def transform(self, results: dict) -> dict:
        image = results['img']
        if image.ndim < 3:
            image = image[..., None]
        inputs = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
        gt_instances = InstanceData(
            bboxes=np.asarray(results['bbox'], dtype=np.float32),
            bbox_scores=np.asarray(results.get('bbox_score', np.ones(1)), dtype=np.float32))
        for key, packed_key in self.instance_mapping_table.items():
            if key in ('bbox', 'bbox_score') or results.get(key) is None:
                continue
            gt_instances.set_field(results[key], packed_key)
        if self.pack_transformed and results.get('transformed_keypoints') is not None:
            gt_instances.set_field(results['transformed_keypoints'], 'transformed_keypoints')
        data_sample = PoseDataSample(metainfo={k: results[k] for k in self.meta_keys if k in results})
        data_sample.gt_instances = gt_instances
        labels = {packed_key: torch.from_numpy(np.asarray(results[key]))
                  for key, packed_key in self.label_mapping_table.items() if key in results}
        if labels:
            data_sample.gt_instance_labels = InstanceData(**labels)
        fields = {packed_key: torch.from_numpy(np.asarray(results[key]))
                  for key, packed_key in self.field_mapping_table.items() if key in results}
        if fields:
            data_sample.gt_fields = PixelData(**fields)
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys}, pack_transformed={self.pack_transformed})'
