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
    clips_per_class: int = 2,
    frames_per_clip: int = 1,
    seed: int = 0,
) -> FaceDataset:
    """Face-centred synthetic crops of ``n_subjects`` subjects, all six classes each.

    Many subjects with few frames each: identities, not frames, are what the
    encoder must learn to generalise over. Two clips per class give one frame
    of low and one of high intensity.
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
    pairs: bool = False,
):
    """Batches of the faces as a ``tf.data.Dataset``, reshuffled every epoch.

    Without ``pairs``: ``(images, labels)``. With ``pairs``: dicts of ``images``,
    ``labels``, ``pair_images`` and ``pair_labels``, where each image's pair is a
    frame of the same subject in a class drawn uniformly from that subject's
    classes (the CAAE's paired translation loss, ``config.pair_weight``). Pairs are
    drawn afresh every epoch, deterministically from ``seed``.

    Full batches only by default: the adversarial losses compare batch statistics.
    """
    import tensorflow as tf

    if len(faces) < batch_size and drop_remainder:
        raise ValueError(f"{len(faces)} faces make no full batch of {batch_size}")
    images = faces.images.astype(np.float32, copy=False)
    labels = faces.labels.astype(np.int32)
    if not pairs:
        data = tf.data.Dataset.from_tensor_slices((images, labels))
        if shuffle:
            data = data.shuffle(len(faces), seed=seed, reshuffle_each_iteration=True)
    else:
        data = _paired(images, labels, faces.subjects, shuffle=shuffle, seed=seed)
    return data.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def pair_table(labels: np.ndarray, subjects) -> tuple[np.ndarray, ...]:
    """Lookup tables for drawing, per frame, a frame of the same subject in a random class.

    Returns ``(subject_of, classes, n_classes, members, n_members)``: each frame's
    subject index; per subject, its classes (padded) and how many; per (subject,
    class), the frame indices (padded) and how many.
    """
    names, subject_of = np.unique(np.asarray(subjects), return_inverse=True)
    n_cls = int(labels.max()) + 1 if len(labels) else 0
    counts = np.zeros((len(names), n_cls), np.int64)
    np.add.at(counts, (subject_of, labels), 1)
    width = max(int(counts.max()), 1) if counts.size else 1
    members = np.zeros((len(names), n_cls, width), np.int64)
    fill = np.zeros_like(counts)
    for i, (s, c) in enumerate(zip(subject_of, labels, strict=True)):
        members[s, c, fill[s, c]] = i
        fill[s, c] += 1
    present = counts > 0
    n_classes = present.sum(axis=1)
    classes = np.zeros((len(names), n_cls), np.int64)
    for s in range(len(names)):
        own = np.flatnonzero(present[s])
        classes[s, : len(own)] = own
    return subject_of.astype(np.int64), classes, n_classes, members, counts


def _paired(images: np.ndarray, labels: np.ndarray, subjects, *, shuffle: bool, seed: int):
    """A dataset of single paired examples (see :func:`to_tf_dataset`)."""
    import tensorflow as tf

    subject_of, classes, n_classes, members, counts = (
        tf.constant(t) for t in pair_table(labels, subjects))
    all_images = tf.constant(images)
    all_labels = tf.constant(labels)
    order = tf.data.Dataset.range(len(labels))
    if shuffle:
        order = order.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    draws = tf.data.Dataset.random(seed=seed).batch(2)

    def example(i, draw):
        s = subject_of[i]
        draw = tf.math.abs(draw)
        target = classes[s, draw[0] % n_classes[s]]
        j = members[s, target, draw[1] % counts[s, target]]
        return {"images": all_images[i], "labels": all_labels[i],
                "pair_images": all_images[j], "pair_labels": all_labels[j]}

    return tf.data.Dataset.zip(order, draws).map(example, num_parallel_calls=tf.data.AUTOTUNE,
                                                 deterministic=True)
