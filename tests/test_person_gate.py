"""The person gate: real bodies move coherently, the model's ghosts jump about."""

from __future__ import annotations

import numpy as np

from posecheck.pose import PersonGate
from tests.synthetic import pose_frame, side_squat_points

FPS = 30.0


def body(shift_px: float = 0.0) -> np.ndarray:
    frame = pose_frame(side_squat_points(150.0), 0.0)
    assert frame.pose is not None
    return frame.pose.image_xy + shift_px


def test_a_still_person_is_confirmed_after_a_fifth_of_a_second() -> None:
    gate = PersonGate()
    accepted = [gate.accept(i / FPS, body()) for i in range(15)]
    assert accepted[:6] == [False] * 6
    assert all(accepted[7:])


def test_skeletons_jumping_around_are_never_confirmed() -> None:
    gate = PersonGate()
    rng = np.random.default_rng(1)
    accepted = [gate.accept(i / FPS, body(float(rng.uniform(-400, 400)))) for i in range(300)]
    assert not any(accepted)


def test_a_confirmed_person_survives_one_fast_move_and_a_short_gap() -> None:
    gate = PersonGate()
    for i in range(10):
        gate.accept(i / FPS, body())
    assert gate.accept(10 / FPS, body(300.0))  # one big jump (a fast move, or a landmark glitch)
    assert gate.accept(11 / FPS, body(300.0))
    assert not gate.accept(12 / FPS, None)  # nobody in this frame
    assert gate.accept(20 / FPS, body(300.0))  # back within half a second: still the same person


def test_a_long_gap_needs_confirming_again() -> None:
    gate = PersonGate()
    for i in range(10):
        gate.accept(i / FPS, body())
    gate.accept(10 / FPS, None)
    assert not gate.accept(2.0, body())
