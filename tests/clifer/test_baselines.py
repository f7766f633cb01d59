"""Baselines beside CLIFER: the 1-NN curve by hand, the generic classifier on a tiny
model, chance, the same split as the experiment, and a run that writes them."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from clifer.baselines import (
    CHANCE,
    chance_table,
    curve_rows,
    generic_predictions,
    generic_table,
    hog_1nn_table,
    one_nn_predictions,
    squared_distances,
    step_scores,
    summary,
    table_problem,
)
from clifer.protocol import COLUMNS
from facedata import CLASSES, FaceDataset

# Three training points, one per class 0, 1, 2, and four test points (by hand below).
TRAIN_X = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
TRAIN_Y = np.array([0, 1, 2])
TEST_X = np.array([[1.0, 0.0], [9.0, 0.0], [0.0, 9.0], [6.0, 0.0]])
TEST_Y = np.array([0, 1, 2, 0])


def value(table, step, experiment, metric):
    rows = table[(table.step == step) & (table.experiment == experiment) & (table.metric == metric)]
    assert len(rows) == 1
    return rows.value.iloc[0]


def test_squared_distances():
    d = squared_distances(TEST_X, TRAIN_X)
    assert d.shape == (4, 3)
    assert d[0].tolist() == pytest.approx([1.0, 81.0, 101.0])
    assert d[3].tolist() == pytest.approx([36.0, 16.0, 136.0])
    with pytest.raises(ValueError, match="cannot be compared"):
        squared_distances(TEST_X, np.zeros((2, 3)))


def test_one_nn_curve_by_hand():
    # after class 0: everything is 0; after 0 and 1: (0, 9) is nearer (0, 0) [9 < 13.5]
    # and (6, 0) nearer (10, 0) [4 < 6]; after all three: (0, 9) is 2.
    P = one_nn_predictions(TRAIN_X, TRAIN_Y, TEST_X, (0, 1, 2))
    assert P.tolist() == [[0, 0, 0, 0], [0, 1, 0, 1], [0, 1, 2, 1]]
    # another order: after class 2 alone, everything is 2
    assert one_nn_predictions(TRAIN_X, TRAIN_Y, TEST_X, (2, 0, 1))[0].tolist() == [2, 2, 2, 2]
    with pytest.raises(ValueError, match=r"no training rows of classes \[5\]"):
        one_nn_predictions(TRAIN_X, TRAIN_Y, TEST_X, (0, 5))


def test_both_experiments_scores_by_hand():
    P = one_nn_predictions(TRAIN_X, TRAIN_Y, TEST_X, (0, 1, 2))
    table = curve_rows("P1", (0, 1, 2), "hog-1nn", TEST_Y, P)
    assert list(table.columns) == list(COLUMNS)
    assert set(table.order) == {"neu-hap-sur"} and table.learnt.tolist()[0] == "neutral"
    # Experiment 1: the test rows of the classes seen so far
    assert value(table, 1, 1, "micro_f1") == pytest.approx(1.0)  # rows 0, 3: both 0
    assert value(table, 2, 1, "micro_f1") == pytest.approx(2 / 3)  # rows 0, 1, 3
    assert value(table, 3, 1, "micro_f1") == pytest.approx(3 / 4)
    # Experiment 2: all test rows
    assert value(table, 1, 2, "micro_f1") == pytest.approx(2 / 4)
    assert value(table, 2, 2, "micro_f1") == pytest.approx(2 / 4)
    assert value(table, 3, 2, "micro_f1") == pytest.approx(3 / 4)
    # macro F1 after step 3: class 0 2/3, class 1 2/3, class 2 1
    assert value(table, 3, 2, "macro_f1") == pytest.approx(7 / 9)
    # step 1, experiment 1: only class 0, all right
    assert value(table, 1, 1, "macro_f1") == pytest.approx(1.0)
    # each class's accuracy (experiment 2); a class without test rows is NaN
    assert value(table, 3, 2, "accuracy:neutral") == pytest.approx(0.5)
    assert value(table, 2, 2, "accuracy:surprise") == 0.0
    assert value(table, 3, 2, "accuracy:surprise") == 1.0
    assert np.isnan(value(table, 3, 2, "accuracy:sad"))


def test_step_scores_match_the_protocols_definitions():
    y = np.array([0, 0, 1, 1, 2, 3, 4, 5])
    p = np.array([0, 1, 1, 1, 0, 3, 4, 0])
    got = {(e, m): v for e, m, v in step_scores(y, p, [0, 1])}
    assert got[(1, "micro_f1")] == pytest.approx(3 / 4)
    assert got[(2, "micro_f1")] == pytest.approx(5 / 8)
    assert got[(2, "accuracy:happy")] == 1.0 and got[(2, "accuracy:sad")] == 0.0
    assert len(got) == 4 + len(CLASSES)


class _Tiny:
    """A model with the interface the generic baseline uses: ``config.image_size`` and a
    keras ``classifier`` whose logits of class 1 grow with the mean brightness and of class
    0 shrink with it (the others zero)."""

    def __init__(self, grey_prepare: bool = False):
        import keras

        images = keras.Input((8, 8, 3))
        mean = keras.layers.GlobalAveragePooling2D()(images)
        dense = keras.layers.Dense(6, use_bias=False)
        self.classifier = keras.Model(images, dense(mean))
        kernel = np.zeros((3, 6), np.float32)
        kernel[:, 0], kernel[:, 1] = -1.0, 1.0
        dense.set_weights([kernel])
        self.config = SimpleNamespace(image_size=8, grey=False)
        if grey_prepare:  # what CAAE.prepare does for a grey model, but on red alone
            self.prepare = lambda x: np.repeat(np.asarray(x, np.float32)[..., :1], 3, axis=-1)


def faces(levels, labels, subject="P1", size=8):
    """A dataset of flat images at grey ``levels``, one clip per image."""
    n = len(levels)
    images = (
        np.ones((n, size, size, 3), np.float32)
        * np.asarray(levels, np.float32)[:, None, None, None]
    )
    clips = np.array([f"{subject}/c{i}" for i in range(n)])
    return FaceDataset(
        images=images,
        labels=np.asarray(labels),
        subjects=np.array([subject] * n),
        clips=clips,
        frames=np.zeros(n, int),
        paths=clips,
    )


def test_generic_classifier_on_a_tiny_model():
    model = _Tiny()
    bright, dark = np.full((2, 8, 8, 3), 0.5, np.float32), np.full((2, 8, 8, 3), -0.5, np.float32)
    x = np.concatenate([bright[:1], dark[:1], bright[1:], dark[1:]])
    assert generic_predictions(model, x).tolist() == [1, 0, 1, 0]
    assert generic_predictions(model, x, batch_size=3).tolist() == [1, 0, 1, 0]
    # without prepare the images are checked: values outside [-1, 1] are refused
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        generic_predictions(model, x * 4)
    # with prepare, the model sees what prepare makes (here: the red channel everywhere)
    mixed = np.concatenate([np.full((1, 8, 8, 1), 0.5), np.full((1, 8, 8, 2), -0.9)], axis=-1)
    assert generic_predictions(model, mixed).tolist() == [0]
    assert generic_predictions(_Tiny(grey_prepare=True), mixed).tolist() == [1]


def test_generic_table_is_constant_across_steps_in_experiment_2():
    # two clips per class and person: one goes to the test side; the generic model calls
    # bright faces happy and dark ones neutral, whatever they are
    labels = np.repeat(np.arange(6), 2)
    levels = np.where(labels == 1, 0.5, -0.5)
    data = faces(levels, labels)
    table = generic_table(data, ["P1"], [(0, 1, 2, 3, 4, 5)], _Tiny(), test_fraction=0.5)
    exp2 = table[(table.experiment == 2) & (table.metric == "micro_f1")]
    assert exp2.value.tolist() == pytest.approx([2 / 6] * 6)  # neutral and happy right
    exp1 = table[(table.experiment == 1) & (table.metric == "micro_f1")].value.tolist()
    assert exp1 == pytest.approx([1, 1, 2 / 3, 2 / 4, 2 / 5, 2 / 6])


def test_chance_is_one_sixth_everywhere():
    table = chance_table(["A", "B"], [(0, 1, 2, 3, 4, 5), (5, 4, 3, 2, 1, 0)])
    assert list(table.columns) == list(COLUMNS)
    assert (table.value == 1 / 6).all() and CHANCE == 1 / 6
    assert set(table.metric) == {"micro_f1", *(f"accuracy:{c}" for c in CLASSES)}
    assert len(table) == 2 * 2 * 6 * (2 + 6)


def test_hog_1nn_uses_the_experiments_split():
    """The baseline's test crops are those of clifer.features.encode_subjects: the same
    split of the whole dataset, per subject."""
    from clifer.features import encode_subjects

    rng = np.random.default_rng(0)
    parts = []
    for subject in ("P1", "P2"):
        labels = np.repeat(np.arange(6), 3)
        part = faces(rng.uniform(-0.8, 0.8, len(labels)), labels, subject, size=16)
        part.images[:] += rng.uniform(-0.1, 0.1, part.images.shape).astype(np.float32)
        parts.append(part)
    data = FaceDataset.concatenate(parts)
    model = SimpleNamespace(
        config=SimpleNamespace(image_size=16, latent_dim=2),
        encode=lambda x: x.reshape(len(x), -1)[:, :2],
    )
    features, skipped = encode_subjects(data, model, test_fraction=0.3, seed=3)
    assert not skipped
    order = (1, 0, 2, 3, 4, 5)
    table = hog_1nn_table(data, ["P1", "P2"], [order], image_size=16, test_fraction=0.3, seed=3)
    for f in features:
        mine = table[
            (table.subject == f.subject)
            & (table.experiment == 2)
            & (table.step == 6)
            & table.metric.str.startswith("accuracy:")
        ]
        assert len(mine) == 6 and mine.value.between(0, 1).all()
        # Experiment 1 after the first class: the test crops of happy alone
        first = table[
            (table.subject == f.subject)
            & (table.step == 1)
            & (table.experiment == 1)
            & (table.metric == "micro_f1")
        ]
        assert first.value.tolist() == [1.0]
        # the step-6 micro F1 is the mean of per-crop hits over f's test crops
        counts = np.bincount(f.test_labels, minlength=6)
        acc = mine.set_index("metric").value
        micro = value(table[table.subject == f.subject], 6, 2, "micro_f1")
        hits = sum(acc[f"accuracy:{c}"] * counts[k] for k, c in enumerate(CLASSES))
        assert micro == pytest.approx(hits / counts.sum())
    assert table_problem(table, ["P1", "P2"], [order]) is not None  # no generic, no chance


def test_summary_reads_the_long_table():
    P = one_nn_predictions(TRAIN_X, TRAIN_Y, TEST_X, (0, 1, 2))
    table = pd.concat(
        [curve_rows("P1", (0, 1, 2), "hog-1nn", TEST_Y, P), chance_table(["P1"], [(0, 1, 2)])],
        ignore_index=True,
    )
    s = summary(table).set_index("baseline")
    hog = s.loc[s.index.str.startswith("HOG")].iloc[0]
    assert hog["exp 2 micro f1 after the first class"] == "0.500"
    assert hog["exp 2 micro f1 after the last class"] == "0.750"
    chance = s.loc[s.index.str.startswith("chance")].iloc[0]
    assert chance["exp 2 micro f1 after the last class"] == "0.167"
    assert chance["exp 2 macro f1 after the last class"] == "-"


@pytest.mark.slow
def test_an_experiment_writes_its_baselines_once(tmp_path, capsys):
    from clifer.experiment import main

    args = [
        "--subjects",
        "1",
        "--conditions",
        "gdm",
        "--results",
        str(tmp_path),
        "--run",
        "b",
        "--quiet",
    ]
    assert main(args) == 0
    folder = tmp_path / "b"
    table = pd.read_csv(folder / "baselines.csv")
    assert list(table.columns) == list(COLUMNS)
    assert set(table.condition) == {"hog-1nn", "generic", "chance"}
    assert set(table.subject) == {"S01"} and set(table.step) == set(range(1, 7))
    scores = table[table.metric.str.contains("f1|accuracy")]
    hog = scores[scores.condition == "hog-1nn"]
    assert len(hog) and hog.value.between(0, 1).all()
    generic = scores[scores.condition == "generic"]
    assert len(generic) and generic.value.between(0, 1).all()
    exp2 = generic[(generic.experiment == 2) & (generic.metric == "micro_f1")]
    assert exp2.value.nunique() == 1  # the same at every step
    assert np.allclose(table[table.condition == "chance"].value, 1 / 6)
    text = (folder / "summary.md").read_text()
    assert "## Baselines" in text and "HOG 1-NN" in text and "| chance" in text
    assert text.index("## Baselines") < text.index("## The accuracy matrix")
    out = capsys.readouterr().out
    assert "baselines (experiment 2, all six classes):" in out and "0.167" in out
    stamp = (folder / "baselines.csv").stat().st_mtime_ns
    assert main(args) == 0  # the rerun keeps them
    assert "baselines: kept from" in capsys.readouterr().out
    assert (folder / "baselines.csv").stat().st_mtime_ns == stamp
    assert main([*args[:-3], "--run", "none", "--quiet", "--no-baselines"]) == 0
    assert not (tmp_path / "none" / "baselines.csv").exists()
    assert "## Baselines" not in (tmp_path / "none" / "summary.md").read_text()
