"""The stretch specs (child's pose, downward dog, cobra, cat-cow, knee rolls) and the plank arm raise.

Synthetic figures show each rule firing on its fault and quiet on good form, holds timed to the frame and
cycles counted; the labelled clips run the real analysis end to end. A test here also checks that every spec
in exercise_specs/ cites the source document word for word.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from posecheck import cli
from posecheck.analysis import FrameAnalyzer
from posecheck.pipeline import AnalysisOutputs, analyze_source
from posecheck.pose import PoseFrame
from posecheck.report import hold_report
from posecheck.reps import MotionFrame, MotionTracker
from posecheck.sources import VideoFileSource
from posecheck.specs import find_spec, load_all_specs
from posecheck.specs.schema import ExerciseSpec
from tests.conftest import SHARED, clip, require
from tests.synthetic import (
    pose_frame,
    side_all_fours_points,
    side_childs_pose_points,
    side_cobra_points,
    side_downward_dog_points,
    side_plank_arm_points,
    side_squat_points,
    supine_knee_roll_frame,
)

FPS = 30.0
FRAME_S = 1.0 / FPS
NEW_SPECS = ("childs_pose", "downward_dog", "cobra", "cat_cow", "knee_rolls", "plank_arm_raise")

Figure = Callable[[float, int], PoseFrame]  # (time_s, frame index) -> frame


def side_figure(points: dict[str, tuple[float, float]]) -> Figure:
    return lambda t, index: pose_frame(points, t, index)


def knee_roll_figure(**pose: float | str) -> Figure:
    return lambda t, index: supine_knee_roll_frame(t, index=index, **pose)  # type: ignore[arg-type]


class Unsmoothed(FrameAnalyzer):
    """The chain without the One Euro filter, whose lag on a jump between two poses would blur exact timing."""

    def analyze(self, frame: PoseFrame) -> MotionFrame:
        return self.motion.update(self.rules.evaluate(self.features.extract(frame)))


def play(spec_id: str, segments: list[tuple[Figure, float]], smooth: bool = True) -> MotionTracker:
    """Runs the per-frame chain (smoothing included unless told) over figures held for the given seconds."""
    analyzer = (FrameAnalyzer if smooth else Unsmoothed)(find_spec(spec_id))
    index = 0
    for figure, seconds in segments:
        for _ in range(round(seconds * FPS)):
            analyzer.analyze(figure(index / FPS, index))
            index += 1
    analyzer.finish()
    return analyzer.motion


def fault_rules(motion: MotionTracker) -> set[str]:
    return {hit.rule_id for hit in motion.episodes}


# -- every spec cites the document -------------------------------------------------------------------------

def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def document() -> str:
    path = require(SHARED / "seed" / "what-workouts-are-good-for-your-back.txt", "source document")
    return normalise(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("spec_id", sorted(load_all_specs()))
def test_every_rule_and_prescription_cites_a_sentence_of_the_document(spec_id: str, document: str) -> None:
    """Coaching-practice rules too: they must name the document sentence the practice interprets."""
    spec = load_all_specs()[spec_id]
    cited = [("prescription", spec.prescription.source)] + [(f"rule {r.id}", r.source) for r in spec.rules]
    for where, source in cited:
        assert normalise(source) in document, f"{spec_id} {where}: source is not in the document: {source!r}"


def test_new_specs_are_listed_and_validate(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["specs", "validate"]) == 0
    assert cli.main(["specs", "list"]) == 0
    listing = capsys.readouterr().out
    for spec_id in NEW_SPECS:
        assert re.search(rf"^{spec_id}\s", listing, re.MULTILINE), f"{spec_id} missing from `posecheck specs list`"
    knee_rolls_line = next(line for line in listing.splitlines() if line.startswith("knee_rolls "))
    assert "hold per side" in knee_rolls_line
    assert "cycles" in next(line for line in listing.splitlines() if line.startswith("cat_cow "))


def test_prescriptions_follow_the_document() -> None:
    childs = find_spec("childs_pose").prescription
    assert (childs.hold_s, childs.hold_s_max, childs.sets) == (30.0, 60.0, 3)
    rolls = find_spec("knee rolls").prescription
    assert (rolls.hold_s, rolls.sets, rolls.per_side) == (30.0, 3, True)
    cat_cow = find_spec("cat-cow")
    assert cat_cow.reps is not None and cat_cow.reps.unit_name == "cycle"
    assert (cat_cow.prescription.reps_per_set, cat_cow.prescription.reps_per_set_max) == (8, 15)
    assert find_spec("cobra").is_hold and find_spec("child's pose").is_hold and find_spec("down dog").is_hold


# -- form rules: each fires on its fault and is quiet on good form -----------------------------------------

GOOD: dict[str, Figure] = {
    "childs_pose": side_figure(side_childs_pose_points()),
    "downward_dog": side_figure(side_downward_dog_points()),
    "cobra": side_figure(side_cobra_points()),
    "knee_rolls": knee_roll_figure(bent="left"),
}

FAULTS: list[tuple[str, str, Figure]] = [
    ("childs_pose", "sit_back", side_figure(side_childs_pose_points(knee_angle_deg=70.0))),
    ("childs_pose", "arms_forward", side_figure(side_childs_pose_points(arms_forward=False))),
    ("downward_dog", "hips_high", side_figure(side_downward_dog_points(hip_angle_deg=118.0, leg_back_deg=55.0))),
    ("downward_dog", "straight_arms", side_figure(side_downward_dog_points(elbow_angle_deg=130.0))),
    ("downward_dog", "long_back", side_figure(side_downward_dog_points(arm_torso_deg=125.0))),
    ("cobra", "elbows_not_past_90", side_figure(side_cobra_points(elbow_angle_deg=65.0))),
    ("cobra", "shoulders_from_ears", side_figure(side_cobra_points(shrug_px=50.0))),
    ("cobra", "navel_anchored", side_figure(side_cobra_points(leg_lift_deg=16.0))),
    ("cobra", "head_in_line", side_figure(side_cobra_points(head_tilt_deg=60.0))),
    ("knee_rolls", "shoulders_planted", knee_roll_figure(bent="left", shoulder_roll_deg=40.0)),
    ("knee_rolls", "other_leg_straight", knee_roll_figure(bent="right", straight_knee_deg=142.0)),
]


@pytest.mark.parametrize("spec_id", sorted(GOOD))
def test_good_hold_is_timed_without_faults(spec_id: str) -> None:
    motion = play(spec_id, [(GOOD[spec_id], 5.0)])
    assert len(motion.holds) == 1
    assert motion.holds[0].seconds == pytest.approx(5.0 - FRAME_S, abs=FRAME_S)
    assert motion.episodes == [] and motion.holds[0].faults == ()


@pytest.mark.parametrize(("spec_id", "rule_id", "figure"), FAULTS, ids=[f"{s}-{r}" for s, r, _ in FAULTS])
def test_rule_fires_on_its_fault_during_the_hold(spec_id: str, rule_id: str, figure: Figure) -> None:
    motion = play(spec_id, [(figure, 5.0)])
    assert len(motion.holds) == 1, "the faulty pose should still count as the pose, so the fault is judged"
    assert fault_rules(motion) == {rule_id}
    assert rule_id in {hit.rule_id for hit in motion.holds[0].faults}


def test_fault_is_judged_only_while_holding() -> None:
    """A shrug while lying flat, before the cobra is up, is not a cobra fault."""
    motion = play("cobra", [(side_figure(side_cobra_points(chest_lift_deg=5.0, shrug_px=50.0)), 3.0),
                            (GOOD["cobra"], 3.0)])
    assert len(motion.holds) == 1 and motion.episodes == []


# -- hold timing -------------------------------------------------------------------------------------------

OUT_OF_POSE: dict[str, Figure] = {
    "childs_pose": side_figure(side_all_fours_points()),
    "downward_dog": side_figure(side_all_fours_points()),
    "cobra": side_figure(side_cobra_points(chest_lift_deg=3.0)),
    "knee_rolls": knee_roll_figure(bent="left", roll_deg=0.0),
}


@pytest.mark.parametrize("smooth", [False, True], ids=["exact", "smoothed"])
@pytest.mark.parametrize("spec_id", sorted(OUT_OF_POSE))
def test_a_12_s_hold_measures_12_s(spec_id: str, smooth: bool) -> None:
    """Exact to a frame on the raw landmarks; the landmark filter's lag on a jump adds at most a few frames."""
    frames = FRAME_S if not smooth else 3 * FRAME_S
    motion = play(spec_id, [(OUT_OF_POSE[spec_id], 2.0), (GOOD[spec_id], 12.0), (OUT_OF_POSE[spec_id], 3.0)],
                  smooth=smooth)
    assert len(motion.holds) == 1
    hold = motion.holds[0]
    assert hold.seconds == pytest.approx(12.0, abs=frames + 1e-9)
    assert hold.start_s == pytest.approx(2.0, abs=frames + 1e-9)


def test_childs_pose_on_all_fours_or_kneeling_up_is_not_the_pose() -> None:
    kneeling_up = side_squat_points(60.0, torso_lean_deg=0.0)
    motion = play("childs_pose", [(OUT_OF_POSE["childs_pose"], 4.0), (side_figure(kneeling_up), 4.0)])
    assert motion.holds == []


def test_downward_dog_standing_forward_fold_is_not_the_pose() -> None:
    fold = side_downward_dog_points(hip_angle_deg=40.0, leg_back_deg=5.0)
    assert len(play("downward_dog", [(side_figure(fold), 4.0)]).holds) == 0


def test_repeated_cobra_press_ups_are_separate_holds() -> None:
    """The Upper back paragraph's 8-10 repeats: each press-up that is held shows as its own hold."""
    flat, up = OUT_OF_POSE["cobra"], GOOD["cobra"]
    motion = play("cobra", [(flat, 1.5), (up, 3.0)] * 4 + [(flat, 1.5)])
    assert [h.number for h in motion.holds] == [1, 2, 3, 4]
    assert all(h.seconds == pytest.approx(3.0 - FRAME_S, abs=FRAME_S) for h in motion.holds)


# -- knee rolls: a hold per side ---------------------------------------------------------------------------

def test_knee_rolls_time_each_side_and_count_holds_per_side() -> None:
    up_left, up_right = knee_roll_figure(bent="left", roll_deg=0.0), knee_roll_figure(bent="right", roll_deg=0.0)
    left, right = knee_roll_figure(bent="left"), knee_roll_figure(bent="right")
    motion = play("knee_rolls", [(up_left, 1.0), (left, 12.0), (up_left, 2.0), (left, 6.0), (up_left, 2.0),
                                 (up_right, 2.0), (right, 10.0), (up_right, 2.0)])
    assert [(h.side, h.number) for h in motion.holds] == [("left", 1), ("left", 2), ("right", 1)]
    assert [h.seconds for h in motion.holds] == pytest.approx([12.0, 6.0, 10.0], abs=FRAME_S + 1e-9)
    assert motion.side_counts() == {"left": 2, "right": 1}
    report = hold_report(motion.holds[2], find_spec("knee_rolls"))
    assert report.side == "right" and report.target_s == 30.0


def test_knee_rolls_need_the_other_leg_straight_and_the_knee_down() -> None:
    both_bent = knee_roll_figure(bent="left", straight_knee_deg=100.0)
    knee_still_up = knee_roll_figure(bent="left", roll_deg=20.0)
    motion = play("knee_rolls", [(both_bent, 4.0), (knee_still_up, 4.0)])
    assert motion.holds == []


# -- cat-cow: cycles ---------------------------------------------------------------------------------------

def cat_cow_cycles(cycles: int, low_deg: float = -50.0, high_deg: float = 50.0, cycle_s: float = 4.0,
                   **figure: float) -> tuple[list[Figure], list[float]]:
    """Neutral, then `cycles` smooth cow->cat->cow swings of the head (cosine), then neutral.

    Returns one figure per frame and the times of the cat (lowest) points.
    """
    neutral = [0.0] * int(FPS)
    swings: list[float] = []
    cats: list[float] = []
    mid, half = (high_deg + low_deg) / 2, (high_deg - low_deg) / 2
    n = int(cycle_s * FPS)
    for _ in range(cycles):
        start = len(neutral) + len(swings)
        swings += [mid + half * math.cos(2 * math.pi * k / n) for k in range(n)]
        cats.append((start + n / 2) / FPS)
    values = neutral + swings + [high_deg] * int(FPS) + neutral
    frames = [side_figure(side_all_fours_points(neck_bend_deg=v, **figure)) for v in values]
    return frames, cats


def play_frames(spec_id: str, figures: list[Figure]) -> MotionTracker:
    return play(spec_id, [(figure, FRAME_S) for figure in figures])


@pytest.mark.parametrize("cycles", [1, 3, 8])
def test_cat_cow_counts_each_cow_cat_cow_cycle(cycles: int) -> None:
    figures, cats = cat_cow_cycles(cycles)
    motion = play_frames("cat_cow", figures)
    assert len(motion.reps) == cycles
    assert [r.turnaround_s for r in motion.reps] == pytest.approx(cats, abs=3 * FRAME_S)
    assert all(r.good for r in motion.reps)


def test_cat_cow_small_head_nods_around_neutral_are_not_cycles() -> None:
    figures, _ = cat_cow_cycles(4, low_deg=-15.0, high_deg=15.0)
    assert play_frames("cat_cow", figures).reps == []


def test_cat_cow_without_a_cow_is_not_a_cycle() -> None:
    figures, _ = cat_cow_cycles(3, low_deg=-50.0, high_deg=5.0)
    assert play_frames("cat_cow", figures).reps == []


@pytest.mark.parametrize(("rule_id", "figure"), [("knees_under_hips", {"thigh_tilt_deg": -35.0}),
                                                 ("wrists_under_shoulders", {"arm_tilt_deg": 35.0})])
def test_cat_cow_alignment_rules_fire_and_attach_to_the_cycle(rule_id: str, figure: dict[str, float]) -> None:
    good, _ = cat_cow_cycles(2)
    assert fault_rules(play_frames("cat_cow", good)) == set()
    bad, _ = cat_cow_cycles(2, **figure)
    motion = play_frames("cat_cow", bad)
    assert len(motion.reps) == 2
    assert fault_rules(motion) == {rule_id}
    assert all(rule_id in {h.rule_id for h in rep.faults} for rep in motion.reps)


def test_cat_cow_is_not_counted_or_judged_off_all_fours() -> None:
    """Kneeling upright and nodding the head is neither a cycle nor a hands-and-knees fault."""
    values = [50.0 * math.cos(2 * math.pi * k / 120) for k in range(360)]
    kneeling = side_squat_points(90.0, torso_lean_deg=0.0)
    figures: list[Figure] = []
    for v in values:
        points = dict(kneeling)
        points["ear"] = (points["shoulder"][0] + 60 * math.sin(math.radians(v)), points["shoulder"][1] - 60)
        figures.append(side_figure(points))
    motion = play_frames("cat_cow", figures)
    assert motion.reps == [] and motion.episodes == []


# -- plank arm raise: raises per side in the plank, plank's body line ---------------------------------------

def raises(order: list[str | None], hip_bend_deg: float = 0.0, raise_deg: float = 0.0) -> list[tuple[Figure, float]]:
    plank = side_figure(side_plank_arm_points(hip_bend_deg=hip_bend_deg))
    segments: list[tuple[Figure, float]] = [(plank, 1.0)]
    for side in order:
        segments += [(side_figure(side_plank_arm_points(side, raise_deg, hip_bend_deg)), 1.0), (plank, 1.0)]
    return segments


def test_plank_arm_raises_are_counted_per_side() -> None:
    motion = play("plank_arm_raise", raises(["left", "right", "left", "right", "left"]))
    assert [r.side for r in motion.reps] == ["left", "right", "left", "right", "left"]
    assert motion.side_counts() == {"left": 3, "right": 2}
    assert all(r.good for r in motion.reps)


def test_plank_arm_lifted_only_a_little_is_not_a_raise() -> None:
    assert play("plank_arm_raise", raises(["left", "right"], raise_deg=-30.0)).reps == []


def test_arm_raises_standing_up_are_not_counted() -> None:
    standing = side_squat_points(175.0, torso_lean_deg=0.0)
    arm_up = dict(standing, left_elbow=(standing["shoulder"][0] + 150, standing["shoulder"][1]),
                  left_wrist=(standing["shoulder"][0] + 300, standing["shoulder"][1]))
    motion = play("plank_arm_raise", [(side_figure(standing), 1.0), (side_figure(arm_up), 1.0)] * 3)
    assert motion.reps == []
    assert motion.episodes == []


@pytest.mark.parametrize(("rule_id", "hip_bend_deg"), [("hips_sagging", 20.0), ("hips_piked", -30.0)])
def test_plank_arm_raise_body_line_faults_attach_to_the_raise(rule_id: str, hip_bend_deg: float) -> None:
    motion = play("plank_arm_raise", raises(["left", "right"], hip_bend_deg=hip_bend_deg))
    assert len(motion.reps) == 2
    assert fault_rules(motion) == {rule_id}
    assert all(rule_id in {h.rule_id for h in rep.faults} for rep in motion.reps)


def test_plank_arm_raise_head_drop_is_called() -> None:
    points = side_plank_arm_points()
    shoulder = points["shoulder"]
    hanging = dict(points, ear=(shoulder[0] + 35.0, shoulder[1] + 60.0), nose=(shoulder[0] + 45.0, shoulder[1] + 75.0))
    assert fault_rules(play("plank_arm_raise", [(side_figure(hanging), 3.0)])) == {"head_in_line"}
    assert fault_rules(play("plank_arm_raise", raises(["left", "right"]))) == set()


# -- the mechanisms these specs needed, on a spec that is not an exercise ------------------------------------

def generic_spec(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": "one_sided", "name": "One sided", "category": "stretch", "preferred_view": "side",
        "setup_cue": "any", "features": [
            {"name": "elbow_deg", "kind": "angle", "points": ["shoulder", "elbow", "wrist"], "side": "each"},
            {"name": "torso_deg", "kind": "inclination", "points": ["hip", "shoulder"]}],
        "hold": {"per_side": True, "conditions": [
            {"feature": "elbow_deg", "max_value": 120},
            {"feature": "elbow_deg", "of_side": "other", "min_value": 150}]},
        "prescription": {"text": "any", "source": "none given here"},
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(("changes", "message"), [
    ({"hold": {"per_side": True, "conditions": [{"feature": "torso_deg", "max_value": 30}]}},
     "hold.per_side needs a condition on a feature with side"),
    ({"hold": {"conditions": [{"feature": "elbow_deg", "of_side": "other", "min_value": 150}]}},
     "of_side = \"other\" needs hold.per_side"),
    ({"hold": None, "reps": {"signal": "torso_deg", "direction": "increasing", "rest_threshold": 10,
                             "turn_threshold": 40, "position": [{"feature": "knee_deg", "min_value": 1}]}},
     "reps.position.knee_deg names feature 'knee_deg'"),
    ({"hold": None, "reps": {"signal": "torso_deg", "direction": "increasing", "rest_threshold": 10,
                             "turn_threshold": 40,
                             "position": [{"feature": "elbow_deg", "of_side": "other", "min_value": 1}]}},
     "only for the conditions of a per-side hold"),
])
def test_schema_rejects_sided_conditions_that_cannot_work(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        ExerciseSpec.model_validate(generic_spec(**changes))


def test_per_side_hold_reads_each_condition_on_its_own_or_the_other_side() -> None:
    analyzer = Unsmoothed(ExerciseSpec.model_validate(generic_spec()))
    base = {"shoulder": (500.0, 300.0), "hip": (500.0, 600.0), "elbow": (500.0, 450.0), "wrist": (500.0, 600.0)}
    bent_right = dict(base, right_wrist=(600.0, 450.0))  # right elbow 90 deg, left straight
    both_bent = dict(bent_right, left_wrist=(600.0, 450.0))
    index = 0
    for points, seconds in [(base, 1.0), (bent_right, 4.0), (both_bent, 3.0), (base, 2.0)]:
        for _ in range(round(seconds * FPS)):
            analyzer.analyze(pose_frame(points, index / FPS, index))
            index += 1
    analyzer.finish()
    # right: bent while the left is straight (1-5 s); both bent (5-8 s) is neither side; left never alone
    holds = analyzer.motion.holds
    assert [(h.side, h.start_s, h.seconds) for h in holds] == [("right", 1.0, pytest.approx(4.0 - FRAME_S))]


# -- the labelled clips, end to end --------------------------------------------------------------------------

HOLD_TOLERANCE_S = 1.5


def analyse_clip(name: str, spec_id: str, model_dir: Path):  # type: ignore[no-untyped-def]
    source = VideoFileSource(clip(name))
    return analyze_source(source, find_spec(spec_id), model_dir / "pose_landmarker_full.task",
                          AnalysisOutputs()).report


@pytest.mark.clips
@pytest.mark.parametrize(("name", "spec_id"), [("childs_pose_side_01.mp4", "childs_pose"),
                                               ("downward_dog_side_01.mp4", "downward_dog"),
                                               ("cobra_side_01.mp4", "cobra")])
def test_labelled_hold_clip(name: str, spec_id: str, labels: dict[str, dict], model_dir: Path) -> None:
    report = analyse_clip(name, spec_id, model_dir)
    label = labels[name]
    assert len(report.holds) == 1, f"one hold expected, got {[(h.start_s, h.seconds) for h in report.holds]}"
    assert report.holds[0].seconds == pytest.approx(label["hold_s"], abs=HOLD_TOLERANCE_S)
    assert report.reps == []
    assert report.faults == [], "a clip labelled without faults should get no fault"


@pytest.mark.clips
def test_labelled_cat_cow_clip(labels: dict[str, dict], model_dir: Path) -> None:
    name = "cat_cow_side_01.mp4"
    report = analyse_clip(name, "cat_cow", model_dir)
    label = labels[name]
    assert len(report.reps) == label["reps"]
    assert [r.bottom_s for r in report.reps] == pytest.approx(label["rep_bottoms_s"], abs=0.75)
    assert report.faults == []
