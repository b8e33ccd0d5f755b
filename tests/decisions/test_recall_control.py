"""RecallControlClassifier: the conformal threshold, weights, MAPIE and the guarantee."""

import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from sklearn_losses.decisions import RecallControlClassifier, conformal_recall_threshold

from ._data import binary_population, draw


def test_threshold_by_hand():
    # 19 positives at alpha = 0.1: (n + 1) alpha - 1 = 1 row may fall below the threshold
    scores = np.arange(1, 20) / 20
    assert conformal_recall_threshold(scores, 0.1) == 0.10
    # 99 positives: 10 * ... (n + 1) alpha - 1 = 9 rows below -> the 10th smallest score
    scores = np.random.default_rng(0).uniform(size=99)
    assert conformal_recall_threshold(scores, 0.1) == np.sort(scores)[9]
    # the inequality of the docstring holds at the threshold and fails just above it
    t = conformal_recall_threshold(scores, 0.1)
    n = len(scores)
    assert (np.sum(scores < t) + 1) / (n + 1) <= 0.1
    above = np.sort(scores)[10]
    assert (np.sum(scores < above) + 1) / (n + 1) > 0.1


def test_ties_count_as_below_only_when_strictly_lower():
    scores = np.array([0.2, 0.2, 0.2, 0.5, 0.5, 0.9, 0.9, 0.9, 0.9])
    # n = 9, alpha = 0.35: 0.35 * 10 - 1 = 2.5 rows may fall below -> 0.2 (0 below);
    # 0.5 would leave 3 below
    assert conformal_recall_threshold(scores, 0.35) == 0.2
    # alpha = 0.4: 3 may fall below -> 0.5
    assert conformal_recall_threshold(scores, 0.4) == 0.5


def test_too_few_positives_raises_and_says_how_many_are_needed():
    with pytest.raises(ValueError, match=r"needs at least 9 held-out positive rows.*got 8"):
        conformal_recall_threshold(np.linspace(0, 1, 8), 0.1)
    assert conformal_recall_threshold(np.linspace(0, 1, 9), 0.1) == 0.0
    X, y = draw(60, seed=0)  # ~12 positives, 6 held out
    n_pos = int((y == 1).sum())
    with pytest.raises(ValueError, match=r"RecallControlClassifier: .*needs at least 19 "
                                         r"held-out positive rows.* Those rows: cv=0\.5 holds "
                                         rf"out that share of the {n_pos} positive rows\."):
        RecallControlClassifier(LogisticRegression(), alpha=0.05).fit(X, y)


def test_learn_then_test_says_how_many_positives_it_needs():
    pytest.importorskip("mapie")
    X, y = draw(60, seed=0)
    # (1 - 0.1)^n <= 0.1 from n = 22 on: with 6 held-out positives nothing is certified
    with pytest.raises(ValueError, match=r"certifies no threshold .* from \d+ held-out "
                                         r"positives; give more positive rows \(at least "
                                         r"about 22: "):
        RecallControlClassifier(LogisticRegression(), alpha=0.1, delta=0.1).fit(X, y)


def test_weights():
    rng = np.random.default_rng(0)
    scores = rng.uniform(size=200)
    plain = conformal_recall_threshold(scores, 0.1)
    # all weights equal (any scale) is plain conformal risk control
    assert conformal_recall_threshold(scores, 0.1, np.full(200, 3.0)) == plain
    # a zero weight removes the row
    w = (rng.uniform(size=200) < 0.5).astype(float)
    assert conformal_recall_threshold(scores, 0.1, w) == \
        conformal_recall_threshold(scores[w > 0], 0.1)
    # Farinhas et al.'s inequality at the threshold, with the weights divided by their max
    w = rng.uniform(0.1, 2.0, size=200)
    t = conformal_recall_threshold(scores, 0.1, w)
    wt = w / w.max()
    assert (np.sum(wt * (scores < t)) + 1) / (wt.sum() + 1) <= 0.1
    with pytest.raises(ValueError, match="sample_weight must be finite and >= 0"):
        conformal_recall_threshold(scores, 0.1, -w)
    with pytest.raises(ValueError, match=r"one weight per score \(200\)"):
        conformal_recall_threshold(scores, 0.1, w[:10])
    with pytest.raises(ValueError, match=r"one weight per score \(200\)"):
        conformal_recall_threshold(scores, 0.1, w[:, None])
    # predict_proba's two columns passed by mistake are refused, not mixed into one list
    with pytest.raises(ValueError, match=r"scores must be 1-d.*\(200, 2\)"):
        conformal_recall_threshold(np.c_[1 - scores, scores], 0.1)


def test_minority_class_is_the_default_positive_and_labels_can_be_strings():
    X, y = draw(1500, seed=1)
    labels = np.where(y == 1, "churn", "stay")
    clf = RecallControlClassifier(LogisticRegression(), alpha=0.1, random_state=0)
    clf.fit(X, labels)
    assert clf.pos_label_ == "churn"
    assert clf.n_calibration_ == round(0.5 * np.sum(labels == "churn"))
    assert clf.calibration_risk_ <= 0.1
    scores = clf.predict_proba(X)[:, 0]
    assert np.array_equal(clf.predict(X) == "churn", scores >= clf.threshold_)


def test_mean_test_fnr_is_at_most_alpha_over_200_repetitions():
    """The guarantee, empirically: split conformal risk control (cv=0.5), 200 data sets
    of 1,000 rows (about 100 held-out positives each), FNR measured on 4,000 positives."""
    alpha, reps = 0.1, 200
    _, _, X_test, y_test = binary_population()
    pos_test = X_test[y_test == 1]
    fnr = []
    for rep in range(reps):
        X, y = draw(1000, seed=rep)
        clf = RecallControlClassifier(LogisticRegression(), alpha=alpha,
                                      random_state=rep).fit(X, y)
        fnr.append(np.mean(clf.predict(pos_test) == 0))
    fnr = np.array(fnr)
    assert fnr.mean() <= alpha + 0.02, fnr.mean()
    # and not vacuous: conformal risk control is tight, E[FNR] >= alpha - 2 / (n + 1)
    assert fnr.mean() >= alpha - 0.03, fnr.mean()


def test_weighted_crc_follows_a_covariate_shift():
    """Calibration rows from two groups, deployment on one: weighting the calibration
    rows of that group (Farinhas et al.) keeps its FNR at alpha; plain CRC does not."""
    X_pool, y_pool, X_test, y_test = binary_population()
    group_pool, group_test = X_pool[:, 1] > 0.5, X_test[:, 1] > 0.5  # a hard group
    target = X_test[(y_test == 1) & group_test]  # deployment: positives of the group
    plain, weighted = [], []
    for rep in range(40):
        rng = np.random.default_rng(1000 + rep)
        idx = rng.choice(len(y_pool), 2000, replace=False)
        X, y = X_pool[idx], y_pool[idx]
        w = np.where(group_pool[idx], 1.0, 0.02)
        model = LogisticRegression().fit(X[:1000], y[:1000])
        Xc, yc, wc = X[1000:], y[1000:], w[1000:]
        a = RecallControlClassifier(model, alpha=0.1, cv="prefit").fit(Xc, yc)
        b = RecallControlClassifier(model, alpha=0.1, cv="prefit").fit(Xc, yc,
                                                                      sample_weight=wc)
        plain.append(np.mean(a.predict(target) == 0))
        weighted.append(np.mean(b.predict(target) == 0))
    assert np.mean(weighted) <= 0.1 + 0.02, np.mean(weighted)
    assert np.mean(plain) > 0.1 + 0.1, np.mean(plain)


def test_same_decisions_as_mapie_crc_on_a_common_grid():
    """MAPIE's multi-label CRC on the held-out positives, with the distinct scores as
    its grid, makes the same decisions (it predicts score > lambda, we score >= t)."""
    risk_control = pytest.importorskip("mapie.risk_control")
    rng = np.random.default_rng(0)
    scores = rng.beta(5, 2, size=150)
    grid = np.r_[0.0, np.unique(scores)]
    mapie = risk_control.MultiLabelClassificationController(
        predict_function=lambda X: np.asarray(X, dtype=float), risk="recall",
        method="crc", target_level=0.9, predict_params=grid)
    mapie.calibrate(scores[:, None], np.ones((150, 1), dtype=int))
    lam = float(np.ravel(mapie.best_predict_param)[0])
    ours = conformal_recall_threshold(scores, 0.1)
    assert np.array_equal(scores > lam, scores >= ours)


def test_learn_then_test_through_mapie_bounds_the_violation_probability():
    """delta set: P(FNR > alpha) <= delta (Learn-then-Test, MAPIE) over 200 data sets."""
    pytest.importorskip("mapie.risk_control")
    alpha, delta, reps = 0.1, 0.1, 200
    _, _, X_test, y_test = binary_population()
    pos_test = X_test[y_test == 1]
    fnr = []
    for rep in range(reps):
        X, y = draw(1000, seed=rep)
        clf = RecallControlClassifier(LogisticRegression(), alpha=alpha, delta=delta,
                                      random_state=rep).fit(X, y)
        fnr.append(np.mean(clf.predict(pos_test) == 0))
    fnr = np.array(fnr)
    assert np.mean(fnr > alpha) <= delta + 0.03, np.mean(fnr > alpha)
    assert fnr.mean() < alpha  # more conservative than the expectation bound


def test_delta_without_mapie_raises_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "mapie.risk_control", None)
    X, y = draw(1000, seed=0)
    with pytest.raises(ImportError, match=r"sklearn-losses\[decisions\].*delta=None"):
        RecallControlClassifier(LogisticRegression(), delta=0.1).fit(X, y)
    # conformal risk control itself needs no extra package
    RecallControlClassifier(LogisticRegression()).fit(X, y)


def test_delta_and_sample_weight_are_exclusive():
    X, y = draw(500, seed=0)
    with pytest.raises(ValueError, match="cannot be combined with delta"):
        RecallControlClassifier(LogisticRegression(), delta=0.1).fit(
            X, y, sample_weight=np.ones(len(y)))


def test_ltt_without_mapie_fails_before_any_training(monkeypatch):
    import builtins

    from sklearn.linear_model import LogisticRegression

    from sklearn_losses.decisions import RecallControlClassifier

    real_import = builtins.__import__

    def no_mapie(name, *args, **kwargs):
        if name == "mapie" or name.startswith("mapie."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    fits = []

    class Counting(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            fits.append(1)
            return super().fit(X, y, sample_weight)

    monkeypatch.setattr(builtins, "__import__", no_mapie)
    X = np.random.default_rng(0).normal(size=(80, 3))
    y = (X[:, 0] > 0.5).astype(int)
    with pytest.raises(ImportError, match=r"sklearn-losses\[decisions\].*delta=None"):
        RecallControlClassifier(Counting(), alpha=0.2, delta=0.1).fit(X, y)
    assert fits == []  # no training is spent before the missing package is named
