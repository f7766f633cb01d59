"""The one result type of every face-data loader, and the load report.

A :class:`FaceDataset` holds face crops and, for each crop, its expression
class, subject, clip, frame index, source file and (where the dataset has one)
its split; all loaders return one, together with a :class:`LoadReport` of what
was loaded (crops per subject or split and class), what was converted to be
usable, and what was skipped (and why). Class ids follow :data:`CLASSES`, the
project's order; split names :data:`SPLITS`.
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

SPLITS: tuple[str, ...] = ("train", "validation", "test")
"""The split names a dataset's rows may carry (FER2013's Training, PublicTest and
PrivateTest, in that order); ``""`` is a row of a dataset without a split."""

_FIELDS = ("images", "labels", "subjects", "clips", "frames", "paths")
_ROW_FIELDS = (*_FIELDS, "splits")
_SAVE_CHUNK = 1024  # images converted to or from bytes at a time (bounds the temporaries)


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
    splits : str array (n,), each row's split, one of :data:`SPLITS`, or ``""``
        where the dataset has no split (optional: omitted, every row is ``""``)

    A dataset without persons (FER2013: anonymous face crops) marks each image
    as its own subject and its own clip.
    """

    images: np.ndarray
    labels: np.ndarray
    subjects: np.ndarray
    clips: np.ndarray
    frames: np.ndarray
    paths: np.ndarray
    name: str = ""
    splits: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.images = np.asarray(self.images, dtype=np.float32)
        self.labels = np.asarray(self.labels, dtype=np.int64)
        self.subjects = np.asarray(self.subjects, dtype=str)
        self.clips = np.asarray(self.clips, dtype=str)
        self.frames = np.asarray(self.frames, dtype=np.int64)
        self.paths = np.asarray(self.paths, dtype=str)
        n = len(self.labels)
        if self.splits is None:
            self.splits = np.full(n, "", dtype="<U10")
        self.splits = np.asarray(self.splits, dtype=str)
        if self.images.ndim != 4 or self.images.shape[-1] != 3:
            if not (n == 0 and self.images.size == 0):
                raise ValueError(f"images must be (n, H, W, 3), got shape {self.images.shape}")
        for field in _ROW_FIELDS:
            if len(getattr(self, field)) != n:
                raise ValueError(f"{field} has {len(getattr(self, field))} rows but labels has {n}")
        if n and (self.labels.min() < 0 or self.labels.max() >= len(CLASSES)):
            raise ValueError(f"labels must be class ids 0..{len(CLASSES) - 1}")
        unknown = sorted(set(np.unique(self.splits).tolist()) - {"", *SPLITS})
        if unknown:
            raise ValueError(f"splits must be {', '.join(SPLITS)} or empty, got {unknown}")

    def _columns(self, index) -> dict[str, np.ndarray]:
        """Every per-row field at ``index``, by name."""
        return {f: getattr(self, f)[index] for f in _ROW_FIELDS}

    @classmethod
    def empty(cls, image_size: int = 96, name: str = "") -> FaceDataset:
        """A dataset with no rows and images of the given size."""
        return cls(
            np.zeros((0, image_size, image_size, 3), np.float32),
            np.zeros(0, np.int64),
            np.zeros(0, str),
            np.zeros(0, str),
            np.zeros(0, np.int64),
            np.zeros(0, str),
            name,
        )

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index) -> FaceDataset:
        """Rows by integer index array, slice or boolean mask."""
        if isinstance(index, (int, np.integer)):
            index = [index]
        return FaceDataset(**self._columns(index), name=self.name)

    @property
    def image_size(self) -> int:
        return int(self.images.shape[1])

    def subject_ids(self) -> list[str]:
        """Subject ids in order of first appearance."""
        return list(dict.fromkeys(self.subjects.tolist()))

    def for_subject(self, subject: str) -> FaceDataset:
        return self[self.subjects == subject]

    def split_names(self) -> list[str]:
        """The splits the rows carry, in :data:`SPLITS` order (empty when none has one)."""
        present = set(self.splits.tolist())
        return [s for s in SPLITS if s in present]

    def for_split(self, *names: str) -> FaceDataset:
        """The rows of the named splits (``"train"``, ``"validation"``, ``"test"``)."""
        unknown = sorted(set(names) - set(SPLITS))
        if unknown or not names:
            raise ValueError(f"split names are {', '.join(SPLITS)}, got {list(names)}")
        return self[np.isin(self.splits, list(names))]

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.labels, minlength=len(CLASSES))
        return {name: int(c) for name, c in zip(CLASSES, counts, strict=True)}

    def split_by_clip(self, test_fraction: float = 0.3, seed: int = 0):
        """Per-subject train/test split by clip: no clip has frames on both sides.

        For every subject and class, about ``test_fraction`` of that subject's
        clips of that class go to the test side (at least one when the subject
        has two or more clips of the class, none when it has one).
        Returns ``(train, test)``; :meth:`test_mask` gives the same split as a mask.
        """
        is_test = self.test_mask(test_fraction, seed)
        return self[~is_test], self[is_test]

    def test_mask(self, test_fraction: float = 0.3, seed: int = 0) -> np.ndarray:
        """The rows :meth:`split_by_clip` puts on the test side (a boolean mask)."""
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
        return np.isin(self.clips, list(test_clips))

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
            **{f: np.concatenate([getattr(p, f) for p in non_empty]) for f in _ROW_FIELDS},
            name=parts[0].name if name is None else name,
        )

    # -- storage (the loaders' cache) ---------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write to an ``.npz`` file (no pickles).

        Crops made from 8-bit pixels (``u / 127.5 - 1``, as every loader makes
        them) are stored as those bytes, a quarter of the size; other images as
        float32. Either way :meth:`load` gives back the same array. Files
        written before splits existed load with every split ``""``.
        """
        arrays = {k: getattr(self, k) for k in _ROW_FIELDS}
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
            fields["splits"] = data["splits"] if "splits" in data.files else None
            name = str(data["name"])
        if fields["images"].dtype == np.uint8:
            fields["images"] = from_uint8(fields["images"])
        return cls(**fields, name=name)


def from_uint8(pixels: np.ndarray) -> np.ndarray:
    """8-bit pixels as the project's float32 images in [-1, 1]: ``u / 127.5 - 1``."""
    out = np.empty(pixels.shape, np.float32)
    for start in range(0, max(len(pixels), 1), _SAVE_CHUNK):
        part = pixels[start : start + _SAVE_CHUNK]
        np.subtract(
            part.astype(np.float32) / np.float32(127.5),
            np.float32(1.0),
            out=out[start : start + _SAVE_CHUNK],
        )
    return out


def to_uint8(images: np.ndarray) -> np.ndarray | None:
    """The 8-bit pixels that :func:`from_uint8` maps exactly to ``images``, or
    None when the images were not made that way.

    Converted a chunk of images at a time, so that a large dataset (FER2013's
    35,887 crops are 4 GB as float32) needs no float64 copy of itself."""
    images = np.asarray(images)
    pixels = np.empty(images.shape, np.uint8)
    for start in range(0, len(images), _SAVE_CHUNK):
        part = images[start : start + _SAVE_CHUNK]
        values = np.rint((part.astype(np.float32) + np.float32(1.0)) * np.float32(127.5))
        if values.size and not (values.min() >= 0 and values.max() <= 255):  # NaN fails too
            return None
        pixels[start : start + _SAVE_CHUNK] = values
        if not np.array_equal(from_uint8(pixels[start : start + _SAVE_CHUNK]), part):
            return None
    return pixels


_EXAMPLES = 3
"""How many paths the printed report shows for each reason."""


@dataclasses.dataclass
class LoadReport:
    """What a load read, what it had to convert, and what it skipped and why.

    ``skipped`` counts the skipped items (a file, a frame, a CSV row, a subject)
    by reason and ``details`` lists them as ``(path, reason, detail)``;
    ``converted`` counts the items that were used after a conversion (a grey,
    RGBA or 16-bit image, an image smaller than the crop) and ``conversions``
    lists them as ``(path, what)``. ``per_subject`` holds the crops per subject
    and class, ``per_split`` those per split and class where the dataset has
    splits; a dataset without persons (``persons=False``: every image is its
    own subject) has no ``per_subject`` table. :meth:`count` fills the tables
    and the totals from the loaded dataset.

    Every skip is also issued as a :class:`UserWarning` (``warn=False`` to
    collect silently). ``str(report)`` is the summary the CLI prints, with the
    first few paths of each reason.
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
    persons: bool = True
    converted: Counter = dataclasses.field(default_factory=Counter)
    conversions: list = dataclasses.field(default_factory=list)
    per_subject: dict = dataclasses.field(default_factory=dict)
    per_split: dict = dataclasses.field(default_factory=dict)

    def skip(self, path: str | Path, reason: str, detail: str = "") -> None:
        """Record one skipped item (a file, a frame, a subject) and why."""
        self.skipped[reason] += 1
        self.details.append((str(path), reason, detail))
        if self.warn:
            message = f"{self.dataset}: skipped {path}: {reason}"
            warnings.warn(message + (f" ({detail})" if detail else ""), stacklevel=2)

    def convert(self, path: str | Path, what: str) -> None:
        """Record an item used after a conversion (``what``: "16-bit image -> 8-bit", ...)."""
        self.converted[what] += 1
        self.conversions.append((str(path), what))

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def n_converted(self) -> int:
        return sum(self.converted.values())

    def count(self, dataset: FaceDataset) -> LoadReport:
        """Set the loaded totals and the per-subject and per-split tables from ``dataset``."""
        self.clips_loaded = len(set(dataset.clips.tolist()))
        self.frames_loaded = len(dataset)
        self.subjects_loaded = len(dataset.subject_ids())
        self.per_subject = _class_table(dataset.subjects, dataset.labels) if self.persons else {}
        has_split = dataset.splits != ""
        self.per_split = _class_table(dataset.splits[has_split], dataset.labels[has_split])
        return self

    def merge(self, others: Iterable[LoadReport]) -> LoadReport:
        for other in others:
            self.clips_loaded += other.clips_loaded
            self.frames_loaded += other.frames_loaded
            self.subjects_loaded += other.subjects_loaded
            self.skipped.update(other.skipped)
            self.details.extend(other.details)
            self.converted.update(other.converted)
            self.conversions.extend(other.conversions)
            for mine, theirs in (
                (self.per_subject, other.per_subject),
                (self.per_split, other.per_split),
            ):
                for group, counts in theirs.items():
                    row = mine.setdefault(group, dict.fromkeys(CLASSES, 0))
                    for name, n in counts.items():
                        row[name] = row.get(name, 0) + n
        return self

    def examples(self, reason: str, limit: int = _EXAMPLES) -> list[str]:
        """The first ``limit`` paths skipped for ``reason`` (or converted by it)."""
        paths = [p for p, r, _ in self.details if r == reason]
        paths += [p for p, w in self.conversions if w == reason]
        return paths[:limit]

    def _short(self, path: str) -> str:
        """A path relative to the root where it lies under it (shorter to read)."""
        root = self.root.rstrip("/\\")
        if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("/", "\\"):
            return path[len(root) + 1 :]
        return path

    def _reasons(self, counts: Counter) -> list[str]:
        """One line per reason: the count, the reason, the first few paths."""
        width = max(len(r) for r in counts)
        lines = []
        for reason, n in counts.most_common():
            shown = [self._short(p) for p in self.examples(reason)]
            more = f" (and {n - len(shown)} more)" if n > len(shown) else ""
            where = f"  e.g. {', '.join(shown)}{more}" if shown else ""
            lines.append(f"  {n:6d}  {reason:<{width}}{where}")
        return lines

    def __str__(self) -> str:
        source = " (from the cache)" if self.from_cache else ""
        head = f"{self.dataset} at {self.root}{source}: {self.frames_loaded} face crops"
        if self.persons:
            head += f" from {self.clips_loaded} clips of {self.subjects_loaded} subjects"
        else:
            head += " (no persons: each image is its own subject)"
        lines = [head]
        for what, table in (("split", self.per_split), ("subject", self.per_subject)):
            if table:
                lines.append(f"crops per {what} and class:")
                lines += _format_table(what, table)
        if self.converted:
            lines.append(f"converted to be used {self.n_converted}:")
            lines += self._reasons(self.converted)
        if self.skipped:
            lines.append(f"skipped {self.n_skipped}:")
            lines += self._reasons(self.skipped)
        return "\n".join(lines)

    # -- storage (the cache keeps the report beside the crops) ---------------------
    def to_dict(self) -> dict:
        """The report as JSON values (``from_cache`` is not kept: a cache hit sets it)."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields.pop("from_cache")
        fields["skipped"], fields["converted"] = dict(self.skipped), dict(self.converted)
        fields["details"] = [list(d) for d in self.details]
        fields["conversions"] = [list(c) for c in self.conversions]
        return fields

    @classmethod
    def from_dict(cls, fields: dict) -> LoadReport:
        """The report :meth:`to_dict` gave; fields it lacks (a report stored before
        they existed) keep their defaults. Skips are not warned again."""
        known = {f.name for f in dataclasses.fields(cls)} - {"from_cache"}
        report = cls(**{k: v for k, v in fields.items() if k in known})
        report.skipped, report.converted = Counter(report.skipped), Counter(report.converted)
        report.details = [tuple(d) for d in report.details]
        report.conversions = [tuple(c) for c in report.conversions]
        return report


def _class_table(groups: np.ndarray, labels: np.ndarray) -> dict[str, dict[str, int]]:
    """Crops per group (subject or split, in order of first appearance) and class."""
    table: dict[str, dict[str, int]] = {}
    if not len(labels):
        return table
    names, first, inverse = np.unique(groups, return_index=True, return_inverse=True)
    counts = np.zeros((len(names), len(CLASSES)), np.int64)
    np.add.at(counts, (inverse.ravel(), labels), 1)
    for i in np.argsort(first, kind="stable"):
        table[str(names[i])] = {c: int(n) for c, n in zip(CLASSES, counts[i], strict=True)}
    return table


def _format_table(what: str, table: dict[str, dict[str, int]]) -> list[str]:
    """Rows of crops per group and class, a total column and a total row ("-" for none)."""
    total = {c: sum(row.get(c, 0) for row in table.values()) for c in CLASSES}
    rows = [*table.items(), ("total", total)] if len(table) > 1 else list(table.items())
    first = max(len(what), *(len(g) for g, _ in rows))
    widths = [max(len(c), 5) for c in CLASSES]
    header = [f"{c:>{w}}" for c, w in zip(CLASSES, widths, strict=True)]
    lines = [f"  {what:<{first}}  " + "  ".join(header) + "  total"]
    for group, row in rows:
        cells = [f"{row.get(c, 0) or '-':>{w}}" for c, w in zip(CLASSES, widths, strict=True)]
        lines.append(f"  {group:<{first}}  " + "  ".join(cells) + f"  {sum(row.values()):>5}")
    return lines
