"""The examples run (small sizes) and print what they promise."""

import runpy
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_quickstart_prints_a_leaderboard(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["quickstart.py", "--quick"])
    runpy.run_path(str(EXAMPLES / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "average_precision" in out
    for loss in ("cross_entropy", "focal"):
        assert loss in out
