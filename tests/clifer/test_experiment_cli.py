"""``python -m clifer.experiment``: a small real run, its files, the rerun, refusals."""

import json
import subprocess
import sys

import cv2
import pandas as pd
import pytest

from clifer.experiment import main


@pytest.mark.slow
def test_a_small_run_writes_its_results_and_a_rerun_skips_them(tmp_path, capsys):
    args = [
        "--subjects",
        "2",
        "--conditions",
        "gdm,clifer",
        "--results",
        str(tmp_path),
        "--run",
        "small",
        "--quiet",
    ]
    assert main(args) == 0
    folder = tmp_path / "small"
    assert json.loads((folder / "config.json").read_text())["hash"]
    cells = sorted(p.name for p in (folder / "cells").iterdir())
    assert len(cells) == 4 and cells[0] == "S01__neu-hap-sur-ang-fea-sad__clifer.csv"
    table = pd.read_csv(folder / "measurements.csv")
    assert set(table.condition) == {"gdm", "clifer"} and set(table.subject) == {"S01", "S02"}
    summary = (folder / "summary.md").read_text()
    assert "exp 2 micro f1" in summary and "average_incremental_accuracy" in summary
    assert "One class order only" in summary and not (folder / "table1.csv").exists()
    for figure, least_width in (("fig3-micro_f1.png", 600), ("fig2-imagined.png", 7 * 64)):
        picture = cv2.imread(str(folder / figure))
        assert picture is not None and picture.shape[1] > least_width
    # Fig. 2: a header row, then one row of faces per subject (2 here)
    assert picture.shape[0] > 2 * 64
    assert "4 cells to run, 0 done before" in capsys.readouterr().out
    assert main(args) == 0
    assert "0 cells to run, 4 done before" in capsys.readouterr().out
    # the same folder with another configuration is refused, and nothing is lost
    assert main([*args, "--subjects", "3"]) == 2
    assert "another configuration" in capsys.readouterr().err
    assert len(list((folder / "cells").iterdir())) == 4


@pytest.mark.slow
def test_two_orders_give_table_one(tmp_path):
    args = [
        "--subjects",
        "3",
        "--conditions",
        "gdm",
        "--orders",
        "random:2:5",
        "--results",
        str(tmp_path),
        "--run",
        "orders",
        "--quiet",
    ]
    assert main(args) == 0
    table1 = pd.read_csv(tmp_path / "orders" / "table1.csv")
    assert set(table1["after"]) == {"first", "final"} and (table1["orders"] == 2).all()
    assert set(table1["memory"]) == {"episodic", "semantic"}
    assert "Kruskal-Wallis" in (tmp_path / "orders" / "summary.md").read_text()


@pytest.mark.slow
def test_a_corpus_in_the_ravdess_layout(tmp_path, capsys, monkeypatch):
    """--dataset ravdess --root DIR: videos as distributed, faces found, the shipped real
    model runs, cells run; the codes are encoded once and kept: another condition reads
    them back, an edited corpus is encoded again."""
    from facedata.synthetic import write_ravdess_corpus

    monkeypatch.setenv("CLIFER_CACHE_DIR", str(tmp_path / "cache"))
    write_ravdess_corpus(tmp_path / "corpus", 2, seconds=2.0, progress=False)

    def run(condition: str, name: str) -> str:
        args = [
            "--dataset",
            "ravdess",
            "--root",
            str(tmp_path / "corpus"),
            "--conditions",
            condition,
            "--results",
            str(tmp_path / "results"),
            "--run",
            name,
            "--quiet",
        ]
        assert main(args) == 0
        return capsys.readouterr().out

    out = run("gdm", "real")
    table = pd.read_csv(tmp_path / "results" / "real" / "measurements.csv")
    assert set(table.subject) == {"Actor_01", "Actor_02"}
    assert "2 cells to run" in out
    assert "imagination model: real (shipped, imagination/weights/real.keras)" in out
    assert "encoded and kept for the next run" in out
    assert len(list((tmp_path / "cache" / "codes").glob("*.npy"))) == 1
    assert "kept from an earlier run" in run("clifer", "again")
    # an edited corpus (one video fewer) gives other crops: encoded again, never stale
    next(iter(sorted((tmp_path / "corpus").rglob("*.mp4")))).unlink()
    assert "encoded and kept for the next run" in run("gdm", "edited")
    assert len(list((tmp_path / "cache" / "codes").glob("*.npy"))) == 2


def test_bad_arguments_are_clear_errors(tmp_path, capsys):
    assert main(["--conditions", "gdm,dream", "--results", str(tmp_path)]) == 2
    assert "unknown condition(s) ['dream']" in capsys.readouterr().err
    assert main(["--conditions", "", "--results", str(tmp_path)]) == 2
    assert "no condition given" in capsys.readouterr().err
    assert main(["--orders", "", "--results", str(tmp_path)]) == 2
    assert "unknown class ''" in capsys.readouterr().err
    for option, value in (("--jobs", "0"), ("--jobs", "-3"), ("--subjects", "0")):
        with pytest.raises(SystemExit) as exit_:
            main([option, value, "--results", str(tmp_path)])
        assert exit_.value.code == 2 and "must be a whole number >= 1" in capsys.readouterr().err
    config = tmp_path / "bad.toml"
    config.write_text("[learner]\nmlp_epochs = -5\n")
    assert main(["--config", str(config), "--results", str(tmp_path)]) == 2
    assert "learner.mlp_epochs must be a whole number >= 1, got -5" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [config]  # refused before any work: no run folder
    assert main(["--orders", "happy,sad", "--results", str(tmp_path)]) == 2
    assert "permutation" in capsys.readouterr().err
    assert main(["--dataset", "ravdess", "--results", str(tmp_path)]) == 2
    assert "needs root" in capsys.readouterr().err


@pytest.mark.slow
def test_a_run_whose_cells_all_fail_ends_with_one_summary(tmp_path, capsys, monkeypatch):
    """Every cell failing (here by a learner that raises) is one summary of why, the whole
    errors in failures.log, exit status 1, and no traceback; the same command then runs
    the cells."""
    import clifer.runner

    def broken(*args, **kwargs):
        raise ValueError("the learner broke")

    args = [
        "--subjects",
        "1",
        "--conditions",
        "gdm,gdm+replay",
        "--results",
        str(tmp_path),
        "--run",
        "r",
        "--quiet",
    ]
    with monkeypatch.context() as patch:
        patch.setattr(clifer.runner, "run_cell", broken)
        assert main(args) == 1
    err = capsys.readouterr().err
    assert "2 of 2 cells failed" in err and "2 cells: ValueError: the learner broke" in err
    assert "no cell has completed" in err and "Traceback" not in err and "KeyError" not in err
    log = (tmp_path / "r" / "failures.log").read_text()
    for condition in ("gdm", "gdm+replay"):
        assert (
            f"cell S01/neu-hap-sur-ang-fea-sad/{condition}:\nValueError: the learner broke" in log
        )
    assert log.count("Traceback") == 2
    assert not (tmp_path / "r" / "measurements.csv").exists()
    assert main(args) == 0
    assert "2 cells to run, 0 done before" in capsys.readouterr().out


def test_help():
    out = subprocess.run(
        [sys.executable, "-m", "clifer.experiment", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("usage: python -m clifer.experiment") and "--scheduler" in out
