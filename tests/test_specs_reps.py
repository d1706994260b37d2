"""The rep-counted specs beyond the squat (deadlift, Romanian deadlift, glute bridge, crunch, sit-up, bird dog,
push-up, lunge, cycling, walking): every rule fires on a synthetic fault and stays quiet on good form, counts
are exact on synthetic movements, and the real analysis counts the labelled clips.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import ValidationError

from posecheck.analysis import FrameAnalyzer
from posecheck.features import FeatureExtractor
from posecheck.feedback import FeedbackBuilder
from posecheck.pipeline import AnalysisOutputs, analyze_source
from posecheck.report import AnalysisReport
from posecheck.reps import MotionTracker
from posecheck.rules import RuleEvaluator
from posecheck.sources import VideoFileSource
from posecheck.specs import ExerciseSpec, find_spec
from tests.conftest import SHARED, clip, require
from tests.synthetic import (
    pose_frame,
    side_bird_dog_points,
    side_bridge_points,
    side_crunch_points,
    side_cycling_points,
    side_hinge_points,
    side_lunge_points,
    side_pushup_points,
    side_squat_points,
    side_walking_points,
    squat_knee_trajectory,
    timeline,
)

FPS = 30.0
Points = dict[str, tuple[float, float]]
NEW_SPECS = ("deadlift", "romanian_deadlift", "glute_bridge", "crunch", "situp", "bird_dog", "pushup", "lunge",
             "cycling", "walking")


def movement(reps: int, rest: float, far: float, rep_s: float = 2.0, rest_s: float = 1.0) -> list[float]:
    """A signal resting at `rest` that moves to `far` and back `reps` times (cosine-shaped, either direction)."""
    return squat_knee_trajectory(reps, bottom_deg=far, top_deg=rest, rep_s=rep_s, rest_s=rest_s, fps=FPS)


def run(exercise: str, values: list[float], build: Callable[[float], Points], view: str = "side") -> MotionTracker:
    analyzer = FrameAnalyzer(find_spec(exercise))
    for index, (t, value) in enumerate(timeline(values, FPS)):
        analyzer.analyze(pose_frame(build(value), t, index, view=view))
    analyzer.finish()
    return analyzer.motion


def faults_of(motion: MotionTracker, rule_id: str) -> list[str]:
    return [e.fault for e in motion.episodes if e.rule_id == rule_id]


def rep_faults(motion: MotionTracker, rule_id: str) -> list[list[str]]:
    return [[f.fault for f in rep.faults if f.rule_id == rule_id] for rep in motion.reps]


# -- the specs themselves -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "spec_id"), [
    ("deadlift", "deadlift"), ("romanian deadlift", "romanian_deadlift"), ("RDL", "romanian_deadlift"),
    ("glute bridge", "glute_bridge"), ("crunch", "crunch"), ("sit-up", "situp"), ("bird dog", "bird_dog"),
    ("push-up", "pushup"), ("push up", "pushup"), ("pushups", "pushup"), ("lunge", "lunge"), ("cycling", "cycling"),
    ("walking", "walking"),
])
def test_label_exercise_names_resolve(label: str, spec_id: str) -> None:
    assert find_spec(label).id == spec_id


@pytest.mark.parametrize("spec_id", NEW_SPECS)
def test_rules_cite_the_document_and_say_when_they_go_beyond_it(spec_id: str) -> None:
    document = (SHARED / "seed" / "what-workouts-are-good-for-your-back.txt")
    text = require(document, "source document").read_text(encoding="utf-8")
    spec = find_spec(spec_id)
    assert spec.reps is not None and spec.rules
    assert spec.prescription.source in text
    for rule in spec.rules:
        assert rule.source in text, f"{spec_id}.{rule.id} quotes a sentence the document does not have"
        assert rule.views, rule.id
        if rule.source_kind == "coaching_practice":
            assert rule.note, f"{spec_id}.{rule.id} goes beyond the document without saying how"
        if not spec.from_document:
            assert rule.source_kind == "coaching_practice", f"{spec_id} is not in the document: {rule.id}"


# -- generic mechanism: min/max sides, rules gated on a position -----------------------------------------------


def test_min_and_max_sides_pick_the_moving_limb_and_need_both_sides_seen() -> None:
    spec = find_spec("bird dog")
    extractor = FeatureExtractor(spec)
    reaching_right = extractor.extract(pose_frame(side_bird_dog_points(95.0, 175.0, 85.0, 0.0), 0.0))
    assert reaching_right.values["arm_drop_deg"] == pytest.approx(5.0, abs=1e-6)  # the raised (left) arm
    assert reaching_right.values["knee_above_hip_ratio"] == pytest.approx(-math.cos(math.radians(85.0)), abs=1e-6)
    hidden = pose_frame(side_bird_dog_points(95.0, 175.0, 85.0, 0.0), 0.1)
    assert hidden.pose is not None
    hidden.pose.visibility[[13, 15]] = 0.0  # left elbow and wrist unseen: the min must not fall back to the other
    assert math.isnan(FeatureExtractor(spec).extract(hidden).values["arm_drop_deg"])


def test_rule_with_a_position_condition_is_not_judged_outside_that_position() -> None:
    spec = find_spec("push-up")
    extractor, evaluator = FeatureExtractor(spec), RuleEvaluator(spec)
    standing = evaluator.evaluate(extractor.extract(pose_frame(side_squat_points(178.0, torso_lean_deg=3.0), 0.0)))
    for rule_id in ("hips_sagging", "hips_piked", "head_in_line"):
        assert standing.outcomes[rule_id].status == "not_judged"
        assert standing.outcomes[rule_id].reason == "position"
    sagging = evaluator.evaluate(extractor.extract(pose_frame(side_pushup_points(165.0, hip_bend_deg=25.0), 1.0)))
    assert sagging.outcomes["hips_sagging"].status == "fault"
    assert sagging.outcomes["hips_piked"].status == "ok"


def test_position_condition_must_name_a_defined_feature() -> None:
    data = find_spec("push-up").model_dump()
    data["rules"][1]["when"][0]["feature"] = "plank_height_deg"
    with pytest.raises(ValidationError, match="does not define"):
        ExerciseSpec.model_validate(data)


def test_feedback_colours_joints_of_min_and_max_features() -> None:
    spec = find_spec("bird dog")
    analyzer, feedback = FrameAnalyzer(spec), FeedbackBuilder(spec)
    frame = feedback.build(analyzer.analyze(pose_frame(side_bird_dog_points(95.0, 175.0, 85.0, 0.0), 0.0)))
    assert frame.joint_status  # the reaching limbs' rules map onto landmarks


# -- deadlift: from the floor to lockout and back down ----------------------------------------------------------


def good_pull(hip: float) -> Points:
    """A flat-backed pull: set-up hip 80 / knee 90 (torso 55 deg from vertical), straightening together."""
    return side_hinge_points(hip, knee_angle_deg=90.0 + (hip - 80.0) * 85.0 / 92.0)


def hunched_pull(hip: float) -> Points:
    """Chest dropped over the bar: set-up hip 60 / knee 120, the torso flat (90 deg from vertical)."""
    return side_hinge_points(hip, knee_angle_deg=min(175.0, 120.0 + (hip - 60.0) * 55.0 / 112.0))


@pytest.mark.parametrize("reps", [1, 3])
def test_deadlift_counts_each_pull_from_the_floor_once(reps: int) -> None:
    motion = run("deadlift", movement(reps, rest=80.0, far=172.0), good_pull)
    assert len(motion.reps) == reps
    for rep in motion.reps:
        assert rep.bottom_s == rep.end_s  # a lift from the floor is over when the bar is back down
        assert rep.start_s < rep.turnaround_s < rep.end_s


def test_deadlift_set_up_lockout_hold_and_walking_away_are_not_reps() -> None:
    standing_start = [172.0] * 45 + list(map(float, range(172, 80, -2)))  # walks up, bends over the bar
    set_up = [80.0] * 150  # a long set-up
    lift = movement(1, rest=80.0, far=172.0, rep_s=6.0, rest_s=1.0)  # a lockout held for seconds
    walk_away = list(map(float, range(80, 172, 2))) + [172.0] * 90
    motion = run("deadlift", standing_start + set_up + lift + walk_away, good_pull)
    assert len(motion.reps) == 1


def test_deadlift_flat_back_set_up_is_quiet_and_chest_down_is_called() -> None:
    good = run("deadlift", movement(2, rest=80.0, far=172.0), good_pull)
    hunched = run("deadlift", movement(2, rest=60.0, far=172.0), hunched_pull)
    assert good.episodes == []
    assert len(hunched.reps) == 2
    assert "rounded_back" in faults_of(hunched, "chest_up")


def test_deadlift_chest_rule_is_not_judged_from_the_front() -> None:
    spec = find_spec("deadlift")
    frame = FeatureExtractor(spec).extract(pose_frame(hunched_pull(60.0), 0.0, view="front"))
    assert RuleEvaluator(spec).evaluate(frame).outcomes["chest_up"].reason == "view"


def test_deadlift_short_lockout_is_flagged_per_rep() -> None:
    full = run("deadlift", movement(2, rest=80.0, far=172.0), good_pull)
    short = run("deadlift", movement(2, rest=80.0, far=152.0), good_pull)
    assert rep_faults(full, "lockout") == [[], []]
    assert rep_faults(short, "lockout") == [["range_of_motion"], ["range_of_motion"]]


def test_deadlift_heels_and_bar_drift_are_called() -> None:
    def heels_up(hip: float) -> Points:
        return side_hinge_points(hip, knee_angle_deg=90.0 + (hip - 80.0) * 85.0 / 92.0, heel_lift_px=110.0)

    def bar_out(hip: float) -> Points:
        return side_hinge_points(hip, knee_angle_deg=90.0 + (hip - 80.0) * 85.0 / 92.0, wrist_ahead_px=250.0)

    assert "heels_lifting" in faults_of(run("deadlift", movement(2, 80.0, 172.0), heels_up), "heels_down")
    assert "arm_position" in faults_of(run("deadlift", movement(2, 80.0, 172.0), bar_out), "bar_close")


# -- Romanian deadlift ---------------------------------------------------------------------------------------


def test_rdl_counts_hinges_including_one_the_clip_starts_inside() -> None:
    def soft_knees(hip: float) -> Points:
        return side_hinge_points(hip, knee_angle_deg=160.0)

    hinges = movement(3, rest=168.0, far=90.0)
    assert len(run("romanian deadlift", hinges, soft_knees).reps) == 3
    starts_part_way_down = hinges[30 + 15:]  # the first hinge's bottom and return are still in view
    assert len(run("romanian deadlift", starts_part_way_down, soft_knees).reps) == 3


def test_rdl_soft_knees_are_quiet_and_a_squatting_hinge_is_called() -> None:
    soft = run("rdl", movement(2, 168.0, 90.0), lambda hip: side_hinge_points(hip, knee_angle_deg=160.0))

    def squatting(hip: float) -> Points:
        return side_hinge_points(hip, knee_angle_deg=90.0 + (hip - 90.0) * 80.0 / 78.0)

    bent = run("rdl", movement(2, 168.0, 90.0), squatting)
    assert soft.episodes == []
    assert faults_of(bent, "soft_knees") == ["leg_position", "leg_position"]


# -- glute bridge --------------------------------------------------------------------------------------------


def test_glute_bridge_counts_bridges_and_not_one_cut_off_at_the_top() -> None:
    bridges = movement(4, rest=52.0, far=3.0, rep_s=3.0)
    assert len(run("glute bridge", bridges, side_bridge_points).reps) == 4
    cut = bridges[: 30 + 3 * 120 + 45]  # the 4th reaches the top as the clip ends
    motion = run("glute bridge", cut, side_bridge_points)
    assert len(motion.reps) == 3
    assert motion.episodes == []


def test_glute_bridge_low_hips_arched_back_and_lifted_heels_are_called() -> None:
    low = run("glute bridge", movement(2, 52.0, 22.0, rep_s=3.0), side_bridge_points)
    arched = run("glute bridge", movement(2, 52.0, -28.0, rep_s=3.0), side_bridge_points)
    heels = run("glute bridge", movement(2, 52.0, 3.0, rep_s=3.0), lambda d: side_bridge_points(d, heel_lift_px=110.0))
    assert rep_faults(low, "hips_up") == [["range_of_motion"], ["range_of_motion"]]
    assert faults_of(arched, "no_arch") == ["low_back_arch", "low_back_arch"]
    assert "heels_lifting" in faults_of(heels, "feet_flat")


# -- crunch and sit-up ---------------------------------------------------------------------------------------


def test_crunch_counts_and_a_clip_starting_part_way_up_counts_that_crunch() -> None:
    crunches = movement(3, rest=4.0, far=40.0, rep_s=1.6, rest_s=0.6)
    assert len(run("crunch", crunches, side_crunch_points).reps) == 3
    part_way_up = crunches[18 + 6:]  # 6 frames into the first rise: shoulders just leaving the floor
    assert part_way_up[0] < 12.0
    assert len(run("crunch", part_way_up, side_crunch_points).reps) == 3


def test_crunch_range_rules() -> None:
    good = run("crunch", movement(2, 4.0, 40.0), side_crunch_points)
    small = run("crunch", movement(2, 4.0, 23.5), side_crunch_points)  # counted (past 22), short of 25
    sit_up = run("crunch", movement(2, 4.0, 80.0), side_crunch_points)
    straight_legs = run("crunch", movement(2, 4.0, 40.0), lambda r: side_crunch_points(r, knee_angle_deg=170.0))
    assert good.episodes == []
    assert rep_faults(small, "shoulders_up") == [["range_of_motion"], ["range_of_motion"]]
    assert faults_of(sit_up, "crunch_not_situp") == ["range_of_motion", "range_of_motion"]
    assert faults_of(straight_legs, "knees_bent") == ["leg_position"]


def test_situp_counts_full_sit_ups_and_calls_half_ones() -> None:
    full = run("sit-up", movement(8, rest=3.0, far=85.0, rep_s=2.4, rest_s=1.0), side_crunch_points)
    half = run("sit-up", movement(2, rest=3.0, far=60.0, rep_s=2.4), side_crunch_points)
    assert len(full.reps) == 8
    assert full.episodes == []
    assert rep_faults(half, "sit_all_the_way_up") == [["range_of_motion"], ["range_of_motion"]]


# -- bird dog: each side counted on its own ------------------------------------------------------------------


def bird_dog_sequence(sides: str, hip: float = 175.0, **figure: float) -> Iterator[Points]:
    """Tabletop between reps; each letter of `sides` (l/r) reaches that leg and the opposite arm out and back."""
    arm = figure.pop("arm_deg", 85.0)
    yield from [side_bird_dog_points(**figure)] * 30
    for side in sides:
        for value in movement(1, rest=95.0, far=hip, rep_s=3.0, rest_s=0.0):
            reach = (value - 95.0) / (hip - 95.0)
            legs = {"left_hip_deg": value, "right_hip_deg": 95.0} if side == "l" else \
                   {"left_hip_deg": 95.0, "right_hip_deg": value}
            arms = {"right_arm_deg": arm * reach} if side == "l" else {"left_arm_deg": arm * reach}
            yield side_bird_dog_points(**legs, **arms, **figure)
        yield from [side_bird_dog_points(**figure)] * 30


def run_bird_dog(sides: str, **figure: float) -> MotionTracker:
    analyzer = FrameAnalyzer(find_spec("bird dog"))
    for index, points in enumerate(bird_dog_sequence(sides, **figure)):
        analyzer.analyze(pose_frame(points, index / FPS, index))
    analyzer.finish()
    return analyzer.motion


def test_bird_dog_counts_each_side_separately() -> None:
    motion = run_bird_dog("lrlrl")
    assert motion.side_counts() == {"left": 3, "right": 2}
    assert [rep.side for rep in motion.reps] == ["left", "right", "left", "right", "left"]
    assert [rep.number for rep in motion.reps] == [1, 1, 2, 2, 3]
    assert motion.episodes == []


def test_bird_dog_leg_too_high_too_low_arm_low_and_head_dropped_are_called() -> None:
    too_high = run_bird_dog("lr", hip=178.0, torso_tilt_deg=-35.0)  # hips high: a straight leg points upward
    too_low = run_bird_dog("lr", torso_tilt_deg=40.0)  # shoulders high: a straight leg points at the floor
    arm_low = run_bird_dog("lr", arm_deg=30.0)
    head = run_bird_dog("lr", head_drop_deg=50.0)
    assert faults_of(too_high, "leg_not_too_high") == ["low_back_arch", "low_back_arch"]
    assert rep_faults(too_low, "leg_reach") == [["leg_position"], ["leg_position"]]
    assert faults_of(arm_low, "arm_reach") == ["arm_position", "arm_position"]
    assert faults_of(head, "head_in_line") == ["head_position"]
    assert len(too_high.reps) == len(too_low.reps) == len(arm_low.reps) == 2


# -- push-up -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reps", [1, 4, 10])
def test_pushup_counts_exactly_and_good_form_is_quiet(reps: int) -> None:
    motion = run("push-up", movement(reps, rest=168.0, far=85.0, rep_s=1.2, rest_s=0.5), side_pushup_points)
    assert len(motion.reps) == reps
    assert motion.episodes == []


def test_pushup_body_line_depth_and_head_faults() -> None:
    reps = movement(2, rest=168.0, far=85.0, rep_s=1.5)
    sag = run("push-up", reps, lambda e: side_pushup_points(e, hip_bend_deg=22.0))
    pike = run("push-up", reps, lambda e: side_pushup_points(e, hip_bend_deg=-30.0))
    shallow = run("push-up", movement(2, rest=168.0, far=110.0, rep_s=1.5),
                  lambda e: side_pushup_points(e, forearm_tilt_deg=25.0))
    head = run("push-up", reps, lambda e: side_pushup_points(e, head_drop_deg=50.0))
    assert faults_of(sag, "hips_sagging") == ["hips_sagging"]
    assert faults_of(pike, "hips_piked") == ["hips_piked"]
    assert rep_faults(shallow, "depth") == [["shallow_depth"], ["shallow_depth"]]
    assert faults_of(head, "head_in_line") == ["head_position"]
    assert len(sag.reps) == len(pike.reps) == len(shallow.reps) == 2


def test_pushup_body_line_is_not_judged_from_the_front_but_reps_count() -> None:
    motion = run("push-up", movement(3, rest=168.0, far=85.0), lambda e: side_pushup_points(e, hip_bend_deg=25.0),
                 view="front")
    assert len(motion.reps) == 3
    assert motion.episodes == []


# -- lunge ---------------------------------------------------------------------------------------------------


def lunge(front: float, lean: float = 8.0, back_offset: float = 5.0) -> Points:
    return side_lunge_points(front, front + back_offset, torso_lean_deg=lean)


def test_lunge_counts_and_good_lunges_are_quiet() -> None:
    motion = run("lunge", movement(5, rest=170.0, far=88.0, rep_s=2.5), lunge)
    assert len(motion.reps) == 5
    assert motion.episodes == []


def test_lunge_shallow_and_leaning_are_called() -> None:
    shallow = run("lunge", movement(2, 170.0, 112.0, rep_s=2.5), lambda f: lunge(f, back_offset=13.0))
    leaning = run("lunge", movement(2, 170.0, 88.0, rep_s=2.5), lambda f: lunge(f, lean=50.0))
    assert rep_faults(shallow, "depth") == [["shallow_depth"], ["shallow_depth"]]
    assert faults_of(leaning, "torso_upright") == ["forward_lean", "forward_lean"]


# -- cycling and walking: synthetic only (no labelled clips) --------------------------------------------------


def pedalling(revolutions: int, bottom_knee: float, rpm: float = 60.0) -> list[float]:
    return movement(revolutions, rest=70.0, far=bottom_knee, rep_s=60.0 / rpm, rest_s=0.0) + [70.0] * 15


@pytest.mark.parametrize("rpm", [50.0, 90.0])
def test_cycling_counts_pedal_revolutions(rpm: float) -> None:
    motion = run("cycling", pedalling(12, 150.0, rpm), side_cycling_points)
    assert len(motion.reps) == 12
    assert motion.episodes == []


def test_cycling_seat_height_is_judged_at_the_bottom_of_the_stroke() -> None:
    low = run("cycling", pedalling(4, 132.0), side_cycling_points)
    high = run("cycling", pedalling(4, 170.0), side_cycling_points)
    assert rep_faults(low, "seat_too_low") == [["leg_position"]] * 4
    assert faults_of(high, "seat_too_high") == ["leg_position"] * 4
    assert not faults_of(high, "seat_too_low") and not faults_of(low, "seat_too_high")


def striding(strides: int) -> list[float]:
    return [175.0] * 15 + movement(strides, rest=175.0, far=115.0, rep_s=0.7, rest_s=0.4)


def test_walking_counts_strides_and_upright_posture_is_quiet() -> None:
    motion = run("walking", striding(8), side_walking_points)
    assert len(motion.reps) == 8
    assert motion.episodes == []


def test_walking_hunch_and_head_down_are_called() -> None:
    hunched = run("walking", striding(8), lambda k: side_walking_points(k, torso_lean_deg=25.0))
    head_down = run("walking", striding(8), lambda k: side_walking_points(k, head_drop_deg=40.0))
    assert faults_of(hunched, "walk_tall") == ["forward_lean"]
    assert faults_of(head_down, "head_up") == ["head_position"]
    assert len(hunched.reps) == len(head_down.reps) == 8


# -- end to end on the labelled clips --------------------------------------------------------------------------

CLIPS = {
    "deadlift_side_01.mp4": "deadlift",
    "deadlift_side_rounded_back_01.mp4": "deadlift",
    "deadlift_oblique_rounded_back_01.mp4": "deadlift",
    "deadlift_side_two_people_rounded_back_01.mp4": "deadlift",
    "rdl_oblique_lowlight_01.mp4": "romanian deadlift",
    "glute_bridge_side_01.mp4": "glute bridge",
    "crunch_side_01.mp4": "crunch",
    "situp_side_01.mp4": "sit-up",
    "bird_dog_side_01.mp4": "bird dog",
    "pushup_side_good_01.mp4": "push-up",
    "pushup_front_01.mp4": "push-up",
    "pushup_side_hips_pike_sag_01.mp4": "push-up",
    "pushup_side_two_people_01.mp4": "push-up",
    "lunge_side_stationary_01.mp4": "lunge",
}


class ClipReports:
    """Analyses every clip once, two at a time (inference releases the GIL, so two streams fill two cores)."""

    def __init__(self, model: Path) -> None:
        self._pool = ThreadPoolExecutor(max_workers=2)
        self._futures: dict[str, Future[AnalysisReport]] = {
            name: self._pool.submit(self._analyse, clip(name), exercise, model) for name, exercise in CLIPS.items()}

    @staticmethod
    def _analyse(path: Path, exercise: str, model: Path) -> AnalysisReport:
        return analyze_source(VideoFileSource(path), find_spec(exercise), model, AnalysisOutputs()).report

    def __getitem__(self, name: str) -> AnalysisReport:
        return self._futures[name].result()

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


@pytest.fixture(scope="session")
def reports(model_dir: Path) -> Iterator[ClipReports]:
    for name in CLIPS:
        clip(name)
    analysed = ClipReports(model_dir / "pose_landmarker_full.task")
    yield analysed
    analysed.close()


def overlaps(start: float, end: float, intervals: list[tuple[float, float]], slack_s: float = 0.0) -> bool:
    return any(start <= b + slack_s and end >= a - slack_s for a, b in intervals)


def labelled(labels: dict[str, dict], name: str, fault: str) -> list[tuple[float, float]]:
    return [(f["start_s"], f["end_s"]) for f in labels[name]["faults"] if f["fault"] == fault]


# Counts are exact on every clip but one (the sit-up, explained there). Bottoms are checked within the
# tolerance given per clip: label bottoms are +-0.3 s, and a floor-start lift reports its end early (below).
EXACT = ["deadlift_side_01.mp4", "deadlift_side_rounded_back_01.mp4", "deadlift_oblique_rounded_back_01.mp4",
         "deadlift_side_two_people_rounded_back_01.mp4", "rdl_oblique_lowlight_01.mp4", "glute_bridge_side_01.mp4",
         "crunch_side_01.mp4", "bird_dog_side_01.mp4", "pushup_side_good_01.mp4", "pushup_front_01.mp4",
         "pushup_side_hips_pike_sag_01.mp4", "pushup_side_two_people_01.mp4", "lunge_side_stationary_01.mp4"]


@pytest.mark.clips
@pytest.mark.parametrize("name", EXACT)
def test_clip_rep_count_matches_label(name: str, reports: ClipReports, labels: dict[str, dict]) -> None:
    # Two-people clips: the tracker follows one person; the labels count per person for the clips where both
    # move together (deadlift and push-up pairs), so one person's count is the label.
    assert len(reports[name].reps) == labels[name]["reps"]


@pytest.mark.clips
@pytest.mark.parametrize(("name", "early_s", "late_s"), [
    ("rdl_oblique_lowlight_01.mp4", 0.5, 0.5),
    ("glute_bridge_side_01.mp4", 0.5, 0.5),
    ("pushup_side_good_01.mp4", 0.4, 0.4),
    ("pushup_front_01.mp4", 0.3, 0.3),
    ("pushup_side_hips_pike_sag_01.mp4", 0.3, 0.3),
    ("pushup_side_two_people_01.mp4", 0.4, 0.4),
    ("lunge_side_stationary_01.mp4", 0.4, 0.4),
    # A deadlift rep ends (and reports its bottom) as the hips close past 95 deg on the way down, 0.2-0.9 s
    # before the plates settle where the label puts it; never after.
    ("deadlift_side_01.mp4", 1.0, 0.2),
    ("deadlift_side_two_people_rounded_back_01.mp4", 1.0, 0.2),
    ("deadlift_oblique_rounded_back_01.mp4", 1.0, 0.2),
])
def test_clip_rep_bottoms_match_label(name: str, early_s: float, late_s: float, reports: ClipReports,
                                      labels: dict[str, dict]) -> None:
    got = [rep.bottom_s for rep in reports[name].reps]
    want = labels[name]["rep_bottoms_s"]
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert w - early_s <= g <= w + late_s, (got, want)


@pytest.mark.clips
def test_clip_situp_counts_the_first_rise_the_label_leaves_out(reports: ClipReports, labels: dict[str, dict]) -> None:
    # The label says the clip starts at the top of an earlier sit-up, but its first frames show him about a
    # third of the way up and rising (torso ~30 deg): the top (~1 s) and the lying back (~2.5 s) are both in
    # view, which by the labels' own convention is a rep, and the counter counts it. The other eight match.
    report = reports["situp_side_01.mp4"]
    want = labels["situp_side_01.mp4"]["rep_bottoms_s"]
    assert len(report.reps) == len(want) + 1
    assert report.reps[0].start_s < 0.5 and report.reps[0].turnaround_s < 1.5
    for rep, w in zip(report.reps[1:], want, strict=True):
        assert abs(rep.bottom_s - w) <= 0.5
    assert report.faults == []


@pytest.mark.clips
def test_clip_crunch_counts_the_crunch_the_clip_starts_in(reports: ClipReports, labels: dict[str, dict]) -> None:
    # Rep 3 is held at the top for ~2 s: the label marks the middle of the hold, the counter its highest point
    # (early in the hold), so only the first two bottoms are compared tightly.
    got = [rep.bottom_s for rep in reports["crunch_side_01.mp4"].reps]
    want = labels["crunch_side_01.mp4"]["rep_bottoms_s"]
    assert got[:2] == pytest.approx(want[:2], abs=0.3)
    assert want[2] - 1.2 <= got[2] <= want[2] + 0.3
    assert reports["crunch_side_01.mp4"].faults == []


@pytest.mark.clips
def test_clip_bird_dog_counts_one_rep_per_side(reports: ClipReports) -> None:
    report = reports["bird_dog_side_01.mp4"]
    assert report.summary.side_counts == {"left": 1, "right": 1}
    assert report.faults == []


@pytest.mark.clips
@pytest.mark.parametrize("name", ["deadlift_side_01.mp4", "rdl_oblique_lowlight_01.mp4", "glute_bridge_side_01.mp4",
                                  "pushup_side_good_01.mp4", "pushup_front_01.mp4", "pushup_side_two_people_01.mp4",
                                  "lunge_side_stationary_01.mp4"])
def test_clip_labelled_good_form_raises_no_fault(name: str, reports: ClipReports, labels: dict[str, dict]) -> None:
    assert labels[name]["faults"] == []
    assert reports[name].faults == []


@pytest.mark.clips
def test_clip_deadlift_hunched_set_up_is_called_where_labelled(reports: ClipReports,
                                                               labels: dict[str, dict]) -> None:
    # MediaPipe has no spine points: the rule sees the chest dropped over the bar (torso past 75 deg from
    # vertical), which is how the labelled rounded set-ups look from the side. Measured on these clips (frame
    # by frame): precision 0.97-1.0, recall 0.6-0.7 on the side views; a rounded back at a normal torso angle
    # (the lowering in the first clip) is missed.
    hunched = (("deadlift_side_rounded_back_01.mp4", 1), ("deadlift_side_two_people_rounded_back_01.mp4", 3))
    for name, min_hits in hunched:
        want = labelled(labels, name, "rounded_back")
        got = [(f.start_s, f.end_s) for f in reports[name].faults if f.fault == "rounded_back"]
        assert sum(1 for a, b in want if overlaps(a, b, got)) >= min_hits, (name, got)
        assert all(overlaps(a, b, want, slack_s=0.5) for a, b in got), (name, got)  # nothing where none is labelled


@pytest.mark.clips
def test_clip_deadlift_from_an_angle_does_not_judge_the_back(reports: ClipReports) -> None:
    # Seen obliquely the torso's lean is foreshortened, so the chest rule declines instead of guessing: the
    # labelled rounding in this clip is not detected (recall 0 here, by design).
    report = reports["deadlift_oblique_rounded_back_01.mp4"]
    assert "chest_up" in report.summary.not_judged_for_view
    assert [f for f in report.faults if f.rule_id == "chest_up"] == []


@pytest.mark.clips
def test_clip_pushup_pike_and_sag_are_called(reports: ClipReports, labels: dict[str, dict]) -> None:
    name = "pushup_side_hips_pike_sag_01.mp4"
    faults = reports[name].faults
    for kind in ("hips_sagging", "hips_piked"):
        want = labelled(labels, name, kind)
        got = [(f.start_s, f.end_s) for f in faults if f.fault == kind]
        assert got and all(overlaps(a, b, want, slack_s=0.5) for a, b in got), (kind, got)
    # The first pike (hip line about -24 deg) is called; the second, milder one (-13 to -16 deg) reads like the
    # good push-ups' tops (-12 to -14 deg) and is missed: MediaPipe's hip sits a little above the line.
    first_pike = labelled(labels, name, "hips_piked")[0]
    assert any(overlaps(f.start_s, f.end_s, [first_pike]) for f in faults if f.fault == "hips_piked")
    assert reports[name].reps[0].faults and all(f.fault == "hips_sagging" for f in reports[name].reps[0].faults)


@pytest.mark.clips
def test_clip_pushup_from_the_front_counts_but_does_not_judge_the_body_line(reports: ClipReports) -> None:
    not_judged = reports["pushup_front_01.mp4"].summary.not_judged_for_view
    assert {"hips_sagging", "hips_piked"} <= set(not_judged)
