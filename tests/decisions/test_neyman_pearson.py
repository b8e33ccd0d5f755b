"""NeymanPearsonClassifier: the umbrella order statistic, its errors and its guarantee."""

import math

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from sklearn_losses.decisions import (
    NeymanPearsonClassifier,
    neyman_pearson_min_samples,
    neyman_pearson_rank,
)

from ._data import binary_population, draw


def _tail(n, k, alpha):
    """sum_{j=k}^{n} C(n, j) (1 - alpha)^j alpha^(n - j), by hand."""
    return sum(math.comb(n, j) * (1 - alpha) ** j * alpha ** (n - j) for j in range(k, n + 1))


@pytest.mark.parametrize("n, alpha, delta", [(59, 0.05, 0.05), (100, 0.05, 0.05),
                                             (200, 0.1, 0.05), (30, 0.2, 0.1),
                                             (1000, 0.01, 0.01)])
def test_rank_is_the_smallest_k_whose_binomial_tail_is_below_delta(n, alpha, delta):
    k, bound = neyman_pearson_rank(n, alpha, delta)
    assert _tail(n, k, alpha) <= delta + 1e-12
    assert bound == pytest.approx(_tail(n, k, alpha), rel=1e-9, abs=1e-15)
    if k > 1:
        assert _tail(n, k - 1, alpha) > delta


def test_hand_computed_ranks():
    # 59 negatives at alpha = delta = 0.05: only the largest score is safe (0.95^59 = 0.0485)
    assert neyman_pearson_rank(59, 0.05, 0.05)[0] == 59
    # 100 negatives: P(Bin(100, 0.95) >= 99) = 0.037 <= 0.05 < P(... >= 98) = 0.118
    assert neyman_pearson_rank(100, 0.05, 0.05)[0] == 99
    assert _tail(100, 99, 0.05) == pytest.approx(0.0371, abs=1e-4)
    assert _tail(100, 98, 0.05) == pytest.approx(0.1183, abs=1e-4)


def test_min_samples_is_ceil_log_delta_over_log_one_minus_alpha():
    assert neyman_pearson_min_samples(0.05, 0.05) == 59
    assert neyman_pearson_min_samples(0.1, 0.05) == 29
    assert neyman_pearson_min_samples(0.5, 0.5) == 1  # 0.5^1 <= 0.5 exactly
    for alpha, delta in [(0.05, 0.05), (0.1, 0.01), (0.2, 0.3), (0.01, 0.1)]:
        n = neyman_pearson_min_samples(alpha, delta)
        assert n == math.ceil(math.log(delta) / math.log(1 - alpha))
        assert (1 - alpha) ** n <= delta < (1 - alpha) ** (n - 1)


class _FixedScores(ClassifierMixin, BaseEstimator):
    """A 'fitted' classifier whose P(class 1) is the first column of X."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        s = np.asarray(X, dtype=float)[:, 0]
        return np.column_stack([1 - s, s])


def test_prefit_threshold_is_the_order_statistic_of_the_given_negatives():
    rng = np.random.default_rng(0)
    neg = rng.uniform(size=100)
    pos = rng.uniform(0.5, 1.0, size=30)
    X = np.r_[neg, pos][:, None]
    y = np.r_[np.zeros(100, int), np.ones(30, int)]
    model = _FixedScores().fit(X, y)
    clf = NeymanPearsonClassifier(model, alpha=0.05, delta=0.05, cv="prefit").fit(X, y)
    assert clf.estimator_ is model  # used as it is
    assert clf.n_calibration_ == 100 and clf.rank_ == 99
    assert clf.threshold_ == np.sort(neg)[98]
    # strictly above the threshold is positive; at it, negative
    pred = clf.predict(np.array([[clf.threshold_], [np.nextafter(clf.threshold_, 2)]]))
    assert pred.tolist() == [0, 1]


def test_too_few_negatives_raises_and_says_how_many_are_needed():
    X, y = draw(200, seed=0)  # ~160 negatives, 80 held out
    with pytest.raises(ValueError, match=r"needs at least 459 held-out rows of the negative "
                                         r"class for alpha=0.01, delta=0.01.*got 79 "
                                         r"\(cv=0.5 holds out"):
        NeymanPearsonClassifier(LogisticRegression(), alpha=0.01, delta=0.01).fit(X, y)
    with pytest.raises(ValueError, match=r"log\(delta\) / log\(1 - alpha\) = 458\.2"):
        neyman_pearson_rank(100, 0.01, 0.01)


def test_pos_label_is_the_class_whose_false_alarms_are_capped():
    X, y = draw(2000, seed=1)
    labels = np.where(y == 1, "fraud", "ok")
    clf = NeymanPearsonClassifier(LogisticRegression(), alpha=0.1, delta=0.1,
                                  pos_label="ok", random_state=0).fit(X, labels)
    assert clf.pos_label_ == "ok" and clf.classes_.tolist() == ["fraud", "ok"]
    # the held-out rows are those of the *other* class, scored by P("ok")
    assert clf.n_calibration_ == round(0.5 * np.sum(labels == "fraud"))
    _, _, X_test, y_test = binary_population()
    pred = clf.predict(X_test)
    assert set(np.unique(pred)) <= {"fraud", "ok"}
    assert np.mean(pred[y_test == 1] == "ok") <= 0.1
    with pytest.raises(ValueError, match=r"pos_label='spam' is not one of the classes"):
        NeymanPearsonClassifier(LogisticRegression(), pos_label="spam").fit(X, labels)


def test_multiclass_y_is_refused():
    X, y = draw(300, seed=0)
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        NeymanPearsonClassifier(LogisticRegression()).fit(X, y + (np.arange(300) % 3 == 0))


def _fpr(clf, X_test, y_test):
    return np.mean(clf.predict(X_test[y_test == 0]) == 1)


def test_type_one_error_exceeds_alpha_in_at_most_delta_of_200_repetitions():
    """The guarantee, empirically, on 200 data sets: the paper's split (cv=0.5), and a
    prefit model with held-out negatives (cv="prefit"); the plain (1 - alpha) quantile
    of the same held-out scores, which has no such guarantee, shows the test can fail."""
    alpha, delta, reps = 0.05, 0.05, 200
    _, _, X_test, y_test = binary_population()
    neg_test = X_test[y_test == 0]
    split, prefit, naive = [], [], []
    for rep in range(reps):
        X, y = draw(1000, seed=rep)
        clf = NeymanPearsonClassifier(LogisticRegression(), alpha=alpha, delta=delta,
                                      random_state=rep).fit(X, y)
        assert clf.violation_bound_ <= delta
        split.append(np.mean(clf.predict(neg_test) == 1))
        # by hand: train on the positives and half the negatives, calibrate on the rest
        neg = np.random.default_rng(rep).permutation(np.flatnonzero(y == 0))
        cal, train = neg[: len(neg) // 2], np.r_[neg[len(neg) // 2:], np.flatnonzero(y == 1)]
        model = LogisticRegression().fit(X[train], y[train])
        clf = NeymanPearsonClassifier(model, alpha=alpha, delta=delta, cv="prefit")
        clf.fit(X[cal], y[cal])
        prefit.append(np.mean(clf.predict(neg_test) == 1))
        naive_threshold = np.quantile(model.predict_proba(X[cal])[:, 1], 1 - alpha)
        naive.append(np.mean(model.predict_proba(neg_test)[:, 1] > naive_threshold))
    split, prefit, naive = np.array(split), np.array(prefit), np.array(naive)
    assert np.mean(split > alpha) <= delta + 0.03, np.mean(split > alpha)
    assert np.mean(prefit > alpha) <= delta + 0.03, np.mean(prefit > alpha)
    # not vacuous: the errors sit just below alpha, and the uncorrected quantile breaks it
    assert 0.5 * alpha < split.mean() < alpha
    assert np.mean(naive > alpha) > 0.25, np.mean(naive > alpha)


def test_cross_fitted_variant_refits_on_every_row():
    X, y = draw(1000, seed=3)
    clf = NeymanPearsonClassifier(LogisticRegression(), alpha=0.1, delta=0.1, cv=5).fit(X, y)
    assert clf.n_calibration_ == np.sum(y == 0)  # every negative scored out of fold
    ref = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(clf.estimator_.coef_, ref.coef_)
    _, _, X_test, y_test = binary_population()
    assert _fpr(clf, X_test, y_test) <= 0.1 + 0.02  # approximate, but close

