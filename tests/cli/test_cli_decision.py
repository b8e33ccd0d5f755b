"""compare --decision: a decision tool inside each fold, its constrained metric reported."""

import numpy as np
import pandas as pd
import pytest

from sklearn_losses.cli import main

QUICK = ["--quick", "--max-epochs", "5", "--folds", "2", "--losses", "cross_entropy",
         "--reweight", "none", "--no-plot"]


@pytest.fixture
def binary_csv(tmp_path):
    rng = np.random.default_rng(0)
    n = 600
    y = rng.random(n) < 0.3
    frame = pd.DataFrame({"a": rng.normal(size=n) + 1.5 * y, "b": rng.normal(size=n),
                          "label": np.where(y, "yes", "no")})
    path = tmp_path / "binary.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("spec,metric", [("np:0.1", "type_i_error"), ("recall:0.2", "fnr"),
                                         ("offsets", "f1_macro")])
def test_decision_adds_mcc_ap_and_the_constrained_metric(binary_csv, tmp_path, capsys, spec,
                                                         metric):
    out = tmp_path / "res"
    rc = main(["compare", str(binary_csv), "--target", "label", *QUICK, "--decision", spec,
               "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 0, err
    board = pd.read_csv(out / "leaderboard.csv")
    for column in ("matthews_corrcoef_mean", "average_precision_mean", f"{metric}_mean"):
        assert column in board.columns and np.isfinite(board[column]).all(), column
    if metric != "f1_macro":  # a rate of the test folds
        assert board[f"{metric}_mean"].between(0.0, 1.0).all()
    # the network's epochs (all 5 here), not the decision rule's rounds (1) or NaN; the
    # reference model, decided by the same rule, has none
    reference = board["loss"] == "hgb (baseline)"
    assert reference.sum() == 1 and board.loc[reference, "epochs"].isna().all()
    assert (board.loc[~reference, "epochs"] == 5).all()


def test_neyman_pearson_keeps_its_cap_on_the_folds(binary_csv, tmp_path, capsys):
    out = tmp_path / "res"
    rc = main(["compare", str(binary_csv), "--target", "label", *QUICK, "--decision",
               "np:0.2", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    folds = [float(v) for v in str(pd.read_csv(out / "leaderboard.csv")
                                     .loc[0, "type_i_error_folds"]).split(";")]
    # ~220 test negatives per fold: one standard error of a rate of 0.2 is 0.027
    assert max(folds) <= 0.2 + 0.03 and np.mean(folds) <= 0.2, folds


@pytest.mark.parametrize("spec", ["np", "np:2", "threshold"])
def test_bad_decision_is_a_usage_error(binary_csv, tmp_path, capsys, spec):
    rc = main(["compare", str(binary_csv), "--target", "label", *QUICK, "--decision", spec,
               "--out", str(tmp_path / "res")])
    assert rc == 2 and "--decision" in capsys.readouterr().err


def test_rate_caps_need_a_binary_target(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=90), "label": np.repeat(["x", "y", "z"], 30)})
    path = tmp_path / "three.csv"
    frame.to_csv(path, index=False)
    rc = main(["compare", str(path), "--target", "label", *QUICK, "--decision", "np:0.1",
               "--out", str(tmp_path / "res")])
    assert rc == 2 and "binary target" in capsys.readouterr().err
