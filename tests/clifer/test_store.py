"""The results folder: atomic cells, skipping what is done, refusing another config."""

import pandas as pd
import pytest

from clifer.store import ResultStore, config_hash


def table(value):
    return pd.DataFrame(
        {
            "subject": ["S01"],
            "order": ["o"],
            "condition": ["gdm"],
            "memory": ["episodic"],
            "step": [6],
            "learnt": ["sad"],
            "experiment": [2],
            "metric": ["micro_f1"],
            "value": [value],
        }
    )


def test_config_hash_ignores_key_order_and_sees_values():
    assert config_hash({"a": 1, "b": [1, 2]}) == config_hash({"b": [1, 2], "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})


def test_cells_are_written_whole_and_read_back(tmp_path):
    store = ResultStore(tmp_path / "run", {"n": 6})
    assert not store.done("S01", "neu-hap", "gdm+replay")
    path = store.write("S01", "neu-hap", "gdm+replay", table(0.5))
    assert path.name == "S01__neu-hap__gdm+replay.csv"
    assert store.done("S01", "neu-hap", "gdm+replay")
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporaries
    store.write("S02", "neu-hap", "gdm", table(0.75))
    both = store.read_all()
    assert sorted(both.value) == [0.5, 0.75] and str(both.experiment.dtype) == "Int64"


def test_same_config_reopens_other_config_is_refused(tmp_path):
    ResultStore(tmp_path / "run", {"n": 6}).write("S01", "o", "gdm", table(1.0))
    again = ResultStore(tmp_path / "run", {"n": 6})
    assert again.done("S01", "o", "gdm")
    with pytest.raises(ValueError, match="another configuration"):
        ResultStore(tmp_path / "run", {"n": 7})
    assert again.read_all().value.tolist() == [1.0]  # nothing lost


def test_a_failed_write_leaves_no_cell(tmp_path):
    store = ResultStore(tmp_path / "run", {})

    class Broken(pd.DataFrame):
        def to_csv(self, *args, **kwargs):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        store.write("S01", "o", "gdm", Broken(table(1.0)))
    assert not store.done("S01", "o", "gdm")
    assert list((tmp_path / "run" / "cells").iterdir()) == []


def test_unwritable_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(OSError, match="cannot write the results folder"):
        ResultStore(blocker / "run", {})
