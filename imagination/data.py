"""Training data of the imagination model: face crops as ``tf.data`` pipelines.

The model is pre-trained on many persons (the number of training persons
matters most for how well it generalises to unseen people), so the default
source is the project's synthetic generator, which gives thousands of persons
at no cost; a real dataset loaded with :func:`facedata.load` works the same
way. Images are float32 RGB in [-1, 1], labels the project's class ids.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from facedata import FaceDataset


def synthetic_faces(
    n_subjects: int = 2000,
    *,
    image_size: int = 64,
    clips_per_class: int = 2,
    frames_per_clip: int = 1,
    seed: int = 0,
) -> FaceDataset:
    """Face-centred synthetic crops of ``n_subjects`` subjects, all six classes each.

    Many subjects with few frames each: persons, not frames, are what the
    encoder must learn to generalise over. Two clips per class give one frame
    of low and one of high intensity.
    """
    from facedata.synthetic import make_dataset

    return make_dataset(
        n_subjects,
        clips_per_class=clips_per_class,
        frames_per_clip=frames_per_clip,
        size=image_size,
        seed=seed,
    )


def face_sources() -> list[str]:
    """What ``--dataset`` of ``imagination.train`` and ``imagination.evaluate`` takes:
    ``"synthetic"`` and the names of :data:`facedata.DATASETS`, sorted."""
    from facedata import DATASETS

    return ["synthetic", *sorted(DATASETS)]


def add_dataset_option(parser, help: str) -> None:
    """The ``--dataset`` option (alias ``--data``) of the imagination commands: one of
    :func:`face_sources`, ``synthetic`` by default; ``help`` says which faces it gives."""
    parser.add_argument(
        "--dataset",
        "--data",
        dest="dataset",
        default="synthetic",
        choices=face_sources(),
        help=help,
    )


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
    :data:`facedata.DATASETS` read from ``root`` (its crops at ``image_size``)."""
    if source == "synthetic":
        return synthetic_faces(n_subjects, image_size=image_size, seed=seed)
    from facedata import DATASETS, load

    if source not in DATASETS:
        raise ValueError(f"unknown data source {source!r}; use one of {face_sources()}")
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
    epochs: int | None = None,
    first_epoch: int = 0,
):
    """Batches of the faces as a ``tf.data.Dataset``, reshuffled every epoch.

    Without ``pairs``: ``(images, labels)``. With ``pairs``: dicts of ``images``,
    ``labels``, ``pair_images`` and ``pair_labels``, where each image's pair is a
    frame of the same subject in a class drawn uniformly from that subject's
    classes (the CAAE's paired translation loss, ``config.pair_weight``). Pairs are
    drawn afresh every epoch, deterministically from ``seed``.

    Two ways to count epochs:

    - ``epochs=None``: the dataset is one epoch; each new pass over it (each epoch of
      ``fit``) reshuffles and redraws, as ``tf.data`` reshuffles, from ``seed``.
    - ``epochs=E``: one stream of the batches of epochs ``first_epoch .. E - 1``, each
      epoch's order and pairs a function of ``(seed, epoch)`` alone; give ``fit``
      ``steps_per_epoch=steps_per_epoch(len(faces), batch_size)`` and
      ``initial_epoch=first_epoch``. A run resumed after epoch k then sees exactly the
      batches an uninterrupted run would (``python -m imagination.train --resume``).

    Full batches only by default: the adversarial losses compare batch statistics.
    """
    import tensorflow as tf

    if len(faces) < batch_size and drop_remainder:
        raise ValueError(f"{len(faces)} faces make no full batch of {batch_size}")
    if epochs is not None and not 0 <= first_epoch < epochs:
        raise ValueError(f"first_epoch must be in 0..epochs - 1; got {first_epoch} of {epochs}")
    images = faces.images.astype(np.float32, copy=False)
    labels = faces.labels.astype(np.int32)
    example = _example_function(images, labels, faces.subjects if pairs else None)
    n = len(labels)
    if epochs is None:
        order = tf.data.Dataset.range(n)
        if shuffle:
            order = order.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        draws = tf.data.Dataset.random(seed=seed).batch(2)
        data = tf.data.Dataset.zip(order, draws).map(
            example, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
        )
        data = data.batch(batch_size, drop_remainder=drop_remainder)
    else:

        def one_epoch(epoch):
            key = tf.stack([tf.constant(seed, tf.int64), epoch])
            order = tf.range(n, dtype=tf.int64)
            if shuffle:
                order = tf.argsort(
                    tf.random.stateless_uniform(
                        [n], tf.random.experimental.stateless_fold_in(key, 0)
                    )
                )
                order = tf.cast(order, tf.int64)
            draws = tf.random.stateless_uniform(
                [n, 2],
                tf.random.experimental.stateless_fold_in(key, 1),
                minval=0,
                maxval=2**31 - 1,
                dtype=tf.int64,
            )
            return (
                tf.data.Dataset.from_tensor_slices((order, draws))
                .map(example, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
                .batch(batch_size, drop_remainder=drop_remainder)
            )

        data = tf.data.Dataset.range(first_epoch, epochs).flat_map(one_epoch)
    return data.prefetch(tf.data.AUTOTUNE)


def steps_per_epoch(n_faces: int, batch_size: int, drop_remainder: bool = True) -> int:
    """Batches in one epoch of :func:`to_tf_dataset` over ``n_faces`` faces."""
    return n_faces // batch_size if drop_remainder else -(-n_faces // batch_size)


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


def _example_function(images: np.ndarray, labels: np.ndarray, subjects=None):
    """The map from (frame index, two random draws) to one example: ``(image, label)``,
    or, given the frames' ``subjects``, the dict with a pair (see :func:`to_tf_dataset`)."""
    import tensorflow as tf

    all_images = tf.constant(images)
    all_labels = tf.constant(labels)
    if subjects is None:

        def plain(i, draw):
            return all_images[i], all_labels[i]

        return plain
    subject_of, classes, n_classes, members, counts = (
        tf.constant(t) for t in pair_table(labels, subjects)
    )

    def example(i, draw):
        s = subject_of[i]
        draw = tf.math.abs(draw)
        target = classes[s, draw[0] % n_classes[s]]
        j = members[s, target, draw[1] % counts[s, target]]
        return {
            "images": all_images[i],
            "labels": all_labels[i],
            "pair_images": all_images[j],
            "pair_labels": all_labels[j],
        }

    return example
