"""Wires the stages for a recorded video: source -> pose -> analysis -> feedback -> sinks.

Three threads behind small bounded queues, so that on two cores the model is never kept waiting and memory
stays flat however long the video is:
  reader   decodes and converts each picture to the model's RGB input;
  caller   runs only the model (MediaPipe releases the GIL while it works, and it is the bottleneck);
  writer   turns results into landmarks, then analysis, feedback, the report, drawing and writing.
The reader and writer run at a lower priority than the model. Every stage sees the frames in order, so the
results are the same as running the stages one after another."""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from posecheck.analysis import FrameAnalyzer
from posecheck.drawing import Annotator
from posecheck.feedback import FeedbackBuilder, FeedbackFrame
from posecheck.pose import PoseEstimator, PoseFrame
from posecheck.report import AnalysisReport
from posecheck.sinks import CsvSink, ReportBuilder, VideoSink, write_report
from posecheck.sources import Frame, FrameSource, SourceInfo
from posecheck.specs.schema import ExerciseSpec

QUEUE_FRAMES = 8
BACKGROUND_NICE = 10
"""How much lower the reader and writer threads run than the model (Linux only)."""
_END = object()

ProgressCallback = Callable[[int, int | None], None]
PoseObserver = Callable[[PoseFrame], None]


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


class StreamAnalysis:
    """Everything after pose estimation for one stream, and what the report needs.

    One class for `analyze_source` and for callers that already hold the poses (the accuracy benchmark's
    pose cache), so both count and judge a video the same way.
    """

    def __init__(self, spec: ExerciseSpec, info: SourceInfo, model_name: str) -> None:
        self.spec = spec
        self.analyzer = FrameAnalyzer(spec)
        self.feedback = FeedbackBuilder(spec)
        self.report = ReportBuilder(spec, info.name, model_name, info.fps)

    def step(self, pose_frame: PoseFrame) -> FeedbackFrame:
        feedback = self.feedback.build(self.analyzer.analyze(pose_frame))
        self.report.add(feedback)
        return feedback

    def finish(self, stopped_early: str | None) -> AnalysisReport:
        self.analyzer.finish()
        motion = self.analyzer.motion
        return self.report.build(motion.reps, motion.holds, motion.episodes, stopped_early)


def analyze_poses(pose_frames: Iterable[PoseFrame], spec: ExerciseSpec, info: SourceInfo, model_name: str,
                  stopped_early: str | None = None) -> AnalysisReport:
    """The report `analyze_source` would give for a video whose poses are already known."""
    stream = StreamAnalysis(spec, info, model_name)
    for pose_frame in pose_frames:
        stream.step(pose_frame)
    return stream.finish(stopped_early)


def _yield_to_inference() -> None:
    """Lowers the calling thread's priority, so the model's threads get a core the moment they want one and
    decoding and writing use the time the model leaves. At equal priority the scheduler lets them take turns
    on the model's core, and the model, the bottleneck, runs 5-10% slower on two cores. Linux gives each
    thread its own nice value; elsewhere this does nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        thread_id = threading.get_native_id()
        nice = min(19, os.getpriority(os.PRIO_PROCESS, thread_id) + BACKGROUND_NICE)
        os.setpriority(os.PRIO_PROCESS, thread_id, nice)
    except OSError:
        pass


def _prefetch(source: FrameSource, stop: threading.Event,
              prepare: Callable[[Frame], object] | None = None) -> Iterator[tuple[Frame, object]]:
    """Decodes (and prepares each frame for the model) in a background thread; yields them in order."""
    frames: queue.Queue[object] = queue.Queue(maxsize=QUEUE_FRAMES)
    errors: list[BaseException] = []

    def read() -> None:
        _yield_to_inference()
        try:
            for frame in source:
                item = (frame, prepare(frame) if prepare is not None else None)
                while not stop.is_set():
                    try:
                        frames.put(item, timeout=0.1)
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
            yield item  # type: ignore[misc]
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
    """Turns model results into landmarks, analyses them, then draws and writes, in a background thread."""

    def __init__(self, stream: StreamAnalysis, estimator: PoseEstimator, video: VideoSink | None,
                 csv_sink: CsvSink | None, on_pose: PoseObserver | None = None) -> None:
        self.stream, self.estimator = stream, estimator
        self.video, self.csv = video, csv_sink
        self.on_pose = on_pose
        self.annotator = Annotator()
        self._queue: queue.Queue[object] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="posecheck-write", daemon=True)
        self._thread.start()

    def put(self, frame: Frame, result: object) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((frame, result))

    def _run(self) -> None:
        _yield_to_inference()
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if self._error is not None:
                continue
            frame, result = item  # type: ignore[misc]
            try:
                pose_frame = self.estimator.to_pose_frame(frame, result)
                if self.on_pose is not None:
                    self.on_pose(pose_frame)
                feedback = self.stream.step(pose_frame)
                if self.video is not None:
                    self.video.write(self.annotator.annotate(frame.image, feedback))
                if self.csv is not None:
                    self.csv.write(feedback)
            except BaseException as error:
                self._error = error

    def close(self) -> None:
        """Finishes every frame already handed over, then closes the files."""
        self._queue.put(_END)
        self._thread.join()
        try:
            if self.video is not None:
                self.video.close()
        finally:
            if self.csv is not None:
                self.csv.close()
        if self._error is not None:
            raise self._error


def analyze_source(source: FrameSource, spec: ExerciseSpec, model_path: Path, outputs: AnalysisOutputs,
                   progress: ProgressCallback | None = None, on_pose: PoseObserver | None = None) -> AnalysisResult:
    """Analyses a whole source. On Ctrl-C it stops reading, and still writes everything computed so far.

    `on_pose` sees every frame's pose, in order, from the writer thread (the accuracy benchmark caches them).
    """
    info = source.info
    video = VideoSink(outputs.video_path, info.fps, (info.width, info.height)) if outputs.video_path else None
    csv_sink = CsvSink(outputs.csv_path, spec) if outputs.csv_path else None
    stream = StreamAnalysis(spec, info, model_path.name)
    interrupted = False
    stop = threading.Event()
    writer: _Writer | None = None
    try:
        with PoseEstimator(model_path) as estimator:
            writer = _Writer(stream, estimator, video, csv_sink, on_pose)
            try:
                for frame, image in _prefetch(source, stop, estimator.prepare):
                    writer.put(frame, estimator.detect(frame, image))
                    if progress is not None:
                        progress(frame.index + 1, info.frame_count)
            except KeyboardInterrupt:
                interrupted = True
            finally:
                stop.set()
                writer.close()
    finally:
        stop.set()
        if writer is None:  # the model failed to load: still close the files opened for it
            for sink in (video, csv_sink):
                if sink is not None:
                    sink.close()
        source.close()
    stopped = "interrupted by the user (Ctrl-C)" if interrupted else source.stopped_early
    result = stream.finish(stopped)
    if outputs.report_path is not None:
        write_report(result, outputs.report_path)
    return AnalysisResult(result, interrupted, stopped)
