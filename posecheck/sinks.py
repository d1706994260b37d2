"""Where results go: the annotated video, the per-frame CSV, and the JSON report."""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from posecheck.errors import PosecheckError
from posecheck.feedback import FeedbackFrame
from posecheck.pose import LANDMARK_NAMES
from posecheck.report import (
    AnalysisReport,
    FaultReport,
    GapReport,
    Summary,
    hold_report,
    rep_report,
)
from posecheck.reps import FaultHit, HoldRecord, RepRecord
from posecheck.specs.schema import ExerciseSpec

MIN_PERSON_S = 1.0
"""Less time than this with a person in a whole video is a false detection, not someone exercising."""

FOURCC_BY_SUFFIX = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".webm": "VP90", ".avi": "MJPG", ".mkv": "mp4v"}


class VideoSink:
    """Writes annotated frames. The pip OpenCV has no H.264 encoder: .mp4 gets MPEG-4 part 2, .webm gets VP9
    (which browsers play)."""

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int]) -> None:
        self.path = Path(path)
        fourcc = FOURCC_BY_SUFFIX.get(self.path.suffix.lower())
        if fourcc is None:
            raise PosecheckError(f"cannot write video '{self.path}': use a .mp4, .webm, .avi, .mkv or .mov name")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
        if not self._writer.isOpened():
            raise PosecheckError(f"cannot write video '{self.path}' with codec {fourcc}")
        self.size = size
        self.frames = 0

    def write(self, image: np.ndarray) -> None:
        if (image.shape[1], image.shape[0]) != self.size:
            image = cv2.resize(image, self.size)
        self._writer.write(image)
        self.frames += 1

    def close(self) -> None:
        self._writer.release()


class CsvSink:
    """One row per frame: time, phase, counts, every feature and every landmark (pixels and world metres)."""

    def __init__(self, path: str | Path, spec: ExerciseSpec) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file)
        self._feature_names: list[str] | None = None
        self._rule_ids = [rule.id for rule in spec.rules]

    def write(self, feedback: FeedbackFrame) -> None:
        values = feedback.motion.rules.features.values
        if self._feature_names is None:
            self._feature_names = sorted(values)
            landmark_columns = [f"{n}_{c}" for n in LANDMARK_NAMES for c in ("x_px", "y_px", "wx_m", "wy_m", "wz_m",
                                                                            "visibility")]
            self._writer.writerow(["frame", "time_s", "person", "view", "phase", "reps", "hold_s", "cue",
                                   *self._feature_names, *[f"rule_{r}" for r in self._rule_ids], *landmark_columns])
        pose = feedback.pose
        landmarks: list[str] = []
        if pose is not None:
            for i in range(len(LANDMARK_NAMES)):
                landmarks += [_fmt(pose.image_xy[i, 0]), _fmt(pose.image_xy[i, 1]), _fmt(pose.world_xyz[i, 0]),
                              _fmt(pose.world_xyz[i, 1]), _fmt(pose.world_xyz[i, 2]), _fmt(pose.visibility[i])]
        else:
            landmarks = [""] * (6 * len(LANDMARK_NAMES))
        outcomes = feedback.motion.rules.outcomes
        self._writer.writerow([
            feedback.index, f"{feedback.timestamp_s:.4f}", int(pose is not None), feedback.view or "",
            feedback.phase, "" if feedback.rep_count is None else feedback.rep_count,
            "" if feedback.hold_s is None else f"{feedback.hold_s:.2f}", feedback.cue.text if feedback.cue else "",
            *[_fmt(values.get(n, math.nan)) for n in self._feature_names],
            *[outcomes[r].status for r in self._rule_ids], *landmarks])

    def close(self) -> None:
        self._file.close()


def _fmt(value: float) -> str:
    return "" if not math.isfinite(value) else f"{value:.4f}"


class ReportBuilder:
    """Collects what the report needs as frames go by (constant memory: no per-frame lists)."""

    def __init__(self, spec: ExerciseSpec, source: str, model: str, fps: float) -> None:
        self.spec = spec
        self.source = source
        self.model = model
        self.fps = fps
        self.frames = 0
        self.frames_with_person = 0
        self.views: Counter[str] = Counter()
        self.gaps: list[GapReport] = []
        self._gap_start: dict[str, float | None] = {"no_person": None, "two_people": None}
        self._last_t = 0.0
        self._view_blocked: Counter[str] = Counter()
        self._judged: Counter[str] = Counter()

    def add(self, feedback: FeedbackFrame) -> None:
        t = feedback.timestamp_s
        self.frames += 1
        self._last_t = t
        present = feedback.pose is not None
        self.frames_with_person += int(present)
        if feedback.view:
            self.views[feedback.view] += 1
        self._track_gap("no_person", not present, t)
        self._track_gap("two_people", feedback.people_count > 1, t)
        for rule_id, outcome in feedback.motion.rules.outcomes.items():
            if outcome.reason == "view":
                self._view_blocked[rule_id] += 1
            elif outcome.status != "not_judged":
                self._judged[rule_id] += 1

    def _track_gap(self, reason: str, active: bool, t: float) -> None:
        start = self._gap_start[reason]
        if active and start is None:
            self._gap_start[reason] = t
        elif not active and start is not None:
            self.gaps.append(GapReport(start_s=round(start, 3), end_s=round(t, 3), reason=reason))
            self._gap_start[reason] = None

    def build(self, reps: list[RepRecord], holds: list[HoldRecord], episodes: list[FaultHit],
              stopped_early: str | None) -> AnalysisReport:
        for reason, start in self._gap_start.items():
            if start is not None:
                self.gaps.append(GapReport(start_s=round(start, 3), end_s=round(self._last_t, 3), reason=reason))
                self._gap_start[reason] = None
        self.gaps.sort(key=lambda g: g.start_s)
        spec = self.spec
        rep_reports = [rep_report(r, spec) for r in reps]
        hold_reports = [hold_report(h, spec) for h in holds]
        faults = [FaultReport.of(h, spec) for h in sorted(episodes, key=lambda h: h.start_s)]
        fault_counts = Counter(f.fault for f in faults)
        not_judged = sorted(r for r in self._view_blocked if self._judged[r] == 0)
        side_counts: Counter[str] = Counter(r.side for r in reps if r.side is not None)
        longest = max((h.seconds for h in holds), default=0.0)
        summary = Summary(
            reps=len(reps), good_reps=sum(1 for r in reps if r.good), side_counts=dict(side_counts),
            hold_seconds_total=round(sum(h.seconds for h in holds), 2), longest_hold_s=round(longest, 2),
            prescription=spec.prescription.text, fault_counts=dict(fault_counts), frames=self.frames,
            frames_with_person=self.frames_with_person, views=dict(self.views), not_judged_for_view=not_judged,
            advice=self._advice(faults, not_judged, holds), stopped_early=stopped_early)
        return AnalysisReport(exercise=spec.id, exercise_name=spec.name, source=self.source, model=self.model,
                              duration_s=round(self._last_t, 3), fps=round(self.fps, 3), reps=rep_reports,
                              holds=hold_reports, faults=faults, gaps=self.gaps, summary=summary)

    def _advice(self, faults: list[FaultReport], not_judged: list[str], holds: list[HoldRecord]) -> list[str]:
        advice: list[str] = []
        if self.frames_with_person < MIN_PERSON_S * max(self.fps, 1.0):
            return ["No person was seen: make sure your whole body is in the picture."]
        by_rule = Counter(f.rule_id for f in faults)
        rules = {r.id: r for r in self.spec.rules}
        order = {"danger": 0, "warning": 1, "info": 2}
        for rule_id, count in sorted(by_rule.items(), key=lambda kv: (order[rules[kv[0]].severity], -kv[1])):
            advice.append(f"{rules[rule_id].cue} (seen {count}x)")
        if self.spec.hold is not None and self.spec.prescription.hold_s and holds:
            best = max(h.seconds for h in holds)
            if best < self.spec.prescription.hold_s:
                advice.append(f"Longest hold {best:.0f} s: work up to {self.spec.prescription.hold_s:.0f} s")
        for rule_id in not_judged:
            rule = rules[rule_id]
            advice.append(f"Not judged from this camera view: {rule.fault.replace('_', ' ')} "
                          f"(needs a {' or '.join(rule.views)} view)")
        return advice


def write_report(report: AnalysisReport, path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    tmp.replace(path)
