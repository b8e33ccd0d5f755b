"""The examples run (small sizes) and print what they promise."""

import runpy
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_quickstart_prints_a_leaderboard(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["quickstart.py", "--quick"])
    runpy.run_path(str(EXAMPLES / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "average_precision" in out
    for loss in ("cross_entropy", "focal"):
        assert loss in out


# --------------------------------------------------------------------------
# the other examples: main(["--quick"]) returns the rows it prints
# --------------------------------------------------------------------------
import math  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402


def _run_quick(name):
    main = runpy.run_path(str(EXAMPLES / f"{name}.py"))["main"]
    return main(["--quick"])


def _table_rows(out, header_word):
    """Data lines of the printed table: the lines after the header that hold '|'."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if header_word in line and "|" in line)
    return [line for line in lines[start + 1:] if "|" in line]


def _finite(*values):
    return all(isinstance(v, float) and math.isfinite(v) for v in values)


def test_grid_search_losses_example(capsys, one_torch_thread):
    res = _run_quick("grid_search_losses")
    out = capsys.readouterr().out
    search, rows = res["search"], res["rows"]
    params = search.cv_results_["params"]
    assert len(params) == 3 * 2 + 3 * 2 + 2  # all three grids were searched
    assert sum("clf__loss__gamma" in p for p in params) == 6
    assert sum("clf__loss__tau" in p for p in params) == 2
    assert len(rows) == 5 and len(_table_rows(out, "rank")) == 5
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    assert all(_finite(r["gmean"], r["average_precision"]) for r in rows)
    assert all(0.0 <= r["gmean"] <= 1.0 for r in rows)
    assert rows[0]["gmean"] == pytest.approx(search.best_score_)
    assert _finite(res["test_gmean"])
    assert "best:" in out


def test_resampling_vs_reweighting_example(capsys, one_torch_thread):
    rows = _run_quick("resampling_vs_reweighting")
    out = capsys.readouterr().out
    methods = [r["method"] for r in rows]
    assert methods == ["nothing", "RandomOverSampler", "SMOTE", 'reweight="balanced"',
                       'batch_sampler="balanced"', "SMOTE + original weights (double)"]
    assert len(_table_rows(out, "method")) == len(rows)
    assert all(_finite(r["MCC"], r["AP"], r["balanced_acc"]) for r in rows)
    # every correction moves the 0.5 decision towards the 5% minority class
    baseline = rows[0]["balanced_acc"]
    assert all(r["balanced_acc"] > baseline for r in rows[1:])


def test_threshold_tuning_example(capsys, one_torch_thread):
    rows = {r["model"]: r for r in _run_quick("threshold_tuning")}
    out = capsys.readouterr().out
    assert len(rows) == 5 and len(_table_rows(out, "threshold")) == 5
    assert all(_finite(r["threshold"], r["f1"], r["gmean"], r["balanced_acc"])
               for r in rows.values())
    tuned_f1 = rows["cross_entropy + threshold tuned for F1"]
    tuned_gmean = rows["cross_entropy + threshold tuned for G-mean"]
    for r in (tuned_f1, tuned_gmean):
        assert 0.0 < r["threshold"] < 0.5  # a 10% minority calls for a lower threshold
    assert tuned_gmean["gmean"] > rows["cross_entropy"]["gmean"]
    # the prior correction divides the balanced weights back out: the 0.5 decision
    # then serves the minority class less than the re-weighted model's
    prior = rows['reweight="balanced" + calibration="prior"']
    assert prior["gmean"] < rows['reweight="balanced"']["gmean"]


def test_noisy_labels_example(capsys, one_torch_thread):
    rows = {r["loss"]: r for r in _run_quick("noisy_labels")}
    out = capsys.readouterr().out
    assert set(rows) == {"cross_entropy on clean labels", "cross_entropy", "gce", "sce",
                         "nce_rce", "comp_sum(tau=1.5)", "logit_clip(cross_entropy, delta=2)"}
    assert len(_table_rows(out, "clean-test")) == len(rows)
    assert all(_finite(r["accuracy"], r["roc_auc"]) for r in rows.values())
    assert all(r["roc_auc"] > 0.8 for r in rows.values())
    assert rows["cross_entropy on clean labels"]["accuracy"] > 0.9
    robust = [rows[k]["accuracy"] for k in ("gce", "sce", "nce_rce")]
    assert max(robust) > rows["cross_entropy"]["accuracy"]


def test_gpu_training_example(capsys, one_torch_thread):
    rows = _run_quick("gpu_training")
    out = capsys.readouterr().out
    assert [r["device"] for r in rows][0] == "cpu"
    assert len(rows) == (2 if torch.cuda.is_available() else 1)
    if not torch.cuda.is_available():
        assert "No GPU found" in out
    assert len(_table_rows(out, "sec_per_epoch")) == len(rows)
    for r in rows:
        assert r["epochs"] == 3
        assert _finite(r["fit_seconds"], r["sec_per_epoch"]) and r["sec_per_epoch"] > 0
        assert 0.5 < r["train_accuracy"] <= 1.0


def test_raw_dataframe_example(capsys, one_torch_thread):
    res = _run_quick("raw_dataframe")
    out = capsys.readouterr().out
    rows = {r["model"]: r for r in res["rows"]}
    assert set(rows) == {"WeightedLossClassifier()",
                         "HistGradientBoosting (from_dtype, balanced)"}
    for r in rows.values():
        assert _finite(r["average_precision"], r["matthews_corrcoef"], r["fit_s"])
    # the raw table (text, category, bool, NaN) went in untouched and was encoded inside
    model = res["model"]
    assert list(model.feature_names_in_) == ["plan", "region", "autopay", "tenure", "spend",
                                             "x5", "support_calls", "age_days"]
    assert model.encoder_ is not None
    # new rows with an unseen level and NaN get finite probabilities
    assert res["new_proba"].shape == (3,) and ((0 < res["new_proba"]) & (res["new_proba"] < 1)).all()
    assert "P(churned) for new rows" in out
