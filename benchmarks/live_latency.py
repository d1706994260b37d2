#!/usr/bin/env python3
"""Live frame rate and capture-to-display latency, per pose model, on a clip played at its real pace.

The clip stands in for a camera (VideoFileSource(realtime=True)): each frame becomes available at its own
moment, and posecheck.live.LiveSession takes the newest one, analyses it, draws it and (with --window) shows it.
Latency is display time minus the frame's capture time; frames the model had no time for are dropped, and the
table says how many. Without --window "display" is the moment the overlay is drawn, so imshow is left out.

    python3 benchmarks/live_latency.py                       # lite, full, heavy on the default clip
    xvfb-run -a python3 benchmarks/live_latency.py --window  # include showing it in a real window
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

from posecheck.live import LiveOptions, LiveSession  # noqa: E402
from posecheck.model_files import MODEL_VARIANTS, resolve_model  # noqa: E402
from posecheck.sources import VideoFileSource  # noqa: E402
from posecheck.specs.loader import find_spec  # noqa: E402

DEFAULT_CLIP = HERE.parent.parent / "shared" / "videos" / "squat_front_good_01.mp4"


def measure(clip: Path, exercise: str, variant: str, seconds: float | None, window: bool) -> dict[str, Any]:
    spec = find_spec(exercise)
    source = VideoFileSource(clip, realtime=True)
    options = LiveOptions(window=window, window_title=f"live_latency {variant}", max_seconds=seconds, draw=True)
    result = LiveSession(source, spec, resolve_model(variant), options).run()
    stats = result.stats
    return {"model": variant, "clip": clip.name, "source_fps": round(source.info.fps, 2),
            "size": f"{source.info.width}x{source.info.height}", "reps": result.report.summary.reps,
            **stats.model_dump()}


def table(rows: list[dict[str, Any]]) -> str:
    head = "| model | source | fps shown | latency p50 | p90 | p99 | dropped / captured | reps |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['size']} @ {r['source_fps']:g} fps | {r['fps']:.1f} | "
                     f"{r['latency_ms_p50']:.0f} ms | {r['latency_ms_p90']:.0f} ms | {r['latency_ms_p99']:.0f} ms | "
                     f"{r['frames_dropped']} / {r['frames_captured']} | {r['reps']} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--exercise", default="squat")
    parser.add_argument("--models", nargs="+", default=list(MODEL_VARIANTS), choices=MODEL_VARIANTS)
    parser.add_argument("--seconds", type=float, help="stop each run after this long (default: the whole clip)")
    parser.add_argument("--window", action="store_true", help="show the frames in a window (needs a display)")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args()
    if not args.clip.is_file():
        print(f"clip not found: {args.clip}", file=sys.stderr)
        return 2
    rows = []
    for variant in args.models:
        rows.append(measure(args.clip, args.exercise, variant, args.seconds, args.window))
        print(f"{variant}: {rows[-1]['fps']:.1f} fps, p50 {rows[-1]['latency_ms_p50']} ms", file=sys.stderr)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"{os.cpu_count()} CPUs, load average {load[0]:.2f} at the end" if load else f"{os.cpu_count()} CPUs")
    print("window shown" if args.window else "headless (overlay drawn, not shown)")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
