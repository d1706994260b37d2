#!/usr/bin/env python3
"""How well posecheck counts, times and judges labelled clips.

Runs the analysis `posecheck analyze` runs (posecheck.pipeline, no video or CSV written) on every clip of a
labels file, and compares it with the labels:

  reps      labelled vs counted; summary MAE = mean |counted - true| / true, OBO = share within one rep,
            exact = share exactly right (the usual repetition-counting metrics), over clips with labelled reps
  holds     labelled vs the longest measured hold, mean absolute error in seconds
  faults    a found fault is correct when a labelled fault of the same kind overlaps it in time (with
            --fault-slack seconds either side). Precision is over every fault found on a supported clip (any
            rule can fire, and a good clip labelled without faults makes every warning on it a false alarm);
            recall is over every labelled fault on a supported clip, including kinds the clip's spec has no
            rule for (a fault the tool cannot see is still missed); fault_recall_detectable leaves those out.
  bottoms   each counted rep's key moment against the labelled ones, paired greedily by nearest time within
            --bottom-window seconds; mean absolute error over the pairs

A clip whose exercise no spec knows is listed as "not supported" and left out of the metrics. A clip labelled
with no exercise (exercise null or "none": nobody in the picture) is analysed with the first spec by id and
passes when the tool sees no person and counts nothing; it is kept out of MAE, whose true count would be 0.

--pose-cache DIR keeps each clip's poses (keyed by the clip's and the model's contents), so a second run
skips MediaPipe; everything after pose estimation always runs afresh. --check-baseline fails (exit 1) when
MAE, OBO, exact or fault recall got worse than benchmarks/baseline.json by more than --tolerance, or when
a clip could not be analysed (a crash must not pass for a better score).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

from posecheck import pose as pose_module  # noqa: E402
from posecheck import sources as sources_module  # noqa: E402
from posecheck.errors import PosecheckError, SpecError  # noqa: E402
from posecheck.model_files import MODEL_VARIANTS, resolve_model  # noqa: E402
from posecheck.pipeline import AnalysisOutputs, analyze_poses, analyze_source  # noqa: E402
from posecheck.pose import PoseFrame  # noqa: E402
from posecheck.report import AnalysisReport  # noqa: E402
from posecheck.sinks import MIN_PERSON_S  # noqa: E402
from posecheck.sources import VideoFileSource  # noqa: E402
from posecheck.specs.loader import find_spec, load_all_specs, normalise_name  # noqa: E402
from posecheck.specs.schema import ExerciseSpec  # noqa: E402

DEFAULT_BASELINE = HERE / "baseline.json"
CACHE_FORMAT = 1
NO_EXERCISE = {"", "none", "null", "noperson", "nobody"}
CHECKED_METRICS = {"mae": "lower", "obo": "higher", "exact": "higher", "fault_recall": "higher"}
"""What --check-baseline guards, and which way is better."""


@dataclass
class FaultMark:
    fault: str
    start_s: float
    end_s: float
    matched: bool = False
    rule_id: str | None = None


@dataclass
class ClipResult:
    file: str
    exercise: str | None
    status: str
    """ok, no_person (a clip labelled with nobody in it), not_supported, missing or error"""
    spec: str | None = None
    detail: str = ""
    view_labelled: str | None = None
    view_seen: str | None = None
    reps_labelled: int | None = None
    reps_counted: int | None = None
    hold_labelled_s: float | None = None
    hold_measured_s: float | None = None
    faults_labelled: list[FaultMark] = field(default_factory=list)
    faults_found: list[FaultMark] = field(default_factory=list)
    faults_detectable: int = 0
    """Labelled faults of a kind some rule of the clip's spec can report."""
    bottoms_labelled: list[float] = field(default_factory=list)
    bottoms_counted: list[float] = field(default_factory=list)
    bottom_errors_s: list[float] = field(default_factory=list)
    frames: int = 0
    frames_with_person: int = 0
    person_seen: bool = False
    seconds: float = 0.0
    pose_cache: str = "off"

    @property
    def rep_error(self) -> int | None:
        if self.reps_labelled is None or self.reps_counted is None:
            return None
        return self.reps_counted - self.reps_labelled


# ----------------------------------------------------------------------------------------------- matching

def overlaps(a: FaultMark, b: FaultMark, slack_s: float) -> bool:
    return a.fault == b.fault and a.start_s <= b.end_s + slack_s and a.end_s >= b.start_s - slack_s


def match_faults(labelled: list[FaultMark], found: list[FaultMark], slack_s: float) -> None:
    """Marks each fault matched when one of the other list overlaps it. Many-to-many on purpose: a long
    labelled fault that the tool reports as three shorter episodes is three correct reports and one recall."""
    for mark in labelled:
        mark.matched = any(overlaps(mark, other, slack_s) for other in found)
    for mark in found:
        mark.matched = any(overlaps(mark, other, slack_s) for other in labelled)


def match_bottoms(labelled: list[float], counted: list[float], window_s: float) -> list[float]:
    """Absolute time errors of counted rep bottoms paired one-to-one with labelled ones, nearest pairs first."""
    pairs = sorted((abs(c - t), i, j) for i, c in enumerate(counted) for j, t in enumerate(labelled))
    used_counted: set[int] = set()
    used_labelled: set[int] = set()
    errors: list[float] = []
    for error, i, j in pairs:
        if error > window_s:
            break
        if i in used_counted or j in used_labelled:
            continue
        used_counted.add(i)
        used_labelled.add(j)
        errors.append(error)
    return errors


# ----------------------------------------------------------------------------------------------- pose cache

def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class PoseCache:
    """Per-clip poses on disk, keyed by the clip's bytes, the model's bytes and the code of the pose stage.

    The pose stage's code is part of the key because its output (PoseFrame) is what is kept: a change to how
    people are chosen or confirmed, or to how frames are timed, must not be hidden behind old poses.
    """

    def __init__(self, folder: Path, model_path: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        code = hashlib.sha256()
        for module in (pose_module, sources_module):
            code.update(Path(str(module.__file__)).read_bytes())
        self.key = f"{model_path.stem}-{file_digest(model_path)[:10]}.code-{code.hexdigest()[:10]}"

    def path(self, clip: Path) -> Path:
        return self.folder / f"{clip.stem}.{file_digest(clip)[:16]}.{self.key}.v{CACHE_FORMAT}.pkl"

    def load(self, clip: Path) -> dict[str, Any] | None:
        path = self.path(clip)
        if not path.is_file():
            return None
        try:
            with path.open("rb") as handle:
                data = pickle.load(handle)  # our own files only: the folder is the user's
        except (OSError, pickle.UnpicklingError, AttributeError, EOFError, ImportError, TypeError):
            return None  # written by another version of posecheck: recompute
        return data if isinstance(data, dict) and "frames" in data and "info" in data else None

    def save(self, clip: Path, data: dict[str, Any]) -> None:
        path = self.path(clip)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)


def analyse_clip(clip: Path, spec: ExerciseSpec, model_path: Path, cache: PoseCache | None) -> tuple[AnalysisReport,
                                                                                                   str]:
    """The report `posecheck analyze` would write for this clip, and how the pose cache was used."""
    if cache is not None:
        cached = cache.load(clip)
        if cached is not None:
            report = analyze_poses(cached["frames"], spec, cached["info"], model_path.name, cached.get("stopped_early"))
            return report, "hit"
    source = VideoFileSource(clip)
    poses: list[PoseFrame] = []
    result = analyze_source(source, spec, model_path, AnalysisOutputs(),
                            on_pose=poses.append if cache is not None else None)
    if cache is not None and not result.interrupted:
        cache.save(clip, {"info": source.info, "frames": poses, "stopped_early": source.stopped_early})
    return result.report, "miss" if cache is not None else "off"


# ----------------------------------------------------------------------------------------------- scoring

def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def score_clip(entry: dict[str, Any], videos: Path, model_path: Path, cache: PoseCache | None,
               spec_dir: str | None, fallback_spec: ExerciseSpec, args: argparse.Namespace) -> ClipResult:
    name = str(entry.get("file", ""))
    exercise = entry.get("exercise")
    result = ClipResult(file=name, exercise=exercise, status="ok", view_labelled=entry.get("view"),
                        reps_labelled=entry.get("reps"), hold_labelled_s=_float_or_none(entry.get("hold_s")),
                        bottoms_labelled=[float(t) for t in entry.get("rep_bottoms_s") or []],
                        faults_labelled=[FaultMark(str(f["fault"]), float(f["start_s"]), float(f["end_s"]))
                                         for f in entry.get("faults") or []])
    clip = videos / name
    if not name or not clip.is_file():
        result.status, result.detail = "missing", f"clip not found: {clip}"
        return result
    no_exercise = exercise is None or normalise_name(str(exercise)) in NO_EXERCISE
    if no_exercise:
        spec = fallback_spec
        result.status = "no_person"
        result.reps_labelled = 0 if result.reps_labelled is None else result.reps_labelled
    else:
        try:
            spec = find_spec(str(exercise), spec_dir)
        except SpecError:
            result.status, result.detail = "not_supported", f"no spec for exercise '{exercise}'"
            return result
    result.spec = spec.id
    started = time.monotonic()
    try:
        report, result.pose_cache = analyse_clip(clip, spec, model_path, cache)
    except PosecheckError as error:
        result.status, result.detail = "error", str(error)
        return result
    except Exception as error:  # a bug on one clip should not hide the results of the others
        result.status, result.detail = "error", f"internal error: {type(error).__name__}: {error}"
        return result
    result.seconds = round(time.monotonic() - started, 2)
    summary = report.summary
    result.frames, result.frames_with_person = summary.frames, summary.frames_with_person
    if summary.views:
        result.view_seen = max(summary.views.items(), key=lambda kv: kv[1])[0]
    result.reps_counted = summary.reps
    result.bottoms_counted = [r.bottom_s for r in report.reps]
    if result.hold_labelled_s is not None or report.holds:
        result.hold_measured_s = summary.longest_hold_s
    result.faults_found = [FaultMark(f.fault, f.start_s, f.end_s, rule_id=f.rule_id) for f in report.faults]
    match_faults(result.faults_labelled, result.faults_found, args.fault_slack)
    detectable = {rule.fault for rule in spec.rules}
    result.faults_detectable = sum(1 for f in result.faults_labelled if f.fault in detectable)
    result.bottom_errors_s = [round(e, 3) for e in match_bottoms(result.bottoms_labelled, result.bottoms_counted,
                                                                 args.bottom_window)]
    # The same rule as `posecheck analyze`: under MIN_PERSON_S of "person" in a whole clip is a false detection.
    result.person_seen = summary.frames_with_person >= MIN_PERSON_S * max(report.fps, 1.0)
    if no_exercise:
        passed = not result.person_seen and summary.reps == 0 and not report.holds
        result.detail = (f"no person (false detections in {summary.frames_with_person} frames), counted nothing"
                         if passed else f"saw a person in {summary.frames_with_person} frames, counted "
                         f"{summary.reps} reps, {len(report.holds)} holds")
    return result


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def summarise(results: list[ClipResult]) -> dict[str, Any]:
    scored = [r for r in results if r.status == "ok"]
    rep_clips = [r for r in scored if r.reps_labelled is not None and r.reps_labelled > 0]
    errors = [abs(r.rep_error or 0) for r in rep_clips]
    hold_clips = [r for r in scored if r.hold_labelled_s is not None]
    labelled = [f for r in scored for f in r.faults_labelled]
    found = [f for r in scored for f in r.faults_found]
    detectable = sum(r.faults_detectable for r in scored)
    recalled = sum(1 for f in labelled if f.matched)  # a match needs a found fault, so only detectable kinds
    bottom_errors = [e for r in scored for e in r.bottom_errors_s]
    no_person = [r for r in results if r.status == "no_person"]
    return {
        "clips": len(results),
        "supported": len(scored) + len(no_person),
        "not_supported": sorted({str(r.exercise) for r in results if r.status == "not_supported"}),
        "missing_or_error": [r.file for r in results if r.status in ("missing", "error")],
        "rep_clips": len(rep_clips),
        "mae": _mean([abs(r.rep_error or 0) / r.reps_labelled for r in rep_clips if r.reps_labelled]),
        "obo": _share(sum(1 for e in errors if e <= 1), len(rep_clips)),
        "exact": _share(sum(1 for e in errors if e == 0), len(rep_clips)),
        "hold_clips": len(hold_clips),
        "hold_mae_s": _mean([abs((r.hold_measured_s or 0.0) - (r.hold_labelled_s or 0.0)) for r in hold_clips]),
        "faults_labelled": len(labelled),
        "faults_found": len(found),
        "fault_precision": _share(sum(1 for f in found if f.matched), len(found)),
        "fault_recall": _share(recalled, len(labelled)),
        "fault_recall_detectable": _share(recalled, detectable),
        "bottom_pairs": len(bottom_errors),
        "bottom_mae_s": _mean(bottom_errors),
        "no_person_clips": len(no_person),
        "no_person_correct": sum(1 for r in no_person if not r.person_seen and not r.reps_counted
                                 and not r.hold_measured_s),
    }


# ----------------------------------------------------------------------------------------------- output

def _fmt(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else f"{value:.{digits}f}"


def table(results: list[ClipResult], summary: dict[str, Any], model: str) -> str:
    lines = [f"posecheck accuracy, model {model}", ""]
    header = (f"{'clip':44} {'exercise':17} {'spec':17} {'view lab/seen':15} {'reps lab/got':12} "
              f"{'hold lab/got s':15} {'faults lab/hit found/ok':23} {'bottom err s':12}")
    lines += [header, "-" * len(header)]
    for r in results:
        if r.status in ("not_supported", "missing", "error"):
            lines.append(f"{r.file:44} {r.exercise or '-':17} {r.status.replace('_', ' ')}: {r.detail}")
            continue
        reps = f"{_fmt(r.reps_labelled)}/{_fmt(r.reps_counted)}"
        if r.reps_labelled is None and not r.reps_counted:
            reps = ""
        if reps and r.rep_error:
            reps += f" ({r.rep_error:+d})"
        hold = "" if r.hold_labelled_s is None and r.hold_measured_s is None else \
            f"{_fmt(r.hold_labelled_s)}/{_fmt(r.hold_measured_s)}"
        hits = sum(f.matched for f in r.faults_labelled)
        good = sum(f.matched for f in r.faults_found)
        faults = f"{len(r.faults_labelled)}/{hits} {len(r.faults_found)}/{good}"
        bottoms = ""
        if r.bottom_errors_s:
            bottoms = f"{sum(r.bottom_errors_s) / len(r.bottom_errors_s):.2f} ({len(r.bottom_errors_s)} paired)"
        view = f"{r.view_labelled or '-'}/{r.view_seen or '-'}"
        lines.append(f"{r.file:44} {r.exercise or '-':17} {r.spec or '-':17} {view:15} {reps:12} {hold:15} "
                     f"{faults:23} {bottoms}")
        if r.status == "no_person":
            lines.append(f"{'':44} no person expected: {r.detail}")
    fault_lines = []
    for r in results:
        if not (r.faults_labelled or r.faults_found):
            continue
        lab = ", ".join(f"{f.fault} {f.start_s:.1f}-{f.end_s:.1f}{'' if f.matched else ' MISSED'}"
                        for f in r.faults_labelled) or "none"
        got = ", ".join(f"{f.fault} {f.start_s:.1f}-{f.end_s:.1f}{'' if f.matched else ' FALSE'}"
                        for f in r.faults_found) or "none"
        fault_lines += [f"  {r.file}", f"    labelled: {lab}", f"    found:    {got}"]
    if fault_lines:
        lines += ["", "Faults (labelled MISSED = not found; found FALSE = no labelled fault of that kind then):",
                  *fault_lines]
    s = summary
    lines += [
        "",
        f"Clips {s['clips']}: supported {s['supported']}, not supported "
        f"{len([r for r in results if r.status == 'not_supported'])} ({', '.join(s['not_supported']) or 'none'})"
        + (f", missing or failed: {', '.join(s['missing_or_error'])}" if s["missing_or_error"] else ""),
        f"Reps ({s['rep_clips']} clips): MAE {_fmt(s['mae'], 3)}  OBO {_fmt(s['obo'], 3)}  exact {_fmt(s['exact'], 3)}",
        f"Holds ({s['hold_clips']} clips): mean abs error {_fmt(s['hold_mae_s'], 2)} s",
        f"Faults: {s['faults_labelled']} labelled, {s['faults_found']} found; precision "
        f"{_fmt(s['fault_precision'], 3)}, recall {_fmt(s['fault_recall'], 3)} (of kinds a rule can report: "
        f"{_fmt(s['fault_recall_detectable'], 3)})",
        f"Rep bottoms: {s['bottom_pairs']} paired, mean abs error {_fmt(s['bottom_mae_s'], 3)} s",
        f"No-person clips: {s['no_person_correct']}/{s['no_person_clips']} with no person and nothing counted",
    ]
    return "\n".join(lines)


def check_baseline(summary: dict[str, Any], model: str, path: Path, tolerance: float) -> list[str]:
    """What got worse than the baseline by more than `tolerance` (empty when nothing did)."""
    try:
        baseline = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        return [f"cannot read baseline {path}: {error}"]
    if baseline.get("model") != model:
        return [f"baseline {path} was measured with model '{baseline.get('model')}', this run used '{model}'"]
    worse = []
    failed = summary.get("missing_or_error") or []
    if failed:
        worse.append(f"clips that could not be analysed: {', '.join(failed)}")
    for key, better in CHECKED_METRICS.items():
        old, new = baseline.get("summary", {}).get(key), summary.get(key)
        if old is None:
            continue
        if new is None:
            worse.append(f"{key}: baseline {old}, now not measured")
            continue
        delta = (new - old) if better == "lower" else (old - new)
        if delta > tolerance:
            worse.append(f"{key}: baseline {old}, now {new} (worse by {delta:.3f}, tolerance {tolerance})")
    return worse


def load_labels(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SystemExit(f"accuracy: cannot read labels {path}: {error}") from None
    except json.JSONDecodeError as error:
        raise SystemExit(f"accuracy: {path} is not valid JSON: {error}") from None
    if not isinstance(data, list) or not all(isinstance(e, dict) and "file" in e for e in data):
        raise SystemExit(f"accuracy: {path}: expected a JSON list of objects, each with a 'file'")
    return data


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=Path, required=True, help="labels JSON (a list of clip entries)")
    parser.add_argument("--videos", type=Path, help="folder of the clips (default: the labels file's folder)")
    parser.add_argument("--model", choices=MODEL_VARIANTS, default="full", help="pose model (default: full)")
    parser.add_argument("--model-path", help="a pose_landmarker .task file (overrides --model lookup)")
    parser.add_argument("--spec-dir", help="folder of exercise specs (default: the bundled ones)")
    parser.add_argument("--pose-cache", type=Path, help="folder to keep per-clip poses in between runs")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--fault-slack", type=float, default=0.5, help="seconds of slack for fault overlap")
    parser.add_argument("--bottom-window", type=float, default=1.5,
                        help="farthest a counted rep bottom may be from a labelled one to pair them (s)")
    parser.add_argument("--check-baseline", type=Path, nargs="?", const=DEFAULT_BASELINE,
                        help=f"exit 1 if MAE, OBO, exact or recall are worse than this baseline "
                             f"(default {DEFAULT_BASELINE.relative_to(HERE.parent)})")
    parser.add_argument("--write-baseline", type=Path, nargs="?", const=DEFAULT_BASELINE,
                        help="write this run's metrics as the new baseline")
    parser.add_argument("--tolerance", type=float, default=0.02,
                        help="how much worse than the baseline a metric may get (default 0.02)")
    parser.add_argument("--quiet", action="store_true", help="no per-clip progress lines on stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    entries = load_labels(args.labels)
    videos = args.videos or args.labels.parent
    try:
        specs = load_all_specs(args.spec_dir)
        model_path = resolve_model(args.model, args.model_path)
    except PosecheckError as error:
        print(f"accuracy: {error}", file=sys.stderr)
        return 2
    if not specs:
        print("accuracy: no exercise specs found", file=sys.stderr)
        return 2
    fallback = specs[sorted(specs)[0]]
    cache = PoseCache(args.pose_cache, model_path) if args.pose_cache else None
    started = time.monotonic()
    results = []
    for number, entry in enumerate(entries, 1):
        result = score_clip(entry, videos, model_path, cache, args.spec_dir, fallback, args)
        results.append(result)
        if not args.quiet:
            print(f"[{number}/{len(entries)}] {result.file}: {result.status}"
                  + (f", {result.seconds:.1f} s, pose cache {result.pose_cache}" if result.spec else ""),
                  file=sys.stderr, flush=True)
    summary = summarise(results)
    model = args.model if args.model_path is None else Path(args.model_path).name
    print(table(results, summary, model))
    print(f"\n{time.monotonic() - started:.0f} s; specs: {', '.join(sorted(specs))}")
    data = {"model": model, "labels": str(args.labels), "specs": sorted(specs), "summary": summary,
            "clips": [asdict(r) for r in results]}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2), encoding="utf-8")
    if args.write_baseline:
        baseline = {"model": model, "specs": sorted(specs), "summary": summary,
                    "clips": {r.file: {"status": r.status, "spec": r.spec, "reps_labelled": r.reps_labelled,
                                       "reps_counted": r.reps_counted, "hold_measured_s": r.hold_measured_s}
                              for r in results}}
        args.write_baseline.write_text(json.dumps(baseline, indent=2) + "\n", encoding="utf-8")
    if args.check_baseline:
        worse = check_baseline(summary, model, args.check_baseline, args.tolerance)
        for line in worse:
            print(f"accuracy: worse than the baseline: {line}", file=sys.stderr)
        if worse:
            return 1
        print(f"baseline {args.check_baseline}: no metric got worse (tolerance {args.tolerance})")
    return 0


if __name__ == "__main__":
    if (HERE.parent.parent / "shared" / "models").is_dir():  # the project's usual layout; never overrides the env
        os.environ.setdefault("POSECHECK_MODEL_DIR", str(HERE.parent.parent / "shared" / "models"))
    sys.exit(main())
