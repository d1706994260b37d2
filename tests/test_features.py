"""Geometry of features on stick figures with known angles."""

from __future__ import annotations

import math

import pytest

from posecheck.features import FeatureExtractor
from posecheck.specs import find_spec
from tests.synthetic import pose_frame, side_plank_points, side_squat_points


@pytest.mark.parametrize("knee_angle_deg", [60.0, 90.0, 120.0, 175.0])
@pytest.mark.parametrize("facing", [1, -1])
def test_knee_angle_is_exact_on_a_side_view_figure(knee_angle_deg: float, facing: int) -> None:
    extractor = FeatureExtractor(find_spec("squat"))
    frame = extractor.extract(pose_frame(side_squat_points(knee_angle_deg, facing=facing), 0.0))
    assert frame.values["knee_angle_deg"] == pytest.approx(knee_angle_deg, abs=1e-6)
    assert frame.values["knee_bend_3d_deg"] == pytest.approx(knee_angle_deg, abs=1e-6)


@pytest.mark.parametrize("lean_deg", [0.0, 25.0, 60.0])
def test_torso_lean_is_measured_from_vertical(lean_deg: float) -> None:
    extractor = FeatureExtractor(find_spec("squat"))
    frame = extractor.extract(pose_frame(side_squat_points(100.0, torso_lean_deg=lean_deg), 0.0))
    assert frame.values["torso_lean_deg"] == pytest.approx(lean_deg, abs=1e-6)


@pytest.mark.parametrize("bend_deg", [-20.0, -5.0, 5.0, 20.0])
def test_plank_hip_line_sign_tells_sag_from_pike(bend_deg: float) -> None:
    extractor = FeatureExtractor(find_spec("plank"))
    for facing in (1, -1):
        frame = extractor.extract(pose_frame(side_plank_points(bend_deg, facing=facing), 0.0))
        assert frame.values["hip_line_deg"] == pytest.approx(bend_deg, abs=1e-6)


def test_view_is_side_for_side_figure_and_front_for_front_figure() -> None:
    spec = find_spec("squat")
    side = FeatureExtractor(spec).extract(pose_frame(side_squat_points(170.0), 0.0, view="side"))
    front = FeatureExtractor(spec).extract(pose_frame(side_squat_points(170.0), 0.0, view="front", width_px=120.0))
    assert side.view == "side"
    assert front.view == "front"


def test_knee_width_ratio_from_the_front() -> None:
    spec = find_spec("squat")
    points = side_squat_points(170.0)
    points.update({"left_knee": (560.0, 700.0), "right_knee": (440.0, 700.0),
                   "left_ankle": (600.0, 900.0), "right_ankle": (400.0, 900.0)})
    frame = FeatureExtractor(spec).extract(pose_frame(points, 0.0, view="front", width_px=150.0))
    assert frame.values["knee_to_ankle_width_ratio"] == pytest.approx(120.0 / 200.0)


def test_joint_off_the_picture_is_not_measured() -> None:
    spec = find_spec("squat")
    points = side_squat_points(100.0)
    points["ankle"] = (500.0, 1200.0)  # below the bottom edge of the 1000 px image
    frame = FeatureExtractor(spec).extract(pose_frame(points, 0.0))
    assert math.isnan(frame.values["knee_angle_deg"])
    assert math.isfinite(frame.values["torso_lean_deg"])


def test_low_visibility_joint_is_not_measured() -> None:
    spec = find_spec("squat")
    frame = FeatureExtractor(spec).extract(pose_frame(side_squat_points(100.0), 0.0, visibility=0.1))
    assert all(math.isnan(v) for v in frame.values.values())


def test_no_person_gives_no_values_and_no_view() -> None:
    from tests.synthetic import empty_frame

    frame = FeatureExtractor(find_spec("squat")).extract(empty_frame(0.0))
    assert frame.view is None and frame.pose is None
    assert all(math.isnan(v) for v in frame.values.values())
