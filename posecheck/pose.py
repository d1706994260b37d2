"""Pose estimation with MediaPipe's Pose Landmarker (Tasks API).

VIDEO mode for files (tracking across frames, deterministic), and the same mode fed with the latest frame
for live use: the live loop drops frames itself, which keeps the overlay on the frame it was computed from.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posecheck.errors import ModelError
from posecheck.sources import Frame

LANDMARK_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
LANDMARK_INDEX = {name: i for i, name in enumerate(LANDMARK_NAMES)}
SKELETON_EDGES = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24), (23, 25), (25, 27),
    (24, 26), (26, 28), (27, 29), (29, 31), (27, 31), (28, 30), (30, 32), (28, 32), (0, 11), (0, 12),
)


@contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Silences what MediaPipe's C++ core writes straight to file descriptor 2 (unless POSECHECK_DEBUG is set)."""
    if os.environ.get("POSECHECK_DEBUG"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@dataclass(frozen=True)
class Pose:
    """One person's landmarks in one frame.

    `image_xy` is in pixels (x right, y down); `world_xyz` in metres around the hips (MediaPipe's world
    landmarks); `visibility` as the model reports it (which stays high for hidden joints, so it is one
    signal among several, not the judge of what is seen).
    """

    index: int
    timestamp_s: float
    image_xy: np.ndarray = field(repr=False)  # (33, 2) float64, pixels
    world_xyz: np.ndarray = field(repr=False)  # (33, 3) float64, metres
    visibility: np.ndarray = field(repr=False)  # (33,) float64 in [0, 1]
    people_count: int = 1
    """How many people the landmarker found (it is asked for two, to warn about a second person)."""


@dataclass(frozen=True)
class PoseFrame:
    """The pose stage's output for one frame: a pose, or None when nobody is in view."""

    index: int
    timestamp_s: float
    pose: Pose | None
    image_size: tuple[int, int]  # width, height


class PoseEstimator:
    """Wraps PoseLandmarker in VIDEO mode; one instance per stream (it tracks between frames)."""

    def __init__(self, model_path: str | Path, max_people: int = 2) -> None:
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=max_people,
            min_pose_detection_confidence=0.5,
            min_pose_presence_confidence=0.5,
            min_tracking_confidence=0.5,
        )
        try:
            with quiet_native_logs():
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as error:
            raise ModelError(f"cannot load pose model {model_path}: {str(error).splitlines()[0]}") from None
        self._warmed_up = False
        self._last_timestamp_ms = -1
        self._previous_hip_xy: np.ndarray | None = None

    def estimate(self, frame: Frame) -> PoseFrame:
        import cv2

        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        timestamp_ms = max(round(frame.timestamp_s * 1000.0), self._last_timestamp_ms + 1)
        self._last_timestamp_ms = timestamp_ms
        if self._warmed_up:
            result = self._landmarker.detect_for_video(image, timestamp_ms)
        else:
            with quiet_native_logs():  # the first call prints a screenful of native INFO/WARNING lines
                result = self._landmarker.detect_for_video(image, timestamp_ms)
            self._warmed_up = True
        size = (frame.width, frame.height)
        if not result.pose_landmarks:
            self._previous_hip_xy = None
            return PoseFrame(frame.index, frame.timestamp_s, None, size)
        people = [self._to_arrays(result, i, size) for i in range(len(result.pose_landmarks))]
        chosen = self._choose_person(people)
        image_xy, world_xyz, visibility = people[chosen]
        self._previous_hip_xy = image_xy[[23, 24]].mean(axis=0)
        pose = Pose(frame.index, frame.timestamp_s, image_xy, world_xyz, visibility, len(people))
        return PoseFrame(frame.index, frame.timestamp_s, pose, size)

    def _choose_person(self, people: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> int:
        """Follow the person we followed before; at the start take the biggest (the nearest to the camera)."""
        if len(people) == 1:
            return 0
        if self._previous_hip_xy is not None:
            distances = [float(np.linalg.norm(p[0][[23, 24]].mean(axis=0) - self._previous_hip_xy)) for p in people]
            return int(np.argmin(distances))
        sizes = [float(np.ptp(p[0][:, 0]) * np.ptp(p[0][:, 1])) for p in people]
        return int(np.argmax(sizes))

    @staticmethod
    def _to_arrays(result: object, person: int, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        landmarks = result.pose_landmarks[person]  # type: ignore[attr-defined]
        world = result.pose_world_landmarks[person]  # type: ignore[attr-defined]
        width, height = size
        image_xy = np.array([[lm.x * width, lm.y * height] for lm in landmarks], dtype=np.float64)
        visibility = np.array([lm.visibility if lm.visibility is not None else 0.0 for lm in landmarks])
        world_xyz = np.array([[lm.x, lm.y, lm.z] for lm in world], dtype=np.float64)
        return image_xy, world_xyz, visibility

    def close(self) -> None:
        with quiet_native_logs():
            self._landmarker.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
