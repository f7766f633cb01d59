"""One's own recordings: person and expression folders, or a CSV manifest.

For data a researcher records (a lab's sessions, a robot's camera, a phone), in
either of two layouts:

* folders ``<root>/<person>/<expression>/...``: each video under an expression
  folder is a clip; the images of one folder are one clip, their frame indices
  their place in name order (natural order: ``img2`` before ``img10``). A
  folder may hold takes in subfolders (``<expression>/take1/*.png``);
* a CSV manifest ``path,person,expression[,clip][,frame]`` (``manifest.csv``
  at the root, or the root is the CSV itself): paths relative to the
  manifest's folder or absolute; rows with the same person and ``clip`` form
  one clip (by default a video is its own clip and the images of one folder
  with one person and expression are one); ``frame`` picks a video's frame
  (several rows may pick several, each with its own expression) or places an
  image in its clip.

Expression names are read in any case with the usual synonyms
(:mod:`facedata.expressions`); disgust, contempt and calm are dropped
(counted), any other name is skipped as bad input (counted, warned).

Faces are found as for every dataset (:class:`facedata._pipeline.FaceOptions`:
the pipeline's default detector, or ``detector=``; recorded boxes from a
``<stem>.faces.csv`` beside a file where there is one with ``faces="auto"``);
images that are face crops already (a pre-cropped set) are taken whole with
``faces="whole"``. Frames of a video: by default the paper's selection for video (the two frames
before the end of each 500 ms chunk, the first and the last chunk dropped, as
for RAVDESS and BAUM-1s: the onset and offset of a posed expression are left
out); ``video_frames=N`` takes every N-th frame from the first instead
(1: every frame).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import defaultdict
from functools import partial
from pathlib import Path

from . import _pipeline as P
from .dataset import CLASS_IDS, CLASSES, FaceDataset, LoadReport
from .expressions import UNKNOWN_EXPRESSION, UNUSED, canonical
from .faces import RecordedFaces
from .video import VideoInfo

NAME = "own"
LAYOUT = """\
<root>/<person>/<expression>/<video>.mp4|avi|mov|mkv|webm|m4v   each video is a clip
<root>/<person>/<expression>/[<take>/]<image>.jpg|png|...        the images of a folder are
                                                                 one clip, in name order
  e.g. ann/happy/smile1.mp4, ann/Sadness/take2/0001.png
or a CSV manifest, <root>/manifest.csv (or <root> = the CSV):
    path,person,expression[,clip][,frame]
      path   a video or image, relative to the manifest's folder, or absolute
      clip   rows of one person with the same clip form one clip (default: each video;
             the images of one folder with one person and expression)
      frame  the video frame to take (default: the selection below), or an image's
             place in its clip
  e.g. videos/ann_1.mp4,ann,happy   or   stills/b03.png,bob,surprised,take1,3
<expression>: neutral, happy (happiness, joy), surprise (surprised), anger (angry),
  fear (fearful, scared, afraid), sad (sadness), in any case; disgust, contempt and
  calm are dropped; other names are skipped
videos: the two frames before the end of each 500 ms chunk, first and last chunk
  dropped (video_frames="chunks"), or every N-th frame (video_frames=N)"""

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")
MANIFEST = "manifest.csv"
REQUIRED = ("path", "person", "expression")

# -- skip reasons -------------------------------------------------------------------------
OUTSIDE = "file outside a <person>/<expression>/ folder"
NOT_MEDIA = "not an image or video file"
MISSING_FILE = "listed file missing"
MALFORMED_ROW = "malformed manifest row"
DUPLICATE_ROW = "duplicate manifest row"


def _natural(text: str) -> list:
    """A sort key that orders the numbers in names by value (``2`` before ``10``)."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text)]


def _is_media(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES or path.suffix.lower() in P.IMAGE_SUFFIXES


def _is_ours(path: Path) -> bool:
    """A file of the layout that is not data: a face-box sidecar, a hidden file."""
    return path.name.startswith(".") or path.name.endswith(".faces.csv")


def _manifest_columns(path: Path) -> list[str]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return []
    return [h.strip().lower() for h in header]


def find_layout(root: str | Path) -> tuple[str, Path]:
    """``("manifest", the CSV)`` or ``("folders", root)``; FileNotFoundError naming the
    expected layouts when ``root`` matches neither."""
    path = Path(root).expanduser()
    if path.is_file() or (path.is_dir() and (path / MANIFEST).is_file()):
        manifest = path if path.is_file() else path / MANIFEST
        columns = _manifest_columns(manifest)
        missing = [c for c in REQUIRED if c not in columns]
        if manifest.suffix.lower() != ".csv" or missing:
            raise FileNotFoundError(
                f"{NAME}: {manifest} is not a manifest (CSV with columns "
                f"{', '.join(REQUIRED)}[, clip][, frame]; it has {columns or 'no header'}). "
                f"Expected layouts:\n{LAYOUT}"
            )
        return "manifest", manifest
    path = P.require_root(path, NAME, LAYOUT)
    for person in path.iterdir():
        if not person.is_dir() or person.name.startswith("."):
            continue
        for expression in person.iterdir():
            if expression.is_dir() and any(
                f.is_file() and _is_media(f) and not _is_ours(f) for f in expression.rglob("*")
            ):
                return "folders", path
    raise FileNotFoundError(
        f"{NAME}: no <person>/<expression>/ folder with images or videos, "
        f"and no {MANIFEST}, under {path}. Expected layouts:\n{LAYOUT}"
    )


def _selector(video_frames: str | int):
    """The frame selection for a whole video, given its class: ``f(label, info)``."""
    if video_frames == "chunks":
        return P.chunked
    return partial(_every, int(video_frames))


def _every(step: int, label: int, info: VideoInfo) -> list[tuple[int, int]]:
    """Every ``step``-th frame from the first, with the clip's class."""
    return [(i, label) for i in range(0, info.n_frames, step)]


def _fixed(pairs: tuple[tuple[int, int], ...], info: VideoInfo) -> list[tuple[int, int]]:
    """The manifest's frames of a video (one past the end is reported when read)."""
    return list(pairs)


def _expression(text: str, where: Path | str, report: LoadReport) -> int | None:
    """The class id of an expression name, or None (the item recorded as skipped)."""
    found = canonical(text)
    if found is None:
        report.skip(where, UNKNOWN_EXPRESSION, f"{text!r}")
        return None
    if found in UNUSED:
        P.exclude(report, where, P.unused_class(found))
        return None
    return CLASS_IDS[found]


# -- the folder layout -------------------------------------------------------------------


def _in_layout(path: Path, report: LoadReport, where: str) -> bool:
    """Whether ``path`` is a folder of the layout; a file where a folder belongs is
    counted (an image or video as misplaced, anything else as not data)."""
    if _is_ours(path):
        return False
    if path.is_dir():
        return True
    if _is_media(path):
        report.skip(path, OUTSIDE, where)
    else:
        P.exclude(report, path, NOT_MEDIA)
    return False


def find_folder_sources(
    root: Path, report: LoadReport, *, video_frames: str | int = "chunks"
) -> list[P.Source]:
    """The clips under ``root/<person>/<expression>/``; everything else counted in ``report``."""
    select = _selector(video_frames)
    sources: list[P.Source] = []
    for person_dir in sorted(root.iterdir(), key=lambda p: _natural(p.name)):
        if not _in_layout(person_dir, report, "directly in the root"):
            continue
        for folder in sorted(person_dir.iterdir(), key=lambda p: _natural(p.name)):
            if not _in_layout(folder, report, f"directly in {person_dir.name}/"):
                continue
            files = [f for f in folder.rglob("*") if f.is_file() and not _is_ours(f)]
            files.sort(key=lambda f: [_natural(part) for part in f.relative_to(folder).parts])
            found = canonical(folder.name)
            label = None if found is None or found in UNUSED else CLASS_IDS[found]
            position: dict[Path, int] = defaultdict(int)
            for path in files:
                if not _is_media(path):
                    P.exclude(report, path, NOT_MEDIA)
                elif found is None:
                    report.skip(path, UNKNOWN_EXPRESSION, f"folder {folder.name}/")
                elif label is None:
                    P.exclude(report, path, P.unused_class(found))
                elif path.suffix.lower() in VIDEO_SUFFIXES:
                    clip = path.relative_to(root).with_suffix("").as_posix()
                    sources.append(
                        P.Source(path, person_dir.name, clip, label, partial(select, label))
                    )
                else:
                    clip = path.parent.relative_to(root).as_posix()
                    sources.append(
                        P.Source(path, person_dir.name, clip, label, frame=position[path.parent])
                    )
                    position[path.parent] += 1
    return sources


# -- the manifest -------------------------------------------------------------------------


def _manifest_rows(manifest: Path):
    """``(line, cells)`` of each data row, cells by lower-case column name."""
    with open(manifest, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        columns = [h.strip().lower() for h in next(reader, [])]
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            cells = {c: (row[i].strip() if i < len(row) else None) for i, c in enumerate(columns)}
            yield reader.line_num, cells, len(row) == len(columns)


def _listed_path(manifest: Path, text: str) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else manifest.parent / path


def listed_fingerprint(manifest: Path) -> str:
    """A sha256 of the listed files' paths, sizes and modification times (and of their
    face-box sidecars): the manifest's files may lie anywhere, so the cache's
    fingerprint of the root does not cover them."""
    digest = hashlib.sha256()
    try:
        rows = list(_manifest_rows(manifest))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return f"unreadable: {exc}"
    for _, cells, _ in rows:
        if not cells.get("path"):
            continue
        path = _listed_path(manifest, cells["path"])
        for item in (path, RecordedFaces.sidecar(path)):
            try:
                st = item.stat()
            except OSError:
                continue
            digest.update(f"{item}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def find_manifest_sources(
    manifest: Path, report: LoadReport, *, video_frames: str | int = "chunks"
) -> list[P.Source]:
    """The clips a manifest lists; every row that cannot be used counted in ``report``."""
    select = _selector(video_frames)
    home = manifest.parent

    def shown(path: Path) -> str:
        return path.relative_to(home).as_posix() if path.is_relative_to(home) else str(path)

    try:
        rows = list(_manifest_rows(manifest))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{NAME}: cannot read {manifest}: {exc}") from None
    whole: dict[tuple, int] = {}  # (path, person, clip, label) of whole-video rows
    picked: dict[tuple, list[tuple[int, int]]] = defaultdict(list)  # video frames by clip
    images: dict[tuple, list[tuple[Path, int, int | None]]] = defaultdict(list)
    for line, cells, whole_row in rows:
        where = f"{manifest}:{line}"
        text, person = cells.get("path") or "", cells.get("person") or ""
        if not whole_row or not text or not person:
            detail = "wrong number of cells" if not whole_row else "no path or no person"
            report.skip(where, MALFORMED_ROW, detail)
            continue
        frame_text = cells.get("frame") or ""
        if frame_text and not frame_text.isdigit():
            report.skip(where, MALFORMED_ROW, f"frame {frame_text!r} is not a whole number >= 0")
            continue
        frame = int(frame_text) if frame_text else None
        path = _listed_path(manifest, text)
        if not path.is_file():
            report.skip(path, MISSING_FILE, f"line {line} of {manifest.name}")
            continue
        if not _is_media(path):
            report.skip(path, NOT_MEDIA, f"line {line} of {manifest.name}")
            continue
        label = _expression(cells.get("expression") or "", where, report)
        if label is None:
            continue
        clip = cells.get("clip") or ""
        if path.suffix.lower() in VIDEO_SUFFIXES:
            stem = Path(shown(path)).with_suffix("").as_posix()
            clip_id = f"{person}/{clip}" if clip else f"{person}/{stem}"
            if frame is None:
                key = (path, person, clip_id, label)
                if key in whole:
                    report.skip(where, DUPLICATE_ROW, f"as line {whole[key]}")
                    continue
                whole[key] = line
            else:
                picked[(path, person, clip_id)].append((frame, label))
        else:
            parent = Path(shown(path)).parent.as_posix()
            clip_id = f"{person}/{clip}" if clip else f"{person}/{parent}/{CLASSES[label]}"
            images[(person, clip_id)].append((path, label, frame))
    sources: list[P.Source] = []
    for path, person, clip_id, label in whole:
        sources.append(P.Source(path, person, clip_id, label, partial(select, label)))
    for (path, person, clip_id), pairs in picked.items():
        unique = tuple(dict.fromkeys(pairs))
        sources.append(P.Source(path, person, clip_id, unique[0][1], partial(_fixed, unique)))
    for (person, clip_id), members in images.items():
        members.sort(key=lambda m: _natural(shown(m[0])))
        for place, (path, label, frame) in enumerate(members):
            sources.append(
                P.Source(path, person, clip_id, label, frame=place if frame is None else frame)
            )
    return sources


def load_own(
    root: str | Path,
    *,
    image_size: int = 96,
    margin: float = 0.2,
    faces: P.FaceMode = "auto",
    detector=None,
    cache: bool | str | Path = True,
    progress: bool = True,
    video_frames: str | int = "chunks",
) -> tuple[FaceDataset, LoadReport]:
    """Face crops of one's own recordings, in the folder layout or through a manifest.

    Parameters as for :func:`facedata.ravdess.load_ravdess` (the detector is the
    pipeline's default unless given; recorded boxes of an image are frame 0 of
    its ``<stem>.faces.csv``), and ``video_frames``: "chunks" (default, the
    paper's selection) or N, every N-th frame. Subjects are the person names,
    clip ids ``<person>/...`` (a video's path without suffix, an image folder's
    path, or the manifest's clip), frames a video's frame index or an image's
    place in its clip.
    """
    face_options = P.FaceOptions(image_size, margin, faces, detector)
    if video_frames != "chunks" and not (
        isinstance(video_frames, int) and not isinstance(video_frames, bool) and video_frames >= 1
    ):
        raise ValueError(
            f"video_frames must be 'chunks' or a whole number >= 1, got {video_frames!r}"
        )
    kind, path = find_layout(root)
    options: dict = {"layout": kind, "video_frames": video_frames}
    if kind == "manifest":
        options["listed"] = listed_fingerprint(path)
        find = partial(find_manifest_sources, path, video_frames=video_frames)
    else:
        find = partial(find_folder_sources, path, video_frames=video_frames)
    return P.load_sources(NAME, path, options, face_options, find, cache=cache, progress=progress)
