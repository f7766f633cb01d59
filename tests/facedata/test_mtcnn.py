"""MTCNN, the default detector, on real photos that ship in packages: faces found where
they are, with their landmarks; no face on photos without one; its settings and pyramid."""

from __future__ import annotations

import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from photos import (
    FACE_PHOTOS,
    NON_FACE_PHOTOS,
    astronaut_bgr,
    face_centre,
    grace_hopper_bgr,
    inside,
    iou,
    lfw_subset,
    non_face_bgr,
)

pytest.importorskip("mtcnn")

from facedata.faces import Face, crop_face, detector_named, face_crop, largest
from facedata.mtcnn_detector import MTCNNFaceDetector, _Networks, pyramid


@pytest.fixture(scope="module")
def mtcnn() -> MTCNNFaceDetector:
    """The shared default detector (its networks are built once per process)."""
    return detector_named("mtcnn")


@pytest.mark.parametrize("name", sorted(FACE_PHOTOS))
def test_finds_the_face_in_real_photos(mtcnn, name):
    image, marks = FACE_PHOTOS[name]
    faces = mtcnn.detect_faces(image())
    assert len(faces) == 1
    face = faces[0]
    assert all(isinstance(v, int) for v in face.box) and face.confidence >= 0.9
    for point in [*marks["eyes"], marks["mouth"]]:
        assert inside(point, face.box, slack=0.05), (point, face.box)
    if len(marks["eyes"]) == 2:  # frontal: the box is centred on the face, landmarks on the eyes
        x, y, w, h = face.box
        distance = np.linalg.norm(np.subtract(*marks["eyes"]))
        assert np.linalg.norm(np.array([x + w / 2, y + h / 2]) - face_centre(marks)) < 0.15 * w
        for found, truth in zip(face.eyes, marks["eyes"], strict=True):
            assert np.linalg.norm(np.subtract(found, truth)) < 0.15 * distance, (found, truth)
        mouth = np.mean(face.landmarks[3:5], axis=0)
        assert np.linalg.norm(mouth - marks["mouth"]) < 0.25 * distance
    assert mtcnn.detect(image()) == [face.box]


@pytest.mark.slow
def test_lfw_faces_are_found_and_non_faces_are_not(mtcnn):
    """scikit-image's LFW subset (enlarged 4 times, with a border): all 100 faces
    found, centred on the face; none of the 100 non-faces taken for a face."""
    images = lfw_subset()
    faces = [largest(mtcnn.detect_faces(image)) for image in images[:100]]
    found = [face for face in faces if face is not None]
    assert len(found) >= 98
    for face in found:  # the enlarged face spans 30..130 on both axes
        assert inside((80, 80), face.box, slack=0.25) and 55 <= face.box[2] <= 130
    assert sum(bool(mtcnn.detect(image)) for image in images[100:]) == 0


@pytest.mark.parametrize("name", NON_FACE_PHOTOS)
def test_no_face_in_photos_without_one(mtcnn, name):
    image = non_face_bgr(name)
    assert mtcnn.detect(image) == []
    assert face_crop(image, mtcnn) is None


@pytest.mark.parametrize(
    "image",
    [
        lambda: np.full((240, 320, 3), 90, np.uint8),
        lambda: np.random.default_rng(0).integers(0, 256, (240, 320, 3), dtype=np.uint8),
        lambda: np.zeros((8, 8, 3), np.uint8),  # smaller than the smallest face
    ],
    ids=["flat", "noise", "tiny"],
)
def test_no_face_in_flat_noise_and_tiny_images(mtcnn, image):
    assert mtcnn.detect_faces(image()) == []


def test_grey_images_are_accepted(mtcnn):
    colour = mtcnn.detect(grace_hopper_bgr())[0]
    grey = mtcnn.detect(cv2.cvtColor(grace_hopper_bgr(), cv2.COLOR_BGR2GRAY))
    assert len(grey) == 1 and iou(grey[0], colour) > 0.8


def test_settings_are_checked_and_named():
    for bad in (
        dict(min_size_fraction=1.5),
        dict(min_confidence=-0.1),
        dict(thresholds=(0.6, 0.7)),
        dict(thresholds=(0.6, 0.7, 1.2)),
        dict(scale_factor=1.0),
    ):
        with pytest.raises(ValueError):
            MTCNNFaceDetector(**bad)
    with pytest.raises(ValueError, match="uint8"):
        MTCNNFaceDetector().detect(np.zeros((50, 50, 3), np.float32))
    described = repr(MTCNNFaceDetector(min_confidence=0.95, landmarks=False))
    assert "min_confidence=0.95" in described and "landmarks=False" in described


def test_without_landmarks_the_crop_is_the_unaligned_square(mtcnn):
    image = astronaut_bgr()
    plain = MTCNNFaceDetector(landmarks=False)
    face = plain.detect_faces(image)[0]
    assert face.landmarks is None and face.eyes is None and face.crop_box() == face.box
    np.testing.assert_array_equal(face_crop(image, plain), crop_face(image, face.box))
    aligned = face_crop(image, mtcnn)
    assert not np.array_equal(face_crop(image, plain), aligned)


def test_the_pyramid_spans_the_faces_asked_for():
    scales = pyramid(240, 24, 0.709)
    assert scales[0] == pytest.approx(0.5)  # a 24-pixel face onto the 12-pixel window
    assert np.allclose(np.diff(np.log(scales)), np.log(0.709))
    assert 240 * scales[-1] >= 12 > 240 * scales[-1] * 0.709  # down to the window, no further
    assert pyramid(20, 24, 0.709) == []  # the image is smaller than the smallest face


def test_min_size_fraction_sets_the_smallest_face():
    """Grace Hopper's face is a third of the photo's width; the astronaut's a sixth.
    mtcnn 1.0's own pyramid found no face at all with its min_face_size raised."""
    assert len(MTCNNFaceDetector(min_size_fraction=0.3).detect(grace_hopper_bgr())) == 1
    assert MTCNNFaceDetector(min_size_fraction=0.5).detect(astronaut_bgr()) == []
    assert len(MTCNNFaceDetector(min_size_fraction=0.15).detect(astronaut_bgr())) == 1


def test_min_confidence_drops_weak_faces(mtcnn):
    face = mtcnn.detect_faces(grace_hopper_bgr())[0]
    strict = MTCNNFaceDetector(min_confidence=min(1.0, face.confidence + 1e-6))
    assert strict.detect(grace_hopper_bgr()) == []


def test_weights_come_from_the_package_not_the_working_directory(tmp_path, monkeypatch):
    """The mtcnn package looks for ``pnet.lz4`` in the working directory first; ours
    reads the package's own files whatever lies there."""
    for name in ("pnet.lz4", "rnet.lz4", "onet.lz4"):
        (tmp_path / name).write_bytes(b"not weights")
    monkeypatch.chdir(tmp_path)
    networks = _Networks()
    rgb = cv2.cvtColor(astronaut_bgr(), cv2.COLOR_BGR2RGB)
    rows = networks.detect(rgb, 51.2, 0.709, (0.6, 0.7, 0.8))
    assert len(rows) == 1 and rows[0, 5] > 0.9


def test_faces_are_face_objects_best_first(mtcnn):
    two = np.hstack([grace_hopper_bgr()[100:400, 150:400], grace_hopper_bgr()[100:400, 150:400]])
    faces = mtcnn.detect_faces(two)
    assert len(faces) == 2 and all(isinstance(f, Face) and len(f.landmarks) == 5 for f in faces)
    assert faces[0].confidence >= faces[1].confidence
    assert sorted(f.box[0] < 250 for f in faces) == [False, True]  # one face in each half


@pytest.mark.slow
def test_tensorflow_start_up_is_quiet():
    """Detecting in a fresh process prints nothing on stderr (TensorFlow's C++ start-up
    messages are turned down before it is imported)."""
    code = (
        "from facedata.faces import face_crop; import skimage.data, cv2; "
        "image = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR); "
        "print(face_crop(image, 'mtcnn').shape)"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(96, 96, 3)"
    assert done.stderr.strip() == ""
