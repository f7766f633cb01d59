"""``python -m imagination.train``: a run, its files, resuming, refusals."""

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from imagination.caae import load
from imagination.train import main

# --keep-best 0: the cpu preset scores its last 8 epochs on validation subjects (a minute each)
TINY = ["--subjects", "6", "--batch-size", "12", "--warmup-epochs", "1", "--identity", "off",
        "--keep-best", "0", "--quiet"]  # fmt: skip


@pytest.mark.slow
def test_train_writes_its_files_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*TINY, "--epochs", "2", "--out", str(out)]) == 0
    assert json.loads((out / "state.json").read_text()) == {"epochs_done": 2}
    rows = (out / "losses.csv").read_text().strip().splitlines()
    assert rows[0].startswith("epoch,") and "loss_rec" in rows[0] and len(rows) == 3
    for epoch in (1, 2):
        grid = cv2.imread(str(out / "grids" / f"epoch-{epoch:03d}.png"))
        assert grid is not None and grid.shape[1] > 7 * 64  # input + six translations
    model = load(out / "model.keras")
    assert model.config.image_size == 64
    small = load(out / "inference.keras", compile=False)  # what imagination/weights/ ships
    assert small.config == model.config and not small.compiled
    assert (out / "inference.keras").stat().st_size < (out / "model.keras").stat().st_size
    # a second run in the same folder is refused; --resume continues it
    assert main([*TINY, "--epochs", "3", "--out", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main([*TINY, "--epochs", "3", "--out", str(out), "--resume"]) == 0
    assert json.loads((out / "state.json").read_text()) == {"epochs_done": 3}
    assert len((out / "losses.csv").read_text().strip().splitlines()) == 4
    assert (out / "grids" / "epoch-003.png").exists()


@pytest.mark.slow
def test_a_resumed_run_equals_an_uninterrupted_one(tmp_path):
    """1 epoch, then --resume to 2, gives the weights of 2 epochs in one go: the batches of
    each epoch, the step's draws and the schedules depend on the epoch, not on the call.
    (Equal up to float round-off: TensorFlow's threaded CPU kernels may sum in another order.)"""
    whole, halves = tmp_path / "whole", tmp_path / "halves"
    assert main([*TINY, "--epochs", "2", "--out", str(whole)]) == 0
    assert main([*TINY, "--epochs", "1", "--out", str(halves)]) == 0
    assert main([*TINY, "--epochs", "2", "--out", str(halves), "--resume"]) == 0
    a, b = load(whole / "model.keras"), load(halves / "model.keras")
    for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-7)


def test_nothing_to_resume_and_bad_sources(tmp_path, capsys):
    assert main([*TINY, "--out", str(tmp_path / "empty"), "--resume"]) == 2
    assert "nothing to resume" in capsys.readouterr().err
    assert main([*TINY, "--data", "ravdess", "--out", str(tmp_path / "r")]) == 2
    assert "--root is needed" in capsys.readouterr().err


def test_identity_network_needs_an_identity_weight(tmp_path, capsys):
    args = [*TINY, "--out", str(tmp_path / "r")]
    args[args.index("--identity") + 1] = "trained"
    assert main(args) == 2  # the cpu preset's id_weight is 0
    assert "--id-weight" in capsys.readouterr().err


def test_help():
    out = subprocess.run([sys.executable, "-m", "imagination.train", "--help"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert out.startswith("usage: python -m imagination.train") and "--resume" in out


@pytest.mark.slow
def test_keep_best_keeps_the_best_validation_epoch(tmp_path, capsys):
    """With --keep-best 2 the last two epochs are scored on validation subjects; the one
    with the larger margin is best.keras and becomes inference.keras."""
    import numpy as np

    from imagination.evaluate import VALIDATION_SEED, VALIDATION_SUBJECTS, QualityEvaluator

    out = tmp_path / "run"
    assert main([*TINY, "--epochs", "3", "--keep-best", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    margins = [float(line.split("validation margin ")[1].split()[0])
               for line in printed.splitlines() if line.startswith("epoch ")]
    assert len(margins) == 2  # epochs 2 and 3
    best = json.loads((out / "best.json").read_text())
    assert best["epoch"] == 2 + int(np.argmax(margins))
    assert best["margin"] == pytest.approx(max(margins), abs=5e-4)
    kept = load(out / "best.keras", compile=False)
    shipped = load(out / "inference.keras", compile=False)
    for a, b in zip(kept.generator.get_weights(), shipped.generator.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # the recorded score is the kept model's own
    again = QualityEvaluator(VALIDATION_SUBJECTS, seed=VALIDATION_SEED)(kept)
    # (the features count: the cpu preset trains a feature loss)
    assert kept.config.feature_weight > 0
    assert again.margin(features=True) == pytest.approx(best["margin"], rel=1e-4)


def test_keep_best_must_not_be_negative(tmp_path, capsys):
    assert main([*TINY, "--keep-best", "-1", "--out", str(tmp_path / "r")]) == 2
    assert "--keep-best must be 0 or more" in capsys.readouterr().err
