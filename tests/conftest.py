"""Shared fixtures: where the labelled clips and models are, and the specs.

The real clips and models live in ../shared beside the project; a test that needs them and cannot find them
fails with a message saying how to provide them (it never skips).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("POSECHECK_SHARED_DIR", PROJECT.parent / "shared"))
VIDEOS = SHARED / "videos"
MODELS = Path(os.environ.get("POSECHECK_MODEL_DIR", SHARED / "models"))


def require(path: Path, what: str) -> Path:
    if not path.exists():
        pytest.fail(f"{what} not found at {path}: put the shared data beside the project (../shared) or set "
                    f"POSECHECK_SHARED_DIR / POSECHECK_MODEL_DIR", pytrace=False)
    return path


@pytest.fixture(scope="session")
def labels() -> dict[str, dict]:
    path = require(VIDEOS / "labels.json", "clip labels")
    return {entry["file"]: entry for entry in json.loads(path.read_text())}


@pytest.fixture(scope="session")
def model_dir() -> Path:
    require(MODELS / "pose_landmarker_full.task", "pose model")
    os.environ["POSECHECK_MODEL_DIR"] = str(MODELS)
    return MODELS


def clip(name: str) -> Path:
    return require(VIDEOS / name, f"labelled clip {name}")
