"""What to tell the person now: one cue at a time, joint colours, the numbers to show.

A cue appears only after its fault has lasted `appear_after_s` (no flicker on a single bad frame), stays at
least `min_show_s` so it can be read, and the most severe active fault wins. Drawing shows this; it decides
nothing itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from posecheck.features import point_indices
from posecheck.pose import Pose
from posecheck.reps import SEVERITY_ORDER, MotionFrame
from posecheck.specs.schema import ExerciseSpec, FeatureSpec

CueKind = Literal["fault", "good", "setup"]
JointStatus = Literal["ok", "fault", "not_judged"]

VIEW_WORDS = {
    "side": "Turn side-on to the camera",
    "front": "Face the camera",
    "oblique": "Turn half-way to the camera",
}


@dataclass(frozen=True)
class Cue:
    text: str
    kind: CueKind
    severity: str = "info"
    rule_id: str | None = None


@dataclass(frozen=True)
class FeedbackSettings:
    appear_after_s: float = 0.3
    min_show_s: float = 1.5
    good_rep_show_s: float = 1.2
    rep_fault_show_s: float = 2.0
    no_person_after_s: float = 0.5


@dataclass(frozen=True)
class AngleLabel:
    landmark: int
    text: str
    status: JointStatus


@dataclass(frozen=True)
class FeedbackFrame:
    """Everything the overlay shows for one frame."""

    index: int
    timestamp_s: float
    pose: Pose | None = field(repr=False)
    cue: Cue | None
    joint_status: dict[int, JointStatus]
    angle_labels: tuple[AngleLabel, ...]
    exercise_name: str
    phase: str
    view: str | None
    rep_count: int | None
    side_counts: dict[str, int]
    set_number: int | None
    reps_in_set: int | None
    reps_per_set: int | None
    hold_s: float | None
    hold_target_s: float | None
    people_count: int
    motion: MotionFrame = field(repr=False)


class CueDebouncer:
    """Turns per-frame fault lists into a steady cue."""

    def __init__(self, settings: FeedbackSettings | None = None) -> None:
        self.settings = settings or FeedbackSettings()
        self._active_since: dict[str, float] = {}
        self._shown: Cue | None = None
        self._shown_since = 0.0
        self._shown_until = 0.0

    def update(self, t: float, active: dict[str, tuple[str, str]], event: Cue | None = None,
               event_show_s: float = 0.0) -> Cue | None:
        """`active` maps rule id -> (cue text, severity) for faults active now; `event` is a one-off cue
        (a finished rep, good or not) shown for `event_show_s`."""
        for rule_id in list(self._active_since):
            if rule_id not in active:
                del self._active_since[rule_id]
        for rule_id in active:
            self._active_since.setdefault(rule_id, t)
        ripe = [r for r in active if t - self._active_since[r] >= self.settings.appear_after_s - 1e-9]
        ripe.sort(key=lambda r: (SEVERITY_ORDER[active[r][1]], self._active_since[r]))
        if event is not None and (self._shown is None or t >= self._shown_until or
                                  _more_severe(event, self._shown)):
            return self._show(event, t, event_show_s)
        if self._shown is not None and t < self._shown_until:
            best = ripe[0] if ripe else None
            if best is not None and self._shown.kind == "fault" and best != self._shown.rule_id and \
                    SEVERITY_ORDER[active[best][1]] < SEVERITY_ORDER[self._shown.severity]:
                return self._show(Cue(active[best][0], "fault", active[best][1], best), t, self.settings.min_show_s)
            return self._shown
        if ripe:
            best = ripe[0]
            if self._shown is not None and self._shown.rule_id == best:
                return self._shown  # still true: keep showing without restarting its clock
            return self._show(Cue(active[best][0], "fault", active[best][1], best), t, self.settings.min_show_s)
        self._shown = None
        return None

    def _show(self, cue: Cue, t: float, seconds: float) -> Cue:
        self._shown, self._shown_since, self._shown_until = cue, t, t + seconds
        return cue


def _more_severe(a: Cue, b: Cue) -> bool:
    return a.kind == "fault" and (b.kind != "fault" or SEVERITY_ORDER[a.severity] < SEVERITY_ORDER[b.severity])


def feature_landmarks(feature: FeatureSpec, near_side: str) -> list[int]:
    """The landmarks a feature is measured on, for colouring them."""
    side = near_side if feature.side in ("near", "each", "mean", "min", "max") else feature.side
    return [index for name in feature.points for index in point_indices(name, side)]


class FeedbackBuilder:
    def __init__(self, spec: ExerciseSpec, settings: FeedbackSettings | None = None) -> None:
        self.spec = spec
        self.settings = settings or FeedbackSettings()
        self.debouncer = CueDebouncer(self.settings)
        self._features = {f.name: f for f in spec.features}
        self._rules = {r.id: r for r in spec.rules}
        self._no_person_since: float | None = None

    def build(self, motion: MotionFrame) -> FeedbackFrame:
        features = motion.rules.features
        t = motion.timestamp_s
        cue = self._cue(motion, t)
        joint_status: dict[int, JointStatus] = {}
        labels: list[AngleLabel] = []
        near = features.near_side or "left"
        for rule_id, outcome in motion.rules.outcomes.items():
            rule = self._rules[rule_id]
            status: JointStatus = "fault" if rule_id in motion.active_faults else (
                "not_judged" if outcome.status == "not_judged" else "ok")
            landmarks = feature_landmarks(self._features[rule.feature], near)
            for index in landmarks:
                # A joint shared by several rules shows the worst news: fault over ok over not judged.
                if joint_status.get(index) in (None, "not_judged") or status == "fault":
                    joint_status[index] = status
            feature = self._features[rule.feature]
            if feature.kind == "angle" and math.isfinite(outcome.value) and outcome.status != "not_judged":
                labels.append(AngleLabel(landmarks[1], f"{outcome.value:.0f}", status))
        if self.spec.reps is not None:
            signal = self._features[self.spec.reps.signal]
            value = features.values.get(signal.name, math.nan)
            if signal.kind == "angle" and math.isfinite(value) and not any(
                    lab.landmark == feature_landmarks(signal, near)[1] for lab in labels):
                labels.append(AngleLabel(feature_landmarks(signal, near)[1], f"{value:.0f}", "ok"))
        prescription = self.spec.prescription
        reps_per_set = prescription.reps_per_set
        count = motion.rep_count if self.spec.reps is not None else None
        set_number = reps_in_set = None
        if count is not None and reps_per_set:
            per_side_total = max(motion.side_counts.values()) if motion.side_counts else count
            set_number = per_side_total // reps_per_set + 1
            reps_in_set = per_side_total % reps_per_set
        return FeedbackFrame(
            index=features.index, timestamp_s=t, pose=features.pose, cue=cue, joint_status=joint_status,
            angle_labels=tuple(labels), exercise_name=self.spec.name, phase=motion.phase, view=features.view,
            rep_count=count, side_counts=motion.side_counts, set_number=set_number, reps_in_set=reps_in_set,
            reps_per_set=reps_per_set, hold_s=motion.hold_s if self.spec.hold is not None else None,
            hold_target_s=prescription.hold_s, people_count=features.people_count, motion=motion)

    def _cue(self, motion: MotionFrame, t: float) -> Cue | None:
        features = motion.rules.features
        if features.pose is None:
            self._no_person_since = t if self._no_person_since is None else self._no_person_since
            if t - self._no_person_since >= self.settings.no_person_after_s:
                return Cue("Step into view", "setup")
            return None
        self._no_person_since = None
        event: Cue | None = None
        event_s = 0.0
        rep = motion.completed_rep
        if rep is not None:
            faults = sorted(rep.faults, key=lambda h: SEVERITY_ORDER[self._rules[h.rule_id].severity])
            if faults:
                rule = self._rules[faults[0].rule_id]
                event, event_s = Cue(rule.cue, "fault", rule.severity, rule.id), self.settings.rep_fault_show_s
            else:
                event, event_s = Cue("Good rep!", "good"), self.settings.good_rep_show_s
        if motion.completed_hold is not None and not motion.completed_hold.faults:
            event, event_s = Cue(f"Held {motion.completed_hold.seconds:.0f} s", "good"), self.settings.good_rep_show_s
        active = {r: (self._rules[r].cue, self._rules[r].severity) for r in motion.active_faults}
        cue = self.debouncer.update(t, active, event, event_s)
        if cue is None and self._view_blocks_judging(motion):
            return Cue(VIEW_WORDS[self.spec.preferred_view], "setup")
        return cue

    def _view_blocks_judging(self, motion: MotionFrame) -> bool:
        outcomes = list(motion.rules.outcomes.values())
        if not outcomes:
            return False
        blocked = sum(1 for o in outcomes if o.reason == "view")
        return blocked * 2 > len(outcomes)
