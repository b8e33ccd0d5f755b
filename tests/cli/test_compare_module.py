"""``sklearn_losses.compare``: the one fit-and-score loop, the ranking and the tests."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (RepeatedStratifiedKFold, StratifiedKFold,
                                     cross_validate)

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.compare import (Interrupted, as_category_strings, corrected_ttest,
                                    cross_validate_configs, make_model, rank_configurations,
                                    sign_test, split_columns, summarize)
from sklearn_losses.metrics import get_scorer
from tests.cli.helpers import InterruptedOnFocal


def _frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 5 == 0).astype(int)
    X = pd.DataFrame({"a": rng.normal(size=n) + 2 * y, "b": rng.normal(size=n),
                      "c": np.where(y == 1, " red", "blue").astype(object)})
    X.loc[3, "b"] = np.nan
    X.loc[4, "c"] = None
    return X, y


def test_split_columns_and_preprocessor_encode_strings_missing_and_unseen():
    X, y = _frame()
    assert split_columns(X) == (["a", "b"], ["c"])
    assert split_columns(np.zeros((3, 2))) == ([0, 1], [])
    assert as_category_strings(np.array([[" red"], [1], [None]], dtype=object))[:2, 0].tolist() \
        == ["red", "1"]
    pipe = make_model("passthrough", X, preprocessing="onehot").fit(X, y)
    Z = pipe.transform(X)
    assert Z.shape == (60, 2 + 3) and np.isfinite(Z).all()  # red, blue, missing
    new = pd.DataFrame({"a": [0.0], "b": [0.0], "c": ["purple"]})
    assert pipe.transform(new)[0, 2:].tolist() == [0.0, 0.0, 0.0]


def test_cross_validate_configs_equals_cross_validate_serial_and_parallel():
    X, y = _frame()
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    scoring = {"roc_auc": get_scorer("roc_auc"), "gmean": get_scorer("gmean")}
    model = make_model(WeightedLossClassifier(max_epochs=3, hidden_layer_sizes=(8,),
                                              random_state=0), X)
    serial = cross_validate_configs({"wlc": model}, X, y, folds, scoring)
    ref = cross_validate(model, X, y, cv=folds, scoring=scoring)
    aucs = [r["scores"]["roc_auc"] for r in serial]
    assert aucs == pytest.approx(list(ref["test_roc_auc"]))
    assert len(set(aucs)) == len(aucs)  # fold scores that differ: a mix-up of folds shows
    parallel = cross_validate_configs({"wlc": model}, X, y, folds, scoring, n_jobs=2)
    for metric in scoring:  # every score, not only G-mean (0.0 on every fold here)
        assert [r["scores"][metric] for r in parallel] == pytest.approx(
            [r["scores"][metric] for r in serial]), metric


def test_failure_is_captured_later_folds_skipped_and_train_labels_used():
    X, y = _frame()
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    bad = make_model(WeightedLossClassifier(loss="anyloss_f1", reweight="dro_kl",
                                            max_epochs=2), X)
    seen = []
    results = cross_validate_configs({"bad": bad}, X, y, folds, ["roc_auc"],
                                     on_fold=seen.append)
    assert "batch-level loss" in results[0]["error"] and not results[0]["skipped"]
    assert [r["skipped"] for r in results] == [False, True, True]
    assert len(seen) == 3
    row = summarize(results, ["roc_auc"])[0]
    assert row["error"].startswith("ValueError") and math.isnan(row["roc_auc_mean"])
    # train_labels: the model learns the given labels, the test labels stay
    flipped = cross_validate_configs({"dummy": DummyClassifier(strategy="most_frequent")},
                                     X, y, folds, ["accuracy"],
                                     train_labels=lambda k, y_train: 1 - y_train)
    assert all(r["scores"]["accuracy"] == pytest.approx(0.2) for r in flipped)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_keyboard_interrupt_inside_a_fit_stops_with_the_finished_folds(n_jobs):
    X, y = _frame()
    folds = list(StratifiedKFold(2, shuffle=True, random_state=0).split(X, y))
    models = {name: make_model(InterruptedOnFocal(loss=loss, max_epochs=2), X)
              for name, loss in [("ce", "cross_entropy"), ("focal", "focal"),
                                 ("poly", "poly1")]}
    seen = []
    with pytest.raises(Interrupted) as info:
        cross_validate_configs(models, X, y, folds, ["roc_auc"], n_jobs=n_jobs,
                               on_fold=seen.append)
    assert isinstance(info.value, KeyboardInterrupt)
    done = info.value.results
    assert all(r["config"] != "focal" and r["error"] is None for r in done)
    # every fold that finished before the interrupt is kept (with two workers, at least
    # the first "ce" fold finished before "focal" could start)
    assert done and sorted((r["config"], r["fold"]) for r in done) == sorted(
        (r["config"], r["fold"]) for r in seen)
    if n_jobs == 1:
        assert [(r["config"], r["fold"]) for r in done] == [("ce", 0), ("ce", 1)]


def test_corrected_ttest_matches_the_paired_t_test_without_correction():
    a = np.array([0.80, 0.82, 0.78, 0.85, 0.81])
    b = np.array([0.75, 0.80, 0.77, 0.79, 0.80])
    t0, p0 = corrected_ttest(a, b, 0.0)
    ref = stats.ttest_rel(a, b)
    assert t0 == pytest.approx(ref.statistic) and p0 == pytest.approx(ref.pvalue)
    t, p = corrected_ttest(a, b, 1 / 4)  # 5-fold CV: the variance grows by (1/5 + 1/4) / (1/5)
    assert t == pytest.approx(t0 / math.sqrt((1 / 5 + 1 / 4) / (1 / 5)))
    assert p > p0
    assert corrected_ttest(a, a, 0.25) == (0.0, 1.0)
    assert corrected_ttest(a + 0.1, a, 0.25)[1] == 0.0
    assert math.isnan(corrected_ttest([1.0], [0.5], 0.25)[1])


def _row(name, ap, bal, folds_ap=None):
    folds_ap = folds_ap or [ap] * 3
    return {"config": name, "folds": [0, 1, 2], "error": None,
            "scores": {"ap": folds_ap, "bal": [bal] * 3},
            "ap_mean": float(np.mean(folds_ap)), "ap_std": float(np.std(folds_ap)),
            "bal_mean": bal, "bal_std": 0.0}


def test_ties_on_the_first_metric_are_broken_by_the_second_then_simplicity_then_name():
    # 8 configurations at AP 1.000 in the issue; the old ranking kept the input order
    rows = [_row("focal + balanced", 1.0, 0.50), _row("poly1 + none", 1.0, 0.90),
            _row("cross_entropy + none", 1.0, 0.70), _row("focal + none", 1.0, 0.70),
            _row("b + none", 1.0, 0.70), _row("worse", 0.9, 0.99, [0.85, 0.9, 0.95]),
            {**_row("failed", 0.0, 0.0), "error": "ValueError: x", "ap_mean": math.nan}]
    simplicity = {"cross_entropy + none": 0, "focal + none": 1, "b + none": 1}
    ranked = rank_configurations(rows, ["ap", "bal"], n_folds=3,
                                 complexity=lambda name: simplicity.get(name, 2))
    assert [r["config"] for r in ranked] == [
        "poly1 + none", "cross_entropy + none", "b + none", "focal + none",
        "focal + balanced", "worse", "failed"]
    assert [r["rank"] for r in ranked] == [1, 2, 3, 4, 5, 6, None]
    # the equal ones cannot be told apart from the best; failed never
    assert all(r["tied_with_best"] for r in ranked[:5])
    assert ranked[-1]["tied_with_best"] is False and math.isnan(ranked[-1]["p_vs_best"])
    # equal on the first two metrics: the third decides, before simplicity
    third = [_row("cross_entropy + none", 1.0, 0.5), _row("focal + none", 1.0, 0.5)]
    for r, v in zip(third, (0.2, 0.8)):
        r["gm_mean"], r["scores"]["gm"] = v, [v] * 3
    ranked = rank_configurations(third, ["ap", "bal", "gm"],
                                 complexity=lambda name: simplicity[name])
    assert [r["config"] for r in ranked] == ["focal + none", "cross_entropy + none"]
    # with a single metric, simplicity decides among equal means
    again = rank_configurations([_row("focal + none", 1.0, 0.1),
                                 _row("cross_entropy + none", 1.0, 0.1)], ["ap"],
                                complexity=lambda name: simplicity[name])
    assert again[0]["config"] == "cross_entropy + none"


def test_means_equal_to_the_decimals_shown_are_ordered_by_the_next_metric():
    # the CLI's example: AP 0.86715 and 0.86714 both show as 0.867; the first, which
    # corrects the prior twice (MCC 0.44), ranked first and --save-best saved it
    rows = [_row("logit_adjusted + balanced", 0.86715, 0.44),
            _row("focal + balanced", 0.86714, 0.83), _row("poly1 + none", 0.8662, 0.99)]
    assert [r["config"] for r in rank_configurations(
        [dict(r) for r in rows], ["ap", "bal"])][:2] == [
        "logit_adjusted + balanced", "focal + balanced"]  # to 9 decimals, as before
    ranked = rank_configurations(rows, ["ap", "bal"], decimals=3)
    # 0.8662 shows as 0.866: below, whatever its second metric
    assert [r["config"] for r in ranked] == [
        "focal + balanced", "logit_adjusted + balanced", "poly1 + none"]


def test_rank_marks_a_clearly_worse_configuration():
    best = _row("best", 0.9, 0.5, [0.90, 0.91, 0.89, 0.90, 0.92])
    worse = _row("worse", 0.6, 0.5, [0.60, 0.62, 0.59, 0.61, 0.60])
    close = _row("close", 0.89, 0.5, [0.92, 0.86, 0.90, 0.88, 0.89])
    for r in (best, worse, close):
        r["folds"] = [0, 1, 2, 3, 4]
    ranked = rank_configurations([worse, close, best], ["ap", "bal"], n_folds=5)
    assert [r["config"] for r in ranked] == ["best", "close", "worse"]
    assert ranked[1]["tied_with_best"] and ranked[1]["p_vs_best"] > 0.05
    assert not ranked[2]["tied_with_best"] and ranked[2]["p_vs_best"] < 0.001


def test_sign_test_is_scipy_binomtest():
    assert sign_test(0, 0) == 1.0
    assert sign_test(9, 1) == pytest.approx(stats.binomtest(9, 10).pvalue)
    assert sign_test(9, 1) < 0.05 < sign_test(6, 4)


def test_rank_configurations_sorts_lower_is_better_metrics_ascending():
    from sklearn_losses.compare import rank_configurations

    def row(name, mcc, rate):
        return {"config": name, "error": None, "folds": [0, 1], "mcc_mean": mcc,
                "fnr_mean": rate, "scores": {"mcc": [mcc, mcc], "fnr": [rate, rate]}}

    rows = [row("a", 0.5, 0.09), row("b", 0.5, 0.02)]  # tied on MCC: the rate breaks it
    ranked = rank_configurations(rows, ["mcc", "fnr"], n_folds=2, lower_is_better=("fnr",))
    assert [r["config"] for r in ranked] == ["b", "a"]
    ranked = rank_configurations([row("a", 0.5, 0.09), row("b", 0.5, 0.02)], ["mcc", "fnr"],
                                 n_folds=2)
    assert [r["config"] for r in ranked] == ["a", "b"]  # greater first without it


def test_binary_scorers_measure_the_minority_of_y_for_every_configuration_and_fold():
    """A model recording no training counts used to score each test fold's minority: on
    50/51 rows that was class 0 on one fold and class 1 on the others."""
    rng = np.random.default_rng(0)
    y = np.array([0] * 50 + [1] * 51)
    X = rng.normal(size=(101, 3)) + 0.5 * y[:, None]
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    scoring = {"ap": "average_precision", "ap0": get_scorer("average_precision", pos_label=0)}
    results = cross_validate_configs({"lr": make_model(LogisticRegression(), X)}, X, y, folds,
                                     scoring)
    assert [r["scores"]["ap"] for r in results] == pytest.approx(
        [r["scores"]["ap0"] for r in results])
    # equal counts: the last label, as the package's scorers choose it
    y_even = np.r_[y[:-1]]
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X[:-1], y_even))
    scoring = {"ap": "average_precision", "ap1": get_scorer("average_precision", pos_label=1)}
    results = cross_validate_configs({"lr": make_model(LogisticRegression(), X)}, X[:-1],
                                     y_even, folds, scoring)
    assert [r["scores"]["ap"] for r in results] == pytest.approx(
        [r["scores"]["ap1"] for r in results])


def test_scoring_forms_and_bad_input_get_clear_errors():
    X, y = _frame()
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    dummy = {"dummy": DummyClassifier(strategy="prior")}
    one = cross_validate_configs(dummy, X, y, folds, "roc_auc")  # a name alone
    assert [r["scores"] for r in one] == [{"roc_auc": 0.5}] * 3
    with pytest.raises(TypeError, match="Name the scorers in a dict"):
        cross_validate_configs(dummy, X, y, folds, [get_scorer("roc_auc")])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        cross_validate_configs(dummy, X, y[:-1], folds, ["roc_auc"])
    bad = [(folds[0][0], np.r_[folds[0][1], 60])]
    with pytest.raises(ValueError, match="Fold 0's test indices run from .* to 60, outside "
                                         "the 60 rows"):
        cross_validate_configs(dummy, X, y, bad, ["roc_auc"])


def test_parallel_runs_skip_the_folds_after_a_failure_as_serial_runs_do():
    X, y = _frame()
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    bad = make_model(WeightedLossClassifier(loss="anyloss_f1", reweight="dro_kl",
                                            max_epochs=2), X)
    models = {"bad": bad, "dummy": DummyClassifier(strategy="prior")}
    serial = cross_validate_configs(models, X, y, folds, ["roc_auc"])
    parallel = cross_validate_configs(models, X, y, folds, ["roc_auc"], n_jobs=2)
    for a, b in zip(serial, parallel, strict=True):
        assert (a["config"], a["fold"], a["skipped"], a["error"]) == (
            b["config"], b["fold"], b["skipped"], b["error"])


def test_the_ranking_uses_the_test_train_ratio_the_folds_had():
    X, y = _frame(100)
    X = X[["a", "b"]]  # "c" separates the classes perfectly: every ROC AUC would be 1.0
    folds = list(RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=0).split(X, y))
    models = {"lr": make_model(LogisticRegression(), X),
              "prior": make_model(DummyClassifier(strategy="prior"), X)}
    rows = summarize(cross_validate_configs(models, X, y, folds, ["roc_auc"]), ["roc_auc"])
    assert rows[0]["test_train_ratio"] == pytest.approx(0.25)
    ranked = rank_configurations([dict(r) for r in rows], ["roc_auc"])
    a, b = (np.asarray(r["scores"]["roc_auc"]) for r in ranked)
    p_quarter, p_ninth = corrected_ttest(a, b, 0.25)[1], corrected_ttest(a, b, 1 / 9)[1]
    # the two ratios give p-values that can be told apart: the check below can fail
    assert not np.allclose(a, b) and p_quarter != pytest.approx(p_ninth, rel=0.5)
    assert ranked[1]["p_vs_best"] == pytest.approx(p_quarter)
    forced = rank_configurations([dict(r) for r in rows], ["roc_auc"], n_folds=10)
    assert forced[1]["p_vs_best"] == pytest.approx(p_ninth)


def test_one_class_y_and_boolean_mask_folds():
    X, y = _frame(40)
    dummy = {"dummy": DummyClassifier(strategy="prior")}
    folds = list(StratifiedKFold(2, shuffle=True, random_state=0).split(X, y))
    one = cross_validate_configs(dummy, X, np.zeros(40, dtype=int), folds, ["accuracy"])
    assert [r["scores"]["accuracy"] for r in one] == [1.0, 1.0]  # no positive class to fix
    masks = [(np.isin(np.arange(40), tr), np.isin(np.arange(40), te)) for tr, te in folds]
    rows = summarize(cross_validate_configs(dummy, X, y, masks, ["accuracy"]), ["accuracy"])
    assert rows[0]["test_train_ratio"] == pytest.approx(1.0)  # 20 / 20 rows, not 40 / 40
    three = [(np.isin(np.arange(40), tr), np.isin(np.arange(40), te)) for tr, te in
             StratifiedKFold(4, shuffle=True, random_state=0).split(X, y)]
    rows = summarize(cross_validate_configs(dummy, X, y, three, ["accuracy"]), ["accuracy"])
    assert rows[0]["test_train_ratio"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="Fold 0's test mask has 39 entries for the 40 rows"):
        cross_validate_configs(dummy, X, y, [(masks[0][0], masks[0][1][:-1])], ["accuracy"])


def test_make_model_encodes_a_raw_table_as_the_package_does_by_default():
    # an id column and a date column made thousands of dense one-hot columns (a review
    # timed HGB at 109-219 s on a 7k-row table against 1.3 s without them)
    from sklearn.ensemble import HistGradientBoostingClassifier

    from sklearn_losses.preprocessing import TabularEncoder

    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame({"id": [f"L{i:05d}" for i in range(n)],
                      "day": pd.date_range("2023-01-01", periods=n).strftime("%Y-%m-%d"),
                      "grade": rng.choice(list("ABCD"), n), "x": rng.normal(size=n)})
    y = (X["x"] + (X["grade"] == "A") > 0.5).astype(int).to_numpy()
    model = make_model(HistGradientBoostingClassifier(max_iter=20), X).fit(X, y)
    assert isinstance(model.named_steps["preprocess"], TabularEncoder)
    width = model.named_steps["preprocess"].transform(X).shape[1]
    assert width < 20  # id target-encoded, the date as calendar features, 4 one-hot levels
    onehot = make_model("passthrough", X, preprocessing="onehot").fit(X, y)
    assert onehot.transform(X).shape[1] > 2 * n  # one column per id and per day
    assert model.score(X, y) > 0.9
    with pytest.raises(ValueError, match="numeric= and categorical= choose the columns of "
                                         "preprocessing='onehot'"):
        make_model("passthrough", numeric=["x"], categorical=["grade"])
    with pytest.raises(ValueError, match="preprocessing must be 'auto' or 'onehot'"):
        make_model("passthrough", X, preprocessing="ordinal")
