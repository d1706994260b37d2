"""End to end on the real labelled clips: the squat and plank clips give the labelled counts and holds.

Tolerances: rep counts exact (single-person clips); rep bottoms within 0.5 s of the labelled ones (labels are
+-0.15-0.3 s, and smoothing adds ~0.1 s of lag); hold time within 1.0 s (the person gate needs 0.2 s to
confirm someone, and a hold's start and end are judged from noisy landmarks).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import cv2
import pytest

from posecheck.model_files import resolve_model
from posecheck.pipeline import AnalysisOutputs, analyze_source
from posecheck.report import AnalysisReport
from posecheck.sources import VideoFileSource
from posecheck.specs import find_spec
from tests.conftest import MODELS, clip, require

SINGLE_PERSON_SQUATS = [
    "squat_side_good_01.mp4", "squat_side_barbell_01.mp4", "squat_front_good_01.mp4",
    "squat_side_partial_frame_01.mp4", "squat_front_lowlight_barbell_01.mp4", "squat_oblique_home_01.mp4",
    "squat_side_shallow_01.mp4", "squat_side_knees_past_toes_01.mp4", "squat_side_forward_lean_01.mp4",
]
PLANKS = ["plank_side_good_01.mp4", "plank_side_good_02.mp4"]


@cache
def analysed(name: str, exercise: str) -> AnalysisReport:
    """Each clip is analysed once per test session, with the default (full) model."""
    require(MODELS / "pose_landmarker_full.task", "pose model")
    model = resolve_model("full", MODELS / "pose_landmarker_full.task")
    return analyze_source(VideoFileSource(clip(name)), find_spec(exercise), model, AnalysisOutputs()).report


@pytest.mark.parametrize("name", SINGLE_PERSON_SQUATS)
def test_squat_clip_rep_count_matches_label(name: str, labels: dict) -> None:
    label = labels[name]
    report = analysed(name, "squat")
    assert len(report.reps) == label["reps"], [r.bottom_s for r in report.reps]


@pytest.mark.parametrize("name", SINGLE_PERSON_SQUATS)
def test_squat_clip_rep_bottoms_match_label(name: str, labels: dict) -> None:
    label = labels[name]
    bottoms = [r.bottom_s for r in analysed(name, "squat").reps]
    for found, expected in zip(bottoms, label["rep_bottoms_s"], strict=False):
        assert found == pytest.approx(expected, abs=0.5)


def test_two_people_clip_counts_the_person_followed(labels: dict) -> None:
    """Two people squat in turn; posecheck follows one person, so it counts that person's two reps of four."""
    label = labels["squat_side_two_people_forward_lean_01.mp4"]
    report = analysed("squat_side_two_people_forward_lean_01.mp4", "squat")
    assert label["reps"] == 4
    assert len(report.reps) == 2
    bottoms = [r.bottom_s for r in report.reps]
    assert bottoms == pytest.approx(label["rep_bottoms_s"][2:], abs=0.5)
    assert any(g.reason == "two_people" for g in report.gaps)


def test_shallow_squats_are_each_flagged_for_depth(labels: dict) -> None:
    report = analysed("squat_side_shallow_01.mp4", "squat")
    flagged = [r for r in report.reps if any(f.fault == "shallow_depth" for f in r.faults)]
    assert len(flagged) == labels["squat_side_shallow_01.mp4"]["reps"]


def test_deep_side_squats_are_not_flagged_for_depth() -> None:
    for name in ("squat_side_good_01.mp4", "squat_side_partial_frame_01.mp4"):
        report = analysed(name, "squat")
        assert not [f for f in report.faults if f.fault == "shallow_depth"], name


def test_front_view_squat_does_not_judge_side_only_rules() -> None:
    report = analysed("squat_front_good_01.mp4", "squat")
    assert report.summary.views.get("front", 0) > 0.9 * report.summary.frames
    assert {"depth", "forward_lean", "heels_down"} <= set(report.summary.not_judged_for_view)
    assert not [f for f in report.faults if f.rule_id in ("depth", "forward_lean", "heels_down")]


@pytest.mark.parametrize("name", PLANKS)
def test_plank_hold_matches_label(name: str, labels: dict) -> None:
    report = analysed(name, "plank")
    assert len(report.holds) == 1
    assert report.holds[0].seconds == pytest.approx(labels[name]["hold_s"], abs=1.0)
    assert report.holds[0].target_s == 30.0 and report.holds[0].reached_target is False
    assert report.faults == []  # the labelled planks are good: straight line head to heels


def test_cli_writes_video_report_and_csv(tmp_path: Path, model_dir: Path, labels: dict) -> None:
    name = "squat_side_shallow_01.mp4"
    out, report_path, csv_path = tmp_path / "a.mp4", tmp_path / "r.json", tmp_path / "f.csv"
    result = subprocess.run(
        [sys.executable, "-m", "posecheck", "analyze", str(clip(name)), "--exercise", "squat", "--out", str(out),
         "--report", str(report_path), "--csv", str(csv_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Squat: 5 reps" in result.stdout
    report = json.loads(report_path.read_text())
    assert {"exercise", "reps", "holds", "summary"} <= set(report)
    assert report["exercise"] == "squat" and len(report["reps"]) == labels[name]["reps"]
    rep = report["reps"][0]
    assert rep["start_s"] < rep["bottom_s"] < rep["end_s"]
    assert rep["faults"][0]["source"].startswith("Slowly hinge at the hips")
    source = cv2.VideoCapture(str(clip(name)))
    video = cv2.VideoCapture(str(out))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == int(source.get(cv2.CAP_PROP_FRAME_COUNT))
    assert (int(video.get(3)), int(video.get(4))) == (int(source.get(3)), int(source.get(4)))
    with csv_path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == report["summary"]["frames"]
    knee = [float(r["knee_angle_deg"]) for r in rows if r["knee_angle_deg"]]
    assert len(knee) > 0.9 * len(rows) and min(knee) < 120 < max(knee)
    assert float(rows[-1]["time_s"]) == pytest.approx(report["duration_s"], abs=0.05)
