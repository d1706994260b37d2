"""Draws a FeedbackFrame over its picture. Style is set once; the frame's data decides what is shown."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from posecheck.feedback import FeedbackFrame
from posecheck.pose import SKELETON_EDGES

BGR = tuple[int, int, int]


@dataclass(frozen=True)
class OverlayStyle:
    ok: BGR = (80, 200, 80)
    fault: BGR = (40, 40, 230)
    not_judged: BGR = (170, 170, 170)
    bone: BGR = (235, 235, 235)
    good_cue: BGR = (60, 170, 60)
    setup_cue: BGR = (200, 140, 30)
    panel: BGR = (20, 20, 20)
    font: int = cv2.FONT_HERSHEY_SIMPLEX


class Annotator:
    def __init__(self, style: OverlayStyle | None = None) -> None:
        self.style = style or OverlayStyle()

    def annotate(self, image: np.ndarray, feedback: FeedbackFrame, corner_text: str | None = None) -> np.ndarray:
        """Returns a copy of `image` with the overlay drawn on it."""
        canvas = image.copy()
        height, width = canvas.shape[:2]
        scale = max(0.6, min(width, height) / 540.0)
        if feedback.pose is not None:
            self._skeleton(canvas, feedback, scale)
        self._panel(canvas, feedback, scale)
        if feedback.cue is not None:
            self._cue(canvas, feedback, scale)
        if corner_text:  # top right: the cue box owns the bottom edge and may be as wide as the picture
            self._text(canvas, corner_text, (width - int(10 * scale), int(22 * scale)), 0.5 * scale,
                       (255, 255, 255), align_right=True)
        return canvas

    def _colour(self, status: str | None) -> BGR:
        return {"ok": self.style.ok, "fault": self.style.fault}.get(status or "", self.style.not_judged)

    def _skeleton(self, canvas: np.ndarray, feedback: FeedbackFrame, scale: float) -> None:
        assert feedback.pose is not None
        points = feedback.pose.image_xy
        thickness = max(2, int(3 * scale))
        for a, b in SKELETON_EDGES:
            pa, pb = points[a], points[b]
            if np.all(np.isfinite([*pa, *pb])):
                colour = self.style.fault if (feedback.joint_status.get(a) == "fault" and
                                              feedback.joint_status.get(b) == "fault") else self.style.bone
                cv2.line(canvas, _pt(pa), _pt(pb), colour, thickness, cv2.LINE_AA)
        for index in range(11, 33):
            if np.all(np.isfinite(points[index])):
                status = feedback.joint_status.get(index)
                radius = int((7 if status else 4) * scale)
                cv2.circle(canvas, _pt(points[index]), radius, self._colour(status), -1, cv2.LINE_AA)
        for label in feedback.angle_labels:
            x, y = points[label.landmark]
            if np.isfinite(x) and np.isfinite(y):
                self._text(canvas, label.text, (int(x + 10 * scale), int(y - 8 * scale)), 0.6 * scale,
                           self._colour(label.status))

    def _panel(self, canvas: np.ndarray, feedback: FeedbackFrame, scale: float) -> None:
        lines = [feedback.exercise_name]
        if feedback.rep_count is not None:
            sides = "  ".join(f"{s[0].upper()}:{n}" for s, n in sorted(feedback.side_counts.items()))
            lines.append(f"Reps {feedback.rep_count}" + (f"  ({sides})" if sides else ""))
            if feedback.set_number is not None and feedback.reps_per_set:
                lines.append(f"Set {feedback.set_number}: {feedback.reps_in_set}/{feedback.reps_per_set}")
        if feedback.hold_s is not None:
            target = f" / {feedback.hold_target_s:.0f}" if feedback.hold_target_s else ""
            lines.append(f"Hold {feedback.hold_s:4.1f}{target} s")
        lines.append(f"{feedback.phase.replace('_', ' ')} | {feedback.view or '-'} view")
        if feedback.people_count > 1:
            lines.append(f"{feedback.people_count} people seen: following one")
        line_h = int(30 * scale)
        box_w = int(max(len(s) for s in lines) * 13 * scale + 20 * scale)
        box_h = line_h * len(lines) + int(12 * scale)
        # Blend only the panel's own pixels (the rectangle includes its far corner): the same picture as
        # blending a whole copy of the frame, without two full-frame passes per frame.
        under = canvas[: box_h + 1, : box_w + 1]
        overlay = under.copy()
        cv2.rectangle(overlay, (0, 0), (box_w, box_h), self.style.panel, -1)
        cv2.addWeighted(overlay, 0.6, under, 0.4, 0, dst=under)
        for i, text in enumerate(lines):
            size = 0.8 * scale if i == 1 else 0.6 * scale
            self._text(canvas, text, (int(10 * scale), line_h * (i + 1)), size, (255, 255, 255))

    def _cue(self, canvas: np.ndarray, feedback: FeedbackFrame, scale: float) -> None:
        assert feedback.cue is not None
        height, width = canvas.shape[:2]
        colour = {"fault": self.style.fault, "good": self.style.good_cue}.get(feedback.cue.kind, self.style.setup_cue)
        font_scale = 1.1 * scale
        thickness = max(2, int(2 * scale))
        (text_w, text_h), _ = cv2.getTextSize(feedback.cue.text, self.style.font, font_scale, thickness)
        if text_w > width - 20:
            font_scale *= (width - 20) / text_w
            (text_w, text_h), _ = cv2.getTextSize(feedback.cue.text, self.style.font, font_scale, thickness)
        x = max(10, (width - text_w) // 2)
        y = height - int(30 * scale)
        cv2.rectangle(canvas, (x - 12, y - text_h - 14), (x + text_w + 12, y + 14), colour, -1)
        cv2.putText(canvas, feedback.cue.text, (x, y), self.style.font, font_scale, (255, 255, 255), thickness,
                    cv2.LINE_AA)

    def _text(self, canvas: np.ndarray, text: str, origin: tuple[int, int], size: float, colour: BGR,
              align_right: bool = False) -> None:
        thickness = max(1, round(size * 2))
        if align_right:
            (w, _), _ = cv2.getTextSize(text, self.style.font, size, thickness)
            origin = (origin[0] - w, origin[1])
        cv2.putText(canvas, text, origin, self.style.font, size, (0, 0, 0), thickness + 2, cv2.LINE_AA)
        cv2.putText(canvas, text, origin, self.style.font, size, colour, thickness, cv2.LINE_AA)


def _pt(point: np.ndarray) -> tuple[int, int]:
    return round(float(point[0])), round(float(point[1]))
