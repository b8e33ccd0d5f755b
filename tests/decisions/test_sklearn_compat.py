"""The decision tools as scikit-learn estimators: checks, clone, pickle, pipelines, grids."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_losses.decisions import (
    NeymanPearsonClassifier,
    PriorShiftClassifier,
    RecallControlClassifier,
    TunedOffsetsClassifierCV,
)

NOT_ARGMAX = ("predict applies the tuned decision rule (offsets / a threshold) while "
              "predict_proba stays the estimator's probabilities, so predict is not "
              "argmax(predict_proba); scikit-learn marks the same check for "
              "TunedThresholdClassifierCV and FixedThresholdClassifier")
CALIBRATION_WEIGHTS = ("sample_weight weights the held-out positive rows in the weighted "
                       "conformal risk (Farinhas et al.: weights divided by their maximum, "
                       "the test row's weight 1), so an integer weight is not k copies of "
                       "a row")
FIT_PARAMS_ONLY_TRAIN = ("fit parameters such as sample_weight reach the estimator's "
                         "training only; the held-out negatives that set the threshold are "
                         "all used, so zero weights on one class do not make a one-class "
                         "problem")


def _expected_failed_checks(estimator):
    if isinstance(estimator, TunedOffsetsClassifierCV):
        return {"check_classifiers_train": NOT_ARGMAX}
    if isinstance(estimator, NeymanPearsonClassifier):
        return {"check_classifiers_train": NOT_ARGMAX,
                "check_classifiers_one_label_sample_weights": FIT_PARAMS_ONLY_TRAIN}
    if isinstance(estimator, RecallControlClassifier):
        return {"check_classifiers_train": NOT_ARGMAX,
                "check_sample_weight_equivalence_on_dense_data": CALIBRATION_WEIGHTS,
                "check_sample_weight_equivalence_on_sparse_data": CALIBRATION_WEIGHTS}
    return {}


# The checks fit on data sets of 10 to 300 rows: the levels are loose enough for
# their smallest ones (alpha=0.1, delta=0.9 needs 1 held-out negative; recall
# alpha=0.5 needs 1 held-out positive, alpha=0.3 needs 3, with every positive
# held out across the 3 folds).
CHECKED = [
    TunedOffsetsClassifierCV(LogisticRegression()),
    NeymanPearsonClassifier(LogisticRegression(), alpha=0.1, delta=0.9),
    NeymanPearsonClassifier(LogisticRegression(), alpha=0.1, delta=0.9, cv=3),
    RecallControlClassifier(LogisticRegression(), alpha=0.5),
    RecallControlClassifier(LogisticRegression(), alpha=0.3, cv=3),
    PriorShiftClassifier(LogisticRegression()),
    PriorShiftClassifier(LogisticRegression(), test_prior="bbse", cv=3),
]


@parametrize_with_checks(CHECKED, expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------
# clone, pickle, pipelines, grids, pandas, the user's estimator
# --------------------------------------------------------------------------
def _data(n_classes=2, n=1200, seed=0):
    weights = [0.8] if n_classes == 2 else [0.6, 0.25]
    return make_classification(n, n_features=6, n_informative=4, n_redundant=0,
                               n_classes=n_classes, weights=weights, random_state=seed)


def _tools():
    """(tool, n_classes of its data, a grid over one of its own parameters)."""
    lr = make_pipeline(StandardScaler(), LogisticRegression())
    return [
        (TunedOffsetsClassifierCV(lr, cv=3), 3, {"scoring": ["f1_macro", "balanced_accuracy"]}),
        (NeymanPearsonClassifier(lr, alpha=0.1, delta=0.1, random_state=0), 2,
         {"alpha": [0.05, 0.1]}),
        (RecallControlClassifier(lr, alpha=0.1, random_state=0), 2, {"alpha": [0.1, 0.2]}),
        (PriorShiftClassifier(lr, test_prior="bbse", cv=3), 3,
         {"estimator__logisticregression__C": [0.1, 1.0]}),
    ]


@pytest.mark.parametrize("tool, n_classes, grid", _tools(),
                         ids=lambda v: type(v).__name__ if hasattr(v, "fit") else "")
def test_clone_pickle_pipeline_and_grid_search(tool, n_classes, grid):
    X, y = _data(n_classes)
    fitted = clone(tool).fit(X, y)
    # the user's estimator is not touched: it stays unfitted
    assert not hasattr(tool.estimator[-1], "coef_")
    assert fitted.estimator_ is not tool.estimator
    # clone: same parameters, unfitted
    copy = clone(fitted)
    assert copy.get_params().keys() == tool.get_params().keys()
    assert not hasattr(copy, "estimator_")
    # pickle: the same predictions after a round trip
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    np.testing.assert_allclose(restored.predict_proba(X), fitted.predict_proba(X))
    # inside a Pipeline
    pipe = make_pipeline(StandardScaler(), clone(tool)).fit(X, y)
    assert pipe.predict(X).shape == (len(y),)
    assert pipe.predict_proba(X).shape == (len(y), n_classes)
    # in a grid search over its own parameters (and the nested estimator's)
    search = GridSearchCV(clone(tool), grid, cv=StratifiedKFold(3), error_score="raise")
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.parametrize("tool, n_classes, grid", _tools(),
                         ids=lambda v: type(v).__name__ if hasattr(v, "fit") else "")
def test_pandas_feature_names_and_string_labels(tool, n_classes, grid):
    X, y = _data(n_classes)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    labels = np.array(["cat", "dog", "eel"])[y]
    clf = clone(tool).fit(frame, labels)
    assert clf.n_features_in_ == 6
    assert list(clf.feature_names_in_) == list(frame.columns)
    assert clf.classes_.tolist() == sorted(set(labels))
    assert set(clf.predict(frame)) <= set(labels)
    with pytest.raises(ValueError, match="feature names should match"):
        clf.predict(frame.iloc[:, :4])


def test_bad_parameters_name_the_parameter_and_what_is_accepted():
    X, y = _data(2)
    cases = [
        (NeymanPearsonClassifier(LogisticRegression(), alpha=1.5), r"'alpha' parameter .* "
         r"must be a float in the range \(0.0, 1.0\)"),
        (NeymanPearsonClassifier(LogisticRegression(), delta=0), r"'delta' parameter"),
        (RecallControlClassifier(LogisticRegression(), alpha=-0.1), r"'alpha' parameter"),
        (RecallControlClassifier(LogisticRegression(), delta=2.0), r"'delta' parameter"),
        (TunedOffsetsClassifierCV(LogisticRegression(), cv="five"), r"'cv' parameter"),
        (TunedOffsetsClassifierCV(LogisticRegression(), max_iter=0), r"'max_iter' parameter"),
        (PriorShiftClassifier(LogisticRegression(), test_prior="mle"),
         r"'test_prior' parameter .* must be a str among \{.*'bbse'.*\} or an array-like"),
        (PriorShiftClassifier(object()), r"'estimator' parameter .* must be an object "
         r"implementing 'fit' and 'predict_proba'"),
    ]
    for tool, message in cases:
        with pytest.raises(ValueError, match=message):
            tool.fit(X, y)


def test_prefit_needs_a_fitted_estimator_and_uses_it_as_it_is():
    from sklearn.exceptions import NotFittedError

    X, y = _data(3)
    with pytest.raises(NotFittedError, match="cv='prefit' needs a fitted estimator"):
        TunedOffsetsClassifierCV(LogisticRegression(), cv="prefit").fit(X, y)
    model = LogisticRegression().fit(X[:600], y[:600])
    coef = model.coef_.copy()
    clf = TunedOffsetsClassifierCV(model, cv="prefit").fit(X[600:], y[600:])
    assert clf.estimator_ is model
    np.testing.assert_array_equal(model.coef_, coef)
    assert clf.best_score_ >= clf.argmax_score_
    with pytest.raises(ValueError, match=r"labels the prefit estimator was not fitted on: "
                                         r"\[7\]"):
        TunedOffsetsClassifierCV(model, cv="prefit").fit(X[600:], np.full(600, 7))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 5 epochs
def test_every_tool_wraps_the_package_network(one_torch_thread):
    from sklearn_losses import WeightedLossClassifier

    net = WeightedLossClassifier(hidden_layer_sizes=(16,), max_epochs=5, random_state=0)
    X, y = _data(2, n=600)
    for tool in (TunedOffsetsClassifierCV(net, cv=3),
                 NeymanPearsonClassifier(net, alpha=0.1, delta=0.1, random_state=0),
                 RecallControlClassifier(net, alpha=0.2, random_state=0),
                 PriorShiftClassifier(net, test_prior="em")):
        clf = clone(tool).fit(X, y)
        assert clf.predict(X).shape == (len(y),)
        restored = pickle.loads(pickle.dumps(clf))
        np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X), rtol=1e-6)
    assert not hasattr(net, "module_")  # the user's network was cloned, never trained
