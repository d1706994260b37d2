#!/usr/bin/env python3
"""How fast posecheck runs, against the limit set by the pose model, on one clip.

Stages, each measured in a fresh process so that their peak memory is their own:
  1 model      MediaPipe's Pose Landmarker alone, on frames decoded and converted beforehand (the limit)
  2 decode     decoding + pose estimation, one after the other in one thread, nothing else
  3 pipeline   the whole `posecheck analyze` (decode, pose, smoothing, rules, counting, drawing, writing the
               annotated video, the CSV and the report)
  4 live       the live path: the clip played at its real pace as a camera, latest frame wins, with each
               frame's capture-to-display latency
  5 loop       stage 3 on the clip looped N times (fed frame by frame, nothing buffered), to show that memory
               does not grow with the length of the video

Frames per second are counted from the first frame's result to the end (so model loading and the first call's
warm-up are left out), the same way for every stage. On a machine shared with other work the numbers move from
run to run: --rounds runs stages 1-3 that many times, interleaved, and keeps each stage's best.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

from posecheck.errors import PosecheckError  # noqa: E402
from posecheck.model_files import MODEL_VARIANTS, resolve_model  # noqa: E402
from posecheck.sources import Frame, FrameSource, SourceInfo, VideoFileSource  # noqa: E402
from posecheck.specs.loader import find_spec, load_all_specs  # noqa: E402

DEFAULT_VIDEOS = HERE.parent.parent / "shared" / "videos"
STAGES = ("model", "decode", "pipeline", "live", "loop")
STAGE_TITLES = {
    "model": "1 pose landmarker alone (pre-decoded)",
    "decode": "2 decode + pose",
    "pipeline": "3 posecheck analyze pipeline",
    "live": "4 live (latest frame wins)",
    "loop": "3 again, clip looped",
}


# ----------------------------------------------------------------------------------------------- sources

class LimitedSource(FrameSource):
    """The first `max_frames` frames of another source."""

    def __init__(self, inner: FrameSource, max_frames: int | None) -> None:
        self.inner = inner
        self.max_frames = max_frames
        count = inner.info.frame_count
        if max_frames is not None and count is not None:
            count = min(count, max_frames)
        self.info = SourceInfo(inner.info.name, inner.info.fps, count, inner.info.width, inner.info.height,
                               inner.info.is_live)

    def __iter__(self) -> Iterator[Frame]:
        for frame in self.inner:
            if self.max_frames is not None and frame.index >= self.max_frames:
                return
            yield frame

    def close(self) -> None:
        self.inner.close()


class LoopedSource(FrameSource):
    """A clip played `times` times in a row as one long video: each pass decodes the file afresh and its
    timestamps continue where the previous pass ended, so nothing is held in memory between passes."""

    def __init__(self, path: Path, times: int, max_frames: int | None) -> None:
        self.path, self.times, self.max_frames = path, times, max_frames
        probe = LimitedSource(VideoFileSource(path), max_frames)
        inner = probe.info
        probe.close()
        count = None if inner.frame_count is None else inner.frame_count * times
        self.info = SourceInfo(f"{inner.name} x{times}", inner.fps, count, inner.width, inner.height, False)
        self.pass_ends_rss_mb: list[float] = []

    def __iter__(self) -> Iterator[Frame]:
        index, offset_s = 0, 0.0
        for _ in range(self.times):
            source = LimitedSource(VideoFileSource(self.path), self.max_frames)
            last_s = 0.0
            try:
                for frame in source:
                    last_s = frame.timestamp_s
                    yield Frame(index, offset_s + frame.timestamp_s, frame.image, frame.captured_at_s)
                    index += 1
            finally:
                source.close()
            offset_s += last_s + 1.0 / self.info.fps
            self.pass_ends_rss_mb.append(current_rss_mb())


# ----------------------------------------------------------------------------------------------- measuring

def current_rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return float("nan")


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Clock:
    """Counts frames from the first result on, and the CPU time spent over the same span."""

    def __init__(self) -> None:
        self.frames = 0
        self.first_s: float | None = None
        self.first_cpu_s = 0.0

    def tick(self) -> None:
        self.frames += 1
        if self.first_s is None:
            self.first_s, self.first_cpu_s = time.perf_counter(), cpu_seconds()

    def result(self, end_s: float | None = None) -> dict[str, Any]:
        end = time.perf_counter() if end_s is None else end_s
        span = end - (self.first_s or end)
        timed = self.frames - 1
        fps = timed / span if span > 0 and timed > 0 else 0.0
        cpu = cpu_seconds() - self.first_cpu_s
        return {"frames": self.frames, "fps": round(fps, 2), "ms_per_frame": round(1000.0 / fps, 2) if fps else None,
                "cpu_percent": round(100.0 * cpu / span, 1) if span > 0 else None}


def run_model(args: argparse.Namespace, model: Path) -> dict[str, Any]:
    from posecheck.pose import PoseEstimator

    with PoseEstimator(model) as estimator:
        source = LimitedSource(VideoFileSource(args.clip), args.max_frames)
        # Keep only the model's input, and a picture-less frame for its timestamp.
        prepared = [(Frame(f.index, f.timestamp_s, np.empty((1, 1, 3), np.uint8)), estimator.prepare(f))
                    for f in source]
        source.close()
        clock = Clock()
        for frame, image in prepared:
            estimator.detect(frame, image)
            clock.tick()
        return clock.result()


def run_decode(args: argparse.Namespace, model: Path) -> dict[str, Any]:
    from posecheck.pose import PoseEstimator

    with PoseEstimator(model) as estimator:
        source = LimitedSource(VideoFileSource(args.clip), args.max_frames)
        clock = Clock()
        for frame in source:
            estimator.estimate(frame)
            clock.tick()
        source.close()
        return clock.result()


def run_pipeline(args: argparse.Namespace, model: Path, looped: int = 0) -> dict[str, Any]:
    from posecheck.pipeline import AnalysisOutputs, analyze_source

    spec = find_spec(args.exercise, args.spec_dir)
    source: FrameSource
    if looped:
        source = LoopedSource(Path(args.clip), looped, args.max_frames)
    else:
        source = LimitedSource(VideoFileSource(args.clip), args.max_frames)
    clock = Clock()
    with tempfile.TemporaryDirectory(prefix="posecheck-speed-") as tmp:
        stem = Path(args.clip).stem
        outputs = AnalysisOutputs(Path(tmp) / f"{stem}.annotated.mp4", Path(tmp) / f"{stem}.report.json",
                                  Path(tmp) / f"{stem}.frames.csv")
        result = analyze_source(source, spec, model, outputs, lambda done, total: clock.tick())
        measured = clock.result()
        measured["video_mb"] = round(outputs.video_path.stat().st_size / 2**20, 2) if outputs.video_path else None
    measured["reps"] = result.report.summary.reps
    if isinstance(source, LoopedSource):
        measured["rss_mb_after_each_pass"] = [round(v, 1) for v in source.pass_ends_rss_mb]
    return measured


def run_live(args: argparse.Namespace, model: Path) -> dict[str, Any]:
    spec = find_spec(args.exercise, args.spec_dir)
    source = LimitedSource(VideoFileSource(args.clip, realtime=True), args.max_frames)
    try:
        from posecheck.live import LiveOptions, LiveSession
    except ImportError:
        return _live_fallback(source, spec, model)
    clock = Clock()
    session = LiveSession(source, spec, model, LiveOptions(draw=True), on_frame=lambda shown: clock.tick())
    stats = session.run().stats
    measured = clock.result()
    measured.update(implementation="posecheck.live.LiveSession", frames_captured=stats.frames_captured,
                    frames_dropped=stats.frames_dropped, latency_ms_p50=stats.latency_ms_p50,
                    latency_ms_p90=stats.latency_ms_p90, latency_ms_p99=stats.latency_ms_p99)
    return measured


def _live_fallback(source: FrameSource, spec: Any, model: Path) -> dict[str, Any]:
    """The live path built here from the same parts, for a checkout without posecheck.live."""
    import threading

    from posecheck.analysis import FrameAnalyzer
    from posecheck.drawing import Annotator
    from posecheck.feedback import FeedbackBuilder
    from posecheck.pose import PoseEstimator

    condition = threading.Condition()
    slot: list[Frame | None] = [None]
    state = {"ended": False, "captured": 0, "dropped": 0}

    def capture() -> None:
        for frame in source:
            with condition:
                state["dropped"] += int(slot[0] is not None)
                state["captured"] += 1
                slot[0] = frame
                condition.notify()
        with condition:
            state["ended"] = True
            condition.notify()

    analyzer, feedback_builder, annotator = FrameAnalyzer(spec), FeedbackBuilder(spec), Annotator()
    latencies: list[float] = []
    clock = Clock()
    with PoseEstimator(model) as estimator:
        thread = threading.Thread(target=capture, daemon=True)
        thread.start()
        while True:
            with condition:
                while slot[0] is None and not state["ended"]:
                    condition.wait()
                frame, slot[0] = slot[0], None
            if frame is None:
                break
            feedback = feedback_builder.build(analyzer.analyze(estimator.estimate(frame)))
            annotator.annotate(frame.image, feedback)
            latencies.append(time.monotonic() - frame.captured_at_s)
            clock.tick()
        thread.join()
    measured = clock.result()
    ms = np.array(latencies) * 1000.0
    measured.update(implementation="benchmark's own latest-frame loop", frames_captured=state["captured"],
                    frames_dropped=state["dropped"], latency_ms_p50=round(float(np.percentile(ms, 50)), 1),
                    latency_ms_p90=round(float(np.percentile(ms, 90)), 1),
                    latency_ms_p99=round(float(np.percentile(ms, 99)), 1))
    return measured


def run_stage(args: argparse.Namespace) -> int:
    """Child process: measures one stage and prints it as one JSON line."""
    model = resolve_model(args.model, args.model_path)
    if args.stage == "model":
        measured = run_model(args, model)
    elif args.stage == "decode":
        measured = run_decode(args, model)
    elif args.stage == "pipeline":
        measured = run_pipeline(args, model)
    elif args.stage == "loop":
        measured = run_pipeline(args, model, looped=args.loop)
    else:
        measured = run_live(args, model)
    measured["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(measured))
    return 0


# ----------------------------------------------------------------------------------------------- parent

def spawn(args: argparse.Namespace, stage: str) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--stage", stage, "--model", args.model,
               "--exercise", args.exercise, "--loop", str(args.loop), str(args.clip)]
    for flag, value in (("--max-frames", args.max_frames), ("--model-path", args.model_path),
                        ("--spec-dir", args.spec_dir)):
        if value is not None:
            command += [flag, str(value)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise SystemExit(f"speed: stage '{stage}' failed (exit {done.returncode}):\n{tail}")
    return dict(json.loads(lines[-1]))


def default_clip() -> Path | None:
    """The first labelled clip in the shared folder, when it is there."""
    labels = DEFAULT_VIDEOS / "labels.json"
    if not labels.is_file():
        return None
    for entry in json.loads(labels.read_text(encoding="utf-8")):
        path = DEFAULT_VIDEOS / str(entry.get("file", ""))
        if path.is_file():
            return path
    return None


def exercise_for(clip: Path, spec_dir: str | None) -> str:
    """The exercise a labels.json beside the clip gives it, else the first spec (speed hardly depends on it)."""
    labels = clip.parent / "labels.json"
    specs = load_all_specs(spec_dir)
    if labels.is_file():
        for entry in json.loads(labels.read_text(encoding="utf-8")):
            if entry.get("file") == clip.name and entry.get("exercise"):
                try:
                    return find_spec(str(entry["exercise"]), spec_dir).id
                except PosecheckError:
                    break
    return sorted(specs)[0]


def table(data: dict[str, Any]) -> str:
    clip = data["clip"]
    lines = [f"posecheck speed: {clip['name']} ({clip['width']}x{clip['height']}, {clip['frames']} frames at "
             f"{clip['fps']:.1f} fps), model {data['model']}, exercise {data['exercise']}, {data['cpus']} CPUs, "
             f"load average before {data['load_before']:.1f}, after {data['load_after']:.1f}, "
             f"best of {data['rounds']} round(s)", ""]
    header = f"{'stage':40} {'fps':>7} {'ms/frame':>9} {'CPU %':>6} {'peak RSS MB':>12}  notes"
    lines += [header, "-" * (len(header) + 30)]
    for name in STAGES:
        stage = data["stages"].get(name)
        if stage is None:
            continue
        notes = ""
        if name == "live":
            notes = (f"latency p50/p90/p99 {stage['latency_ms_p50']}/{stage['latency_ms_p90']}/"
                     f"{stage['latency_ms_p99']} ms; {stage['frames_dropped']} of {stage['frames_captured']} "
                     f"frames dropped ({stage['implementation']})")
        elif name == "loop":
            notes = f"x{data['loop']}, {stage['frames']} frames; RSS after each pass {stage['rss_mb_after_each_pass']}"
        elif "rounds_fps" in stage:
            notes = f"fps per round {stage['rounds_fps']}"
        title = STAGE_TITLES[name] if name != "loop" else f"{STAGE_TITLES[name]} {data['loop']}x"
        lines.append(f"{title:40} {stage['fps']:7.1f} {stage['ms_per_frame'] or 0:9.1f} "
                     f"{stage['cpu_percent'] or 0:6.0f} {stage['peak_rss_mb']:12.0f}  {notes}")
    lines.append("")
    lines.append(f"ratio 3:1 (pipeline / model alone)  {data['pipeline_to_model_ratio']}")
    lines.append(f"ratio 3:2 (pipeline / decode + pose) {data['pipeline_to_decode_ratio']}")
    memory = data.get("memory")
    if memory:
        lines.append(f"peak memory, pipeline: {memory['peak_rss_mb_1x']} MB for {memory['frames_1x']} frames, "
                     f"{memory['peak_rss_mb_looped']} MB for {memory['frames_looped']} frames "
                     f"(x{data['loop']}): grows by {memory['growth_mb']} MB")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clip", nargs="?", help="video to measure on (default: the first labelled shared clip)")
    parser.add_argument("--model", choices=MODEL_VARIANTS, default="full", help="pose model (default: full)")
    parser.add_argument("--model-path", help="a pose_landmarker .task file (overrides --model lookup)")
    parser.add_argument("--exercise", help="exercise to analyse as (default: from labels.json beside the clip)")
    parser.add_argument("--spec-dir", help="folder of exercise specs (default: the bundled ones)")
    parser.add_argument("--max-frames", type=int, help="use only the first N frames of the clip")
    parser.add_argument("--rounds", type=int, default=3, help="times to measure stages 1-3, keeping the best")
    parser.add_argument("--loop", type=int, default=10, help="memory check: loop the clip this many times (0: skip)")
    parser.add_argument("--no-live", action="store_true", help="skip the live stage")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.stage:
            return run_stage(args)
        clip = Path(args.clip) if args.clip else default_clip()
        if clip is None or not clip.is_file():
            print(f"speed: clip not found: {clip or 'no clip given and none in ' + str(DEFAULT_VIDEOS)}",
                  file=sys.stderr)
            return 2
        args.clip = clip
        args.exercise = args.exercise or exercise_for(clip, args.spec_dir)
        find_spec(args.exercise, args.spec_dir)
        resolve_model(args.model, args.model_path)
        probe = LimitedSource(VideoFileSource(clip), args.max_frames)
        info = probe.info
        probe.close()
    except PosecheckError as error:
        print(f"speed: {error}", file=sys.stderr)
        return 2
    load_before = os.getloadavg()[0]
    rounds: dict[str, list[dict[str, Any]]] = {"model": [], "decode": [], "pipeline": []}
    for _ in range(max(1, args.rounds)):
        for stage in rounds:
            rounds[stage].append(spawn(args, stage))
    stages: dict[str, dict[str, Any]] = {}
    for stage, runs in rounds.items():
        best = dict(max(runs, key=lambda r: r["fps"]))
        best["rounds_fps"] = [r["fps"] for r in runs]
        best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
        stages[stage] = best
    if not args.no_live:
        stages["live"] = spawn(args, "live")
    if args.loop > 1:
        stages["loop"] = spawn(args, "loop")
    model_fps, decode_fps, pipeline_fps = (stages[s]["fps"] for s in ("model", "decode", "pipeline"))
    data: dict[str, Any] = {
        "model": args.model if args.model_path is None else Path(args.model_path).name,
        "exercise": args.exercise,
        "clip": {"name": clip.name, "path": str(clip), "width": info.width, "height": info.height, "fps": info.fps,
                 "frames": stages["pipeline"]["frames"]},
        "cpus": os.cpu_count(),
        "rounds": max(1, args.rounds),
        "loop": args.loop,
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "stages": stages,
        "pipeline_to_model_ratio": round(pipeline_fps / model_fps, 3) if model_fps else None,
        "pipeline_to_decode_ratio": round(pipeline_fps / decode_fps, 3) if decode_fps else None,
    }
    if "loop" in stages:
        data["memory"] = {"frames_1x": stages["pipeline"]["frames"],
                          "peak_rss_mb_1x": stages["pipeline"]["peak_rss_mb"],
                          "frames_looped": stages["loop"]["frames"],
                          "peak_rss_mb_looped": stages["loop"]["peak_rss_mb"],
                          "growth_mb": round(stages["loop"]["peak_rss_mb"] - stages["pipeline"]["peak_rss_mb"], 1)}
    print(table(data))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    if (HERE.parent.parent / "shared" / "models").is_dir():  # the project's usual layout; never overrides the env
        os.environ.setdefault("POSECHECK_MODEL_DIR", str(HERE.parent.parent / "shared" / "models"))
    sys.exit(main())
