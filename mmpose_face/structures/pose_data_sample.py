"""The per-face record that flows from the data pipeline to the metric."""
from mmengine.structures import BaseDataElement, InstanceData, PixelData


class PoseDataSample(BaseDataElement):
    """One face crop's annotations and predictions.

    Fields (all :class:`InstanceData` with one instance, the face):
        gt_instances: ``bboxes`` (1, 4) xyxy, ``keypoints`` (1, K, 2) image
            pixels, ``keypoints_visible`` (1, K).
        gt_instance_labels: ``keypoint_labels`` (1, K, 2) normalised to the
            input crop, ``keypoint_weights`` (1, K).
        gt_fields (a :class:`PixelData`): dense targets such as ``heatmaps``
            (K, H, W), when a codec gives them.
        pred_instances: ``keypoints`` (1, K, 2) image pixels,
            ``keypoint_scores`` (1, K).
    Metainfo holds ``img_path``, ``id``, ``input_center``, ``input_scale``,
    ``input_size``, ``flip_indices`` and, for WFLW, ``attributes``.
    """

    @property
    def gt_instances(self) -> InstanceData:
        return self._gt_instances

    @gt_instances.setter
    def gt_instances(self, value: InstanceData):
        self.set_field(value, '_gt_instances', dtype=InstanceData)

    @property
    def gt_instance_labels(self) -> InstanceData:
        return self._gt_instance_labels

    @gt_instance_labels.setter
    def gt_instance_labels(self, value: InstanceData):
        self.set_field(value, '_gt_instance_labels', dtype=InstanceData)

    @property
    def pred_instances(self) -> InstanceData:
        return self._pred_instances

    @pred_instances.setter
    def pred_instances(self, value: InstanceData):
        self.set_field(value, '_pred_instances', dtype=InstanceData)

    @property
    def gt_fields(self) -> PixelData:
        return self._gt_fields

    @gt_fields.setter
    def gt_fields(self, value: PixelData):
        self.set_field(value, '_gt_fields', dtype=PixelData)
