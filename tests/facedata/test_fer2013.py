"""The FER2013 loader on small CSVs and image folders the tests write."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest
from corpora import fer_face, fer_pixels, truncate, write_bytes, write_fer_csv, write_grey

from facedata import _pipeline as P
from facedata import fer2013, images
from facedata.dataset import CLASS_IDS, FaceDataset, from_uint8
from facedata.expressions import UNKNOWN_EXPRESSION
from facedata.fer2013 import find_layout, load_fer2013, parse_pixel_strings
from facedata.loaders import DATASETS, load

pytestmark = pytest.mark.filterwarnings("ignore:fer2013. skipped:UserWarning")

USAGE = {"train": "Training", "validation": "PublicTest", "test": "PrivateTest"}
CODE = {"anger": 0, "fear": 2, "happy": 3, "sad": 4, "surprise": 5, "neutral": 6}
GOOD = [  # (seed, class, split) of the usable rows, in file order
    (1, "anger", "train"),
    (2, "happy", "train"),
    (3, "neutral", "validation"),
    (4, "sad", "test"),
    (5, "surprise", "train"),
    (6, "fear", "validation"),
    (7, "happy", "test"),
]


def crops_of(seed: int) -> np.ndarray:
    """The crop a face becomes at its own size: the grey in R, G and B, in [-1, 1]."""
    return from_uint8(np.repeat(fer_face(seed)[..., None], 3, axis=-1))


def broken_rows() -> list[tuple[tuple, str]]:
    """Rows that cannot be used, each with the reason the report must give."""
    good = fer_pixels(fer_face(9))
    values = good.split()
    return [
        (("1", good, "Training"), P.unused_class("disgust")),
        (("3", " ".join(values[:-1]), "Training"), fer2013.WRONG_COUNT),
        (("3", " ".join([*values, "7"]), "Training"), fer2013.WRONG_COUNT),
        (("3", "", "Training"), fer2013.WRONG_COUNT),
        (("3", " ".join(["12", "abc", *values[2:]]), "Training"), fer2013.NOT_NUMBERS),
        (("3", " ".join(["12.5", *values[1:]]), "Training"), fer2013.NOT_NUMBERS),
        (("3", " ".join(["300", *values[1:]]), "Training"), fer2013.OUT_OF_RANGE),
        (("3", " ".join(["-1", *values[1:]]), "Training"), fer2013.OUT_OF_RANGE),
        (("3", " ".join(["1000", *values[1:]]), "PublicTest"), fer2013.OUT_OF_RANGE),
        (("7", good, "Training"), fer2013.BAD_EMOTION),
        (("happy", good, "Training"), fer2013.BAD_EMOTION),
        (("3", good, "Other"), fer2013.BAD_USAGE),
        (("3", good), fer2013.MALFORMED_ROW),
    ]


@pytest.fixture(scope="module")
def csv_root(tmp_path_factory):
    """A CSV as Kaggle ships it, with the good rows and every kind of broken row between."""
    root = tmp_path_factory.mktemp("fer")
    rows = [(CODE[c], fer_pixels(fer_face(s)), USAGE[split]) for s, c, split in GOOD]
    bad = [row for row, _ in broken_rows()]
    mixed = [rows[0], *bad[:6], *rows[1:4], *bad[6:], *rows[4:]]
    write_fer_csv(root / "fer2013.csv", mixed)
    return root


def expected_skips() -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, reason in broken_rows():
        counts[reason] = counts.get(reason, 0) + 1
    return counts


def test_csv_rows_labels_splits_and_report(csv_root):
    data, report = load_fer2013(csv_root, image_size=48, cache=False, progress=False)
    assert len(data) == len(GOOD) and data.name == "fer2013"
    assert data.labels.tolist() == [CLASS_IDS[c] for _, c, _ in GOOD]
    assert data.splits.tolist() == [split for _, _, split in GOOD]
    np.testing.assert_array_equal(data.images, np.stack([crops_of(s) for s, _, _ in GOOD]))
    # no persons: each image its own subject and clip, named by its line in the file
    assert data.subjects.tolist() == data.clips.tolist()
    assert len(set(data.subjects.tolist())) == len(GOOD)
    assert data.clips[0] == "fer2013.csv:2" and data.frames.tolist() == [-1] * len(GOOD)
    assert set(data.paths.tolist()) == {str(csv_root / "fer2013.csv")}
    assert dict(report.skipped) == expected_skips()
    assert not report.persons and report.per_subject == {}
    assert report.per_split["train"]["happy"] == 1 and report.per_split["test"]["sad"] == 1
    assert sum(sum(row.values()) for row in report.per_split.values()) == len(GOOD)
    text = str(report)
    assert "7 face crops (no persons: each image is its own subject)" in text
    assert "crops per split and class:" in text and "validation" in text
    assert "pixel string: not 2304 values" in text and "e.g. fer2013.csv:" in text


def test_a_split_and_the_larger_crops(csv_root):
    data, _ = load("fer2013", csv_root, image_size=64, cache=False, progress=False)
    assert data.images.shape == (len(GOOD), 64, 64, 3) and data.images.dtype == np.float32
    assert np.array_equal(data.images[..., 0], data.images[..., 2])  # grey in every channel
    enlarged = cv2.resize(fer_face(1), (64, 64), interpolation=cv2.INTER_LINEAR)
    np.testing.assert_array_equal(data.images[0, :, :, 1], from_uint8(enlarged))
    assert data.split_names() == ["train", "validation", "test"]
    test = data.for_split("test")
    assert len(test) == 2 and set(test.splits.tolist()) == {"test"}
    assert len(data.for_split("train", "validation")) == 5


def test_the_other_csv_forms(tmp_path):
    rows = [(CODE[c], USAGE[split], fer_pixels(fer_face(s))) for s, c, split in GOOD[:3]]
    icml = write_fer_csv(
        tmp_path / "icml" / "icml_face_data.csv", rows, columns=("emotion", " Usage", " pixels")
    )
    data, report = load_fer2013(icml.parent, image_size=48, cache=False, progress=False)
    assert data.splits.tolist() == ["train", "train", "validation"] and not report.skipped
    quoted = [(CODE[c], f'"{fer_pixels(fer_face(s))}"') for s, c, _ in GOOD[:2]]
    train = write_fer_csv(tmp_path / "kaggle" / "train.csv", quoted, columns=("emotion", "pixels"))
    data, _ = load_fer2013(train, image_size=48, cache=False, progress=False)  # the CSV itself
    assert data.splits.tolist() == ["", ""] and data.split_names() == []
    np.testing.assert_array_equal(data.images[1], crops_of(2))


def test_parse_pixels_fast_and_slow_paths():
    face = fer_face(3).ravel()
    good = " ".join(map(str, face))
    padded = " ".join(f"0{v}" if v < 100 else str(v) for v in face)  # 4-digit "0255" is fine
    tabs = "\t".join(map(str, face))
    values, problems = parse_pixel_strings([good, "1 2 3", padded, tabs, "+" + good])
    assert problems == {1: (fer2013.WRONG_COUNT, "3 values")}
    assert values.shape == (4, 2304) and all((row == face).all() for row in values)


def test_parse_speed_is_vectorised():
    """3,000 rows in well under a second's work: a Python loop per value would take
    minutes (the bound is loose for a busy machine)."""
    rows = [fer_pixels(fer_face(s)) for s in range(30)] * 100
    start = time.perf_counter()
    values, problems = parse_pixel_strings(rows)
    assert time.perf_counter() - start < 3.0
    assert not problems and values.shape == (3000, 2304)


@pytest.fixture(scope="module")
def folder_root(tmp_path_factory):
    """Image-folder copies in train/validation/test, with bad and odd files."""
    root = tmp_path_factory.mktemp("fer-folders")
    write_grey(root / "train" / "happy" / "Training_1.jpg", fer_face(1))
    write_grey(root / "train" / "Happy" / "Training_2.png", fer_face(2))  # a second case
    write_grey(root / "train" / "ANGRY" / "Training_3.png", fer_face(3))
    write_grey(root / "train" / "4" / "Training_4.png", fer_face(4))  # code 4: sad
    write_grey(root / "validation" / "neutral" / "PublicTest_5.png", fer_face(5))
    write_grey(root / "test" / "surprise" / "PrivateTest_6.png", fer_face(6))
    write_grey(root / "test" / "fear" / "PrivateTest_7.png", fer_face(7))
    # converted, not skipped
    colour = np.dstack([fer_face(8), fer_face(9), fer_face(10)])
    write_grey(root / "train" / "sad" / "colour.png", colour)
    rgba = np.dstack([fer_face(11)] * 3 + [np.full((48, 48), 255, np.uint8)])
    assert cv2.imwrite(str(root / "train" / "sad" / "rgba.png"), rgba)
    deep = fer_face(12).astype(np.uint16) * 257
    assert cv2.imwrite(str(root / "train" / "sad" / "deep.png"), deep)
    write_grey(root / "train" / "sad" / "big.png", cv2.resize(fer_face(13), (64, 60)))
    # skipped and counted
    write_grey(root / "train" / "disgust" / "d.png", fer_face(14))
    write_grey(root / "train" / "confused" / "c.png", fer_face(15))
    write_grey(root / "train" / "loose.png", fer_face(16))
    write_grey(root / "train" / "sad" / "tiny.png", fer_face(17)[:12, :12])
    write_bytes(root / "test" / "happy" / "empty.jpg")
    truncate(write_grey(root / "test" / "happy" / "cut.png", fer_face(18)))
    write_bytes(root / "test" / "happy" / "notes.txt", b"not an image")
    write_bytes(root / "README.md", b"ignored: not in a split folder")
    return root


def test_image_folders(folder_root):
    data, report = load("fer2013", folder_root, image_size=48, cache=False, progress=False)
    by_clip = dict(zip(data.clips.tolist(), data.labels.tolist(), strict=True))
    assert by_clip["train/happy/Training_1"] == CLASS_IDS["happy"]
    assert by_clip["train/Happy/Training_2"] == CLASS_IDS["happy"]
    assert by_clip["train/ANGRY/Training_3"] == CLASS_IDS["anger"]
    assert by_clip["train/4/Training_4"] == CLASS_IDS["sad"]
    assert by_clip["validation/neutral/PublicTest_5"] == CLASS_IDS["neutral"]
    splits = dict(zip(data.clips.tolist(), data.splits.tolist(), strict=True))
    assert splits["test/fear/PrivateTest_7"] == "test"
    assert splits["validation/neutral/PublicTest_5"] == "validation"
    assert len(data) == 11 and data.subjects.tolist() == data.clips.tolist()
    row = data.clips.tolist().index("train/happy/Training_1")  # a JPEG: lossy, so close
    assert np.abs(data.images[row] - crops_of(1)).max() < 0.1
    row = data.clips.tolist().index("train/Happy/Training_2")  # a PNG: exact
    np.testing.assert_array_equal(data.images[row], crops_of(2))
    assert dict(report.converted) == {
        fer2013.COLOUR: 1,
        images.ALPHA: 1,
        images.DEEP: 1,
        fer2013.RESIZED: 1,
    }
    assert dict(report.skipped) == {
        P.unused_class("disgust"): 1,
        UNKNOWN_EXPRESSION: 1,
        fer2013.OUTSIDE_EMOTION_FOLDER: 1,
        images.TOO_SMALL: 1,
        images.UNREADABLE: 2,
        fer2013.NOT_AN_IMAGE: 1,
    }
    text = str(report)
    assert "converted to be used 4:" in text and "train/sad/deep.png" in text


def test_train_and_test_only(tmp_path):
    write_grey(tmp_path / "train" / "sad" / "a.png", fer_face(1))
    write_grey(tmp_path / "Test" / "Neutral" / "b.png", fer_face(2))
    data, report = load_fer2013(tmp_path, image_size=48, cache=False, progress=False)
    assert data.splits.tolist() == ["test", "train"] and data.split_names() == ["train", "test"]
    assert data.labels.tolist() == [CLASS_IDS["neutral"], CLASS_IDS["sad"]]
    assert list(report.per_split) == ["test", "train"] and not report.skipped


def test_a_csv_wins_over_folders_unless_told(csv_root, tmp_path):
    both = tmp_path / "both"
    write_fer_csv(both / "fer2013.csv", [(3, fer_pixels(fer_face(1)), "Training")])
    write_grey(both / "train" / "sad" / "a.png", fer_face(2))
    assert find_layout(both) == ("csv", both / "fer2013.csv")
    assert find_layout(both, "folders") == ("folders", both)
    data, _ = load_fer2013(both, layout="folders", image_size=48, cache=False, progress=False)
    assert data.labels.tolist() == [CLASS_IDS["sad"]]


def test_a_root_that_matches_no_layout(tmp_path):
    (tmp_path / "photos").mkdir()
    write_grey(tmp_path / "photos" / "happy" / "a.png", fer_face(1))
    nothing = "no CSV with emotion and pixels columns and no split folder"
    with pytest.raises(FileNotFoundError, match=nothing) as err:
        load("fer2013", tmp_path / "photos", cache=False)
    assert "emotion,pixels,Usage" in str(err.value) and "<root>/train/<emotion>" in str(err.value)
    other = write_fer_csv(tmp_path / "other.csv", [("1", "2")], columns=("id", "value"))
    with pytest.raises(FileNotFoundError, match="not a CSV with emotion and pixels"):
        load("fer2013", other, cache=False)
    with pytest.raises(FileNotFoundError, match="no dataset folder"):
        load("fer2013", tmp_path / "nowhere", cache=False)
    with pytest.raises(FileNotFoundError, match="no CSV with emotion and pixels columns under"):
        load_fer2013(tmp_path / "photos", layout="csv", cache=False)


def test_options_it_does_not_take_are_refused(csv_root):
    with pytest.raises(ValueError, match="fer2013 takes no option 'faces'"):
        load("fer2013", csv_root, faces="detect")
    with pytest.raises(ValueError, match="layout must be"):
        load("fer2013", csv_root, layout="zip", cache=False)
    assert not DATASETS["fer2013"].persons and DATASETS["ravdess"].persons
    assert "image_size" in DATASETS["fer2013"].options()


def test_through_the_cache(csv_root, tmp_path):
    first, first_report = load_fer2013(csv_root, image_size=48, cache=tmp_path, progress=False)
    again, report = load_fer2013(csv_root, image_size=48, cache=tmp_path, progress=False)
    assert report.from_cache and not first_report.from_cache
    for field in ("images", "labels", "subjects", "clips", "frames", "paths", "splits"):
        np.testing.assert_array_equal(getattr(again, field), getattr(first, field))
    assert not report.persons and report.per_split == first_report.per_split
    assert report.skipped == first_report.skipped and report.details == first_report.details
    assert "(from the cache)" in str(report)
    # a changed CSV is a new entry
    csv = csv_root / "fer2013.csv"
    text = csv.read_text().replace("PrivateTest", "PublicTest")
    moved = tmp_path / "copy" / "fer2013.csv"
    moved.parent.mkdir()
    moved.write_text(text)
    changed, changed_report = load_fer2013(moved, image_size=48, cache=tmp_path, progress=False)
    assert not changed_report.from_cache and "test" not in changed.split_names()
    moved.write_text(csv.read_text())
    back, back_report = load_fer2013(moved, image_size=48, cache=tmp_path, progress=False)
    assert not back_report.from_cache and back.split_names() == first.split_names()
    assert isinstance(back, FaceDataset)
