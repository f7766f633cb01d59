"""RAVDESS: labels from the file name, 500 ms chunks of each video.

The Ryerson Audio-Visual Database of Emotional Speech and Song (Zenodo 1188976)
is distributed as ``Actor_XX/MM-VV-EE-II-SS-RR-AA.mp4`` (the ``Video_Speech_*``
and ``Video_Song_*`` zips each unpack to ``Actor_XX/`` folders). The seven
two-digit fields are modality, vocal channel, emotion, intensity, statement,
repetition and actor; the label lives only in the name. Calm and disgust are
not among the project's classes and are dropped (counted in the report, without
a warning); audio-only files (modality 03, ``.wav``) hold no face and are
skipped the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from . import _pipeline as P
from .dataset import CLASS_IDS, FaceDataset, LoadReport

NAME = "ravdess"
LAYOUT = """\
<root>/Actor_01/ ... Actor_24/   (or <root>/<zip folder>/Actor_XX/, e.g. Video_Speech_Actor_01/)
    MM-VV-EE-II-SS-RR-AA.mp4     seven two-digit fields:
      MM modality       01 audio-video, 02 video-only, 03 audio-only (.wav, skipped)
      VV vocal channel  01 speech, 02 song
      EE emotion        01 neutral, 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful,
                        07 disgust, 08 surprised   (calm and disgust are dropped)
      II intensity      01 normal, 02 strong
      SS statement      01, 02;  RR repetition 01, 02;  AA actor 01-24 (matches the folder)
  e.g. Actor_01/02-01-06-01-02-01-01.mp4"""

MODALITIES = {1: "audio-video", 2: "video-only", 3: "audio-only"}
VOCAL_CHANNELS = {1: "speech", 2: "song"}
EMOTIONS = {
    1: "neutral",
    2: "calm",
    3: "happy",
    4: "sad",
    5: "angry",
    6: "fearful",
    7: "disgust",
    8: "surprised",
}
TO_CLASS = {
    "neutral": "neutral",
    "happy": "happy",
    "sad": "sad",
    "angry": "anger",
    "fearful": "fear",
    "surprised": "surprise",
}
"""RAVDESS emotion -> the project's class; calm and disgust have none."""

_NAME = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$")
_ACTOR_DIR = re.compile(r"^Actor_(\d\d)$")
_SUFFIXES = (".mp4", ".wav")


@dataclass(frozen=True)
class RavdessName:
    """The seven fields of a RAVDESS file name, as numbers."""

    modality: int
    vocal_channel: int
    emotion: int
    intensity: int
    statement: int
    repetition: int
    actor: int

    @property
    def emotion_name(self) -> str:
        return EMOTIONS[self.emotion]

    @property
    def class_id(self) -> int | None:
        """The project's class id, or None for calm and disgust."""
        name = TO_CLASS.get(self.emotion_name)
        return None if name is None else CLASS_IDS[name]


def parse_name(stem: str) -> RavdessName:
    """The fields of a file name (without suffix); ValueError when it does not parse."""
    match = _NAME.match(stem)
    if match is None:
        raise ValueError(f"{stem!r} is not seven two-digit fields joined by '-'")
    name = RavdessName(*(int(g) for g in match.groups()))
    checks = (
        ("modality", name.modality in MODALITIES),
        ("vocal channel", name.vocal_channel in (1, 2)),
        ("emotion", name.emotion in EMOTIONS),
        ("intensity", name.intensity in (1, 2)),
        ("statement", name.statement in (1, 2)),
        ("repetition", name.repetition in (1, 2)),
        ("actor", name.actor >= 1),
    )
    bad = [field for field, ok in checks if not ok]
    if bad:
        raise ValueError(f"{stem!r}: out-of-range {', '.join(bad)}")
    return name


def _codes(values: Sequence[str], table: dict[int, str], option: str) -> frozenset[int]:
    """Option values (names or codes) as codes of ``table``."""
    by_name = {v: k for k, v in table.items()}
    codes = set()
    for value in values:
        code = by_name.get(value) if isinstance(value, str) and not value.isdigit() else int(value)
        if code not in table:
            raise ValueError(f"{option}: unknown value {value!r}; choose from {sorted(by_name)}")
        codes.add(code)
    return frozenset(codes)


def find_sources(
    root: Path,
    report: LoadReport,
    *,
    modalities: frozenset[int],
    vocal_channels: frozenset[int],
) -> list[P.Source]:
    """The labelled videos under ``root``; everything else is counted in ``report``."""
    actor_dirs = sorted(
        d
        for d in [*root.glob("Actor_*"), *root.glob("*/Actor_*")]
        if d.is_dir() and _ACTOR_DIR.match(d.name)
    )
    sources = []
    for folder in actor_dirs:
        folder_actor = int(_ACTOR_DIR.match(folder.name).group(1))
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.suffix.lower() not in _SUFFIXES:
                continue  # the face-box sidecars of a synthetic corpus, stray files
            try:
                name = parse_name(path.stem)
            except ValueError as exc:
                report.skip(path, P.BAD_NAME, str(exc))
                continue
            if name.actor != folder_actor:
                report.skip(
                    path,
                    "actor field disagrees with the folder",
                    f"actor {name.actor:02d} in {folder.name}",
                )
                continue
            if name.modality == 3 or path.suffix.lower() == ".wav":
                P.exclude(report, path, "audio only (no faces)")
            elif name.modality not in modalities:
                P.exclude(report, path, f"modality not selected ({MODALITIES[name.modality]})")
            elif name.vocal_channel not in vocal_channels:
                channel = VOCAL_CHANNELS[name.vocal_channel]
                P.exclude(report, path, f"vocal channel not selected ({channel})")
            elif name.class_id is None:
                P.exclude(report, path, P.unused_class(name.emotion_name))
            else:
                label = name.class_id
                sources.append(
                    P.Source(path, folder.name, path.stem, label, partial(P.chunked, label))
                )
    return sources


def load_ravdess(
    root: str | Path,
    *,
    image_size: int = 96,
    margin: float = 0.2,
    faces: P.FaceMode = "auto",
    detector=None,
    cache: bool | str | Path = True,
    progress: bool = True,
    modalities: Sequence[str] = ("video-only",),
    vocal_channels: Sequence[str] = ("speech", "song"),
) -> tuple[FaceDataset, LoadReport]:
    """Face crops of RAVDESS, with the paper's frame selection.

    Parameters
    ----------
    root : the folder that holds the ``Actor_XX/`` folders (see :data:`LAYOUT`)
    image_size, margin : side of the square crops, and the margin around the face box
    faces : "auto" (recorded boxes where a ``<stem>.faces.csv`` is present, else
        detection), "detect" (always detect) or "recorded" (only recorded boxes)
    detector : a face detector (``detect(image_bgr) -> boxes``) or its name ("mtcnn",
        "haar"); None: the default, MTCNN (crops aligned on the eyes)
    cache : True (default cache folder), False (no cache) or a cache folder
    progress : show a progress bar
    modalities : "video-only" (default) and/or "audio-video" (the same videos with sound)
    vocal_channels : "speech" and/or "song"

    Subjects are the ``Actor_XX`` folder names, clip ids the file stems.
    """
    face_options = P.FaceOptions(image_size, margin, faces, detector)
    modality_codes = _codes(modalities, MODALITIES, "modalities")
    if 3 in modality_codes:
        raise ValueError("modalities: audio-only files hold no faces")
    channel_codes = _codes(vocal_channels, VOCAL_CHANNELS, "vocal_channels")
    path = P.require_root(root, NAME, LAYOUT)
    if next(path.glob("Actor_*"), None) is None and next(path.glob("*/Actor_*"), None) is None:
        raise FileNotFoundError(f"{NAME}: no Actor_XX folder under {path}. Expected:\n{LAYOUT}")

    options = {
        "modalities": sorted(MODALITIES[c] for c in modality_codes),
        "vocal_channels": sorted(VOCAL_CHANNELS[c] for c in channel_codes),
    }
    return P.load_sources(
        NAME,
        path,
        options,
        face_options,
        partial(find_sources, path, modalities=modality_codes, vocal_channels=channel_codes),
        cache=cache,
        progress=progress,
    )
