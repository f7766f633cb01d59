"""Training data of the imagination model: face crops as ``tf.data`` pipelines.

The model is pre-trained on many identities (the number of training identities
matters most for how well it generalises to unseen people), so the default
source is the project's synthetic generator, which gives thousands of subjects
at no cost; a real dataset loaded with :func:`clifer.data.load` works the same
way. Images are float32 RGB in [-1, 1], labels the project's class ids.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from clifer.data import FaceDataset


def synthetic_faces(
    n_subjects: int = 2000,
    *,
    image_size: int = 64,
    clips_per_class: int = 1,
    frames_per_clip: int = 2,
    seed: int = 0,
) -> FaceDataset:
    """Face-centred synthetic crops of ``n_subjects`` subjects, all six classes each.

    Many subjects with few frames each: identities, not frames, are what the
    encoder must learn to generalise over.
    """
    from clifer.data.synthetic import make_dataset

    return make_dataset(
        n_subjects, clips_per_class=clips_per_class, frames_per_clip=frames_per_clip,
        size=image_size, seed=seed,
    )  # fmt: skip


def training_faces(
    source: str = "synthetic",
    *,
    image_size: int = 64,
    root: str | Path | None = None,
    n_subjects: int = 2000,
    seed: int = 0,
    progress: bool = True,
) -> FaceDataset:
    """The pre-training faces: ``"synthetic"``, or a dataset name of
    :data:`clifer.data.DATASETS` read from ``root`` (its crops at ``image_size``)."""
    if source == "synthetic":
        return synthetic_faces(n_subjects, image_size=image_size, seed=seed)
    from clifer.data import DATASETS, load

    if source not in DATASETS:
        choices = ["synthetic", *sorted(DATASETS)]
        raise ValueError(f"unknown data source {source!r}; use one of {choices}")
    if root is None:
        raise ValueError(f"--root is needed to read {source!r}:\n{DATASETS[source].describe()}")
    faces, report = load(source, root, image_size=image_size, progress=progress)
    if not len(faces):
        raise ValueError(f"no faces could be read from {root}:\n{report}")
    return faces


def to_tf_dataset(
    faces: FaceDataset,
    batch_size: int,
    *,
    shuffle: bool = True,
    seed: int = 0,
    drop_remainder: bool = True,
):
    """``(images, labels)`` batches as a ``tf.data.Dataset``, reshuffled every epoch.

    Full batches only by default: the adversarial losses compare batch statistics.
    """
    import tensorflow as tf

    if len(faces) < batch_size and drop_remainder:
        raise ValueError(f"{len(faces)} faces make no full batch of {batch_size}")
    data = tf.data.Dataset.from_tensor_slices(
        (faces.images.astype(np.float32), faces.labels.astype(np.int32))
    )
    if shuffle:
        data = data.shuffle(len(faces), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)
