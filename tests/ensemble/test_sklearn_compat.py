"""Both ensembles as scikit-learn estimators: checks, clone, pickle, pipelines, grids, pandas."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_losses import CrossFitClassifier, LossPortfolioClassifier

from ._data import FAST, fast_net, imbalanced

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

REPEATED_ROWS = ("the folds are drawn over rows, so a weight k and k copies of a row give "
                 "different folds (and mini-batch SGD is not invariant to repeated rows "
                 "either: WeightedLossClassifier marks the same checks)")


TUNED_THRESHOLD = ("predict uses the threshold tuned on the out-of-fold probabilities "
                   "(threshold='matthews_corrcoef'), not the argmax of predict_proba, as "
                   "sklearn marks for TunedThresholdClassifierCV")


def _expected_failed_checks(estimator):
    failed = {"check_sample_weight_equivalence_on_dense_data": REPEATED_ROWS,
              "check_sample_weight_equivalence_on_sparse_data": REPEATED_ROWS}
    if isinstance(estimator, LossPortfolioClassifier) and estimator.threshold is not None:
        failed["check_classifiers_train"] = TUNED_THRESHOLD
    return failed


# lr 0.1 for 5 epochs: enough for check_classifiers_train's blobs, in a few hundredths of a
# second per member; 2 folds: the checks fit some 200 members per estimator. The portfolio
# holds a network and a tree; its input tags are those of the candidates that take the
# input (a candidate that cannot is left out with a warning).
CHECKED = [
    CrossFitClassifier(fast_net(max_epochs=5, lr=0.1), n_folds=2),
    LossPortfolioClassifier(configs={"net": dict(FAST, max_epochs=5, lr=0.1)},
                            extra_estimators={"tree": DecisionTreeClassifier(max_depth=3)},
                            n_folds=2, max_ensemble_size=3),
    # the argmax decision passes every check (20 epochs; the one configuration decides: its
    # refit blended with its cross-fitted members)
    LossPortfolioClassifier(configs={"net": dict(FAST, max_epochs=20, lr=0.1)},
                            n_folds=2, max_ensemble_size=3, threshold=None),
]


@parametrize_with_checks(CHECKED, expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------
# clone, pickle, pipelines, grids, pandas, string labels
# --------------------------------------------------------------------------
def _tools():
    """(unfitted tool, a grid over one of its parameters or a nested one)."""
    return [
        (CrossFitClassifier(fast_net(), n_folds=3, random_state=0),
         {"estimator__loss": ["cross_entropy", "focal"]}),
        (LossPortfolioClassifier(configs={"ce": FAST, "focal": dict(FAST, loss="focal")},
                                 n_folds=2, max_ensemble_size=5, random_state=0),
         {"max_ensemble_size": [1, 5]}),
    ]


@pytest.mark.parametrize("tool, grid", _tools(), ids=["cross_fit", "portfolio"])
def test_clone_pickle_pipeline_and_grid_search(tool, grid):
    X, y = imbalanced()
    fitted = clone(tool).fit(X, y)
    # the user's estimator is never fitted: members are clones
    if isinstance(tool, CrossFitClassifier):
        assert not hasattr(tool.estimator, "module_")
        assert all(m is not tool.estimator for m in fitted.estimators_)
    # clone: the same parameters, unfitted
    copy = clone(fitted)
    assert copy.get_params().keys() == tool.get_params().keys()
    assert not hasattr(copy, "classes_")
    # the same seed gives the same model
    np.testing.assert_allclose(clone(tool).fit(X, y).predict_proba(X), fitted.predict_proba(X))
    # pickle: the same predictions after a round trip
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    np.testing.assert_allclose(restored.predict_proba(X), fitted.predict_proba(X))
    # inside a Pipeline
    pipe = make_pipeline(StandardScaler(), clone(tool)).fit(X, y)
    assert pipe.predict_proba(X).shape == (len(y), 2)
    # in a grid search over its own (or its estimator's) parameters
    search = GridSearchCV(clone(tool), grid, cv=StratifiedKFold(2), scoring="roc_auc",
                          error_score="raise").fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def _raw_frame(n=200, seed=0):
    """A raw table (a text column, NaN in a numeric one) with string labels."""
    X, y = imbalanced(n, seed=seed)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame["shop"] = np.array(["north", "south", "east"])[np.arange(n) % 3]
    frame.loc[::7, "x0"] = np.nan
    return frame, np.array(["ok", "fraud"])[y]


@pytest.mark.parametrize("tool, _", _tools(), ids=["cross_fit", "portfolio"])
def test_raw_dataframes_and_string_labels(tool, _):
    frame, labels = _raw_frame()
    clf = clone(tool).fit(frame, labels)
    assert clf.classes_.tolist() == ["fraud", "ok"]
    assert clf.n_features_in_ == frame.shape[1]
    assert list(clf.feature_names_in_) == list(frame.columns)
    assert set(clf.predict(frame)) <= {"fraud", "ok"}
    proba = clf.predict_proba(frame)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.oof_proba_.shape == (len(frame), 2)
    with pytest.raises(ValueError):
        clf.predict(frame.drop(columns="shop"))


def test_multiclass_string_labels():
    X, y = imbalanced(240, n_classes=3)
    labels = np.array(["cat", "dog", "eel"])[y]
    cross = CrossFitClassifier(fast_net(), n_folds=3, random_state=0).fit(X, labels)
    portfolio = LossPortfolioClassifier(
        configs={"ce": FAST, "focal": dict(FAST, loss="focal")}, n_folds=2,
        metric="average_precision", random_state=0).fit(X, labels)  # macro one-vs-rest APs
    for clf in (cross, portfolio):
        assert clf.classes_.tolist() == ["cat", "dog", "eel"]
        assert clf.predict_proba(X).shape == (240, 3)
        assert set(clf.predict(X)) <= {"cat", "dog", "eel"}
    assert portfolio.leaderboard_["oof_score"].between(0, 1).all()
    default = LossPortfolioClassifier(configs={"ce": FAST}, n_folds=2, random_state=0)
    board = default.fit(X, labels).leaderboard_  # the default metric: multiclass log-loss
    assert (board["oof_score"] > 0).all() and default.metric == "log_loss"
