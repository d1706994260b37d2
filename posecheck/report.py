"""The JSON report of an analysed video (and the live session summary): pydantic models, so the schema is
published (`posecheck schema`) and a report can be read back and checked."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from posecheck.reps import FaultHit, HoldRecord, RepRecord
from posecheck.specs.schema import ExerciseSpec


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FaultReport(Model):
    rule_id: str
    fault: str = Field(description="Fault kind, one of the labelled kinds (shallow_depth, hips_sagging, ...)")
    start_s: float
    end_s: float
    worst_value: float | None = Field(description="The furthest the feature went past its allowed range")
    feature: str
    cue: str
    severity: str
    source: str = Field(description="The sentence of the source document (or coaching practice) the rule encodes")
    source_kind: str

    @classmethod
    def of(cls, hit: FaultHit, spec: ExerciseSpec) -> FaultReport:
        rule = next(r for r in spec.rules if r.id == hit.rule_id)
        worst = hit.worst_value if hit.worst_value == hit.worst_value else None
        return cls(rule_id=rule.id, fault=hit.fault, start_s=round(hit.start_s, 3), end_s=round(hit.end_s, 3),
                   worst_value=None if worst is None else round(worst, 3), feature=rule.feature, cue=rule.cue,
                   severity=rule.severity, source=rule.source, source_kind=rule.source_kind)


class RepReport(Model):
    number: int = Field(description="1-based; per side when the exercise counts sides separately")
    side: str | None
    start_s: float
    bottom_s: float = Field(description="The rep's key moment: its turnaround, or its end for lifts from the floor")
    turnaround_s: float
    end_s: float
    signal: str = Field(description="The feature that drives counting")
    extreme_value: float = Field(description="The furthest value of the driving signal in this rep (e.g. knee angle)")
    good: bool
    faults: list[FaultReport]


class HoldReport(Model):
    number: int = Field(description="1-based; per side when the hold is timed per side")
    side: str | None = Field(default=None, description="left or right for a hold timed per side")
    start_s: float
    end_s: float
    seconds: float
    target_s: float | None
    reached_target: bool | None
    faults: list[FaultReport]


class GapReport(Model):
    start_s: float
    end_s: float
    reason: str = Field(description="no_person, or two_people when a second person was seen")


class Summary(Model):
    reps: int
    good_reps: int
    side_counts: dict[str, int]
    hold_seconds_total: float
    longest_hold_s: float
    prescription: str
    fault_counts: dict[str, int] = Field(description="How many times each fault kind was seen")
    frames: int
    frames_with_person: int
    views: dict[str, int] = Field(description="Frames seen from each camera view")
    not_judged_for_view: list[str] = Field(description="Rules never judged because the camera view did not allow it")
    advice: list[str] = Field(description="Plain-words advice for the user, most important first")
    stopped_early: str | None = Field(description="Why the input ended before its end (truncated file, lost camera)")


class LiveStats(Model):
    """How a live session ran: what a user needs to tell a slow machine from a bad camera."""

    ended_by: str = Field(description="quit, time_limit, end_of_source, source_lost, window_closed, interrupted, "
                                      "stopped or error")
    seconds: float = Field(description="Wall-clock length of the session")
    frames_captured: int
    frames_analyzed: int = Field(description="Frames analysed and shown")
    frames_dropped: int = Field(description="Frames skipped because a newer one was ready (latest-frame-wins)")
    fps: float = Field(description="Frames analysed and shown per second")
    latency_ms_p50: float | None = Field(description="Capture-to-display latency, median")
    latency_ms_p90: float | None
    latency_ms_p99: float | None
    count_resets: int = Field(description="Times the count was reset (the 'r' key); the report covers the session "
                                          "since the last reset")


class AnalysisReport(Model):
    schema_version: int = 1
    exercise: str
    exercise_name: str
    source: str
    model: str
    duration_s: float
    fps: float
    reps: list[RepReport]
    holds: list[HoldReport]
    faults: list[FaultReport] = Field(description="Every fault episode over the whole video")
    gaps: list[GapReport]
    summary: Summary
    live: LiveStats | None = Field(default=None, description="Only in a live session's summary: how it ran")


def rep_report(rep: RepRecord, spec: ExerciseSpec) -> RepReport:
    assert spec.reps is not None
    return RepReport(number=rep.number, side=rep.side, start_s=round(rep.start_s, 3), bottom_s=round(rep.bottom_s, 3),
                     turnaround_s=round(rep.turnaround_s, 3), end_s=round(rep.end_s, 3), signal=spec.reps.signal,
                     extreme_value=round(rep.extreme_value, 2), good=rep.good,
                     faults=[FaultReport.of(h, spec) for h in rep.faults])


def hold_report(hold: HoldRecord, spec: ExerciseSpec) -> HoldReport:
    target = spec.prescription.hold_s
    return HoldReport(number=hold.number, side=hold.side, start_s=round(hold.start_s, 3), end_s=round(hold.end_s, 3),
                      seconds=round(hold.seconds, 2), target_s=target,
                      reached_target=None if target is None else hold.seconds >= target,
                      faults=[FaultReport.of(h, spec) for h in hold.faults])
