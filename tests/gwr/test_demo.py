"""The toolkit's demo command (the main job until the CLIFER experiment exists)."""

import re

from gwr import demo


def test_demo_prints_one_row_per_class_and_global_ageing_forgets(capsys):
    demo.main(["--classes", "3"])
    out = capsys.readouterr().out
    lines = out.splitlines()
    rows = [line for line in lines if re.match(r"^\s+\d+\s+\d\.\d+ /", line)]
    assert len(rows) == 3
    # defaults keep every class; global ageing ends near one class in three
    last = rows[-1].split()
    assert float(last[1]) > 0.95 and float(last[4]) > 0.95
    assert float(last[7]) < 0.5
    assert "seconds" in out


def test_demo_help(capsys):
    try:
        demo.main(["--help"])
    except SystemExit as exit:
        assert exit.code == 0
    assert "usage: python -m gwr.demo" in capsys.readouterr().out
