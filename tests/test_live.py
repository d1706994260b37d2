"""`posecheck live` end to end: real clips played at their real pace as if they were a camera.

The count must match `analyze` on the same clip even though live drops frames (latest-frame-wins); the
session summary must be written however the session ends (end of file, time limit, Ctrl-C, lost camera);
and the real window, under Xvfb, must show the skeleton and a rep counter that moves.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck import cli
from posecheck.drawing import OverlayStyle
from posecheck.live import LatestFrameGrabber, LiveFrame, LiveOptions, LiveSession
from posecheck.pipeline import AnalysisOutputs, analyze_source
from posecheck.report import AnalysisReport
from posecheck.sources import Frame, FrameSource, SourceInfo, VideoFileSource
from posecheck.specs import find_spec
from tests.conftest import clip

COUNT_CLIP = "squat_side_barbell_01.mp4"  # 8.5 s, 3 reps, the barbell hides the upper body: a hard one
WINDOW_CLIP = "squat_side_knees_past_toes_01.mp4"  # stands still ~5 s, then a rep every ~2.5 s
SCREEN_CLIP = "squat_front_good_01.mp4"  # webcam-like landscape; a deep rep every ~1.8 s from the start


def posecheck(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
              timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "posecheck", *args], capture_output=True, text=True,
                          env=env or dict(os.environ), cwd=cwd, timeout=timeout)


def read_summary(path: Path) -> AnalysisReport:
    assert path.is_file(), f"no session summary at {path}"
    return AnalysisReport.model_validate_json(path.read_text())


def model(model_dir: Path, variant: str) -> Path:
    return model_dir / f"pose_landmarker_{variant}.task"


# -- latest-frame-wins ---------------------------------------------------------------------------------------


class _FastSource(FrameSource):
    """Frames as fast as they can be made: far faster than anyone takes them."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.info = SourceInfo("fast", 1000.0, count, 8, 8, True)

    def __iter__(self) -> Iterator[Frame]:
        for i in range(self.count):
            yield Frame(i, i / 1000.0, np.zeros((8, 8, 3), np.uint8), time.monotonic())
            time.sleep(0.0005)


def test_grabber_hands_over_only_the_newest_frame_and_counts_the_rest() -> None:
    source = _FastSource(400)
    grabber = LatestFrameGrabber(source)
    grabber.start()
    taken: list[int] = []
    while not grabber.ended:
        frame = grabber.take(0.1)
        if frame is not None:
            taken.append(frame.index)
            time.sleep(0.01)  # a slow "model"
    assert grabber.stop()
    assert taken == sorted(set(taken)), "frames must come newest-first, never an older one after a newer"
    assert taken[-1] == source.count - 1, "the last frame is never lost"
    assert grabber.captured == source.count
    assert grabber.dropped == source.count - len(taken) > 0


def test_a_slow_model_drops_frames_instead_of_falling_behind(model_dir: Path) -> None:
    """Make each frame take ~3 camera frames to handle: latency must stay flat, not grow with a queue."""
    spec = find_spec("squat")
    latencies: list[float] = []
    indexes: list[int] = []
    slow_s = 0.1

    def slow(live: LiveFrame) -> None:
        latencies.append(live.latency_s)
        indexes.append(live.frame.index)
        time.sleep(slow_s)

    source = VideoFileSource(clip(WINDOW_CLIP), realtime=True)
    result = LiveSession(source, spec, model(model_dir, "lite"), LiveOptions(max_seconds=3.0), on_frame=slow).run()
    frame_s = 1.0 / source.info.fps
    assert result.stats.ended_by == "time_limit"
    assert result.stats.frames_dropped >= result.stats.frames_analyzed, "most frames should have been dropped"
    assert min(b - a for a, b in itertools.pairwise(indexes)) >= 2
    third = len(latencies) // 3
    early, late = float(np.median(latencies[:third])), float(np.median(latencies[-third:]))
    assert late < early + 2 * frame_s, f"latency grew from {early:.3f} s to {late:.3f} s: frames are queueing"
    # Each shown frame was the newest when it was taken: at most a frame interval old, plus its own analysis.
    assert late < slow_s + 2 * frame_s


# -- counting matches analyze ----------------------------------------------------------------------------------


def starved(report: AnalysisReport) -> bool:
    """The machine could not keep up at all (other work on the cores): stalls of many frames, or under 60% of
    the source's rate. A rep's bottom can then fall inside a stall, which no counter can see."""
    stats = report.live
    assert stats is not None
    return (stats.latency_ms_p99 or 0.0) > 250.0 or stats.fps < 0.6 * report.fps


def test_live_count_matches_analyze_on_the_same_clip(model_dir: Path, tmp_path: Path, labels: dict) -> None:
    path = clip(COUNT_CLIP)
    spec = find_spec(labels[COUNT_CLIP]["exercise"])
    offline = analyze_source(VideoFileSource(path), spec, model(model_dir, "full"), AnalysisOutputs()).report
    assert offline.summary.reps > 0
    summary = tmp_path / "session.json"
    for attempt in range(2):  # a second go only when the first was starved of CPU (see `starved`)
        done = posecheck("live", "--exercise", spec.id, "--source", str(path), "--no-window", "--summary",
                         str(summary))
        assert done.returncode == 0, done.stderr
        live = read_summary(summary)
        if live.summary.reps == offline.summary.reps or not starved(live) or attempt == 1:
            break
    assert live.live is not None
    assert live.summary.reps == offline.summary.reps, f"live ran at {live.live}"
    assert [r.bottom_s for r in live.reps] == pytest.approx([r.bottom_s for r in offline.reps], abs=0.25)
    assert live.live.ended_by == "end_of_source"
    assert live.live.frames_analyzed + live.live.frames_dropped == live.live.frames_captured
    assert f"{live.summary.reps} reps" in done.stdout and str(summary) in done.stdout


# -- how sessions end ------------------------------------------------------------------------------------------


def test_ctrl_c_still_writes_the_summary(model_dir: Path, tmp_path: Path) -> None:
    summary = tmp_path / "interrupted.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "posecheck", "live", "-e", "squat", "--source", str(clip(WINDOW_CLIP)),
         "--no-window", "--model-variant", "lite", "--summary", str(summary)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 30.0)
    assert ready, "the session never said it was watching"
    first_line = process.stdout.readline()
    assert first_line.startswith("live: Squat from "), first_line
    time.sleep(1.0)
    assert process.poll() is None, "the session ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == cli.EXIT_INTERRUPTED, err
    report = read_summary(summary)
    assert report.live is not None and report.live.ended_by == "interrupted"
    assert report.summary.frames > 0 and report.live.frames_analyzed == report.summary.frames
    assert "Traceback" not in err and str(summary) in first_line + out


def test_headless_run_stops_at_the_time_limit_and_records_at_real_speed(model_dir: Path, tmp_path: Path) -> None:
    summary, record = tmp_path / "s.json", tmp_path / "rec.mp4"
    done = posecheck("live", "-e", "squat", "--source", str(clip(WINDOW_CLIP)), "--no-window", "--model-variant",
                     "lite", "--max-seconds", "2.5", "--summary", str(summary), "--record", str(record))
    assert done.returncode == 0, done.stderr
    report = read_summary(summary)
    assert report.live is not None and report.live.ended_by == "time_limit"
    assert 1.5 < report.duration_s < 3.0
    capture = cv2.VideoCapture(str(record))
    frames, fps = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)), capture.get(cv2.CAP_PROP_FPS)
    ok, first = capture.read()
    capture.release()
    assert ok and first is not None
    # Dropped frames are filled with the previous picture, so the recording lasts as long as the session.
    assert frames / fps == pytest.approx(report.duration_s, abs=0.2)


def test_no_camera_is_one_clear_line(tmp_path: Path) -> None:
    done = posecheck("live", "-e", "squat", "--camera", "9", "--no-window", cwd=tmp_path)
    assert done.returncode == 3
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("posecheck: cannot open camera 9"), done.stderr
    assert not list(tmp_path.iterdir()), "no summary for a session that never started"


def test_window_without_a_display_is_one_clear_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    done = posecheck("live", "-e", "squat", "--source", str(clip(WINDOW_CLIP)), env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "--no-window" in done.stderr


class _CameraThatDisconnects(FrameSource):
    """A camera (frames stamped from the session start) whose cable is pulled after `seconds`."""

    def __init__(self, path: Path, seconds: float) -> None:
        self._clip = VideoFileSource(path, realtime=True)
        self.seconds = seconds
        info = self._clip.info
        self.info = SourceInfo("camera 0", info.fps, None, info.width, info.height, True)

    def __iter__(self) -> Iterator[Frame]:
        for frame in self._clip:
            if frame.timestamp_s >= self.seconds:
                break
            yield frame
        self.stopped_early = "camera 0 stopped giving pictures (disconnected?)"

    def close(self) -> None:
        self._clip.close()


def test_a_camera_lost_mid_session_ends_cleanly_with_the_summary(model_dir: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import posecheck.live

    monkeypatch.setattr(posecheck.live, "open_live_source",
                        lambda source, camera: _CameraThatDisconnects(clip(WINDOW_CLIP), 2.0))
    summary = tmp_path / "lost.json"
    code = cli.main(["live", "-e", "squat", "--no-window", "--model-variant", "lite", "--summary", str(summary)])
    out, err = capsys.readouterr()
    assert code == 3
    assert err.strip().splitlines() == [err.strip()] and "disconnected" in err and "summary saved" in err
    report = read_summary(summary)
    assert report.live is not None and report.live.ended_by == "source_lost"
    assert report.summary.stopped_early and "disconnected" in report.summary.stopped_early
    assert 1.5 < report.duration_s < 2.1 and str(summary) in out


class _EmptyRoomCamera(FrameSource):
    """A camera looking at a plain wall: frames at camera pace with nobody in them."""

    def __init__(self, seconds: float, fps: float = 30.0) -> None:
        self.seconds, self.fps = seconds, fps
        self.info = SourceInfo("camera 0", fps, None, 640, 480, True)

    def __iter__(self) -> Iterator[Frame]:
        rng = np.random.default_rng(0)
        started = time.monotonic()
        for i in range(int(self.seconds * self.fps)):
            time.sleep(max(0.0, i / self.fps - (time.monotonic() - started)))
            wall = np.full((480, 640, 3), 150, np.uint8) + rng.integers(0, 8, (480, 640, 3), dtype=np.uint8)
            now = time.monotonic()
            yield Frame(i, now - started, wall, now)


def test_nobody_in_view_gets_step_into_view_and_is_not_judged(model_dir: Path) -> None:
    # (The labelled empty-room clip is not used here: the pose model sees a phantom person in a third of it.)
    spec = find_spec("squat")
    seen: list[LiveFrame] = []
    result = LiveSession(_EmptyRoomCamera(2.0), spec, model(model_dir, "lite"), on_frame=seen.append).run()
    assert result.stats.ended_by == "end_of_source" and len(seen) > 20
    assert result.report.summary.frames_with_person == 0 and result.report.reps == []
    cues = [f.feedback.cue for f in seen]
    assert any(c is not None and c.text.lower() == "step into view" for c in cues)
    assert all(c is None or c.kind == "setup" for c in cues), "nobody there: nothing may be judged"
    assert all(o.status == "not_judged" for f in seen for o in f.feedback.motion.rules.outcomes.values())


class _ScriptedWindow:
    """Stands in for the OpenCV window: presses keys at set times after the first picture is shown."""

    script: tuple[tuple[float, str], ...] = ()
    closes_after_s: float | None = None

    def __init__(self, title: str) -> None:
        self.started: float | None = None
        self.pending = list(self.script)
        self.shown: list[np.ndarray] = []

    def show(self, image: np.ndarray) -> int:
        self.shown.append(image)
        self.started = self.started or time.monotonic()
        return self.poll()

    def poll(self) -> int:
        if self.started is not None and self.pending and time.monotonic() - self.started >= self.pending[0][0]:
            return ord(self.pending.pop(0)[1])
        return -1

    def closed(self) -> bool:
        return (self.started is not None and self.closes_after_s is not None
                and time.monotonic() - self.started >= self.closes_after_s)

    def close(self) -> None:
        pass


def test_keys_pause_reset_and_quit(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import posecheck.live

    windows: list[_ScriptedWindow] = []

    class Window(_ScriptedWindow):
        script = ((0.8, " "), (1.8, " "), (2.4, "r"), (3.0, "q"))

        def __init__(self, title: str) -> None:
            super().__init__(title)
            windows.append(self)

    monkeypatch.setattr(posecheck.live, "_Window", Window)
    seen: list[tuple[float, float]] = []  # (wall time, analysis time) of each analysed frame
    session = LiveSession(VideoFileSource(clip(WINDOW_CLIP), realtime=True), find_spec("squat"),
                          model(model_dir, "lite"), LiveOptions(window=True),
                          on_frame=lambda live: seen.append((time.monotonic(), live.feedback.timestamp_s)))
    result = session.run()
    assert result.stats.ended_by == "quit" and result.stats.count_resets == 1
    start = windows[0].started
    assert start is not None
    walls = [w - start for w, _ in seen]
    gap = max(b - a for a, b in itertools.pairwise(walls))
    assert 0.8 < gap < 1.3, "nothing should be analysed while paused (about one second)"
    i = next(k for k, (a, b) in enumerate(itertools.pairwise(walls)) if b - a == gap)
    frame_s = 1.0 / session.source.info.fps
    assert seen[i + 1][1] - seen[i][1] == pytest.approx(frame_s, abs=1e-6), "paused time is cut from the clock"
    # The paused picture was shown once, with the pause cue drawn (it differs from the last analysed picture).
    assert len(windows[0].shown) == len(seen) + 1
    # The reset started the count and the summary afresh: it covers only the frames after it.
    assert 0 < result.report.summary.frames < len(seen) * 0.5


def test_closing_the_window_ends_the_session_with_a_summary(model_dir: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import posecheck.live

    class Window(_ScriptedWindow):
        closes_after_s = 1.0

    monkeypatch.setattr(posecheck.live, "_Window", Window)
    summary = tmp_path / "closed.json"
    LiveSession(VideoFileSource(clip(WINDOW_CLIP), realtime=True), find_spec("squat"), model(model_dir, "lite"),
                LiveOptions(window=True, summary_path=summary)).run()
    report = read_summary(summary)
    assert report.live is not None and report.live.ended_by == "window_closed"
    assert 0.7 < report.duration_s < 1.6


# -- the real window, under Xvfb --------------------------------------------------------------------------------


@contextlib.contextmanager
def xvfb(framebuffer_dir: Path, size: str = "1280x1024x24") -> Iterator[str]:
    """A virtual X display whose screen is a file (Xvfb -fbdir): screenshots without any X client tool."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb not found: install it (apt-get install xvfb) to test the live window", pytrace=False)
    read_end, write_end = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", size, "-fbdir",
                               str(framebuffer_dir), "-nolisten", "tcp", "-br"], pass_fds=(write_end,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 15.0)
        assert ready, "Xvfb did not start"
        yield ":" + os.read(read_end, 32).decode().strip()
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(timeout=10)


def screenshot(framebuffer_dir: Path) -> np.ndarray:
    """The Xvfb screen as a BGR image, read from its XWD framebuffer file."""
    data = (framebuffer_dir / "Xvfb_screen0").read_bytes()
    header = struct.unpack(">25I", data[:100])
    header_size, width, height, bits_per_pixel, bytes_per_line, colours = (
        header[0], header[4], header[5], header[11], header[12], header[19])
    assert bits_per_pixel == 32, "expected a 24-bit screen stored as 32 bits per pixel"
    offset = header_size + 12 * colours
    pixels = np.frombuffer(data, np.uint8, count=bytes_per_line * height, offset=offset)
    return pixels.reshape(height, bytes_per_line)[:, : width * 4].reshape(height, width, 4)[:, :, :3].copy()


def window_region(shot: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box (x0, y0, x1, y1) of what is drawn on the black root window."""
    drawn = np.argwhere(shot.max(axis=2) > 0)
    if len(drawn) < 1000:
        return None
    (y0, x0), (y1, x1) = drawn.min(axis=0), drawn.max(axis=0)
    return int(x0), int(y0), int(x1) + 1, int(y1) + 1


def text_lines(picture: np.ndarray) -> list[np.ndarray]:
    """The white text of the counter panel (top left), cut into its lines.

    The panel darkens the picture behind it to at most about half brightness, so its right edge is where the
    top rows (above any text) turn bright, and white inside it can only be text.
    """
    top = picture[:4, : picture.shape[1] // 2].max(axis=2).max(axis=0)
    bright = np.flatnonzero(top > 140)
    panel = picture[: picture.shape[0] // 3, : int(bright[0]) if bright.size else picture.shape[1] // 2]
    white = panel.min(axis=2) > 200
    rows = white.any(axis=1)
    lines, start = [], None
    for y, has_text in enumerate([*rows, False]):
        if has_text and start is None:
            start = y
        elif not has_text and start is not None:
            line = white[start:y]
            columns = np.flatnonzero(line.any(axis=0))
            lines.append(line[:, columns[0]: columns[-1] + 1])  # just the text, wherever the panel ends
            start = None
    return lines


def colour_pixels(image: np.ndarray, colour: tuple[int, int, int]) -> int:
    return int(np.all(image == np.array(colour, np.uint8), axis=2).sum())


def test_the_window_shows_skeleton_and_a_moving_rep_counter(model_dir: Path, tmp_path: Path) -> None:
    fb = tmp_path / "fb"
    fb.mkdir()
    summary, record = tmp_path / "s.json", tmp_path / "window.avi"
    source = VideoFileSource(clip(SCREEN_CLIP))
    width, height = source.info.width, source.info.height
    source.close()
    shots: list[np.ndarray] = []
    with xvfb(fb) as display:
        env = dict(os.environ, DISPLAY=display)
        process = subprocess.Popen(
            [sys.executable, "-m", "posecheck", "live", "-e", "squat", "--source", str(clip(SCREEN_CLIP)),
             "--model-variant", "lite", "--max-seconds", "6", "--summary", str(summary), "--record", str(record)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        output: list[str] = []
        reader = threading.Thread(target=lambda: output.extend(process.communicate(timeout=60)), daemon=True)
        reader.start()
        while process.poll() is None:
            shot = screenshot(fb)
            if window_region(shot) == (0, 0, width, height):  # the picture is up (not the empty new window)
                shots.append(shot)
            time.sleep(0.3)
        reader.join(timeout=30)
    assert process.returncode == 0, output
    report = read_summary(summary)
    assert report.live is not None and report.live.ended_by == "time_limit"
    assert report.summary.reps >= 1, "the clip has a rep every 1.8 s"
    assert len(shots) >= 5, "the window never (or hardly ever) showed the picture at its own size"
    first, last = shots[0][:height, :width], shots[-1][:height, :width]

    style = OverlayStyle()
    joints = sum(colour_pixels(last, c) for c in (style.ok, style.fault, style.not_judged))
    assert colour_pixels(last, style.bone) > 300, "no skeleton bones drawn"
    assert joints > 100, "no joints drawn in rule colours"

    # The panel's white text, line by line: the name line is unchanged, the "Reps" line has moved on.
    first_lines, last_lines = text_lines(first), text_lines(last)
    assert len(first_lines) >= 3 and len(last_lines) >= 3
    assert np.array_equal(first_lines[0], last_lines[0]), "the exercise name line should not change"
    assert first_lines[1].shape != last_lines[1].shape or not np.array_equal(first_lines[1], last_lines[1]), \
        "the rep counter did not change on screen"

    # What was recorded is what was drawn: skeleton colours in the recorded frames too.
    capture = cv2.VideoCapture(str(record))
    frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    capture.set(cv2.CAP_PROP_POS_FRAMES, frames - 5)
    ok, recorded = capture.read()
    capture.release()
    assert ok and recorded.shape[:2] == (height, width)
    near_green = np.all(np.abs(recorded.astype(int) - np.array(style.ok)) < 40, axis=2).sum()
    assert near_green > 50, "the recording does not show the overlay"
