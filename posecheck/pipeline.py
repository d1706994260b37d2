"""Wires the stages for a recorded video: source -> pose -> analysis -> feedback -> sinks.

Decoding runs in a reader thread and drawing/encoding in a writer thread, both behind small bounded queues,
so on two cores they overlap with inference (which releases the GIL) and memory stays flat however long the
video is.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from posecheck.analysis import FrameAnalyzer
from posecheck.drawing import Annotator
from posecheck.feedback import FeedbackBuilder, FeedbackFrame
from posecheck.pose import PoseEstimator
from posecheck.report import AnalysisReport
from posecheck.sinks import CsvSink, ReportBuilder, VideoSink, write_report
from posecheck.sources import Frame, FrameSource
from posecheck.specs.schema import ExerciseSpec

QUEUE_FRAMES = 8
_END = object()

ProgressCallback = Callable[[int, int | None], None]


@dataclass(frozen=True)
class AnalysisOutputs:
    video_path: Path | None = None
    report_path: Path | None = None
    csv_path: Path | None = None


@dataclass(frozen=True)
class AnalysisResult:
    report: AnalysisReport
    interrupted: bool
    stopped_early: str | None


def _prefetch(source: FrameSource, stop: threading.Event) -> Iterator[Frame]:
    """Decodes in a background thread; yields frames in order."""
    frames: queue.Queue[object] = queue.Queue(maxsize=QUEUE_FRAMES)
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for frame in source:
                while not stop.is_set():
                    try:
                        frames.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as error:
            errors.append(error)
        finally:
            frames.put(_END)

    thread = threading.Thread(target=read, name="posecheck-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = frames.get()
            if item is _END:
                break
            assert isinstance(item, Frame)
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                frames.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)
    if errors:
        raise errors[0]


class _Writer:
    """Draws and writes in a background thread."""

    def __init__(self, video: VideoSink | None, csv_sink: CsvSink | None) -> None:
        self.video, self.csv = video, csv_sink
        self.annotator = Annotator()
        self._queue: queue.Queue[object] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="posecheck-write", daemon=True)
        self._thread.start()

    def put(self, frame: Frame, feedback: FeedbackFrame) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((frame, feedback))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if self._error is not None:
                continue
            frame, feedback = item  # type: ignore[misc]
            try:
                if self.video is not None:
                    self.video.write(self.annotator.annotate(frame.image, feedback))
                if self.csv is not None:
                    self.csv.write(feedback)
            except BaseException as error:
                self._error = error

    def close(self) -> None:
        self._queue.put(_END)
        self._thread.join()
        if self.video is not None:
            self.video.close()
        if self.csv is not None:
            self.csv.close()
        if self._error is not None:
            raise self._error


def analyze_source(source: FrameSource, spec: ExerciseSpec, model_path: Path, outputs: AnalysisOutputs,
                   progress: ProgressCallback | None = None) -> AnalysisResult:
    """Analyses a whole source. On Ctrl-C it stops reading, and still writes everything computed so far."""
    info = source.info
    video = VideoSink(outputs.video_path, info.fps, (info.width, info.height)) if outputs.video_path else None
    csv_sink = CsvSink(outputs.csv_path, spec) if outputs.csv_path else None
    writer = _Writer(video, csv_sink)
    analyzer = FrameAnalyzer(spec)
    feedback_builder = FeedbackBuilder(spec)
    report = ReportBuilder(spec, info.name, model_path.name, info.fps)
    interrupted = False
    stop = threading.Event()
    try:
        with PoseEstimator(model_path) as estimator:
            try:
                for frame in _prefetch(source, stop):
                    feedback = feedback_builder.build(analyzer.analyze(estimator.estimate(frame)))
                    report.add(feedback)
                    writer.put(frame, feedback)
                    if progress is not None:
                        progress(frame.index + 1, info.frame_count)
            except KeyboardInterrupt:
                interrupted = True
    finally:
        stop.set()
        writer.close()
        source.close()
    analyzer.finish()
    stopped = "interrupted by the user (Ctrl-C)" if interrupted else source.stopped_early
    result = report.build(analyzer.motion.reps, analyzer.motion.holds, analyzer.motion.episodes, stopped)
    if outputs.report_path is not None:
        write_report(result, outputs.report_path)
    return AnalysisResult(result, interrupted, stopped)
