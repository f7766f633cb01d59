"""The machinery the real-dataset loaders share: from labelled sources to face crops.

A loader's own job is to read its dataset's layout and annotations into a list
of :class:`Source` items (a video or an image, its subject, clip id, class and
frame selection). :func:`build` then does the rest, the same way for every
dataset: it probes each video, picks the frames, reads them, finds the face
(by detection, or from the boxes a synthetic corpus recorded next to its
videos), crops it and assembles a :class:`FaceDataset`, counting every skipped
item in the :class:`LoadReport` (a bad file never stops a load).

Two kinds of skips are told apart. Bad input (an unreadable video, a frame
without a face, a file name that does not parse, a broken label file) is
recorded with a warning; deliberate exclusions (a class the project does not
use, a modality the options leave out) are recorded quietly through
:func:`exclude`, so that a full dataset does not print thousands of warnings.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from tqdm import tqdm

from .align import EYE_DISTANCE, EYE_LINE
from .dataset import CLASSES, FaceDataset, LoadReport
from .faces import FaceDetector, RecordedFaces, crop_face, face_crop, largest_face, resolve_detector
from .images import UNREADABLE, ImageError, read_image
from .video import (
    VideoError,
    VideoInfo,
    chunked_frame_indices,
    probe,
    read_frames,
    video_backend,
)

# -- skip reasons (the keys of LoadReport.skipped; tests count them exactly) -------
UNREADABLE_VIDEO = "unreadable video"
UNREADABLE_FRAME = "unreadable frame"
SHORT_VIDEO = "video cut short (frames after the break lost)"
UNREADABLE_IMAGE = UNREADABLE  # (facedata.images)
NO_FRAMES = "clip too short for the frame selection"
NO_FACE = "no face found"
NO_RECORDED_FACES = "no recorded face boxes"
BAD_SIDECAR = "malformed face-box sidecar"
BAD_NAME = "file name does not parse"
MISSING_LABELS = "missing label file"
MALFORMED_LABELS = "malformed label file"


class LabelFileError(ValueError):
    """A label file (MMI's ``<SID>.xml``, BAUM-1s' spreadsheet) that is missing,
    unreadable or holds no valid label; ``reason`` is the load report's skip reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


NO_LABEL = "no label for the file"
MISSING_VIDEO = "labelled video missing"
INCOMPLETE_SUBJECT = "subject lacks some of the six classes"


def unused_class(name: str) -> str:
    """The reason for an item whose class the project does not use (calm, disgust, ...)."""
    return f"class not used ({name})"


def exclude(report: LoadReport, path: str | Path, reason: str, detail: str = "") -> None:
    """Record a deliberate exclusion: counted in the report, but without a warning."""
    warn, report.warn = report.warn, False
    try:
        report.skip(path, reason, detail)
    finally:
        report.warn = warn


FaceMode = Literal["auto", "detect", "recorded", "whole"]
FACE_MODES = ("auto", "detect", "recorded", "whole")
"""How faces are found: recorded boxes where present, else the detector ("auto"); always
the detector; only recorded boxes; or none at all ("whole": every image or frame is a
face crop already, as in the pre-cropped sets, and is taken whole: its centred square)."""
Region = Literal["full", "left", "right", "auto"]
FrameSelector = Callable[[VideoInfo], Sequence[tuple[int, int]]]
"""Given a video's :class:`VideoInfo`, the ``(frame index, class id)`` pairs to take."""

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")


@dataclass(frozen=True)
class Source:
    """One labelled video or still image, as a loader found it.

    ``select`` is None for a still image (one crop, class ``label``, frame index
    ``frame``: -1 for a lone image, its place in name order for the images of a
    folder that form one clip); for a video it maps the video's :class:`VideoInfo` to the
    ``(frame, class id)`` pairs to crop (MMI takes frame 0 as neutral and the
    middle frames as the clip's class). ``region`` restricts face detection to
    a half of the frame (MMI's dual-view recordings); "auto" takes the half in
    which the detector finds the larger face.
    """

    path: Path
    subject: str
    clip: str
    label: int
    select: FrameSelector | None = None
    region: Region = "full"
    frame: int = -1


@dataclass
class FaceOptions:
    """How faces are found and cropped; part of every loader's options.

    ``detector``: a name (``"mtcnn"``, the default, or ``"haar"``), None (the
    default) or a detector object (:mod:`facedata.faces`); a detector that gives
    the eyes (MTCNN) gives crops aligned on them (:mod:`facedata.align`), and
    ``margin`` is added around the face box either way. Recorded boxes are
    cropped unaligned.
    """

    image_size: int = 96
    margin: float = 0.2
    faces: FaceMode = "auto"
    detector: FaceDetector | str | None = None

    def __post_init__(self) -> None:
        if self.faces not in FACE_MODES:
            raise ValueError(f"faces must be one of {FACE_MODES}, got {self.faces!r}")
        if int(self.image_size) < 8:
            raise ValueError(f"image_size must be at least 8, got {self.image_size}")
        if not 0.0 <= float(self.margin) < 2.0:
            raise ValueError(f"margin must be in [0, 2), got {self.margin}")
        if isinstance(self.detector, str):
            resolve_detector(self.detector)  # an unknown name is a ValueError now

    def cache_key(self) -> dict:
        """The options that change the crops: the detector that would run (by its
        class and settings, the default resolved, so that a change of default is
        a new key) and the alignment's geometry; neither where only recorded boxes
        are used, or none ("whole")."""
        detecting = self.faces in ("auto", "detect")
        return {
            "image_size": int(self.image_size),
            "margin": float(self.margin),
            "faces": self.faces,
            "detector": _describe(self.the_detector()) if detecting else None,
            "alignment": [EYE_DISTANCE, EYE_LINE] if detecting else None,
        }

    def the_detector(self) -> FaceDetector:
        """The detector to use where no recorded boxes are: the given one (or the
        one of that name), else the default, MTCNN."""
        return resolve_detector(self.detector)


def _describe(obj: object) -> str:
    """A stable description of a detector for the cache key: its own repr when it
    has one (the Haar detector lists its settings), else its class and plain attributes."""
    if type(obj).__repr__ is not object.__repr__:
        return repr(obj)
    params = getattr(obj, "__dict__", {})
    simple = {k: v for k, v in sorted(params.items()) if isinstance(v, (int, float, str, bool))}
    return f"{type(obj).__module__}.{type(obj).__qualname__}{simple}"


def chunked(label: int, info: VideoInfo) -> list[tuple[int, int]]:
    """The paper's selection for RAVDESS and BAUM-1s: the two penultimate frames
    of each 500 ms chunk, the first and the last chunk dropped (see
    :func:`~facedata.video.chunked_frame_indices`); every frame takes the clip's class."""
    return [(i, label) for i in chunked_frame_indices(info.n_frames, info.fps)]


# -- finding the face in one frame ------------------------------------------------


class _FaceFinder:
    """Crops the face of the frames of one source, from recorded boxes or by detection.

    Raises FileNotFoundError when ``faces="recorded"`` and the source has no
    sidecar, ValueError when its sidecar is malformed.
    """

    def __init__(self, source: Source, options: FaceOptions):
        self.source = source
        self.options = options
        self.recorded = None
        if options.faces in ("auto", "recorded"):
            self.recorded = RecordedFaces.for_video(source.path)
            if self.recorded is None and options.faces == "recorded":
                sidecar = RecordedFaces.sidecar(source.path).name
                raise FileNotFoundError(f"no {sidecar} beside {source.path.name}")

    def crop(self, frame: int, image_bgr: np.ndarray) -> np.ndarray | None:
        """The face crop (float32 RGB in [-1, 1]) of one frame, or None when none is found.

        Recorded boxes are in whole-frame coordinates (a still image is frame 0);
        a detector looks only in the source's region.
        """
        size, margin = self.options.image_size, self.options.margin
        if self.options.faces == "whole":  # a face crop already: its centred square
            height, width = image_bgr.shape[:2]
            side = min(height, width)
            box = ((width - side) // 2, (height - side) // 2, side, side)
            return crop_face(image_bgr, box, size=size, margin=0.0)
        if self.recorded is not None:
            box = self.recorded.box(max(frame, 0))
            return None if box is None else crop_face(image_bgr, box, size=size, margin=margin)
        detector = self.options.the_detector()
        part = _region(image_bgr, self.source.region, detector)
        return face_crop(part, detector, size=size, margin=margin)


def _region(image: np.ndarray, region: Region, detector) -> np.ndarray:
    """The part of the frame in which to look for the face."""
    if region == "full":
        return image
    half = image.shape[1] // 2
    left, right = image[:, :half], image[:, half:]
    if region == "left":
        return left
    if region == "right":
        return right

    def area(part: np.ndarray) -> int:
        box = largest_face(detector.detect(part))
        return 0 if box is None else int(box[2]) * int(box[3])

    return left if area(left) >= area(right) else right


# -- the load loop ----------------------------------------------------------------


@dataclass
class _Rows:
    """The dataset under construction, one list per column."""

    images: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    subjects: list = field(default_factory=list)
    clips: list = field(default_factory=list)
    frames: list = field(default_factory=list)
    paths: list = field(default_factory=list)

    def add(self, source: Source, image: np.ndarray, label: int, frame: int) -> None:
        self.images.append(image)
        self.labels.append(label)
        self.subjects.append(source.subject)
        self.clips.append(source.clip)
        self.frames.append(frame)
        self.paths.append(str(source.path))

    def dataset(self, name: str, image_size: int) -> FaceDataset:
        if not self.labels:
            return FaceDataset.empty(image_size, name=name)
        return FaceDataset(
            np.stack(self.images),
            self.labels,
            self.subjects,
            self.clips,
            self.frames,
            self.paths,
            name=name,
        )


def _frames_of(
    source: Source, report: LoadReport, crop_size: int | None = None
) -> Iterable[tuple[int, int, np.ndarray]]:
    """``(frame index, class id, BGR image)`` for the selected frames of one source.

    A still image is frame -1 here (its recorded box is frame 0 of its sidecar);
    grey, RGBA and 16-bit images are converted (:func:`~facedata.images.read_image`)
    and the conversions counted in the report."""
    if source.select is None:
        try:
            image, conversions = read_image(source.path, crop_size)
        except ImageError as exc:
            report.skip(source.path, exc.reason, str(exc))
            return
        for what in conversions:
            report.convert(source.path, what)
        yield -1, source.label, image
        return
    try:
        info = probe(source.path)
    except VideoError as exc:
        report.skip(source.path, UNREADABLE_VIDEO, str(exc))
        return
    claimed = header_frames(source.path)
    if claimed > info.n_frames + max(2, claimed // 100):  # an estimate may be off by a frame
        report.skip(
            source.path,
            SHORT_VIDEO,
            f"{info.n_frames} of the {claimed} frames its header lists decode: the rest is lost",
        )
    try:
        wanted = list(source.select(info))
    except ValueError as exc:  # e.g. a frame rate too low for 500 ms chunks
        report.skip(source.path, NO_FRAMES, str(exc))
        return
    if not wanted:
        report.skip(source.path, NO_FRAMES, f"{info.n_frames} frames at {info.fps:g} fps")
        return
    try:
        images = read_frames(source.path, [i for i, _ in wanted])
    except VideoError as exc:
        report.skip(source.path, UNREADABLE_VIDEO, str(exc))
        return
    for index, label in wanted:
        if index not in images:
            report.skip(f"{source.path}#{index}", UNREADABLE_FRAME, "truncated or damaged video")
            continue
        yield index, label, images[index]


def header_frames(path: str | os.PathLike) -> int:
    """The number of frames a video's header lists (0 when it lists none or does not
    open): a truncated file keeps claiming its whole length."""
    capture = cv2.VideoCapture(os.fspath(path), video_backend())
    try:
        return max(0, int(capture.get(cv2.CAP_PROP_FRAME_COUNT))) if capture.isOpened() else 0
    finally:
        capture.release()


def build(
    name: str,
    root: str | Path,
    sources: Sequence[Source],
    options: FaceOptions,
    report: LoadReport,
    *,
    progress: bool = True,
) -> tuple[FaceDataset, LoadReport]:
    """Face crops of the selected frames of ``sources``, and the completed report.

    Every source is read on its own: one that fails is skipped with its reason
    and the load goes on. The report's clip, frame and subject counts are
    those of the returned dataset.
    """
    rows = _Rows()
    bar = tqdm(sources, desc=f"{name}: face crops", unit="clip", disable=not progress)
    for source in bar:
        try:
            finder = _FaceFinder(source, options)
        except FileNotFoundError as exc:
            report.skip(source.path, NO_RECORDED_FACES, str(exc))
            continue
        except (ValueError, OSError) as exc:
            report.skip(RecordedFaces.sidecar(source.path), BAD_SIDECAR, str(exc))
            continue
        for index, label, image in _frames_of(source, report, options.image_size):
            crop = finder.crop(index, image)
            if crop is None:
                where = source.path if index < 0 else f"{source.path}#{index}"
                report.skip(where, NO_FACE)
                continue
            rows.add(source, crop, label, index if index >= 0 else source.frame)
    dataset = rows.dataset(name, options.image_size)
    report.count(dataset)
    return dataset, report


# -- helpers the loaders share ----------------------------------------------------


def require_root(root: str | Path, name: str, layout: str, *, must_hold: str | None = None) -> Path:
    """``root`` as a Path, or a FileNotFoundError that names the expected layout.

    ``must_hold`` (a glob pattern) also requires that something under root
    matches it, so that pointing a loader at the wrong folder fails clearly.
    """
    path = Path(root).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"{name}: no dataset folder at {path}. Expected layout:\n{layout}")
    if must_hold is not None and next(path.glob(must_hold), None) is None:
        raise FileNotFoundError(
            f"{name}: nothing matching {must_hold!r} under {path}. Expected layout:\n{layout}"
        )
    return path


def missing_classes(labels: Iterable[int]) -> list[str]:
    """The project's classes absent from ``labels``, in the project's order."""
    present = set(labels)
    return [c for i, c in enumerate(CLASSES) if i not in present]


def keep_complete_subjects(
    sources: Sequence[Source], report: LoadReport, where: Callable[[str], str | Path]
) -> list[Source]:
    """The sources of subjects whose sources cover all six classes.

    Every other subject is skipped once (reason :data:`INCOMPLETE_SUBJECT`,
    the missing classes in the detail); ``where(subject)`` names it in the report.
    """
    by_subject: dict[str, list[Source]] = defaultdict(list)
    for source in sources:
        by_subject[source.subject].append(source)
    kept: list[Source] = []
    for subject, own in by_subject.items():
        missing = missing_classes(s.label for s in own)
        if missing:
            report.skip(where(subject), INCOMPLETE_SUBJECT, "no " + ", ".join(missing))
        else:
            kept.extend(own)
    return kept


def drop_incomplete_subjects(
    dataset: FaceDataset, report: LoadReport, where: Callable[[str], str | Path]
) -> FaceDataset:
    """``dataset`` without the subjects that lost a class while loading (bad videos, no faces).

    Each such subject is skipped once with :data:`INCOMPLETE_SUBJECT`, and the
    report's loaded counts are updated.
    """
    keep = np.ones(len(dataset), bool)
    for subject in dataset.subject_ids():
        rows = dataset.subjects == subject
        missing = missing_classes(dataset.labels[rows].tolist())
        if missing:
            report.skip(
                where(subject), INCOMPLETE_SUBJECT, "after loading: no " + ", ".join(missing)
            )
            keep &= ~rows
    if keep.all():
        return dataset
    dataset = dataset[keep]
    report.count(dataset)
    return dataset


def load_sources(
    name: str,
    path: Path,
    options: dict,
    face_options: FaceOptions,
    find: Callable[[LoadReport], list[Source]],
    *,
    cache: bool | str | Path,
    progress: bool,
    finish: Callable[[FaceDataset, LoadReport], FaceDataset] | None = None,
) -> tuple[FaceDataset, LoadReport]:
    """What every loader does once it knows its sources: ``find(report)`` lists them
    (reporting what it skips), :func:`build` reads their faces, ``finish`` may filter
    the dataset, and the whole goes through the crop cache, keyed by the dataset's
    ``options`` and the face options (a second load with the same key reads no file)."""

    def build_it() -> tuple[FaceDataset, LoadReport]:
        report = LoadReport(name, str(path))
        dataset, report = build(name, path, find(report), face_options, report, progress=progress)
        if finish is not None:
            dataset = finish(dataset, report)
        return dataset, report

    from .cache import cached_load

    key = {**options, **face_options.cache_key()}
    return cached_load(name, path, key, build_it, cache=cache)
