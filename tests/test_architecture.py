"""The architecture, enforced: data flows one way between stages, and exercises live only in data."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from posecheck.specs import load_all_specs

PACKAGE = Path(__file__).resolve().parent.parent / "posecheck"

# Pipeline order: a module may import only modules at its own level or earlier (upstream).
STAGE_ORDER = {
    "errors": 0, "specs": 0, "model_files": 0,
    "sources": 1, "pose": 2, "smoothing": 3, "features": 4, "rules": 5, "reps": 6, "analysis": 7,
    "feedback": 8, "report": 8, "drawing": 9, "sinks": 9, "pipeline": 10, "live": 10, "cli": 11, "__main__": 12,
}


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def imported_stages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("posecheck."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("posecheck."):
                    found.add(alias.name.split(".")[1])
    return found


def test_every_module_has_a_place_in_the_pipeline() -> None:
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        if name == "__init__":
            continue
        assert name in STAGE_ORDER, f"{path.name}: add it to STAGE_ORDER so its imports are checked"


def test_imports_only_flow_downstream() -> None:
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        if name == "__init__":
            continue
        for stage in imported_stages(path):
            if stage == name or stage == "__init__":
                continue
            assert STAGE_ORDER[stage] <= STAGE_ORDER[name], f"{name} imports {stage}, which is downstream of it"


def test_no_exercise_id_or_name_appears_in_python_code() -> None:
    specs = load_all_specs()
    words = set()
    for spec in specs.values():
        words.add(spec.id)
        words.update(w.lower() for w in [spec.name, *spec.aliases] if len(w) > 3)
    source = "\n".join(p.read_text().lower() for p in PACKAGE.rglob("*.py"))
    for word in sorted(words):
        pattern = r"(?<![a-z_])" + re.escape(word) + r"(?![a-z_])"
        assert not re.search(pattern, source), f"exercise '{word}' is named in posecheck/: put it in a spec"


def test_drawing_does_not_decide_and_rules_do_not_draw() -> None:
    drawing = (PACKAGE / "drawing.py").read_text()
    assert "outside_range" not in drawing and "min_value" not in drawing and "max_value" not in drawing
    for stage in ("rules", "reps", "features"):
        assert "cv2" not in (PACKAGE / f"{stage}.py").read_text(), f"{stage}.py draws or shows pictures"
