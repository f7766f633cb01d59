"""Builders of small corpora in the real datasets' layouts, from synthetic faces.

The loader tests write, in pytest's ``tmp_path``, files laid out exactly as
RAVDESS, MMI, BAUM-1s and iCV-MEFED distribute them (videos written with
OpenCV, session XML files, an annotation spreadsheet, image folders), plus
broken files. Videos are tiny (56x64 pixels, 24 frames at 8 fps, so a 500 ms
chunk is 4 frames) to keep the tests fast. Beside each video or image a
``<stem>.faces.csv`` sidecar records where the face was drawn, since the Haar
cascade finds the small synthetic faces in only about two frames of three.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from facedata.faces import RecordedFaces
from facedata.synthetic import render_clip, sample_persons

FPS = 8
N_FRAMES = 24
FRAME_SIZE = (64, 56)  # width, height
FACE_SIZE = 40
FOURCC = {".mp4": "mp4v", ".avi": "MJPG"}


@functools.cache
def _identities(n: int) -> tuple:
    return tuple(sample_persons(n, seed=0))


@functools.cache
def clip(subject: int, expression: int, n_frames: int = N_FRAMES) -> tuple[np.ndarray, np.ndarray]:
    """Frames (RGB) and face boxes of subject ``subject`` showing class ``expression``."""
    identity = _identities(8)[subject]
    frames, boxes = render_clip(
        identity,
        expression,
        n_frames,
        frame_size=FRAME_SIZE,
        face_size=FACE_SIZE,
        seed=10 * subject + expression,
    )
    frames.setflags(write=False)
    boxes.setflags(write=False)
    return frames, boxes


def write_video(path: Path, frames: np.ndarray, fps: int = FPS) -> Path:
    """RGB frames to a video (mp4v for .mp4, MJPG for .avi)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height, width = frames.shape[1:3]
    fourcc = cv2.VideoWriter_fourcc(*FOURCC[path.suffix.lower()])
    writer = cv2.VideoWriter(str(path), fourcc, fps, (width, height))
    assert writer.isOpened(), path
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[..., ::-1]))
    writer.release()
    return path


def write_boxes(source: Path, boxes: np.ndarray, without: Iterable[int] = ()) -> Path:
    """The face-box sidecar of ``source``; frames in ``without`` get no row (no face)."""
    skip = set(without)
    recorded = RecordedFaces({i: [tuple(b)] for i, b in enumerate(boxes) if i not in skip})
    path = RecordedFaces.sidecar(source)
    recorded.to_csv(path)
    return path


def write_clip(
    path: Path,
    subject: int,
    expression: int,
    *,
    n_frames: int = N_FRAMES,
    boxes: bool = True,
    without: Iterable[int] = (),
) -> Path:
    """A synthetic clip at ``path`` and (``boxes``) its sidecar, minus the frames ``without``."""
    frames, face_boxes = clip(subject, expression, n_frames)
    write_video(path, frames)
    if boxes:
        write_boxes(path, face_boxes, without)
    return path


def write_bytes(path: Path, data: bytes = b"") -> Path:
    """A file with the given bytes (empty by default): a broken video or image."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def truncate(path: Path, fraction: float = 0.5) -> Path:
    """Cut a file to ``fraction`` of its bytes, as an interrupted copy would."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


# -- MMI ------------------------------------------------------------------------------------


def dual_view(
    frames: np.ndarray, boxes: np.ndarray, face_half: str
) -> tuple[np.ndarray, np.ndarray]:
    """Frames twice as wide: the face in ``face_half``, a blurred mirror image (the
    profile seen in MMI's mirror) in the other; boxes in whole-frame coordinates."""
    other = np.stack([cv2.GaussianBlur(f[:, ::-1], (9, 9), 0) for f in frames])
    pair = (frames, other) if face_half == "left" else (other, frames)
    shift = 0 if face_half == "left" else frames.shape[2]
    moved = boxes.copy()
    moved[:, 0] += shift
    return np.concatenate(pair, axis=2), moved


def write_session_xml(folder: Path, view: int | str | None) -> Path:
    """``session.xml`` with ``<track view=...>``; None writes a track without a view."""
    folder.mkdir(parents=True, exist_ok=True)
    attr = "" if view is None else f' view="{view}"'
    text = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<session sessionId="{folder.name}">\n'
        f'  <track id="0" type="Video"{attr} />\n</session>\n'
    )
    path = folder / "session.xml"
    path.write_text(text)
    return path


def write_label_xml(path: Path, emotion: int | str | None, extra_aus: bool = True) -> Path:
    """``<SID>.xml`` with ``<Metatag Name="Emotion" Value=...>`` (None: no Emotion metatag)."""
    tags = ['  <Metatag Name="Gender" Value="Female" />']
    if emotion is not None:
        tags.append(f'  <Metatag Name="Emotion" Value="{emotion}" />')
    if extra_aus:
        tags.append('  <ActionUnit Number="12" />')
    text = (
        '<?xml version="1.0" encoding="utf-8"?>\n<Session>\n' + "\n".join(tags) + "\n</Session>\n"
    )
    path.write_text(text)
    return path


def write_mmi_session(
    sessions: Path,
    number: int,
    sid: str,
    subject: int,
    expression: int,
    emotion_code: int | str | None,
    *,
    view: int | str | None = 0,
    face_half: str = "right",
    boxes: bool = True,
) -> Path:
    """``Sessions/<number>/`` with ``<sid>.avi``, ``session.xml`` and ``<sid>.xml``."""
    folder = sessions / str(number)
    frames, face_boxes = clip(subject, expression)
    if str(view) == "2":
        frames, face_boxes = dual_view(frames, face_boxes, face_half)
    video = write_video(folder / f"{sid}.avi", frames)
    if boxes:
        write_boxes(video, face_boxes)
    write_session_xml(folder, view)
    write_label_xml(folder / f"{sid}.xml", emotion_code)
    return video


# -- BAUM-1s --------------------------------------------------------------------------------

BAUM_NAMES = {
    1: "Anger",
    6: "Disgust",
    7: "Fear",
    8: "Happiness",
    9: "Neutral",
    10: "Sadness",
    11: "Surprise",
    12: "Thinking",
}


def write_baum_annotations(path: Path, rows: Iterable[tuple], *, style: str = "full") -> Path:
    """An annotation file of ``(clip, code)`` or ``(clip, code, name)`` rows.

    ``style="full"``: an .xlsx with a title row, a header row and the columns
    No, Subject, Clip Name, Emotion, Emotion Code, Gender (as copies of the
    spreadsheet have); ``style="bare"``: a CSV of just clip and code, no header.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = list(rows)
    if style == "bare":
        pd.DataFrame([r[:2] for r in rows]).to_csv(path, header=False, index=False)
        return path
    records = [
        [n, int(r[0][1:4]), r[0], r[2] if len(r) > 2 else BAUM_NAMES.get(r[1], "Other"), r[1], "F"]
        for n, r in enumerate(rows, start=1)
    ]
    header = ["No", "Subject", "Clip Name", "Emotion", "Emotion Code", "Gender"]
    title = ["BAUM-1s annotations", "", "", "", "", ""]
    table = pd.DataFrame([title, header, *records])
    if path.suffix.lower() == ".csv":
        table.to_csv(path, header=False, index=False)
    else:
        table.to_excel(path, header=False, index=False)
    return path


# -- iCV-MEFED ------------------------------------------------------------------------------


def write_image(path: Path, subject: int, expression: int, *, boxes: bool = True) -> Path:
    """A still of the subject's expression at its apex (the middle frame of a clip)."""
    frames, face_boxes = clip(subject, expression)
    middle = len(frames) // 2
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), np.ascontiguousarray(frames[middle][..., ::-1])), path
    if boxes:
        RecordedFaces({0: [tuple(face_boxes[middle])]}).to_csv(RecordedFaces.sidecar(path))
    return path


# -- FER2013 --------------------------------------------------------------------------------

FER_SIDE = 48


def fer_face(seed: int) -> np.ndarray:
    """A 48x48 grey uint8 image unique to ``seed``: a gradient (so that row-major order
    and orientation are checked) shifted by the seed, plus a seeded speckle."""
    rows, cols = np.mgrid[0:FER_SIDE, 0:FER_SIDE]
    speckle = np.random.default_rng(seed).integers(0, 16, (FER_SIDE, FER_SIDE))
    return ((rows * 4 + cols + seed * 7 + speckle) % 256).astype(np.uint8)


def fer_pixels(face: np.ndarray) -> str:
    """The CSV's pixel string of a face: its values, row by row, space-separated."""
    return " ".join(map(str, face.ravel().tolist()))


def write_fer_csv(
    path: Path, rows: Iterable[tuple], *, columns: tuple[str, ...] = ("emotion", "pixels", "Usage")
) -> Path:
    """A FER2013 CSV of ``rows``, each a tuple of cells in ``columns`` order (text as
    given: a broken row is written as it comes). Written by hand, not with pandas,
    so that no cell is quoted or reformatted unless the test does it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(columns), *(",".join(str(c) for c in row) for row in rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_grey(path: Path, face: np.ndarray) -> Path:
    """An image file of a face (grey, or colour given as RGB)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = face if face.ndim == 2 else np.ascontiguousarray(face[..., ::-1])
    assert cv2.imwrite(str(path), image), path
    return path


# -- one's own data ----------------------------------------------------------------------------


def write_still(
    path: Path,
    subject: int,
    expression: int,
    *,
    form: str = "rgb",
    boxes: bool = True,
    scale: float = 1.0,
) -> Path:
    """A still of the subject's expression (:func:`write_image`'s frame) written as
    ``form``: "rgb", "grey", "rgba" (alpha 255 on the face box, 0 elsewhere) or
    "16bit"; ``scale`` resizes it (and its recorded box)."""
    frames, face_boxes = clip(subject, expression)
    middle = len(frames) // 2
    rgb, box = frames[middle], np.asarray(face_boxes[middle], float)
    if scale != 1.0:
        size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        box = box * scale
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    if form == "grey":
        image = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    elif form == "rgba":
        alpha = np.zeros(bgr.shape[:2], np.uint8)
        x, y, w, h = (int(v) for v in box)
        alpha[max(y, 0) : y + h, max(x, 0) : x + w] = 255
        image = np.dstack([bgr, alpha])
    elif form == "16bit":
        image = bgr.astype(np.uint16) * 257
    else:
        image = bgr
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), image), path
    if boxes:
        box = tuple(max(1, round(v)) if i >= 2 else round(v) for i, v in enumerate(box))
        RecordedFaces({0: [box]}).to_csv(RecordedFaces.sidecar(path))
    return path
