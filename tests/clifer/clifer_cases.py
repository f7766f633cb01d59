"""Cases the clifer tests (and bench/test_mlp_speed.py) share: a subject whose answer is
known, a hand-made table of measurements, and the MLP baseline as it was first written,
the reference of the fast one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clifer.protocol import COLUMNS, SubjectFeatures


def clustered_subject(
    name: str = "S01", seed: int = 0, spread: float = 0.4, n_train: int = 10, n_test: int = 4
) -> SubjectFeatures:
    """Six well separated clusters (one per class) in 50-d around centres that share a part
    (as faces of one person do): ``n_train`` training frames a class, in clips of five
    sequential frames, and ``n_test`` test frames a class."""
    rng = np.random.default_rng(seed)
    centres = 1.0 + np.eye(6, 50) * 3.0

    def draw(n):
        x = np.concatenate([centres[c] + spread * rng.standard_normal((n, 50)) for c in range(6)])
        return x, np.repeat(np.arange(6), n)

    x, y = draw(n_train)
    clips = np.array([f"{name}-{c}-{i // 5}" for c in range(6) for i in range(n_train)])
    return SubjectFeatures(name, x, y, clips, *draw(n_test))


def tidy(rows) -> pd.DataFrame:
    """Hand-made measurements (tuples in the order of :data:`clifer.protocol.COLUMNS`) as
    the tidy table the reports read."""
    return pd.DataFrame(rows, columns=list(COLUMNS))


def fit_per_class(features, labels, test_features, order, settings, seed: int = 0) -> list:
    """The MLP baseline as it was before it was made fast: a Keras model built and compiled
    for the learner (Glorot uniform kernels seeded ``seed`` and ``seed + 1``), then for each
    class of ``order`` ``model.fit(shuffle=True)`` on its rows after
    ``keras.utils.set_random_seed(seed + label)``, and ``model.predict``. Returns, after
    each class, the model's weights and its predicted classes of ``test_features``."""
    import keras

    init = keras.initializers.GlorotUniform
    model = keras.Sequential(
        [
            keras.Input((features.shape[1],)),
            keras.layers.Dense(
                settings.mlp_hidden, activation="relu", kernel_initializer=init(seed=seed)
            ),
            keras.layers.Dense(6, kernel_initializer=init(seed=seed + 1)),
        ]
    )
    model.compile(
        keras.optimizers.Adam(settings.mlp_learning_rate),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    test = np.asarray(test_features, np.float32)
    out = []
    for c in order:
        x = np.asarray(features[labels == c], np.float32)
        keras.utils.set_random_seed(seed + c)
        model.fit(
            x,
            np.full(len(x), c, np.int64),
            epochs=settings.mlp_epochs,
            batch_size=settings.mlp_batch_size,
            shuffle=True,
            verbose=0,
        )
        predicted = np.argmax(model.predict(test, verbose=0), axis=1)
        out.append(([w.numpy() for w in model.weights], predicted))
    return out
