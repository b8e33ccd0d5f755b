"""``sklearn-losses compare``: the faults of issue 21 (items 9, 11, 23, 28).

- item 9: decimal commas (``--decimal``, and a note when a text column looks
  numeric under a decimal comma);
- item 11: SIGTERM / Ctrl-C with ``--jobs 2`` leaves no worker process behind;
- item 23: the model ``--save-best`` writes for a headerless file predicts on
  ``pd.read_csv(path, header=None)``;
- item 28: warnings are not repeated per fold or per configuration, and the
  grid leaves out the configurations that correct the class prior twice.

Runs are tiny (a few dozen rows, 2-3 folds, 2-3 epochs) so that the file
stays fast on 2 CPU cores; the signal tests run the command in a subprocess.
"""

import numpy as np
import pandas as pd
import pytest

import sklearn_losses.compare as compare
from sklearn_losses.cli import main
from sklearn_losses.cli.io import decimal_mark_columns, read_table

TINY = ["--quick", "--max-epochs", "2", "--folds", "2"]


def _run(capsys, *argv):
    rc = main(list(argv))
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


@pytest.fixture
def grid(monkeypatch):
    """The configurations a run would cross-validate and their data (the run stops there)."""
    seen = {}

    def stop(models, X, y, *args, **kwargs):
        seen.update(models)
        seen["X"] = X
        raise compare.Interrupted([])

    monkeypatch.setattr(compare, "cross_validate_configs", stop)
    return seen


# ------------------------------------------------------- item 9: decimal commas
def _decimal_comma_csv(path, n=40, seed=0):
    """``;``-separated, decimal commas in ``price`` (a ``?`` among its values) and ``size``."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 4 == 0
    price = [f"{v:.2f}".replace(".", ",") for v in rng.normal(size=n) + 3 * y]
    price[7] = "?"
    price[8] = "12"  # an integer among them
    rows = ["price;size;city;label"]
    rows += [f"{p};{s:.3f};{'Oslo' if i % 3 else 'Rome'};{'yes' if t else 'no'}".replace(".", ",")
             for i, (p, s, t) in enumerate(zip(price, rng.normal(size=n), y))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_decimal_option_reads_decimal_commas_as_numbers(tmp_path, capsys, grid):
    data = _decimal_comma_csv(tmp_path / "d.csv")
    rc, _, err = _run(capsys, "compare", str(data), "-t", "label", "--sep", ";",
                      "--decimal", ",", *TINY, "--losses", "focal", "--reweight", "none",
                      "--no-plot", "--out", str(tmp_path / "res"))
    assert rc == 130  # stopped by the fixture before fitting
    assert "2 numeric, 1 categorical or text" in err
    X = grid["X"]
    assert X["price"].dtype == np.float64 and X.loc[0, "price"] != 0
    assert X["price"].isna().sum() == 1 and X.loc[8, "price"] == 12.0
    assert "--decimal" not in err  # no note once the column is numeric


def test_decimal_commas_without_the_option_get_a_one_line_note(tmp_path, capsys, grid):
    data = _decimal_comma_csv(tmp_path / "d.csv")
    rc, _, err = _run(capsys, "compare", str(data), "-t", "label", "--sep", ";", *TINY,
                      "--losses", "focal", "--reweight", "none", "--no-plot", "--quiet",
                      "--out", str(tmp_path / "res"))
    assert rc == 130
    notes = [line for line in err.splitlines() if "decimal comma" in line]
    assert len(notes) == 1, err
    assert "columns 'price', 'size' look numeric" in notes[0]
    assert "--decimal ," in notes[0] and "'city'" not in notes[0]


def test_decimal_points_under_decimal_comma_get_a_note(tmp_path, capsys, grid):
    data = tmp_path / "points.csv"
    rows = [f"{i / 7:.3f};{i % 3};{'yes' if i % 4 == 0 else 'no'}" for i in range(24)]
    data.write_text("a;b;label\n" + "\n".join(rows) + "\n")
    rc, _, err = _run(capsys, "compare", str(data), "-t", "label", "--sep", ";", "--decimal",
                      ",", *TINY, "--losses", "focal", "--reweight", "none", "--no-plot",
                      "--out", str(tmp_path / "res"))
    assert rc == 130
    notes = [line for line in err.splitlines() if "decimal point" in line]
    assert len(notes) == 1 and "column 'a' looks numeric" in notes[0], err
    assert "drop --decimal" in notes[0]


def test_decimal_mark_columns_only_flags_numbers_with_a_comma():
    df = pd.DataFrame({
        "comma": ["3,14", "-2,5", "7", None, "NA"],
        "integers": ["1", "2", "3", "4", "5"],          # numbers, no comma: another rule's
        "words": ["a,b", "c", "d", "e", "f"],
        "mixed": ["3,14", "x", "1,0", "2,0", "1,5"],
        "lists": ["1,2,3", "4,5,6", "7,8,9", "1,1,1", "2,2,2"],
        "numeric": [1.5, 2.5, 3.5, 4.5, 5.5],
    })
    assert decimal_mark_columns(df) == {"comma": "3,14"}


def test_read_table_decimal_must_be_one_character(tmp_path):
    from sklearn_losses.cli import CLIError

    data = _decimal_comma_csv(tmp_path / "d.csv")
    with pytest.raises(CLIError, match="--decimal must be a single character"):
        read_table(data, sep=";", decimal=",,")
    df = read_table(data, sep=";", decimal=",")
    assert df["price"].dtype == np.float64
