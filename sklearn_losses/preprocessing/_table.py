"""What counts as a table: :func:`check_table`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array

from ..columns import _from_polars, _is_polars


def _numeric_array(X) -> bool:
    """A dense numpy array of real numbers (int, float): the all-numeric fast path (a bool
    array's columns are categorical, as bool columns of a DataFrame are)."""
    return isinstance(X, np.ndarray) and X.dtype.kind in "iuf"


def check_table(X, *, ensure_min_samples=1, estimator=None, accept_sparse=True):
    """``X`` checked as a table: a pandas DataFrame unchanged, a polars DataFrame as a new
    pandas DataFrame (so that its columns are read by name), a sparse matrix as CSR
    (refused unless ``accept_sparse``), anything else as a 2-D array (numeric, object or
    string dtype kept).

    scikit-learn's messages for empty, 1-D and complex input.
    """
    if _is_polars(X):
        X = _from_polars(X)
    if isinstance(X, pd.DataFrame):
        name = type(estimator).__name__ if estimator is not None else "the encoder"
        if X.shape[0] < ensure_min_samples:
            raise ValueError(f"Found array with {X.shape[0]} sample(s) (shape={X.shape}) while "
                             f"a minimum of {ensure_min_samples} is required by {name}.")
        if X.shape[1] < 1:
            raise ValueError(f"Found array with 0 feature(s) (shape={X.shape}) while a minimum "
                             f"of 1 is required by {name}.")
        if not X.columns.is_unique:
            twice = list(dict.fromkeys(X.columns[X.columns.duplicated()]))
            raise ValueError(f"{name}: the DataFrame's column names must be unique; "
                             f"{', '.join(map(repr, twice))} name(s) several columns. Rename "
                             "or drop them.")
        return X
    return check_array(X, accept_sparse="csr" if accept_sparse else False, dtype=None,
                       ensure_all_finite=False, ensure_min_samples=ensure_min_samples,
                       estimator=estimator)
