"""Measurements of the body in one frame, as the exercise spec asks for them, and the camera view.

Every value is NaN when it cannot be measured honestly: a joint off the picture, or one the model itself
does not see. Values of a feature declared with side = "each" come as `name.left` and `name.right` too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from posecheck.pose import LANDMARK_INDEX, Pose, PoseFrame
from posecheck.specs.schema import ExerciseSpec, FeatureSpec

# How far outside the picture a landmark may be before it is treated as unseen (fraction of the size).
IN_FRAME_MARGIN = 0.02
# Yaw of the body's left-right axis from the image plane: up to FRONT_MAX the camera faces the body, from
# SIDE_MIN it is side-on, between is oblique. Front-on clips measure 0-17 deg, side-on 65-90 deg, oblique 40-63.
FRONT_MAX_YAW_DEG = 25.0
SIDE_MIN_YAW_DEG = 65.0
VIEW_HYSTERESIS_DEG = 5.0
VIEW_SMOOTHING_S = 0.7


@dataclass(frozen=True)
class FeatureFrame:
    index: int
    timestamp_s: float
    pose: Pose | None = field(repr=False)
    values: dict[str, float]
    view: str | None
    """front / side / oblique, or None when nobody is in view."""
    near_side: str | None
    people_count: int
    visible: np.ndarray | None = field(default=None, repr=False)  # (33,) bool


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-9 else vector * np.nan


@cache
def point_indices(name: str, side: str) -> tuple[int, ...]:
    """Landmark indices a spec point name stands for: "mid_hip" is both hips, "knee" the knee on `side`,
    "left_knee" / "nose" themselves. Features measure on them; feedback colours them."""
    if name.startswith("mid_"):
        base = name.removeprefix("mid_")
        return LANDMARK_INDEX[f"left_{base}"], LANDMARK_INDEX[f"right_{base}"]
    if name == "nose" or name.startswith(("left_", "right_")):
        return (LANDMARK_INDEX[name],)
    return (LANDMARK_INDEX[f"{side}_{name}"],)


def angle_deg(a: np.ndarray, vertex: np.ndarray, c: np.ndarray) -> float:
    u, v = _unit(a - vertex), _unit(c - vertex)
    return float(np.degrees(np.arccos(np.clip(np.dot(u, v), -1.0, 1.0))))


class FeatureExtractor:
    """Computes one spec's features frame after frame; keeps the view estimate steady across frames."""

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self._yaw_deg: float | None = None
        self._last_time_s: float | None = None
        self._view: str | None = None

    def extract(self, frame: PoseFrame) -> FeatureFrame:
        pose = frame.pose
        if pose is None:
            self._yaw_deg = None
            values = {f.name: math.nan for f in self.spec.features}
            return FeatureFrame(frame.index, frame.timestamp_s, None, values, None, None, 0)
        width, height = frame.image_size
        x, y = pose.image_xy[:, 0], pose.image_xy[:, 1]
        in_frame = (
            (x >= -IN_FRAME_MARGIN * width) & (x <= (1 + IN_FRAME_MARGIN) * width)
            & (y >= -IN_FRAME_MARGIN * height) & (y <= (1 + IN_FRAME_MARGIN) * height)
        )
        visible = in_frame & (pose.visibility >= self.spec.min_visibility)
        near_side = self._near_side(pose, visible)
        view = self._update_view(pose, frame.timestamp_s)
        facing = self._facing_sign(pose, near_side)
        values: dict[str, float] = {}
        for feature in self.spec.features:
            if feature.side == "each":
                left = self._measure(feature, pose, visible, "left", facing)
                right = self._measure(feature, pose, visible, "right", facing)
                values[f"{feature.name}.left"] = left
                values[f"{feature.name}.right"] = right
                values[feature.name] = left if near_side == "left" else right
            elif feature.side == "mean":
                pair = [self._measure(feature, pose, visible, s, facing) for s in ("left", "right")]
                finite = [v for v in pair if math.isfinite(v)]
                values[feature.name] = float(np.mean(finite)) if finite else math.nan
            elif feature.side in ("min", "max"):
                pair = [self._measure(feature, pose, visible, s, facing) for s in ("left", "right")]
                pick = min if feature.side == "min" else max
                values[feature.name] = pick(pair) if all(math.isfinite(v) for v in pair) else math.nan
            else:
                side = near_side if feature.side == "near" else feature.side
                values[feature.name] = self._measure(feature, pose, visible, side, facing)
        return FeatureFrame(frame.index, frame.timestamp_s, pose, values, view, near_side, pose.people_count,
                            visible)

    # -- geometry -------------------------------------------------------------------------------------------

    @staticmethod
    def _near_side(pose: Pose, visible: np.ndarray) -> str:
        """The side turned to the camera: more of it seen, then nearer in MediaPipe's depth estimate."""
        chain = ("shoulder", "hip", "knee", "ankle")
        left = [LANDMARK_INDEX[f"left_{p}"] for p in chain]
        right = [LANDMARK_INDEX[f"right_{p}"] for p in chain]
        seen_left = float(visible[left].sum() + pose.visibility[left].mean())
        seen_right = float(visible[right].sum() + pose.visibility[right].mean())
        if abs(seen_left - seen_right) > 0.5:
            return "left" if seen_left > seen_right else "right"
        return "left" if pose.world_xyz[left, 2].mean() < pose.world_xyz[right, 2].mean() else "right"

    @staticmethod
    def _facing_sign(pose: Pose, side: str) -> float:
        """+1 when the person faces image-right, -1 when image-left, from heel->toe and hip->nose."""
        toe = pose.image_xy[LANDMARK_INDEX[f"{side}_foot_index"], 0] - pose.image_xy[LANDMARK_INDEX[f"{side}_heel"], 0]
        return 1.0 if toe >= 0 else -1.0

    def _update_view(self, pose: Pose, time_s: float) -> str:
        """Classifies the camera view from how far the shoulder and hip lines turn away from the image plane.

        MediaPipe's world landmarks are camera-aligned, so the yaw of a left-right line is 0 deg when the
        camera looks at the chest and 90 deg when it looks at the side. The larger of the shoulder and hip
        yaws is used because a barbell or an arm often hides one of the two lines.
        """
        w = pose.world_xyz
        i = LANDMARK_INDEX
        yaws = []
        for left, right in (("left_shoulder", "right_shoulder"), ("left_hip", "right_hip")):
            across = w[i[left]] - w[i[right]]
            yaws.append(math.degrees(math.atan2(abs(float(across[2])), abs(float(across[0])) + 1e-9)))
        yaw = max(yaws)
        if self._yaw_deg is None or self._last_time_s is None or time_s - self._last_time_s > 1.0:
            self._yaw_deg = yaw
        else:
            alpha = min(1.0, max(time_s - self._last_time_s, 1e-3) / VIEW_SMOOTHING_S)
            self._yaw_deg += alpha * (yaw - self._yaw_deg)
        self._last_time_s = time_s
        smoothed = self._yaw_deg
        # Hysteresis: a view is left only when the yaw is clearly past the boundary.
        if self._view == "side" and smoothed > SIDE_MIN_YAW_DEG - VIEW_HYSTERESIS_DEG:
            return "side"
        if self._view == "front" and smoothed < FRONT_MAX_YAW_DEG + VIEW_HYSTERESIS_DEG:
            return "front"
        if smoothed >= SIDE_MIN_YAW_DEG:
            self._view = "side"
        elif smoothed <= FRONT_MAX_YAW_DEG:
            self._view = "front"
        else:
            self._view = "oblique"
        return self._view

    def _point(self, name: str, pose: Pose, visible: np.ndarray, side: str, space: str) -> np.ndarray | None:
        coords = pose.image_xy if space == "image" else pose.world_xyz
        indices = list(point_indices(name, side))
        if not all(visible[k] for k in indices):
            return None
        return coords[indices].mean(axis=0)

    def _measure(self, feature: FeatureSpec, pose: Pose, visible: np.ndarray, side: str, facing: float) -> float:
        points = [self._point(n, pose, visible, side, feature.space) for n in feature.points]
        if any(p is None for p in points):
            return math.nan
        pts: list[np.ndarray] = [p for p in points if p is not None]
        # "Down" is +y in both the image and MediaPipe's world frame.
        if feature.kind == "angle":
            return angle_deg(pts[0], pts[1], pts[2])
        if feature.kind == "inclination":
            segment = pts[1] - pts[0]
            length = float(np.linalg.norm(segment))
            if length < 1e-9:
                return math.nan
            from_vertical = math.degrees(math.acos(min(1.0, abs(float(segment[1])) / length)))
            return from_vertical if feature.reference == "vertical" else 90.0 - from_vertical
        if feature.kind == "line_deviation":
            bend = 180.0 - angle_deg(pts[0], pts[1], pts[2])
            a, b, c = (q[:2] for q in pts)
            direction = c - a
            if abs(direction[0]) < 1e-9:
                return bend
            # y of the a-c line at b's x; b below it (larger y) means sagging toward the floor.
            t = (b[0] - a[0]) / direction[0]
            line_y = a[1] + t * direction[1]
            return bend if b[1] >= line_y else -bend
        if feature.kind == "forward_offset":
            length = float(np.linalg.norm(pts[2] - pts[1]))
            if length < 1e-9:
                return math.nan
            return float((pts[0][0] - pts[1][0]) * facing / length)
        if feature.kind == "width_ratio":
            denominator = abs(float(pts[2][0] - pts[3][0]))
            if denominator < 1e-9:
                return math.nan
            return abs(float(pts[0][0] - pts[1][0])) / denominator
        if feature.kind == "height_ratio":
            length = float(np.linalg.norm(pts[3] - pts[2]))
            if length < 1e-9:
                return math.nan
            return float(pts[1][1] - pts[0][1]) / length
        raise ValueError(feature.kind)  # pragma: no cover - the schema allows no other kind
