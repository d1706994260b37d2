"""Reads spec files and turns pydantic errors into one line naming the file, the field and why."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import tomllib
from pydantic import ValidationError

from posecheck.errors import SpecError
from posecheck.specs.schema import ExerciseSpec


def default_spec_dir() -> Path:
    """POSECHECK_SPEC_DIR, else the exercise_specs/ folder shipped beside the package."""
    env = os.environ.get("POSECHECK_SPEC_DIR")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parent.parent.parent / "exercise_specs"  # a source checkout / pip -e
    installed = Path(sys.prefix) / "share" / "posecheck" / "exercise_specs"  # pip install . (data-files)
    for candidate in (checkout, installed):
        if candidate.is_dir():
            return candidate
    return checkout


def load_spec(path: str | Path) -> ExerciseSpec:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"spec file not found: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: not valid TOML: {error}") from None
    try:
        return ExerciseSpec.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise SpecError(f"{path}: field '{where}': {first['msg']}{more}") from None


def load_all_specs(spec_dir: str | Path | None = None) -> dict[str, ExerciseSpec]:
    folder = Path(spec_dir) if spec_dir is not None else default_spec_dir()
    if not folder.is_dir():
        raise SpecError(f"spec folder not found: {folder}")
    specs: dict[str, ExerciseSpec] = {}
    for path in sorted(folder.glob("*.toml")):
        spec = load_spec(path)
        if spec.id in specs:
            raise SpecError(f"{path}: exercise id '{spec.id}' is already used by another spec")
        specs[spec.id] = spec
    return specs


def normalise_name(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def find_spec(name: str, spec_dir: str | Path | None = None) -> ExerciseSpec:
    """The spec whose id, name or alias matches `name`, ignoring case, spaces, hyphens and apostrophes."""
    if name.endswith(".toml") or os.sep in name:
        return load_spec(name)
    specs = load_all_specs(spec_dir)
    wanted = normalise_name(name)
    for spec in specs.values():
        if wanted in {normalise_name(n) for n in [spec.id, spec.name, *spec.aliases]}:
            return spec
    raise SpecError(f"unknown exercise '{name}': known exercises are {', '.join(sorted(specs))}")
