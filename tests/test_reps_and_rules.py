"""Counting, holds and rule logic on synthetic landmark sequences: exact numbers, no model involved."""

from __future__ import annotations

import math

import pytest

from posecheck.analysis import FrameAnalyzer
from posecheck.reps import MotionTracker
from posecheck.rules import RuleEvaluator, RuleFrame
from posecheck.specs import find_spec
from posecheck.specs.schema import ExerciseSpec
from tests.synthetic import (
    empty_frame,
    pose_frame,
    side_plank_points,
    side_squat_points,
    squat_knee_trajectory,
    timeline,
)

FPS = 30.0


def run_squat(knee_angles: list[float], shin_tilt_at_bottom: float | None = None, **figure: float) -> FrameAnalyzer:
    analyzer = FrameAnalyzer(find_spec("squat"))
    for index, (t, knee) in enumerate(timeline(knee_angles, FPS)):
        tilt = None if shin_tilt_at_bottom is None else min(shin_tilt_at_bottom, (180.0 - knee) / 2)
        analyzer.analyze(pose_frame(side_squat_points(knee, shin_tilt_deg=tilt, **figure), t, index))
    analyzer.finish()
    return analyzer


@pytest.mark.parametrize("reps", [1, 3, 7])
def test_counts_exact_number_of_squats(reps: int) -> None:
    analyzer = run_squat(squat_knee_trajectory(reps, bottom_deg=80.0))
    assert len(analyzer.motion.reps) == reps


def test_rep_times_are_from_timestamps() -> None:
    analyzer = run_squat(squat_knee_trajectory(2, bottom_deg=80.0, rep_s=2.0, rest_s=1.0))
    bottoms = [rep.bottom_s for rep in analyzer.motion.reps]
    # The knee trajectory bottoms out mid-rep: at 1 s + 1 s, and 1 + 2 + 1 + 1 = 5 s; smoothing lags slightly.
    assert bottoms == pytest.approx([2.0, 5.0], abs=0.15)
    for rep in analyzer.motion.reps:
        assert rep.start_s < rep.turnaround_s < rep.end_s


def test_jitter_below_the_hysteresis_band_counts_nothing() -> None:
    standing = [165.0] * 300
    wobbling = [v + (8.0 if i % 2 else -8.0) for i, v in enumerate(standing)]
    assert run_squat(wobbling).motion.reps == []


def test_jittery_squats_are_counted_once_each() -> None:
    noisy = squat_knee_trajectory(5, bottom_deg=85.0, jitter_deg=4.0, seed=3)
    assert len(run_squat(noisy).motion.reps) == 5


def test_partial_dip_that_never_reaches_the_turnaround_is_not_a_rep() -> None:
    assert run_squat(squat_knee_trajectory(3, bottom_deg=135.0)).motion.reps == []


def test_too_fast_bounce_is_not_a_rep() -> None:
    spec = find_spec("squat")
    assert spec.reps is not None
    fast = squat_knee_trajectory(1, bottom_deg=80.0, rep_s=spec.reps.min_rep_s * 0.5)
    assert run_squat(fast).motion.reps == []


def test_rep_cut_at_its_bottom_by_the_end_of_the_clip_is_not_counted() -> None:
    full = squat_knee_trajectory(2, bottom_deg=80.0, rest_s=1.0)
    cut = full[: 30 + 60 + 30 + 30]  # second rep stops at its bottom
    assert len(run_squat(cut).motion.reps) == 1


def test_rep_whose_return_is_nearly_done_at_the_end_of_the_clip_counts() -> None:
    full = squat_knee_trajectory(2, bottom_deg=80.0, rest_s=1.0)
    # The second rep stops at knee ~132 deg (~129 once smoothed): past 75% of its way back from 80 deg,
    # short of the 140 deg rest.
    cut = full[: 30 + 60 + 30 + 47]
    analyzer = run_squat(cut)
    assert len(analyzer.motion.reps) == 2
    assert analyzer.motion.reps[-1].completed_at_end_of_clip


def test_clip_starting_at_the_bottom_waits_for_rest_before_counting() -> None:
    trajectory = squat_knee_trajectory(2, bottom_deg=80.0)
    starts_low = [80.0] * 15 + trajectory[30:]
    # The initial low position is not a rep (its start is unseen) but the two full ones are.
    assert len(run_squat(starts_low).motion.reps) == 2


def test_person_leaving_mid_set_keeps_count_and_is_not_judged() -> None:
    spec = find_spec("squat")
    analyzer = FrameAnalyzer(spec)
    trajectory = squat_knee_trajectory(2, bottom_deg=80.0)
    frames = [pose_frame(side_squat_points(k), t, i) for i, (t, k) in enumerate(timeline(trajectory, FPS))]
    gap_start = len(frames)
    frames += [empty_frame((gap_start + i) / FPS, gap_start + i) for i in range(60)]
    phases = [analyzer.analyze(f).phase for f in frames]
    analyzer.finish()
    assert len(analyzer.motion.reps) == 2
    assert set(phases[gap_start:]) == {"no_person"}


def test_deep_squat_is_good_and_shallow_squat_is_flagged_for_depth() -> None:
    deep = run_squat(squat_knee_trajectory(2, bottom_deg=80.0), shin_tilt_at_bottom=10.0)  # thighs parallel
    shallow = run_squat(squat_knee_trajectory(2, bottom_deg=110.0))  # thighs ~35 deg above parallel
    assert [f.fault for r in deep.motion.reps for f in r.faults if f.rule_id == "depth"] == []
    assert [f.fault for r in shallow.motion.reps for f in r.faults if f.rule_id == "depth"] == ["shallow_depth"] * 2


def test_forward_lean_fires_only_past_threshold_plus_margin() -> None:
    spec = find_spec("squat")
    rule = next(r for r in spec.rules if r.id == "forward_lean")
    assert rule.max_value is not None
    upright = run_squat(squat_knee_trajectory(2, bottom_deg=90.0), torso_lean_deg=rule.max_value + rule.margin - 3)
    leaning = run_squat(squat_knee_trajectory(2, bottom_deg=90.0), torso_lean_deg=rule.max_value + rule.margin + 5)
    assert not [e for e in upright.motion.episodes if e.rule_id == "forward_lean"]
    assert [e.fault for e in leaning.motion.episodes if e.rule_id == "forward_lean"] == ["forward_lean"] * 2


def _frame(spec: ExerciseSpec, points: dict, t: float, view: str = "side") -> RuleFrame:
    from posecheck.features import FeatureExtractor

    return RuleEvaluator(spec).evaluate(FeatureExtractor(spec).extract(pose_frame(points, t, view=view)))


def test_rule_hysteresis_enters_past_margin_and_leaves_inside_range() -> None:
    spec = find_spec("plank")
    rule = next(r for r in spec.rules if r.id == "hips_sagging")
    assert rule.max_value is not None
    from posecheck.features import FeatureExtractor

    extractor, evaluator = FeatureExtractor(spec), RuleEvaluator(spec)
    inside_margin = rule.max_value + rule.margin / 2
    sequence = [rule.max_value - 1, inside_margin, rule.max_value + rule.margin + 2, inside_margin,
                rule.max_value - 1]
    statuses = [evaluator.evaluate(extractor.extract(pose_frame(side_plank_points(b), i / FPS)))
                .outcomes["hips_sagging"].status for i, b in enumerate(sequence)]
    assert statuses == ["ok", "ok", "fault", "fault", "ok"]


def test_rule_outside_its_views_is_not_judged_with_reason() -> None:
    spec = find_spec("squat")
    frame = _frame(spec, side_squat_points(100.0), 0.0, view="side")
    assert frame.outcomes["knees_in"].status == "not_judged"
    assert frame.outcomes["knees_in"].reason == "view"
    assert frame.outcomes["forward_lean"].status in ("ok", "fault")


def run_plank(hip_bends: list[float], view: str = "side") -> MotionTracker:
    analyzer = FrameAnalyzer(find_spec("plank"))
    for index, (t, bend) in enumerate(timeline(hip_bends, FPS)):
        analyzer.analyze(pose_frame(side_plank_points(bend), t, index, view=view))
    analyzer.finish()
    return analyzer.motion


def test_plank_hold_is_timed_from_timestamps() -> None:
    motion = run_plank([0.0] * int(12 * FPS + 1))
    assert len(motion.holds) == 1
    assert motion.holds[0].seconds == pytest.approx(12.0, abs=1 / FPS)


def test_plank_with_sagging_hips_is_flagged_and_good_plank_is_not() -> None:
    assert run_plank([0.0] * 300).episodes == []
    sag = run_plank([0.0] * 90 + [25.0] * 120 + [0.0] * 90)
    assert [e.fault for e in sag.episodes] == ["hips_sagging"]
    assert sag.episodes[0].start_s == pytest.approx(3.0, abs=0.3)
    assert sag.holds[0].faults  # the fault belongs to the hold it happened in


def test_plank_pike_and_sag_are_different_faults() -> None:
    motion = run_plank([-35.0] * 120 + [0.0] * 60 + [25.0] * 120)
    assert [e.fault for e in motion.episodes] == ["hips_piked", "hips_sagging"]


def test_brief_break_in_the_hold_is_forgiven_but_a_long_one_splits_it() -> None:
    spec = find_spec("plank")
    assert spec.hold is not None
    standing = [90.0]  # a hip bend far outside the hold conditions: out of the plank
    brief = [0.0] * 150 + standing * int(spec.hold.grace_s * FPS / 2) + [0.0] * 150
    long = [0.0] * 150 + standing * int(spec.hold.grace_s * FPS * 3) + [0.0] * 150
    assert len(run_plank(brief).holds) == 1
    assert len(run_plank(long).holds) == 2


def test_hold_frames_without_a_person_do_not_count() -> None:
    analyzer = FrameAnalyzer(find_spec("plank"))
    frames = [pose_frame(side_plank_points(0.0), i / FPS, i) for i in range(150)]
    frames += [empty_frame(i / FPS, i) for i in range(150, 300)]
    for frame in frames:
        analyzer.analyze(frame)
    analyzer.finish()
    assert analyzer.motion.holds[0].seconds == pytest.approx(149 / FPS, abs=1e-6)
    assert not math.isnan(analyzer.motion.holds[0].seconds)
