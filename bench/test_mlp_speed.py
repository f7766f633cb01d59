"""The MLP baseline's speed: the demo's 30 cells (6 synthetic subjects x 5 conditions,
``python -m clifer.experiment``) in at most 30 s of cell time.

- ``test_mlp_cell_vs_fit_per_class``: one cell of the ``mlp`` condition of the demo's
  shape (50-d features, 30 training frames a class, 60 test frames, the default
  settings: 30 epochs of batches of 16 per class, 64 hidden units) the way it ran before
  (:func:`fit_cell`: a model built and compiled per cell, ``model.fit`` per class,
  ``model.predict`` after each; the tests' reference, ``tests/clifer/clifer_cases.py``)
  and the way it runs now (:class:`clifer.learners.MLPLearner`: the compiled model
  reused, its traced training step called on the same batches), round-robin, best of 2;
  the ratio. Both give the same predictions (checked).
- ``test_demo_cells_time``: the demo's 30 cells as the experiment runs them
  (:func:`clifer.runner.run_cells`, one process), the sum of the cells' times
  (``seconds:total``, what ``summary.md``'s "Time" averages) and the mean by condition.

Run: ``pytest -q bench/test_mlp_speed.py --benchmark-only`` (about 1.5 minutes).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from clifer.conditions import CONDITIONS
from clifer.learners import LearnerSettings, MLPLearner
from clifer.orders import DEFAULT_ORDER

TARGET_DEMO_S = 30.0  # the demo's 30 cells, seconds of cell time on 2 cores
N_FEATURES, N_TRAIN, N_TEST = 50, 30, 10  # per class, as the synthetic default has


def demo_like_features(seed: int = 0):
    """Six clusters in 50-d, 30 training and 10 test frames each (the demo's shape)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, N_FEATURES))

    def draw(n):
        y = np.repeat(np.arange(6), n)
        return (centres[y] + 0.8 * rng.normal(size=(6 * n, N_FEATURES))).astype(np.float32), y

    return draw(N_TRAIN), draw(N_TEST)


@functools.cache
def _cases():
    """The clifer tests' shared cases (``tests/clifer/clifer_cases.py``), loaded by path:
    the tests run with ``--import-mode=importlib``, their folder is no package."""
    path = Path(__file__).parents[1] / "tests" / "clifer" / "clifer_cases.py"
    spec = importlib.util.spec_from_file_location("clifer_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fit_cell(train, test, settings: LearnerSettings, seed: int = 0) -> list[np.ndarray]:
    """One mlp cell the way it ran before the MLP was made fast
    (``clifer_cases.fit_per_class``): its predictions after each class."""
    steps = _cases().fit_per_class(*train, test[0], DEFAULT_ORDER, settings, seed)
    return [predicted for _, predicted in steps]


def learner_cell(train, test, settings: LearnerSettings, seed: int = 0) -> list[np.ndarray]:
    """The same cell with :class:`MLPLearner` (as :func:`clifer.protocol.run_cell` runs it)."""
    learner = MLPLearner(CONDITIONS["mlp"], settings, N_FEATURES, seed)
    out = []
    for c in DEFAULT_ORDER:
        learner.learn_class(train[0][train[1] == c], c, None)
        out.append(learner.predict(test[0])["mlp"])
    return out


def test_mlp_cell_vs_fit_per_class(benchmark, record, best_times):
    train, test = demo_like_features()
    settings = LearnerSettings()
    old, new = fit_cell(train, test, settings), learner_cell(train, test, settings)  # warm
    for a, b in zip(old, new, strict=True):
        np.testing.assert_array_equal(a, b)
    seconds = best_times(
        {
            "fit_per_class": lambda: fit_cell(train, test, settings),
            "learner": lambda: learner_cell(train, test, settings),
        },
        repeats=2,
    )
    benchmark.pedantic(lambda: learner_cell(train, test, settings), rounds=1, iterations=1)
    ratio = seconds["fit_per_class"] / seconds["learner"]
    record(
        benchmark,
        "mlp_cell",
        target="the mlp cell >= 10x faster than fit per class",
        holds=ratio >= 10,
        fit_per_class_s=seconds["fit_per_class"],
        learner_s=seconds["learner"],
        ratio=ratio,
        steps_per_cell=6 * settings.mlp_epochs * -(-N_TRAIN // settings.mlp_batch_size),
    )
    assert ratio >= 10


def test_demo_cells_time(benchmark, record):
    from clifer.config import ExperimentConfig
    from clifer.features import encode_subjects, synthetic_subjects
    from clifer.orders import parse_orders
    from clifer.runner import imagination_model, plan, run_cells

    cfg = ExperimentConfig()  # the demo: python -m clifer.experiment
    model = imagination_model(cfg.imagination_file())
    faces = synthetic_subjects(cfg.subjects, model.config.image_size)
    data, _ = encode_subjects(faces, model, test_fraction=cfg.test_fraction, seed=cfg.seed)
    cells, _ = plan([d.subject for d in data], parse_orders(cfg.orders), cfg.conditions)
    outcomes = benchmark.pedantic(
        lambda: list(
            run_cells(
                cells,
                {d.subject: d for d in data},
                cfg.learner,
                imagination=str(cfg.imagination_file()),
                seed=cfg.seed,
            )
        ),
        rounds=1,
        iterations=1,
    )
    wall = benchmark.stats.stats.min
    assert not [o.error for o in outcomes if o.error]
    by_condition: dict[str, list[float]] = {}
    for o in outcomes:
        t = o.table
        total = float(t.loc[t.metric == "seconds:total", "value"].iloc[0])
        by_condition.setdefault(o.cell.condition, []).append(total)
    cell_s = sum(map(sum, by_condition.values()))
    means = {f"{c}_mean_cell_s": float(np.mean(v)) for c, v in by_condition.items()}
    record(
        benchmark,
        "demo_cells",
        target=f"the demo's {len(cells)} cells <= {TARGET_DEMO_S:.0f} s of cell time",
        holds=cell_s <= TARGET_DEMO_S,
        cells=len(cells),
        cell_s=cell_s,
        wall_s=wall,
        **means,
        mlp_share=sum(by_condition.get("mlp", [])) / cell_s,
    )
    assert cell_s <= TARGET_DEMO_S
