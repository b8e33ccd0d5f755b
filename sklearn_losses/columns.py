"""The one column-type rule: is a column numeric, categorical, datetime or text?

Every part of the package that looks at a raw table asks this module: the
estimator's :class:`~sklearn_losses.preprocessing.TabularEncoder`, the
command line (``sklearn-losses compare``), :mod:`sklearn_losses.compare` and
the benchmarks. The rule, for a column of a pandas DataFrame (or of an
array):

1. a pandas ``category`` column is **categorical**, whatever the type of its
   categories (numbers too: a category dtype says the values are labels);
2. a bool column is **categorical**;
3. a datetime (``datetime64``, timezone-aware) or period column is
   **datetime**;
4. a real numeric column (integers, floats, nullable ``Int64`` /
   ``Float64``) is **numeric**;
5. an ``object`` column holding only real numbers (and missing values) is
   **numeric**;
6. any other ``object`` or ``string`` column (text, mixed values) is
   **text**: its values are compared as strings.

Complex numbers and other dtypes are refused with an error naming the
column. A scipy sparse matrix has numeric columns only; a numeric array's
columns are numeric, an object array's columns follow rules 5 and 6.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["CATEGORICAL", "DATETIME", "KINDS", "NUMERIC", "TEXT", "column_kind",
           "column_kinds", "split_columns"]

NUMERIC, CATEGORICAL, DATETIME, TEXT = "numeric", "categorical", "datetime", "text"
KINDS = (NUMERIC, CATEGORICAL, DATETIME, TEXT)


def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def column_kind(values, name="x0") -> str:
    """The kind of one column: ``"numeric"``, ``"categorical"``, ``"datetime"`` or ``"text"``.

    Parameters
    ----------
    values : pandas Series or 1-D array
    name : str
        The column's name, for the error message.

    Raises
    ------
    ValueError
        For a dtype that is none of the four (complex numbers, ...).
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
        return CATEGORICAL
    if (pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype)):
        return DATETIME
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return NUMERIC
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        present = s.dropna().to_numpy()
        if dtype.kind == "O" and len(present) and all(_is_number(v) for v in present):
            return NUMERIC
        return TEXT
    raise ValueError(
        f"Column {name!r} has dtype {dtype}, which is neither numeric, categorical "
        "(category, bool), datetime nor text; convert it first.")


def _names(X):
    columns = getattr(X, "columns", None)
    if columns is not None:
        return list(columns)
    return list(range(X.shape[1]))


def column_kinds(X) -> list[str]:
    """The kind of every column of ``X`` (:func:`column_kind`), in column order.

    Parameters
    ----------
    X : DataFrame, ndarray (2-D) or scipy sparse matrix
    """
    if sp.issparse(X):
        return [NUMERIC] * X.shape[1]
    if isinstance(X, pd.DataFrame):
        return [column_kind(X.iloc[:, j], str(c)) for j, c in enumerate(X.columns)]
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D table; got an array of shape {X.shape}.")
    if X.dtype.kind in "biuf":
        return [NUMERIC] * X.shape[1]
    return [column_kind(pd.Series(X[:, j], dtype=object if X.dtype.kind == "O" else None),
                        f"x{j}") for j in range(X.shape[1])]


def split_columns(X) -> tuple[list, list]:
    """The numeric columns of ``X`` and the others (categorical, datetime, text).

    Returns
    -------
    numeric, other : list
        Column names (DataFrame) or positions (array), in the order of ``X``.
    """
    names = _names(X)
    kinds = column_kinds(X)
    numeric = [c for c, k in zip(names, kinds) if k == NUMERIC]
    return numeric, [c for c, k in zip(names, kinds) if k != NUMERIC]
