"""Spec files are validated data: every bundled spec loads, and a broken one names the file, field and why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from posecheck.errors import SpecError
from posecheck.specs import find_spec, load_all_specs, load_spec
from posecheck.specs.loader import default_spec_dir

SQUAT = default_spec_dir() / "squat.toml"


def write_variant(tmp_path: Path, edit: str, replace: str) -> Path:
    text = SQUAT.read_text()
    assert edit in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(edit, replace, 1))
    return path


def test_every_bundled_spec_validates() -> None:
    specs = load_all_specs()
    assert {"squat", "plank"} <= set(specs)
    for spec in specs.values():
        assert spec.rules, f"{spec.id} has no form rules"
        for rule in spec.rules:
            assert rule.source.strip()


@pytest.mark.parametrize(
    ("edit", "replace", "field", "why"),
    [
        ('rest_threshold = 145.0', 'rest_threshold = 145.0\nrest_treshold = 1.0', "reps.rest_treshold",
         "Extra inputs are not permitted"),
        ('max_value = 0.2\nmargin = 0.1', 'max_value = 0.2\nmargin = 900.0', "rules.0.margin", "less than or equal"),
        ('signal = "knee_bend_3d_deg"', 'signal = "elbow_deg"', "reps.signal", "does not define"),
        ('turn_threshold = 125.0', 'turn_threshold = 165.0', "'reps'", "turn_threshold below rest_threshold"),
        ('kind = "angle"', 'kind = "curvature"', "features.0.kind", "Input should be"),
        ('views = ["front"]', 'views = ["top"]', "rules.3.views.0", "Input should be"),
    ],
)
def test_invalid_spec_error_names_file_field_and_reason(tmp_path: Path, edit: str, replace: str, field: str,
                                                         why: str) -> None:
    path = write_variant(tmp_path, edit, replace)
    with pytest.raises(SpecError) as error:
        load_spec(path)
    message = str(error.value)
    assert str(path) in message
    assert field in message
    assert why in message
    assert "\n" not in message


def test_feature_name_must_carry_its_unit(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'name = "torso_lean_deg"', 'name = "torso_lean"')
    with pytest.raises(SpecError, match=r"features\.3\.name"):
        load_spec(path)


def test_angle_feature_named_as_ratio_is_rejected(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'name = "knee_angle_deg"', 'name = "knee_angle_ratio"')
    with pytest.raises(SpecError, match="measured in deg"):
        load_spec(path)


def test_not_toml_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("id = [unclosed")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(path)


def test_exercise_names_resolve_by_id_name_and_alias() -> None:
    assert find_spec("squat").id == "squat"
    assert find_spec("Squats").id == "squat"
    assert find_spec("FRONT PLANK").id == "plank"
    with pytest.raises(SpecError, match="unknown exercise 'moonwalk'"):
        find_spec("moonwalk")


def test_spec_files_are_plain_toml_without_python() -> None:
    for path in default_spec_dir().glob("*.toml"):
        tomllib.loads(path.read_text())  # the standard library parser: no code execution possible


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "posecheck", *args], capture_output=True, text=True, timeout=60)


def test_specs_list_shows_exercises_with_prescription() -> None:
    result = run_cli("specs", "list")
    assert result.returncode == 0
    assert "squat" in result.stdout and "3 sets of 10" in result.stdout
    assert "plank" in result.stdout and "30 s" in result.stdout


def test_specs_validate_reports_a_broken_file_in_one_line(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'min_rep_s = 0.6', 'min_rep_s = -1')
    result = run_cli("specs", "validate", str(path))
    assert result.returncode == SpecError.exit_code
    assert result.stderr.count("\n") == 1
    assert "min_rep_s" in result.stderr and "Traceback" not in result.stderr


def test_specs_validate_passes_on_bundled_specs() -> None:
    result = run_cli("specs", "validate")
    assert result.returncode == 0, result.stderr
    assert "squat.toml" in result.stdout


def test_json_schemas_are_published() -> None:
    import json

    report = json.loads(run_cli("schema", "report").stdout)
    assert {"exercise", "reps", "holds", "summary"} <= set(report["properties"])
    spec = json.loads(run_cli("schema", "spec").stdout)
    assert "rules" in spec["properties"]
