"""Frame sources: timestamps from the source's own clock, and one clear error for what cannot be read."""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import pytest

from posecheck.errors import SourceError
from posecheck.sources import ImageFolderSource, VideoFileSource, open_source
from tests.conftest import clip


def test_video_timestamps_follow_the_container_clock_at_a_fractional_rate() -> None:
    source = VideoFileSource(clip("cobra_side_01.mp4"))  # 29.97 fps
    frames = list(source)
    assert source.info.fps == pytest.approx(30000 / 1001, rel=1e-6)
    assert len(frames) == source.info.frame_count
    times = [f.timestamp_s for f in frames]
    assert all(b > a for a, b in itertools.pairwise(times))
    assert times[-1] == pytest.approx((len(frames) - 1) / source.info.fps, abs=0.02)
    assert source.stopped_early is None


def test_image_folder_is_read_in_name_order_at_the_given_rate(tmp_path: Path) -> None:
    capture = cv2.VideoCapture(str(clip("cobra_side_01.mp4")))
    for i in range(12):
        ok, image = capture.read()
        assert ok
        cv2.imwrite(str(tmp_path / f"frame_{i:03d}.png"), image)
    (tmp_path / "notes.txt").write_text("not a picture")
    source = open_source(tmp_path, folder_fps=25.0)
    assert isinstance(source, ImageFolderSource)
    frames = list(source)
    assert [f.index for f in frames] == list(range(12))
    assert frames[-1].timestamp_s == pytest.approx(11 / 25.0)


def test_empty_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no images"):
        ImageFolderSource(tmp_path)


def test_missing_video_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="video not found"):
        VideoFileSource(tmp_path / "missing.mp4")
