"""AugmentedFaceBatch, the typed batch that the crop-cache data set, the preprocessor and the loop
share: its length, a copy without the host-warped inputs, and every tensor pinned for the loader."""
import torch

from mmpose_face.fast_path import AugmentedFaceBatch


def batch_of(num_faces, with_inputs=True):
    return AugmentedFaceBatch(
        face_index=torch.arange(num_faces), warp_matrices=torch.zeros(num_faces, 2, 3),
        keypoints=torch.rand(num_faces, 5, 2), keypoints_visible=torch.ones(num_faces, 5),
        flip=torch.zeros(num_faces, dtype=torch.bool), img_path=[f'face_{i}.jpg' for i in range(num_faces)],
        inputs=torch.zeros(num_faces, 3, 8, 8, dtype=torch.uint8) if with_inputs else None)


def test_length_is_the_number_of_faces():
    assert len(batch_of(3)) == 3


def test_without_inputs_is_a_copy_for_the_device_warp():
    batch = batch_of(2)
    bare = batch.without_inputs()
    assert bare.inputs is None and batch.inputs is not None  # the original keeps its crops
    assert bare.face_index is batch.face_index and bare.img_path == batch.img_path


def test_pin_memory_pins_every_tensor_and_keeps_the_paths(monkeypatch):
    pinned = []
    monkeypatch.setattr(torch.Tensor, 'pin_memory', lambda tensor: pinned.append(tensor.shape) or tensor.clone())
    batch = batch_of(2)
    copy = batch.pin_memory()
    assert pinned == [(2, ), (2, 2, 3), (2, 5, 2), (2, 5), (2, ), (2, 3, 8, 8)]  # in field order
    assert isinstance(copy, AugmentedFaceBatch) and copy.img_path == batch.img_path
    assert torch.equal(copy.keypoints, batch.keypoints) and copy.keypoints is not batch.keypoints
    assert batch_of(2, with_inputs=False).pin_memory().inputs is None
