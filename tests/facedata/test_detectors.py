"""Detectors by name or as objects, the crop path with and without landmarks, and the
crop cache's key, which must change with the detector that makes the crops."""

from __future__ import annotations

import numpy as np
import pytest
from photos import ASTRONAUT, astronaut_bgr

from facedata._pipeline import FaceOptions
from facedata.align import aligned_crop
from facedata.cache import cache_key
from facedata.faces import (
    DETECTORS,
    Face,
    FaceDetector,
    FixedFaces,
    HaarFaceDetector,
    LandmarkDetector,
    crop_face,
    default_detector,
    detector_named,
    face_crop,
    find_faces,
    largest,
    resolve_detector,
)


class EyesKnown:
    """A detector of one face whose eyes are known: a plain class with both methods,
    as any detector with landmarks can be plugged in."""

    def __init__(self, box, eyes):
        self.face = Face(box, 0.99, (*eyes, (0.0, 0.0), (0.0, 0.0), (0.0, 0.0)))

    def detect(self, image_bgr):
        return [self.face.box]

    def detect_faces(self, image_bgr):
        return [self.face]


def test_detectors_by_name():
    assert DETECTORS == ("mtcnn", "haar")
    assert isinstance(detector_named("haar"), HaarFaceDetector)
    assert type(detector_named("mtcnn")).__name__ == "MTCNNFaceDetector"
    assert detector_named("mtcnn") is detector_named("mtcnn")  # one per process
    assert resolve_detector(None) is default_detector() is detector_named("mtcnn")
    assert resolve_detector(" MTCNN ") is detector_named("mtcnn")
    mine = HaarFaceDetector(min_neighbors=3)
    assert resolve_detector(mine) is mine
    with pytest.raises(ValueError, match="unknown face detector 'dlib'; choose from mtcnn, haar"):
        resolve_detector("dlib")
    with pytest.raises(TypeError, match="detect"):
        resolve_detector(object())


def test_find_faces_takes_landmarks_where_the_detector_gives_them():
    image = astronaut_bgr()
    known = EyesKnown((180, 60, 85, 110), ASTRONAUT["eyes"])
    assert isinstance(known, LandmarkDetector) and isinstance(known, FaceDetector)
    assert find_faces(image, known) == [known.face]
    boxes_only = FixedFaces(((1, 2, 30, 30), (5, 5, 60, 40)))
    assert not isinstance(boxes_only, LandmarkDetector)
    found = find_faces(image, boxes_only)
    assert [f.box for f in found] == list(boxes_only.boxes) and all(f.eyes is None for f in found)
    assert largest(found).box == (5, 5, 60, 40) and largest([]) is None


def test_the_crop_is_aligned_with_landmarks_and_square_without():
    image = astronaut_bgr()
    known = EyesKnown((180, 60, 85, 110), ASTRONAUT["eyes"])
    np.testing.assert_array_equal(
        face_crop(image, known, size=48), aligned_crop(image, *ASTRONAUT["eyes"], size=48)
    )
    box = (180, 60, 85, 110)
    np.testing.assert_array_equal(
        face_crop(image, FixedFaces((box,)), size=48), crop_face(image, box, size=48)
    )
    assert known.face.crop_box() != box  # the aligned crop frames the eyes' face box
    assert FixedFaces((box,)).detect(image) == [box]


def test_face_crop_takes_a_name():
    image = astronaut_bgr()
    np.testing.assert_array_equal(
        face_crop(image, "haar", size=32), face_crop(image, HaarFaceDetector(), size=32)
    )
    assert face_crop(np.full((64, 64, 3), 90, np.uint8), "mtcnn") is None


def test_face_options_take_names_and_check_them():
    assert FaceOptions(detector="haar").the_detector() is detector_named("haar")
    assert FaceOptions().the_detector() is detector_named("mtcnn")
    with pytest.raises(ValueError, match="unknown face detector"):
        FaceOptions(detector="viola")


def test_the_cache_key_follows_the_detector(tmp_path):
    def key(**options):
        face_options = FaceOptions(**options).cache_key()
        return cache_key("ravdess", tmp_path, face_options)  # a full key, JSON and all

    default = key()
    assert default == key(detector="mtcnn") == key(detector=detector_named("mtcnn"))
    from facedata.mtcnn_detector import MTCNNFaceDetector

    assert default == key(detector=MTCNNFaceDetector())  # the same settings, the same crops
    assert key(detector="haar") != default
    assert key(detector=MTCNNFaceDetector(min_confidence=0.95)) != default
    assert key(detector=MTCNNFaceDetector(landmarks=False)) != default
    assert key(detector=HaarFaceDetector(min_neighbors=3)) != key(detector="haar")
    assert key(margin=0.3) != default and key(image_size=64) != default
    # only recorded boxes: no detector runs, the key does not depend on one
    assert key(faces="recorded") == key(faces="recorded", detector="haar")
    assert key(faces="auto") != key(faces="recorded")
    described = FaceOptions().cache_key()
    assert "MTCNNFaceDetector" in described["detector"] and described["alignment"] == [0.37, 0.39]


def test_the_key_costs_no_network(monkeypatch):
    """Describing the detector for the key never builds MTCNN's networks (a cached load
    needs no TensorFlow)."""
    from facedata import mtcnn_detector

    def refuse():
        raise AssertionError("the networks were built for a cache key")

    monkeypatch.setattr(mtcnn_detector, "networks", refuse)
    FaceOptions(detector=mtcnn_detector.MTCNNFaceDetector(min_confidence=0.5)).cache_key()
    FaceOptions().cache_key()
    with pytest.raises(AssertionError, match="built"):  # and the guard does guard
        mtcnn_detector.MTCNNFaceDetector().detect(astronaut_bgr())
