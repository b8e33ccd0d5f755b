"""Defects a review of the decision tools found, each pinned by its own test."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from sklearn_losses.decisions import (
    NeymanPearsonClassifier,
    PriorShiftClassifier,
    RecallControlClassifier,
    TunedOffsetsClassifierCV,
    estimate_prior_em,
)


def test_em_says_when_it_stops_unconverged_and_refuses_no_rows():
    # weakly separating calibrated probabilities: EM creeps, 5 steps do not converge
    rng = np.random.default_rng(0)
    p1 = np.clip(0.3 + 0.05 * rng.standard_normal(500), 0.01, 0.99)
    proba = np.c_[1 - p1, p1]
    with pytest.warns(ConvergenceWarning, match="max_iter=5 steps without converging"):
        estimate_prior_em(proba, [0.7, 0.3], max_iter=5)
    with pytest.raises(ValueError, match="needs at least one unlabelled row"):
        estimate_prior_em(np.zeros((0, 2)), [0.5, 0.5])


@pytest.mark.parametrize("make", [
    lambda est: NeymanPearsonClassifier(est, cv="prefit"),
    lambda est: RecallControlClassifier(est, cv="prefit"),
    lambda est: TunedOffsetsClassifierCV(est, cv="prefit"),
    lambda est: PriorShiftClassifier(est, cv="prefit"),
])
def test_prefit_refuses_fit_parameters_it_would_ignore(make):
    X, y = make_classification(400, 5, weights=[0.7], random_state=0)
    est = LogisticRegression().fit(X[:200], y[:200])
    with pytest.raises(ValueError, match=r"cv='prefit' .* \['bogus'\] would be ignored"):
        make(est).fit(X[200:], y[200:], bogus=1)


def test_a_missing_label_among_strings_is_named_by_every_tool():
    # None among string labels failed inside np.unique's sort with a bare TypeError
    from sklearn.linear_model import LogisticRegression

    from sklearn_losses import CrossFitClassifier, LossPortfolioClassifier
    from sklearn_losses.decisions import (NeymanPearsonClassifier, PriorShiftClassifier,
                                          RecallControlClassifier, TunedOffsetsClassifierCV)

    X = np.random.default_rng(0).normal(size=(40, 2))
    y = np.array(["a", "b"] * 20, dtype=object)
    y[3] = None
    for est in (TunedOffsetsClassifierCV(LogisticRegression()),
                PriorShiftClassifier(LogisticRegression()),
                NeymanPearsonClassifier(LogisticRegression()),
                RecallControlClassifier(LogisticRegression()),
                CrossFitClassifier(LogisticRegression()),
                LossPortfolioClassifier({}, {"lr": LogisticRegression()})):
        with pytest.raises(ValueError, match=r"y has 1 missing label\(s\) .* at row\(s\) 3"):
            est.fit(X, y)
