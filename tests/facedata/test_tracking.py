"""Following a face between detections: a moving face is followed, a lost face is
detected again at once, the landmarks turn with the head; a real detector (MTCNN)
on a real face moved across a textured scene."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from photos import astronaut_bgr, iou

pytest.importorskip("mtcnn")

from facedata.faces import Face, detector_named, largest
from facedata.tracking import FaceTracker

WIDTH, HEIGHT = 320, 240


def scene(seed: int = 3) -> np.ndarray:
    """A textured background (smooth noise), as a room or a street gives the flow."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.uniform(0, 255, (HEIGHT, WIDTH, 3)), (0, 0), 3)
    return np.clip(60 + 0.5 * noise, 0, 255).astype(np.uint8)


# the astronaut's head and shoulders, 130 pixels square; its eyes' midpoint in the patch
PATCH = cv2.resize(astronaut_bgr()[30:230, 124:324], (130, 130), interpolation=cv2.INTER_AREA)
PATCH_EYES = (np.array([(203, 100), (245, 102)]) - (124, 30)) * 130 / 200


def frame_with_face(x: float, y: float, degrees: float = 0.0, background=None) -> np.ndarray:
    """The background with the patch pasted at (x, y) (its top-left corner), turned
    ``degrees`` counter-clockwise about its centre (the corners are background)."""
    frame = (scene() if background is None else background).copy()
    patch = PATCH
    mask = np.full(PATCH.shape[:2], 255, np.uint8)
    if degrees:
        turn = cv2.getRotationMatrix2D((65, 65), degrees, 1.0)
        patch = cv2.warpAffine(PATCH, turn, (130, 130), flags=cv2.INTER_LINEAR)
        mask = cv2.warpAffine(mask, turn, (130, 130), flags=cv2.INTER_NEAREST)
    shift = np.float32([[1, 0, x], [0, 1, y]])
    pasted = cv2.warpAffine(patch, shift, (WIDTH, HEIGHT))
    where = cv2.warpAffine(mask, shift, (WIDTH, HEIGHT)) > 0
    frame[where] = pasted[where]
    return frame


def eyes_at(x: float, y: float, degrees: float = 0.0) -> np.ndarray:
    """Where the pasted patch's eyes are in the frame."""
    turn = math.radians(-degrees)  # counter-clockwise on screen is clockwise in (x, y-down)
    rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    return (PATCH_EYES - 65) @ rotation.T + 65 + (x, y)


def roll(eyes) -> float:
    """The angle of the line from the left eye to the right one, in degrees."""
    (lx, ly), (rx, ry) = eyes
    return math.degrees(math.atan2(ry - ly, rx - lx))


def test_a_moving_face_is_followed_between_detections():
    tracker = FaceTracker("mtcnn", every=10, detect_side=240)
    for i in range(30):
        x, y = 20 + 5 * i, 40 + 2 * math.sin(i / 3) * 10
        face = tracker.update(frame_with_face(x, y))
        assert face is not None, i
        eyes = np.asarray(face.eyes)
        assert np.abs(eyes - eyes_at(x, y)).max() < 4.0, (i, eyes, eyes_at(x, y))
    assert tracker.detections == 3 and tracker.tracked == 27  # frames 0, 10 and 20 detected


def test_tracking_agrees_with_detection():
    """Each tracked face is where the detector would have put it."""
    tracker, mtcnn = FaceTracker("mtcnn", every=30), detector_named("mtcnn")
    for i in range(12):
        frame = frame_with_face(30 + 6 * i, 50 + 3 * i)
        tracked = tracker.update(frame)
        detected = largest(mtcnn.detect_faces(frame))
        assert iou(tracked.box, detected.box) > 0.75, i
        assert np.abs(np.subtract(tracked.eyes, detected.eyes)).max() < 3.0, i
    assert tracker.detections == 1


def test_a_lost_face_is_detected_again_at_once():
    tracker = FaceTracker("mtcnn", every=30)
    for i in range(5):
        tracker.update(frame_with_face(20 + 4 * i, 40))
    assert tracker.detections == 1
    # a cut: the face is now on the other side of the picture
    face = tracker.update(frame_with_face(180, 90))
    assert tracker.detections == 2
    assert np.abs(np.asarray(face.eyes) - eyes_at(180, 90)).max() < 4.0
    # the face leaves: only the background is left; nothing is tracked on it
    assert tracker.update(scene()) is None and tracker.detections == 3
    assert tracker.update(scene()) is None and tracker.detections == 4  # detect until it returns
    assert tracker.update(frame_with_face(60, 60)) is not None and tracker.detections == 5
    assert tracker.tracked == 4


def test_the_landmarks_turn_with_the_head():
    tracker = FaceTracker("mtcnn", every=30)
    for i in range(13):
        degrees = 2.0 * i
        face = tracker.update(frame_with_face(90, 50, degrees))
        assert roll(face.eyes) == pytest.approx(roll(eyes_at(90, 50, degrees)), abs=2.5)
    assert tracker.detections == 1


def test_faces_come_back_at_the_frame_s_scale():
    """Detection and tracking run on a copy scaled to ``detect_side``; the face comes
    back in the full frame's coordinates."""
    big = [cv2.resize(frame_with_face(40 + 5 * i, 50), None, fx=2, fy=2) for i in range(4)]
    tracker = FaceTracker("mtcnn", every=2, detect_side=240)
    full = detector_named("mtcnn")
    for frame in big:
        face = tracker.update(frame)
        assert iou(face.box, largest(full.detect_faces(frame)).box) > 0.7
    assert tracker.detections == 2 and tracker.tracked == 2


def test_every_frame_detected_with_every_1_and_haar_gives_boxes_only():
    tracker = FaceTracker("haar", every=1)
    faces = [tracker.update(frame_with_face(40 + 5 * i, 50)) for i in range(3)]
    assert tracker.detections == 3 and tracker.tracked == 0
    assert all(isinstance(f, Face) and f.landmarks is None for f in faces)


def test_settings_are_checked():
    for bad in (dict(every=0), dict(detect_side=8), dict(min_points=2), dict(max_error=0)):
        with pytest.raises(ValueError):
            FaceTracker("haar", **bad)
    with pytest.raises(ValueError, match="unknown face detector"):
        FaceTracker("dlib")
    tracker = FaceTracker("mtcnn", every=5)
    tracker.update(frame_with_face(40, 40))
    tracker.reset()
    tracker.update(frame_with_face(42, 40))
    assert tracker.detections == 2
