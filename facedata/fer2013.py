"""FER2013: 48x48 grey face crops from the web, as the Kaggle CSV or as image folders.

FER2013 (Goodfellow et al., "Challenges in Representation Learning", ICML 2013
workshop) has 35,887 grey 48x48 faces, each labelled with one of seven
expressions; the faces were found and cropped by the dataset's makers, so no
face detection is run here. It is distributed two ways, both read:

* the Kaggle CSV ``fer2013.csv`` (also ``icml_face_data.csv``, whose headers
  carry a leading space): columns ``emotion`` (0 angry, 1 disgust, 2 fear,
  3 happy, 4 sad, 5 surprise, 6 neutral), ``pixels`` (2304 space-separated grey
  values 0-255, row by row) and ``Usage`` (28,709 Training, 3,589 PublicTest,
  3,589 PrivateTest rows). A CSV without ``Usage`` (the competition's
  ``train.csv``) is read with no split;
* image-folder copies: ``<split>/<emotion>/<image>`` with splits ``train``,
  ``validation`` (or ``val``, ``PublicTest``) and ``test`` (or
  ``PrivateTest``); ``train`` and ``test`` alone is the common variant.

Splits: Training -> ``train``, PublicTest -> ``validation``, PrivateTest ->
``test`` (the public leaderboard's set served for choosing models, the private
one for the final score). FER2013 has no persons: each image is marked as its
own subject and its own clip (``clips``: ``<file>:<line>`` for a CSV row, the
image's path under root without suffix for a folder copy), so it serves
pre-training and judging expressions, not per-person learning. Disgust is not
among the project's classes and is dropped (counted). The grey faces become
the crops every model takes: resized to ``image_size`` (area interpolation to
shrink, bilinear to enlarge) and the grey repeated in the three RGB channels.

Parsing is vectorised (a whole block of rows at once as bytes), so the 35,887
rows load in seconds, and the crops go through the cache like every loader's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from . import _pipeline as P
from .dataset import CLASS_IDS, FaceDataset, LoadReport, from_uint8
from .expressions import UNKNOWN_EXPRESSION, canonical
from .images import GREY, ImageError, read_image

NAME = "fer2013"
SIDE = 48
PIXELS = SIDE * SIDE

LAYOUT = """\
<root>/fer2013.csv   (or icml_face_data.csv, any CSV with these columns, or <root> = the CSV)
    emotion,pixels,Usage
      emotion  0 angry, 1 disgust, 2 fear, 3 happy, 4 sad, 5 surprise, 6 neutral
      pixels   2304 grey values 0-255, space-separated: 48x48, row by row
      Usage    Training -> train, PublicTest -> validation, PrivateTest -> test
               (a CSV without Usage is read without a split)
  e.g. 0,70 80 82 72 58 58 60 63 ... 82,Training
or image folders:
<root>/train/<emotion>/*.jpg|png    with validation/ (or val/, PublicTest/) and test/
<root>/test/<emotion>/*.jpg|png     (or PrivateTest/); train/ and test/ alone is fine
      <emotion>: angry, disgust, fear, happy, neutral, sad, surprise (any case, or 0-6)
  disgust is dropped; no persons: each image is its own subject"""

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""FER2013's emotion codes 0-6, by name."""

USAGES = {"training": "train", "publictest": "validation", "privatetest": "test"}
"""The CSV's Usage values (in any case) -> the project's split names."""

SPLIT_FOLDERS = {
    "train": "train",
    "training": "train",
    "validation": "validation",
    "val": "validation",
    "valid": "validation",
    "publictest": "validation",
    "public_test": "validation",
    "test": "test",
    "testing": "test",
    "privatetest": "test",
    "private_test": "test",
}
"""Split folder names of the image-folder copies (in any case) -> split names."""

_KNOWN_CSVS = ("fer2013.csv", "icml_face_data.csv")

# -- skip and conversion reasons ---------------------------------------------------------
MALFORMED_ROW = "malformed CSV row"
BAD_EMOTION = "emotion not a code 0-6"
BAD_USAGE = "unknown Usage"
WRONG_COUNT = "pixel string: not 2304 values"
NOT_NUMBERS = "pixel string: not whole numbers"
OUT_OF_RANGE = "pixel string: value outside 0-255"
OUTSIDE_EMOTION_FOLDER = "image outside an emotion folder"
NOT_AN_IMAGE = "not an image file"
COLOUR = "colour image -> grey (FER2013 is grey)"
RESIZED = "image not 48x48 (centre square, resized)"

_CHUNK_ROWS = 256  # CSV rows parsed at a time (about 2 MB of text: cache-sized)


def _csv_columns(path: Path) -> list[str] | None:
    """The header's column names (stripped, lower case), or None when unreadable."""
    try:
        with open(path, "rb") as f:
            line = f.readline(1 << 16)
    except OSError:
        return None
    text = line.decode("utf-8-sig", errors="replace")
    return [c.strip().strip('"').strip().lower() for c in text.rstrip("\r\n").split(",")]


def _is_fer_csv(path: Path) -> bool:
    columns = _csv_columns(path)
    return columns is not None and "emotion" in columns and "pixels" in columns


def _split_folders(root: Path) -> list[tuple[Path, str]]:
    """The split folders directly under ``root``, with their split names."""
    found = []
    for child in sorted(root.iterdir()):
        split = SPLIT_FOLDERS.get(child.name.casefold())
        if split is not None and child.is_dir():
            found.append((child, split))
    return found


def find_layout(root: str | Path, layout: str = "auto") -> tuple[str, Path]:
    """``("csv", the CSV file)`` or ``("folders", root)``: where FER2013 is under ``root``.

    ``layout`` "auto" prefers a CSV (the original) to image folders: ``fer2013.csv``,
    then ``icml_face_data.csv``, then any CSV with ``emotion`` and ``pixels``
    columns and ``Usage``, then one without (in ``root`` or one folder down).
    Raises FileNotFoundError naming the expected layouts when nothing matches.
    """
    if layout not in ("auto", "csv", "folders"):
        raise ValueError(f"layout must be 'auto', 'csv' or 'folders', got {layout!r}")
    path = Path(root).expanduser()
    if path.is_file():
        if layout != "folders" and path.suffix.lower() == ".csv" and _is_fer_csv(path):
            return "csv", path
        raise FileNotFoundError(
            f"{NAME}: {path} is not a CSV with emotion and pixels columns. Expected layouts:\n"
            f"{LAYOUT}"
        )
    path = P.require_root(path, NAME, LAYOUT)
    if layout != "folders":
        candidates = [
            p
            for p in [*sorted(path.glob("*.csv")), *sorted(path.glob("*/*.csv"))]
            if p.is_file() and _is_fer_csv(p)
        ]

        def rank(p: Path) -> tuple[int, int]:
            known = _KNOWN_CSVS.index(p.name) if p.name in _KNOWN_CSVS else len(_KNOWN_CSVS)
            return known, 0 if "usage" in (_csv_columns(p) or []) else 1

        if candidates:
            return "csv", min(candidates, key=rank)
    if layout != "csv" and _split_folders(path):
        return "folders", path
    csv_text, folder_text = "no CSV with emotion and pixels columns", "no split folder"
    wanted = {
        "auto": f"{csv_text} and {folder_text}",
        "csv": csv_text,
        "folders": f"{folder_text} (train/, validation/, test/)",
    }[layout]
    raise FileNotFoundError(f"{NAME}: {wanted} under {path}. Expected layouts:\n{LAYOUT}")


# -- the CSV ---------------------------------------------------------------------------------


def _row_problem(text: bytes, count: int) -> tuple[np.ndarray | None, str, str]:
    """One pixel string checked value by value (the rows the fast path flags):
    ``(values, "", "")`` when it is usable after all (``+5``, ``0255``), else
    ``(None, reason, detail)``."""
    tokens = text.split()
    numbers = []
    for token in tokens:
        try:
            numbers.append(int(token))
        except ValueError:
            shown = token[:20].decode("ascii", errors="replace")
            return None, NOT_NUMBERS, f"{shown!r} is not a whole number"
    outside = [v for v in numbers if not 0 <= v <= 255]
    if outside:
        return None, OUT_OF_RANGE, f"value {outside[0]}"
    if len(numbers) != count:
        return None, WRONG_COUNT, f"{len(numbers)} values"
    return np.asarray(numbers, np.uint8), "", ""


def parse_pixels(
    text: bytes, begins: Sequence[int], ends: Sequence[int], count: int = PIXELS
) -> tuple[np.ndarray, dict[int, tuple[str, str]]]:
    """The pixel strings at ``text[begins[i]:ends[i]]`` (in order, not overlapping)
    as rows of ``count`` uint8 values.

    Returns the values of the good rows, in order (shape ``(n_good, count)``), and
    for every other row its index, reason and detail. The work is vectorised over
    a block of rows at once, in place in ``text`` (no copy of a string): the runs
    of digits are found with numpy, kept where they lie in a row's range, and
    valued from their last three digits; only the rows this fast path flags
    (another character, a run of over three digits, a value over 255, the wrong
    count) are looked at one by one.
    """
    buffer = np.frombuffer(text, np.uint8)
    begins, ends = np.asarray(begins, np.int64), np.asarray(ends, np.int64)
    good_parts, problems = [], {}
    for start in range(0, len(begins), _CHUNK_ROWS):
        block = slice(start, start + _CHUNK_ROWS)
        values, flagged = _parse_block(buffer, begins[block], ends[block], count)
        keep = np.ones(len(values), bool)
        for i in flagged:
            row, reason, detail = _row_problem(text[begins[start + i] : ends[start + i]], count)
            if row is None:
                problems[start + i] = (reason, detail)
                keep[i] = False
            else:
                values[i] = row
        good_parts.append(values[keep])
    if not good_parts:
        return np.zeros((0, count), np.uint8), problems
    return np.concatenate(good_parts), problems


def parse_pixel_strings(strings: Sequence[bytes | str], count: int = PIXELS):
    """:func:`parse_pixels` of separate strings (each a row)."""
    rows = [s.encode() if isinstance(s, str) else bytes(s) for s in strings]
    lengths = np.fromiter(map(len, rows), np.int64, len(rows))
    begins = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int64)
    return parse_pixels(b"\n".join(rows), begins, begins + lengths, count)


def _parse_block(
    buffer: np.ndarray, begins: np.ndarray, ends: np.ndarray, count: int
) -> tuple[np.ndarray, list[int]]:
    """The fast path of :func:`parse_pixels` for one block of rows: ``(values, flagged
    rows)``, ``values`` with a row for every range (zeros in the flagged ones)."""
    n = len(begins)
    values = np.zeros((n, count), np.uint8)
    if not n:
        return values, []
    low = int(begins[0])
    part = buffer[low : int(ends[-1])].copy()
    first, last = begins - low, ends - low
    gaps = first[1:] - last[:-1]  # the other cells, commas and newlines between the ranges
    if gaps.sum():
        within = np.arange(gaps.sum()) - np.repeat(np.cumsum(gaps) - gaps, gaps)
        part[np.repeat(last[:-1], gaps) + within] = 32  # become spaces
    digit = (part >= 48) & (part <= 57)
    flagged = np.zeros(n, bool)
    odd = ~digit & (part != 32)  # a sign, a letter, a dot, a tab
    if odd.any():
        flagged[np.searchsorted(first, np.flatnonzero(odd), side="right") - 1] = True
    bounded = np.zeros(len(part) + 2, bool)  # digits with a non-digit on either side
    bounded[1:-1] = digit
    edges = np.flatnonzero(bounded[1:] != bounded[:-1])  # a run's first, one past its last
    starts, stops = edges[0::2], edges[1::2] - 1
    tokens = np.searchsorted(starts, last) - np.searchsorted(starts, first)
    width = stops - starts  # digits after the first
    number = part[stops].astype(np.int16) - 48
    number += (width >= 1) * (part[stops - 1].astype(np.int16) - 48) * 10
    number += (width >= 2) * (part[stops - 2].astype(np.int16) - 48) * 100
    too_big = np.flatnonzero((width > 2) | (number > 255))
    flagged[np.searchsorted(first, starts[too_big], side="right") - 1] = True
    flagged |= tokens != count
    ok = ~flagged
    values[ok] = number[np.repeat(ok, tokens)].reshape(-1, count)
    return values, np.flatnonzero(flagged).tolist()


def _cell(text: bytes, begin: int, end: int) -> str:
    """A CSV cell as text, without quotes and surrounding spaces."""
    return text[begin:end].strip().strip(b'"').strip().decode("utf-8", errors="replace")


def _trimmed(text: bytes, begin: int, end: int) -> tuple[int, int]:
    """The range without surrounding spaces and quotes."""
    while begin < end and text[begin] in b' "\t':
        begin += 1
    while end > begin and text[end - 1] in b' "\t\r':
        end -= 1
    return begin, end


def _split_line(text: bytes, begin: int, end: int, n_columns: int, at_pixels: int):
    """The ranges of a line's cells, or None when it has too few commas. The pixel
    cell is found between the commas counted from either end, so that a stray comma
    inside it shows as a character that is not a number."""
    cuts = [begin - 1]
    for _ in range(at_pixels):
        cut = text.find(b",", cuts[-1] + 1, end)
        if cut < 0:
            return None
        cuts.append(cut)
    tail = [end]
    for _ in range(n_columns - 1 - at_pixels):
        cut = text.rfind(b",", cuts[-1] + 1, tail[0])
        if cut < 0:
            return None
        tail.insert(0, cut)
    bounds = [*cuts, *tail]
    return [(bounds[i] + 1, bounds[i + 1]) for i in range(n_columns)]


def read_csv(path: Path, report: LoadReport, *, root: Path | None = None):
    """The usable rows of a FER2013 CSV: ``(pixels (n, 48, 48) uint8, class ids,
    splits, clip ids)``; every other row is counted in ``report``."""
    text = path.read_bytes()
    offset = 3 if text.startswith(b"\xef\xbb\xbf") else 0
    newlines = np.flatnonzero(np.frombuffer(text, np.uint8) == 10)
    line_begins = [offset, *(newlines + 1).tolist()]
    line_ends = [*newlines.tolist(), len(text)]
    columns = [
        c.strip().strip('"').strip().lower()
        for c in text[line_begins[0] : line_ends[0]]
        .decode("utf-8", "replace")
        .rstrip("\r")
        .split(",")
    ]
    if "emotion" not in columns or "pixels" not in columns:
        raise FileNotFoundError(
            f"{NAME}: {path} has columns {columns}, expected emotion, pixels[, Usage]:\n{LAYOUT}"
        )
    at_emotion, at_pixels = columns.index("emotion"), columns.index("pixels")
    at_usage = columns.index("usage") if "usage" in columns else None
    label_of = {code: CLASS_IDS.get(canonical(name)) for code, name in enumerate(EMOTIONS)}
    prefix = path.name if root is None or path.parent == root else path.relative_to(root).as_posix()
    kept_lines, labels, splits, begins, ends = [], [], [], [], []
    lines = zip(line_begins[1:], line_ends[1:], strict=True)
    for number, (begin, end) in enumerate(lines, start=2):
        if end - begin < 8 and not text[begin:end].strip():
            continue  # a blank line (the file's last, often)
        where = f"{path}:{number}"
        cells = _split_line(text, begin, end, len(columns), at_pixels)
        if cells is None:
            commas = text.count(b",", begin, end)
            report.skip(where, MALFORMED_ROW, f"{commas + 1} fields, expected {len(columns)}")
            continue
        emotion = _cell(text, *cells[at_emotion])
        if not (emotion.isdigit() and int(emotion) < len(EMOTIONS)):
            report.skip(where, BAD_EMOTION, f"emotion {emotion[:20]!r}")
            continue
        split = ""
        if at_usage is not None:
            usage = _cell(text, *cells[at_usage])
            split = USAGES.get(usage.lower())
            if split is None:
                report.skip(
                    where,
                    BAD_USAGE,
                    f"Usage {usage[:20]!r}, expected Training, PublicTest or PrivateTest",
                )
                continue
        label = label_of[int(emotion)]
        if label is None:
            P.exclude(report, where, P.unused_class(EMOTIONS[int(emotion)]))
            continue
        kept_lines.append(number)
        labels.append(label)
        splits.append(split)
        pixel_begin, pixel_end = _trimmed(text, *cells[at_pixels])
        begins.append(pixel_begin)
        ends.append(pixel_end)
    pixels, problems = parse_pixels(text, begins, ends)
    for i, (reason, detail) in sorted(problems.items()):
        report.skip(f"{path}:{kept_lines[i]}", reason, detail)
    keep = np.ones(len(kept_lines), bool)
    keep[list(problems)] = False
    kept = np.asarray(kept_lines, np.int64)[keep]
    clips = np.asarray([f"{prefix}:{n}" for n in kept.tolist()], dtype=str)
    return (
        pixels.reshape(-1, SIDE, SIDE),
        np.asarray(labels, np.int64)[keep],
        np.asarray(splits, dtype="<U10")[keep],
        clips,
    )


# -- the image folders -------------------------------------------------------------------


def _folder_class(name: str) -> int | str | None:
    """An emotion folder's class id; None for disgust (dropped); the name itself
    when it is no expression (its images are skipped)."""
    if name.isdigit() and int(name) < len(EMOTIONS):
        name = EMOTIONS[int(name)]
    found = canonical(name)
    if found is None:
        return name
    return CLASS_IDS.get(found)


def _grey_face(path: Path, report: LoadReport) -> np.ndarray | None:
    """One image of a folder copy as a square grey uint8 face (None when unusable)."""
    try:
        image, conversions = read_image(path)
    except ImageError as exc:
        report.skip(path, exc.reason, str(exc))
        return None
    for what in conversions:
        if what != GREY:  # FER2013 is grey: its images become RGB by design
            report.convert(path, what)
    b, g, r = image[:, :, 0], image[:, :, 1], image[:, :, 2]
    if not (np.array_equal(b, g) and np.array_equal(g, r)):
        report.convert(path, COLOUR)
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    height, width = grey.shape
    if (height, width) != (SIDE, SIDE):
        report.convert(path, RESIZED)
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        grey = grey[top : top + side, left : left + side]
    return grey


def read_folders(root: Path, report: LoadReport, *, progress: bool = False):
    """The usable images of a folder copy: ``(grey faces, class ids, splits, clip ids,
    paths)``; every other file is counted in ``report``."""
    faces, labels, splits, clips, paths = [], [], [], [], []
    files = [
        (path, folder, split)
        for folder, split in _split_folders(root)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    ]
    for path, folder, split in tqdm(
        files, desc=f"{NAME}: images", unit="image", disable=not progress
    ):
        if path.suffix.lower() not in P.IMAGE_SUFFIXES:
            P.exclude(report, path, NOT_AN_IMAGE)
            continue
        if path.parent == folder:
            report.skip(path, OUTSIDE_EMOTION_FOLDER, f"directly in {folder.name}/")
            continue
        emotion = path.relative_to(folder).parts[0]
        label = _folder_class(emotion)
        if isinstance(label, str):
            report.skip(path, UNKNOWN_EXPRESSION, f"folder {emotion}/")
            continue
        if label is None:
            P.exclude(report, path, P.unused_class(canonical(emotion) or emotion))
            continue
        grey = _grey_face(path, report)
        if grey is None:
            continue
        faces.append(grey)
        labels.append(label)
        splits.append(split)
        clips.append(path.relative_to(root).with_suffix("").as_posix())
        paths.append(str(path))
    return faces, np.asarray(labels, np.int64), np.asarray(splits, "<U10"), clips, paths


# -- from grey faces to the crops every model takes ------------------------------------------


def grey_crops(faces: Sequence[np.ndarray] | np.ndarray, image_size: int) -> np.ndarray:
    """Square grey uint8 faces as float32 RGB crops in [-1, 1] of side ``image_size``:
    resized (area to shrink, bilinear to enlarge), the grey repeated in R, G and B."""
    n = len(faces)
    resized = np.empty((n, image_size, image_size), np.uint8)
    for i, face in enumerate(faces):
        if face.shape == (image_size, image_size):
            resized[i] = face
        else:
            shrink = face.shape[0] > image_size
            resized[i] = cv2.resize(
                face,
                (image_size, image_size),
                interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR,
            )
    out = np.empty((n, image_size, image_size, 3), np.float32)
    for start in range(0, n, 1024):  # one channel at a time: far faster than broadcasting
        grey = from_uint8(resized[start : start + 1024])
        for channel in range(3):
            out[start : start + 1024, :, :, channel] = grey
    return out


def _build(
    kind: str, where: Path, home: Path, image_size: int, progress: bool
) -> tuple[FaceDataset, LoadReport]:
    """Read, parse and crop (the cache's build step)."""
    report = LoadReport(NAME, str(home), persons=False)
    if kind == "csv":
        faces, labels, splits, clips = read_csv(where, report, root=home)
        paths = np.full(len(labels), str(where))
    else:
        faces, labels, splits, clips, paths = read_folders(where, report, progress=progress)
    images = grey_crops(faces, image_size)
    dataset = FaceDataset(
        images, labels, clips, clips, np.full(len(labels), -1), paths, name=NAME, splits=splits
    )
    report.count(dataset)
    return dataset, report


def load_fer2013(
    root: str | Path,
    *,
    image_size: int = 96,
    layout: str = "auto",
    cache: bool | str | Path = True,
    progress: bool = True,
) -> tuple[FaceDataset, LoadReport]:
    """FER2013's faces as crops, with their splits.

    Parameters
    ----------
    root : the folder holding the CSV or the split folders, or the CSV itself
        (see :data:`LAYOUT`)
    image_size : side of the square crops (the 48x48 faces are resized)
    layout : "auto" (a CSV where there is one, else split folders), "csv" or "folders"
    cache : True (default cache folder), False (no cache) or a cache folder
    progress : a progress bar while image folders are read (a CSV takes seconds)

    Returns a :class:`FaceDataset` whose ``splits`` are train, validation and
    test (empty for a CSV without Usage), each image its own subject and clip,
    frames -1; and its :class:`LoadReport` (``persons=False``, crops per split
    and class). No face detection: FER2013's images are face crops already.
    """
    if int(image_size) < 8:
        raise ValueError(f"image_size must be at least 8, got {image_size}")
    kind, where = find_layout(root, layout)
    home = Path(root).expanduser()
    home = home.parent if home.is_file() else home

    def build() -> tuple[FaceDataset, LoadReport]:
        return _build(kind, where, home, int(image_size), progress)

    from .cache import cached_load

    options = {"layout": kind, "image_size": int(image_size)}
    return cached_load(NAME, where, options, build, cache=cache)
