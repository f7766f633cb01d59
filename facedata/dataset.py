"""The one result type of every face-data loader, and the load report.

A :class:`FaceDataset` holds face crops and, for each crop, its expression
class, subject, clip, frame index and source file; all loaders return one,
together with a :class:`LoadReport` of what was loaded and what was skipped
(and why). Class ids follow :data:`CLASSES`, the project's order.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

CLASSES: tuple[str, ...] = ("neutral", "happy", "surprise", "anger", "fear", "sad")
"""The six expression classes, in the project's order (the paper's default learning order)."""

CLASS_IDS: dict[str, int] = {name: i for i, name in enumerate(CLASSES)}

_FIELDS = ("images", "labels", "subjects", "clips", "frames", "paths")


@dataclasses.dataclass(eq=False)
class FaceDataset:
    """Face crops with their labels and provenance, one row per crop.

    Attributes
    ----------
    images : float32 array (n, H, W, 3), RGB in [-1, 1]
    labels : int64 array (n,), class ids into :data:`CLASSES`
    subjects : str array (n,), subject ids (``"Actor_01"``, ``"S001"``, ...)
    clips : str array (n,), clip ids, unique within the dataset
    frames : int64 array (n,), frame index within the clip (-1 for still images)
    paths : str array (n,), source file of each crop
    name : the dataset's name ("ravdess", "synthetic", ...)
    """

    images: np.ndarray
    labels: np.ndarray
    subjects: np.ndarray
    clips: np.ndarray
    frames: np.ndarray
    paths: np.ndarray
    name: str = ""

    def __post_init__(self) -> None:
        self.images = np.asarray(self.images, dtype=np.float32)
        self.labels = np.asarray(self.labels, dtype=np.int64)
        self.subjects = np.asarray(self.subjects, dtype=str)
        self.clips = np.asarray(self.clips, dtype=str)
        self.frames = np.asarray(self.frames, dtype=np.int64)
        self.paths = np.asarray(self.paths, dtype=str)
        n = len(self.labels)
        if self.images.ndim != 4 or self.images.shape[-1] != 3:
            if not (n == 0 and self.images.size == 0):
                raise ValueError(f"images must be (n, H, W, 3), got shape {self.images.shape}")
        for field in _FIELDS:
            if len(getattr(self, field)) != n:
                raise ValueError(
                    f"{field} has {len(getattr(self, field))} rows but labels has {n}"
                )
        if n and (self.labels.min() < 0 or self.labels.max() >= len(CLASSES)):
            raise ValueError(f"labels must be class ids 0..{len(CLASSES) - 1}")

    @classmethod
    def empty(cls, image_size: int = 96, name: str = "") -> FaceDataset:
        """A dataset with no rows and images of the given size."""
        return cls(
            np.zeros((0, image_size, image_size, 3), np.float32), np.zeros(0, np.int64),
            np.zeros(0, str), np.zeros(0, str), np.zeros(0, np.int64), np.zeros(0, str), name,
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index) -> FaceDataset:
        """Rows by integer index array, slice or boolean mask."""
        if isinstance(index, (int, np.integer)):
            index = [index]
        return FaceDataset(*(getattr(self, f)[index] for f in _FIELDS), name=self.name)

    @property
    def image_size(self) -> int:
        return int(self.images.shape[1])

    def subject_ids(self) -> list[str]:
        """Subject ids in order of first appearance."""
        return list(dict.fromkeys(self.subjects.tolist()))

    def for_subject(self, subject: str) -> FaceDataset:
        return self[self.subjects == subject]

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.labels, minlength=len(CLASSES))
        return {name: int(c) for name, c in zip(CLASSES, counts, strict=True)}

    def split_by_clip(self, test_fraction: float = 0.3, seed: int = 0):
        """Per-subject train/test split by clip: no clip has frames on both sides.

        For every subject and class, about ``test_fraction`` of that subject's
        clips of that class go to the test side (at least one when the subject
        has two or more clips of the class, none when it has one).
        Returns ``(train, test)``.
        """
        if not 0.0 < test_fraction < 1.0:
            raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
        rng = np.random.default_rng(seed)
        test_clips: set[str] = set()
        for subject in self.subject_ids():
            rows = self.subjects == subject
            for label in np.unique(self.labels[rows]):
                clips = sorted(set(self.clips[rows & (self.labels == label)].tolist()))
                if len(clips) < 2:
                    continue
                n_test = min(len(clips) - 1, max(1, round(test_fraction * len(clips))))
                test_clips.update(rng.choice(clips, size=n_test, replace=False).tolist())
        is_test = np.isin(self.clips, list(test_clips))
        return self[~is_test], self[is_test]

    @staticmethod
    def concatenate(parts: Sequence[FaceDataset], name: str | None = None) -> FaceDataset:
        """One dataset from several with images of the same size."""
        if not parts:
            raise ValueError("nothing to concatenate")
        sizes = {p.images.shape[1:] for p in parts if len(p)}
        if len(sizes) > 1:
            raise ValueError(f"images of different sizes: {sorted(sizes)}")
        non_empty = [p for p in parts if len(p)] or [parts[0]]
        return FaceDataset(
            *(np.concatenate([getattr(p, f) for p in non_empty]) for f in _FIELDS),
            name=parts[0].name if name is None else name,
        )

    # -- storage (the loaders' cache) ---------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write to an ``.npz`` file (no pickles).

        Crops made from 8-bit pixels (``u / 127.5 - 1``, as every loader makes
        them) are stored as those bytes, a quarter of the size; other images as
        float32. Either way :meth:`load` gives back the same array.
        """
        arrays = {k: getattr(self, k) for k in _FIELDS}
        as_bytes = to_uint8(self.images)
        if as_bytes is not None:
            arrays["images"] = as_bytes
        with open(Path(path), "wb") as f:
            np.savez(f, name=np.array(self.name), **arrays)

    @classmethod
    def load(cls, path: str | Path) -> FaceDataset:
        """Read a file written by :meth:`save`."""
        with np.load(Path(path), allow_pickle=False) as data:
            fields = {k: data[k] for k in _FIELDS}
            name = str(data["name"])
        if fields["images"].dtype == np.uint8:
            fields["images"] = from_uint8(fields["images"])
        return cls(**fields, name=name)


def from_uint8(pixels: np.ndarray) -> np.ndarray:
    """8-bit pixels as the project's float32 images in [-1, 1]: ``u / 127.5 - 1``."""
    return pixels.astype(np.float32) / np.float32(127.5) - np.float32(1.0)


def to_uint8(images: np.ndarray) -> np.ndarray | None:
    """The 8-bit pixels that :func:`from_uint8` maps exactly to ``images``, or
    None when the images were not made that way."""
    pixels = np.rint((images.astype(np.float64) + 1.0) * 127.5)
    if pixels.size and (pixels.min() < 0 or pixels.max() > 255):
        return None
    pixels = pixels.astype(np.uint8)
    return pixels if np.array_equal(from_uint8(pixels), images) else None


@dataclasses.dataclass
class LoadReport:
    """What a load read, and what it skipped and why.

    Every skip is also issued as a :class:`UserWarning` (``warn=False`` to
    collect silently). ``str(report)`` is the summary the CLI prints.
    """

    dataset: str
    root: str
    clips_loaded: int = 0
    frames_loaded: int = 0
    subjects_loaded: int = 0
    skipped: Counter = dataclasses.field(default_factory=Counter)
    details: list = dataclasses.field(default_factory=list)
    from_cache: bool = False
    warn: bool = True

    def skip(self, path: str | Path, reason: str, detail: str = "") -> None:
        """Record one skipped item (a file, a frame, a subject) and why."""
        self.skipped[reason] += 1
        self.details.append((str(path), reason, detail))
        if self.warn:
            message = f"{self.dataset}: skipped {path}: {reason}"
            warnings.warn(message + (f" ({detail})" if detail else ""), stacklevel=2)

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())

    def merge(self, others: Iterable[LoadReport]) -> LoadReport:
        for other in others:
            self.clips_loaded += other.clips_loaded
            self.frames_loaded += other.frames_loaded
            self.subjects_loaded += other.subjects_loaded
            self.skipped.update(other.skipped)
            self.details.extend(other.details)
        return self

    def __str__(self) -> str:
        source = " (from the cache)" if self.from_cache else ""
        lines = [
            f"{self.dataset} at {self.root}{source}: {self.frames_loaded} face crops from "
            f"{self.clips_loaded} clips of {self.subjects_loaded} subjects"
        ]
        if self.skipped:
            lines.append(f"skipped {self.n_skipped}:")
            lines += [f"  {count:6d}  {reason}" for reason, count in self.skipped.most_common()]
        return "\n".join(lines)
