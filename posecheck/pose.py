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


class PersonGate:
    """Tells a person from the model's ghosts.

    On an empty room the landmarker still "finds" people now and then; their skeletons jump about from one
    frame to the next, while a real body moves coherently. A person is confirmed once their joints have moved
    coherently (median joint speed below `max_speed_heights_per_s` body heights per second) for
    `confirm_s`; once confirmed they stay confirmed through a fast move or two and through gaps up to
    `keep_gap_s`, but not through several incoherent frames in a row.
    """

    def __init__(self, max_speed_heights_per_s: float = 6.0, confirm_s: float = 0.2, keep_gap_s: float = 0.5) -> None:
        self.max_speed = max_speed_heights_per_s
        self.confirm_s = confirm_s
        self.keep_gap_s = keep_gap_s
        self._previous: tuple[float, np.ndarray] | None = None
        self._coherent_since: float | None = None
        self._confirmed = False
        self._last_seen_s: float | None = None
        self._incoherent_run = 0
        self.max_incoherent_frames = 2

    def accept(self, timestamp_s: float, image_xy: np.ndarray | None) -> bool:
        """Whether the skeleton seen at `timestamp_s` (None: nobody) is a confirmed person."""
        if self._last_seen_s is not None and timestamp_s - self._last_seen_s > self.keep_gap_s:
            self._confirmed = False
        if image_xy is None:
            self._previous, self._coherent_since = None, None
            return False
        self._last_seen_s = timestamp_s
        coherent = False
        if self._previous is not None:
            previous_s, previous_xy = self._previous
            body = image_xy[11:29]
            height = max(float(np.ptp(body[:, 1])), float(np.ptp(body[:, 0])), 1.0)
            speed = float(np.median(np.linalg.norm(body - previous_xy[11:29], axis=1))) / height
            coherent = speed / max(timestamp_s - previous_s, 1e-3) < self.max_speed
        self._previous = (timestamp_s, image_xy)
        self._incoherent_run = 0 if coherent else self._incoherent_run + 1
        if self._incoherent_run > self.max_incoherent_frames:
            self._confirmed = False  # a real body does not jump about for several frames running
        if coherent or self._confirmed:
            if self._coherent_since is None:
                self._coherent_since = timestamp_s
        else:
            self._coherent_since = None
        if self._coherent_since is not None and timestamp_s - self._coherent_since >= self.confirm_s - 1e-9:
            self._confirmed = True
        return self._confirmed


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
        self.gate = PersonGate()

    def estimate(self, frame: Frame) -> PoseFrame:
        return self.to_pose_frame(frame, self.detect(frame, self.prepare(frame)))

    # estimate() in three steps, so a pipeline can keep only the model call on its inference thread: prepare()
    # is stateless (any thread), detect() must see frames in order, to_pose_frame() must see results in order.

    def prepare(self, frame: Frame) -> object:
        """The model's input picture (RGB) for a frame."""
        import cv2

        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        return self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)

    def detect(self, frame: Frame, image: object) -> object:
        """The raw landmarker result for a prepared picture."""
        timestamp_ms = max(round(frame.timestamp_s * 1000.0), self._last_timestamp_ms + 1)
        self._last_timestamp_ms = timestamp_ms
        if self._warmed_up:
            result = self._landmarker.detect_for_video(image, timestamp_ms)
        else:
            # The first calls, and the first with a person, print native INFO/WARNING lines meant for developers.
            with quiet_native_logs():
                result = self._landmarker.detect_for_video(image, timestamp_ms)
            self._warmed_up = bool(result.pose_landmarks)
        return result

    def to_pose_frame(self, frame: Frame, result: object) -> PoseFrame:
        """The followed person's landmarks as arrays (or no pose) from a raw result."""
        size = (frame.width, frame.height)
        found = result.pose_landmarks  # type: ignore[attr-defined]
        if not found:
            self._previous_hip_xy = None
            self.gate.accept(frame.timestamp_s, None)
            return PoseFrame(frame.index, frame.timestamp_s, None, size)
        people = [self._to_arrays(result, i, size) for i in range(len(found))]
        chosen = self._choose_person(people)
        image_xy, world_xyz, visibility = people[chosen]
        self._previous_hip_xy = image_xy[[23, 24]].mean(axis=0)
        if not self.gate.accept(frame.timestamp_s, image_xy):
            return PoseFrame(frame.index, frame.timestamp_s, None, size)  # not (yet) a confirmed person
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
