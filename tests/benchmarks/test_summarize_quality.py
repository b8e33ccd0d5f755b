"""The multi-seed summary of quality runs (benchmarks/summarize_quality.py)."""

import importlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

summary = importlib.import_module("summarize_quality")


def fits(method, seed, values, fit_s=1.0):
    """Per-fit rows: ``values`` maps dataset -> (mcc, ap) for both of its two folds."""
    return [{"dataset": d, "fold": f, "method": method, "seed": seed, "mcc": m,
             "average_precision": ap, "roc_auc": 0.9, "fit_s": fit_s}
            for d, (m, ap) in values.items() for f in (0, 1)]


def write(path, rows):
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_means_ranks_wtl_and_time_ratio_by_hand(tmp_path):
    ref = {"a": (0.5, 0.5), "b": (0.5, 0.5), "c": (0.5, 0.5)}
    # seed 0: wins on a, ties on b, loses on c; seed 1: wins on a, b and c
    new0 = {"a": (0.7, 0.6), "b": (0.502, 0.5), "c": (0.3, 0.4)}
    new1 = {"a": (0.7, 0.6), "b": (0.6, 0.6), "c": (0.6, 0.6)}
    anchors = write(tmp_path / "anchors.csv", fits("ref", 0, ref, 2.0) + fits("ref", 1, ref, 2.0))
    runs = write(tmp_path / "new.csv", fits("new", 0, new0) + fits("new", 1, new1))
    results = summary.load_runs([anchors, runs])
    table, seed_means, seeds, n = summary.summarize(results, ["new"], "ref")
    assert seeds == [0, 1] and n == 3
    # seed-averaged MCC per dataset: a 0.7, b 0.551, c 0.45 -> mean 0.567
    assert table.loc["new", "MCC"] == pytest.approx((0.7 + 0.551 + 0.45) / 3)
    assert table.loc["new", "W/T/L MCC"] == "2/0/1"   # b: +0.051 is a win, c: -0.05 a loss
    assert table.loc["new", "W/T/L AP"] == "2/1/0"    # a +0.1, b +0.05, c 0.0
    assert table.loc["ref", "W/T/L MCC"] == "0/3/0"
    assert table.loc["new", "rank MCC"] == pytest.approx((1 + 1 + 2) / 3)
    assert table.loc["new", "fit time / ref"] == pytest.approx(0.5)
    assert seed_means.loc[("new", 0), "mcc"] == pytest.approx(1.502 / 3)


def test_only_common_seeds_and_complete_datasets(tmp_path):
    ref = {"a": (0.5, 0.5), "b": (0.5, 0.5)}
    rows = fits("ref", 0, ref) + fits("ref", 1, ref) + fits("new", 0, {"a": (0.9, 0.9)})
    results = summary.load_runs([write(tmp_path / "r.csv", rows)])
    table, _, seeds, n = summary.summarize(results, ["new"], "ref")
    assert seeds == [0] and n == 1          # seed 1 and dataset b lack "new"
    assert table.loc["ref", "MCC"] == pytest.approx(0.5)


def test_clear_errors(tmp_path):
    path = write(tmp_path / "r.csv", fits("ref", 0, {"a": (0.5, 0.5)}))
    results = summary.load_runs([path])
    with pytest.raises(SystemExit, match="no results for method 'other'"):
        summary.summarize(results, ["other"], "ref")
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"dataset": ["a"], "method": ["x"], "seed": [0]}).to_csv(bad, index=False)
    with pytest.raises(SystemExit, match="lack the column"):
        summary.load_runs([bad])
    no_seed = tmp_path / "no_seed.csv"
    pd.read_csv(path).drop(columns="seed").to_csv(no_seed, index=False)
    with pytest.raises(SystemExit, match="no 'seed' column"):
        summary.load_runs([no_seed])
    with pytest.raises(SystemExit, match="no such CSV"):
        summary.main([str(tmp_path / "missing.csv")])


def test_main_writes_markdown(tmp_path, capsys):
    ref = {"a": (0.5, 0.5)}
    path = write(tmp_path / "r.csv", fits("ref", 0, ref) + fits("new", 0, {"a": (0.6, np.nan)}))
    out = tmp_path / "s.md"
    intro = tmp_path / "intro.md"
    intro.write_text("How the runs were made.\n")
    summary.main([str(path), "--reference", "ref", "--out", str(out), "--title", "A page",
                  "--intro", str(intro)])
    text = out.read_text()
    assert text.startswith("# A page\n\nHow the runs were made.\n") and "Produced by `python benchmarks/summarize_quality" in text
    assert "| `new` | 0.600 | n/a |" in text and "W/T/L MCC" in text
    assert "| 1/0/0 | 0/0/1 |" in text      # a failed fit (NaN) counts as a loss
    assert "wrote" in capsys.readouterr().out
