"""Cue debouncing on synthetic rule outcomes: a cue a person can follow.

A cue appears only after its fault has lasted `appear_after_s`, stays at least `min_show_s` so it can be read,
and the most severe fault wins. Live frames arrive at uneven rates (frames are dropped when the model is slow),
so every property is also checked at several frame rates. Timings come from FeedbackSettings, never literals.
"""

from __future__ import annotations

import math

import pytest

from posecheck.analysis import FrameAnalyzer
from posecheck.features import FeatureFrame
from posecheck.feedback import Cue, CueDebouncer, FeedbackBuilder, FeedbackSettings
from posecheck.reps import MotionFrame
from posecheck.rules import RuleFrame, RuleOutcome
from posecheck.specs import find_spec
from tests.synthetic import empty_frame, pose_frame, side_squat_points

S = FeedbackSettings()
FPS = 30.0
DANGER = ("Stop: danger", "danger")
WARNING = ("Careful: warning", "warning")
INFO = ("By the way: info", "info")


def run(schedule: dict[str, tuple[tuple[str, str], float, float]], seconds: float, fps: float = FPS,
        events: dict[int, tuple[Cue, float]] | None = None, debouncer: CueDebouncer | None = None,
        ) -> list[tuple[float, Cue | None]]:
    """Feeds a debouncer; `schedule` maps rule id -> ((cue, severity), start_s, end_s) when it is in fault."""
    debouncer = debouncer or CueDebouncer(S)
    shown: list[tuple[float, Cue | None]] = []
    for i in range(round(seconds * fps) + 1):
        t = i / fps
        active = {rule: what for rule, (what, start, end) in schedule.items() if start <= t < end}
        event, event_s = (events or {}).get(i, (None, 0.0))
        shown.append((t, debouncer.update(t, active, event, event_s)))
    return shown


def first_time(shown: list[tuple[float, Cue | None]], rule_id: str | None = None, text: str | None = None
               ) -> float | None:
    for t, cue in shown:
        if cue is not None and (rule_id is None or cue.rule_id == rule_id) and (text is None or cue.text == text):
            return t
    return None


def showing_at(shown: list[tuple[float, Cue | None]], t: float) -> Cue | None:
    return min(shown, key=lambda item: abs(item[0] - t))[1]


@pytest.mark.parametrize("fps", [10.0, 30.0, 60.0])
def test_a_fault_shorter_than_the_delay_never_shows(fps: float) -> None:
    lasting = S.appear_after_s - 2.0 / fps
    shown = run({"a": (WARNING, 1.0, 1.0 + lasting)}, 4.0, fps)
    assert all(cue is None for _, cue in shown)


@pytest.mark.parametrize("fps", [10.0, 30.0, 60.0])
def test_a_lasting_fault_appears_after_the_delay_whatever_the_frame_rate(fps: float) -> None:
    shown = run({"a": (WARNING, 1.0, 3.0)}, 4.0, fps)
    appeared = first_time(shown, "a")
    assert appeared is not None
    assert 1.0 + S.appear_after_s - 1e-6 <= appeared <= 1.0 + S.appear_after_s + 1.0 / fps + 1e-6
    assert showing_at(shown, appeared).text == WARNING[0]


@pytest.mark.parametrize("fps", [10.0, 30.0, 60.0])
def test_a_cue_stays_long_enough_to_read_then_goes(fps: float) -> None:
    # The fault lasts just past the delay: the cue must outlive it until min_show_s has passed.
    end = 1.0 + S.appear_after_s + 2.0 / fps
    shown = run({"a": (WARNING, 1.0, end)}, 5.0, fps)
    appeared = first_time(shown, "a")
    assert appeared is not None
    visible = [t for t, cue in shown if cue is not None]
    assert visible == [t for t, _ in shown if appeared <= t < appeared + S.min_show_s - 1e-9]
    assert max(visible) > end  # still readable after the fault itself ended


def test_a_steady_fault_keeps_one_cue_without_restarting() -> None:
    shown = run({"a": (WARNING, 0.5, 6.0)}, 7.0)
    appeared = first_time(shown, "a")
    assert appeared is not None
    during = [cue for t, cue in shown if appeared <= t < 6.0]
    assert all(cue is not None and cue.rule_id == "a" for cue in during)
    assert len({id(cue) for cue in during}) == 1  # the same cue object: its clock was not restarted
    # Shown far longer than its reading time already, it goes as soon as the fault does.
    after = [cue for t, cue in shown if t >= 6.0]
    assert after and all(cue is None for cue in after)


def test_flicker_never_becomes_a_cue() -> None:
    debouncer = CueDebouncer(S)
    for i in range(int(4 * FPS)):
        t = i / FPS
        active = {"a": WARNING} if i % 2 == 0 else {}
        assert debouncer.update(t, active) is None


def test_the_most_severe_of_simultaneous_faults_wins() -> None:
    shown = run({"i": (INFO, 1.0, 4.0), "d": (DANGER, 1.0, 4.0), "w": (WARNING, 1.0, 4.0)}, 4.0)
    appeared = first_time(shown)
    assert appeared is not None
    assert showing_at(shown, appeared).rule_id == "d"
    assert {cue.rule_id for t, cue in shown if cue is not None and t < 4.0} == {"d"}


def test_a_more_severe_fault_replaces_a_shown_cue_at_once() -> None:
    danger_start = 1.0 + S.appear_after_s + 0.2  # the warning is on screen, well inside its min_show_s
    shown = run({"w": (WARNING, 1.0, 5.0), "d": (DANGER, danger_start, 5.0)}, 5.0)
    warning_at = first_time(shown, "w")
    danger_at = first_time(shown, "d")
    assert warning_at is not None and danger_at is not None
    assert danger_at < warning_at + S.min_show_s  # did not wait for the warning's reading time
    assert danger_start + S.appear_after_s - 1e-6 <= danger_at <= danger_start + S.appear_after_s + 1 / FPS + 1e-6


def test_a_less_severe_fault_waits_for_the_shown_one() -> None:
    danger_end = 2.0
    shown = run({"d": (DANGER, 1.0, danger_end), "w": (WARNING, 1.2, 6.0)}, 6.0)
    danger_at = first_time(shown, "d")
    warning_at = first_time(shown, "w")
    assert danger_at is not None and warning_at is not None
    assert warning_at >= max(danger_end, danger_at + S.min_show_s) - 1e-6
    assert all(cue is not None and cue.rule_id == "d" for t, cue in shown if danger_at <= t < danger_end)


def test_a_good_rep_cue_shows_for_its_time() -> None:
    good = Cue("Good rep!", "good")
    shown = run({}, 4.0, events={30: (good, S.good_rep_show_s)})
    visible = [t for t, cue in shown if cue == good]
    assert visible[0] == pytest.approx(1.0)
    assert visible[-1] == pytest.approx(1.0 + S.good_rep_show_s - 1 / FPS, abs=1e-6)
    assert all(cue is None for t, cue in shown if t > 1.0 + S.good_rep_show_s)


def test_a_fault_event_replaces_a_good_cue_but_praise_never_hides_a_fault() -> None:
    good = Cue("Good rep!", "good")
    fault = Cue(WARNING[0], "fault", WARNING[1], "w")
    shown = run({}, 4.0, events={30: (good, S.good_rep_show_s), 36: (fault, S.rep_fault_show_s),
                                 42: (good, S.good_rep_show_s)})
    assert showing_at(shown, 1.1) == good
    assert showing_at(shown, 1.2) == fault
    assert showing_at(shown, 1.4) == fault  # the later good rep does not cover the correction


def _motion(spec_rules: list[str], active: tuple[str, ...], t: float, index: int) -> MotionFrame:
    """A synthetic MotionFrame: a person in view, the given rules in fault, the others fine."""
    pose = pose_frame(side_squat_points(120.0), t, index).pose
    features = FeatureFrame(index, t, pose, {}, "side", "left", 1)
    outcomes = {r: RuleOutcome(r, "fault" if r in active else "ok", math.nan) for r in spec_rules}
    return MotionFrame(RuleFrame(features, outcomes), "moving", 0, {}, 0.0, active)


def test_feedback_builder_debounces_spec_rules_and_picks_the_most_severe() -> None:
    spec = find_spec("squat")
    severities = {rule.severity: rule for rule in spec.rules}
    assert {"danger", "warning"} <= set(severities), "the squat spec should have danger and warning rules"
    danger, warning = severities["danger"], severities["warning"]
    builder = FeedbackBuilder(spec, S)
    rule_ids = [rule.id for rule in spec.rules]
    cues = []
    for i in range(int(3 * FPS)):
        t = i / FPS
        active = (danger.id, warning.id) if t >= 1.0 else ()
        cues.append((t, builder.build(_motion(rule_ids, active, t, i)).cue))
    assert all(cue is None for t, cue in cues if t < 1.0 + S.appear_after_s - 1e-6)
    shown = [cue for t, cue in cues if t >= 1.0 + S.appear_after_s + 1 / FPS]
    assert shown and all(cue is not None and cue.text == danger.cue and cue.kind == "fault" for cue in shown)


def test_nobody_in_view_says_step_into_view_instead_of_judging() -> None:
    spec = find_spec("squat")
    analyzer, builder = FrameAnalyzer(spec), FeedbackBuilder(spec, S)
    cues = []
    for i in range(int(2 * FPS)):
        feedback = builder.build(analyzer.analyze(empty_frame(i / FPS, i)))
        assert all(o.status == "not_judged" for o in feedback.motion.rules.outcomes.values())
        cues.append((i / FPS, feedback.cue))
    assert all(cue is None for t, cue in cues if t < S.no_person_after_s - 1e-6)
    late = [cue for t, cue in cues if t >= S.no_person_after_s]
    assert late and all(cue is not None and cue.kind == "setup" and "step into view" in cue.text.lower()
                        for cue in late)
