"""Decision tools with a prefit classifier whose classes_ are not sorted, and with a cv that
holds rows out more than once."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, ShuffleSplit

from sklearn_losses.decisions import (NeymanPearsonClassifier, PriorShiftClassifier,
                                      RecallControlClassifier, TunedOffsetsClassifierCV)


class Reordered(ClassifierMixin, BaseEstimator):
    """A fitted classifier whose classes_ are in reverse order (its columns follow them)."""

    def fit(self, X, y):
        self.lr_ = LogisticRegression().fit(X, y)
        self.classes_ = self.lr_.classes_[::-1]
        return self

    def predict_proba(self, X):
        return self.lr_.predict_proba(X)[:, ::-1]


@pytest.fixture(scope="module")
def data():
    return make_classification(600, weights=[0.7], random_state=0)


@pytest.mark.parametrize("make", [
    lambda est: NeymanPearsonClassifier(est, alpha=0.1, delta=0.1, cv="prefit"),
    lambda est: RecallControlClassifier(est, alpha=0.1, cv="prefit"),
    lambda est: TunedOffsetsClassifierCV(est, cv="prefit"),
    lambda est: PriorShiftClassifier(est, test_prior=[0.5, 0.5], cv="prefit"),
])
def test_prefit_classes_in_any_order_give_what_sorted_classes_give(data, make):
    X, y = data
    reordered = Reordered().fit(X[:300], y[:300])
    plain = LogisticRegression().fit(X[:300], y[:300])
    got = make(reordered).fit(X[300:], y[300:])
    ref = make(plain).fit(X[300:], y[300:])
    np.testing.assert_array_equal(got.classes_, [0, 1])
    np.testing.assert_array_equal(got.predict(X), ref.predict(X))
    np.testing.assert_allclose(got.predict_proba(X), ref.predict_proba(X))


@pytest.mark.parametrize("make", [
    lambda cv: NeymanPearsonClassifier(LogisticRegression(), alpha=0.2, delta=0.2, cv=cv),
    lambda cv: RecallControlClassifier(LogisticRegression(), alpha=0.2, cv=cv),
])
@pytest.mark.parametrize("cv", [RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=0),
                                ShuffleSplit(n_splits=3, test_size=0.5, random_state=0)])
def test_a_row_held_out_twice_is_refused_where_a_guarantee_counts_rows(data, make, cv):
    X, y = data
    with pytest.raises(ValueError, match="holds out .* row\\(s\\) more than once"):
        make(cv).fit(X, y)
    make(5).fit(X, y)  # a partition is fine
