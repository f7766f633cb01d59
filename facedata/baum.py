"""BAUM-1s (spontaneous): labels from the annotation spreadsheet, 500 ms chunks.

BAUM-1s is distributed as ``BAUM1s_MP4 - All/S0xx/S0xx_yyy.mp4`` with the
clip labels in ``Annotations_BAUM1s.xlsx``, one row per clip. The codes are
1 anger, 2 boredom, 3 bothered, 4 concentrating, 5 contempt, 6 disgust,
7 fear, 8 happiness, 9 neutral, 10 sadness, 11 surprise, 12 thinking,
13 unsure; only the six of the project's classes are kept (the others are
counted in the report, quietly). Following the paper, only subjects with clips
of all six classes are kept, and frames are chosen as for RAVDESS.

The spreadsheet's columns are found by their content, since copies differ in
their header rows: the clip-name column is the one whose cells look like
``S001_001``; the code column holds integers 1..13 (its header names "code"
where several columns could be); a column of emotion names, where present, is
checked against the codes, and a row where they disagree is skipped rather
than given a wrong label. A CSV export of the spreadsheet reads the same way.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from . import _pipeline as P
from .dataset import CLASS_IDS, FaceDataset, LoadReport

NAME = "baum1s"
LAYOUT = """\
<root>/BAUM1s_MP4 - All/S001/S001_001.mp4 ...   the clips, one folder per subject
<root>/Annotations_BAUM1s.xlsx                  one row per clip: the clip name (S001_001)
      (or a CSV export, Annotations_BAUM1s.csv)  and its emotion code: 1 anger, 7 fear,
                                                 8 happiness, 9 neutral, 10 sadness,
                                                 11 surprise (2-6, 12, 13: other states, dropped)"""

VIDEO_FOLDER = "BAUM1s_MP4 - All"
ANNOTATION_FILES = ("Annotations_BAUM1s.xlsx", "Annotations_BAUM1s.xls", "Annotations_BAUM1s.csv")
CODES = {
    1: "anger",
    2: "boredom",
    3: "bothered",
    4: "concentrating",
    5: "contempt",
    6: "disgust",
    7: "fear",
    8: "happiness",
    9: "neutral",
    10: "sadness",
    11: "surprise",
    12: "thinking",
    13: "unsure",
}
TO_CLASS = {
    "anger": "anger",
    "fear": "fear",
    "happiness": "happy",
    "neutral": "neutral",
    "sadness": "sad",
    "surprise": "surprise",
}

_CLIP = re.compile(r"^S(\d{3})_(\d{3})$", re.IGNORECASE)
_PREFIXES = {name[:3] for name in CODES.values()}

BAD_ROW = "malformed annotation row"
CONFLICT = "conflicting labels"
NAME_MISMATCH = "emotion name disagrees with the code"


@dataclass
class Annotations:
    """What the spreadsheet says: the code of each clip, and the rows it could not use.

    ``codes`` maps the upper-case clip name to its code; ``problems`` lists
    ``(clip or row, reason, detail)`` for the rows left out.
    """

    codes: dict[str, int]
    problems: list[tuple[str, str, str]]


def _as_code(text: str) -> int | None:
    """A cell as an integer code 1..13 ("7" or "7.0"), else None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() and int(value) in CODES else None


def _read_table(path: Path) -> pd.DataFrame:
    """All cells of the first sheet (or the CSV) as stripped strings, no header row."""
    if path.suffix.lower() == ".csv":
        table = pd.read_csv(path, header=None, dtype=str, sep=None, engine="python")
    else:
        table = pd.read_excel(path, header=None, dtype=str, sheet_name=0)
    return table.fillna("").astype(str).apply(lambda column: column.str.strip())


def read_annotations(path: str | Path) -> Annotations:
    """The clip labels of an ``Annotations_BAUM1s`` spreadsheet or CSV export.

    Raises :class:`LabelFileError` when the file is missing or unreadable, or
    when its clip-name or code column cannot be told.
    """
    path = Path(path)
    if not path.is_file():
        raise P.LabelFileError(P.MISSING_LABELS, f"no {path.name}")
    try:
        table = _read_table(path)
    except Exception as exc:  # pandas and its engines raise many types for a broken file
        raise P.LabelFileError(P.MALFORMED_LABELS, f"{path.name}: {exc}") from exc
    if table.empty:
        raise P.LabelFileError(P.MALFORMED_LABELS, f"{path.name} is empty")
    is_clip = table.apply(lambda column: column.str.match(_CLIP.pattern, case=False))
    clip_col = is_clip.sum().idxmax()
    rows = is_clip[clip_col].to_numpy()
    if not rows.any():
        raise P.LabelFileError(P.MALFORMED_LABELS, f"{path.name}: no clip names like S001_001")
    data = table[rows]
    first = int(rows.argmax())
    header = table.iloc[first - 1] if first > 0 else pd.Series("", index=table.columns)
    clips = data[clip_col].str.upper()
    code_col = _code_column(data, clips, header, exclude=clip_col)
    if code_col is None:
        raise P.LabelFileError(
            P.MALFORMED_LABELS, f"{path.name}: cannot tell which column holds the emotion code"
        )
    name_col = _name_column(data, exclude=(clip_col, code_col))
    return _collect(clips, data[code_col], None if name_col is None else data[name_col])


def _code_column(data: pd.DataFrame, clips: pd.Series, header: pd.Series, exclude) -> object:
    """The column of emotion codes: integers 1..13 (at least 90% of its cells) that
    are not the subject number.

    Where several columns qualify, the one whose header names "code" wins;
    None when that does not settle it.
    """
    subject_numbers = clips.str[1:4].astype(int).to_numpy()
    candidates = []
    for col in data.columns:
        values = data[col]
        filled = values[values != ""]
        if col == exclude or filled.empty or filled.map(_as_code).isna().mean() > 0.1:
            continue  # not codes (a broken cell here and there is a bad row, not another column)
        if (pd.to_numeric(values, errors="coerce").to_numpy() == subject_numbers).all():
            continue  # the subject number, e.g. 1 for S001
        candidates.append(col)
    named = [c for c in candidates if "code" in header[c].lower()]
    if len(named) == 1:
        return named[0]
    return candidates[0] if len(candidates) == 1 else None


def _name_column(data: pd.DataFrame, exclude) -> object | None:
    """A column of emotion names (anger, Happiness, ...; at least 90% of its cells), if any."""
    for col in data.columns:
        filled = data[col][data[col] != ""]
        if col in exclude or filled.empty:
            continue
        if filled.str.lower().str[:3].isin(_PREFIXES).mean() >= 0.9:
            return col
    return None


def _collect(clips: pd.Series, codes: pd.Series, names: pd.Series | None) -> Annotations:
    """Per-clip codes from the data rows; bad, contradictory or conflicting rows left out."""
    found: dict[str, set[int]] = defaultdict(set)
    problems = []
    for i, clip in enumerate(clips):
        code = _as_code(codes.iloc[i])
        if code is None:
            problems.append((clip, BAD_ROW, f"code {codes.iloc[i]!r} is not 1..13"))
            continue
        name = "" if names is None else names.iloc[i].lower()[:3]
        if name in _PREFIXES and name != CODES[code][:3]:
            detail = f"code {code} ({CODES[code]}) but {names.iloc[i]!r}"
            problems.append((clip, NAME_MISMATCH, detail))
            continue
        found[clip].add(code)
    result = {}
    for clip, codes_of_clip in found.items():
        if len(codes_of_clip) > 1:
            problems.append((clip, CONFLICT, f"codes {sorted(codes_of_clip)}"))
        else:
            result[clip] = codes_of_clip.pop()
    return Annotations(result, problems)


def find_annotation_file(root: Path, video_folder: Path) -> Path:
    """The annotation file in root (or in the video folder); the .xlsx name when none is there."""
    for folder in (root, video_folder):
        for name in ANNOTATION_FILES:
            if (folder / name).is_file():
                return folder / name
    return root / ANNOTATION_FILES[0]


def find_video_folder(root: Path) -> Path | None:
    """``BAUM1s_MP4 - All`` (or a folder named like it, e.g. ``BAUM1s_MP4_all``) under root."""
    if (root / VIDEO_FOLDER).is_dir():
        return root / VIDEO_FOLDER
    return next(
        (
            d
            for d in sorted(root.iterdir())
            if d.is_dir() and d.name.lower().startswith("baum1s_mp4")
        ),
        None,
    )


def find_sources(
    root: Path, video_folder: Path, annotation_file: Path, report: LoadReport
) -> list[P.Source]:
    """The labelled clips; unlabelled, unused or broken ones counted in ``report``."""
    try:
        annotations = read_annotations(annotation_file)
    except P.LabelFileError as exc:
        report.skip(annotation_file, exc.reason, str(exc))
        return []
    for clip, reason, detail in annotations.problems:
        report.skip(f"{annotation_file.name}:{clip}", reason, detail)
    sources, seen = [], set()
    videos = [p for p in video_folder.rglob("*") if p.is_file() and p.suffix.lower() == ".mp4"]
    for video in sorted(videos, key=lambda p: (p.stem.upper(), str(p))):
        clip = video.stem.upper()
        if _CLIP.match(clip) is None:
            report.skip(video, P.BAD_NAME, "expected S0xx_yyy.mp4")
            continue
        seen.add(clip)
        code = annotations.codes.get(clip)
        if code is None:
            if not any(c == clip for c, _, _ in annotations.problems):
                report.skip(video, P.NO_LABEL, f"{clip} is not in {annotation_file.name}")
            continue
        emotion = CODES[code]
        if emotion not in TO_CLASS:
            P.exclude(report, video, P.unused_class(emotion))
            continue
        label = CLASS_IDS[TO_CLASS[emotion]]
        sources.append(P.Source(video, clip[:4], video.stem, label, partial(P.chunked, label)))
    for clip in sorted(set(annotations.codes) - seen):
        report.skip(video_folder / clip[:4] / f"{clip}.mp4", P.MISSING_VIDEO)
    return sources


def load_baum1s(
    root: str | Path,
    *,
    image_size: int = 96,
    margin: float = 0.2,
    faces: P.FaceMode = "auto",
    detector=None,
    cache: bool | str | Path = True,
    progress: bool = True,
    annotations: str | Path | None = None,
    require_all_classes: bool = True,
) -> tuple[FaceDataset, LoadReport]:
    """Face crops of BAUM-1s, with the paper's frame selection and subject filter.

    Parameters
    ----------
    root : the folder holding ``BAUM1s_MP4 - All/`` and the annotations (see :data:`LAYOUT`)
    image_size, margin, faces, detector, cache, progress : as for
        :func:`facedata.ravdess.load_ravdess`
    annotations : the annotation spreadsheet or CSV; None: looked for in root
        and in the video folder (``Annotations_BAUM1s.xlsx``, ``.xls`` or ``.csv``)
    require_all_classes : keep only subjects with all six classes (the paper:
        9 subjects); checked on the labels before reading, and again after
        loading (a subject whose only clip of a class was unreadable is dropped)

    Subjects are ``S001`` ..., clip ids the file stems (``S001_001``).
    """
    face_options = P.FaceOptions(image_size, margin, faces, detector)
    path = P.require_root(root, NAME, LAYOUT)
    video_folder = find_video_folder(path)
    if video_folder is None:
        raise FileNotFoundError(
            f"{NAME}: no {VIDEO_FOLDER!r} folder in {path}. Expected:\n{LAYOUT}"
        )
    annotation_file = Path(annotations) if annotations else find_annotation_file(path, video_folder)
    options = {
        "annotations": str(annotation_file),
        "require_all_classes": bool(require_all_classes),
    }

    def where(subject: str) -> Path:
        return video_folder / subject

    def find(report: LoadReport) -> list[P.Source]:
        sources = find_sources(path, video_folder, annotation_file, report)
        return P.keep_complete_subjects(sources, report, where) if require_all_classes else sources

    def finish(dataset: FaceDataset, report: LoadReport) -> FaceDataset:
        return (
            P.drop_incomplete_subjects(dataset, report, where) if require_all_classes else dataset
        )

    return P.load_sources(
        NAME, path, options, face_options, find, cache=cache, progress=progress, finish=finish
    )
