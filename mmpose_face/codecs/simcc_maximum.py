"""Keypoints from SimCC vectors in torch: the arg-max bin of each axis and its score.

One implementation for the per-face numpy decode of :class:`SimCCLabel`
(through ``torch.from_numpy``), the head's batched ``predict_normalised`` on the
device (and in an exported ONNX graph) and the ``acc_pose`` of training.
"""
import torch


def simcc_maximum(simcc_x: torch.Tensor, simcc_y: torch.Tensor, apply_softmax: bool = False):
    """SimCC vectors (..., K, Wx) and (..., K, Wy) -> locations (..., K, 2) float32
    (x, y) of each vector's largest value, in SimCC bins (crop pixels times
    ``simcc_split_ratio``), and scores (..., K): the smaller of the two maxima.

    As mmpose's ``get_simcc_maximum``: ties go to the first bin (numpy's
    ``argmax``); a point whose score is not positive gets the location (-1, -1);
    ``apply_softmax`` turns each vector into a distribution first.
    """
    if apply_softmax:
        simcc_x, simcc_y = simcc_x.softmax(dim=-1), simcc_y.softmax(dim=-1)
    locations = torch.stack([simcc_x.argmax(dim=-1), simcc_y.argmax(dim=-1)], dim=-1).to(torch.float32)
    scores = torch.minimum(simcc_x.amax(dim=-1), simcc_y.amax(dim=-1))
    return torch.where((scores > 0).unsqueeze(-1), locations, torch.full_like(locations, -1.)), scores
