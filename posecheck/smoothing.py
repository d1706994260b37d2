"""Landmark jitter filtering: a One Euro filter per coordinate (Casiez et al., CHI 2012).

One Euro smooths hard when a joint is still (jitter is what is left) and little when it moves fast (lag is
what hurts), which is what rep counting and live cues both need. Coordinates are filtered in units of the
image height so one setting works for any resolution. After a gap (nobody in view) the filter restarts
rather than dragging the new person from where the old one was.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from posecheck.pose import PoseFrame


@dataclass(frozen=True)
class OneEuroSettings:
    min_cutoff_hz: float = 1.2
    beta: float = 8.0
    derivative_cutoff_hz: float = 1.0
    max_gap_s: float = 0.5


class OneEuroFilter:
    """Vectorised One Euro filter over an array of any shape."""

    def __init__(self, settings: OneEuroSettings) -> None:
        self.settings = settings
        self._value: np.ndarray | None = None
        self._derivative: np.ndarray | None = None
        self._time_s: float | None = None

    @staticmethod
    def _alpha(cutoff_hz: np.ndarray | float, dt_s: float) -> np.ndarray | float:
        tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz))
        return 1.0 / (1.0 + tau / dt_s)

    def reset(self) -> None:
        self._value = None
        self._derivative = None
        self._time_s = None

    def __call__(self, value: np.ndarray, time_s: float) -> np.ndarray:
        if self._value is None or self._time_s is None or time_s - self._time_s > self.settings.max_gap_s:
            self._value = value.copy()
            self._derivative = np.zeros_like(value)
            self._time_s = time_s
            return value.copy()
        dt_s = max(time_s - self._time_s, 1e-4)
        derivative = (value - self._value) / dt_s
        alpha_d = self._alpha(self.settings.derivative_cutoff_hz, dt_s)
        assert self._derivative is not None
        self._derivative = alpha_d * derivative + (1 - alpha_d) * self._derivative
        cutoff = self.settings.min_cutoff_hz + self.settings.beta * np.abs(self._derivative)
        alpha = self._alpha(cutoff, dt_s)
        self._value = alpha * value + (1 - alpha) * self._value
        self._time_s = time_s
        return self._value.copy()


class LandmarkSmoother:
    """Filters one stream of PoseFrames; keep one per stream, in frame order."""

    def __init__(self, settings: OneEuroSettings | None = None) -> None:
        settings = settings or OneEuroSettings()
        self._image = OneEuroFilter(settings)
        self._world = OneEuroFilter(settings)
        self._visibility = OneEuroFilter(settings)

    def smooth(self, frame: PoseFrame) -> PoseFrame:
        if frame.pose is None:
            self._image.reset()
            self._world.reset()
            self._visibility.reset()
            return frame
        scale = float(frame.image_size[1]) or 1.0
        pose = frame.pose
        image_xy = self._image(pose.image_xy / scale, frame.timestamp_s) * scale
        world_xyz = self._world(pose.world_xyz, frame.timestamp_s)
        visibility = self._visibility(pose.visibility, frame.timestamp_s)
        return replace(frame, pose=replace(pose, image_xy=image_xy, world_xyz=world_xyz, visibility=visibility))
