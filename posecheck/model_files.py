"""Finding the pose model file: --model, then POSECHECK_MODEL_DIR, then the user cache, then a checked download."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path

from posecheck.errors import ModelError

MODEL_VARIANTS = ("lite", "full", "heavy")
MODEL_URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{variant}/float16/1/pose_landmarker_{variant}.task"
)
# The official float16/1 bundles; a download that does not match is thrown away.
MODEL_SHA256 = {
    "lite": "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a",
    "full": "5134a3aad27a58b93da0088d431f366da362b44e3ccfbe3462b3827a839011b1",
    "heavy": "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b",
}


def model_filename(variant: str) -> str:
    return f"pose_landmarker_{variant}.task"


def user_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "posecheck" / "models"


def resolve_model(variant: str = "full", model_path: str | Path | None = None, download: bool = True) -> Path:
    """The path of a usable model file, trying each place in order; raises ModelError with a fix if none."""
    if variant not in MODEL_VARIANTS:
        raise ModelError(f"unknown model '{variant}': choose one of {', '.join(MODEL_VARIANTS)}")
    if model_path is not None:
        path = Path(model_path)
        if not path.is_file():
            raise ModelError(f"model file not found: {path}")
        return path
    name = model_filename(variant)
    env_dir = os.environ.get("POSECHECK_MODEL_DIR")
    if env_dir and (Path(env_dir) / name).is_file():
        return Path(env_dir) / name
    cached = user_cache_dir() / name
    if cached.is_file():
        return cached
    how = (
        f"pose model '{name}' not found: pass --model PATH, set POSECHECK_MODEL_DIR to a folder holding it, "
        f"or put it in {user_cache_dir()} (official file: {MODEL_URL.format(variant=variant)})"
    )
    if not download or os.environ.get("POSECHECK_NO_DOWNLOAD"):
        raise ModelError(how)
    url = os.environ.get("POSECHECK_MODEL_URL", MODEL_URL).format(variant=variant)
    try:
        _download_checked(url, cached, MODEL_SHA256[variant])
    except (OSError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ModelError(f"{how}; download failed: {reason}") from None
    return cached


def _download_checked(url: str, target: Path, sha256: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=30) as response, partial.open("wb") as out:
        while chunk := response.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        partial.unlink(missing_ok=True)
        raise ValueError(f"checksum mismatch for {url}")
    partial.replace(target)
