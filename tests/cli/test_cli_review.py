"""Defects a review of the command line on real and messy files found, each pinned by its
own test (the runs stop before fitting, through the ``grid`` fixture, where they can)."""

import joblib
import numpy as np
import pandas as pd
import pytest

from sklearn_losses.cli.io import read_table

from .test_cli_faults import TINY, _run, grid  # noqa: F401 - grid is a fixture


def _rows(n=40, seed=0):
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 4 == 0, "yes", "no")
    return rng, y


def _compare_eu(tmp_path, capsys, column, values, y):
    """Run compare, stopped before fitting, on a ``;``-separated file of ``column`` and the
    label, read with ``--decimal ,``: ``(rc, stderr)``."""
    lines = [f"{column};label"] + [f"{v};{t}" for v, t in zip(values, y)]
    path = tmp_path / "eu.csv"
    path.write_text("\n".join(lines) + "\n")
    rc, _, err = _run(capsys, "compare", str(path), "-t", "label", "--sep", ";", "--decimal",
                      ",", *TINY, "--no-plot", "--out", str(tmp_path / "res"))
    return rc, err


def test_a_header_naming_a_column_twice_is_an_error(tmp_path, capsys):
    rng, y = _rows()
    lines = ["x1,x2,label,cat,label"] + [f"{a:.3f},{b:.3f},{t},c{i % 3},{t}" for i, (a, b, t)
                                         in enumerate(zip(rng.normal(size=40),
                                                          rng.normal(size=40), y))]
    path = tmp_path / "dup.csv"
    path.write_text("\n".join(lines) + "\n")
    rc, _, err = _run(capsys, "compare", str(path), "-t", "label", *TINY, "--no-plot",
                      "--out", str(tmp_path / "res"))
    assert rc == 2
    assert "names a column more than once ('label' at positions 2, 4)" in err


def test_an_empty_trailing_column_is_left_out_and_a_numeric_header_warned(tmp_path, capsys,
                                                                            grid):
    rng, y = _rows()
    lines = ["x1,x2,label,"] + [f"{a:.3f},{b:.3f},{t}," for a, b, t in
                                zip(rng.normal(size=40), rng.normal(size=40), y)]
    path = tmp_path / "trail.csv"
    path.write_text("\n".join(lines) + "\n")
    rc, _, err = _run(capsys, "compare", str(path), "-t", "label", *TINY, "--no-plot",
                      "--out", str(tmp_path / "res"))
    assert rc == 130 and "1 column(s) with no name and no value" in err
    assert list(grid["X"].columns) == ["x1", "x2"]
    # a headerless file read with a header: its first row is taken as names, and said so
    headerless = tmp_path / "nohead.csv"
    headerless.write_text("\n".join(line.rstrip(",") for line in lines[1:]) + "\n")
    rc, _, err = _run(capsys, "compare", str(headerless), "-t", "-1", *TINY, "--no-plot",
                      "--out", str(tmp_path / "res2"))
    assert "the header row looks like data" in err


def test_no_decimal_point_warning_for_a_column_read_with_decimal_commas(tmp_path, capsys,
                                                                        grid):
    rng, y = _rows()
    values = [f"{v:.3f}".replace(".", ",") for v in rng.normal(size=40)]
    values[3] = "unknown"  # a word: the column is numbers and text after reading
    rc, err = _compare_eu(tmp_path, capsys, "a", values, y)
    assert rc == 130 and "decimal point" not in err


def test_tab_separator_as_typed_and_an_empty_one(tmp_path, capsys, grid):
    rng, y = _rows()
    lines = ["x1\tx2\tlabel"] + [f"{a:.3f}\t{b:.3f}\t{t}" for a, b, t in
                                  zip(rng.normal(size=40), rng.normal(size=40), y)]
    path = tmp_path / "t.tsv"
    path.write_text("\n".join(lines) + "\n")
    rc, _, err = _run(capsys, "compare", str(path), "-t", "label", "--sep", "\\t", *TINY,
                      "--no-plot", "--out", str(tmp_path / "res"))
    assert rc == 130 and "ParserWarning" not in err
    assert list(grid["X"].columns) == ["x1", "x2"]
    rc, _, err = _run(capsys, "compare", str(path), "-t", "label", "--sep", "", *TINY,
                      "--no-plot", "--out", str(tmp_path / "res"))
    assert rc == 2 and "--sep must be a character" in err


def test_a_binary_only_scorer_on_a_multiclass_target_is_refused_before_training(tmp_path,
                                                                               capsys):
    rng = np.random.default_rng(0)
    y = np.array(["a", "b", "c"])[np.arange(60) % 3]
    lines = ["x1,label"] + [f"{v:.3f},{t}" for v, t in zip(rng.normal(size=60), y)]
    path = tmp_path / "multi.csv"
    path.write_text("\n".join(lines) + "\n")
    rc, _, err = _run(capsys, "compare", str(path), "-t", "label", "--scoring", "f1",
                      "precision", *TINY, "--no-plot", "--out", str(tmp_path / "res"))
    assert rc == 2 and "--scoring precision cannot score this target of 3 classes" in err


def test_a_saved_headerless_model_takes_the_feature_columns_read_by_read_table(tmp_path,
                                                                              capsys):
    rng, y = _rows(60)
    X = rng.normal(size=(60, 3))
    X[y == "yes", 0] += 2
    lines = [f"{a:.3f},{t},{b:.3f},{c:.3f}" for (a, b, c), t in zip(X, y)]
    path = tmp_path / "nh.csv"
    path.write_text("\n".join(lines) + "\n")
    model_path = tmp_path / "m.joblib"
    rc, _, err = _run(capsys, "compare", str(path), "--no-header", "-t", "1", *TINY,
                      "--losses", "cross_entropy", "--reweight", "balanced", "--no-plot",
                      "--out", str(tmp_path / "res"), "--save-best", str(model_path))
    assert rc == 0, err
    assert "read_table('new_rows.csv', header=False)" in err
    features = tmp_path / "features.csv"
    features.write_text("\n".join(f"{a:.3f},{b:.3f},{c:.3f}" for a, b, c in X[:5]) + "\n")
    model = joblib.load(model_path)
    new = read_table(features, header=False)  # columns "0", "1", "2": the feature columns
    assert list(model.predict(new)) == list(model.predict(pd.DataFrame(X[:5])))
    # the reference: the fitted network fed the file's columns 0, 2, 3 under their own names
    named = pd.DataFrame(np.round(X[:5], 3), columns=["0", "2", "3"])
    expected = model.estimator_.predict_proba(named)[:, model.proba_columns_]
    np.testing.assert_allclose(model.predict_proba(new), expected, atol=1e-6)


def test_thousands_points_under_decimal_comma_are_numbers(tmp_path, capsys, grid):
    """1.716,77 under --decimal , used to make the column categorical, with the
    'an identifier?' note."""
    rng, y = _rows()
    amounts = [f"{v:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
               for v in rng.uniform(100, 90_000, size=40)]
    rc, err = _compare_eu(tmp_path, capsys, "amount", amounts, y)
    assert rc == 130 and "identifier" not in err
    X = grid["X"]
    assert X["amount"].dtype == np.float64
    expected = [float(a.replace(".", "").replace(",", ".")) for a in amounts]
    assert X["amount"].tolist() == pytest.approx(expected)
    assert any("." in a for a in amounts)  # the case: grouped thousands present
