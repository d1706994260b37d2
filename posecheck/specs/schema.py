"""The schema of exercise knowledge: what a spec file in exercise_specs/ may say.

Every threshold has a range and a unit in its key name, every rule cites the source document (or says it is
coaching practice), and unknown keys are errors: a typo in a spec must fail loudly, not be ignored.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

View = Literal["front", "side", "oblique"]
Space = Literal["image", "world"]
SidePolicy = Literal["near", "left", "right", "mean", "each", "min", "max"]
Phase = Literal["rest", "moving", "turnaround", "hold", "any"]
Severity = Literal["info", "warning", "danger"]

SIDED_POINTS = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index", "ear", "eye",
                "pinky", "index", "thumb")
CENTRE_POINTS = ("nose", "mid_shoulder", "mid_hip", "mid_knee", "mid_ankle", "mid_ear")
FeatureName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*_(deg|ratio)$")]
PointName = Annotated[str, Field(pattern=r"^(left_|right_)?[a-z_]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeatureSpec(Strict):
    """A measurement taken from the landmarks of one frame.

    kinds:
      angle            angle at points[1] between points[0] and points[2], 0-180 deg
      inclination      angle of the segment points[0]->points[1] from `reference` (vertical or horizontal), 0-90 deg
      line_deviation   how far points[1] bends off the line points[0]-points[2], deg; positive when it lies
                       below that line (toward the floor), negative above: sagging vs piked hips
      forward_offset   how far points[0] lies ahead of points[1] in the direction the person faces,
                       as a ratio of the length points[1]->points[2]
      width_ratio      horizontal distance between points[0] and points[1] over that between points[2] and points[3]
      height_ratio     how far points[0] is above points[1], as a ratio of the length points[2]->points[3]

    side "min" / "max" take the smaller / larger of the left and right values, and only when both are seen:
    that picks the moving limb (the raised arm in an all-fours reach) without knowing which side it is, and an unseen
    limb gives no value rather than the resting limb's.
    """

    name: FeatureName
    kind: Literal["angle", "inclination", "line_deviation", "forward_offset", "width_ratio", "height_ratio"]
    points: list[PointName] = Field(min_length=2, max_length=4)
    side: SidePolicy = "near"
    space: Space = "image"
    reference: Literal["vertical", "horizontal"] = "vertical"
    description: str = ""

    @model_validator(mode="after")
    def _point_count(self) -> FeatureSpec:
        needed = {"angle": 3, "inclination": 2, "line_deviation": 3, "forward_offset": 3, "width_ratio": 4,
                  "height_ratio": 4}[self.kind]
        if len(self.points) != needed:
            raise ValueError(f"a '{self.kind}' feature takes {needed} points, got {len(self.points)}")
        unit = self.name.rsplit("_", 1)[1]
        expected_unit = "deg" if self.kind in ("angle", "inclination", "line_deviation") else "ratio"
        if unit != expected_unit:
            raise ValueError(f"a '{self.kind}' feature is measured in {expected_unit}: name it '..._{expected_unit}'")
        for point in self.points:
            base = point.removeprefix("left_").removeprefix("right_")
            if base not in SIDED_POINTS and point not in CENTRE_POINTS:
                raise ValueError(f"unknown point '{point}' (known: {', '.join(SIDED_POINTS + CENTRE_POINTS)})")
        return self


class Condition(Strict):
    """A feature inside a range; both bounds are in the feature's own unit.

    In a per-side hold, a condition on a side = "each" feature is read on the side being timed, or with
    `of_side = "other"` on the opposite side (one leg bent and lowered while the other stays straight).
    """

    feature: FeatureName
    min_value: float | None = Field(default=None, ge=-360, le=360)
    max_value: float | None = Field(default=None, ge=-360, le=360)
    of_side: Literal["same", "other"] = "same"

    @model_validator(mode="after")
    def _has_bound(self) -> Condition:
        if self.min_value is None and self.max_value is None:
            raise ValueError("give min_value, max_value or both")
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValueError(f"min_value {self.min_value} is above max_value {self.max_value}")
        return self


class RuleSpec(Strict):
    """A form rule: the feature must stay inside [min_value, max_value] in the phases given.

    `margin` widens the allowed range before a frame is called a fault and is the hysteresis band for leaving
    the fault (MediaPipe's 2D angles are off by several degrees even at the right view). `at` says whether the
    rule is judged on every frame of the phases (`frames`) or once per rep on the value at the turnaround
    (`turnaround`), which is how depth is judged. `when` limits the rule to frames where the body is in the
    exercise's position (a body-line rule on the floor means nothing while the person stands between sets): outside
    it the rule is "not judged", never "ok".
    """

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    fault: Literal["shallow_depth", "knees_caving_in", "heels_lifting", "forward_lean", "rounded_back",
                   "hips_sagging", "hips_piked", "low_back_arch", "knee_past_toes", "torso_lean", "hip_rotation",
                   "head_position", "elbow_angle", "arm_position", "leg_position", "stance_width", "body_line",
                   "range_of_motion"]
    feature: FeatureName
    min_value: float | None = Field(default=None, ge=-360, le=360)
    max_value: float | None = Field(default=None, ge=-360, le=360)
    margin: float = Field(default=5.0, ge=0, le=90)
    phases: list[Phase] = Field(default_factory=lambda: ["any"], min_length=1)
    at: Literal["frames", "turnaround"] = "frames"
    views: list[View] = Field(min_length=1)
    cue: str = Field(min_length=3, max_length=60)
    severity: Severity = "warning"
    min_fault_s: float = Field(default=0.4, ge=0, le=10)
    source: str = Field(min_length=10)
    source_kind: Literal["document", "coaching_practice"] = "document"
    note: str = ""
    when: list[Condition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_bound(self) -> RuleSpec:
        if self.min_value is None and self.max_value is None:
            raise ValueError("give min_value, max_value or both")
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValueError(f"min_value {self.min_value} is above max_value {self.max_value}")
        return self


class RepSpec(Strict):
    """Rep (or cycle) counting on one driving signal, with hysteresis.

    At rest the signal is on the `rest` side of `rest_threshold`; a rep starts when it leaves that side,
    reaches its turnaround once it passes `turn_threshold`, and is counted when it comes back past
    `rest_threshold`. The gap between the two thresholds is the hysteresis: jitter smaller than it cannot
    count a rep. `per_side` runs one counter on the left-side signal and one on the right (exercises done
    one side at a time).
    """

    signal: FeatureName
    direction: Literal["decreasing", "increasing"]
    rest_threshold: float = Field(ge=-360, le=360)
    turn_threshold: float = Field(ge=-360, le=360)
    min_rep_s: float = Field(default=0.5, ge=0.1, le=30)
    max_rep_s: float = Field(default=20.0, ge=1, le=300)
    per_side: bool = False
    unit_name: Literal["rep", "cycle"] = "rep"
    bottom_at: Literal["turnaround", "end"] = "turnaround"
    """The moment reported as the rep's bottom: its turnaround, or its end for lifts that start from the floor."""
    end_of_clip_return_fraction: float = Field(default=0.75, ge=0.3, le=1.0)
    """How far back toward rest a rep must have come when the stream ends to still be counted."""
    position: list[Condition] = Field(default_factory=list)
    """The starting position counting needs (the support position for one-arm raises): outside it nothing is
    counted and the phase is "waiting", so the same movement made standing up is not taken for a rep."""

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> RepSpec:
        if self.direction == "decreasing" and not self.turn_threshold < self.rest_threshold:
            raise ValueError("direction 'decreasing' needs turn_threshold below rest_threshold")
        if self.direction == "increasing" and not self.turn_threshold > self.rest_threshold:
            raise ValueError("direction 'increasing' needs turn_threshold above rest_threshold")
        return self


class HoldSpec(Strict):
    """A held position: in the pose while every condition holds; short lapses up to `grace_s` are forgiven."""

    conditions: list[Condition] = Field(min_length=1)
    grace_s: float = Field(default=1.0, ge=0, le=10)
    min_hold_s: float = Field(default=2.0, ge=0, le=600)
    per_side: bool = False
    """Time the left and the right side separately (a stretch held on one side, then the other): conditions on
    side = "each" features are read on the side being timed."""


class Prescription(Strict):
    sets: int | None = Field(default=None, ge=1, le=20)
    reps_per_set: int | None = Field(default=None, ge=1, le=200)
    reps_per_set_max: int | None = Field(default=None, ge=1, le=200)
    per_side: bool = False
    hold_s: float | None = Field(default=None, ge=1, le=600)
    hold_s_max: float | None = Field(default=None, ge=1, le=600)
    text: str = Field(min_length=3)
    source: str = Field(min_length=10)


class ExerciseSpec(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name: str = Field(min_length=2)
    aliases: list[str] = Field(default_factory=list)
    category: Literal["stretch", "strength", "core", "cardio"]
    from_document: bool = True
    description: str = ""
    preferred_view: View
    setup_cue: str = Field(min_length=3, max_length=60)
    min_visibility: float = Field(default=0.5, ge=0, le=1)
    features: list[FeatureSpec] = Field(min_length=1)
    reps: RepSpec | None = None
    hold: HoldSpec | None = None
    rules: list[RuleSpec] = Field(default_factory=list)
    prescription: Prescription

    @field_validator("features")
    @classmethod
    def _unique_features(cls, features: list[FeatureSpec]) -> list[FeatureSpec]:
        names = [f.name for f in features]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"feature names used twice: {', '.join(duplicates)}")
        return features

    @model_validator(mode="after")
    def _references_resolve(self) -> ExerciseSpec:
        if (self.reps is None) == (self.hold is None):
            raise ValueError("a spec has exactly one of [reps] or [hold]")
        known = {f.name for f in self.features}
        used: list[tuple[str, str]] = [(f"rules.{r.id}.feature", r.feature) for r in self.rules]
        used += [(f"rules.{r.id}.when", c.feature) for r in self.rules for c in r.when]
        if self.reps is not None:
            used.append(("reps.signal", self.reps.signal))
            signal = next((f for f in self.features if f.name == self.reps.signal), None)
            if self.reps.per_side and signal is not None and signal.side != "each":
                raise ValueError("reps.per_side needs a signal feature with side = \"each\"")
        if self.hold is not None:
            used += [(f"hold.conditions.{c.feature}", c.feature) for c in self.hold.conditions]
            each = {f.name for f in self.features if f.side == "each"}
            if self.hold.per_side and not any(c.feature in each for c in self.hold.conditions):
                raise ValueError("hold.per_side needs a condition on a feature with side = \"each\"")
            for c in self.hold.conditions:
                if c.of_side == "other" and not (self.hold.per_side and c.feature in each):
                    raise ValueError(f"hold.conditions.{c.feature}: of_side = \"other\" needs hold.per_side and "
                                     "a feature with side = \"each\"")
        if self.reps is not None:
            used += [(f"reps.position.{c.feature}", c.feature) for c in self.reps.position]
        outside_holds = [*(self.reps.position if self.reps else []), *(c for r in self.rules for c in r.when)]
        if any(c.of_side == "other" for c in outside_holds):
            raise ValueError("of_side = \"other\" is only for the conditions of a per-side hold")
        for where, name in used:
            if name not in known:
                raise ValueError(f"{where} names feature '{name}', which [[features]] does not define")
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        for rule in self.rules:
            if rule.at == "turnaround" and self.reps is None:
                raise ValueError(f"rule '{rule.id}' is judged at the turnaround, which a hold does not have")
        return self

    @property
    def is_hold(self) -> bool:
        return self.hold is not None
