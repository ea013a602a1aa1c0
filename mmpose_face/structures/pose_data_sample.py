"""The per-face record that flows from the data pipeline to the metric."""
from mmengine.structures import BaseDataElement, InstanceData, PixelData


class PoseDataSample(BaseDataElement):
    """One face crop's annotations and predictions.

    Fields (all :class:`InstanceData` with one instance, the face):
        gt_instances: ``bboxes`` (1, 4) xyxy, ``keypoints`` (1, K, 2) image
            pixels, ``keypoints_visible`` (1, K).
        gt_instance_labels: ``keypoint_labels`` (1, K, 2) normalised to the
            input crop, ``keypoint_weights`` (1, K).
        pred_instances: ``keypoints`` (1, K, 2) image pixels,
            ``keypoint_scores`` (1, K).
    Also, as mmpose: ``gt_fields`` / ``pred_fields`` (:class:`PixelData`:
    dense targets such as ``heatmaps`` (K, H, W) when a codec gives them;
    coordinate regression leaves them unset). Each field can be deleted
    (``del sample.pred_instances``).
    Metainfo holds ``img_path``, ``id``, ``input_center``, ``input_scale``,
    ``input_size``, ``flip_indices`` and, for WFLW, ``attributes``.
    """

    @property
    def gt_instances(self) -> InstanceData:
        return self._gt_instances

    @gt_instances.setter
    def gt_instances(self, value: InstanceData):
        self.set_field(value, '_gt_instances', dtype=InstanceData)

    @gt_instances.deleter
    def gt_instances(self):
        del self._gt_instances

    @property
    def gt_instance_labels(self) -> InstanceData:
        return self._gt_instance_labels

    @gt_instance_labels.setter
    def gt_instance_labels(self, value: InstanceData):
        self.set_field(value, '_gt_instance_labels', dtype=InstanceData)

    @gt_instance_labels.deleter
    def gt_instance_labels(self):
        del self._gt_instance_labels

    @property
    def pred_instances(self) -> InstanceData:
        return self._pred_instances

    @pred_instances.setter
    def pred_instances(self, value: InstanceData):
        self.set_field(value, '_pred_instances', dtype=InstanceData)

    @pred_instances.deleter
    def pred_instances(self):
        del self._pred_instances

    @property
    def gt_fields(self) -> PixelData:
        return self._gt_fields

    @gt_fields.setter
    def gt_fields(self, value: PixelData):
        self.set_field(value, '_gt_fields', dtype=PixelData)

    @gt_fields.deleter
    def gt_fields(self):
        del self._gt_fields

    @property
    def pred_fields(self) -> PixelData:
        return self._pred_fields

    @pred_fields.setter
    def pred_fields(self, value: PixelData):
        self.set_field(value, '_pred_fields', dtype=PixelData)

    @pred_fields.deleter
    def pred_fields(self):
        del self._pred_fields
