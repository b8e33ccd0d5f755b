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
