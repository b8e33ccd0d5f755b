"""Defects a second review of the raw-table encoder found, each pinned by its own test."""

import numpy as np
import pandas as pd
import scipy.sparse as sp
import sklearn

from sklearn_losses.preprocessing import TabularEncoder
from sklearn_losses.preprocessing import encoder as encoder_module


def test_an_all_missing_date_column_at_predict_is_missing_whatever_its_dtype():
    """pandas types a column of blank dates float64 (read_csv, reindex): predict refused it,
    though the same rows inside a larger batch encoded."""
    X = pd.DataFrame({"d": ["2024-01-01", "2024-03-05", None, "2024-07-09"] * 5,
                      "x": np.arange(20.0)})
    y = np.arange(20) % 2
    enc = TabularEncoder(random_state=0).fit(X, y)
    batch = enc.transform(X.assign(d=[None] * 19 + ["2024-01-01"]))
    alone = enc.transform(pd.DataFrame({"d": [np.nan], "x": [0.0]}))  # float64 NaN
    np.testing.assert_allclose(alone[0], batch[0])


def test_fit_under_pandas_output_takes_sparse_input():
    S = sp.csr_matrix(np.eye(3))
    with sklearn.config_context(transform_output="pandas"):
        enc = TabularEncoder().fit(S)  # raised: fit went through the wrapped fit_transform
    assert enc.n_features_in_ == 3


def test_target_encoding_folds_before_and_after_scikit_learn_1_9(monkeypatch):
    """Before 1.9 TargetEncoder's cv is a number of folds; the same shuffled folds are built
    from shuffle and random_state (a StratifiedKFold object raised there)."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"city": [f"c{i}" for i in rng.integers(0, 40, 200)]})
    y = rng.integers(0, 2, 200)
    splitters = TabularEncoder(random_state=0).fit_transform(X, y)
    monkeypatch.setattr(encoder_module, "_TARGET_ENCODER_TAKES_SPLITTERS", False)
    counts = TabularEncoder(random_state=0).fit_transform(X, y)
    np.testing.assert_allclose(counts, splitters)
