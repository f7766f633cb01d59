"""The imagination model's training data."""

import numpy as np
import pytest

from clifer.data import CLASSES
from imagination.data import synthetic_faces, to_tf_dataset, training_faces


def test_synthetic_faces_cover_every_subject_and_class():
    faces = synthetic_faces(5, image_size=32, seed=1)
    assert len(faces) == 5 * len(CLASSES) * 2
    assert faces.images.shape[1:] == (32, 32, 3)
    assert -1.0 <= faces.images.min() and faces.images.max() <= 1.0
    assert len(faces.subject_ids()) == 5
    assert faces.class_counts() == {name: 10 for name in CLASSES}
    again = synthetic_faces(5, image_size=32, seed=1)
    np.testing.assert_array_equal(faces.images, again.images)


def test_tf_batches(tmp_path):
    faces = synthetic_faces(3, image_size=32)
    batches = list(to_tf_dataset(faces, 8, seed=0))
    assert len(batches) == len(faces) // 8
    images, labels = batches[0]
    assert images.shape == (8, 32, 32, 3) and images.dtype.name == "float32"
    assert labels.dtype.name == "int32"
    seen = np.concatenate([b[1].numpy() for b in batches])
    assert set(seen) <= set(range(len(CLASSES)))
    with pytest.raises(ValueError, match="no full batch"):
        to_tf_dataset(faces[:5], 8)


def test_training_faces_sources(tmp_path):
    with pytest.raises(ValueError, match="unknown data source"):
        training_faces("celeba")
    with pytest.raises(ValueError, match="--root is needed"):
        training_faces("ravdess")
    with pytest.raises(FileNotFoundError):
        training_faces("ravdess", root=tmp_path / "missing", progress=False)
