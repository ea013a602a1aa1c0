"""The last step of every pipeline: arrays -> model input and a PoseDataSample."""
import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData

from mmpose_face.registry import TRANSFORMS
from mmpose_face.structures import PoseDataSample


@TRANSFORMS.register_module()
class PackPoseInputs:
    """``{'inputs': (3, h, w) uint8 tensor, 'data_samples': PoseDataSample}``.

    Ground truth keeps image-pixel ``keypoints`` for the metric; targets go to
    ``gt_instance_labels``; ``meta_keys`` present in the dict become metainfo.
    """

    #: codec outputs packed into ``gt_instance_labels`` (as tensors), by key
    #: (mmpose's names); the fast path packs ``encode_batch`` outputs by the same table
    label_mapping_table = dict(keypoint_labels='keypoint_labels', keypoint_weights='keypoint_weights',
                               keypoints_visible_weights='keypoints_visible_weights')
    #: codec outputs (K, H, W) packed into ``gt_fields`` (a ``PixelData``), e.g. heatmaps
    field_mapping_table = dict(heatmaps='heatmaps', heatmap_weights='heatmap_weights')

    def __init__(self, meta_keys=('id', 'img_id', 'img_path', 'category_id', 'ori_shape',
                                  'img_shape', 'input_size', 'input_center', 'input_scale',
                                  'flip', 'flip_direction', 'flip_indices', 'dataset_name',
                                  'attributes')):
        self.meta_keys = tuple(meta_keys)

    def __call__(self, results: dict) -> dict:
        image = np.ascontiguousarray(results['img'].transpose(2, 0, 1))
        gt_instances = InstanceData(
            bboxes=np.asarray(results['bbox'], dtype=np.float32),
            bbox_scores=np.asarray(results.get('bbox_score', np.ones(1)), dtype=np.float32))
        if results.get('keypoints') is not None:
            gt_instances.keypoints = results['keypoints']
            gt_instances.keypoints_visible = results['keypoints_visible']
        data_sample = PoseDataSample(metainfo={k: results[k] for k in self.meta_keys if k in results})
        data_sample.gt_instances = gt_instances
        labels = {name: torch.from_numpy(np.asarray(results[key])) for key, name in self.label_mapping_table.items()
                  if key in results}
        if labels:
            data_sample.gt_instance_labels = InstanceData(**labels)
        fields = {name: torch.from_numpy(np.asarray(results[key])) for key, name in self.field_mapping_table.items()
                  if key in results}
        if fields:
            data_sample.gt_fields = PixelData(**fields)
        return dict(inputs=torch.from_numpy(image), data_samples=data_sample)
