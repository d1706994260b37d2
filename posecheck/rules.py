"""Form rules, judged frame by frame on feature values.

A rule is judged only where it can be: from a camera view it lists, and on a value that could be measured.
Anything else is "not judged" with the reason, so the user is told to turn rather than told they are wrong.
Entering a fault needs the value past the allowed range plus the rule's margin; leaving it needs the value
back inside the range itself. That band is the hysteresis that keeps a cue from flickering on jitter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from posecheck.features import FeatureFrame
from posecheck.specs.schema import Condition, ExerciseSpec, RuleSpec

Status = Literal["ok", "fault", "not_judged"]


@dataclass(frozen=True)
class RuleOutcome:
    rule_id: str
    status: Status
    value: float
    reason: str = ""
    """Why a rule is not judged: "view" (wrong camera angle), "not_visible", "no_person" or "position" (the
    body is not in the position the rule's `when` asks for)."""


@dataclass(frozen=True)
class RuleFrame:
    features: FeatureFrame = field(repr=False)
    outcomes: dict[str, RuleOutcome]

    @property
    def index(self) -> int:
        return self.features.index

    @property
    def timestamp_s(self) -> float:
        return self.features.timestamp_s


def condition_met(condition: Condition, value: float) -> bool:
    """A condition on a feature that could not be measured fails: an unseen position is never assumed."""
    if not math.isfinite(value):
        return False
    if condition.min_value is not None and value < condition.min_value:
        return False
    return condition.max_value is None or value <= condition.max_value


def conditions_met(conditions: Sequence[Condition], values: dict[str, float]) -> bool:
    return all(condition_met(c, values.get(c.feature, math.nan)) for c in conditions)


def outside_range(rule: RuleSpec, value: float, margin: float) -> bool:
    """True when `value` is past the allowed range widened by `margin`."""
    if rule.min_value is not None and value < rule.min_value - margin:
        return True
    return rule.max_value is not None and value > rule.max_value + margin


class RuleEvaluator:
    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self._in_fault: dict[str, bool] = {rule.id: False for rule in spec.rules}

    def evaluate(self, features: FeatureFrame) -> RuleFrame:
        outcomes = {rule.id: self._judge(rule, features) for rule in self.spec.rules}
        return RuleFrame(features, outcomes)

    def _judge(self, rule: RuleSpec, features: FeatureFrame) -> RuleOutcome:
        value = features.values.get(rule.feature, math.nan)
        if features.pose is None:
            self._in_fault[rule.id] = False
            return RuleOutcome(rule.id, "not_judged", value, "no_person")
        if features.view not in rule.views:
            self._in_fault[rule.id] = False
            return RuleOutcome(rule.id, "not_judged", value, "view")
        if not math.isfinite(value):
            return RuleOutcome(rule.id, "not_judged", value, "not_visible")
        if rule.when and not conditions_met(rule.when, features.values):
            self._in_fault[rule.id] = False
            return RuleOutcome(rule.id, "not_judged", value, "position")
        was_fault = self._in_fault[rule.id]
        is_fault = outside_range(rule, value, 0.0) if was_fault else outside_range(rule, value, rule.margin)
        self._in_fault[rule.id] = is_fault
        return RuleOutcome(rule.id, "fault" if is_fault else "ok", value)
