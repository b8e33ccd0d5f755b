"""Input validation of the estimator: the table ``X`` (encoded or numeric) and its labels.

:func:`validate_table` is the estimator's ``validate_data``: with
``preprocessing="auto"`` it fits (``reset``) or applies the estimator's
:class:`~sklearn_losses.preprocessing.TabularEncoder`, whose column rule is
:mod:`sklearn_losses.columns`; with ``preprocessing=None`` it checks a numeric
array and names the non-numeric DataFrame columns in its error. A polars
DataFrame is read as the pandas DataFrame of the same columns, so that its
column names are recorded in fit and checked at predict.
"""

from __future__ import annotations

import copy

import numpy as np
from sklearn.utils.validation import _check_y, check_consistent_length, validate_data

from .preprocessing import TabularEncoder, _from_polars, _is_polars, check_table

__all__ = ["validate_table"]


def _as_dtype(X, dtype):
    return X.astype(dtype, copy=False) if X.dtype != dtype else X


def validate_table(estimator, X, y=None, *, reset=True, dtype=np.float32, sample_weight=None,
                   **check_params):
    """``X`` (and ``y`` when given) validated, encoded by ``estimator.encoder_``, as ``dtype``.

    ``preprocessing="auto"`` fits the encoder when ``reset`` (its numeric
    scaling weighted by ``sample_weight``) and applies it otherwise;
    ``None`` is ``validate_data(estimator, X, ...)`` naming non-numeric
    DataFrame columns in the error. Sparse input is CSR. A polars DataFrame
    is converted to pandas first. Sets ``encoder_``, ``n_features_in_`` and
    ``feature_names_in_`` when ``reset``.
    """
    if _is_polars(X):
        X = _from_polars(X)
    if reset:
        estimator.encoder_ = None
    if (estimator.preprocessing if reset else getattr(estimator, "encoder_", None)) is None:
        args = (X,) if y is None else (X, y)
        return _validate_numeric(estimator, *args, reset=reset, dtype=dtype, **check_params)
    X = check_table(X, ensure_min_samples=check_params.get("ensure_min_samples", 1),
                    estimator=estimator)
    if not reset:
        # predict, or further training (warm_start, partial_fit): the fitted encoder
        validate_data(estimator, X, reset=False, skip_check_array=True)
        X = _as_dtype(estimator.encoder_._encode(X), dtype)
        if y is None:
            return X
        y = _check_y(y, estimator=estimator)
        check_consistent_length(X, y)
        return X, y
    X, y = validate_data(estimator, X, y, skip_check_array=True)
    y = _check_y(y, estimator=estimator)
    check_consistent_length(X, y)
    seed = estimator.random_state
    if isinstance(seed, np.random.RandomState):
        seed = copy.deepcopy(seed)  # the encoder does not advance the caller's generator
    # numpy out, whatever sklearn.set_config(transform_output=...) says
    encoder = TabularEncoder(random_state=seed).set_output(transform="default")
    X = _as_dtype(encoder.fit_transform(X, y, sample_weight=sample_weight), dtype)
    estimator.encoder_ = encoder
    return X, y


def _validate_numeric(estimator, X, *args, **kwargs):
    """``validate_data(estimator, X, ...)``, naming non-numeric DataFrame columns in the error."""
    try:
        return validate_data(estimator, X, *args, accept_sparse="csr", **kwargs)
    except ValueError as exc:
        dtypes = getattr(X, "dtypes", None)
        if dtypes is None or "convert" not in str(exc):
            raise
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        bad = [str(c) for c, dt in dtypes.items()
               if not (is_numeric_dtype(dt) or is_bool_dtype(dt))]
        raise ValueError(
            f"{type(estimator).__name__} needs numeric features; the column(s) {bad} are not "
            f"numeric ({exc}). Encode them first, e.g. with a ColumnTransformer and "
            "OneHotEncoder in a Pipeline, or leave preprocessing='auto'.") from exc
