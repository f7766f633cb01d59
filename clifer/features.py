"""From face crops to what the learners see: each subject's encoder features, split.

The imagination model's encoder E maps every face crop to a 50-d code; these codes
are the inputs of the GDM and of the MLP. A subject's frames are split by clip
(no clip on both sides) into training and test frames; training frames are
sorted by clip and frame so that episodes are runs of sequential frames.
"""

from __future__ import annotations

import numpy as np

from facedata import FaceDataset

from .protocol import SubjectFeatures

#: The seed of the synthetic default subjects: the imagination model was trained on
#: seed 0 and is evaluated on :data:`imagination.evaluate.EVAL_SEED`, so these
#: subjects are new to it.
SYNTHETIC_SEED = 2020


def synthetic_subjects(
    n_subjects: int,
    image_size: int,
    *,
    clips_per_class: int = 4,
    frames_per_clip: int = 10,
    seed: int = SYNTHETIC_SEED,
) -> FaceDataset:
    """The synthetic default: ``n_subjects`` new people, every class in several clips."""
    from facedata.synthetic import make_dataset

    return make_dataset(
        n_subjects,
        clips_per_class=clips_per_class,
        frames_per_clip=frames_per_clip,
        size=image_size,
        seed=seed,
    )


def resized(images: np.ndarray, size: int) -> np.ndarray:
    """Images (n, H, W, 3) in [-1, 1] resized to (n, size, size, 3) (area averaging)."""
    if images.shape[1:3] == (size, size):
        return images
    import cv2

    return np.stack(
        [cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA) for im in images]
    ).astype(np.float32)


def encode_subjects(
    dataset: FaceDataset,
    model,
    *,
    test_fraction: float = 0.3,
    seed: int = 0,
    subjects=None,
    codes: np.ndarray | None = None,
) -> tuple[list[SubjectFeatures], dict[str, str]]:
    """Each subject's features, and the subjects skipped with the reason.

    ``codes``: the codes of every row of ``dataset`` (:func:`clifer.codes.dataset_codes`,
    which keeps them); None encodes the chosen subjects' crops here. A subject is
    skipped (not an error) when one of the six classes has no training or no test
    frames after the split (a class needs at least two clips).
    """
    if len(dataset) == 0:
        raise ValueError("the dataset has no frames")
    if codes is not None and len(codes) != len(dataset):
        raise ValueError(f"{len(codes)} codes for {len(dataset)} crops")
    is_test = dataset.test_mask(test_fraction, seed)
    size = model.config.image_size
    chosen = dataset.subject_ids() if subjects is None else list(subjects)
    unknown = sorted(set(chosen) - set(dataset.subject_ids()))
    if unknown:
        raise ValueError(f"subjects {unknown} are not in the dataset")
    out, skipped = [], {}
    for subject in chosen:
        mine = dataset.subjects == subject
        tr = np.flatnonzero(mine & ~is_test)
        tr = tr[np.lexsort((dataset.frames[tr], dataset.clips[tr]))]  # stable: clip, frame
        te = np.flatnonzero(mine & is_test)

        def features(rows):
            if not len(rows):
                return np.zeros((0, model.config.latent_dim))
            if codes is not None:
                return codes[rows]
            return model.encode(resized(dataset.images[rows], size))

        data = SubjectFeatures(
            subject,
            features(tr),
            dataset.labels[tr],
            dataset.clips[tr],
            features(te),
            dataset.labels[te],
        )
        missing = data.missing_classes()
        if missing:
            skipped[subject] = (
                f"no training or test frames of {', '.join(missing)} "
                "(a class needs at least two clips)"
            )
            continue
        out.append(data)
    return out, skipped
