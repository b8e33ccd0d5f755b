"""TunedOffsetsClassifierCV: the exact sweep, the multiclass gain, binary agreement."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score, get_scorer
from sklearn.model_selection import (
    StratifiedKFold,
    TunedThresholdClassifierCV,
    cross_val_predict,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.decisions import TunedOffsetsClassifierCV
from sklearn_losses.decisions.offsets import _fold_score
from sklearn_losses.metrics import geometric_mean_score

METRICS = {
    "f1_macro": lambda t, p: f1_score(t, p, average="macro"),
    "balanced_accuracy": balanced_accuracy_score,
    "gmean": geometric_mean_score,
    "accuracy": lambda t, p: float(np.mean(t == p)),
}


def _counts(t, p, k):
    tp = np.array([np.sum((t == c) & (p == c)) for c in range(k)], dtype=float)
    pred = np.array([np.sum(p == c) for c in range(k)], dtype=float)
    true = np.array([np.sum(t == c) for c in range(k)], dtype=float)
    return tp, pred, true


@pytest.mark.parametrize("name", sorted(METRICS))
def test_fast_metrics_equal_the_library_metrics(name):
    rng = np.random.default_rng(0)
    for trial in range(60):
        k = int(rng.integers(2, 6))
        n = int(rng.integers(5, 40))
        t = rng.integers(0, k, n)
        # predictions that sometimes miss classes entirely, or predict absent ones
        p = rng.integers(0, k, n) if trial % 3 else np.full(n, rng.integers(0, k))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = METRICS[name](t, p)
        got = _fold_score(name, *_counts(t, p, k), n)
        assert got == pytest.approx(expected, abs=1e-12), (name, t, p)


def test_binary_f1_fast_path_equals_f1_score():
    rng = np.random.default_rng(1)
    for _ in range(40):
        t, p = rng.integers(0, 2, 20), rng.integers(0, 2, 20)
        got = _fold_score("f1", *_counts(t, p, 2), 20, pos=1)
        assert got == pytest.approx(f1_score(t, p, zero_division=0.0), abs=1e-12)


def _five_classes():
    X, y = make_classification(6000, n_features=20, n_informative=8, n_classes=5,
                               weights=[0.55, 0.2, 0.12, 0.08, 0.05], class_sep=1.0,
                               flip_y=0.02, random_state=0)
    return train_test_split(X, y, train_size=2000, stratify=y, random_state=0)


def test_best_score_is_the_cross_validated_score_of_the_offsets():
    X_train, _, y_train, _ = _five_classes()
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    for scoring in ("f1_macro", "balanced_accuracy", "gmean"):
        clf = TunedOffsetsClassifierCV(LogisticRegression(), scoring=scoring, cv=cv)
        clf.fit(X_train, y_train)
        # recompute from scratch: out-of-fold log-probabilities + offsets, metric per fold
        scores, argmax = [], []
        for train, test in cv.split(X_train, y_train):
            model = LogisticRegression().fit(X_train[train], y_train[train])
            logp = np.log(model.predict_proba(X_train[test]))
            scores.append(METRICS[scoring](y_train[test], np.argmax(logp + clf.offsets_, 1)))
            argmax.append(METRICS[scoring](y_train[test], np.argmax(logp, 1)))
        assert clf.best_score_ == pytest.approx(np.mean(scores), abs=1e-12), scoring
        assert clf.argmax_score_ == pytest.approx(np.mean(argmax), abs=1e-12), scoring
        assert clf.best_score_ > clf.argmax_score_ + 0.01, scoring
        assert clf.offsets_.mean() == pytest.approx(0.0, abs=1e-12)
    # decision_function is log p + offsets; its argmax is predict
    dec = clf.decision_function(X_train)
    np.testing.assert_allclose(dec, np.log(clf.predict_proba(X_train)) + clf.offsets_)
    assert np.array_equal(clf.classes_[dec.argmax(axis=1)], clf.predict(X_train))


def _gain(estimator):
    """Test macro-F1 of the refitted estimator's argmax, and with the tuned offsets."""
    X_train, X_test, y_train, y_test = _five_classes()
    clf = TunedOffsetsClassifierCV(estimator).fit(X_train, y_train)
    argmax = f1_score(y_test, clf.estimator_.predict(X_test), average="macro")
    tuned = f1_score(y_test, clf.predict(X_test), average="macro")
    return argmax, tuned


@pytest.mark.parametrize("name", ["logistic_regression", "hist_gradient_boosting"])
def test_offsets_raise_test_macro_f1_over_argmax_on_five_imbalanced_classes(name):
    estimator = {
        "logistic_regression": make_pipeline(StandardScaler(), LogisticRegression()),
        "hist_gradient_boosting": HistGradientBoostingClassifier(max_iter=50,
                                                                 random_state=0),
    }[name]
    argmax, tuned = _gain(estimator)
    assert tuned > argmax + 0.01, (name, argmax, tuned)


def test_offsets_raise_test_macro_f1_for_the_default_network(one_torch_thread):
    # the defaults but fewer epochs (undertrained). Its default class weights (inverse square
    # root of the frequencies) already move the argmax towards the rare classes, so the gain is
    # smaller than for the unweighted models (measured: 0.678 -> 0.685); trained to its own
    # stopping rule (292 epochs) there is none: 0.706 -> 0.697, as the docs say
    net = WeightedLossClassifier(max_epochs=60, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        argmax, tuned = _gain(make_pipeline(StandardScaler(), net))
    assert tuned > argmax + 0.003, (argmax, tuned)


def _binary():
    X, y = make_classification(3000, n_features=10, n_informative=4, weights=[0.85],
                               flip_y=0.03, class_sep=0.8, random_state=0)
    return train_test_split(X, y, train_size=800, stratify=y, random_state=0)


def test_binary_f1_is_the_minority_class_with_any_labels():
    X_train, X_test, y_train, _ = _binary()  # class 1 is the minority
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    ref = TunedOffsetsClassifierCV(LogisticRegression(), scoring="f1", cv=cv).fit(X_train,
                                                                                  y_train)
    # string labels (no label 1): the same folds, the same minority class
    names = np.where(y_train == 1, "fraud", "ok")
    named = TunedOffsetsClassifierCV(LogisticRegression(), scoring="f1", cv=cv).fit(X_train,
                                                                                    names)
    assert named.best_score_ == pytest.approx(ref.best_score_, abs=1e-12)
    np.testing.assert_allclose(named.offsets_[::-1], ref.offsets_)  # "fraud" sorts first
    # 1 as the majority label: still the minority class (0 here), as get_scorer("f1") does
    flipped = TunedOffsetsClassifierCV(LogisticRegression(), scoring="f1", cv=cv).fit(
        X_train, 1 - y_train)
    assert flipped.best_score_ == pytest.approx(ref.best_score_, abs=1e-9)


@pytest.mark.parametrize("scoring", ["f1", "balanced_accuracy"])
def test_binary_matches_tuned_threshold_classifier_cv_on_the_same_folds(scoring):
    X_train, X_test, y_train, y_test = _binary()
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    ours = TunedOffsetsClassifierCV(LogisticRegression(), scoring=scoring, cv=cv)
    ours.fit(X_train, y_train)
    threshold = 1 / (1 + np.exp(ours.offsets_[1] - ours.offsets_[0]))  # on P(class 1)
    # scikit-learn given every distinct cut point (midpoints of the out-of-fold
    # probabilities) finds the same optimum: same score, same decisions
    p = np.unique(cross_val_predict(LogisticRegression(), X_train, y_train, cv=cv,
                                    method="predict_proba")[:, 1])
    exact = TunedThresholdClassifierCV(LogisticRegression(), scoring=scoring, cv=cv,
                                       thresholds=np.r_[0.0, (p[:-1] + p[1:]) / 2, 1.5])
    exact.fit(X_train, y_train)
    assert ours.best_score_ == pytest.approx(exact.best_score_, abs=1e-12)
    assert threshold == pytest.approx(exact.best_threshold_, abs=1e-4)
    assert np.array_equal(ours.predict(X_test), exact.predict(X_test))
    # with its default grid of 100 thresholds it lands next to it
    grid = TunedThresholdClassifierCV(LogisticRegression(), scoring=scoring, cv=cv)
    grid.fit(X_train, y_train)
    assert ours.best_score_ >= grid.best_score_ - 1e-12
    assert ours.best_score_ - grid.best_score_ < 0.01
    assert abs(threshold - grid.best_threshold_) < 0.03
    assert np.mean(ours.predict(X_test) == grid.predict(X_test)) > 0.97


def test_any_sklearn_scorer_through_the_generic_path():
    X_train, y_train = make_classification(1000, n_features=10, n_informative=5,
                                           n_classes=3, weights=[0.7, 0.2],
                                           random_state=0)
    # (one round of coordinate ascent: each candidate costs a call of the scorer per fold)
    clf = TunedOffsetsClassifierCV(LogisticRegression(), scoring="recall_macro", cv=3,
                                   max_iter=1).fit(X_train, y_train)
    assert clf.best_score_ > clf.argmax_score_ + 0.02
    # a scorer of probabilities cannot see offsets
    with pytest.raises(ValueError, match="needs predict_proba or decision_function"):
        TunedOffsetsClassifierCV(LogisticRegression(), scoring="neg_log_loss",
                                 cv=3).fit(X_train, y_train)
    # the exact path and the generic one agree on the score of what they find
    exact = TunedOffsetsClassifierCV(LogisticRegression(), scoring="balanced_accuracy",
                                     cv=3, max_iter=1).fit(X_train, y_train)
    generic = TunedOffsetsClassifierCV(LogisticRegression(), cv=3, max_iter=1,
                                       scoring=get_scorer("balanced_accuracy"))
    generic.fit(X_train, y_train)
    assert generic.best_score_ <= exact.best_score_ + 1e-12
    assert generic.best_score_ > exact.best_score_ - 0.01


def test_scoring_errors():
    X_train, _, y_train, _ = _five_classes()
    with pytest.raises(ValueError, match=r"scoring='f1' is the F1 score of one class.*"
                                         r"use 'f1_macro'"):
        TunedOffsetsClassifierCV(LogisticRegression(), scoring="f1").fit(X_train, y_train)
    with pytest.raises(ValueError, match=r"The 'scoring' parameter of "
                                         r"TunedOffsetsClassifierCV must be"):
        TunedOffsetsClassifierCV(LogisticRegression(), scoring="f2_macro").fit(X_train,
                                                                             y_train)


def test_the_sweep_is_linear_in_the_number_of_rows():
    """Each sweep is a sort plus cumulative sums: 20 times the rows, not 400 times
    the time (timed on the search alone, one thread of numpy work)."""
    import time

    from sklearn_losses.decisions.offsets import _OffsetSearch

    rng = np.random.default_rng(0)

    def seconds(n):
        logp = np.log(rng.dirichlet(np.ones(5), size=n))
        y = rng.integers(0, 5, n)
        search = _OffsetSearch(logp, y, np.arange(n) % 5, np.arange(5),
                               ("fast", "f1_macro", None))
        start = time.perf_counter()
        search._sweep(2, np.zeros(5))
        return time.perf_counter() - start

    seconds(2000)  # warm-up
    small = min(seconds(2000) for _ in range(3))
    large = min(seconds(40_000) for _ in range(3))
    assert large < 60 * small, (small, large)


def test_gmean_offsets_leave_a_plateau_of_unfound_classes():
    # with two classes never predicted, every one-class move kept a fold's G-mean at 0, and
    # the search stopped at the argmax (offsets 0, score 0) although offsets scoring 0.23
    # existed; ties are now broken by the recalls of the unfound classes
    from sklearn.model_selection import StratifiedKFold

    X, y = make_classification(400, n_classes=4, n_informative=4, weights=[0.6, 0.3, 0.08],
                               random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = TunedOffsetsClassifierCV(LogisticRegression(max_iter=500), scoring="gmean",
                                       cv=StratifiedKFold(5)).fit(X, y)
    assert clf.argmax_score_ == 0.0 and clf.best_score_ > 0.2
    assert np.any(clf.offsets_ != 0)
    # the soft objective equals G-mean wherever every present class is found
    tp, pred, true = np.array([3.0, 2.0]), np.array([4.0, 3.0]), np.array([5.0, 2.0])
    assert _fold_score("gmean_soft", tp, pred, true, 7.0) == pytest.approx(
        _fold_score("gmean", tp, pred, true, 7.0))


def test_too_few_rows_messages_count_the_rows():
    from sklearn_losses.decisions import NeymanPearsonClassifier, RecallControlClassifier

    X, y = make_classification(300, random_state=0)
    one_negative = np.r_[np.flatnonzero(y == 0)[:1], np.flatnonzero(y == 1)]
    with pytest.raises(ValueError, match="y has 1 negative row; a held-out share cv=0.5"):
        NeymanPearsonClassifier(LogisticRegression(), cv=0.5).fit(X[one_negative],
                                                                   y[one_negative])
    one_positive = np.r_[np.flatnonzero(y == 1)[:1], np.flatnonzero(y == 0)]
    with pytest.raises(ValueError, match=r"positive class 1 \(n >= .*y has 1 positive row"):
        RecallControlClassifier(LogisticRegression(), cv=0.5).fit(X[one_positive],
                                                                  y[one_positive])
    prefit = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="got an empty y"):
        NeymanPearsonClassifier(prefit, cv="prefit").fit(X[:0], y[:0])
