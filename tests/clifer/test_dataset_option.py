"""``--dataset``: FER2013 (no persons) and a wrong root are refused before any work."""

import json

import pytest

from clifer.experiment import check_dataset
from clifer.experiment import main as experiment
from clifer.tune import main as tune


@pytest.fixture
def fer_root(tmp_path):
    """A FER2013 CSV of one grey happy face."""
    (tmp_path / "fer").mkdir()
    pixels = " ".join(["128"] * 48 * 48)
    (tmp_path / "fer" / "fer2013.csv").write_text(f"emotion,pixels,Usage\n3,{pixels},Training\n")
    return tmp_path / "fer"


def test_the_experiment_refuses_fer2013(fer_root, tmp_path, capsys):
    results = tmp_path / "results"
    assert experiment(["--dataset", "fer2013", "--root", str(fer_root),
                       "--results", str(results)]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "fer2013 has no persons" in err and "pre-training" in err
    assert "imagination.train --dataset fer2013" in err
    assert not results.exists()  # before any work
    config = tmp_path / "fer.json"
    config.write_text(json.dumps({"dataset": "fer2013", "root": str(fer_root)}))
    assert experiment(["--config", str(config), "--results", str(results)]) == 2
    assert "fer2013 has no persons" in capsys.readouterr().err and not results.exists()


def test_the_search_refuses_fer2013(fer_root, tmp_path, capsys):
    out = tmp_path / "tuning"
    assert tune(["--dataset", "fer2013", "--root", str(fer_root), "--out", str(out)]) == 2
    assert "fer2013 has no persons" in capsys.readouterr().err and not out.exists()


def test_a_root_that_matches_no_layout_prints_the_layouts(tmp_path, capsys):
    (tmp_path / "photos").mkdir()
    results = tmp_path / "results"
    assert experiment(["--dataset", "own", "--root", str(tmp_path / "photos"),
                       "--results", str(results)]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "Expected layouts" in err and "path,person,expression" in err
    assert not results.exists()
    with pytest.raises(FileNotFoundError, match="no dataset folder"):
        check_dataset("ravdess", str(tmp_path / "nowhere"))
    check_dataset("synthetic")  # nothing to check


def test_the_help_lists_the_datasets(capsys):
    with pytest.raises(SystemExit):
        experiment(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "own" in text and "fer2013: no persons, refused" in text
