"""Every command refuses a numeric option out of range before any work: argparse's
usage error (exit status 2) naming the option, and nothing written."""

from __future__ import annotations

import pytest

from facedata.__main__ import main as facedata_main
from imagination.evaluate import main as evaluate_main
from imagination.train import main as train_main

CASES = [
    (facedata_main, ["synth", "--out", "{out}", "--subjects", "0"], "--subjects"),
    (facedata_main, ["synth", "--out", "{out}", "--fps", "-3"], "--fps"),
    (facedata_main, ["synth", "--out", "{out}", "--seconds", "0"], "--seconds"),
    (facedata_main, ["synth", "--out", "{out}", "--seconds", "nan"], "--seconds"),
    (facedata_main, ["faces", "--out", "{out}", "--subjects", "-1"], "--subjects"),
    (facedata_main, ["faces", "--out", "{out}", "--size", "0"], "--size"),
    (facedata_main, ["prepare", "--root", "{out}", "--image-size", "0"], "--image-size"),
    (train_main, ["--out", "{out}", "--subjects", "0"], "--subjects"),
    (train_main, ["--out", "{out}", "--identity-epochs", "0"], "--identity-epochs"),
    (evaluate_main, ["--group", "0"], "--group"),
]


@pytest.mark.parametrize(("main", "argv", "option"), CASES, ids=[" ".join(c[1]) for c in CASES])
def test_out_of_range_is_refused_before_any_work(main, argv, option, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as stop:
        main([a.format(out=out) for a in argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err
    assert "must be" in err
    assert not out.exists()
