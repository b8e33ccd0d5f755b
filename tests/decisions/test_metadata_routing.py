"""Metadata routing through the decision tools: sample_weight reaches the estimator that
requested it, inside a search."""

import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from sklearn_losses.decisions import (NeymanPearsonClassifier, PriorShiftClassifier,
                                      RecallControlClassifier, TunedOffsetsClassifierCV)


class _Recorder(LogisticRegression):
    """Records the sample_weight each fit got (a copy per process: n_jobs=1 here)."""

    seen = []

    def fit(self, X, y, sample_weight=None):
        _Recorder.seen.append(None if sample_weight is None else len(sample_weight))
        return super().fit(X, y, sample_weight=sample_weight)


TOOLS = [(TunedOffsetsClassifierCV, {"max_iter": [5]}), (PriorShiftClassifier, {"cv": [3]}),
         (NeymanPearsonClassifier, {"alpha": [0.2]}), (RecallControlClassifier, {"alpha": [0.3]})]


@pytest.mark.parametrize("request_weights", [True, False])
@pytest.mark.parametrize("tool, grid", TOOLS, ids=[t.__name__ for t, _ in TOOLS])
def test_a_search_routes_sample_weight_to_the_estimator_that_requested_it(tool, grid,
                                                                         request_weights):
    # the tools had no get_metadata_routing: GridSearchCV refused sample_weight ("not
    # routed to any object"), and RecallControlClassifier never passed its fit parameters on
    X, y = make_classification(400, 5, weights=[0.8], random_state=0)
    w = np.random.default_rng(0).integers(1, 3, 400).astype(float)
    _Recorder.seen = []
    with sklearn.config_context(enable_metadata_routing=True):
        inner = _Recorder().set_fit_request(sample_weight=request_weights)
        est = tool(inner)
        if tool._uses_sample_weight:  # the tool's own use of the weights
            est.set_fit_request(sample_weight=True).set_score_request(sample_weight=False)
        search = GridSearchCV(est, grid, cv=2)
        if not (request_weights or tool._uses_sample_weight):
            # nothing consumes the weights: scikit-learn refuses them, as for any router
            with pytest.raises(TypeError, match="not routed to any object"):
                search.fit(X, y, sample_weight=w)
            return
        search.fit(X, y, sample_weight=w)
    assert _Recorder.seen and all((n is not None) == request_weights for n in _Recorder.seen)


def test_without_routing_the_fit_parameters_are_passed_as_before():
    X, y = make_classification(300, 5, weights=[0.8], random_state=0)
    w = np.ones(300)
    _Recorder.seen = []
    PriorShiftClassifier(_Recorder(), cv=3).fit(X, y, sample_weight=w)
    assert _Recorder.seen == [300]  # fit's sample_weight: the prior's and the estimator's
    _Recorder.seen = []
    RecallControlClassifier(_Recorder(), alpha=0.3).fit(X, y, sample_weight=w)
    assert set(_Recorder.seen) == {None}  # its own calibration weights, not the estimator's


def test_the_offsets_refuse_a_scorer_that_requests_weights():
    # the search counts every row once: a weighted scorer was followed silently unweighted
    # (with weights routed to the estimator) or failed with "not routed to any object"
    from sklearn_losses.metrics import get_scorer

    X, y = make_classification(200, 5, weights=[0.8], random_state=0)
    w = np.where(y == 1, 10.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = get_scorer("f1", pos_label=1).set_score_request(sample_weight=True)
        est = TunedOffsetsClassifierCV(
            LogisticRegression().set_fit_request(sample_weight=True), scoring=scorer, cv=3)
        with pytest.raises(ValueError, match="requests sample_weight"):
            est.fit(X, y, sample_weight=w)
        # without the request the scorer counts rows, as the search does
        est.set_params(scoring=get_scorer("f1", pos_label=1)).fit(X, y, sample_weight=w)
    assert 0 < est.best_score_ <= 1
