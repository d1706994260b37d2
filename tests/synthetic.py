"""Synthetic people for logic tests: stick figures with exactly known joint angles.

Poses are built in image pixels (y down) and mirrored into MediaPipe-like world metres, with the left and
right sides placed so the view classifier sees the intended camera view.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from posecheck.pose import LANDMARK_INDEX, LANDMARK_NAMES, Pose, PoseFrame

IMAGE_SIZE = (1000, 1000)
PX_PER_M = 500.0


def pose_frame(points: dict[str, tuple[float, float]], t: float, index: int = 0, view: str = "side",
               width_px: float = 80.0, visibility: float = 0.99, people: int = 1,
               size: tuple[int, int] = IMAGE_SIZE) -> PoseFrame:
    """A PoseFrame from named 2D points.

    `points` names sideless joints ("hip", "knee", ...) placed for both sides, or explicit "left_knee" etc.
    In a side view both sides share x/y and differ in depth; in a front view they are `width_px` apart.
    Any landmark not given sits at the nearest named joint so every array is complete.
    """
    image = np.full((len(LANDMARK_NAMES), 2), np.nan)
    for name, (x, y) in points.items():
        if name in LANDMARK_INDEX:
            image[LANDMARK_INDEX[name]] = (x, y)
            continue
        for side, sign in (("left", 1.0), ("right", -1.0)):
            key = f"{side}_{name}"
            if key in LANDMARK_INDEX and key not in points:
                offset = sign * width_px / 2 if view == "front" else 0.0
                image[LANDMARK_INDEX[key]] = (x + offset, y)
    _fill_missing(image)
    world = np.zeros((len(LANDMARK_NAMES), 3))
    world[:, 0] = (image[:, 0] - size[0] / 2) / PX_PER_M
    world[:, 1] = (image[:, 1] - size[1] / 2) / PX_PER_M
    for i, name in enumerate(LANDMARK_NAMES):
        if view == "side" and name.startswith(("left_", "right_")):
            world[i, 2] = -0.1 if name.startswith("left_") else 0.1
    vis = np.full(len(LANDMARK_NAMES), visibility)
    pose = Pose(index, t, image, world, vis, people)
    return PoseFrame(index, t, pose, size)


def empty_frame(t: float, index: int = 0) -> PoseFrame:
    return PoseFrame(index, t, None, IMAGE_SIZE)


def _fill_missing(image: np.ndarray) -> None:
    known = ~np.isnan(image[:, 0])
    fallback = {"eye": "nose", "ear": "nose", "mouth": "nose", "pinky": "wrist", "index": "wrist",
                "thumb": "wrist", "heel": "ankle", "foot_index": "ankle", "elbow": "shoulder", "wrist": "shoulder"}
    for i, name in enumerate(LANDMARK_NAMES):
        if known[i]:
            continue
        side = "left_" if name.startswith("left_") else "right_" if name.startswith("right_") else ""
        base = name.removeprefix(side)
        for key, target in fallback.items():
            if key in base:
                source = f"{side}{target}" if target != "nose" else "nose"
                j = LANDMARK_INDEX[source]
                if not np.isnan(image[j, 0]):
                    image[i] = image[j]
                break
        if np.isnan(image[i, 0]):
            image[i] = np.nanmean(image, axis=0)


def polar(origin: tuple[float, float], length: float, angle_from_down_deg: float) -> tuple[float, float]:
    """A point `length` px from `origin`, at an angle from straight down (positive turns toward +x)."""
    a = math.radians(angle_from_down_deg)
    return origin[0] + length * math.sin(a), origin[1] + length * math.cos(a)


def side_squat_points(knee_angle_deg: float, torso_lean_deg: float = 30.0, facing: int = 1,
                      heel_lift_px: float = 0.0, shin_tilt_deg: float | None = None) -> dict[str, tuple[float, float]]:
    """A side-on squatter facing +x (facing=1) or -x, with an exact 2D knee angle.

    The shin tilts forward by `shin_tilt_deg` (default half the knee bend) and the thigh takes the rest of
    the bend; with shin tilt = bend - 90 the thigh is exactly parallel to the floor.
    """
    bend = 180.0 - knee_angle_deg
    shin_tilt = bend / 2 if shin_tilt_deg is None else shin_tilt_deg
    ankle = (500.0, 900.0)
    shin, thigh, torso = 220.0, 220.0, 300.0
    knee = polar(ankle, shin, 180.0 - facing * shin_tilt)
    hip = polar(knee, thigh, 180.0 + facing * (bend - shin_tilt))
    shoulder = polar(hip, torso, 180.0 - facing * torso_lean_deg)
    ear = polar(shoulder, 60.0, 180.0 - facing * torso_lean_deg)
    return {
        "ankle": ankle, "heel": (ankle[0] - facing * 30.0, ankle[1] + 10.0 - heel_lift_px),
        "foot_index": (ankle[0] + facing * 90.0, ankle[1] + 10.0), "knee": knee, "hip": hip,
        "shoulder": shoulder, "ear": ear, "nose": (ear[0] + facing * 25.0, ear[1]),
        "elbow": polar(shoulder, 120.0, facing * 60.0), "wrist": polar(shoulder, 220.0, facing * 80.0),
    }


def side_plank_points(hip_bend_deg: float, facing: int = 1) -> dict[str, tuple[float, float]]:
    """A side-on forearm plank whose hips bend `hip_bend_deg` below (positive, sag) or above the line."""
    ankle = (200.0 if facing == 1 else 800.0, 700.0)
    half = 300.0
    line_end = (ankle[0] + facing * 2 * half, ankle[1])  # a level line keeps the bend exact
    mid = ((ankle[0] + line_end[0]) / 2, (ankle[1] + line_end[1]) / 2)
    # hips displaced perpendicular to the line so the angle at the hip is 180 - |bend|
    drop = half * math.tan(math.radians(abs(hip_bend_deg)) / 2)
    hip = (mid[0], mid[1] + (drop if hip_bend_deg > 0 else -drop))
    shoulder = line_end
    return {
        "ankle": ankle, "heel": (ankle[0] - facing * 10.0, ankle[1] - 30.0),
        "foot_index": (ankle[0] + facing * 10.0, ankle[1] + 20.0), "knee": ((ankle[0] + hip[0]) / 2,
                                                                          (ankle[1] + hip[1]) / 2),
        "hip": hip, "shoulder": shoulder, "ear": (shoulder[0] + facing * 70.0, shoulder[1] - 5.0),
        "nose": (shoulder[0] + facing * 90.0, shoulder[1] + 5.0), "elbow": (shoulder[0], shoulder[1] + 110.0),
        "wrist": (shoulder[0] + facing * 100.0, shoulder[1] + 110.0),
    }


def timeline(values: Sequence[float] | Iterable[float], fps: float = 30.0) -> list[tuple[float, float]]:
    """(time_s, value) pairs at a fixed frame rate."""
    return [(i / fps, v) for i, v in enumerate(values)]


def squat_knee_trajectory(reps: int, bottom_deg: float, top_deg: float = 175.0, rep_s: float = 2.0,
                          rest_s: float = 1.0, fps: float = 30.0, jitter_deg: float = 0.0,
                          seed: int = 0) -> list[float]:
    """Knee angle over time: standing, then `reps` smooth cosine dips to `bottom_deg`, then standing."""
    rng = np.random.default_rng(seed)
    values: list[float] = [top_deg] * int(rest_s * fps)
    for _ in range(reps):
        n = int(rep_s * fps)
        for k in range(n):
            depth = (1 - math.cos(2 * math.pi * k / n)) / 2
            values.append(top_deg - depth * (top_deg - bottom_deg))
        values += [top_deg] * int(rest_s * fps)
    if jitter_deg:
        values = [v + float(rng.normal(0, jitter_deg)) for v in values]
    return values
