"""The benchmark scripts keep working: each runs on a few real clips and says what it should.

The full accuracy run over every labelled clip is a benchmark (benchmarks/accuracy.py), not a test; here it
runs on two easy clips, plus entries that must be reported rather than dropped.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.conftest import PROJECT, VIDEOS, clip

BENCHMARKS = PROJECT / "benchmarks"


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True,
                          timeout=300, check=False)


def test_accuracy_on_a_few_clips(labels: dict[str, dict], model_dir: Path, tmp_path: Path) -> None:
    hold_clip, rep_clip = "plank_side_good_02.mp4", "squat_side_shallow_01.mp4"
    clip(hold_clip), clip(rep_clip)
    subset = [labels[hold_clip], labels[rep_clip],
              {**labels[rep_clip], "exercise": "underwater basket weaving"},
              {**labels[rep_clip], "file": "no_such_clip.mp4"}]
    labels_path = tmp_path / "labels.json"
    labels_path.write_text(json.dumps(subset))
    out = tmp_path / "accuracy.json"
    done = run("accuracy.py", "--labels", str(labels_path), "--videos", str(VIDEOS), "--json", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text())
    summary = data["summary"]
    for key in ("mae", "obo", "exact", "hold_mae_s", "fault_precision", "fault_recall"):
        assert key in summary
    clips = {c["file"]: c for c in data["clips"]}
    hold = clips[hold_clip]
    assert hold["status"] == "ok" and hold["reps_labelled"] is None
    assert abs(hold["hold_measured_s"] - labels[hold_clip]["hold_s"]) <= 1.5
    reps = [c for c in data["clips"] if c["file"] == rep_clip and c["status"] == "ok"]
    assert len(reps) == 1 and reps[0]["reps_counted"] == labels[rep_clip]["reps"] == 5
    # Every counted bottom pairs with a labelled one within a fraction of a second.
    assert len(reps[0]["bottom_errors_s"]) == 5 and max(reps[0]["bottom_errors_s"]) < 0.5
    # Unknown exercises and missing files are listed, not silently dropped.
    statuses = sorted(c["status"] for c in data["clips"])
    assert statuses == ["missing", "not_supported", "ok", "ok"]
    assert summary["not_supported"] == ["underwater basket weaving"]
    assert summary["rep_clips"] == 1 and summary["exact"] == 1.0 and summary["mae"] == 0.0
    assert summary["hold_mae_s"] <= 1.5
    labelled_faults = len(labels[rep_clip]["faults"])
    assert summary["faults_labelled"] == labelled_faults and 0.0 <= summary["fault_recall"] <= 1.0
    assert "MAE 0.000" in done.stdout


def test_accuracy_baseline_ratchet(tmp_path: Path) -> None:
    accuracy = load_script("accuracy")
    summary = {"mae": 0.10, "obo": 0.90, "exact": 0.60, "fault_recall": 0.50}
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"model": "full", "summary": summary}))
    assert accuracy.check_baseline(summary, "full", path, 0.02) == []
    assert accuracy.check_baseline({**summary, "mae": 0.11, "exact": 0.59}, "full", path, 0.02) == []
    worse = accuracy.check_baseline({**summary, "mae": 0.15, "obo": 0.80}, "full", path, 0.02)
    assert [line.split(":")[0] for line in worse] == ["mae", "obo"]
    assert accuracy.check_baseline(summary, "lite", path, 0.02)  # another model is not comparable
    # A clip that crashed fails the check even when the metrics over the others look better.
    crashed = accuracy.check_baseline({**summary, "exact": 0.9, "missing_or_error": ["x.mp4"]}, "full", path, 0.02)
    assert len(crashed) == 1 and "x.mp4" in crashed[0]


def test_fault_and_bottom_matching() -> None:
    accuracy = load_script("accuracy")
    mark = accuracy.FaultMark
    labelled = [mark("rounded_back", 0.0, 9.0), mark("shallow_depth", 3.0, 3.9)]
    found = [mark("rounded_back", 1.0, 2.0), mark("rounded_back", 9.3, 9.6), mark("shallow_depth", 4.6, 5.0),
             mark("forward_lean", 3.0, 3.5)]
    accuracy.match_faults(labelled, found, 0.5)
    assert [f.matched for f in labelled] == [True, False]
    assert [f.matched for f in found] == [True, True, False, False]
    # Nearest pairs first, one to one, and nothing paired beyond the window.
    errors = accuracy.match_bottoms([1.0, 3.0, 5.0], [1.1, 2.0, 3.05, 9.0], 1.5)
    assert sorted(round(e, 2) for e in errors) == [0.05, 0.1]


def test_speed_script_runs(model_dir: Path, tmp_path: Path) -> None:
    video = clip("squat_side_shallow_01.mp4")
    out = tmp_path / "speed.json"
    done = run("speed.py", str(video), "--model", "lite", "--max-frames", "30", "--rounds", "1", "--loop", "2",
               "--json", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text())
    assert set(data["stages"]) == {"model", "decode", "pipeline", "live", "loop"}
    for stage in ("model", "decode", "pipeline"):
        assert data["stages"][stage]["frames"] == 30 and data["stages"][stage]["fps"] > 0
    assert data["stages"]["loop"]["frames"] == 60
    # Only that the ratios exist: their size depends on the machine and on what else it is running.
    assert data["pipeline_to_model_ratio"] > 0 and data["pipeline_to_decode_ratio"] > 0
    live = data["stages"]["live"]
    assert live["latency_ms_p50"] is not None and live["latency_ms_p50"] <= live["latency_ms_p99"]
    assert data["memory"]["frames_looped"] == 60 and data["memory"]["peak_rss_mb_1x"] > 0
    assert "ratio 3:1" in done.stdout
