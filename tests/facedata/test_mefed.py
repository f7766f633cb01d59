"""The iCV-MEFED loader on small image folders in both supported layouts."""

from __future__ import annotations

import pytest
from corpora import write_bytes, write_image

from facedata import _pipeline as P
from facedata import mefed
from facedata.dataset import CLASS_IDS
from facedata.faces import FixedFaces, RecordedFaces
from facedata.loaders import load
from facedata.mefed import load_mefed, parse_label

pytestmark = pytest.mark.filterwarnings("ignore:mefed. skipped:UserWarning")

EXPECTED = [  # (clip, subject, class), in load order
    ("Train/s001/5_5/001", "s001", "happy"),
    ("Train/s001/5_7/002", "s001", "happy"),
    ("Train/s001/N_N/003", "s001", "neutral"),
    ("s002/1_6", "s002", "anger"),
    ("s002/4_1_001", "s002", "fear"),
]
SKIPPED = {
    P.unused_class("contempt"): 1,
    P.unused_class("disgust"): 1,
    P.BAD_NAME: 2,
    P.UNREADABLE_IMAGE: 1,
    P.NO_FACE: 1,
    mefed.NO_SUBJECT: 2,
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("mefed")
    s1 = root / "Train" / "s001"
    write_image(s1 / "5_5" / "001.jpg", 0, CLASS_IDS["happy"])
    write_image(s1 / "5_7" / "002.jpg", 0, CLASS_IDS["happy"])
    write_image(s1 / "N_N" / "003.png", 0, CLASS_IDS["neutral"])
    write_image(s1 / "2_5" / "004.jpg", 0, CLASS_IDS["happy"])  # contempt
    write_image(s1 / "3_3" / "005.jpg", 0, CLASS_IDS["anger"])  # disgust
    write_image(s1 / "N_5" / "006.jpg", 0, CLASS_IDS["happy"])  # neutral pairs only with N
    write_image(s1 / "8_1" / "007.jpg", 0, CLASS_IDS["anger"])  # no code 8
    write_bytes(s1 / "6_6" / "broken.jpg", b"\xff\xd8 not really a jpeg")
    no_face = write_image(s1 / "7_7" / "008.jpg", 0, CLASS_IDS["surprise"])
    RecordedFaces({}).to_csv(RecordedFaces.sidecar(no_face))
    write_bytes(s1 / "notes.txt", b"not an image")
    write_image(root / "s002" / "4_1_001.jpg", 1, CLASS_IDS["fear"])
    write_image(root / "s002" / "1_6.png", 1, CLASS_IDS["anger"])
    write_image(root / "5_5_loose.jpg", 1, CLASS_IDS["happy"])  # no subject folder
    write_image(root / "1_1" / "x.jpg", 1, CLASS_IDS["anger"])  # no subject folder
    return root


def test_labels_subjects_and_report(corpus):
    data, report = load_mefed(corpus, cache=False, progress=False)
    got = list(zip(data.clips.tolist(), data.subjects.tolist(), data.labels.tolist(), strict=True))
    assert got == [(clip, subject, CLASS_IDS[name]) for clip, subject, name in EXPECTED]
    assert data.frames.tolist() == [-1] * 5
    assert data.paths.tolist()[0] == str(corpus / "Train/s001/5_5/001.jpg")
    assert dict(report.skipped) == SKIPPED
    assert (report.clips_loaded, report.frames_loaded, report.subjects_loaded) == (5, 5, 2)


def test_a_detector_instead_of_recorded_boxes(corpus):
    whole = FixedFaces(((0, 0, 20, 20),))
    data, report = load(
        "mefed", corpus, faces="detect", detector=whole, image_size=32, cache=False, progress=False
    )
    assert len(data) == 6 and "Train/s001/7_7/008" in data.clips.tolist()
    assert P.NO_FACE not in report.skipped and data.images.shape[1:] == (32, 32, 3)


@pytest.mark.parametrize(
    "text, labels",
    [
        ("5_7", ("happiness", "surprise")),
        ("N_N", ("neutral", "neutral")),
        ("n_n", ("neutral", "neutral")),
        ("1_1", ("anger", "anger")),
        ("6_2", ("sad", "contempt")),
    ],
)
def test_parse_label(text, labels):
    assert parse_label(text) == labels


@pytest.mark.parametrize("text", ["5", "5_", "0_1", "8_8", "N_1", "3_N", "5_7_1", "a_b", ""])
def test_labels_that_do_not_parse(text):
    with pytest.raises(ValueError):
        parse_label(text)


def test_missing_root_names_the_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match="dominant"):
        load_mefed(tmp_path / "nowhere", cache=False)
