"""posecheck: checks exercise form from a webcam or a recorded video, with exercises described as data."""

from __future__ import annotations

__version__ = "0.1.0"
