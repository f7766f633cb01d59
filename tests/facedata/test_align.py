"""Alignment on the eyes: the geometry (exact, on drawn images) and, on real photos
turned by hand, eyes level and at the documented place in the crop after MTCNN."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from photos import astronaut_bgr, grace_hopper_bgr, rotated

from facedata.align import (
    EYE_DISTANCE,
    EYE_LINE,
    aligned_crop,
    crop_transform,
    eyes_in_crop,
    face_box,
    face_square,
)
from facedata.faces import crop_face


def test_the_face_square_of_level_eyes():
    centre, side, angle = face_square((100, 100), (137, 100))
    assert side == pytest.approx(37 / EYE_DISTANCE)
    assert angle == pytest.approx(0.0)
    assert centre == pytest.approx((118.5, 100 + (0.5 - EYE_LINE) * side))
    x, y, w, h = face_box((100, 100), (137, 100))
    assert (x, y) == (round(118.5 - side / 2), round(centre[1] - side / 2))
    assert abs(w - side) <= 1 and abs(h - side) <= 1


def test_the_face_square_turns_with_the_eyes():
    """Eyes on a vertical line (the head rolled a quarter turn, right eye below):
    the face lies to the left of the eye line, the angle is 90 degrees."""
    centre, side, angle = face_square((50, 50), (50, 87))
    assert angle == pytest.approx(90.0) and side == pytest.approx(100)
    assert centre == pytest.approx((50 - (0.5 - EYE_LINE) * 100, 68.5))
    with pytest.raises(ValueError, match="apart"):
        face_square((10, 10), (10, 10))


@pytest.mark.parametrize("size", [64, 96, 128])
@pytest.mark.parametrize("margin", [0.0, 0.2, 0.5])
def test_the_transform_puts_the_eyes_where_documented(size, margin):
    rng = np.random.default_rng(size + int(10 * margin))
    for _ in range(20):
        left = rng.uniform(50, 300, 2)
        turn, distance = rng.uniform(-math.pi / 3, math.pi / 3), rng.uniform(10, 120)
        right = left + distance * np.array([math.cos(turn), math.sin(turn)])
        matrix = crop_transform(left, right, size, margin)
        for eye, expected in zip((left, right), eyes_in_crop(size, margin), strict=True):
            np.testing.assert_allclose(matrix @ [*eye, 1.0], expected, atol=1e-9)
    (lx, ly), (rx, _) = eyes_in_crop(96, 0.2)
    assert (rx - lx) / 96 == pytest.approx(0.37 / 1.4) and ly / 96 == pytest.approx(0.59 / 1.4)


def two_dots(size: tuple[int, int], left, right, radius: float = 3.0) -> np.ndarray:
    """A smooth grey texture with two white dots (the eyes) drawn at sub-pixel places."""
    height, width = size
    rng = np.random.default_rng(7)
    image = cv2.GaussianBlur(rng.uniform(40, 120, (height, width)), (0, 0), 4)
    ys, xs = np.mgrid[0:height, 0:width] + 0.5  # pixel centres
    for cx, cy in (left, right):
        image = np.maximum(image, 255 * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / radius**2))
    return cv2.cvtColor(image.astype(np.uint8), cv2.COLOR_GRAY2BGR)


def centroids(crop: np.ndarray) -> list[np.ndarray]:
    """The centres of the two brightest blobs of a crop, left first (continuous coordinates)."""
    grey = (crop[..., 0] + 1) * 127.5
    mask = (grey > 170).astype(np.uint8)
    n, labels = cv2.connectedComponents(mask)
    assert n == 3, f"expected two bright dots, found {n - 1}"
    ys, xs = np.mgrid[0 : grey.shape[0], 0 : grey.shape[1]] + 0.5
    weight = np.clip(grey - 170, 0, None)
    found = []
    for k in (1, 2):
        w = weight * (labels == k)
        found.append(np.array([(xs * w).sum(), (ys * w).sum()]) / w.sum())
    return sorted(found, key=lambda p: p[0])


@pytest.mark.parametrize("degrees", [0.0, 17.0, -35.0, 60.0])
@pytest.mark.parametrize("distance", [24.0, 90.0])  # the crop enlarges, or shrinks
def test_a_drawn_pair_of_eyes_lands_level_at_its_place(degrees, distance):
    turn = math.radians(degrees)
    left = np.array([180.3, 150.6])
    right = left + distance * np.array([math.cos(turn), math.sin(turn)])
    image = two_dots((360, 400), left, right, radius=distance / 12)
    crop = aligned_crop(image, left, right, size=96, margin=0.2)
    assert crop.shape == (96, 96, 3) and crop.dtype == np.float32
    assert -1.0 <= crop.min() and crop.max() <= 1.0
    for found, expected in zip(centroids(crop), eyes_in_crop(96, 0.2), strict=True):
        np.testing.assert_allclose(found, expected, atol=0.6)


def test_level_eyes_crop_the_square_around_the_face_box():
    """With the eyes level, the aligned crop is the unaligned square crop of the face
    box the eyes define (the same pixels, up to interpolation)."""
    image = astronaut_bgr()
    left, right = (202.0, 101.0), (246.4, 101.0)
    aligned = aligned_crop(image, left, right, size=64, margin=0.2)
    (cx, cy), side, _ = face_square(left, right)
    box = (round(cx - side / 2), round(cy - side / 2), round(side), round(side))
    plain = crop_face(image, box, size=64, margin=0.2)
    assert np.abs(aligned - plain).mean() < 0.05  # the resampling differs a little
    shifted = crop_face(image, (box[0] + 4, *box[1:]), size=64, margin=0.2)
    assert np.abs(aligned - shifted).mean() > 2 * np.abs(aligned - plain).mean()


def test_outside_the_picture_the_border_repeats_and_nothing_fails():
    image = np.zeros((100, 100, 3), np.uint8)
    image[:, 50:] = 200
    crop = aligned_crop(image, (2, 3), (30, 3), size=32)  # most of the crop is off the image
    assert crop.shape == (32, 32, 3)
    values = np.unique(np.round((crop + 1) * 127.5))
    assert set(values.tolist()) <= {0.0, 200.0} | set(range(1, 200))  # no black padding of its own
    with pytest.raises(ValueError, match="outside"):
        aligned_crop(image, (900, 900), (930, 900))
    with pytest.raises(ValueError, match="uint8"):
        aligned_crop(image.astype(np.float32), (20, 20), (40, 20))
    with pytest.raises(ValueError, match="apart"):
        aligned_crop(image, (20, 20), (20, 20))
    grey = aligned_crop(image[..., 0], (40, 40), (60, 40), size=16)
    assert grey.shape == (16, 16, 3) and np.array_equal(grey[..., 0], grey[..., 2])


@pytest.mark.parametrize(
    "photo", [astronaut_bgr, grace_hopper_bgr], ids=["astronaut", "grace_hopper"]
)
@pytest.mark.parametrize("degrees", [-30.0, -8.0, 20.0])
def test_after_alignment_the_eyes_are_level_at_the_documented_place(photo, degrees):
    """A real photo turned by hand; MTCNN finds the face and its eyes, the crop is
    aligned on them; MTCNN run again on the crop finds the eyes level, at the
    documented height and distance."""
    pytest.importorskip("mtcnn")
    from facedata.faces import detector_named, face_crop, largest

    mtcnn = detector_named("mtcnn")
    image = rotated(photo(), degrees)
    crop = face_crop(image, mtcnn, size=128, margin=0.2)
    as_image = np.ascontiguousarray(np.round((crop[..., ::-1] + 1) * 127.5).astype(np.uint8))
    again = largest(mtcnn.detect_faces(as_image))
    assert again is not None
    (lx, ly), (rx, ry) = again.eyes
    (ex, ey), (fx, _) = eyes_in_crop(128, 0.2)
    assert abs(math.degrees(math.atan2(ry - ly, rx - lx))) < 3.0  # level
    assert abs((ly + ry) / 2 - ey) < 0.03 * 128  # at the documented height
    assert abs((rx - lx) / (fx - ex) - 1) < 0.08  # the documented distance apart
    assert abs((lx + rx) / 2 - 64) < 0.03 * 128  # either side of the middle
