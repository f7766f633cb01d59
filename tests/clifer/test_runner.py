"""Running cells: serial and parallel runs agree, done cells are skipped, failures reported."""

import pandas as pd
import pytest
from clifer_cases import clustered_subject

from clifer.learners import LearnerSettings
from clifer.orders import DEFAULT_ORDER, REFERENCE_ORDERS
from clifer.protocol import SubjectFeatures
from clifer.runner import plan, run_cells
from clifer.store import ResultStore

DATA = {name: clustered_subject(name, i) for i, name in enumerate(["S01", "S02"])}


def scores(outcomes):
    tables = [o.table for o in outcomes]
    table = pd.concat(tables, ignore_index=True)
    table = table[~table.metric.str.startswith("seconds")]
    return table.sort_values(
        ["subject", "order", "condition", "memory", "step", "metric", "experiment"]
    ).reset_index(drop=True)


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
    broken["S02"] = SubjectFeatures(
        "S02",
        s.train_features,
        s.train_labels,
        s.train_clips,
        s.test_features[keep],
        s.test_labels[keep],
    )
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
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = list(run_cells(cells, DATA, settings, scheduler=cluster.scheduler_address))
    assert all(o.error is None for o in remote)
    pd.testing.assert_frame_equal(scores(serial), scores(remote))


# -- damaged cell files -------------------------------------------------------------------
ORDER = "neu-hap-sur-ang-fea-sad"


def _cut_last_line(path):
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))


def _cut_mid_step(path):
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[: len(lines) // 2]))


def _cut_mid_row(path):
    text = path.read_text()
    path.write_text(text[: len(text) // 3 + 7])


def _score_above_one(path):
    table = pd.read_csv(path)
    table.loc[table.metric == "micro_f1", "value"] = 1.5
    table.to_csv(path, index=False)


def _another_subject(path):
    table = pd.read_csv(path)
    table["subject"] = "S09"
    table.to_csv(path, index=False)


def _duplicated_step(path):
    table = pd.read_csv(path)
    table.loc[table.step == 2, "step"] = 3
    table.to_csv(path, index=False)


def _binary(path):
    path.write_bytes(b"\x00\xff" * 50)


def _empty(path):
    path.write_text("")


DAMAGE = [
    _cut_last_line,
    _cut_mid_step,
    _cut_mid_row,
    _score_above_one,
    _another_subject,
    _duplicated_step,
    _binary,
    _empty,
]


def test_whole_cells_pass_the_check_for_every_condition():
    from clifer.conditions import CONDITIONS
    from clifer.protocol import cell_problem, run_cell

    settings = LearnerSettings(episode_epochs=1, mlp_epochs=1)
    for name, condition in CONDITIONS.items():
        if condition.imagination:
            continue  # the same rows as gdm / gdm+replay (it needs the imagination model)
        table = run_cell(DATA["S01"], DEFAULT_ORDER, condition, settings)
        assert cell_problem(table, "S01", ORDER, name) is None, name
        assert cell_problem(table.iloc[:-1], "S01", ORDER, name) is not None, name
        assert cell_problem(table, "S01", ORDER, "gdm" if name == "mlp" else "mlp"), name


@pytest.mark.parametrize("damage", DAMAGE, ids=[d.__name__.strip("_") for d in DAMAGE])
def test_a_damaged_cell_file_is_set_aside_reported_and_run_again(tmp_path, damage):
    """A cell file cut short by a crash, or edited, never shows a wrong score: the next run
    sets it aside (kept, as .damaged), says so, runs the cell again and reports what a
    whole run reports."""
    from clifer.protocol import cell_problem

    settings = LearnerSettings(episode_epochs=2)
    store = ResultStore(tmp_path / "run", {"test": 3}, check=cell_problem)
    cells, _ = plan(DATA, [DEFAULT_ORDER], ["gdm"], store)
    assert all(o.error is None for o in run_cells(cells, DATA, settings, store=store))
    whole = store.read_all()
    path = store.cell_path("S02", ORDER, "gdm")
    damage(path)
    again = ResultStore(tmp_path / "run", {"test": 3}, check=cell_problem)
    todo, done = plan(DATA, [DEFAULT_ORDER], ["gdm"], again)
    assert [c.subject for c in todo] == ["S02"] and [c.subject for c in done] == ["S01"]
    assert len(again.notes) == 1 and "S02/neu-hap-sur-ang-fea-sad/gdm" in again.notes[0]
    assert "damaged" in again.notes[0] and "runs again" in again.notes[0]
    assert not path.exists() and path.with_name(path.name + ".damaged").exists()
    assert all(o.error is None for o in run_cells(todo, DATA, settings, store=again))
    rerun = again.read_all()
    measured = ~whole.metric.str.startswith("seconds")
    pd.testing.assert_frame_equal(
        whole[measured].reset_index(drop=True),
        rerun[~rerun.metric.str.startswith("seconds")].reset_index(drop=True),
    )
