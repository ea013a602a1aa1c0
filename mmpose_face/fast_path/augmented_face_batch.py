"""One augmented fast-path batch: what the training set hands the preprocessor and the loop."""
from dataclasses import dataclass, fields, replace
from typing import List, Optional

import torch


@dataclass
class AugmentedFaceBatch:
    """B faces of the crop cache under one draw, ready for the device.

    ``CachedFaceDataset`` makes it (in a loader worker),
    ``FastPoseDataPreprocessor`` turns it into inputs and ``PoseDataSample``s,
    ``FastEpochBasedTrainLoop`` names its images when a loss is not finite.

    Attributes:
        face_index: (B,) int64 rows of the crop cache.
        warp_matrices: (B, 2, 3) float32 maps from cache pixels to input pixels.
        keypoints: (B, K, 2) float32 input pixels, flip pairs swapped.
        keypoints_visible: (B, K) float32.
        flip: (B,) bool, the faces mirrored.
        img_path: B photograph paths.
        inputs: (B, 3, h, w) uint8 BGR (a channels-last view of the (B, h, w,
            3) crops) when the loader warped them (and ran the per-crop
            steps), else None: the preprocessor warps on the device.
    """
    face_index: torch.Tensor
    warp_matrices: torch.Tensor
    keypoints: torch.Tensor
    keypoints_visible: torch.Tensor
    flip: torch.Tensor
    img_path: List[str]
    inputs: Optional[torch.Tensor] = None

    def __len__(self) -> int:
        return len(self.face_index)

    def pin_memory(self) -> 'AugmentedFaceBatch':
        """The same batch in page-locked memory (the loader's ``pin_memory=True``
        calls this), so copies to the GPU can overlap compute."""
        return replace(self, **{field.name: value.pin_memory() for field in fields(self)
                                if isinstance(value := getattr(self, field.name), torch.Tensor)})

    def without_inputs(self) -> 'AugmentedFaceBatch':
        """The batch as it would be had the loader not warped it."""
        return replace(self, inputs=None)
