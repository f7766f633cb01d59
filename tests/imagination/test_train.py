"""``python -m imagination.train``: a run, its files, resuming, refusals."""

import dataclasses
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from imagination.config import PRESETS, TRAINING, CAAEConfig, TrainSettings, training
from imagination.saving import load
from imagination.train import build_parser, main, resumed_run, run

# --keep-best 0: the cpu preset scores its last 8 epochs on validation subjects (a minute each)
TINY = [
    "--subjects",
    "6",
    "--batch-size",
    "12",
    "--warmup-epochs",
    "1",
    "--identity",
    "off",
    "--keep-best",
    "0",
    "--quiet",
]


@pytest.mark.slow
def test_train_writes_its_files_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*TINY, "--epochs", "2", "--out", str(out)]) == 0
    assert json.loads((out / "state.json").read_text()) == {
        "epochs_done": 2,
        "epochs": 2,
        "keep_best": 0,
    }
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
    assert json.loads((out / "state.json").read_text()) == {
        "epochs_done": 3,
        "epochs": 3,
        "keep_best": 0,
    }
    # without --epochs a resumed run keeps the settings it was started with
    assert main([*TINY[:-3], "--quiet", "--out", str(out), "--resume"]) == 0
    assert "already trained for 3 epochs (--epochs 3)" in capsys.readouterr().out
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
    out = subprocess.run(
        [sys.executable, "-m", "imagination.train", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
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
    margins = [
        float(line.split("validation margin ")[1].split()[0])
        for line in printed.splitlines()
        if line.startswith("epoch ")
    ]
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


def test_run_settings_are_the_presets_and_checked():
    assert {name: (s.epochs, s.keep_best) for name, s in TRAINING.items()} == {
        "cpu": (32, 8),
        "real": (20, 6),
        "paper": (30, 0),
    }
    assert training("cpu", epochs=3) == TrainSettings(epochs=3, keep_best=8)
    with pytest.raises(ValueError, match="epochs must be at least 1"):
        TrainSettings(epochs=0)
    with pytest.raises(ValueError, match="keep_best must be at least 0"):
        TrainSettings(keep_best=-2)
    with pytest.raises(TypeError, match="keep_best must be an int"):
        TrainSettings(keep_best=1.5)
    with pytest.raises(ValueError, match="unknown preset"):
        training("gpu")


def test_a_model_configuration_holds_no_run_settings_and_old_ones_still_load():
    """The shipped files were saved when the configuration held epochs and keep_best:
    they load, those keys ignored; any other unknown key is still an error."""
    import zipfile

    from imagination.pretrained import load_pretrained, pretrained_path

    assert not {"epochs", "keep_best"} & {f.name for f in dataclasses.fields(CAAEConfig)}
    for name in ("cpu", "real"):
        with zipfile.ZipFile(pretrained_path(name)) as saved:
            stored = json.loads(saved.read("config.json"))["config"]["config"]
        assert {"epochs", "keep_best"} <= set(stored)  # what makes this test worth having
        model = load_pretrained(name)
        assert model.config == CAAEConfig.from_dict(stored)
        kept = model.config.to_dict()  # (a field added since the file was saved: its default)
        assert {k: kept[k] for k in stored if k in kept} == {
            k: v for k, v in stored.items() if k not in ("epochs", "keep_best")
        }
        assert model.config == PRESETS[name].replace(seed=model.config.seed)
    with pytest.raises(ValueError, match="unknown CAAEConfig fields \\['epoch'\\]"):
        CAAEConfig.from_dict({"epoch": 3})


def test_a_resumed_run_keeps_the_settings_it_was_started_with(tmp_path):
    import zipfile

    (tmp_path / "state.json").write_text(
        json.dumps({"epochs_done": 4, "epochs": 9, "keep_best": 2})
    )
    assert resumed_run(tmp_path, "cpu") == (4, TrainSettings(epochs=9, keep_best=2))
    # a run started before: its settings are in its checkpoint's configuration
    (tmp_path / "state.json").write_text(json.dumps({"epochs_done": 5}))
    config = {"config": {"config": {**PRESETS["cpu"].to_dict(), "epochs": 36, "keep_best": 4}}}
    with zipfile.ZipFile(tmp_path / "checkpoint.keras", "w") as saved:
        saved.writestr("config.json", json.dumps(config))
    assert resumed_run(tmp_path, "cpu") == (5, TrainSettings(epochs=36, keep_best=4))
    # neither: the preset's
    config["config"]["config"] = PRESETS["real"].to_dict()
    with zipfile.ZipFile(tmp_path / "checkpoint.keras", "w") as saved:
        saved.writestr("config.json", json.dumps(config))
    assert resumed_run(tmp_path, "real") == (5, TRAINING["real"])


def test_the_help_gives_the_presets_own_defaults():
    text = " ".join(build_parser().format_help().split())
    assert "(default: the preset's; cpu 32, paper 30, real 20)" in text
    assert "(default: the preset's; cpu 8, paper 0, real 6)" in text
    assert "cpu 0, paper 0.33, real 0" in text


def test_the_options_are_not_rewritten(tmp_path, monkeypatch):
    """The run reads the preset's values into its configuration and settings; the
    parsed options stay as given (None: the preset's)."""
    import imagination.data

    seen = {}

    def stop(dataset, **kwargs):
        seen.update(kwargs)
        raise ValueError("stopped before training")

    monkeypatch.setattr(imagination.data, "training_faces", stop)
    args = build_parser().parse_args(["--out", str(tmp_path / "run"), "--seed", "3"])
    with pytest.raises(ValueError, match="stopped"):
        run(args)
    assert (args.epochs, args.keep_best, args.id_weight, args.batch_size) == (None,) * 4
    assert seen["seed"] == 3 and seen["image_size"] == PRESETS["cpu"].image_size
