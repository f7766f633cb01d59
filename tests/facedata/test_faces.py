"""Face detection with OpenCV's Haar cascade (the named, faster option) and cropping, on
real photos that ship with packages and on videos; the video path with the default detector."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.data
from photos import ASTRONAUT, GRACE_HOPPER, astronaut_bgr, face_centre, grace_hopper_bgr, inside

from facedata.faces import (
    FaceDetector,
    FixedFaces,
    HaarFaceDetector,
    RecordedFaces,
    crop_face,
    face_crop,
    largest_face,
    video_face_crops,
)
from facedata.video import VideoError, read_frames


@pytest.fixture(scope="module")
def detector() -> HaarFaceDetector:
    return HaarFaceDetector()


def to_crop(point, box, size: int = 96, margin: float = 0.2) -> np.ndarray:
    """Where an image point lands in the crop of ``box``."""
    x, y, w, h = box
    side = max(w, h) * (1 + 2 * margin)
    return (np.asarray(point) - (np.array([x + w / 2, y + h / 2]) - side / 2)) * size / side


# -- real photos --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "landmarks"),
    [(astronaut_bgr, ASTRONAUT), (grace_hopper_bgr, GRACE_HOPPER)],
    ids=["astronaut", "grace_hopper"],
)
def test_detects_the_face_in_real_photos(detector, image, landmarks):
    boxes = detector.detect(image())
    assert len(boxes) == 1
    box = boxes[0]
    assert all(isinstance(v, int) for v in box)
    for point in [*landmarks["eyes"], landmarks["mouth"]]:
        assert inside(point, box, slack=0.1)
    centre = np.array([box[0] + box[2] / 2, box[1] + box[3] / 2])
    assert np.linalg.norm(centre - face_centre(landmarks)) < 0.1 * box[2]
    eye_distance = np.linalg.norm(np.subtract(*landmarks["eyes"]))
    assert 2.0 < box[2] / eye_distance < 3.5  # the face, not a part of it or the bust


@pytest.mark.parametrize(
    ("image", "landmarks"),
    [(astronaut_bgr, ASTRONAUT), (grace_hopper_bgr, GRACE_HOPPER)],
    ids=["astronaut", "grace_hopper"],
)
def test_the_crop_holds_the_face_centred(detector, image, landmarks):
    image = image()
    crop = face_crop(image, detector)
    assert crop.shape == (96, 96, 3) and crop.dtype == np.float32
    assert -1.0 <= crop.min() and crop.max() <= 1.0
    box = largest_face(detector.detect(image))
    left_eye, right_eye = (to_crop(p, box) for p in landmarks["eyes"])
    mouth = to_crop(landmarks["mouth"], box)
    # eyes in the upper half, either side of the middle; the mouth below them, centred
    assert 20 < left_eye[0] < 48 < right_eye[0] < 76
    assert 25 < left_eye[1] < 48 and 25 < right_eye[1] < 48
    assert 48 < mouth[1] < 80 and abs(mouth[0] - 48) < 8
    # and the crop is that region of the photo: compare with a crop made by hand
    x, y, w, h = box
    side = round(w * 1.4)
    x0, y0 = round(x + w / 2 - side / 2), round(y + h / 2 - side / 2)
    by_hand = cv2.resize(
        image[y0 : y0 + side, x0 : x0 + side], (96, 96), interpolation=cv2.INTER_AREA
    )
    expected = by_hand[..., ::-1] / 127.5 - 1
    np.testing.assert_allclose(crop, expected, atol=1e-6)


def test_lfw_faces_are_found_and_non_faces_are_not(detector):
    """scikit-image's LFW subset: 100 faces then 100 non-faces, 25x25 grey.

    At 25 pixels a face is below the cascade's 24-pixel window once framed, so
    each image is enlarged 4 times and given a replicated border (the crops are
    cut tight at the chin and the hairline, where the cascade wants context).
    """
    images = skimage.data.lfw_subset()

    def boxes(i: int):
        image = cv2.resize(
            (images[i] * 255).astype(np.uint8), (100, 100), interpolation=cv2.INTER_CUBIC
        )
        return detector.detect(cv2.copyMakeBorder(image, 30, 30, 30, 30, cv2.BORDER_REPLICATE))

    faces = [largest_face(boxes(i)) for i in range(30)]
    found = [box for box in faces if box is not None]
    assert len(found) >= 27
    for box in found:  # centred on the enlarged face, which spans 30..130
        assert inside((80, 80), box, slack=0.3) and 60 <= box[2] <= 130
    assert sum(bool(boxes(i)) for i in range(100, 130)) <= 1


@pytest.mark.parametrize(
    "image",
    [
        lambda: cv2.cvtColor(skimage.data.coffee(), cv2.COLOR_RGB2BGR),
        lambda: np.full((240, 320, 3), 90, np.uint8),
        lambda: np.random.default_rng(0).integers(0, 256, (240, 320, 3), dtype=np.uint8),
    ],
    ids=["coffee", "flat", "noise"],
)
def test_no_face_gives_none(detector, image):
    assert detector.detect(image()) == []
    assert face_crop(image(), detector) is None


def test_grey_images_are_accepted(detector):
    grey = cv2.cvtColor(astronaut_bgr(), cv2.COLOR_BGR2GRAY)
    boxes = detector.detect(grey)
    assert boxes == detector.detect(astronaut_bgr())
    crop = crop_face(grey, boxes[0], size=32)
    assert crop.shape == (32, 32, 3)
    assert np.array_equal(crop[..., 0], crop[..., 2])


@pytest.mark.parametrize("background", [0, 60, 90, 150, 220, 255])
def test_a_face_on_a_flat_background(background):
    """Equalising a mostly flat frame squashes the face's contrast; the plain retry finds it."""
    frame = np.full((240, 320, 3), background, np.uint8)
    frame[50:170, 100:220] = cv2.resize(astronaut_bgr()[35:205, 138:308], (120, 120))
    box = largest_face(HaarFaceDetector().detect(frame))
    assert box is not None and inside((160, 110), box, slack=0.2)
    if background == 60:  # one of the grey levels that defeat equalisation alone
        assert HaarFaceDetector(retry_plain=False).detect(frame) == []


def test_haar_settings():
    with pytest.raises(ValueError):
        HaarFaceDetector(scale_factor=1.0)
    with pytest.raises(ValueError):
        HaarFaceDetector(min_size_fraction=1.5)
    with pytest.raises(RuntimeError, match="cannot load"):
        HaarFaceDetector(cascade="no_such_cascade.xml")
    strict = HaarFaceDetector(min_size_fraction=0.5)  # the astronaut's face is 22% of the side
    assert strict.detect(astronaut_bgr()) == []
    assert "min_size_fraction=0.5" in repr(strict)


# -- crop_face ----------------------------------------------------------------------


def test_crop_is_the_square_around_the_box():
    image = np.random.default_rng(1).integers(0, 256, (100, 120, 3), dtype=np.uint8)
    box = (50, 30, 20, 16)  # centre (60, 38); side max(20, 16) * 2 = 40
    crop = crop_face(image, box, size=40, margin=0.5)  # no resizing at this size
    expected = image[18:58, 40:80, ::-1].astype(np.float32) / 127.5 - 1
    np.testing.assert_allclose(crop, expected, atol=1e-6)


def test_crop_repeats_the_border_outside_the_image():
    image = np.random.default_rng(2).integers(0, 256, (50, 60, 3), dtype=np.uint8)
    crop = crop_face(image, (0, 40, 20, 20), size=40, margin=0.5)  # spans x -10..30, y 30..70
    padded = np.pad(image, ((0, 20), (10, 0), (0, 0)), mode="edge")  # rows to 70, cols from -10
    expected = padded[30:70, 0:40, ::-1].astype(np.float32) / 127.5 - 1
    np.testing.assert_allclose(crop, expected, atol=1e-6)


def test_crop_values_and_channels():
    image = np.zeros((64, 64, 3), np.uint8)
    image[..., 0] = 255  # pure blue in BGR
    crop = crop_face(image, (16, 16, 32, 32), size=24)
    assert crop.shape == (24, 24, 3) and crop.dtype == np.float32
    np.testing.assert_array_equal(crop[0, 0], [-1.0, -1.0, 1.0])  # RGB, mapped to [-1, 1]


def test_crop_refuses_bad_input():
    image = np.zeros((64, 64, 3), np.uint8)
    with pytest.raises(ValueError, match="outside"):
        crop_face(image, (200, 200, 10, 10))
    with pytest.raises(ValueError, match="positive"):
        crop_face(image, (0, 0, 0, 10))
    with pytest.raises(ValueError, match="uint8"):
        crop_face(image.astype(np.float32), (0, 0, 10, 10))
    with pytest.raises(ValueError):
        crop_face(image, (0, 0, 10, 10), size=0)


def test_largest_face():
    assert largest_face([]) is None
    assert largest_face([(0, 0, 10, 10), (5, 5, 20, 6), (1, 1, 12, 12)]) == (1, 1, 12, 12)
    assert largest_face([(0, 0, 10, 10), (9, 9, 10, 10)]) == (0, 0, 10, 10)  # the first of equals


# -- recorded faces -----------------------------------------------------------------


def test_recorded_faces_round_trip_and_lookup(tmp_path):
    recorded = RecordedFaces({0: [(1, 2, 30, 30)], 4: [(5, 5, 10, 10), (0, 0, 40, 20)]})
    path = tmp_path / "clip.faces.csv"
    recorded.to_csv(path)
    assert path.read_text().splitlines() == [
        "frame,x,y,w,h",
        "0,1,2,30,30",
        "4,5,5,10,10",
        "4,0,0,40,20",
    ]
    again = RecordedFaces.from_csv(path)
    assert again == recorded and again.frames() == [0, 4] and len(again) == 2
    assert again.boxes(4) == [(5, 5, 10, 10), (0, 0, 40, 20)]
    assert again.box(4) == (0, 0, 40, 20)
    assert again.boxes(2) == [] and again.box(2) is None
    assert isinstance(again.at(4), FaceDetector)
    assert again.at(4).detect(np.zeros((8, 8, 3), np.uint8)) == again.boxes(4)


def test_recorded_faces_for_video(tmp_path):
    video = tmp_path / "02-01-03-01-01-01-01.mp4"
    assert RecordedFaces.sidecar(video) == tmp_path / "02-01-03-01-01-01-01.faces.csv"
    assert RecordedFaces.for_video(video) is None
    RecordedFaces({3: [(1, 1, 5, 5)]}).to_csv(RecordedFaces.sidecar(video))
    assert RecordedFaces.for_video(video).boxes(3) == [(1, 1, 5, 5)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "header"),
        ("frame,x,y,w\n0,1,2,3\n", "header"),
        ("frame,x,y,w,h\n0,1,2,3\n", "line 2"),
        ("frame,x,y,w,h\n0,1,2,3,4\n1,a,2,3,4\n", "line 3"),
        ("frame,x,y,w,h\n0,1,2,0,4\n", "positive"),
        ("frame,x,y,w,h\n-1,1,2,3,4\n", "line 2"),
    ],
)
def test_malformed_sidecar(tmp_path, text, message):
    path = tmp_path / "clip.faces.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        RecordedFaces.from_csv(path)


def test_recorded_boxes_use_the_same_crop_path(detector):
    image = astronaut_bgr()
    box = detector.detect(image)[0]
    recorded = RecordedFaces({7: [box]})
    np.testing.assert_array_equal(face_crop(image, recorded.at(7)), face_crop(image, detector))
    assert face_crop(image, recorded.at(8)) is None
    assert face_crop(image, FixedFaces((box,))) is not None


# -- from a video to crops ----------------------------------------------------------

WIDTH, HEIGHT, N_FRAMES = 160, 120, 12


def face_video(path, fourcc: str = "mp4v") -> list[tuple[int, int, int, int]]:
    """A video of the astronaut's face moving across a grey frame; frame 5 has no face.

    Returns where the pasted face square lies in each frame.
    """
    face = cv2.resize(astronaut_bgr()[35:205, 138:308], (72, 72), interpolation=cv2.INTER_AREA)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 30, (WIDTH, HEIGHT))
    squares = []
    for i in range(N_FRAMES):
        frame = np.full((HEIGHT, WIDTH, 3), 150, np.uint8)
        x, y = 10 + 6 * i, 20 + i % 3 * 5
        if i != 5:
            frame[y : y + 72, x : x + 72] = face
        squares.append((x, y, 72, 72))
        writer.write(frame)
    writer.release()
    return squares


@pytest.mark.parametrize("fourcc", ["mp4v", "MJPG"])
def test_video_face_crops_by_detection(tmp_path, detector, fourcc):
    path = tmp_path / ("clip.mp4" if fourcc == "mp4v" else "clip.avi")
    squares = face_video(path, fourcc)
    result = video_face_crops(path, [0, 3, 5, 11, 40], detector="haar", size=48)
    assert sorted(result.crops) == [0, 3, 11]
    assert result.no_face == [5] and result.unreadable == [40]
    frames = read_frames(path, result.crops)
    for i, crop in result.crops.items():
        box = largest_face(detector.detect(frames[i]))
        x, y, side, _ = squares[i]
        pasted = face_centre(ASTRONAUT) - (138, 35)  # in the 170-pixel square pasted at 72
        assert inside((x, y) + pasted * side / 170, box, slack=0.3)
        np.testing.assert_array_equal(crop, crop_face(frames[i], box, size=48))


def test_video_face_crops_use_the_default_detector(tmp_path):
    """Without a sidecar and without a detector, MTCNN finds the faces and the crops
    are aligned on its eyes."""
    pytest.importorskip("mtcnn")
    from facedata.faces import default_detector

    path = tmp_path / "clip.mp4"
    face_video(path)
    result = video_face_crops(path, [0, 5, 7], size=48)
    assert sorted(result.crops) == [0, 7] and result.no_face == [5]
    frames = read_frames(path, [0, 7])
    for i in (0, 7):
        np.testing.assert_array_equal(result.crops[i], face_crop(frames[i], default_detector(), 48))
        assert not np.array_equal(result.crops[i], face_crop(frames[i], "haar", 48))


def test_video_face_crops_with_a_sidecar(tmp_path):
    path = tmp_path / "clip.mp4"
    squares = face_video(path)
    RecordedFaces({i: [square] for i, square in enumerate(squares)}).to_csv(
        RecordedFaces.sidecar(path)
    )
    result = video_face_crops(path, [2, 5], size=48, margin=0.0)
    assert sorted(result.crops) == [2, 5]  # the recorded box is used even where no face shows
    assert result.no_face == [] and result.unreadable == []
    image = read_frames(path, [2])[2]
    np.testing.assert_array_equal(result.crops[2], crop_face(image, squares[2], 48, 0.0))
    detected = video_face_crops(path, [2, 5], detector=HaarFaceDetector(), size=48)
    assert sorted(detected.crops) == [2] and detected.no_face == [5]  # an explicit detector wins


def test_video_face_crops_of_a_broken_video(tmp_path):
    path = tmp_path / "broken.mp4"
    path.write_bytes(b"not a video")
    with pytest.raises(VideoError):
        video_face_crops(path, [0, 1])
