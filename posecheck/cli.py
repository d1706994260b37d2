"""Command line: the only module that prints. Every user error becomes one line on stderr and an exit code."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from posecheck import __version__
from posecheck.errors import PosecheckError, SourceError
from posecheck.model_files import MODEL_VARIANTS, resolve_model
from posecheck.specs.loader import default_spec_dir, find_spec, load_all_specs, load_spec

EXIT_NO_PERSON = 6
EXIT_INTERRUPTED = 130


def _progress_printer(stream: object) -> object:
    started = time.monotonic()
    last = [0.0]

    def show(done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] < 0.2 and (total is None or done < total):
            return
        last[0] = now
        rate = done / max(now - started, 1e-6)
        if total:
            filled = int(30 * min(done, total) / total)
            bar = "#" * filled + "-" * (30 - filled)
            text = f"\r[{bar}] {done}/{total} frames  {rate:5.1f} fps"
        else:
            text = f"\r{done} frames  {rate:5.1f} fps"
        stream.write(text)  # type: ignore[attr-defined]
        stream.flush()  # type: ignore[attr-defined]

    return show


def cmd_analyze(args: argparse.Namespace) -> int:
    from posecheck.pipeline import AnalysisOutputs, analyze_source
    from posecheck.sources import open_source

    spec = find_spec(args.exercise, args.spec_dir)
    model = resolve_model(args.model_variant, args.model)
    path = Path(args.video)
    if not path.exists():
        raise SourceError(f"input not found: {path}")
    stem = path.stem if path.is_file() else path.name
    out_dir = Path(args.out_dir) if args.out_dir else Path.cwd()
    video_out = None if args.no_video else Path(args.out or out_dir / f"{stem}.{spec.id}.annotated.mp4")
    report_out = Path(args.report or out_dir / f"{stem}.{spec.id}.report.json")
    csv_out = None if args.no_csv else Path(args.csv or out_dir / f"{stem}.{spec.id}.frames.csv")
    source = open_source(path, folder_fps=args.fps)
    show_progress = not args.no_progress and sys.stderr.isatty()
    progress = _progress_printer(sys.stderr) if show_progress else None
    result = analyze_source(source, spec, model, AnalysisOutputs(video_out, report_out, csv_out),
                            progress)  # type: ignore[arg-type]
    if show_progress:
        sys.stderr.write("\n")
    report = result.report
    summary = report.summary
    if report.reps or spec.reps is not None:
        sides = "".join(f", {s} {n}" for s, n in sorted(summary.side_counts.items()))
        print(f"{spec.name}: {summary.reps} reps ({summary.good_reps} good){sides}")
    if spec.hold is not None:
        print(f"{spec.name}: {len(report.holds)} hold(s), longest {summary.longest_hold_s:.1f} s"
              + (f" (target {spec.prescription.hold_s:.0f} s)" if spec.prescription.hold_s else ""))
    for line in summary.advice:
        print(f"  - {line}")
    written = [p for p in (video_out, report_out, csv_out) if p is not None]
    print("wrote " + ", ".join(str(p) for p in written))
    if result.stopped_early:
        print(f"posecheck: {result.stopped_early}", file=sys.stderr)
    if result.interrupted:
        return EXIT_INTERRUPTED
    if summary.frames == 0:
        print(f"posecheck: no frame could be read from {path}", file=sys.stderr)
        return SourceError.exit_code
    from posecheck.sinks import MIN_PERSON_S

    if summary.frames_with_person < MIN_PERSON_S * max(report.fps, 1.0):
        print(f"posecheck: no person found in {path} (seen in {summary.frames_with_person} of {summary.frames} "
              f"frames); nothing to judge", file=sys.stderr)
        return EXIT_NO_PERSON
    if result.stopped_early:
        return SourceError.exit_code
    return 0


def cmd_live(args: argparse.Namespace) -> int:
    """The `posecheck live` command: the console half of a live session (the session itself is in live.py)."""
    import signal
    import threading

    from posecheck.live import (
        KEYS_HELP,
        LiveFrame,
        LiveOptions,
        LiveSession,
        check_display,
        default_summary_path,
        open_live_source,
        summary_lines,
    )
    from posecheck.sinks import FOURCC_BY_SUFFIX

    spec = find_spec(args.exercise, args.spec_dir)
    model = resolve_model(args.model_variant, args.model)
    window = not args.no_window
    if window:
        check_display()
    record = Path(args.record) if args.record else None
    if record is not None and record.suffix.lower() not in FOURCC_BY_SUFFIX:
        raise PosecheckError(f"cannot record to '{record}': use a .mp4, .webm, .avi, .mkv or .mov name")
    summary_path = Path(args.summary) if args.summary else default_summary_path(spec)
    if summary_path.is_dir():
        raise PosecheckError(f"--summary {summary_path} is a folder; give a file name")
    if args.max_seconds is not None and args.max_seconds <= 0:
        raise PosecheckError("--max-seconds must be more than 0")
    source = open_live_source(args.source, args.camera)
    options = LiveOptions(window=window, window_title=f"posecheck - {spec.name} ({KEYS_HELP})", record_path=record,
                          summary_path=summary_path, max_seconds=args.max_seconds)
    started: list[bool] = []

    def announce(_: LiveFrame) -> None:
        if not started:  # once the first frame is through, so "watching" is true when it is said
            started.append(True)
            how = KEYS_HELP if window else "Ctrl-C to stop"
            print(f"live: {spec.name} from {source.info.name} ({how})", flush=True)

    session = LiveSession(source, spec, model, options, on_frame=announce)
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda *_: session.request_stop("interrupted")) if on_main else None
    try:
        result = session.run()
    finally:
        if on_main:
            signal.signal(signal.SIGTERM, previous)
    for line in summary_lines(result, spec):
        print(line)
    print(f"wrote session summary {summary_path}" + (f" and recording {record}" if record else ""))
    if result.stopped_early:
        print(f"posecheck: {result.stopped_early}; session ended, summary saved", file=sys.stderr)
        return SourceError.exit_code
    if result.stats.ended_by == "interrupted":
        return EXIT_INTERRUPTED
    return 0


def cmd_specs(args: argparse.Namespace) -> int:
    if args.specs_command == "validate":
        paths = [Path(p) for p in args.files] or sorted(Path(args.spec_dir or default_spec_dir()).glob("*.toml"))
        if not paths:
            raise PosecheckError(f"no spec files found in {args.spec_dir or default_spec_dir()}")
        for path in paths:
            spec = load_spec(path)
            print(f"ok  {path}  ({spec.id}: {len(spec.features)} features, {len(spec.rules)} rules)")
        if not args.files:
            load_all_specs(args.spec_dir)  # also checks ids are unique across files
        return 0
    specs = load_all_specs(args.spec_dir)
    for spec in specs.values():
        unit = "cycles" if spec.reps and spec.reps.unit_name == "cycle" else "reps"
        kind = "hold" if spec.hold is not None else unit
        if (spec.reps is not None and spec.reps.per_side) or (spec.hold is not None and spec.hold.per_side):
            kind += " per side"
        origin = "" if spec.from_document else "  [not from the document]"
        print(f"{spec.id:18} {spec.name:22} {spec.category:9} {kind:15} {spec.preferred_view:7} "
              f"{spec.prescription.text}{origin}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from posecheck.report import AnalysisReport
    from posecheck.specs.schema import ExerciseSpec

    model = AnalysisReport if args.which == "report" else ExerciseSpec
    print(json.dumps(model.model_json_schema(), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="posecheck", description="Checks exercise form from a camera or a video.")
    parser.add_argument("--version", action="version", version=f"posecheck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--exercise", "-e", required=True, help="exercise id or name (see: posecheck specs list)")
        p.add_argument("--model-variant", "--pose-model", dest="model_variant", default="full",
                       choices=MODEL_VARIANTS, help="MediaPipe pose model size (default: full)")
        p.add_argument("--model", help="path to a pose_landmarker .task file (overrides --model-variant lookup)")
        p.add_argument("--spec-dir", help="folder of exercise specs (default: the bundled exercise_specs/)")

    analyze = sub.add_parser("analyze", help="analyse a recorded video (or a folder of images)")
    analyze.add_argument("video", help="video file or folder of images")
    add_common(analyze)
    analyze.add_argument("--out", "-o", help="annotated video to write (.mp4 or .webm)")
    analyze.add_argument("--report", "-r", help="JSON report to write")
    analyze.add_argument("--csv", help="per-frame CSV of landmarks and angles to write")
    analyze.add_argument("--out-dir", help="folder for outputs not named explicitly (default: current folder)")
    analyze.add_argument("--no-video", action="store_true", help="do not write an annotated video")
    analyze.add_argument("--no-csv", action="store_true", help="do not write the per-frame CSV")
    analyze.add_argument("--no-progress", action="store_true", help="no progress bar")
    analyze.add_argument("--fps", type=float, default=30.0, help="frame rate of an image folder (default 30)")
    analyze.set_defaults(func=cmd_analyze)

    live = sub.add_parser("live", help="coach live from a webcam (or a file played at its real pace)")
    add_common(live)
    live.add_argument("--camera", type=int, default=0, help="camera index (default 0)")
    live.add_argument("--source", help="play this video file as if it were a camera")
    live.add_argument("--summary",
                      help="session summary JSON (default: posecheck-session-<date>-<time>.<exercise>.json here)")
    live.add_argument("--no-window", action="store_true", help="run without a window (headless)")
    live.add_argument("--max-seconds", type=float, help="stop after this many seconds")
    live.add_argument("--record", help="also write what the window shows to this video file")
    live.set_defaults(func=cmd_live)

    specs = sub.add_parser("specs", help="list or validate exercise specs")
    specs_sub = specs.add_subparsers(dest="specs_command", required=True)
    listing = specs_sub.add_parser("list", help="list the exercises and their prescriptions")
    listing.add_argument("--spec-dir")
    validate = specs_sub.add_parser("validate", help="validate spec files (default: all bundled ones)")
    validate.add_argument("files", nargs="*")
    validate.add_argument("--spec-dir")
    specs.set_defaults(func=cmd_specs)

    schema = sub.add_parser("schema", help="print the JSON Schema of the report or of a spec file")
    schema.add_argument("which", choices=["report", "spec"])
    schema.set_defaults(func=cmd_schema)
    return parser


def quiet_video_libraries() -> None:
    """OpenCV and FFmpeg print their own warnings for bad files; posecheck says what went wrong in one line."""
    if not os.environ.get("POSECHECK_DEBUG"):
        os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
        os.environ.setdefault("GLOG_minloglevel", "2")


def main(argv: list[str] | None = None) -> int:
    quiet_video_libraries()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except PosecheckError as error:
        print(f"posecheck: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("posecheck: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        if os.environ.get("POSECHECK_DEBUG"):
            raise
        print(f"posecheck: internal error: {type(error).__name__}: {error} (set POSECHECK_DEBUG=1 for details)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
