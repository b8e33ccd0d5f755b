"""fit(..., eval_set=(X_valid, y_valid)): validation rows given explicitly."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_classification

from sklearn_losses import WeightedLossClassifier

KW = dict(hidden_layer_sizes=(8,), max_epochs=30, lr=1e-2, random_state=0, n_jobs=1)


def _data():
    X, y = make_classification(400, 6, weights=[0.8], random_state=0)
    return X[:300], y[:300], X[300:], y[300:]


def test_every_row_trains_and_the_given_rows_stop_training():
    X, y, X_v, y_v = _data()
    clf = WeightedLossClassifier(scoring="roc_auc", **KW).fit(X, y, eval_set=(X_v, y_v))
    plan = clf.plan_
    assert plan.stopping == "validation"
    np.testing.assert_array_equal(plan.train_index, np.arange(300))
    np.testing.assert_array_equal(plan.valid_index, np.arange(300, 400))
    np.testing.assert_array_equal(clf.class_counts_, np.bincount(y))  # training rows only
    scores = np.array(clf.validation_scores_)
    assert len(scores) == clf.n_iter_ and np.isfinite(scores).all()
    # the kept epoch is the best on the given rows (up to the stopping rule's tol)
    assert scores[clf.best_epoch_ - 1] >= scores.max() - 1e-3


def test_eval_set_with_early_stopping_off_still_fits_the_temperature():
    X, y, X_v, y_v = _data()
    clf = WeightedLossClassifier(early_stopping=False, calibration="temperature", **KW)
    clf.fit(X, y, eval_set=(X_v, y_v, np.ones(len(y_v))))
    assert clf.stopping_ == "none" and clf.n_iter_ == 30 and clf.temperature_ != 1.0


def test_raw_frame_eval_set_is_encoded_by_the_training_encoder():
    X, y, X_v, y_v = _data()
    frame = pd.DataFrame(X, columns=[f"c{j}" for j in range(6)]).assign(shop="a")
    frame_v = pd.DataFrame(X_v, columns=[f"c{j}" for j in range(6)]).assign(shop="unseen")
    clf = WeightedLossClassifier(**KW).fit(frame, y, eval_set=(frame_v, y_v))
    assert clf.plan_.stopping == "validation"
    assert clf.encoder_.n_features_in_ == 7
    # fitted on the training rows alone: the eval rows' level is unseen, and the eval rows
    # are transformed as an encoder fitted on the training rows transforms them
    assert list(clf.encoder_.get_feature_names_out()) == [
        *(f"num__c{j}" for j in range(6)), "onehot__shop_a"]
    alone = clone(clf.encoder_).fit(frame, y)
    np.testing.assert_array_equal(np.asarray(clf.encoder_.transform(frame_v)),
                                  np.asarray(alone.transform(frame_v)))


def test_sparse_eval_set_with_dense_training_rows_is_densified():
    X, y, X_v, y_v = _data()
    kw = {**KW, "scoring": "roc_auc", "preprocessing": None}
    dense = WeightedLossClassifier(**kw).fit(X, y, eval_set=(X_v, y_v))
    mixed = WeightedLossClassifier(**kw).fit(X, y, eval_set=(sp.csr_matrix(X_v), y_v))
    np.testing.assert_array_equal(mixed.validation_scores_, dense.validation_scores_)
    np.testing.assert_array_equal(mixed.predict_proba(X_v), dense.predict_proba(X_v))


def test_sparse_eval_set():
    X, y, X_v, y_v = _data()
    clf = WeightedLossClassifier(**KW).fit(sp.csr_matrix(X), y,
                                           eval_set=(sp.csr_matrix(X_v), y_v))
    assert len(clf.plan_.valid_index) == 100


@pytest.mark.parametrize("eval_set,match", [
    ("rows", "eval_set must be a tuple"),
    ((np.zeros((5, 6)),), "eval_set must be a tuple"),
    ([(np.zeros((5, 6)), np.array([0, 1, 0, 0, 1]))] * 2,
     "got a list of 2 validation sets"),
    ((np.zeros((5, 6)), np.array([0, 1, 2, 0, 1])), r"not classes of y \(\[0, 1\]\)"),
    ((np.zeros((5, 6)), np.array([0, 1, 0])), "one label per row of X_valid"),
    ((np.zeros((5, 6)), np.array([0, 1, None, 0, 1], dtype=object)), "missing label"),
    ((np.zeros((5, 6)), np.array([0, 1, 0, 0, 1]), np.zeros(5)), "eval_set's sample_weight_valid: .*non-zero"),
    ((np.zeros((5, 4)), np.array([0, 1, 0, 0, 1])), "features"),
    ((np.zeros((5, 6)), np.zeros(5, dtype=int)), r"holds no rows .* of class\(es\) \[1\]"),
    ((np.zeros((5, 6)), np.array([0, 1, 0, 0, 1]), np.array([1, 0, 1, 1, 0.])),
     r"holds no rows \(of positive weight\) of class\(es\) \[1\]"),
    ((np.zeros((5, 6)), np.array([0, 1, 0, 0, 1]), np.ones(7)),
     r"eval_set's sample_weight_valid: .*\(5,\)"),
    ((np.zeros((5, 6)), np.array([0, 1, 0, 0, 1]), -np.ones(5)),
     "eval_set's sample_weight_valid: Negative"),
    ((np.zeros((5, 6)), np.array([0, 1, 0, 0, 1]), np.array([1, np.nan, 1, 1, 1])),
     "eval_set's sample_weight_valid: .*NaN"),
])
def test_bad_eval_sets_are_named(eval_set, match):
    X, y, _, _ = _data()
    with pytest.raises(ValueError, match=match):
        WeightedLossClassifier(**KW).fit(X, y, eval_set=eval_set)


def test_eval_set_as_catboost_and_xgboost_take_it_and_a_column_vector_of_labels():
    # [(X_valid, y_valid)] and y_valid of shape (n, 1), as fit takes y: the same fit
    from sklearn.exceptions import DataConversionWarning

    X, y, X_v, y_v = _data()
    ref = WeightedLossClassifier(scoring="roc_auc", **KW).fit(X, y, eval_set=(X_v, y_v))
    listed = WeightedLossClassifier(scoring="roc_auc", **KW).fit(X, y, eval_set=[(X_v, y_v)])
    with pytest.warns(DataConversionWarning, match="column-vector y was passed"):
        column = WeightedLossClassifier(scoring="roc_auc", **KW).fit(
            X, y, eval_set=(X_v, y_v.reshape(-1, 1)))
    for clf in (listed, column):
        assert clf.validation_scores_ == ref.validation_scores_
        np.testing.assert_array_equal(clf.predict_proba(X_v), ref.predict_proba(X_v))
