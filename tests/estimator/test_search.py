"""Search recipes: grids over losses and re-weighting, and the ready GridSearchCV."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import ParameterGrid, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.metrics import get_scorer
from sklearn_losses.search import SEARCH_PROBLEMS, loss_search_grid, make_loss_search

FAST = dict(hidden_layer_sizes=(16,), max_epochs=8, random_state=0)


@pytest.fixture(scope="module")
def data():
    return make_classification(240, 6, weights=[0.85], random_state=0)


@pytest.mark.parametrize("problem, n_candidates", [("imbalance", 7), ("noise", 11),
                                                   ("metric", 5)])
def test_grids_are_valid_candidates(problem, n_candidates, data):
    X, y = data
    grid = loss_search_grid(problem)
    candidates = list(ParameterGrid(grid))
    assert len(candidates) == n_candidates
    for params in candidates:
        est = WeightedLossClassifier(**FAST).set_params(**params)
        est._validate_params()
    # loss instances are built fresh on every call (no state shared between searches)
    again = loss_search_grid(problem)
    for g1, g2 in zip(grid, again):
        for a, b in zip(g1["loss"], g2["loss"]):
            assert a == b if isinstance(a, str) else (a is not b and a.get_params() ==
                                                      b.get_params())

def test_imbalance_grid_corrects_the_prior_at_most_once(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_epochs=2 is reached
        for params in ParameterGrid(loss_search_grid("imbalance")):
            WeightedLossClassifier(**dict(FAST, max_epochs=2)).set_params(**params).fit(X, y)


def test_prefix_and_pipeline_detection():
    grid = loss_search_grid("metric", prefix="clf__")
    assert all(key.startswith("clf__") for g in grid for key in g)
    pipe = make_pipeline(StandardScaler(), WeightedLossClassifier())
    search = make_loss_search(pipe)
    assert all(key.startswith("weightedlossclassifier__") for g in search.param_grid for key in g)
    assert isinstance(search.cv, StratifiedKFold) and search.cv.n_splits == 3
    with pytest.raises(ValueError, match="Unknown problem 'nope'.*imbalance"):
        loss_search_grid("nope")
    with pytest.raises(TypeError, match="prefix"):
        loss_search_grid(prefix=3)
    assert set(SEARCH_PROBLEMS) == {"imbalance", "noise", "metric"}


def test_make_loss_search_fits_in_a_pipeline(data):
    X, y = data
    labels = np.where(y == 1, "rare", "common")
    pipe = make_pipeline(StandardScaler(), WeightedLossClassifier(**FAST))
    search = make_loss_search(pipe, scoring=get_scorer("gmean"), cv=2).fit(X, labels)
    assert len(search.cv_results_["params"]) == 7
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = int(np.argmax(search.cv_results_["mean_test_score"]))
    assert search.best_params_ == search.cv_results_["params"][best]
    assert set(search.predict(X)) <= {"rare", "common"}
    clone(search)  # a search is itself an estimator


def test_scoring_names_are_the_packages_scorers(data):
    # "average_precision" (the default) measures the minority class, also with string labels;
    # scikit-learn's scorer measured label 1 (the majority here) or failed on strings
    X, y = data
    flipped = 1 - y  # the minority is 0
    search = make_loss_search(cv=np.int64(2))
    assert isinstance(search.cv, StratifiedKFold) and search.cv.shuffle  # a numpy integer
    assert "minority" in repr(search.scoring)
    multi = make_loss_search(scoring=["average_precision", "roc_auc"], refit="roc_auc")
    assert set(multi.scoring) == {"average_precision", "roc_auc"}
    assert "minority" in repr(multi.scoring["average_precision"])
    grid = {"loss": ["cross_entropy"], "reweight": ["balanced"]}
    for labels in (flipped, np.where(flipped == 1, "ok", "fraud")):
        search = make_loss_search(WeightedLossClassifier(**FAST), cv=2)
        search.param_grid = grid
        search.fit(X, labels)
        ref = get_scorer("average_precision")
        folds = list(search.cv.split(X, labels))
        scores = [ref(clone(search.estimator).set_params(loss="cross_entropy",
                                                         reweight="balanced")
                      .fit(X[tr], labels[tr]), X[te], labels[te]) for tr, te in folds]
        assert search.best_score_ == pytest.approx(np.mean(scores))


def test_default_folds_hold_every_class_of_a_rare_minority():
    # 2 positives and cv=3: StratifiedKFold leaves a test fold without a positive, where
    # average precision has nothing to measure (the package's scorer refuses it). The
    # default splitter cross-validates on 2 folds instead, with a warning.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.array(["neg"] * 38 + ["pos"] * 2)
    X[y == "pos"] += 3.0
    search = make_loss_search(WeightedLossClassifier(**FAST), cv=3)
    search.param_grid = {"loss": ["cross_entropy"], "reweight": ["balanced"]}
    with pytest.warns(UserWarning, match="2 folds instead of 3"):
        search.fit(X, y)
    assert search.n_splits_ == 2 and np.isfinite(search.best_score_)
    assert all(set(y[test]) == {"neg", "pos"} for _, test in search.cv.split(X, y))
    # enough rows of every class: the folds are StratifiedKFold's, unchanged
    yy = np.array([0, 1] * 20)
    assert search.cv.get_n_splits(X, yy) == 3
    np.testing.assert_array_equal(
        np.concatenate([t for _, t in search.cv.split(X, yy)]),
        np.concatenate([t for _, t in StratifiedKFold(3, shuffle=True, random_state=0)
                        .split(X, yy)]))
    with pytest.raises(ValueError, match=r"class\(es\) \['pos'\] have a single row"):
        search.cv.split(X[1:], np.array(['neg'] * 38 + ['pos']))


def test_class_covering_folds_work_where_stratified_folds_do():
    from sklearn.ensemble import StackingClassifier
    from sklearn.linear_model import LogisticRegression

    from sklearn_losses.search import ClassCoveringKFold

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), np.array([0, 1] * 30)
    # StackingClassifier sets random_state on a splitter that has none, also without shuffle
    stack = StackingClassifier([("lr", LogisticRegression())], cv=ClassCoveringKFold(3))
    ref = StackingClassifier([("lr", LogisticRegression())], cv=StratifiedKFold(3))
    np.testing.assert_allclose(stack.fit(X, y).predict_proba(X), ref.fit(X, y).predict_proba(X))
    with pytest.raises(ValueError, match="continuous"):  # StratifiedKFold's own error
        list(ClassCoveringKFold(3).split(X, rng.normal(size=60)))


def test_one_scoring_name_keeps_the_plain_cv_results_keys_without_refit(data):
    X, y = data
    grid = {"loss": ["cross_entropy"], "reweight": ["balanced"]}
    for refit in (True, False):
        search = make_loss_search(WeightedLossClassifier(**FAST), cv=2, refit=refit)
        search.param_grid = grid
        search.fit(X, y)
        assert "mean_test_score" in search.cv_results_  # as GridSearchCV(scoring="...") has
    named = make_loss_search(scoring="average_precision", refit="average_precision")
    assert set(named.scoring) == {"average_precision"}  # refit names the metric: a dict
