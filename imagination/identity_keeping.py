"""Whether imagined faces keep the person, judged on real photos of known people.

Expression data sets of real faces either have no persons (FER2013) or few, so the
identity bar is measured on photos of people with many photos each, in folders
``<root>/<person>/*.jpg`` (the layout of Labeled Faces in the Wild): for each person
the first ``inputs_per_person`` photos are imagined under the six expressions, and a
judge fitted on the person's other photos (a logistic regression on HOG features,
within groups of about 12 people, as the synthetic evaluation does) names whom each
imagined face shows. The judge's own accuracy on held-out real photos of the same
people is reported beside it: what "kept" can reach with this judge.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from facedata import CLASSES

from .evaluate import IDENTITY_GROUP, GroupJudges, hog_features

#: Image files read from each person's folder.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".pgm", ".tif", ".tiff")


def person_photos(
    root: str | Path,
    image_size: int,
    *,
    min_photos: int = 30,
    max_photos: int = 40,
    detector: str = "mtcnn",
    progress: bool = True,
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Face crops (RGB float32 in [-1, 1], ``image_size`` square, aligned) of every person
    folder of ``root`` with at least ``min_photos`` photos, the first ``max_photos`` of
    each in name order; returns ``(images, persons, skipped)`` where ``skipped`` counts
    photos without a face or unreadable, and persons with too few photos."""
    from facedata.faces import face_crop, resolve_detector
    from facedata.images import ImageError, read_image

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no folder {root} (expected <root>/<person>/<photos>)")
    finder = resolve_detector(detector)
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    chosen = []
    skipped = {"persons with too few photos": 0, "photos without a face": 0, "unreadable photos": 0}
    for folder in folders:
        photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if len(photos) < min_photos:
            skipped["persons with too few photos"] += 1
            continue
        chosen.append((folder.name, photos[:max_photos]))
    if not chosen:
        raise ValueError(f"no person folder of {root} has {min_photos} photos or more")
    images, persons = [], []
    items = [(name, p) for name, photos in chosen for p in photos]
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc="faces", unit="photo")
    for name, path in items:
        try:
            image, _ = read_image(path)
        except ImageError:
            skipped["unreadable photos"] += 1
            continue
        crop = face_crop(image, finder, image_size)
        if crop is None:
            skipped["photos without a face"] += 1
            continue
        images.append(crop)  # RGB float32 in [-1, 1]
        persons.append(name)
    if not images:
        raise ValueError(
            f"no face in the photos of {root}: " + ", ".join(f"{v} {k}" for k, v in skipped.items())
        )
    return np.stack(images).astype(np.float32), np.array(persons), skipped


@dataclasses.dataclass
class IdentityReport:
    """Identity figures of one model on real photos of known people."""

    identity_kept: float
    judge_accuracy: float
    per_class: dict  # class -> identity kept
    n_persons: int
    n_inputs: int
    source: str = ""

    @property
    def kept_ratio(self) -> float:
        """Identity kept / the judge's accuracy on real held-out photos."""
        return self.identity_kept / max(self.judge_accuracy, 1e-9)

    def __str__(self) -> str:
        per_class = ", ".join(f"{c} {v:.3f}" for c, v in self.per_class.items())
        return (
            f"{self.source}: {self.n_persons} persons, {self.n_inputs} inputs\n"
            f"identity kept in {self.identity_kept:.3f} of the imagined faces; the judge "
            f"names held-out real photos right {self.judge_accuracy:.3f} "
            f"(ratio {self.kept_ratio:.2f})\n"
            f"by imagined class: {per_class}"
        )


class IdentityEvaluator:
    """The identity figures of any model on ``images`` of known ``persons``, the judges
    fitted once: the first ``inputs_per_person`` photos of each person are the inputs,
    every fourth of the others is held out to measure the judges, the rest fit them
    (one judge per group of about ``identity_group`` persons)."""

    def __init__(
        self,
        images: np.ndarray,
        persons: np.ndarray,
        *,
        inputs_per_person: int = 2,
        identity_group: int = IDENTITY_GROUP,
        source: str = "photos",
    ):
        persons = np.asarray(persons)
        names = sorted(set(persons.tolist()))
        person_id = np.array([names.index(p) for p in persons])
        rank = np.zeros(len(persons), np.int64)
        for i in range(len(names)):
            rows = np.flatnonzero(person_id == i)
            if len(rows) < inputs_per_person + 4:
                raise ValueError(
                    f"person {names[i]!r} has {len(rows)} photos with a face; "
                    f"needs {inputs_per_person + 4} or more"
                )
            rank[rows] = np.arange(len(rows))
        is_input = rank < inputs_per_person
        held_out = ~is_input & ((rank - inputs_per_person) % 4 == 3)
        fit_rows = ~is_input & ~held_out
        features = hog_features(images)
        self.judges = GroupJudges(
            features[fit_rows], person_id[fit_rows], len(names), identity_group
        )
        self.judge_accuracy = float(
            np.mean(self.judges.named(features[held_out], person_id[held_out]))
        )
        self.inputs, self.owners = images[is_input], person_id[is_input]
        self.n_persons, self.source = len(names), source
        self.image_size = images.shape[1]

    def __call__(self, model) -> IdentityReport:
        size = int(model.config.image_size)
        if size != self.image_size:
            raise ValueError(
                f"these faces are {self.image_size}x{self.image_size}; the model "
                f"takes {size}x{size}"
            )
        imagined = np.asarray(model.imagine(model.encode(self.inputs), classes=range(len(CLASSES))))
        n, k = imagined.shape[:2]
        kept = self.judges.named(
            hog_features(imagined.reshape(n * k, *imagined.shape[2:])), np.repeat(self.owners, k)
        ).reshape(n, k)
        return IdentityReport(
            identity_kept=float(kept.mean()),
            judge_accuracy=self.judge_accuracy,
            per_class={c: float(kept[:, i].mean()) for i, c in enumerate(CLASSES[:k])},
            n_persons=self.n_persons,
            n_inputs=n,
            source=self.source,
        )
