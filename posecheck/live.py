"""Live coaching from a camera (or a file played at its real pace): latest-frame-wins.

A capture thread keeps only the newest frame; the main loop takes it, runs pose -> analysis -> feedback on it,
draws that frame's own overlay and shows it. When the model is slower than the camera, frames that were not
taken in time are dropped rather than queued, so the picture never lags behind the person and the overlay
always belongs to the picture under it. Counting uses the frames' own timestamps (StreamAnalysis is the same
chain `analyze` uses), so dropped frames change how often the person is looked at, not how time is measured.

The session always ends with a summary (the same AnalysisReport as `analyze`, plus LiveStats): on quit, on
Ctrl-C, at the time limit, at the end of a file, or when the camera stops giving pictures.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from posecheck.drawing import Annotator
from posecheck.errors import PosecheckError, SourceError
from posecheck.feedback import Cue, FeedbackFrame
from posecheck.pipeline import StreamAnalysis
from posecheck.pose import PoseEstimator, quiet_native_logs
from posecheck.report import AnalysisReport, LiveStats
from posecheck.sinks import VideoSink, write_report
from posecheck.sources import CameraSource, Frame, FrameSource, VideoFileSource
from posecheck.specs.schema import ExerciseSpec

EXIT_INTERRUPTED = 130
KEYS_HELP = "q: quit, space: pause, r: reset count"
PAUSED_CUE = Cue("Paused: press space to go on", "setup")
ROLLING_FRAMES = 30
"""How many recent frames the on-screen fps and latency average over (about a second at camera rates)."""


@dataclass(frozen=True)
class LiveOptions:
    window: bool = False
    window_title: str = "posecheck"
    record_path: Path | None = None
    summary_path: Path | None = None
    max_seconds: float | None = None
    draw: bool | None = None
    """Draw the overlay even with no window and no recording (benchmarks measure the full path this way).
    None draws only when something will show it."""


@dataclass(frozen=True)
class LiveFrame:
    """One analysed frame, as handed to `LiveSession(on_frame=...)`."""

    frame: Frame
    feedback: FeedbackFrame
    image: np.ndarray | None
    """The drawn picture (None when nothing is drawn)."""
    latency_s: float
    """Capture-to-display time of this frame."""


@dataclass(frozen=True)
class LiveResult:
    report: AnalysisReport
    """The session summary; `report.live` holds the same LiveStats as `stats`."""
    stats: LiveStats
    summary_path: Path | None
    stopped_early: str | None
    """Why the source ended on its own before its end (a lost camera, a truncated file), else None."""


class LatestFrameGrabber:
    """Reads a source in its own thread and holds only the newest frame.

    A frame not taken before the next one arrives is dropped and counted. Camera reads block at the camera's
    rate and a file played in real time sleeps until each frame's moment, so this thread costs little CPU.
    """

    def __init__(self, source: FrameSource) -> None:
        self._source = source
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._ended = False
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self.captured = 0
        self.dropped = 0
        self.started_at_s: float | None = None
        self._thread = threading.Thread(target=self._run, name="posecheck-capture", daemon=True)

    def start(self) -> None:
        self.started_at_s = time.monotonic()
        self._thread.start()

    def _run(self) -> None:
        try:
            for frame in self._source:
                with self._cond:
                    if self._latest is not None:
                        self.dropped += 1
                    self._latest = frame
                    self.captured += 1
                    self._cond.notify_all()
                if self._stop.is_set():
                    break
        except BaseException as error:
            self.error = error
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def take(self, timeout_s: float) -> Frame | None:
        """The newest frame not yet taken, waiting up to `timeout_s` for one; None if none came."""
        with self._cond:
            if self._latest is None and not self._ended:
                self._cond.wait(timeout_s)
            frame, self._latest = self._latest, None
            return frame

    def discard(self) -> int:
        """Throws away the waiting frame (while paused); returns how many were thrown away."""
        with self._cond:
            waiting, self._latest = self._latest, None
            return int(waiting is not None)

    @property
    def ended(self) -> bool:
        """The source gave its last frame and that frame has been taken."""
        with self._cond:
            return self._ended and self._latest is None

    def stop(self, timeout_s: float = 3.0) -> bool:
        """Asks the thread to finish; True when it has (only then may the source be released)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        return not self._thread.is_alive()


class _Window:
    """The OpenCV window: shows pictures and reports keys. Created only when a display is there."""

    def __init__(self, title: str) -> None:
        check_display()
        self.title = title
        self.shown = False
        cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)

    def show(self, image: np.ndarray) -> int:
        """Shows `image` and returns the key pressed (-1 for none); waitKey is what actually paints."""
        if not self.shown:
            cv2.resizeWindow(self.title, image.shape[1], image.shape[0])
        cv2.imshow(self.title, image)
        self.shown = True
        return self.poll()

    def poll(self) -> int:
        key = cv2.waitKey(1)
        return -1 if key < 0 else key & 0xFF

    def closed(self) -> bool:
        if not self.shown:
            return False
        try:
            return cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def close(self) -> None:
        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        except cv2.error:
            pass


class _Recorder:
    """Writes the drawn frames as a video that plays at real speed.

    Each drawn frame is repeated until the next one's moment, so frames dropped live do not make the
    recording run fast. Encoding runs in its own thread so it does not add to the live latency.
    """

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        self.fps = fps
        self._sink = VideoSink(path, fps, size)
        self._items: deque[tuple[np.ndarray, int]] = deque()
        self._cond = threading.Condition()
        self._closing = False
        self._error: BaseException | None = None
        self._previous: np.ndarray | None = None
        self._start_s: float | None = None
        self._slots = 0
        self._thread = threading.Thread(target=self._run, name="posecheck-record", daemon=True)
        self._thread.start()

    def add(self, image: np.ndarray, t: float) -> None:
        if self._error is not None:
            raise self._error
        if self._start_s is None:
            self._start_s = t
        slot = round((t - self._start_s) * self.fps)
        if self._previous is not None and slot > self._slots:
            self._put(self._previous, slot - self._slots)
            self._slots = slot
        self._previous = image

    def _put(self, image: np.ndarray, copies: int) -> None:
        with self._cond:
            while len(self._items) >= 16 and self._error is None:
                self._cond.wait(0.1)  # the encoder is behind: wait rather than hold unbounded memory
            self._items.append((image, copies))
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._items and not self._closing:
                    self._cond.wait()
                if not self._items:
                    return
                image, copies = self._items.popleft()
                self._cond.notify_all()
            try:
                for _ in range(copies):
                    self._sink.write(image)
            except BaseException as error:
                self._error = error
                return

    def close(self) -> None:
        if self._previous is not None and self._error is None:
            self._put(self._previous, 1)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()
        self._sink.close()
        if self._error is not None:
            raise self._error

    @property
    def frames_written(self) -> int:
        return self._sink.frames


class _Rolling:
    """Recent display times and latencies, for the fps and latency shown in the corner."""

    def __init__(self) -> None:
        self.shown_at: deque[float] = deque(maxlen=ROLLING_FRAMES)
        self.latency: deque[float] = deque(maxlen=ROLLING_FRAMES)

    def add(self, shown_at_s: float, latency_s: float) -> None:
        self.shown_at.append(shown_at_s)
        self.latency.append(latency_s)

    def text(self) -> str | None:
        if len(self.shown_at) < 2:
            return None
        span = self.shown_at[-1] - self.shown_at[0]
        fps = (len(self.shown_at) - 1) / span if span > 0 else 0.0
        return f"{fps:4.1f} fps  {1000.0 * float(np.median(self.latency)):3.0f} ms"


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """While the summary is being written a second Ctrl-C must not lose it: ignore SIGINT meanwhile."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class LiveSession:
    """One live coaching session over one source; `run()` blocks until it ends and returns the summary.

    Usable from Python (benchmarks, tests): pass any FrameSource (CameraSource, or VideoFileSource with
    realtime=True to play a file as a camera), and optionally `on_frame` to see each analysed frame.
    `request_stop()` may be called from another thread or a signal handler.
    """

    def __init__(self, source: FrameSource, spec: ExerciseSpec, model_path: str | Path,
                 options: LiveOptions | None = None, on_frame: Callable[[LiveFrame], None] | None = None) -> None:
        self.source = source
        self.spec = spec
        self.model_path = Path(model_path)
        self.options = options or LiveOptions()
        self.on_frame = on_frame
        self._stop_reason: str | None = None
        self._stop_event = threading.Event()
        self.annotator = Annotator()
        self.stream = StreamAnalysis(spec, source.info, self.model_path.name)
        self._latencies: list[float] = []
        self._first_shown_s: float | None = None
        self._last_shown_s: float | None = None
        self._analyzed = 0
        self._paused_skipped = 0
        self._resets = 0
        self._offset_s = 0.0
        self._last_t = 0.0
        self._resume_pending = False

    def reset_count(self) -> None:
        """Starts the count, the cues and the summary afresh (the 'r' key)."""
        analyzer = self.stream.analyzer
        analyzer.reset_counts()  # the smoothing and rule states describe the person, not the count: kept
        self.stream = StreamAnalysis(self.spec, self.source.info, self.model_path.name)
        self.stream.analyzer = analyzer
        self._resets += 1

    def request_stop(self, reason: str = "stopped") -> None:
        if self._stop_reason is None:
            self._stop_reason = reason
        self._stop_event.set()

    @property
    def draws(self) -> bool:
        if self.options.draw is not None:
            return self.options.draw
        return self.options.window or self.options.record_path is not None

    def run(self) -> LiveResult:
        grabber = LatestFrameGrabber(self.source)
        window: _Window | None = None
        recorder: _Recorder | None = None
        ended_by = "error"
        error: BaseException | None = None
        started = time.monotonic()
        try:
            if self.options.record_path is not None:
                info = self.source.info
                recorder = _Recorder(self.options.record_path, info.fps, (info.width, info.height))
            if self.options.window:
                window = _Window(self.options.window_title)
            # The model loads before capture starts, so a camera's first seconds are not lost to loading.
            with PoseEstimator(self.model_path) as estimator:
                grabber.start()
                started = time.monotonic()
                ended_by = self._loop(grabber, estimator, window, recorder)
        except KeyboardInterrupt:
            ended_by = "interrupted"
        except BaseException as caught:
            error = caught
        with _sigint_deferred():
            stopped_cleanly = grabber.stop()
            if window is not None:
                window.close()
            if recorder is not None:
                try:
                    recorder.close()
                except BaseException as caught:
                    error = error or caught
            if stopped_cleanly:
                self.source.close()
            if error is None and grabber.error is not None:
                error = grabber.error
            stopped_early = None
            if ended_by == "end_of_source":  # the source ended by itself: did it say why?
                stopped_early = self.source.stopped_early
                if stopped_early is not None:
                    ended_by = "source_lost"
            result = self._summarise(ended_by, time.monotonic() - started, grabber, stopped_early)
            if self.options.summary_path is not None:
                write_report(result.report, self.options.summary_path)
        if error is not None:
            raise error
        return result

    def _loop(self, grabber: LatestFrameGrabber, estimator: PoseEstimator, window: _Window | None,
              recorder: _Recorder | None) -> str:
        rolling = _Rolling()
        paused = False
        last_shown: tuple[Frame, FeedbackFrame] | None = None
        assert grabber.started_at_s is not None
        deadline = None if self.options.max_seconds is None else grabber.started_at_s + self.options.max_seconds
        while True:
            if self._stop_event.is_set():
                return self._stop_reason or "stopped"
            if deadline is not None and time.monotonic() >= deadline:
                return "time_limit"
            if paused:
                self._paused_skipped += grabber.discard()
                assert window is not None
                key = window.poll()
                time.sleep(0.01)
            else:
                frame = grabber.take(0.01 if window is not None else 0.1)
                if frame is None:
                    if grabber.ended:
                        return "end_of_source"
                    key = window.poll() if window is not None else -1
                else:
                    key, last_shown = self._process(frame, estimator, window, recorder, rolling)
            if window is not None:
                if key in (ord("q"), ord("Q"), 27):
                    return "quit"
                if key == ord(" "):
                    paused = not paused
                    if paused and last_shown is not None:
                        frame, feedback = last_shown
                        window.show(self.annotator.annotate(frame.image, dataclasses.replace(feedback, cue=PAUSED_CUE)))
                    self._resume_pending = not paused
                elif key in (ord("r"), ord("R")):
                    self.reset_count()
                if window.closed():
                    return "window_closed"

    def _process(self, frame: Frame, estimator: PoseEstimator, window: _Window | None, recorder: _Recorder | None,
                 rolling: _Rolling) -> tuple[int, tuple[Frame, FeedbackFrame]]:
        if self._resume_pending:
            # Time paused is cut out of the session's clock: the next frame follows the last one analysed.
            self._offset_s = frame.timestamp_s - self._last_t - 1.0 / self.source.info.fps
            self._resume_pending = False
        t = frame.timestamp_s - self._offset_s
        analysed = frame if self._offset_s == 0.0 else dataclasses.replace(frame, timestamp_s=t)
        self._last_t = t
        feedback = self.stream.step(estimator.estimate(analysed))
        image = self.annotator.annotate(frame.image, feedback, rolling.text()) if self.draws else None
        key = window.show(image) if window is not None and image is not None else -1
        shown_at = time.monotonic()
        latency = shown_at - frame.captured_at_s
        rolling.add(shown_at, latency)
        self._latencies.append(latency)
        self._analyzed += 1
        if self._first_shown_s is None:
            self._first_shown_s = shown_at
        self._last_shown_s = shown_at
        if recorder is not None and image is not None:
            recorder.add(image, t)
        if self.on_frame is not None:
            self.on_frame(LiveFrame(frame, feedback, image, latency))
        return key, (frame, feedback)

    def _summarise(self, ended_by: str, seconds: float, grabber: LatestFrameGrabber,
                   stopped_early: str | None) -> LiveResult:
        report = self.stream.finish(stopped_early)
        latencies = np.array(self._latencies) * 1000.0
        span = (self._last_shown_s or 0.0) - (self._first_shown_s or 0.0)

        def pct(q: float) -> float | None:
            return round(float(np.percentile(latencies, q)), 1) if latencies.size else None

        stats = LiveStats(
            ended_by=ended_by, seconds=round(seconds, 3), frames_captured=grabber.captured,
            frames_analyzed=self._analyzed, frames_dropped=grabber.dropped,
            fps=round((self._analyzed - 1) / span, 2) if span > 0 else 0.0,
            latency_ms_p50=pct(50), latency_ms_p90=pct(90), latency_ms_p99=pct(99), count_resets=self._resets)
        report = report.model_copy(update={"live": stats})
        return LiveResult(report, stats, self.options.summary_path, stopped_early)


def check_display() -> None:
    """Qt aborts the whole process when it finds no display, so say so first, in one line."""
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        raise PosecheckError("no display to open a window on (DISPLAY is not set): use --no-window to run "
                             "headless, or run from a desktop session")


def open_live_source(source: str | None, camera: int) -> FrameSource:
    """A file played at its real pace (`--source`), or a camera; a missing or busy camera is one clear error."""
    if source is not None and not source.isdigit():
        return VideoFileSource(source, realtime=True)
    index = int(source) if source is not None else camera
    # OpenCV logs every backend it tried when a camera is missing; the user needs one line, not ten.
    with quiet_native_logs():
        try:
            return CameraSource(index)
        except cv2.error as error:
            raise SourceError(f"cannot open camera {index}: {str(error).strip().splitlines()[-1]}") from None


def default_summary_path(spec: ExerciseSpec, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return Path.cwd() / f"posecheck-session-{stamp}.{spec.id}.json"


def summary_lines(result: LiveResult, spec: ExerciseSpec) -> list[str]:
    """The short text summary printed at the end of a session."""
    report = result.report
    summary = report.summary
    lines: list[str] = []
    if spec.reps is not None:
        sides = "".join(f", {s} {n}" for s, n in sorted(summary.side_counts.items()))
        lines.append(f"{spec.name}: {summary.reps} reps ({summary.good_reps} good){sides}")
        for rep in report.reps:
            side = f" ({rep.side})" if rep.side else ""
            faults = ", ".join(dict.fromkeys(f.fault.replace("_", " ") for f in rep.faults)) or "good"
            lines.append(f"  rep {rep.number}{side}: {faults}")
    if spec.hold is not None:
        target = f" (target {spec.prescription.hold_s:.0f} s)" if spec.prescription.hold_s else ""
        lines.append(f"{spec.name}: {len(report.holds)} hold(s), longest {summary.longest_hold_s:.1f} s{target}")
    lines += [f"  - {line}" for line in summary.advice]
    stats = result.stats
    if stats.latency_ms_p50 is not None:
        lines.append(f"live: {stats.fps:.1f} fps, latency {stats.latency_ms_p50:.0f} ms median / "
                     f"{stats.latency_ms_p90:.0f} ms p90, {stats.frames_dropped} of {stats.frames_captured} "
                     f"frames dropped")
    return lines
