"""sample_weight reaches every fit of the ensembles: cross-fitted members, early-stopping sets,
routed Pipelines, the selection metric (each checked against a weighted fit done by hand)."""
import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_losses import CrossFitClassifier, LossPortfolioClassifier, WeightedLossClassifier

from ._data import FAST, imbalanced

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_portfolio_members_are_fitted_with_sample_weight():
    X, y = imbalanced(240)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    clf = LossPortfolioClassifier({}, {"pipe": pipe}, n_folds=3,
                                  random_state=0).fit(X, y, sample_weight=w)
    for j, est in enumerate(clf.members_["pipe"].estimators_):
        rows = clf.fold_ != j
        ref = clone(pipe).fit(X[rows], y[rows], logisticregression__sample_weight=w[rows])
        np.testing.assert_allclose(est[-1].coef_, ref[-1].coef_, rtol=1e-6)


def test_routing_weights_reach_the_last_step():
    X, y = make_classification(120, 5, random_state=0)
    w = np.random.default_rng(0).integers(1, 3, 120).astype(float)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                             LogisticRegression().set_fit_request(sample_weight=True))
        clf = CrossFitClassifier(pipe, n_folds=2, random_state=0).fit(X, y, sample_weight=w)
    for j, member in enumerate(clf.estimators_):
        rows = clf.fold_ != j
        ref = make_pipeline(StandardScaler(), LogisticRegression()).fit(
            X[rows], y[rows], logisticregression__sample_weight=w[rows])
        np.testing.assert_allclose(member[-1].coef_, ref[-1].coef_, rtol=1e-6)


class _RecordingNet(WeightedLossClassifier):
    def fit(self, X, y, sample_weight=None, eval_set=None):
        self.seen_eval_set_ = eval_set
        return super().fit(X, y, sample_weight=sample_weight, eval_set=eval_set)


def test_eval_set_carries_the_held_out_weights():
    X, y = imbalanced(240)
    w = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    net = _RecordingNet(**FAST)
    clf = CrossFitClassifier(net, n_folds=3, random_state=0).fit(X, y, sample_weight=w)
    for j, member in enumerate(clf.estimators_):
        ev = member.seen_eval_set_
        assert len(ev) == 3
        np.testing.assert_array_equal(ev[2], w[clf.fold_ == j])


def test_callable_metric_gets_the_users_weights():
    X, y = imbalanced(120)
    w = np.random.default_rng(1).uniform(0.2, 3.0, len(y))
    got = []

    def metric(y_true, proba, sample_weight=None):
        got.append(None if sample_weight is None else np.array(sample_weight))
        return roc_auc_score(y_true, proba[:, 1], sample_weight=sample_weight)

    LossPortfolioClassifier({}, {"lr": LogisticRegression()}, n_folds=2, metric=metric,
                            max_ensemble_size=2).fit(X, y, sample_weight=w)
    assert got
    for seen in got:
        np.testing.assert_array_equal(seen, w)
