"""Input validation of the estimator: the table ``X`` (encoded or numeric) and its labels.

:func:`validate_table` is the estimator's ``validate_data``: with
``preprocessing="auto"`` it fits (``reset``) or applies the estimator's
:class:`~sklearn_losses.preprocessing.TabularEncoder`, whose column rule is
:mod:`sklearn_losses.columns`; with ``preprocessing=None`` it checks a numeric
array, names the non-numeric DataFrame columns in its error, and warns,
naming them, about the columns its float32 cast loses. A polars DataFrame is
read as the pandas DataFrame of the same columns, so that its column names
are recorded in fit and checked at predict.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils import _safe_indexing
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (_check_y, _num_samples, check_consistent_length,
                                      validate_data)

from ._warnings import warn_user
from .columns import _from_polars, _is_polars
from .preprocessing import TabularEncoder, check_table

__all__ = ["check_labels", "validate_table"]


def check_labels(y, name="y"):
    """Raise a clear error when ``y`` holds missing labels (NaN, None, ``pd.NA``, ``NaT``).

    ``name`` is how the message calls the labels (e.g. ``"eval_set's y_valid"``).

    scikit-learn's own checks say "Input y contains NaN" for some of them and
    fail inside a sort for others (None among strings).
    """
    # pandas' to_numpy keeps pd.NA and NaT as such; polars' takes no dtype (its __array__ does)
    values = (y.to_numpy(dtype=object) if isinstance(y, (pd.Series, pd.DataFrame))
              else np.asarray(y, dtype=object))
    if values.ndim != 1:
        return  # the shape error comes from scikit-learn's check
    missing = np.flatnonzero(pd.isna(values))
    if missing.size:
        rows = ", ".join(map(str, missing[:5].tolist())) + (", ..." if missing.size > 5 else "")
        raise ValueError(
            f"{name} has {missing.size} missing label(s) (NaN, None or pd.NA) of {len(values)}, at "
            f"row(s) {rows}; every row needs a class label. Drop those rows or fill them.")

#: A column whose float32 cast moves a value by more than this fraction of the column's
#: range loses its signal in the cast (e.g. a scale of 1e-300, or an offset of 1e9).
_FLOAT32_TOLERANCE = 1e-3


def _as_dtype(X, dtype):
    return X.astype(dtype, copy=False) if X.dtype != dtype else X


def _warn_target_encoding_resumed(encoder):
    """Warn, once per fitted encoder, that further training target-encodes rows in-sample."""
    if not encoder.target_features_ or getattr(encoder, "_warned_resumed", False):
        return
    encoder._warned_resumed = True
    names = encoder._names(encoder.target_features_)
    warn_user(
        f"Column(s) {names} are target encoded by the encoder of the first fit, which encoded "
        "its own training rows cross-fitted; further training (warm_start, partial_fit) "
        "encodes its rows with the fitted encoder, so rows that fit already saw are encoded "
        "with their own labels (optimistic features). Continue on new rows only, or fit anew "
        "(warm_start=False) to cross-fit the encoding again.")


def row_chunks(X, chunk):
    """``X`` itself when it has at most ``chunk`` rows (or is no table: its validation says
    why), else its consecutive slices of ``chunk`` rows (sparse input as CSR first: COO, DIA
    and BSR take no slice)."""
    try:
        n_rows = _num_samples(X)
    except TypeError:
        n_rows = 0
    if n_rows <= chunk:
        yield X
        return
    if sp.issparse(X):
        X = X.tocsr()
    for start in range(0, n_rows, chunk):
        yield _safe_indexing(X, slice(start, start + chunk))


def validate_table(estimator, X, y=None, *, reset=True, dtype=np.float32, sample_weight=None,
                   **check_params):
    """``X`` (and ``y`` when given) validated, encoded by ``estimator.encoder_``, as ``dtype``.

    ``preprocessing="auto"`` fits the encoder when ``reset`` (its numeric
    scaling weighted by ``sample_weight``) and applies it otherwise;
    ``None`` is ``validate_data(estimator, X, ...)`` naming non-numeric
    DataFrame columns in the error (and, when ``reset`` with a float32
    ``dtype``, warning about the columns the cast loses). Sparse input is
    CSR. A polars DataFrame is converted to pandas first. Sets
    ``encoder_``, ``n_features_in_`` and ``feature_names_in_`` when
    ``reset``. ``y`` is checked as classification labels, before the
    encoder reads it (target encoding).
    """
    if y is not None:
        check_labels(y)
    if _is_polars(X):
        X = _from_polars(X)
    if reset:
        estimator.encoder_ = None
    if (estimator.preprocessing if reset else getattr(estimator, "encoder_", None)) is None:
        if reset and np.dtype(dtype) == np.float32:
            _check_float32_cast(estimator, X)
        args = (X,) if y is None else (X, y)
        out = _validate_numeric(estimator, *args, reset=reset, dtype=dtype, **check_params)
        if y is not None:
            check_classification_targets(out[1])
        return out
    X = check_table(X, ensure_min_samples=check_params.get("ensure_min_samples", 1),
                    estimator=estimator)
    if not reset:
        # predict, or further training (warm_start, partial_fit): the fitted encoder
        validate_data(estimator, X, reset=False, skip_check_array=True)
        X = _as_dtype(estimator.encoder_._encode(X, dtype), dtype)
        if y is None:
            return X
        y = _check_y(y, estimator=estimator)
        check_consistent_length(X, y)
        check_classification_targets(y)
        _warn_target_encoding_resumed(estimator.encoder_)
        return X, y
    X, y = validate_data(estimator, X, y, skip_check_array=True)
    y = _check_y(y, estimator=estimator)
    check_consistent_length(X, y)
    # before the encoder, whose target encoding reads y: a bad y gets the classifier's message
    check_classification_targets(y)
    seed = estimator.random_state
    if isinstance(seed, np.random.RandomState):
        seed = copy.deepcopy(seed)  # the encoder does not advance the caller's generator
    # numpy out, whatever sklearn.set_config(transform_output=...) says
    encoder = TabularEncoder(random_state=seed).set_output(transform="default")
    X = _as_dtype(encoder._fit_transform_as(X, y, sample_weight, dtype), dtype)
    estimator.encoder_ = encoder
    return X, y


def _validate_numeric(estimator, X, *args, **kwargs):
    """``validate_data(estimator, X, ...)``, naming non-numeric DataFrame columns in the error."""
    try:
        return validate_data(estimator, X, *args, accept_sparse="csr", **kwargs)
    except (ValueError, TypeError) as exc:  # numpy's DTypePromotionError for dates
        if "missing values encoded as NaN" in str(exc):  # scikit-learn's, which points to HGB
            raise ValueError(
                f"{type(estimator).__name__} with preprocessing=None takes no missing values "
                "(NaN, None or pd.NA in X); leave preprocessing='auto', which imputes them "
                "(with a column flagging each), or impute them first, e.g. with a "
                "SimpleImputer in a Pipeline.") from exc
        dtypes = getattr(X, "dtypes", None)
        if dtypes is None or not isinstance(dtypes, pd.Series):
            raise
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        bad = [str(c) for c, dt in dtypes.items()
               if not (is_numeric_dtype(dt) or is_bool_dtype(dt))]
        if not bad:
            raise
        raise ValueError(
            f"{type(estimator).__name__} needs numeric features; the column(s) {bad} are not "
            f"numeric ({exc}). Encode them first, e.g. with a ColumnTransformer and "
            "OneHotEncoder in a Pipeline, or leave preprocessing='auto'.") from exc


def _float64_columns(X):
    """``(values, names)``: the columns of ``X`` holding wide numbers (float64, integers) as
    a float64 array (or CSC matrix) and their names; None when there are none (the float32
    cast cannot lose anything, or ``X`` is no numeric table: the validation says why)."""
    if sp.issparse(X):
        if X.dtype.kind not in "iuf" or X.dtype.itemsize < 8 and X.dtype.kind == "f":
            return None
        return sp.csc_matrix(X, dtype=np.float64), [f"x{j}" for j in range(X.shape[1])]
    if isinstance(X, pd.DataFrame):
        wide = [j for j, dt in enumerate(X.dtypes)
                if getattr(dt, "kind", "O") in "iuf" and dt != np.float32]
        if not wide:
            return None
        try:
            A = X.iloc[:, wide].to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            return None
        return A, [str(X.columns[j]) for j in wide]
    A = X if isinstance(X, np.ndarray) else None
    if A is None or A.ndim != 2 or A.dtype.kind not in "iuf" or A.dtype == np.float32:
        return None
    return A.astype(np.float64, copy=False), [f"x{j}" for j in range(A.shape[1])]


def _check_float32_cast(estimator, X):
    """Refuse columns beyond the float32 range and warn about those the cast loses, by name.

    ``preprocessing=None`` trains in float32 on ``X`` as given: a column of
    scale 1e-300 becomes zeros, and a signal of a few units on an offset of
    1e9 (epoch seconds) is rounded away (float32 keeps 7 digits).
    """
    found = _float64_columns(X)
    if found is None:
        return
    A, names = found
    lost, beyond = [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for j, name in enumerate(names):
            if sp.issparse(A):
                col = A.data[A.indptr[j]:A.indptr[j + 1]]
                if col.size < A.shape[0]:
                    col = np.append(col, 0.0)  # the implicit zeros
            else:
                col = A[:, j]
            col = col[~np.isnan(col)]
            if not col.size:
                continue
            cast = col.astype(np.float32)
            if np.any(np.isinf(cast) & np.isfinite(col)):
                beyond.append(name)
                continue
            spread = col.max() - col.min()
            error = np.abs(cast.astype(np.float64) - col).max()
            if spread > 0 and error > _FLOAT32_TOLERANCE * spread:
                lost.append(name)
    kind = type(estimator).__name__
    if beyond:
        raise ValueError(
            f"{kind}(preprocessing=None) trains in float32, and the column(s) {beyond} hold "
            "values beyond its range (|x| > 3.4e38). Scale them first, or use "
            "preprocessing='auto', which scales every column in float64 before the cast.")
    if lost:
        warn_user(
            f"{kind}(preprocessing=None) trains in float32, and the cast loses the column(s) "
            f"{lost}: it moves their values by more than {_FLOAT32_TOLERANCE:.1%} of the "
            "column's range (values of tiny scale such as 1e-300 become 0; a signal on a "
            "large offset such as 1e9 is rounded away). Scale them first (subtract the "
            "offset, standardize), or use preprocessing='auto', which scales every column in "
            "float64 before the cast.")
