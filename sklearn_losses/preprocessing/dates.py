"""Calendar features of date and date-time columns: :class:`DatetimeFeatures`."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..columns import (
    NUMERIC,
    column_kind,
    to_datetime,
    to_numeric,
)
from ._table import check_table


# ------------------------------------------------------------------ dates and times
#: The UTC offset of an ISO 8601 date-time string, after its time (``Z``, ``+02:00``, ``-0500``).
_ISO_OFFSET = re.compile(r"[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$")


def _zone_of(value):
    """What decides how a date value is read on its own: its UTC offset or time zone (None:
    naive, or not a date)."""
    if isinstance(value, str):
        match = _ISO_OFFSET.search(value.strip())
        return None if match is None else match.group(1)
    tz = getattr(value, "tzinfo", None)
    return None if tz is None else str(tz)


def _date_seconds(s: pd.Series, name, zones: dict, j, fitting) -> np.ndarray:
    """:func:`_wall_seconds` of the date column ``s`` (column ``j``), each value on its own
    terms: a naive value is its wall clock, an aware one is read in the column's zone of fit
    (``zones[j]``, which fit records: UTC when it mixed zones; its own zone when fit had
    none). Values of several zones or offsets in one object column are read group by group,
    so that a row gets the same seconds alone as in any batch (:func:`to_datetime` reads a
    batch of mixed offsets in UTC, a naive value among them as UTC)."""
    codes, n_zones = np.zeros(len(s), dtype=np.intp), 1
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        codes, kinds = pd.factorize(pd.Series([_zone_of(v) for v in s.to_numpy(dtype=object)],
                                              dtype=object), use_na_sentinel=False)
        n_zones = len(kinds)
    if n_zones <= 1 or fitting:  # one parse of the whole column
        t = to_datetime(s, name, fitted=not fitting)
        if fitting:
            zones[j] = getattr(t.dt, "tz", None)
        if n_zones <= 1:
            return _wall_seconds(t, zones.get(j))
    out = np.full(len(s), np.nan)
    for k in range(n_zones):  # by position: the index may repeat labels
        at = np.flatnonzero(codes == k)
        out[at] = _wall_seconds(to_datetime(s.iloc[at], name, fitted=not fitting), zones.get(j))
    return out


def _wall_seconds(t: pd.Series, tz=None) -> np.ndarray:
    """Seconds since 1970-01-01 of the wall-clock time of the datetime64 Series ``t``
    (float64, NaN for NaT). A timezone-aware ``t`` is read in ``tz`` (its own zone if None)."""
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_convert(tz if tz is not None else t.dt.tz).dt.tz_localize(None)
    us = t.to_numpy(dtype="datetime64[us]")
    missing = np.isnat(us)
    i = us.view(np.int64)
    seconds = (i // 1_000_000).astype(np.float64) + (i % 1_000_000) / 1e6
    seconds[missing] = np.nan
    return seconds


_DAY = 86_400.0


class DatetimeFeatures(TransformerMixin, BaseEstimator):
    """Calendar features of date and time columns, as CatBoost and skrub's ``DatetimeEncoder``
    make them.

    For each column, in this order:

    - ``year``;
    - ``month_sin``, ``month_cos``: the month as an angle (January 0,
      July half a turn);
    - ``weekday_sin``, ``weekday_cos``: the day of the week as an angle
      (Monday 0);
    - ``hour_sin``, ``hour_cos``: the time of day (hours, minutes and
      seconds) as an angle (midnight 0); only for a column that has a time
      of day other than midnight in fit;
    - ``dayofyear``: 1 to 366;
    - ``elapsed``: days since the column's earliest date in fit.

    A missing date gives NaN in every feature (the encoder imputes them, with
    a missing-indicator column). The angles keep December next to January
    and Sunday next to Monday. :class:`TabularEncoder` scales the features
    as numeric columns (:class:`RobustSmoothClipScaler`).

    Input columns: datetime64 (a timezone-aware column is read in its wall
    clock time), dates as objects or ISO 8601 strings
    (:func:`sklearn_losses.columns.to_datetime`), or numbers: seconds since
    1970-01-01 (wall clock), as the encoder passes them. A column whose dates
    were in several time zones or offsets in fit is read in UTC; at
    transform each value is read on its own (in the column's zone in fit, a
    naive value as a wall clock), so a row gets the same features alone as
    in any batch.

    Attributes
    ----------
    t0_ : ndarray of shape (n_features,)
        Earliest date of each column in fit (seconds since 1970-01-01; 0 for
        a column without dates).
    has_time_ : ndarray of bool of shape (n_features,)
        Whether a column has a time of day (hour features).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_losses.preprocessing import DatetimeFeatures
    >>> X = pd.DataFrame({"day": pd.to_datetime(["2024-01-01", "2024-07-04"])})
    >>> features = DatetimeFeatures().fit(X)
    >>> list(features.get_feature_names_out())  # doctest: +NORMALIZE_WHITESPACE
    ['day_year', 'day_month_sin', 'day_month_cos', 'day_weekday_sin', 'day_weekday_cos',
     'day_dayofyear', 'day_elapsed']
    >>> features.transform(X)[:, [0, 5, 6]].tolist()  # year, day of year, days elapsed
    [[2024.0, 1.0, 0.0], [2024.0, 186.0, 185.0]]
    """

    def fit(self, X, y=None):
        """Record each column's earliest date and whether it has a time of day."""
        S = self._seconds(X, reset=True)
        t0, has_time = [], []
        for j in range(S.shape[1]):
            col = S[~np.isnan(S[:, j]), j]
            t0.append(col.min() if col.size else 0.0)
            has_time.append(bool(np.any(np.mod(col, _DAY) != 0.0)))
        self.t0_ = np.asarray(t0, dtype=np.float64)
        self.has_time_ = np.asarray(has_time, dtype=bool)
        return self

    def transform(self, X):
        """The calendar features of ``X`` (float64, NaN for a missing date)."""
        check_is_fitted(self, "t0_")
        S = self._seconds(X, reset=False)
        blocks = [self._features(S[:, j], j) for j in range(S.shape[1])]
        return np.hstack(blocks) if blocks else np.empty((S.shape[0], 0))

    def get_feature_names_out(self, input_features=None):
        """``{column}_{feature}`` for each column and feature, in output order."""
        from sklearn.utils.validation import _check_feature_names_in

        check_is_fitted(self, "t0_")
        names = _check_feature_names_in(self, input_features)
        return np.asarray([f"{name}_{f}" for j, name in enumerate(names)
                           for f in self._feature_names(j)], dtype=object)

    def _feature_names(self, j):
        hour = ["hour_sin", "hour_cos"] if self.has_time_[j] else []
        return (["year", "month_sin", "month_cos", "weekday_sin", "weekday_cos"] + hour
                + ["dayofyear", "elapsed"])

    def _seconds(self, X, reset):
        """``X`` as wall-clock seconds since 1970 (float64, NaN for a missing date)."""
        X = check_table(X, estimator=self, accept_sparse=False)
        validate_data(self, X, reset=reset, skip_check_array=True)
        names = getattr(X, "columns", None)
        out = np.empty(X.shape, dtype=np.float64)
        if reset:
            self._tz_ = {}  # each column's time zone in fit (_date_seconds)
        for j in range(X.shape[1]):
            s = X.iloc[:, j] if names is not None else pd.Series(
                X[:, j], dtype=object if X.dtype.kind == "O" else None)
            name = str(names[j]) if names is not None else f"x{j}"
            if column_kind(s, name) == NUMERIC:
                out[:, j] = to_numeric(s, name)
                with np.errstate(invalid="ignore"):
                    if np.any(np.abs(out[:, j]) > 1e13):
                        raise ValueError(
                            f"Column {name!r} holds numbers beyond 1e13 (or infinite); a date "
                            "given as a number is seconds since 1970-01-01 (within about "
                            "300,000 years).")
            else:
                out[:, j] = _date_seconds(s, name, getattr(self, "_tz_", {}), j,
                                          fitting=reset)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags

    def _features(self, seconds, j):
        present = ~np.isnan(seconds)
        s = np.where(present, seconds, 0.0)
        days = np.floor(s / _DAY)
        date = days.astype(np.int64).astype("datetime64[D]")
        year_start = date.astype("datetime64[Y]")
        month = date.astype("datetime64[M]").astype(np.int64) % 12  # January 0
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday 0
        columns = [year_start.astype(np.int64) + 1970.0,
                   np.sin(2 * np.pi * month / 12), np.cos(2 * np.pi * month / 12),
                   np.sin(2 * np.pi * weekday / 7), np.cos(2 * np.pi * weekday / 7)]
        if self.has_time_[j]:
            hour = (s - days * _DAY) / 3600.0
            columns += [np.sin(2 * np.pi * hour / 24), np.cos(2 * np.pi * hour / 24)]
        columns += [(date - year_start).astype(np.int64) + 1.0, (s - self.t0_[j]) / _DAY]
        F = np.column_stack(columns).astype(np.float64)
        F[~present] = np.nan
        return F
