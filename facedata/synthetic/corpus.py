"""Synthetic corpora: RAVDESS-named videos on disk and ready face datasets in memory.

:func:`write_ravdess_corpus` writes clips of :func:`~facedata.synthetic.rendering.render_clip`
in the RAVDESS video-only layout, each with the face box of every frame beside it;
:func:`make_dataset` renders face-centred crops as a :class:`~facedata.dataset.FaceDataset`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from ..dataset import CLASSES, FaceDataset, from_uint8
from ..faces import RecordedFaces
from .persons import INTENSITIES, SyntheticPerson, sample_persons
from .rendering import Jitter, render_clip, render_face

RAVDESS_EMOTIONS: dict[int, int] = {0: 1, 1: 3, 2: 8, 3: 5, 4: 6, 5: 4}
"""Project class id -> RAVDESS emotion code (01 neutral, 03 happy, 08 surprised,
05 angry, 06 fearful, 04 sad)."""

_SONG_CLASSES = (0, 1, 3, 4, 5)  # RAVDESS song has no surprise (and no disgust)


def ravdess_name(
    channel: int, expression: int, intensity: int, statement: int, repetition: int, actor: int
) -> str:
    """The RAVDESS file name of a video-only clip: ``02-VV-EE-II-SS-RR-AA.mp4``."""
    fields = (2, channel, RAVDESS_EMOTIONS[expression], intensity, statement, repetition, actor)
    return "-".join(f"{f:02d}" for f in fields) + ".mp4"


def write_video(path: str | Path, frames: np.ndarray, fps: int = 30) -> None:
    """Write RGB ``frames`` (n, H, W, 3) to an mp4 file with OpenCV's 'mp4v' codec."""
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write {path}")
    try:
        for frame in frames:
            writer.write(np.ascontiguousarray(frame[..., ::-1]))
    finally:
        writer.release()


def write_ravdess_corpus(
    out_dir: str | Path,
    n_subjects: int = 4,
    *,
    seed: int = 0,
    fps: int = 30,
    seconds: float = 3.0,
    frame_size: tuple[int, int] = (160, 128),
    repetitions: int = 2,
    statements: int = 2,
    song: bool = False,
    talk: float = 0.2,
    progress: bool = True,
) -> list[Path]:
    """Write synthetic clips in the RAVDESS video-only layout; return the video paths.

    ``out_dir/Actor_XX/02-VV-EE-II-SS-RR-XX.mp4`` for the six project classes, both
    intensities (neutral: normal only, as in RAVDESS), every statement and
    repetition, speech (``VV`` 01) and, with ``song``, song (02: no surprise, as in
    RAVDESS). Next to each video, ``<stem>.faces.csv`` holds the face box of every
    frame (:class:`facedata.faces.RecordedFaces` reads it). Actor ``k`` is person ``k - 1`` of
    :func:`~facedata.synthetic.persons.sample_persons` with ``seed``.
    """
    from tqdm import tqdm

    out_dir = Path(out_dir)
    n_frames = max(1, round(fps * seconds))
    jobs = []
    for actor, person in enumerate(sample_persons(n_subjects, seed), start=1):
        for channel in (1, 2) if song else (1,):
            classes = range(len(CLASSES)) if channel == 1 else _SONG_CLASSES
            for expression in classes:
                for level in (1,) if expression == 0 else (1, 2):
                    for statement in range(1, statements + 1):
                        for repetition in range(1, repetitions + 1):
                            jobs.append(
                                (actor, person, channel, expression, level, statement, repetition)
                            )
    paths = []
    for actor, person, channel, expression, level, statement, repetition in tqdm(
        jobs, desc="synthetic RAVDESS", unit="clip", disable=not progress
    ):
        folder = out_dir / f"Actor_{actor:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / ravdess_name(channel, expression, level, statement, repetition, actor)
        key = [seed, actor, channel, expression, level, statement, repetition]
        clip_seed = int(np.random.SeedSequence(key).generate_state(1)[0])
        frames, boxes = render_clip(
            person,
            expression,
            n_frames,
            intensity="high" if level == 2 else "low",
            frame_size=frame_size,
            seed=clip_seed,
            talk=talk * (1.5 if channel == 2 else 1.0),
        )
        write_video(path, frames, fps)
        recorded = RecordedFaces({i: [tuple(map(int, box))] for i, box in enumerate(boxes)})
        recorded.to_csv(RecordedFaces.sidecar(path))
        paths.append(path)
    return paths


def make_dataset(
    n_subjects: int = 10,
    *,
    clips_per_class: int = 4,
    frames_per_clip: int = 10,
    size: int = 96,
    seed: int = 0,
    jitter: float = 1.0,
    persons: Sequence[SyntheticPerson] | None = None,
) -> FaceDataset:
    """Face-centred synthetic crops as a :class:`FaceDataset` (images in [-1, 1]).

    The persons are ``n_subjects`` of :func:`~facedata.synthetic.persons.sample_persons`
    with ``seed``, or ``persons`` when given. Every person gets ``clips_per_class``
    clips of each class, alternating low and high intensity; a clip's frames are
    taken around its apex (levels 0.8 to 1 of the intensity), each with its own
    random :class:`~facedata.synthetic.rendering.Jitter` of ``jitter`` strength.
    """
    persons = list(persons) if persons is not None else sample_persons(n_subjects, seed)
    images, labels, subjects, clips, frames = [], [], [], [], []
    for person in persons:
        for expression in range(len(CLASSES)):
            for c in range(clips_per_class):
                rng = np.random.default_rng([seed, expression, c, 0xDA7A, *map(ord, person.name)])
                level = INTENSITIES["low" if c % 2 == 0 else "high"]
                clip = f"{person.name}-{CLASSES[expression]}-{c + 1:02d}"
                for f in range(frames_per_clip):
                    j = Jitter.random(rng, jitter)
                    images.append(
                        render_face(
                            person, expression, level * rng.uniform(0.8, 1.0), size, jitter=j
                        )
                    )
                    labels.append(expression)
                    subjects.append(person.name)
                    clips.append(clip)
                    frames.append(f)
    if not images:
        return FaceDataset.empty(size, "synthetic")
    x = from_uint8(np.stack(images))
    return FaceDataset(
        x, labels, subjects, clips, frames, [f"synthetic:{c}" for c in clips], "synthetic"
    )
