"""Running cells: serial and parallel runs agree, done cells are skipped, failures reported."""

import numpy as np
import pandas as pd
import pytest

from clifer.learners import LearnerSettings
from clifer.orders import DEFAULT_ORDER, REFERENCE_ORDERS
from clifer.protocol import SubjectFeatures
from clifer.runner import plan, run_cells
from clifer.store import ResultStore


def subject(name, seed):
    rng = np.random.default_rng(seed)
    centres = 1.0 + np.eye(6, 50) * 3.0
    def draw(n):
        X = np.concatenate([centres[c] + 0.4 * rng.standard_normal((n, 50)) for c in range(6)])
        return X, np.repeat(np.arange(6), n)
    X, y = draw(10)
    clips = np.array([f"{name}-{c}-{i // 5}" for c in range(6) for i in range(10)])
    Xt, yt = draw(4)
    return SubjectFeatures(name, X, y, clips, Xt, yt)


DATA = {name: subject(name, i) for i, name in enumerate(["S01", "S02"])}


def scores(outcomes):
    tables = [o.table for o in outcomes]
    table = pd.concat(tables, ignore_index=True)
    table = table[~table.metric.str.startswith("seconds")]
    return table.sort_values(["subject", "order", "condition", "memory", "step", "metric",
                              "experiment"]).reset_index(drop=True)


def test_parallel_equals_serial_and_done_cells_are_skipped(tmp_path):
    cells, done = plan(DATA, [DEFAULT_ORDER, REFERENCE_ORDERS[1]], ["gdm", "gdm+replay"])
    assert len(cells) == 8 and done == []
    settings = LearnerSettings(episode_epochs=3)
    serial = list(run_cells(cells, DATA, settings))
    assert all(o.error is None for o in serial)
    store = ResultStore(tmp_path / "run", {"test": 1})
    parallel = list(run_cells(cells, DATA, settings, jobs=2, store=store))
    pd.testing.assert_frame_equal(scores(serial), scores(parallel))
    todo, done = plan(DATA, [DEFAULT_ORDER, REFERENCE_ORDERS[1]], ["gdm", "gdm+replay"], store)
    assert todo == [] and len(done) == 8


def test_a_failing_cell_is_reported_and_the_others_kept(tmp_path):
    broken = dict(DATA)
    s = DATA["S02"]
    keep = s.test_labels != 3
    broken["S02"] = SubjectFeatures("S02", s.train_features, s.train_labels, s.train_clips,
                                    s.test_features[keep], s.test_labels[keep])
    store = ResultStore(tmp_path / "run", {"test": 2})
    cells, _ = plan(broken, [DEFAULT_ORDER], ["gdm"], store)
    outcomes = list(run_cells(cells, broken, LearnerSettings(episode_epochs=2), store=store))
    errors = [o for o in outcomes if o.error]
    assert [o.cell.subject for o in errors] == ["S02"] and "anger" in errors[0].error
    assert store.done("S01", "neu-hap-sur-ang-fea-sad", "gdm")
    assert not store.done("S02", "neu-hap-sur-ang-fea-sad", "gdm")


@pytest.mark.slow
def test_a_dask_cluster_gives_the_serial_results():
    """Cells sent to a dask.distributed LocalCluster (joblib's dask backend) give the same
    measurements as a serial run."""
    distributed = pytest.importorskip("dask.distributed")
    cells, _ = plan(DATA, [DEFAULT_ORDER], ["gdm", "gdm+replay"])
    settings = LearnerSettings(episode_epochs=3)
    serial = list(run_cells(cells, DATA, settings))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = list(run_cells(cells, DATA, settings, scheduler=cluster.scheduler_address))
    assert all(o.error is None for o in remote)
    pd.testing.assert_frame_equal(scores(serial), scores(remote))
