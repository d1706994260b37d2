"""Exercise specs: the pydantic schema and the loader of exercise_specs/*.toml."""

from __future__ import annotations

from posecheck.specs.loader import default_spec_dir, find_spec, load_all_specs, load_spec
from posecheck.specs.schema import ExerciseSpec, FeatureSpec, RuleSpec

__all__ = ["ExerciseSpec", "FeatureSpec", "RuleSpec", "default_spec_dir", "find_spec", "load_all_specs", "load_spec"]
