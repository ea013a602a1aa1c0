"""Landmarks of one tracked face smoothed over video frames: a One-Euro filter per point.

The One-Euro filter (Casiez, Roussel and Vogel, CHI 2012) is a low-pass
filter whose cutoff rises with speed: ``cutoff = min_cutoff + beta * speed``
(Hz, speed in pixels per second), so a still face is smoothed hard and a
moving one is followed. Two choices here, for video landmarks:

- the estimate is carried forward by its filtered velocity before the new
  measurement is blended in (a trend term, cutoff ``d_cutoff``), so a steady
  pan has no lag;
- the speed that opens the filter is the face's: the mean over its points of
  the measurement's distance from the forecast. The prediction noise of
  single points averages out over K points, a real movement does not.

Each point still has its own estimate and velocity. One
:class:`OneEuroLandmarkFilter` per track: a new track starts a new filter,
so nothing is smoothed across a track change.
"""
import numpy as np

DEFAULT_MIN_CUTOFF = 0.3  # Hz
DEFAULT_BETA = 0.1  # Hz per (pixel / second)
DEFAULT_D_CUTOFF = 0.1  # Hz, the velocity's filter


def smoothing_factor(cutoff, dt: float):
    """Exponential smoothing factor of a first-order low-pass at ``cutoff`` Hz, step ``dt`` s."""
    tau = 1.0 / (2 * np.pi * np.asarray(cutoff, np.float64))
    return 1.0 / (1.0 + tau / dt)


class OneEuroLandmarkFilter:
    """``filter(points, dt)`` -> smoothed points, for one face.

    Args:
        min_cutoff: cutoff (Hz) of a still face; lower = smoother, more lag when it starts moving.
        beta: how fast the cutoff rises with the face's speed (Hz per pixel/second);
            higher = follows fast turns better, smooths moving faces less.
        d_cutoff: cutoff (Hz) of the velocity estimate.
    """

    def __init__(self, min_cutoff: float = DEFAULT_MIN_CUTOFF, beta: float = DEFAULT_BETA,
                 d_cutoff: float = DEFAULT_D_CUTOFF):
        if min_cutoff <= 0 or beta < 0 or d_cutoff <= 0:
            raise ValueError(f'min_cutoff and d_cutoff must be > 0 and beta >= 0, got {min_cutoff}, {beta}, '
                             f'{d_cutoff}')
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.estimate = self.velocity = None

    def __call__(self, points: np.ndarray, dt: float) -> np.ndarray:
        """(K, 2) measured points (pixels) of this frame, ``dt`` seconds after the last -> (K, 2) smoothed."""
        points = np.asarray(points, np.float64)
        if self.estimate is None or self.estimate.shape != points.shape:
            self.estimate, self.velocity = points.copy(), np.zeros_like(points)
            return points.astype(np.float32)
        forecast = self.estimate + self.velocity * dt
        speed = np.linalg.norm((points - forecast).mean(axis=0)) / dt
        new = forecast + smoothing_factor(self.min_cutoff + self.beta * speed, dt) * (points - forecast)
        gain = smoothing_factor(self.d_cutoff + self.beta * speed, dt)
        self.velocity += gain * ((new - self.estimate) / dt - self.velocity)
        self.estimate = new
        return new.astype(np.float32)
