"""The quality benchmark (benchmarks/bench_quality.py): quick run end to end, and its helpers.

The quick run uses three small KEEL tables (``../shared/data/keel`` from the
repository root); without that folder it runs on two scikit-learn tables
made imbalanced instead. Outputs go to a temporary folder (``--out``).
"""

import argparse
import importlib
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

_data = importlib.import_module("_data")
bench = importlib.import_module("bench_quality")

HAS_KEEL = bool(_data.keel_datasets(_data.DEFAULT_KEEL_DIR))


def available_methods():
    """The methods ``--methods all`` runs: the gradient-boosting anchors only when installed."""
    return [m for m in bench.METHODS if m not in bench.BOOSTING_PACKAGES
            or importlib.util.find_spec(bench.BOOSTING_PACKAGES[m]) is not None]


def test_boosting_anchor_without_its_package_is_a_clear_error(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "catboost" else real(name, *a))
    args = argparse.Namespace(methods=["catboost_balanced"], max_epochs=5, seed=0,
                              no_early_stopping=False, sklearn_mlp_max_iter=50)
    with pytest.raises(SystemExit, match=r"catboost.*\[bench\]"):
        bench.make_methods(args)
    args.methods = None  # 'all' leaves it out instead
    methods, _ = bench.make_methods(args)
    assert "catboost_balanced" not in methods and "wlc_default" in methods


def test_balanced_xgboost_weights_the_positive_class_by_the_class_ratio():
    pytest.importorskip("xgboost")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = np.where(np.arange(120) < 20, "pos", "neg")  # 100 'neg' (class 0), 20 'pos'
    clf = bench.BalancedXGBClassifier(random_state=0).fit(X, y)
    assert clf.model_.get_params()["scale_pos_weight"] == pytest.approx(100 / 20)
    assert set(clf.predict(X)) <= {"neg", "pos"} and clf.predict_proba(X).shape == (120, 2)


def test_quick_run_writes_csv_markdown_and_plot(tmp_path):
    argv = ["--quick", "--out", str(tmp_path)] + ([] if HAS_KEEL else ["--imbalanced-sklearn"])
    bench.main(argv)
    stem = "quality" if HAS_KEEL else "quality_sklearn"
    results = pd.read_csv(tmp_path / f"{stem}.csv")

    datasets = 3 if HAS_KEEL else 2
    folds = 2
    methods = available_methods()
    assert len(results) == len(methods) * datasets * folds
    assert results["dataset"].nunique() == datasets
    combos = results.groupby(["method", "dataset", "fold"]).size()
    assert len(combos) == len(results) and (combos == 1).all()
    assert set(results["method"]) == set(methods)
    assert results["error"].isna().all(), results["error"].dropna().unique()
    metrics = list(bench.METRICS)
    values = results[metrics].to_numpy(dtype=float)
    assert np.isfinite(values).all()
    assert (results[["average_precision", "balanced_accuracy", "roc_auc", "f1"]]
            .stack().between(0, 1).all())
    assert results["mcc"].between(-1, 1).all()
    assert (results["fit_s"] > 0).all() and np.isfinite(results["fit_s"]).all()

    markdown = (tmp_path / f"{stem}.md").read_text()
    for section in ("## Means and mean ranks", "## W/T/L vs `wlc_default`",
                    "## MCC per dataset", "**mean**", f"({stem}.png)", "torch threads"):
        assert section in markdown
    for method in methods:
        assert f"| {method} |" in markdown
    png = (tmp_path / f"{stem}.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_mean_ranks_averages_ties_ranks_nan_last_and_costs_ascending():
    # dataset a: A best, B and C tie; dataset b: C best, A failed (NaN); fit_s: lower is better
    table = pd.DataFrame({
        "dataset": ["a", "a", "a", "b", "b", "b"],
        "method": ["A", "B", "C", "A", "B", "C"],
        "mcc": [0.9, 0.5, 0.5, np.nan, 0.2, 0.7],
        "fit_s": [3.0, 1.0, 2.0, 1.0, 1.0, 5.0],
    })
    ranks = bench.mean_ranks(table, metrics=("mcc", "fit_s"), lower_is_better=("fit_s",))
    assert list(ranks.index) == ["A", "B", "C"]
    # a: A=1, B=C=2.5; b: C=1, B=2, A=3 (NaN last)
    assert ranks.loc["A", "mcc"] == pytest.approx((1 + 3) / 2)
    assert ranks.loc["B", "mcc"] == pytest.approx((2.5 + 2) / 2)
    assert ranks.loc["C", "mcc"] == pytest.approx((2.5 + 1) / 2)
    # fit_s a: B=1, C=2, A=3; b: A=B=1.5, C=3
    assert ranks.loc["A", "fit_s"] == pytest.approx((3 + 1.5) / 2)
    assert ranks.loc["B", "fit_s"] == pytest.approx((1 + 1.5) / 2)
    assert ranks.loc["C", "fit_s"] == pytest.approx((2 + 3) / 2)
    # each dataset hands out ranks 1..3: the mean ranks sum to 1 + 2 + 3
    assert ranks.sum().tolist() == pytest.approx([6.0, 6.0])


def test_adaptive_smote_handles_tiny_minorities():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = np.array([1] * 3 + [0] * 27)
    smote = bench.AdaptiveSMOTE(random_state=0)
    X_res, y_res = smote.fit_resample(X, y)
    assert smote.k_neighbors_ == 2
    assert np.bincount(y_res).tolist() == [27, 27]
    y1 = np.array([1] + [0] * 29)
    with pytest.warns(UserWarning, match="not over-sampling"):
        X_same, y_same = bench.AdaptiveSMOTE(random_state=0).fit_resample(X, y1)
    assert np.array_equal(y_same, y1) and np.array_equal(X_same, X)


def test_parse_wlc_spec_and_unknown_method():
    params = bench.parse_wlc_spec("wlc:loss=focal,reweight=class_balanced,"
                                  "hidden_layer_sizes=(64, 32),lr=3e-3")
    assert params == {"loss": "focal", "reweight": "class_balanced",
                      "hidden_layer_sizes": (64, 32), "lr": 3e-3}
    args = bench.common.base_parser(bench.__doc__, folds=5, max_epochs=200).parse_args([])
    args.methods = ["wlc:loss=focal,max_epochs=7"]
    args.sklearn_mlp_max_iter = 500
    methods, _ = bench.make_methods(args)
    assert methods["wlc:loss=focal,max_epochs=7"].get_params()["max_epochs"] == 7
    # nested settings of the loss go through set_params; a wrong one fails before the run
    args.methods = ["wlc:loss=focal,loss__gamma=0.5"]
    methods, descriptions = bench.make_methods(args)
    assert methods["wlc:loss=focal,loss__gamma=0.5"].get_params()["loss__gamma"] == 0.5
    assert "loss__gamma=0.5" in descriptions["wlc:loss=focal,loss__gamma=0.5"]
    args.methods = ["wlc:loss=focal,loss__no_such=1"]
    with pytest.raises(ValueError, match="no_such"):
        bench.make_methods(args)
    args.methods = ["no_such_method"]
    with pytest.raises(SystemExit, match="unknown method"):
        bench.make_methods(args)
