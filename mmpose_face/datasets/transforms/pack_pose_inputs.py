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
    ``gt_instance_labels``, target ``heatmaps`` (K, H, W) to ``gt_fields``; ``meta_keys`` present in the dict become metainfo.
    """

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
        if 'keypoint_labels' in results:
            data_sample.gt_instance_labels = InstanceData(
                keypoint_labels=torch.from_numpy(results['keypoint_labels']),
                keypoint_weights=torch.from_numpy(results['keypoint_weights']))
        if 'heatmaps' in results:
            data_sample.gt_fields = PixelData(heatmaps=torch.from_numpy(results['heatmaps']))
        return dict(inputs=torch.from_numpy(image), data_samples=data_sample)
