"""Prior shift: the adjustment formula, EM and BBSE estimates, PriorShiftClassifier."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_losses.decisions import (
    PriorShiftClassifier,
    adjust_to_prior,
    estimate_prior_bbse,
    estimate_prior_em,
)

from ._data import sample_with_prior, three_class_pool

TRAIN_PRIOR = [0.6, 0.3, 0.1]
TEST_PRIOR = [0.2, 0.3, 0.5]


def test_adjust_to_prior_is_saerens_formula():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet([1, 1, 1], size=50)
    train, test = np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.3, 0.6])
    got = adjust_to_prior(proba, train, test)
    by_hand = proba * test / train
    by_hand /= by_hand.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(got, by_hand, rtol=1e-12)
    np.testing.assert_allclose(got.sum(axis=1), 1.0)
    # the same prior changes nothing; adjusting there and back is the identity
    np.testing.assert_allclose(adjust_to_prior(proba, train, train), proba, rtol=1e-12)
    np.testing.assert_allclose(adjust_to_prior(got, test, train), proba, rtol=1e-10)
    # a zero test prior zeroes the class; a row with all its mass there gets the prior
    out = adjust_to_prior([[1.0, 0.0, 0.0], [0.2, 0.3, 0.5]], train, [0.0, 0.4, 0.6])
    np.testing.assert_allclose(out[0], [0.0, 0.4, 0.6])
    assert out[1, 0] == 0.0


@pytest.mark.parametrize("proba, train, test, message", [
    ([0.5, 0.5], [0.5, 0.5], [0.5, 0.5], r"proba must be a 2-d array"),
    ([[0.5, 0.6]], [0.5, 0.5], [0.5, 0.5], r"Each row of proba must sum to 1 .*1\.1"),
    ([[1.5, -0.5]], [0.5, 0.5], [0.5, 0.5], r"proba holds negative values"),
    ([[np.nan, 1.0]], [0.5, 0.5], [0.5, 0.5], r"proba holds NaN"),
    ([[0.5, 0.5]], [0.5, 0.3, 0.2], [0.5, 0.5], r"train_prior must be a 1-d array with "
                                                 r"one entry per class \(2\); got shape"),
    ([[0.5, 0.5]], [1.0, 0.0], [0.5, 0.5], r"train_prior must be > 0 for every class"),
    ([[0.5, 0.5]], [0.5, 0.5], [0.7, 0.7], r"test_prior must sum to 1 .*1\.4"),
    ([[0.5, 0.5]], [0.5, 0.5], [1.2, -0.2], r"test_prior must be >= 0"),
])
def test_adjust_to_prior_errors_name_the_argument(proba, train, test, message):
    with pytest.raises(ValueError, match=message):
        adjust_to_prior(proba, train, test)


def _shifted_data(seed=0, n_train=3000, n_unlabeled=5000):
    X, y = three_class_pool()
    rng = np.random.default_rng(seed)
    X_train, y_train = sample_with_prior(X[:30_000], y[:30_000], TRAIN_PRIOR, n_train, rng)
    X_new, y_new = sample_with_prior(X[30_000:], y[30_000:], TEST_PRIOR, n_unlabeled, rng)
    return X_train, y_train, X_new, y_new


def test_em_recovers_a_known_shifted_prior_within_0_03_on_5000_rows():
    X_train, y_train, X_new, y_new = _shifted_data()
    model = LogisticRegression().fit(X_train, y_train)
    prior = estimate_prior_em(model.predict_proba(X_new), np.bincount(y_train) / len(y_train))
    assert np.max(np.abs(prior - TEST_PRIOR)) <= 0.03, prior
    # not vacuous: the classifier's own average probability is far from it
    naive = model.predict_proba(X_new).mean(axis=0)
    assert np.max(np.abs(naive - TEST_PRIOR)) > 0.06, naive


def test_bbse_recovers_the_prior_from_held_out_predictions():
    X_train, y_train, X_new, y_new = _shifted_data(seed=1)
    half = len(y_train) // 2
    model = LogisticRegression().fit(X_train[:half], y_train[:half])
    prior = estimate_prior_bbse(y_train[half:], model.predict(X_train[half:]),
                                model.predict(X_new))
    assert np.max(np.abs(prior - TEST_PRIOR)) <= 0.05, prior
    # string labels, in the order of `labels`
    names = np.array(["a", "b", "c"])
    by_name = estimate_prior_bbse(names[y_train[half:]], names[model.predict(X_train[half:])],
                                  names[model.predict(X_new)], labels=["c", "b", "a"])
    np.testing.assert_allclose(by_name, prior[::-1])
    with pytest.raises(ValueError, match=r"Label 'a' is not in labels \['b', 'c'\]"):
        estimate_prior_bbse(names[y_train[half:]], names[y_train[half:]], ["b"],
                            labels=["b", "c"])


def test_classifier_estimates_the_prior_and_adjusts_the_probabilities():
    X_train, y_train, X_new, y_new = _shifted_data(seed=2)
    for method, tol in (("em", 0.03), ("bbse", 0.05)):
        clf = PriorShiftClassifier(LogisticRegression(), test_prior=method).fit(X_train,
                                                                              y_train)
        np.testing.assert_allclose(clf.train_prior_, TRAIN_PRIOR)
        # before fit_prior: the training prior, i.e. the estimator's probabilities
        np.testing.assert_allclose(clf.test_prior_, clf.train_prior_)
        np.testing.assert_allclose(clf.predict_proba(X_new),
                                   clf.estimator_.predict_proba(X_new), rtol=1e-12)
        assert clf.fit_prior(X_new) is clf
        assert np.max(np.abs(clf.test_prior_ - TEST_PRIOR)) <= tol, (method, clf.test_prior_)
        adjusted = clf.predict_proba(X_new)
        np.testing.assert_allclose(adjusted, adjust_to_prior(
            clf.estimator_.predict_proba(X_new), clf.train_prior_, clf.test_prior_))
        assert np.array_equal(clf.predict(X_new), clf.classes_[adjusted.argmax(axis=1)])
        # the adjusted probabilities fit the shifted rows better
        unadjusted = clf.estimator_.predict_proba(X_new)
        assert log_loss(y_new, adjusted) < log_loss(y_new, unadjusted) - 0.05
    assert clf.confusion_.shape == (3, 3) and clf.confusion_.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("method", ["em", "bbse"])
def test_sample_weight_sets_the_training_prior(method):
    X_train, y_train, X_new, _ = _shifted_data(seed=2)
    # weight 3 on the rarest class: the estimator learns under the weighted prior, which
    # the adjustment must divide out (the row counts gave a prior it was not trained under)
    weight = np.where(y_train == 2, 3.0, 1.0)
    weighted = np.bincount(y_train, weights=weight) / weight.sum()
    expected = np.array(TRAIN_PRIOR) * [1, 1, 3] / 1.2
    np.testing.assert_allclose(weighted, expected)
    tol = 0.03 if method == "em" else 0.05
    for fit_params in ({"sample_weight": weight},
                       {"logisticregression__sample_weight": weight}):
        estimator = (LogisticRegression() if "sample_weight" in fit_params
                     else make_pipeline(FunctionTransformer(), LogisticRegression()))
        clf = PriorShiftClassifier(estimator, test_prior=method).fit(X_train, y_train,
                                                                     **fit_params)
        np.testing.assert_allclose(clf.train_prior_, weighted)
        assert np.max(np.abs(clf.fit_prior(X_new).test_prior_ - TEST_PRIOR)) <= tol
    if method == "bbse":
        # the joint confusion matrix is that of the weighted rows: its columns sum to the prior
        np.testing.assert_allclose(clf.confusion_.sum(axis=0), weighted)
    with pytest.raises(ValueError, match="no row \\(of positive sample_weight\\)"):
        PriorShiftClassifier(LogisticRegression(), test_prior=method).fit(
            X_train, y_train, sample_weight=np.where(y_train == 2, 0.0, 1.0))


def test_known_prior_as_an_array():
    X_train, y_train, X_new, _ = _shifted_data(seed=3, n_unlabeled=500)
    clf = PriorShiftClassifier(LogisticRegression(), test_prior=TEST_PRIOR).fit(X_train,
                                                                               y_train)
    np.testing.assert_allclose(clf.test_prior_, TEST_PRIOR)
    np.testing.assert_allclose(clf.predict_proba(X_new), adjust_to_prior(
        clf.estimator_.predict_proba(X_new), clf.train_prior_, TEST_PRIOR))
    with pytest.raises(ValueError, match="fit_prior estimates the prior with test_prior="):
        clf.fit_prior(X_new)
    with pytest.raises(ValueError, match=r"test_prior must be a 1-d array with one entry per "
                                         r"class \(3\)"):
        PriorShiftClassifier(LogisticRegression(), test_prior=[0.5, 0.5]).fit(X_train, y_train)
    with pytest.raises(ValueError, match="test_prior must sum to 1"):
        PriorShiftClassifier(LogisticRegression(), test_prior=[0.5, 0.5, 0.5]).fit(X_train,
                                                                                 y_train)


def test_prefit_estimator_is_used_as_it_is():
    X_train, y_train, X_new, _ = _shifted_data(seed=4, n_unlabeled=2000)
    model = LogisticRegression().fit(X_train[:1500], y_train[:1500])
    coef = model.coef_.copy()
    clf = PriorShiftClassifier(model, test_prior="bbse", cv="prefit")
    clf.fit(X_train[1500:], y_train[1500:]).fit_prior(X_new)
    assert clf.estimator_ is model
    np.testing.assert_array_equal(model.coef_, coef)
    assert np.max(np.abs(clf.test_prior_ - TEST_PRIOR)) <= 0.06


def test_a_prefit_estimator_adjusts_from_the_training_prior_given():
    # with cv="prefit" the labels of fit are held-out rows: their frequencies only estimate
    # the prior the model was trained under, and that noise entered every probability
    X_train, y_train, X_new, _ = _shifted_data(seed=4, n_unlabeled=2000)
    model = LogisticRegression().fit(X_train[:1500], y_train[:1500])
    held_out = slice(1500, 1560)  # 60 rows: frequencies far from the training ones
    trained = np.bincount(y_train[:1500], minlength=3) / 1500
    clf = PriorShiftClassifier(model, test_prior=TEST_PRIOR, cv="prefit",
                               train_prior=trained).fit(X_train[held_out], y_train[held_out])
    np.testing.assert_array_equal(clf.train_prior_, trained)
    np.testing.assert_allclose(clf.predict_proba(X_new), adjust_to_prior(
        model.predict_proba(X_new), trained, TEST_PRIOR))
    default = PriorShiftClassifier(model, test_prior=TEST_PRIOR, cv="prefit").fit(
        X_train[held_out], y_train[held_out])
    np.testing.assert_allclose(default.train_prior_, np.bincount(
        y_train[held_out], minlength=3) / 60)
    for bad, match in (([0.5, 0.5], "one entry per class"), ([0.0, 0.5, 0.5], "> 0"),
                       ([0.2, 0.2, 0.2], "sum to 1")):
        with pytest.raises(ValueError, match=match):
            PriorShiftClassifier(model, cv="prefit", train_prior=bad).fit(
                X_train[held_out], y_train[held_out])


@pytest.mark.parametrize("test_prior", ["em", TEST_PRIOR])
def test_a_given_training_prior_needs_no_rows_of_every_class(test_prior):
    # with train_prior given, the held-out labels of a prefit estimator are not read for
    # the prior: rows of two of its three classes are enough (EM, or a given test prior)
    X_train, y_train, X_new, _ = _shifted_data(seed=4, n_unlabeled=2000)
    model = LogisticRegression().fit(X_train[:1500], y_train[:1500])
    trained = np.bincount(y_train[:1500], minlength=3) / 1500
    rows = np.flatnonzero(y_train[1500:] != 2) + 1500
    clf = PriorShiftClassifier(model, test_prior=test_prior, cv="prefit",
                               train_prior=trained).fit(X_train[rows], y_train[rows])
    np.testing.assert_array_equal(clf.train_prior_, trained)
    assert clf.predict_proba(X_new).shape == (len(X_new), 3)
    with pytest.raises(ValueError, match=r"class\(es\) \[2\]: the training prior needs"):
        PriorShiftClassifier(model, test_prior=test_prior, cv="prefit").fit(
            X_train[rows], y_train[rows])
    with pytest.raises(ValueError, match=r"\[2\]: the confusion matrix of test_prior='bbse'"):
        PriorShiftClassifier(model, test_prior="bbse", cv="prefit", train_prior=trained).fit(
            X_train[rows], y_train[rows])


def test_bbse_warns_when_its_confusion_matrix_is_poorly_conditioned():
    # a rare class predicted on one held-out row of 400: BBSE gave [0.76, 0, 0.24, 0] for
    # rows with no shift at all (EM [0.52, 0.29, 0.15, 0.04]) without a word
    rng = np.random.default_rng(0)
    k = rng.choice(4, size=400, p=[0.3, 0.5, 0.04, 0.16])
    X = rng.normal(size=(400, 3)) + k[:, None] * 1.2
    y = np.array(["beta", "alpha", "zeta", "gamma"])[k]
    clf = PriorShiftClassifier(LogisticRegression(max_iter=1000), test_prior="bbse")
    with pytest.warns(UserWarning, match=r"poorly conditioned \(condition number 47\d given "
                                         r"the true class; the classifier predicts 'zeta' on "
                                         r"1, .* of the 400 held-out rows\)"):
        clf.fit(X, y)
    # a separable table of 45,000 rows with 25 positives: the joint matrix's condition
    # number is the class ratio (1,800), the conditional one 1; the estimate is right
    rng = np.random.default_rng(1)
    y2 = np.zeros(45_000, dtype=int)
    y2[:25] = 1
    X2 = rng.normal(size=(45_000, 2)) + 8.0 * y2[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PriorShiftClassifier(LogisticRegression(), test_prior="bbse", cv=2).fit(X2, y2)
    # well separated classes, each predicted often: no warning
    X, y = make_classification(600, n_classes=3, n_informative=4, class_sep=2.0,
                               random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PriorShiftClassifier(LogisticRegression(), test_prior="bbse").fit(X, y)
