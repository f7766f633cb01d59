"""iCV-MEFED: still images labelled ``dominant_complementary``; the dominant class is the label.

iCV-MEFED (Guo et al., "Dominant and Complementary Emotion Recognition from
Still Images of Faces", IEEE Access 2018) has 31,250 images of 125 subjects in
50 categories, each named by a dominant and a complementary emotion with codes
1 anger, 2 contempt, 3 disgust, 4 fear, 5 happiness, 6 sad, 7 surprise and
N neutral (``5_7``: happily surprised; ``5_5``: happy; ``N_N``: neutral). The
paper uses the dominant emotion as the class; contempt and disgust are dropped.

Layout. The download's exact folder names could not be checked from here, so
the loader reads the label from the path rather than from fixed names, in
either of two forms (and under any split folder such as ``Train/``):

* ``<root>/.../<subject>/<D>_<C>/<image>``  -- one folder per category;
* ``<root>/.../<subject>/<D>_<C>[_<anything>].<ext>`` -- the category leads the file name.

The subject is the folder above the category folder (first form) or holding
the image (second form); an image directly under root has no subject and is
skipped. Images are ``.jpg``, ``.jpeg``, ``.png``, ``.bmp`` or ``.tif(f)``.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

from . import _pipeline as P
from .dataset import CLASS_IDS, FaceDataset, LoadReport

NAME = "mefed"
LAYOUT = """\
<root>/[<split>/]<subject>/<D>_<C>/<image>.jpg     one folder per category, or
<root>/[<split>/]<subject>/<D>_<C>_<n>.jpg          the category leads the file name
      D dominant, C complementary: 1 anger, 2 contempt, 3 disgust, 4 fear,
      5 happiness, 6 sad, 7 surprise, N neutral (N only as N_N)
      the label is the dominant class; contempt and disgust are dropped"""

CODES = {
    "1": "anger",
    "2": "contempt",
    "3": "disgust",
    "4": "fear",
    "5": "happiness",
    "6": "sad",
    "7": "surprise",
    "N": "neutral",
}
TO_CLASS = {
    "anger": "anger",
    "fear": "fear",
    "happiness": "happy",
    "sad": "sad",
    "surprise": "surprise",
    "neutral": "neutral",
}

_FOLDER = re.compile(r"^([^_]+)_([^_]+)$")
_FILE = re.compile(r"^([1-7N])_([1-7N])(?:[_\-. ].*)?$", re.IGNORECASE)

NO_SUBJECT = "image without a subject folder"


def parse_label(text: str) -> tuple[str, str]:
    """``"5_7"`` -> ``("happiness", "surprise")``; ValueError for anything else.

    Neutral goes only with neutral (``N_N``).
    """
    match = _FOLDER.match(text.strip())
    codes = [g.upper() for g in match.groups()] if match else []
    if len(codes) != 2 or any(c not in CODES for c in codes):
        raise ValueError(f"{text!r} is not <dominant>_<complementary> with codes 1-7 or N")
    if ("N" in codes) and codes != ["N", "N"]:
        raise ValueError(f"{text!r}: neutral pairs only with neutral (N_N)")
    return CODES[codes[0]], CODES[codes[1]]


def label_and_subject(path: Path, root: Path) -> tuple[str, str]:
    """The dominant emotion and the subject of one image; ValueError when the path has none."""
    folder = path.parent
    if _FOLDER.match(folder.name) and folder != root:
        try:
            dominant, _ = parse_label(folder.name)
        except ValueError:
            pass  # a folder name with an underscore that is not a category
        else:
            subject_folder = folder.parent
            if subject_folder == root:
                raise LookupError(f"{folder.name}/ is not inside a subject folder")
            return dominant, subject_folder.name
    match = _FILE.match(path.stem)
    if match is None:
        raise ValueError(f"neither {folder.name!r} nor {path.stem!r} starts with a category D_C")
    dominant, _ = parse_label(f"{match.group(1)}_{match.group(2)}")
    if folder == root:
        raise LookupError(f"{path.name} is not inside a subject folder")
    return dominant, folder.name


def find_sources(root: Path, report: LoadReport) -> list[P.Source]:
    """The labelled images under ``root``; the rest counted in ``report``."""
    sources = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in P.IMAGE_SUFFIXES:
            continue
        try:
            dominant, subject = label_and_subject(path, root)
        except LookupError as exc:
            report.skip(path, NO_SUBJECT, str(exc))
            continue
        except ValueError as exc:
            report.skip(path, P.BAD_NAME, str(exc))
            continue
        if dominant not in TO_CLASS:
            P.exclude(report, path, P.unused_class(dominant))
            continue
        clip = path.relative_to(root).with_suffix("").as_posix()
        sources.append(P.Source(path, subject, clip, CLASS_IDS[TO_CLASS[dominant]]))
    return sources


def load_mefed(
    root: str | Path,
    *,
    image_size: int = 96,
    margin: float = 0.2,
    faces: P.FaceMode = "auto",
    detector=None,
    cache: bool | str | Path = True,
    progress: bool = True,
) -> tuple[FaceDataset, LoadReport]:
    """Face crops of iCV-MEFED, labelled by the dominant emotion.

    Parameters as for :func:`facedata.ravdess.load_ravdess` (recorded face
    boxes of an image are frame 0 of its ``<stem>.faces.csv``). Subjects are
    the subject folder names; clip ids the image paths relative to root,
    without suffix; frame indices -1.
    """
    face_options = P.FaceOptions(image_size, margin, faces, detector)
    path = P.require_root(root, NAME, LAYOUT)

    return P.load_sources(
        NAME, path, {}, face_options, partial(find_sources, path), cache=cache, progress=progress
    )
