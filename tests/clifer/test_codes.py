"""The kept codes of a data set: computed once per (model, crops), read back, never stale."""

import numpy as np
import pytest

from clifer.codes import codes_key, crops_fingerprint, dataset_codes
from clifer.features import encode_subjects
from facedata.synthetic import make_dataset


@pytest.fixture(scope="module")
def model():
    from imagination import load_pretrained

    return load_pretrained("cpu")


@pytest.fixture(scope="module")
def faces():
    return make_dataset(2, clips_per_class=2, frames_per_clip=2, size=64, seed=4)


def test_the_key_follows_the_crops_and_the_model(faces):
    key = codes_key(faces, "a" * 64, 64)
    assert key == codes_key(faces[np.arange(len(faces))], "a" * 64, 64)
    assert key != codes_key(faces, "b" * 64, 64)  # another model
    assert key != codes_key(faces, "a" * 64, 96)  # another input size
    edited = faces[np.arange(len(faces))]
    edited.images[0, 0, 0, 0] += 0.01  # one pixel
    assert crops_fingerprint(edited) != crops_fingerprint(faces)
    relabelled = faces[np.arange(len(faces))]
    relabelled.clips[0] = "another clip"
    assert crops_fingerprint(relabelled) != crops_fingerprint(faces)


def test_codes_are_computed_once_and_read_back(faces, model, tmp_path):
    codes, kept = dataset_codes(faces, model, "a" * 64, directory=tmp_path, progress=False)
    assert not kept and codes.shape == (len(faces), 50) and codes.dtype == np.float32
    again, kept = dataset_codes(faces, model, "a" * 64, directory=tmp_path, progress=False)
    assert kept
    np.testing.assert_array_equal(again, codes)
    # another model's hash is another entry
    _, kept = dataset_codes(faces, model, "c" * 64, directory=tmp_path, progress=False)
    assert not kept and len(list(tmp_path.glob("*.npy"))) == 2


def test_a_damaged_entry_is_set_aside_and_computed_again(faces, model, tmp_path):
    codes, _ = dataset_codes(faces, model, "a" * 64, directory=tmp_path, progress=False)
    (entry,) = tmp_path.glob("*.npy")
    entry.write_bytes(entry.read_bytes()[:-40])  # cut short
    again, kept = dataset_codes(faces, model, "a" * 64, directory=tmp_path, progress=False)
    assert not kept and entry.with_suffix(".damaged").exists()
    np.testing.assert_allclose(again, codes, atol=1e-6)
    np.save(entry, np.full_like(codes, np.nan))  # whole, but not codes
    _, kept = dataset_codes(faces, model, "a" * 64, directory=tmp_path, progress=False)
    assert not kept


def test_kept_codes_give_the_features_encoding_gives(faces, model, tmp_path):
    codes, _ = dataset_codes(faces, model, "a" * 64, directory=tmp_path, progress=False)
    with_codes, _ = encode_subjects(faces, model, codes=codes, test_fraction=0.5, seed=1)
    direct, _ = encode_subjects(faces, model, test_fraction=0.5, seed=1)
    assert [d.subject for d in with_codes] == [d.subject for d in direct]
    for a, b in zip(with_codes, direct, strict=True):
        np.testing.assert_allclose(a.train_features, b.train_features, atol=1e-5)
        np.testing.assert_allclose(a.test_features, b.test_features, atol=1e-5)
        np.testing.assert_array_equal(a.train_labels, b.train_labels)
        np.testing.assert_array_equal(a.train_clips, b.train_clips)
        np.testing.assert_array_equal(a.test_labels, b.test_labels)
    with pytest.raises(ValueError, match="codes for"):
        encode_subjects(faces, model, codes=codes[:3])


def test_the_test_mask_is_the_split(faces):
    train, test = faces.split_by_clip(0.5, 3)
    mask = faces.test_mask(0.5, 3)
    np.testing.assert_array_equal(faces[mask].images, test.images)
    np.testing.assert_array_equal(faces[~mask].images, train.images)
