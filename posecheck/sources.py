"""Frame sources: video file, camera, image folder.

Every frame carries its index and its timestamp in seconds on the source's own clock (the container's
timestamps for a file, never wall-clock time), so that a file analysed slowly gives the same times as one
analysed fast.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from posecheck.errors import SourceError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


@dataclass(frozen=True)
class Frame:
    """One decoded picture (BGR, uint8) and when it was taken."""

    index: int
    timestamp_s: float
    image: np.ndarray = field(repr=False)
    captured_at_s: float = 0.0
    """Monotonic wall-clock time of capture: only used to measure live latency."""

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True)
class SourceInfo:
    name: str
    fps: float
    frame_count: int | None
    width: int
    height: int
    is_live: bool


class FrameSource:
    """Iterable of frames; `stopped_early` tells a truncated file from one read to its end."""

    info: SourceInfo
    stopped_early: str | None = None

    def __iter__(self) -> Iterator[Frame]:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass


class VideoFileSource(FrameSource):
    """Reads a video file with OpenCV's FFmpeg backend, using the container's timestamps."""

    def __init__(self, path: str | Path, realtime: bool = False) -> None:
        self.path = Path(path)
        self.realtime = realtime
        if not self.path.exists():
            raise SourceError(f"video not found: {self.path}")
        if self.path.is_dir():
            raise SourceError(f"{self.path} is a folder; pass a video file, or use an image folder source")
        self._capture = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        if not self._capture.isOpened():
            raise SourceError(f"cannot open {self.path} as a video (not a video, or an unsupported codec)")
        fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        if not np.isfinite(fps) or fps <= 0 or fps > 1000:
            fps = 30.0
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        width = int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        if width <= 0 or height <= 0:
            self._capture.release()
            raise SourceError(f"cannot open {self.path} as a video (no picture stream)")
        self.info = SourceInfo(self.path.name, fps, count if count > 0 else None, width, height, realtime)

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        last_timestamp_s = -1.0
        started = time.monotonic()
        try:
            while True:
                ok, image = self._capture.read()
                if not ok or image is None:
                    break
                timestamp_s = self._timestamp_s(index, last_timestamp_s)
                if self.realtime:
                    # Played "as if it were a camera": wait until the frame's moment comes.
                    delay_s = timestamp_s - (time.monotonic() - started)
                    if delay_s > 0:
                        time.sleep(delay_s)
                yield Frame(index, timestamp_s, image, time.monotonic())
                last_timestamp_s = timestamp_s
                index += 1
        finally:
            expected = self.info.frame_count
            # Containers often over-report by a frame or two; a bigger gap means the file is cut short.
            if expected is not None and index < expected - max(3, int(0.02 * expected)):
                self.stopped_early = (
                    f"{self.path.name}: video ends early (corrupt or truncated) after frame {index} "
                    f"of {expected} ({last_timestamp_s:.2f} s); analysed what could be read"
                )

    def _timestamp_s(self, index: int, last_timestamp_s: float) -> float:
        from_container_s = float(self._capture.get(cv2.CAP_PROP_POS_MSEC) or 0.0) / 1000.0
        from_rate_s = index / self.info.fps
        # Trust the container's clock when it is sane and moving forward; fall back to the nominal rate.
        if np.isfinite(from_container_s) and from_container_s > last_timestamp_s and (
            abs(from_container_s - from_rate_s) < 1.0
        ):
            return from_container_s
        return max(from_rate_s, last_timestamp_s + 1e-3)

    def close(self) -> None:
        self._capture.release()


class CameraSource(FrameSource):
    """A live camera; timestamps are seconds since the session started (a camera has no other clock)."""

    def __init__(self, index: int, width: int | None = None, height: int | None = None) -> None:
        self._capture = cv2.VideoCapture(index)
        if not self._capture.isOpened():
            raise SourceError(f"cannot open camera {index}: not connected, busy, or no permission")
        if width:
            self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        ok, probe = self._capture.read()
        if not ok or probe is None:
            self._capture.release()
            raise SourceError(f"camera {index} opened but gives no picture (busy or disconnected)")
        fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 30.0)
        self.info = SourceInfo(f"camera {index}", fps if 0 < fps < 1000 else 30.0, None,
                               int(probe.shape[1]), int(probe.shape[0]), True)

    def __iter__(self) -> Iterator[Frame]:
        started = time.monotonic()
        index = 0
        while True:
            ok, image = self._capture.read()
            now = time.monotonic()
            if not ok or image is None:
                self.stopped_early = f"{self.info.name} stopped giving pictures (disconnected?)"
                return
            yield Frame(index, now - started, image, now)
            index += 1

    def close(self) -> None:
        self._capture.release()


class ImageFolderSource(FrameSource):
    """A folder of still images taken in name order at a fixed rate."""

    def __init__(self, folder: str | Path, fps: float = 30.0) -> None:
        self.folder = Path(folder)
        self.paths = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.paths:
            raise SourceError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in folder {self.folder}")
        first = cv2.imread(str(self.paths[0]))
        if first is None:
            raise SourceError(f"cannot read image {self.paths[0]}")
        self.info = SourceInfo(self.folder.name, fps, len(self.paths), first.shape[1], first.shape[0], False)

    def __iter__(self) -> Iterator[Frame]:
        for index, path in enumerate(self.paths):
            image = cv2.imread(str(path))
            if image is None:
                self.stopped_early = f"cannot read image {path.name}; stopped there"
                return
            yield Frame(index, index / self.info.fps, image, time.monotonic())


def open_source(spec: str | Path, realtime: bool = False, folder_fps: float = 30.0) -> FrameSource:
    """A camera index ("0"), a folder of images, or a video file, by what `spec` is."""
    text = str(spec)
    if text.isdigit():
        return CameraSource(int(text))
    path = Path(text)
    if path.is_dir():
        return ImageFolderSource(path, folder_fps)
    return VideoFileSource(path, realtime=realtime)
