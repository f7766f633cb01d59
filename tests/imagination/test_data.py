"""The imagination model's training data."""

import numpy as np
import pytest

from facedata import CLASSES
from imagination.data import steps_per_epoch, synthetic_faces, to_tf_dataset, training_faces


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


def test_pairs_are_the_same_subject_in_a_class_it_has():
    faces = synthetic_faces(4, image_size=32, seed=2)
    # subject 0 loses its "fear" frames: it must never be asked for a fear pair
    fear = CLASSES.index("fear")
    keep = ~((np.asarray(faces.subjects) == faces.subject_ids()[0]) & (faces.labels == fear))
    faces = faces[np.flatnonzero(keep)]
    flat = faces.images.reshape(len(faces), -1)

    def rows(images):
        return [int(np.flatnonzero((flat == x.reshape(-1)).all(axis=1))[0]) for x in images]

    epochs = []
    data = to_tf_dataset(faces, 6, seed=5, pairs=True)
    for _ in range(6):
        batches = list(data)
        assert len(batches) == len(faces) // 6
        epoch = []
        for b in batches:
            assert set(b) == {"images", "labels", "pair_images", "pair_labels"}
            src, dst = rows(b["images"].numpy()), rows(b["pair_images"].numpy())
            np.testing.assert_array_equal(faces.labels[src], b["labels"].numpy())
            np.testing.assert_array_equal(faces.labels[dst], b["pair_labels"].numpy())
            epoch += list(zip(src, dst, strict=True))
        epochs.append(epoch)
    drawn = [pair for epoch in epochs for pair in epoch]
    for src, dst in drawn:
        assert faces.subjects[src] == faces.subjects[dst]
    subject0 = [faces.labels[d] for s, d in drawn if faces.subjects[s] == faces.subject_ids()[0]]
    assert fear not in subject0 and len(set(subject0)) == len(CLASSES) - 1
    assert epochs[0] != epochs[1]  # drawn afresh every epoch
    again = [rows(b["pair_images"].numpy()) for b in to_tf_dataset(faces, 6, seed=5, pairs=True)]
    # deterministic for a seed
    assert [d for batch in again for d in batch] == [d for _, d in epochs[0]]


@pytest.mark.parametrize("pairs", [False, True])
def test_epoch_streams_depend_on_the_epoch_alone(pairs):
    """``epochs=E``: the batches of epochs first_epoch..E-1; each epoch is a permutation of
    the faces (and its pairs) fixed by (seed, epoch), so a stream that starts at epoch 2
    gives what one from epoch 0 gives from its third epoch on."""
    faces = synthetic_faces(4, image_size=32, seed=2)
    flat = faces.images.reshape(len(faces), -1)
    steps = steps_per_epoch(len(faces), 6)
    assert steps == len(faces) // 6 and steps_per_epoch(len(faces), 7, False) == -(-len(faces) // 7)

    def rows(batch):
        images = batch["images"] if pairs else batch[0]
        found = [np.flatnonzero((flat == x.reshape(-1)).all(axis=1))[0] for x in images.numpy()]
        if pairs:
            found += [
                np.flatnonzero((flat == x.reshape(-1)).all(axis=1))[0]
                for x in batch["pair_images"].numpy()
            ]
        return found

    whole = [rows(b) for b in to_tf_dataset(faces, 6, seed=5, pairs=pairs, epochs=4)]
    late = [rows(b) for b in to_tf_dataset(faces, 6, seed=5, pairs=pairs, epochs=4, first_epoch=2)]
    assert len(whole) == 4 * steps and late == whole[2 * steps :]
    epochs = [
        sorted(i for b in whole[e * steps : (e + 1) * steps] for i in b[:6]) for e in range(4)
    ]
    assert all(len(set(e)) == steps * 6 for e in epochs)  # no frame twice in an epoch
    assert whole[:steps] != whole[steps : 2 * steps]  # reshuffled every epoch
    other = [rows(b) for b in to_tf_dataset(faces, 6, seed=6, pairs=pairs, epochs=1)]
    assert other != whole[:steps]
    with pytest.raises(ValueError, match="first_epoch"):
        to_tf_dataset(faces, 6, epochs=2, first_epoch=2)
