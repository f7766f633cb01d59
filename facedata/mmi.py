"""MMI Facial Expression Database: session folders, labels from the session XML.

The MMI download holds ``Sessions/<n>/`` folders. A video session has the clip
``<SID>.avi`` (``S001-001.avi``: subject S001), ``session.xml`` whose
``<track view="...">`` says how it was filmed, and ``<SID>.xml`` whose
``<Metatag Name="Emotion" Value="k"/>`` gives the emotion (1 anger, 2 disgust,
3 fear, 4 happy, 5 sadness, 6 surprise). Other files (``<SID>-oao_aucs.xml``
action-unit codes, still-image sessions) are not used.

Clips go neutral -> apex -> neutral; following the paper, the middle three
(peak) frames give the clip's class and its first frame a neutral crop (both
under the clip's id, so a split by clip keeps them together). Disgust is
dropped.

Views: 0 frontal (the whole frame); 2 dual view, the frontal face and the
profile (seen in a mirror) side by side -- the face is looked for in one half,
``dual_view_half``, by default the right one (see the loader's docstring for
why); 1 profile only, skipped. Sessions whose label XML has no Emotion
metatag (action-unit-only annotations) are skipped quietly.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import partial
from pathlib import Path

from . import _pipeline as P
from .dataset import CLASS_IDS, FaceDataset, LoadReport
from .video import VideoInfo, middle_frame_indices

NAME = "mmi"
LAYOUT = """\
<root>/Sessions/<n>/            (or <root> = the Sessions folder itself)
    S001-001.avi                the clip, <SID>.avi; the subject is the part before '-'
    session.xml                 <track view="0|1|2" .../>: 0 frontal, 1 profile (skipped),
                                2 dual view (frontal and profile side by side)
    S001-001.xml                <Metatag Name="Emotion" Value="k"/>: 1 anger, 2 disgust
                                (dropped), 3 fear, 4 happy, 5 sadness, 6 surprise"""

EMOTIONS = {1: "anger", 2: "disgust", 3: "fear", 4: "happy", 5: "sadness", 6: "surprise"}
TO_CLASS = {
    "anger": "anger",
    "fear": "fear",
    "happy": "happy",
    "sadness": "sad",
    "surprise": "surprise",
}
VIEWS = {0: "frontal", 1: "profile", 2: "dual"}

_SID = re.compile(r"^(S\d+)-\d+$", re.IGNORECASE)

BAD_SESSION_XML = "missing or malformed session.xml"
NO_EMOTION = "no emotion label (action units only)"
NO_VIDEO = "session without a video"
PROFILE_ONLY = "profile view only"


def read_view(session_xml: Path) -> int:
    """The ``view`` of the first ``<track>`` of a session.xml; ValueError if absent or unknown."""
    try:
        root = ET.parse(session_xml).getroot()
    except (ET.ParseError, OSError) as exc:
        raise ValueError(f"cannot read {session_xml.name}: {exc}") from exc
    track = root if root.tag == "track" else root.find(".//track")
    if track is None or track.get("view") is None:
        raise ValueError(f"{session_xml.name} has no <track view=...>")
    try:
        view = int(track.get("view"))
    except ValueError as exc:
        raise ValueError(f"{session_xml.name}: view {track.get('view')!r} is not a number") from exc
    if view not in VIEWS:
        raise ValueError(f"{session_xml.name}: unknown view {view}")
    return view


def read_emotion(label_xml: Path) -> int | None:
    """The Emotion metatag's code (1..6), None when the file has no Emotion metatag.

    Raises :class:`LabelFileError` for a missing or unreadable file, a code that is
    not 1..6, or two Emotion metatags that disagree.
    """
    if not label_xml.is_file():
        raise P.LabelFileError(P.MISSING_LABELS, f"no {label_xml.name}")
    try:
        root = ET.parse(label_xml).getroot()
    except (ET.ParseError, OSError) as exc:
        raise P.LabelFileError(P.MALFORMED_LABELS, f"{label_xml.name}: {exc}") from exc
    values = {
        (tag.get("Value") or "").strip()
        for tag in root.iter("Metatag")
        if (tag.get("Name") or "").strip().lower() == "emotion"
    }
    if not values:
        return None
    if len(values) > 1:
        raise P.LabelFileError(P.MALFORMED_LABELS, f"{label_xml.name}: emotions {sorted(values)}")
    value = values.pop()
    if not value.isdigit() or int(value) not in EMOTIONS:
        detail = f"{label_xml.name}: emotion {value!r} is not 1..6"
        raise P.LabelFileError(P.MALFORMED_LABELS, detail)
    return int(value)


def select_frames(
    label: int, info: VideoInfo, *, peak_frames: int = 3, neutral_first_frame: bool = True
) -> list[tuple[int, int]]:
    """The first frame as neutral, the middle ``peak_frames`` as the clip's class."""
    peak = middle_frame_indices(info.n_frames, peak_frames)
    first = [(0, CLASS_IDS["neutral"])] if neutral_first_frame else []
    return first + [(i, label) for i in peak if not (neutral_first_frame and i == 0)]


def sessions_folder(root: Path) -> Path:
    """``<root>/Sessions`` where present, else root itself."""
    return root / "Sessions" if (root / "Sessions").is_dir() else root


def find_sources(
    root: Path,
    report: LoadReport,
    **options,
) -> list[P.Source]:
    """The labelled clips of the sessions under ``root``; the rest counted in ``report``.

    ``options``: ``dual_view_half``, ``peak_frames``, ``neutral_first_frame``
    (see :func:`load_mmi`).
    """
    sessions = sorted(
        (d for d in sessions_folder(root).iterdir() if d.is_dir()),
        key=lambda d: (len(d.name), d.name),
    )
    sources = []
    for session in sessions:
        videos = sorted(p for p in session.iterdir() if p.suffix.lower() == ".avi")
        if not videos:
            P.exclude(report, session, NO_VIDEO)
            continue
        try:
            view = read_view(session / "session.xml")
        except ValueError as exc:
            report.skip(session / "session.xml", BAD_SESSION_XML, str(exc))
            continue
        for video in videos:
            source = _source(video, view, report, options)
            if source is not None:
                sources.append(source)
    return sources


def _source(video: Path, view: int, report: LoadReport, options: dict) -> P.Source | None:
    """The labelled clip of one video, or None (counted in the report)."""
    sid = _SID.match(video.stem)
    if sid is None:
        report.skip(video, P.BAD_NAME, "expected <SID>.avi such as S001-001.avi")
        return None
    try:
        code = read_emotion(video.with_suffix(".xml"))
    except P.LabelFileError as exc:
        report.skip(video, exc.reason, str(exc))
        return None
    if code is None:
        P.exclude(report, video, NO_EMOTION)
        return None
    emotion = EMOTIONS[code]
    if emotion not in TO_CLASS:
        P.exclude(report, video, P.unused_class(emotion))
        return None
    if view == 1:
        P.exclude(report, video, PROFILE_ONLY)
        return None
    label = CLASS_IDS[TO_CLASS[emotion]]
    select = partial(
        select_frames,
        label,
        peak_frames=options["peak_frames"],
        neutral_first_frame=options["neutral_first_frame"],
    )
    region = options["dual_view_half"] if view == 2 else "full"
    return P.Source(video, sid.group(1).upper(), video.stem, label, select, region)


def load_mmi(
    root: str | Path,
    *,
    image_size: int = 96,
    margin: float = 0.2,
    faces: P.FaceMode = "auto",
    detector=None,
    cache: bool | str | Path = True,
    progress: bool = True,
    dual_view_half: P.Region = "right",
    peak_frames: int = 3,
    neutral_first_frame: bool = True,
) -> tuple[FaceDataset, LoadReport]:
    """Face crops of MMI's video sessions, with the paper's frame selection.

    Parameters
    ----------
    root : the folder holding ``Sessions/`` (or the Sessions folder; see :data:`LAYOUT`)
    image_size, margin, faces, detector, cache, progress : as for
        :func:`facedata.ravdess.load_ravdess`
    dual_view_half : where the frontal face is in dual-view (view 2) recordings:
        "right" (default), "left", or "auto" (the half in which the detector finds
        the larger face; the Haar cascade is frontal, so this picks the frontal
        half). The default follows public preprocessing code for MMI that crops
        the right half of dual-view sessions for a frontal face detector; it
        could not be checked against the data here, so "auto" is the safe choice
        on an unfamiliar copy. Recorded face boxes ignore this option.
    peak_frames : how many middle frames give the clip's class (paper: 3)
    neutral_first_frame : also take each clip's first frame as neutral (paper: yes)

    Subjects are the SID prefixes (``S001``), clip ids the SIDs (``S001-001``).
    """
    face_options = P.FaceOptions(image_size, margin, faces, detector)
    if dual_view_half not in ("left", "right", "auto"):
        raise ValueError(
            f"dual_view_half must be 'left', 'right' or 'auto', got {dual_view_half!r}"
        )
    if int(peak_frames) < 1:
        raise ValueError(f"peak_frames must be at least 1, got {peak_frames}")
    path = P.require_root(root, NAME, LAYOUT)
    if next(sessions_folder(path).glob("*/session.xml"), None) is None:
        raise FileNotFoundError(f"{NAME}: no <n>/session.xml under {path}. Expected:\n{LAYOUT}")
    options = {
        "dual_view_half": dual_view_half,
        "peak_frames": int(peak_frames),
        "neutral_first_frame": bool(neutral_first_frame),
    }

    return P.load_sources(
        NAME,
        path,
        options,
        face_options,
        partial(find_sources, path, **options),
        cache=cache,
        progress=progress,
    )
