"""Reps and holds: the phase of the movement, rep counting with hysteresis, hold timing, and which faults
belong to which rep or hold.

The counter never needs a frame rate: every duration comes from frame timestamps, so a file analysed at any
speed and a live camera that drops frames count the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from posecheck.rules import RuleFrame, condition_met, outside_range
from posecheck.specs.schema import Condition, ExerciseSpec, RepSpec, RuleSpec

Phase = Literal["rest", "moving", "turnaround", "hold", "no_person", "waiting"]


@dataclass(frozen=True)
class FaultHit:
    """One rule broken during one rep or hold (or one stretch of time when it is an episode)."""

    rule_id: str
    fault: str
    start_s: float
    end_s: float
    worst_value: float


@dataclass(frozen=True)
class RepRecord:
    number: int
    side: str | None
    start_s: float
    turnaround_s: float
    end_s: float
    bottom_s: float
    """The rep's key moment as the spec defines it (its turnaround, or its end for lifts from the floor)."""
    extreme_value: float
    faults: tuple[FaultHit, ...]
    completed_at_end_of_clip: bool = False

    @property
    def good(self) -> bool:
        return not self.faults


@dataclass(frozen=True)
class HoldRecord:
    number: int
    """1-based; per side when the hold is timed per side."""
    start_s: float
    end_s: float
    seconds: float
    faults: tuple[FaultHit, ...]
    side: str | None = None


@dataclass(frozen=True)
class MotionFrame:
    """Everything downstream needs about one frame: rule outcomes, phase, counts and what just finished."""

    rules: RuleFrame = field(repr=False)
    phase: Phase
    rep_count: int
    side_counts: dict[str, int]
    hold_s: float
    active_faults: tuple[str, ...]
    """Rules in fault now, in this phase, most severe first."""
    completed_rep: RepRecord | None = None
    completed_hold: HoldRecord | None = None
    finished_episodes: tuple[FaultHit, ...] = ()

    @property
    def timestamp_s(self) -> float:
        return self.rules.timestamp_s


SEVERITY_ORDER = {"danger": 0, "warning": 1, "info": 2}


class _SideCounter:
    """One rep state machine on one signal. Values are mapped so that 'further into the rep' is larger."""

    def __init__(self, spec: RepSpec) -> None:
        self.spec = spec
        self.sign = 1.0 if spec.direction == "increasing" else -1.0
        self.rest = self.sign * spec.rest_threshold
        self.turn = self.sign * spec.turn_threshold
        self.state: Phase = "waiting"
        self.started = False
        self.start_s = 0.0
        self.last_rest_s = 0.0
        self.enter_turn_s = 0.0
        self.leave_turn_s: float | None = None
        self.extreme = -math.inf
        self.extreme_s = 0.0
        self.last_value = math.nan
        self.last_s = 0.0

    def update(self, value: float, t: float) -> tuple[float, float, float, float, float] | None:
        """Feeds one sample; returns (start, turnaround, end, extreme, turn_zone_end) when a rep completes."""
        if not math.isfinite(value):
            return None
        d = self.sign * value
        self.last_value, self.last_s = d, t
        if not self.started:
            self.started = True
            if d <= self.rest:
                self.state = "rest"
            elif d >= self.turn:
                self.state = "waiting"  # begun mid-rep at the far end: wait for rest before counting
            else:
                self.state, self.start_s = "moving", t
            self.last_rest_s = t
        if self.state == "waiting":
            if d <= self.rest:
                self.state, self.last_rest_s = "rest", t
            return None
        if self.state == "rest":
            if d > self.rest:
                self.state, self.start_s = "moving", self.last_rest_s
            else:
                self.last_rest_s = t
            return None
        if self.state == "moving":
            if d >= self.turn:
                self.state, self.enter_turn_s, self.leave_turn_s = "turnaround", t, None
                self.extreme, self.extreme_s = d, t
            elif d <= self.rest:
                self.state, self.last_rest_s = "rest", t  # a partial movement: not a rep
            return None
        # turnaround: follow the extreme until the signal is back at rest
        if d > self.extreme:
            self.extreme, self.extreme_s, self.leave_turn_s = d, t, None
        if d < self.turn and self.leave_turn_s is None:
            self.leave_turn_s = t
        if d >= self.turn:
            self.leave_turn_s = None
        if d <= self.rest:
            self.state, self.last_rest_s = "rest", t
            return self._finish(t)
        return None

    def _finish(self, end_s: float) -> tuple[float, float, float, float, float] | None:
        duration = end_s - self.start_s
        if not (self.spec.min_rep_s <= duration <= self.spec.max_rep_s):
            return None
        zone_end = self.leave_turn_s if self.leave_turn_s is not None else end_s
        return self.start_s, self.extreme_s, end_s, self.sign * self.extreme, zone_end

    def finish_stream(self) -> tuple[float, float, float, float, float] | None:
        """A rep whose return is mostly done when the clip ends counts; one cut off at its turnaround does not."""
        if self.state != "turnaround" or not math.isfinite(self.last_value):
            return None
        travelled = (self.extreme - self.last_value) / max(self.extreme - self.rest, 1e-9)
        if travelled < self.spec.end_of_clip_return_fraction:
            return None
        self.state = "rest"
        return self._finish(self.last_s)


class _FaultLog:
    """Per rule: the stretch of time it has been in fault, and the worst value seen in it."""

    def __init__(self, rule: RuleSpec) -> None:
        self.rule = rule
        self.since_s: float | None = None
        self.last_s = 0.0
        self.worst = math.nan

    def update(self, in_fault: bool, value: float, t: float) -> FaultHit | None:
        if in_fault:
            if self.since_s is None:
                self.since_s, self.worst = t, value
            elif self._worse(value):
                self.worst = value
            self.last_s = t
            return None
        return self.close(t)

    def _worse(self, value: float) -> bool:
        if not math.isfinite(self.worst):
            return True
        if self.rule.max_value is not None and value > self.rule.max_value:
            return value > self.worst
        return value < self.worst

    def close(self, t: float) -> FaultHit | None:
        if self.since_s is None:
            return None
        start, self.since_s = self.since_s, None
        end = max(self.last_s, start)
        if end - start < self.rule.min_fault_s:
            return None
        return FaultHit(self.rule.id, self.rule.fault, start, end, self.worst)


class MotionTracker:
    """Phase, reps, holds and fault episodes for one exercise stream."""

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self.rules = {rule.id: rule for rule in spec.rules}
        reps = spec.reps
        self._counters: dict[str | None, _SideCounter] = {}
        if reps is not None:
            sides: list[str | None] = ["left", "right"] if reps.per_side else [None]
            self._counters = {side: _SideCounter(reps) for side in sides}
        self._logs = {rule.id: _FaultLog(rule) for rule in spec.rules}
        self._episodes: list[FaultHit] = []
        self._turn_values: dict[str | None, dict[str, float]] = {}
        self.reps: list[RepRecord] = []
        self.holds: list[HoldRecord] = []
        self._hold_sides: tuple[str | None, ...] = (
            ("left", "right") if spec.hold is not None and spec.hold.per_side else (None,))
        self._hold_start: dict[str | None, float | None] = dict.fromkeys(self._hold_sides)
        self._hold_last_ok: dict[str | None, float] = dict.fromkeys(self._hold_sides, 0.0)
        self._each_side = {f.name for f in spec.features if f.side == "each"}
        self._last_t = 0.0

    @property
    def episodes(self) -> list[FaultHit]:
        return list(self._episodes)

    def update(self, frame: RuleFrame) -> MotionFrame:
        t = frame.timestamp_s
        self._last_t = t
        values = frame.features.values
        completed_rep: RepRecord | None = None
        completed_hold: HoldRecord | None = None
        if frame.features.pose is None:
            phase: Phase = "no_person"
            completed_hold = self._update_holds(lambda side: False, t)
        elif self.spec.reps is not None and not self._conditions_met(self.spec.reps.position, values):
            phase = "waiting"  # out of the starting position: nothing moves the counters
        elif self.spec.reps is not None:
            phase = "rest"
            for side, counter in self._counters.items():
                name = self.spec.reps.signal if side is None else f"{self.spec.reps.signal}.{side}"
                done = counter.update(values.get(name, math.nan), t)
                if counter.state == "turnaround":
                    self._track_turnaround(side, frame)
                if done is not None:
                    completed_rep = self._record_rep(side, done)
                phase = _more_advanced(phase, counter.state)
        else:
            assert self.spec.hold is not None
            conditions = self.spec.hold.conditions
            completed_hold = self._update_holds(lambda side: self._conditions_met(conditions, values, side), t)
            phase = "hold" if any(s is not None for s in self._hold_start.values()) else "rest"
        active: list[str] = []
        finished: list[FaultHit] = []
        for rule_id, outcome in frame.outcomes.items():
            rule = self.rules[rule_id]
            applies = rule.at == "frames" and ("any" in rule.phases or phase in rule.phases)
            in_fault = applies and outcome.status == "fault"
            if in_fault:
                active.append(rule_id)
            hit = self._logs[rule_id].update(in_fault, outcome.value, t)
            if hit is not None:
                finished.append(hit)
        self._episodes.extend(finished)
        active.sort(key=lambda r: SEVERITY_ORDER[self.rules[r].severity])
        if completed_rep is not None:
            self.reps.append(completed_rep)
        return MotionFrame(frame, phase, len(self.reps), self.side_counts(), self.current_hold_s(t),
                           tuple(active), completed_rep, completed_hold, tuple(finished))

    def finish(self) -> tuple[RepRecord | None, HoldRecord | None]:
        """Closes what the end of the stream leaves open: a nearly returned rep, a running hold, fault episodes."""
        rep = None
        for side, counter in self._counters.items():
            done = counter.finish_stream()
            if done is not None:
                rep = self._record_rep(side, done, at_end=True)
                self.reps.append(rep)
        for log in self._logs.values():
            hit = log.close(self._last_t + 1e-9)
            if hit is not None:
                self._episodes.append(hit)
        hold = self._update_holds(lambda side: False, self._last_t, force_close=True)
        return rep, hold

    def side_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in [*self.reps, *self.holds]:
            if record.side is not None:
                counts[record.side] = counts.get(record.side, 0) + 1
        return counts

    def current_hold_s(self, t: float) -> float:
        running = [t - start for start in self._hold_start.values() if start is not None]
        return max(0.0, *running) if running else 0.0

    # -- reps -----------------------------------------------------------------------------------------------

    def _track_turnaround(self, side: str | None, frame: RuleFrame) -> None:
        """Keeps, per turnaround rule, the best value reached while at the turnaround: a rep is judged on the
        deepest the person got, not on one frame that a landmark glitch may have spoiled."""
        best = self._turn_values.setdefault(side, {})
        for rule_id, outcome in frame.outcomes.items():
            rule = self.rules[rule_id]
            if rule.at != "turnaround" or outcome.status == "not_judged" or not math.isfinite(outcome.value):
                continue
            previous = best.get(rule_id)
            toward_max = rule.max_value is not None  # a max bound is met by going lower, so keep the minimum
            if previous is None or (outcome.value < previous if toward_max else outcome.value > previous):
                best[rule_id] = outcome.value

    def _record_rep(self, side: str | None, done: tuple[float, float, float, float, float],
                    at_end: bool = False) -> RepRecord:
        assert self.spec.reps is not None
        start_s, turn_s, end_s, extreme, zone_end_s = done
        faults: list[FaultHit] = []
        turn_values = self._turn_values.pop(side, {})
        for rule in self.spec.rules:
            if rule.at == "turnaround":
                value = turn_values.get(rule.id, math.nan)
                if math.isfinite(value) and outside_range(rule, value, rule.margin):
                    hit = FaultHit(rule.id, rule.fault, turn_s, zone_end_s, value)
                    faults.append(hit)
                    self._episodes.append(hit)
        for hit in self._episodes:
            rule = self.rules[hit.rule_id]
            if rule.at == "frames" and hit.end_s >= start_s and hit.start_s <= end_s and hit not in faults:
                faults.append(hit)
        for rule_id, log in self._logs.items():  # faults still running as the rep ends
            if log.since_s is not None and log.last_s - log.since_s >= log.rule.min_fault_s:
                faults.append(FaultHit(rule_id, log.rule.fault, log.since_s, log.last_s, log.worst))
        bottom_s = end_s if self.spec.reps.bottom_at == "end" else turn_s
        number = 1 + sum(1 for rep in self.reps if rep.side == side)
        return RepRecord(number, side, start_s, turn_s, end_s, bottom_s, extreme, tuple(faults), at_end)

    # -- holds ----------------------------------------------------------------------------------------------

    def _conditions_met(self, conditions: list[Condition], values: dict[str, float],
                        side: str | None = None) -> bool:
        """Every condition inside its range; with a side, side = "each" features are read on that side."""
        for condition in conditions:
            name = condition.feature
            if side is not None and name in self._each_side:
                other = "right" if side == "left" else "left"
                name = f"{name}.{other if condition.of_side == 'other' else side}"
            if not condition_met(condition, values.get(name, math.nan)):
                return False
        return True

    def _update_holds(self, holding: Callable[[str | None], bool], t: float,
                      force_close: bool = False) -> HoldRecord | None:
        """Times the hold on each side (one, unsided, unless per_side); records and returns what ended."""
        ended = None
        for side in self._hold_sides:
            record = self._update_hold(holding(side), t, side, force_close)
            if record is not None:
                self.holds.append(record)
                ended = record
        return ended

    def _update_hold(self, holding: bool, t: float, side: str | None = None,
                     force_close: bool = False) -> HoldRecord | None:
        hold = self.spec.hold
        if hold is None:
            return None
        if holding and not force_close:
            if self._hold_start[side] is None:
                self._hold_start[side] = t
            self._hold_last_ok[side] = t
            return None
        start = self._hold_start[side]
        if start is None:
            return None
        if not force_close and t - self._hold_last_ok[side] <= hold.grace_s:
            return None
        start_s, end_s = start, self._hold_last_ok[side]
        self._hold_start[side] = None
        if end_s - start_s < hold.min_hold_s:
            return None
        faults = tuple(h for h in self._episodes if h.end_s >= start_s and h.start_s <= end_s)
        number = 1 + sum(1 for h in self.holds if h.side == side)
        return HoldRecord(number, start_s, end_s, end_s - start_s, faults, side)


_PHASE_RANK = {"waiting": 0, "rest": 1, "moving": 2, "turnaround": 3}


def _more_advanced(a: Phase, b: Phase) -> Phase:
    return a if _PHASE_RANK.get(a, 0) >= _PHASE_RANK.get(b, 0) else b
