"""Bad input gets one clear line on stderr and a non-zero exit, never a traceback, and nothing computed is lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from posecheck.report import AnalysisReport
from tests.conftest import clip

pytestmark = pytest.mark.usefixtures("model_dir")


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "posecheck", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})}, cwd=cwd)


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


def test_missing_video(tmp_path: Path) -> None:
    result = run("analyze", str(tmp_path / "nope.mp4"), "-e", "squat", "--out-dir", str(tmp_path))
    assert_one_line_error(result, 3, "not found", "nope.mp4")


def test_file_that_is_not_a_video(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 100)
    result = run("analyze", str(fake), "-e", "squat", "--out-dir", str(tmp_path))
    assert_one_line_error(result, 3, "cannot open", "notes.mp4")


def test_unknown_exercise(tmp_path: Path) -> None:
    result = run("analyze", str(clip("plank_side_good_02.mp4")), "-e", "moonwalk", "--out-dir", str(tmp_path))
    assert_one_line_error(result, 5, "unknown exercise 'moonwalk'", "squat")


def test_invalid_spec_file(tmp_path: Path) -> None:
    from posecheck.specs.loader import default_spec_dir

    broken = tmp_path / "broken.toml"
    broken.write_text((default_spec_dir() / "plank.toml").read_text().replace("grace_s = 1.0", "grace_s = -3"))
    result = run("analyze", str(clip("plank_side_good_02.mp4")), "-e", str(broken), "--out-dir", str(tmp_path))
    assert_one_line_error(result, 5, "broken.toml", "hold.grace_s")


def test_missing_model_offline_says_how_to_provide_it(tmp_path: Path) -> None:
    env = {"POSECHECK_MODEL_DIR": str(tmp_path / "empty"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "POSECHECK_MODEL_URL": f"file://{tmp_path}/offline/{{variant}}.task"}
    result = run("analyze", str(clip("plank_side_good_02.mp4")), "-e", "plank", "--out-dir", str(tmp_path), env=env)
    assert_one_line_error(result, 4, "pose_landmarker_full.task", "--model", "POSECHECK_MODEL_DIR", "download failed")


def test_model_path_that_does_not_exist(tmp_path: Path) -> None:
    result = run("analyze", str(clip("plank_side_good_02.mp4")), "-e", "plank", "--model", str(tmp_path / "m.task"))
    assert_one_line_error(result, 4, "model file not found")


def test_corrupt_model_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.task"
    bad.write_bytes(b"\x00" * 1000)
    result = run("analyze", str(clip("plank_side_good_02.mp4")), "-e", "plank", "--model", str(bad),
                 "--out-dir", str(tmp_path))
    assert_one_line_error(result, 4, "cannot load pose model")


def test_no_person_in_any_frame_writes_report_with_gap_and_fails(tmp_path: Path) -> None:
    report_path = tmp_path / "r.json"
    result = run("analyze", str(clip("no_person_room_01.mp4")), "-e", "squat", "--model-variant", "lite",
                 "--report", str(report_path), "--no-video", "--no-csv")
    assert_one_line_error(result, 6, "no person found")
    report = AnalysisReport.model_validate_json(report_path.read_text())
    assert report.reps == []
    # The model "sees" ghosts in the flickering fire now and then; fewer than a second's worth may get through.
    assert report.summary.frames_with_person < report.fps
    no_person_s = sum(g.end_s - g.start_s for g in report.gaps if g.reason == "no_person")
    assert no_person_s > 0.9 * report.duration_s


def _truncated_copy(tmp_path: Path, keep_fraction: float) -> tuple[Path, int]:
    """An MJPEG AVI of a real clip, cut short mid-file as a broken download would be."""
    source = cv2.VideoCapture(str(clip("squat_side_shallow_01.mp4")))
    whole = tmp_path / "whole.avi"
    writer = cv2.VideoWriter(str(whole), cv2.VideoWriter_fourcc(*"MJPG"), source.get(cv2.CAP_PROP_FPS),
                             (int(source.get(3)), int(source.get(4))))
    frames = 0
    while True:
        ok, image = source.read()
        if not ok:
            break
        writer.write(image)
        frames += 1
    writer.release()
    data = whole.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: int(len(data) * keep_fraction)])
    return cut, frames


def test_truncated_video_is_analysed_up_to_where_it_stops(tmp_path: Path) -> None:
    cut, frames = _truncated_copy(tmp_path, 0.5)
    report_path = tmp_path / "cut.json"
    result = run("analyze", str(cut), "-e", "squat", "--model-variant", "lite", "--report", str(report_path),
                 "--no-video", "--no-csv")
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert "ends early" in result.stderr and "truncated" in result.stderr
    report = AnalysisReport.model_validate_json(report_path.read_text())
    assert report.summary.stopped_early is not None
    assert 0.3 * frames < report.summary.frames < 0.7 * frames
    # The clip has five squats in 12 s; its first half holds at least two whole ones, which are kept.
    assert len(report.reps) >= 2


def test_two_people_are_reported_and_one_is_followed(tmp_path: Path) -> None:
    report_path = tmp_path / "two.json"
    result = run("analyze", str(clip("squat_side_two_people_forward_lean_01.mp4")), "-e", "squat",
                 "--model-variant", "lite", "--report", str(report_path), "--no-video", "--no-csv")
    assert result.returncode == 0, result.stderr
    report = AnalysisReport.model_validate_json(report_path.read_text())
    assert any(g.reason == "two_people" for g in report.gaps)


def test_ctrl_c_during_analysis_still_writes_the_report(tmp_path: Path) -> None:
    report_path = tmp_path / "partial.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "posecheck", "analyze", str(clip("lunge_side_stationary_01.mp4")), "-e", "squat",
         "--report", str(report_path), "--no-csv", "--out", str(tmp_path / "partial.mp4")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    report = json.loads(report_path.read_text())
    assert report["summary"]["stopped_early"].startswith("interrupted")
    assert 0 < report["summary"]["frames"] < 961
    written = cv2.VideoCapture(str(tmp_path / "partial.mp4"))
    assert int(written.get(cv2.CAP_PROP_FRAME_COUNT)) == report["summary"]["frames"]
