"""Shared fixtures of the imagination tests: a tiny config, tiny synthetic faces, a trained model.

Everything is 32x32 at width 0.125 so that the whole folder runs in about a minute
on two CPU cores. TensorFlow's C++ logging is quietened before it is imported.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

from facedata.synthetic import make_dataset


@pytest.fixture(scope="session")
def tiny_cfg():
    """A 32x32 CAAE at 1/8 of the paper's width: one warm-up epoch, a fast learning rate."""
    from imagination import preset

    return preset(
        "cpu", image_size=32, width=0.125, batch_size=8, warmup_epochs=1, learning_rate=2e-3, seed=3
    )


@pytest.fixture(scope="session")
def faces():
    """48 synthetic 32x32 faces (4 subjects x 6 classes x 2 frames), images in [-1, 1]."""
    ds = make_dataset(4, clips_per_class=1, frames_per_clip=2, size=32, seed=1)
    return ds.images, ds.labels


@pytest.fixture(scope="session")
def trained(tiny_cfg, faces):
    """A tiny CAAE after one warm-up epoch and one adversarial epoch, with its history."""
    from imagination import CAAE

    images, labels = faces
    model = CAAE(tiny_cfg)
    model.compile()
    history = model.fit(images, labels, epochs=2, batch_size=8, verbose=0)
    return model, history.history
