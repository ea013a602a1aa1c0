"""The coordinate losses' formulas written out element by element with :mod:`math`, and errors chosen
to land in each branch of the piecewise ones, shared by the loss tests.

Predictions and targets are (B, K, 2) normalised crop coordinates, keypoint weights (B, K).
"""
import math

import torch


def wing(d, omega=10.0, epsilon=2.0):
    """Feng et al. 2018: log-shaped below omega, linear (shifted by C) above."""
    d = abs(d)
    if d < omega:
        return omega * math.log(1 + d / epsilon)
    return d - (omega - omega * math.log(1 + omega / epsilon))


def soft_wing(d, omega1=2.0, omega2=20.0, epsilon=0.5):
    """Lin et al. 2021: linear below omega1, log-shaped (shifted by B) above."""
    d = abs(d)
    if d < omega1:
        return d
    return omega2 * math.log(1 + d / epsilon) + omega1 - omega2 * math.log(1 + omega1 / epsilon)


def make_pair(errors):
    """Predictions and targets (B, K, 2) whose differences are ``errors`` (B, K, 2)."""
    target = torch.rand(*torch.tensor(errors).shape, dtype=torch.float64)
    return target + torch.tensor(errors, dtype=torch.float64), target


def sum_over_points_mean_over_batch(fn, errors):
    return sum(sum(fn(d) for point in face for d in point) for face in errors) / len(errors)


SMALL_AND_LARGE_ERRORS = [[[0.0, 0.5], [-0.3, 3.0], [2.0, -1.5]],
                          [[0.9, -0.2], [1.2, 0.05], [-4.0, 0.7]]]


def smooth_l1(d):
    d = abs(d)
    return 0.5 * d * d if d < 1 else d - 0.5


def mean_over_everything(fn, errors):
    values = [fn(d) for face in errors for point in face for d in point]
    return sum(values) / len(values)
