"""The BAUM-1s loader on a small corpus in BAUM-1s's layout, with broken files and rows."""

from __future__ import annotations

import pandas as pd
import pytest
from corpora import truncate, write_baum_annotations, write_bytes, write_clip

from facedata import _pipeline as P
from facedata import baum
from facedata.baum import load_baum1s, read_annotations
from facedata.dataset import CLASS_IDS
from facedata.loaders import load

pytestmark = pytest.mark.filterwarnings("ignore:baum1s. skipped:UserWarning")

CHUNKED = [5, 6, 9, 10, 13, 14, 17, 18]
SIX = {1: "anger", 7: "fear", 8: "happy", 9: "neutral", 10: "sad", 11: "surprise"}
ROWS = [
    *[(f"S001_{i:03d}", code) for i, code in enumerate(SIX, start=1)],
    ("S001_007", 12),  # thinking: not used
    ("S001_008", 8),  # an empty video
    ("S001_010", 9),  # no video
    ("S001_011", "x"),  # a broken code
    ("S001_012", 8, "Sadness"),  # the name contradicts the code
    ("S001_013", 8),
    ("S001_013", 10),  # two codes for one clip
    *[(f"S002_{i:03d}", code) for i, code in enumerate([1, 7, 8, 9, 10], start=1)],  # no surprise
    ("S002_006", 6),  # disgust
    *[(f"S003_{i:03d}", code) for i, code in enumerate(SIX, start=1)],  # sad clip unreadable
]
SKIPPED = {
    P.unused_class("thinking"): 1,
    P.unused_class("disgust"): 1,
    P.UNREADABLE_VIDEO: 2,
    P.INCOMPLETE_SUBJECT: 2,
    P.NO_LABEL: 1,
    P.BAD_NAME: 1,
    P.MISSING_VIDEO: 1,
    baum.BAD_ROW: 1,
    baum.NAME_MISMATCH: 1,
    baum.CONFLICT: 1,
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("baum")
    videos = root / "BAUM1s_MP4 - All"
    labels = {row[0]: row[1] for row in ROWS}
    for clip, code in labels.items():
        if clip in ("S001_008", "S001_010", "S002_006"):
            continue
        subject = int(clip[1:4]) - 1
        folder = videos / (
            "s002" if clip.startswith("S002") else clip[:4]
        )  # lower case, as some copies
        expression = CLASS_IDS[SIX.get(code, "neutral")] if isinstance(code, int) else 0
        write_clip(folder / f"{clip}.mp4", subject, expression, n_frames=12 if subject == 2 else 24)
    write_bytes(videos / "S001" / "S001_008.mp4")
    write_bytes(videos / "S002" / "S002_006.mp4")  # never opened: disgust
    write_clip(videos / "S001" / "S001_009.mp4", 0, 1)  # not in the spreadsheet
    write_bytes(videos / "S001" / "S001 clip.mp4")
    truncate(videos / "S003" / "S003_005.mp4", 0.5)
    write_baum_annotations(root / "Annotations_BAUM1s.xlsx", ROWS)
    return root


def test_labels_subjects_frames_and_report(corpus):
    data, report = load_baum1s(corpus, cache=False, progress=False)
    clips = [f"S001_{i:03d}" for i in range(1, 7)]
    assert list(dict.fromkeys(data.clips.tolist())) == clips
    assert data.frames.tolist() == CHUNKED * 6
    expected = [CLASS_IDS[name] for name in SIX.values() for _ in CHUNKED]
    assert data.labels.tolist() == expected
    assert set(data.subjects.tolist()) == {"S001"}
    assert dict(report.skipped) == SKIPPED
    incomplete = [d for d in report.details if d[1] == P.INCOMPLETE_SUBJECT]
    assert [(d[0].split("/")[-1], d[2]) for d in incomplete] == [
        ("S002", "no surprise"),
        ("S003", "after loading: no sad"),
    ]
    assert (report.clips_loaded, report.frames_loaded, report.subjects_loaded) == (6, 48, 1)


def test_without_the_subject_filter(corpus):
    data, report = load("baum1s", corpus, require_all_classes=False, cache=False, progress=False)
    assert data.subject_ids() == ["S001", "S002", "S003"]
    assert P.INCOMPLETE_SUBJECT not in report.skipped
    s3 = data.for_subject("S003")
    assert s3.frames.tolist() == [5, 6] * 5 and CLASS_IDS["sad"] not in s3.labels.tolist()


def test_a_bare_csv_export_reads_the_same(corpus, tmp_path):
    csv = write_baum_annotations(tmp_path / "Annotations_BAUM1s.csv", ROWS, style="bare")
    annotations = read_annotations(csv)
    assert annotations.codes["S001_012"] == 8  # no name column to contradict it
    assert annotations.codes == {
        **read_annotations(corpus / "Annotations_BAUM1s.xlsx").codes,
        "S001_012": 8,
    }
    data, report = load_baum1s(corpus, annotations=csv, cache=False, progress=False)
    assert "S001_012" in set(data.clips.tolist())
    assert baum.NAME_MISMATCH not in report.skipped


def test_a_csv_with_headers(corpus, tmp_path):
    csv = write_baum_annotations(tmp_path / "a.csv", ROWS)
    assert read_annotations(csv).codes == read_annotations(corpus / "Annotations_BAUM1s.xlsx").codes


def test_missing_or_broken_spreadsheet_is_reported(corpus, tmp_path):
    root = tmp_path / "baum"
    (root / "BAUM1s_MP4 - All").mkdir(parents=True)
    (root / "BAUM1s_MP4 - All" / "S001").symlink_to(corpus / "BAUM1s_MP4 - All" / "S001")
    data, report = load_baum1s(root, cache=False, progress=False)
    assert len(data) == 0 and dict(report.skipped) == {P.MISSING_LABELS: 1}
    write_bytes(root / "Annotations_BAUM1s.xlsx", b"PK\x03\x04 broken zip")
    data, report = load_baum1s(root, cache=False, progress=False)
    assert len(data) == 0 and dict(report.skipped) == {P.MALFORMED_LABELS: 1}


def test_ambiguous_columns_are_refused(tmp_path):
    table = pd.DataFrame([["S001_001", 3, 8], ["S001_002", 4, 9]])
    table.to_excel(tmp_path / "a.xlsx", header=False, index=False)
    with pytest.raises(baum.P.LabelFileError, match="which column"):
        read_annotations(tmp_path / "a.xlsx")
    table.to_excel(tmp_path / "b.xlsx", header=["Clip", "Take", "Code"], index=False)
    assert read_annotations(tmp_path / "b.xlsx").codes == {"S001_001": 8, "S001_002": 9}
    pd.DataFrame([["x", 1]]).to_excel(tmp_path / "c.xlsx", header=False, index=False)
    with pytest.raises(baum.P.LabelFileError, match="no clip names"):
        read_annotations(tmp_path / "c.xlsx")


def test_missing_root_names_the_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match="Annotations_BAUM1s"):
        load_baum1s(tmp_path / "nowhere", cache=False)
    with pytest.raises(FileNotFoundError, match="BAUM1s_MP4 - All"):
        load_baum1s(tmp_path, cache=False)
