"""WeightedLossClassifier.predict_proba(X, test_prior=...) is PriorShiftClassifier with that prior."""

import numpy as np
import pytest
from sklearn.datasets import make_classification

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.decisions import PriorShiftClassifier


def _model():
    return WeightedLossClassifier(loss="cross_entropy", reweight=None, hidden_layer_sizes=(8,),
                                  max_epochs=5, random_state=0, n_jobs=1)


def test_test_prior_matches_prior_shift_classifier():
    X, y = make_classification(300, 5, n_classes=3, n_informative=3, weights=[0.6, 0.3],
                               random_state=0)
    prior = np.array([0.2, 0.3, 0.5])
    shifted = PriorShiftClassifier(_model(), test_prior=prior).fit(X, y)
    clf = _model().fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X, test_prior=prior),
                               shifted.predict_proba(X), rtol=0, atol=1e-10)
    np.testing.assert_allclose(clf.predict_proba(X, test_prior=prior).sum(axis=1), 1.0)
    # the training prior changes nothing
    train = np.bincount(y) / len(y)
    np.testing.assert_allclose(clf.predict_proba(X, test_prior=train), clf.predict_proba(X),
                               atol=1e-12)


def test_test_prior_with_sample_weight_matches_prior_shift_classifier():
    # the network learns under the weighted prior; both divide that one out
    X, y = make_classification(300, 5, weights=[0.7], random_state=0)
    weight = np.where(y == 1, 3.0, 1.0)
    prior = np.array([0.5, 0.5])
    shifted = PriorShiftClassifier(_model(), test_prior=prior).fit(X, y, sample_weight=weight)
    clf = _model().fit(X, y, sample_weight=weight)
    np.testing.assert_allclose(clf.predict_proba(X, test_prior=prior),
                               shifted.predict_proba(X), rtol=0, atol=1e-10)
    weighted = np.bincount(y, weights=weight) / weight.sum()
    np.testing.assert_allclose(clf.predict_proba(X, test_prior=weighted), clf.predict_proba(X),
                               atol=1e-12)


@pytest.mark.parametrize("test_prior", [[0.2, 0.3, 0.5], {"a": 1.0}, "em"])
def test_a_bad_test_prior_is_refused(test_prior):
    X, y = make_classification(100, 5, random_state=0)
    clf = _model().fit(X, y)
    with pytest.raises(ValueError, match="test_prior must be"):
        clf.predict_proba(X, test_prior=test_prior)
