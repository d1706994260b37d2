"""The per-frame chain after pose estimation: smoothing -> features -> rules -> reps/holds.

Shared by `analyze` (files), `live` (camera) and the benchmarks, so every path counts and judges the same way.
"""

from __future__ import annotations

from posecheck.features import FeatureExtractor
from posecheck.pose import PoseFrame
from posecheck.reps import HoldRecord, MotionFrame, MotionTracker, RepRecord
from posecheck.rules import RuleEvaluator
from posecheck.smoothing import LandmarkSmoother
from posecheck.specs.schema import ExerciseSpec


class FrameAnalyzer:
    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self.smoother = LandmarkSmoother()
        self.features = FeatureExtractor(spec)
        self.rules = RuleEvaluator(spec)
        self.motion = MotionTracker(spec)

    def analyze(self, frame: PoseFrame) -> MotionFrame:
        smoothed = self.smoother.smooth(frame)
        return self.motion.update(self.rules.evaluate(self.features.extract(smoothed)))

    def finish(self) -> tuple[RepRecord | None, HoldRecord | None]:
        return self.motion.finish()

    def reset_counts(self) -> None:
        """Start counting afresh (the live 'r' key) without losing the smoothing state."""
        self.motion = MotionTracker(self.spec)
