"""Synthetic people for logic tests: stick figures with exactly known joint angles.

Poses are built in image pixels (y down) and mirrored into MediaPipe-like world metres, with the left and
right sides placed so the view classifier sees the intended camera view.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from posecheck.pose import LANDMARK_INDEX, LANDMARK_NAMES, Pose, PoseFrame

IMAGE_SIZE = (1000, 1000)
PX_PER_M = 500.0


def pose_frame(points: dict[str, tuple[float, float]], t: float, index: int = 0, view: str = "side",
               width_px: float = 80.0, visibility: float = 0.99, people: int = 1,
               size: tuple[int, int] = IMAGE_SIZE, depth_m: dict[str, float] | None = None) -> PoseFrame:
    """A PoseFrame from named 2D points.

    `points` names sideless joints ("hip", "knee", ...) placed for both sides, or explicit "left_knee" etc.
    In a side view both sides share x/y and differ in depth; in a front view they are `width_px` apart.
    Any landmark not given sits at the nearest named joint so every array is complete.
    `depth_m` sets the world z (metres) of named landmarks ("hip" sets both hips), for bodies that extend
    toward the camera, such as a person lying with the feet toward it.
    """
    image = np.full((len(LANDMARK_NAMES), 2), np.nan)
    for name, (x, y) in points.items():
        if name in LANDMARK_INDEX:
            image[LANDMARK_INDEX[name]] = (x, y)
            continue
        for side, sign in (("left", 1.0), ("right", -1.0)):
            key = f"{side}_{name}"
            if key in LANDMARK_INDEX and key not in points:
                offset = sign * width_px / 2 if view == "front" else 0.0
                image[LANDMARK_INDEX[key]] = (x + offset, y)
    _fill_missing(image)
    world = np.zeros((len(LANDMARK_NAMES), 3))
    world[:, 0] = (image[:, 0] - size[0] / 2) / PX_PER_M
    world[:, 1] = (image[:, 1] - size[1] / 2) / PX_PER_M
    for i, name in enumerate(LANDMARK_NAMES):
        if view == "side" and name.startswith(("left_", "right_")):
            world[i, 2] = -0.1 if name.startswith("left_") else 0.1
    for name, z in (depth_m or {}).items():
        for key in ([name] if name in LANDMARK_INDEX else [f"left_{name}", f"right_{name}"]):
            world[LANDMARK_INDEX[key], 2] = z
    vis = np.full(len(LANDMARK_NAMES), visibility)
    pose = Pose(index, t, image, world, vis, people)
    return PoseFrame(index, t, pose, size)


def empty_frame(t: float, index: int = 0) -> PoseFrame:
    return PoseFrame(index, t, None, IMAGE_SIZE)


def _fill_missing(image: np.ndarray) -> None:
    known = ~np.isnan(image[:, 0])
    fallback = {"eye": "nose", "ear": "nose", "mouth": "nose", "pinky": "wrist", "index": "wrist",
                "thumb": "wrist", "heel": "ankle", "foot_index": "ankle", "elbow": "shoulder", "wrist": "shoulder"}
    for i, name in enumerate(LANDMARK_NAMES):
        if known[i]:
            continue
        side = "left_" if name.startswith("left_") else "right_" if name.startswith("right_") else ""
        base = name.removeprefix(side)
        for key, target in fallback.items():
            if key in base:
                source = f"{side}{target}" if target != "nose" else "nose"
                j = LANDMARK_INDEX[source]
                if not np.isnan(image[j, 0]):
                    image[i] = image[j]
                break
        if np.isnan(image[i, 0]):
            image[i] = np.nanmean(image, axis=0)


def polar(origin: tuple[float, float], length: float, angle_from_down_deg: float) -> tuple[float, float]:
    """A point `length` px from `origin`, at an angle from straight down (positive turns toward +x)."""
    a = math.radians(angle_from_down_deg)
    return origin[0] + length * math.sin(a), origin[1] + length * math.cos(a)


def side_squat_points(knee_angle_deg: float, torso_lean_deg: float = 30.0, facing: int = 1,
                      heel_lift_px: float = 0.0, shin_tilt_deg: float | None = None) -> dict[str, tuple[float, float]]:
    """A side-on squatter facing +x (facing=1) or -x, with an exact 2D knee angle.

    The shin tilts forward by `shin_tilt_deg` (default half the knee bend) and the thigh takes the rest of
    the bend; with shin tilt = bend - 90 the thigh is exactly parallel to the floor.
    """
    bend = 180.0 - knee_angle_deg
    shin_tilt = bend / 2 if shin_tilt_deg is None else shin_tilt_deg
    ankle = (500.0, 900.0)
    shin, thigh, torso = 220.0, 220.0, 300.0
    knee = polar(ankle, shin, 180.0 - facing * shin_tilt)
    hip = polar(knee, thigh, 180.0 + facing * (bend - shin_tilt))
    shoulder = polar(hip, torso, 180.0 - facing * torso_lean_deg)
    ear = polar(shoulder, 60.0, 180.0 - facing * torso_lean_deg)
    return {
        "ankle": ankle, "heel": (ankle[0] - facing * 30.0, ankle[1] + 10.0 - heel_lift_px),
        "foot_index": (ankle[0] + facing * 90.0, ankle[1] + 10.0), "knee": knee, "hip": hip,
        "shoulder": shoulder, "ear": ear, "nose": (ear[0] + facing * 25.0, ear[1]),
        "elbow": polar(shoulder, 120.0, facing * 60.0), "wrist": polar(shoulder, 220.0, facing * 80.0),
    }


def side_plank_points(hip_bend_deg: float, facing: int = 1) -> dict[str, tuple[float, float]]:
    """A side-on forearm plank whose hips bend `hip_bend_deg` below (positive, sag) or above the line."""
    ankle = (200.0 if facing == 1 else 800.0, 700.0)
    half = 300.0
    line_end = (ankle[0] + facing * 2 * half, ankle[1])  # a level line keeps the bend exact
    mid = ((ankle[0] + line_end[0]) / 2, (ankle[1] + line_end[1]) / 2)
    # hips displaced perpendicular to the line so the angle at the hip is 180 - |bend|
    drop = half * math.tan(math.radians(abs(hip_bend_deg)) / 2)
    hip = (mid[0], mid[1] + (drop if hip_bend_deg > 0 else -drop))
    shoulder = line_end
    return {
        "ankle": ankle, "heel": (ankle[0] - facing * 10.0, ankle[1] - 30.0),
        "foot_index": (ankle[0] + facing * 10.0, ankle[1] + 20.0), "knee": ((ankle[0] + hip[0]) / 2,
                                                                          (ankle[1] + hip[1]) / 2),
        "hip": hip, "shoulder": shoulder, "ear": (shoulder[0] + facing * 70.0, shoulder[1] - 5.0),
        "nose": (shoulder[0] + facing * 90.0, shoulder[1] + 5.0), "elbow": (shoulder[0], shoulder[1] + 110.0),
        "wrist": (shoulder[0] + facing * 100.0, shoulder[1] + 110.0),
    }


def timeline(values: Sequence[float] | Iterable[float], fps: float = 30.0) -> list[tuple[float, float]]:
    """(time_s, value) pairs at a fixed frame rate."""
    return [(i / fps, v) for i, v in enumerate(values)]


def squat_knee_trajectory(reps: int, bottom_deg: float, top_deg: float = 175.0, rep_s: float = 2.0,
                          rest_s: float = 1.0, fps: float = 30.0, jitter_deg: float = 0.0,
                          seed: int = 0) -> list[float]:
    """Knee angle over time: standing, then `reps` smooth cosine dips to `bottom_deg`, then standing."""
    rng = np.random.default_rng(seed)
    values: list[float] = [top_deg] * int(rest_s * fps)
    for _ in range(reps):
        n = int(rep_s * fps)
        for k in range(n):
            depth = (1 - math.cos(2 * math.pi * k / n)) / 2
            values.append(top_deg - depth * (top_deg - bottom_deg))
        values += [top_deg] * int(rest_s * fps)
    if jitter_deg:
        values = [v + float(rng.normal(0, jitter_deg)) for v in values]
    return values


# -- floor exercises (stretches and plank variants) ---------------------------------------------------------

FLOOR_Y = 850.0


def _direction_deg(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The `polar` angle (from straight down, positive toward +x) of the segment a->b."""
    return math.degrees(math.atan2(b[0] - a[0], b[1] - a[1]))


def side_all_fours_points(neck_bend_deg: float = 0.0, thigh_tilt_deg: float = 0.0, arm_tilt_deg: float = 0.0,
                          facing: int = 1) -> dict[str, tuple[float, float]]:
    """Hands and knees, side-on, head toward +x (facing=1) or -x.

    The head and neck bend `neck_bend_deg` off the hip-shoulder line: positive lifts the head (cow), negative
    tucks it (cat). `thigh_tilt_deg` / `arm_tilt_deg` move the knees / wrists off the vertical under the hips /
    shoulders (positive toward the head).
    """
    thigh, shin, arm, torso, neck = 220.0, 230.0, 260.0, 320.0, 80.0
    hip = (500.0 - facing * torso / 2, FLOOR_Y - thigh)
    shoulder = (hip[0] + facing * torso, FLOOR_Y - arm)
    knee = polar(hip, thigh, facing * thigh_tilt_deg)
    ankle = (knee[0] - facing * shin, knee[1])
    wrist = polar(shoulder, arm, facing * arm_tilt_deg)
    head_dir = _direction_deg(hip, shoulder) + facing * neck_bend_deg
    ear = polar(shoulder, neck, head_dir)
    return {
        "hip": hip, "shoulder": shoulder, "knee": knee, "ankle": ankle, "heel": (ankle[0], ankle[1] - 15.0),
        "foot_index": (ankle[0] - facing * 40.0, ankle[1]), "wrist": wrist,
        "elbow": ((shoulder[0] + wrist[0]) / 2, (shoulder[1] + wrist[1]) / 2), "ear": ear,
        "nose": polar(shoulder, neck + 25.0, head_dir + facing * 10.0),
    }


def side_childs_pose_points(knee_angle_deg: float = 40.0, torso_drop_deg: float = 20.0, arms_forward: bool = True,
                            head_lift_deg: float = 0.0, facing: int = 1) -> dict[str, tuple[float, float]]:
    """Child's pose side-on: shins on the floor, the knee folded to an exact angle, the torso sloping down
    `torso_drop_deg` below horizontal toward the head, arms along the floor ahead or back beside the body."""
    shin, thigh, torso, neck, arm = 230.0, 230.0, 280.0, 70.0, 280.0
    ankle = (500.0 - facing * 250.0, FLOOR_Y)
    knee = (ankle[0] + facing * shin, FLOOR_Y)
    hip = polar(knee, thigh, -facing * (90.0 + knee_angle_deg))
    shoulder = polar(hip, torso, facing * (90.0 - torso_drop_deg))
    ear = polar(shoulder, neck, facing * (90.0 - torso_drop_deg + head_lift_deg))
    # forward: along the floor ahead of the head; otherwise back beside the body with the hands by the knees
    wrist = (shoulder[0] + facing * arm * 0.98, FLOOR_Y - 5.0) if arms_forward else (knee[0], FLOOR_Y - 5.0)
    return {
        "ankle": ankle, "heel": (ankle[0], ankle[1] - 20.0), "foot_index": (ankle[0] - facing * 40.0, FLOOR_Y),
        "knee": knee, "hip": hip, "shoulder": shoulder, "ear": ear,
        "nose": polar(shoulder, neck + 20.0, facing * (100.0 - torso_drop_deg + head_lift_deg)), "wrist": wrist,
        "elbow": ((shoulder[0] + wrist[0]) / 2, (shoulder[1] + wrist[1]) / 2),
    }


def side_downward_dog_points(hip_angle_deg: float = 80.0, elbow_angle_deg: float = 178.0,
                             arm_torso_deg: float = 175.0, leg_back_deg: float = 35.0,
                             facing: int = 1) -> dict[str, tuple[float, float]]:
    """Downward dog side-on, head toward +x (facing=1): legs `leg_back_deg` behind vertical, the torso folded to
    an exact hip angle (shoulder-hip-ankle), the arm bent at the elbow and rotated off the torso line as asked."""
    leg, torso, upper_arm, forearm = 480.0, 300.0, 150.0, 150.0
    hip = (500.0 - facing * 60.0, 400.0)
    ankle = polar(hip, leg, -facing * leg_back_deg)
    torso_dir = hip_angle_deg - leg_back_deg
    shoulder = polar(hip, torso, facing * torso_dir)
    arm_dir = torso_dir - (180.0 - arm_torso_deg)
    half_bend = (180.0 - elbow_angle_deg) / 2
    elbow = polar(shoulder, upper_arm, facing * (arm_dir - half_bend))
    wrist = polar(elbow, forearm, facing * (arm_dir + half_bend))
    return {
        "hip": hip, "knee": polar(hip, leg / 2, -facing * leg_back_deg), "ankle": ankle,
        "heel": (ankle[0] - facing * 20.0, ankle[1] - 10.0), "foot_index": (ankle[0] + facing * 40.0, ankle[1] + 10.0),
        "shoulder": shoulder, "elbow": elbow, "wrist": wrist,
        "ear": polar(shoulder, 70.0, facing * (torso_dir - 20.0)), "nose": polar(shoulder, 90.0, facing * torso_dir),
    }


def side_cobra_points(chest_lift_deg: float = 45.0, elbow_angle_deg: float = 165.0, leg_lift_deg: float = 0.0,
                      head_tilt_deg: float = 20.0, shrug_px: float = 0.0,
                      facing: int = 1) -> dict[str, tuple[float, float]]:
    """Cobra side-on, head toward +x: legs along the floor (or lifted `leg_lift_deg` at the hips), the torso
    raised `chest_lift_deg` from horizontal, the head tilted `head_tilt_deg` up off the torso line, the arm
    bent to an exact elbow angle, and the shoulders shrugged up toward the ears by `shrug_px`."""
    leg, torso, neck, upper_arm, forearm = 450.0, 300.0, 100.0, 150.0, 140.0
    ankle = (500.0 - facing * 420.0, FLOOR_Y - 10.0)
    hip = polar(ankle, leg, facing * (90.0 + leg_lift_deg))
    shoulder = polar(hip, torso, facing * (90.0 + chest_lift_deg))
    ear = polar(shoulder, neck, facing * (90.0 + chest_lift_deg + head_tilt_deg))
    shoulder = (shoulder[0], shoulder[1] - shrug_px)
    elbow = polar(shoulder, upper_arm, -facing * 20.0)
    wrist = polar(elbow, forearm, -facing * 20.0 + facing * (180.0 - elbow_angle_deg))
    return {
        "ankle": ankle, "heel": (ankle[0], ankle[1] - 20.0), "foot_index": (ankle[0] - facing * 30.0, ankle[1] + 10.0),
        "knee": ((ankle[0] + hip[0]) / 2, (ankle[1] + hip[1]) / 2), "hip": hip, "shoulder": shoulder, "ear": ear,
        "nose": polar(shoulder, neck + 20.0, facing * (100.0 + chest_lift_deg + head_tilt_deg)), "elbow": elbow,
        "wrist": wrist,
    }


def side_plank_arm_points(raised: str | None = None, raise_deg: float = 0.0, hip_bend_deg: float = 0.0,
                          facing: int = 1) -> dict[str, tuple[float, float]]:
    """A forearm plank (side_plank_points) with human arm proportions, one arm (`raised` = "left"/"right")
    reaching forward `raise_deg` above horizontal (0 = at shoulder height, -60 = hand near the floor)."""
    # shifted back so an arm reaching forward stays in the picture
    points = {k: (x - facing * 150.0, y) for k, (x, y) in side_plank_points(hip_bend_deg, facing).items()}
    shoulder = points["shoulder"]
    points["elbow"] = (shoulder[0], shoulder[1] + 170.0)
    points["wrist"] = (shoulder[0] + facing * 150.0, shoulder[1] + 170.0)
    if raised is not None:
        points[f"{raised}_elbow"] = polar(shoulder, 150.0, facing * (90.0 + raise_deg))
        points[f"{raised}_wrist"] = polar(shoulder, 300.0, facing * (90.0 + raise_deg))
    return points


def supine_knee_roll_frame(t: float, bent: str = "left", roll_deg: float = 75.0, shoulder_roll_deg: float = 0.0,
                           straight_knee_deg: float = 178.0, bent_knee_deg: float = 80.0,
                           index: int = 0) -> PoseFrame:
    """A person lying on the back, feet toward the camera (a front view), in true 3D.

    One leg is straight (`straight_knee_deg`), the `bent` one is bent to `bent_knee_deg` with the knee pointing
    at the ceiling, then rolled `roll_deg` about the body's long axis toward the floor (90 = knee on the
    floor). `shoulder_roll_deg` rolls the upper body too, lifting the shoulder on the side away from the roll.
    x (px) runs across the body (left at larger x), y (px) down to the floor, z (m) away from the camera.
    """
    other = "right" if bent == "left" else "left"
    out = 1.0 if bent == "left" else -1.0  # the bent knee rolls outward, away from the other leg
    thigh_m, shin_m, hip_z = 0.42, 0.42, 1.0

    def px(metres: float) -> float:
        return metres * PX_PER_M

    points: dict[str, tuple[float, float]] = {}
    depth: dict[str, float] = {}
    half_hips, half_shoulders = 0.1, 0.18
    lift = half_shoulders * math.sin(math.radians(shoulder_roll_deg))
    for side, sign in (("left", 1.0), ("right", -1.0)):
        points[f"{side}_hip"] = (500.0 + sign * px(half_hips), 800.0)
        depth[f"{side}_hip"] = hip_z
        # Rolling toward `out` lifts the shoulder on the other side.
        raise_px = px(lift) if sign != out else -px(lift)
        points[f"{side}_shoulder"] = (500.0 + sign * px(half_shoulders), 800.0 - raise_px)
        depth[f"{side}_shoulder"] = hip_z + 0.5
        points[f"{side}_ear"] = (500.0 + sign * px(0.07), 790.0)
        depth[f"{side}_ear"] = hip_z + 0.7
    points["nose"] = (500.0, 770.0)
    depth["nose"] = hip_z + 0.72
    # straight leg: along the floor toward the camera, bent at the knee by 180 - straight_knee_deg
    hip_x = points[f"{other}_hip"][0]
    knee_up = math.radians(180.0 - straight_knee_deg)
    points[f"{other}_knee"] = (hip_x, 800.0)
    depth[f"{other}_knee"] = hip_z - thigh_m
    points[f"{other}_ankle"] = (hip_x, 800.0 - px(shin_m * math.sin(knee_up)))
    depth[f"{other}_ankle"] = hip_z - thigh_m - shin_m * math.cos(knee_up)
    # bent leg: thigh raised toward the ceiling, shin back down to the foot, in the plane across the body
    # that holds the long axis; then that plane turns by roll_deg about the long axis through the hip.
    thigh_up = math.radians((180.0 - bent_knee_deg) / 2)  # thigh and shin make equal angles with the floor
    knee_height, knee_back = thigh_m * math.sin(thigh_up), thigh_m * math.cos(thigh_up)
    roll = math.radians(roll_deg)
    hip_x, hip_y = points[f"{bent}_hip"]
    points[f"{bent}_knee"] = (hip_x + out * px(knee_height * math.sin(roll)), hip_y - px(knee_height * math.cos(roll)))
    depth[f"{bent}_knee"] = hip_z - knee_back
    points[f"{bent}_ankle"] = (hip_x, hip_y)
    depth[f"{bent}_ankle"] = hip_z - 2 * knee_back
    for side in ("left", "right"):
        for part in ("heel", "foot_index"):
            points[f"{side}_{part}"] = points[f"{side}_ankle"]
            depth[f"{side}_{part}"] = depth[f"{side}_ankle"]
    return pose_frame(points, t, index=index, view="front", depth_m=depth)


# -- hinges, floor work, push-ups, lunges, cycling and walking (deadlift ... walking specs) ------------------

Points = dict[str, tuple[float, float]]


def _feet(ankle: tuple[float, float], facing: int, heel_lift_px: float = 0.0) -> Points:
    """A foot flat on the floor in front of `ankle`, its heel lifted by `heel_lift_px`."""
    return {"heel": (ankle[0] - facing * 30.0, ankle[1] + 10.0 - heel_lift_px),
            "foot_index": (ankle[0] + facing * 90.0, ankle[1] + 10.0)}


def side_hinge_points(hip_angle_deg: float, knee_angle_deg: float = 170.0, facing: int = 1,
                      wrist_ahead_px: float = 40.0, heel_lift_px: float = 0.0) -> Points:
    """A side-on lifter (deadlift, RDL) with exact 2D hip and knee angles, hands hanging with the weight.

    The shin tilts forward by half the knee bend and the thigh back by the other half; the torso leans forward
    by whatever makes the hip angle exact, so torso lean from vertical = 180 - hip - knee bend / 2.
    `wrist_ahead_px` puts the hands (the bar) that far ahead of the ankle.
    """
    bend = 180.0 - knee_angle_deg
    ankle = (500.0, 900.0)
    knee = polar(ankle, 220.0, 180.0 - facing * bend / 2)
    hip = polar(knee, 230.0, 180.0 + facing * bend / 2)
    lean = 180.0 - hip_angle_deg - bend / 2
    shoulder = polar(hip, 300.0, 180.0 - facing * lean)
    ear = polar(shoulder, 60.0, 180.0 - facing * lean)
    wrist = (ankle[0] + facing * wrist_ahead_px, max(shoulder[1] + 80.0, min(shoulder[1] + 330.0, 860.0)))
    elbow = ((shoulder[0] + wrist[0]) / 2, (shoulder[1] + wrist[1]) / 2)
    return {"ankle": ankle, **_feet(ankle, facing, heel_lift_px), "knee": knee, "hip": hip,
            "shoulder": shoulder, "ear": ear, "nose": polar(ear, 25.0, 90.0 * facing), "elbow": elbow,
            "wrist": wrist}


def bent_midpoint(a: tuple[float, float], b: tuple[float, float], bend_deg: float) -> tuple[float, float]:
    """The point halfway between `a` and `b`, moved off their line so the angle there is 180 - |bend_deg|:
    toward the floor (+y) for a positive bend (a sag), away from it for a negative one (a pike)."""
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    half = math.dist(a, b) / 2
    ux, uy = (b[0] - a[0]) / (2 * half), (b[1] - a[1]) / (2 * half)
    nx, ny = (-uy, ux) if ux > 0 else (uy, -ux)  # the normal pointing toward the floor (+y)
    offset = half * math.tan(math.radians(abs(bend_deg)) / 2) * (1.0 if bend_deg > 0 else -1.0)
    return mid[0] + nx * offset, mid[1] + ny * offset


def side_bridge_points(hip_line_deg: float, facing: int = 1, heel_lift_px: float = 0.0) -> Points:
    """Lying on the back, knees up and feet flat, head toward +x (facing=1): the hips sit `hip_line_deg` below
    the shoulder-knee line (positive, hips down) or above it (negative, an arched bridge)."""
    floor = 800.0
    shoulder = (500.0 + facing * 250.0, floor - 20.0)
    knee = (500.0 - facing * 200.0, floor - 200.0)
    ankle = (knee[0] - facing * 60.0, floor - 10.0)
    hip = bent_midpoint(shoulder, knee, hip_line_deg)
    ear = (shoulder[0] + facing * 60.0, shoulder[1] - 5.0)
    return {"shoulder": shoulder, "hip": hip, "knee": knee, "ankle": ankle,
            "heel": (ankle[0] + facing * 20.0, floor - heel_lift_px), "foot_index": (ankle[0] - facing * 70.0, floor),
            "ear": ear, "nose": (ear[0] + facing * 20.0, ear[1] - 10.0), "elbow": (shoulder[0] - facing * 100.0, floor),
            "wrist": (shoulder[0] - facing * 200.0, floor)}


def side_crunch_points(torso_rise_deg: float, knee_angle_deg: float = 70.0, facing: int = 1) -> Points:
    """Lying on the back, head toward +x (facing=1), hips on the floor and the hip-shoulder line raised
    `torso_rise_deg` from the floor; the knee is bent to an exact angle with the foot on the floor."""
    floor = 800.0
    hip = (500.0, floor - 20.0)
    half_span = 220.0 * math.sin(math.radians(knee_angle_deg) / 2)
    knee_height = 220.0 * math.cos(math.radians(knee_angle_deg) / 2)
    ankle = (hip[0] - facing * 2 * half_span, hip[1])
    knee = (hip[0] - facing * half_span, hip[1] - knee_height)
    rise = math.radians(torso_rise_deg)
    shoulder = (hip[0] + facing * 300.0 * math.cos(rise), hip[1] - 300.0 * math.sin(rise))
    ear = (shoulder[0] + facing * 60.0 * math.cos(rise), shoulder[1] - 60.0 * math.sin(rise))
    return {"hip": hip, "knee": knee, "ankle": ankle, "heel": (ankle[0] + facing * 20.0, floor),
            "foot_index": (ankle[0] - facing * 70.0, floor), "shoulder": shoulder, "ear": ear,
            "nose": (ear[0] + facing * 15.0, ear[1] - 15.0), "elbow": (shoulder[0] + facing * 60.0, shoulder[1] - 80.0),
            "wrist": (ear[0], ear[1] - 20.0)}


def side_bird_dog_points(left_hip_deg: float = 95.0, right_hip_deg: float = 95.0, left_arm_deg: float = 0.0,
                         right_arm_deg: float = 0.0, torso_tilt_deg: float = 0.0, head_drop_deg: float = 0.0,
                         facing: int = -1) -> Points:
    """On hands and knees, side-on, head toward +x (facing=1) or -x, each limb set on its own.

    `*_hip_deg` is the angle at that hip between torso and thigh (about 90 kneeling, 180 reaching straight
    back); `*_arm_deg` is the arm's angle from straight down (0 supporting, 90 reaching forward level);
    `torso_tilt_deg` raises the shoulders above the hips; `head_drop_deg` bends the neck down off the torso line.
    """
    hip = (500.0 - facing * 55.0, 500.0)
    torso_dir = facing * (90.0 + torso_tilt_deg)
    shoulder = polar(hip, 250.0, torso_dir)
    points: Points = {"hip": hip, "shoulder": shoulder}
    ear = polar(shoulder, 70.0, torso_dir - facing * head_drop_deg)
    points.update({"ear": ear, "nose": polar(ear, 20.0, torso_dir - facing * 90.0)})
    for side, hip_deg, arm_deg in (("left", left_hip_deg, left_arm_deg), ("right", right_hip_deg, right_arm_deg)):
        thigh_dir = torso_dir - facing * hip_deg
        knee = polar(hip, 180.0, thigh_dir)
        # kneeling: the shin lies along the floor behind the knee; reaching: the leg is straight
        ankle = polar(knee, 180.0, thigh_dir) if hip_deg >= 120.0 else (knee[0] - facing * 180.0, knee[1])
        wrist = polar(shoulder, 220.0, facing * arm_deg)
        points.update({f"{side}_knee": knee, f"{side}_ankle": ankle, f"{side}_heel": ankle,
                       f"{side}_foot_index": (ankle[0] - facing * 30.0, ankle[1]),
                       f"{side}_wrist": wrist, f"{side}_elbow": polar(shoulder, 110.0, facing * arm_deg)})
    return points


def side_pushup_points(elbow_angle_deg: float, hip_bend_deg: float = 0.0, facing: int = 1,
                       forearm_tilt_deg: float = 0.0, head_drop_deg: float = 0.0) -> Points:
    """A side-on push-up, head toward +x: hands on the floor, an exact 2D elbow angle, the body a line from
    ankle to shoulder with the hips `hip_bend_deg` below it (sag, positive) or above it (pike, negative).

    The forearm stands vertical unless `forearm_tilt_deg` leans the elbow back toward the feet (hands placed
    far forward): then the elbow bends while the upper arm stays steep, a shallow rep.
    """
    floor = 800.0
    wrist = (650.0 if facing == 1 else 350.0, floor)
    elbow = polar(wrist, 130.0, 180.0 + facing * forearm_tilt_deg)
    shoulder = polar(elbow, 140.0, facing * (forearm_tilt_deg + elbow_angle_deg))
    ankle = (wrist[0] - facing * 650.0, floor - 20.0)
    hip = bent_midpoint(ankle, shoulder, hip_bend_deg)
    body_dir = _direction_deg(hip, shoulder)
    ear = polar(shoulder, 70.0, body_dir - facing * head_drop_deg)
    return {"wrist": wrist, "elbow": elbow, "shoulder": shoulder, "hip": hip, "ankle": ankle,
            "knee": ((hip[0] + ankle[0]) / 2, (hip[1] + ankle[1]) / 2),
            "heel": (ankle[0] - facing * 10.0, ankle[1] - 30.0),
            "foot_index": (ankle[0] + facing * 10.0, ankle[1] + 20.0), "ear": ear,
            "nose": polar(ear, 20.0, body_dir - facing * 90.0)}


def side_lunge_points(front_knee_deg: float, back_knee_deg: float, torso_lean_deg: float = 5.0,
                      facing: int = 1) -> Points:
    """A side-on split stance with exact 2D knee angles: the left leg in front, the right behind."""
    hip = (500.0, 450.0)
    front_thigh = (180.0 - front_knee_deg) * 0.9  # from straight down, forward
    front_knee = polar(hip, 220.0, facing * front_thigh)
    front_ankle = polar(front_knee, 220.0, facing * (front_thigh + front_knee_deg - 180.0))
    back_thigh = (180.0 - back_knee_deg) * 0.3  # from straight down, backward
    back_knee = polar(hip, 220.0, -facing * back_thigh)
    back_ankle = polar(back_knee, 220.0, facing * (180.0 - back_thigh + back_knee_deg))
    shoulder = polar(hip, 300.0, 180.0 - facing * torso_lean_deg)
    ear = polar(shoulder, 60.0, 180.0 - facing * torso_lean_deg)
    points: Points = {"hip": hip, "shoulder": shoulder, "ear": ear, "nose": (ear[0] + facing * 25.0, ear[1]),
                      "elbow": polar(shoulder, 130.0, 0.0), "wrist": polar(shoulder, 250.0, 0.0)}
    for side, knee, ankle in (("left", front_knee, front_ankle), ("right", back_knee, back_ankle)):
        points.update({f"{side}_knee": knee, f"{side}_ankle": ankle,
                       **{f"{side}_{k}": v for k, v in _feet(ankle, facing).items()}})
    return points


def side_cycling_points(knee_angle_deg: float, facing: int = 1) -> Points:
    """A rider side-on on a bike, head toward +x: the near leg's knee at an exact 2D angle, torso leaning
    forward to the bars."""
    hip = (450.0, 450.0)
    thigh = 40.0  # from straight down, forward
    knee = polar(hip, 230.0, facing * thigh)
    ankle = polar(knee, 230.0, facing * (thigh + knee_angle_deg - 180.0))
    shoulder = polar(hip, 300.0, 180.0 - facing * 45.0)
    ear = polar(shoulder, 60.0, 180.0 - facing * 45.0)
    return {"hip": hip, "knee": knee, "ankle": ankle, **_feet(ankle, facing), "shoulder": shoulder, "ear": ear,
            "nose": (ear[0] + facing * 25.0, ear[1]), "elbow": polar(shoulder, 130.0, facing * 60.0),
            "wrist": polar(shoulder, 250.0, facing * 70.0)}


def side_walking_points(knee_angle_deg: float = 175.0, torso_lean_deg: float = 2.0, head_drop_deg: float = 0.0,
                        facing: int = 1) -> Points:
    """A walker side-on, head up: the near leg's knee at an exact 2D angle (bent as it swings through), the
    torso leaning `torso_lean_deg` and the head bent `head_drop_deg` forward off the torso line."""
    hip = (500.0, 450.0)
    thigh = (180.0 - knee_angle_deg) * 0.5
    knee = polar(hip, 220.0, facing * thigh)
    ankle = polar(knee, 220.0, facing * (thigh + knee_angle_deg - 180.0))
    shoulder = polar(hip, 300.0, 180.0 - facing * torso_lean_deg)
    ear = polar(shoulder, 60.0, 180.0 - facing * (torso_lean_deg + head_drop_deg))
    return {"hip": hip, "knee": knee, "ankle": ankle, **_feet(ankle, facing), "shoulder": shoulder, "ear": ear,
            "nose": (ear[0] + facing * 25.0, ear[1]), "elbow": polar(shoulder, 130.0, 0.0),
            "wrist": polar(shoulder, 250.0, 0.0)}
