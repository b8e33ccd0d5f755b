"""Scaling of numeric columns: :class:`RobustSmoothClipScaler`, RealMLP's robust scaling
and smooth clipping (float64, guarded ranges), and the weighted quantiles it rests on."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .._checks import relative_weights


_TINY = np.finfo(np.float64).tiny  # the smallest normal float64: 1 / _TINY is finite


def smooth_clip(z: np.ndarray) -> np.ndarray:
    """RealMLP's smooth clipping ``z / sqrt(1 + (z / 3)^2)``: identity near 0, bounded by 3.

    Finite for every input but NaN: where ``(z / 3)^2`` overflows (``|z|``
    above about 1e154, ``inf`` included) the equal ``3 sign(z) / sqrt(1 + (3 / z)^2)``
    is used, so the largest values map to 3, not to 0.
    """
    return _smooth_clip_inplace(np.array(z, dtype=np.float64, copy=True))


#: Rows per block of :meth:`RobustSmoothClipScaler.transform` and of the encoder's passes
#: over an all-numeric table.
BLOCK_ROWS = 4096


def _smooth_clip_inplace(Z: np.ndarray) -> np.ndarray:
    """:func:`smooth_clip` computed in place on the float64 array ``Z`` (returned)."""
    t = Z / 3.0
    with np.errstate(over="ignore"):
        np.square(t, out=t)
    big = np.isinf(t)  # |z| beyond ~1e154: the formula would give z / inf = 0
    t += 1.0
    np.sqrt(t, out=t)
    if big.any():
        zb = Z[big]
        with np.errstate(invalid="ignore"):  # inf / inf, replaced below
            Z /= t
        Z[big] = np.copysign(3.0, zb) / np.sqrt(1.0 + (3.0 / zb) ** 2)
    else:
        Z /= t
    return Z


def _exponent_shift(spread, half):
    """Per column ``(k, reduced)``: ``reduced = spread * 2**k``, ``k != 0`` only where
    ``1 / spread`` is not a finite normal number (a denormal spread, or one beyond float64,
    whose ``half`` is finite)."""
    with np.errstate(invalid="ignore"):
        over = np.isinf(spread)
        tiny = (spread > 0) & (spread < _TINY)
    mantissa, exponent = np.frexp(np.where(over, half, spread))  # exact, denormals too
    exponent = np.where(over, exponent + 1, exponent)
    needs = over | tiny
    shift = np.where(needs, -exponent, 0).astype(np.int64)
    return shift, np.where(needs, mantissa, spread)


def _weighted_quantiles(X, weight, quantiles):
    """Per-column inverted-CDF quantiles of ``X`` (NaN and weight-0 rows ignored).

    Returns an array of shape ``(len(quantiles), n_features)``; NaN for a
    column with no usable value. Quantile 0 is the minimum, 1 the maximum:
    the smallest value whose cumulative weight reaches ``q`` times the total.

    Unit weights (no ``sample_weight``) take the order statistics
    ``ceil(q m) - 1`` of the ``m`` present values of a column by
    ``np.partition`` (linear time, all columns without NaN at once); other
    weights sort the whole table once (``argsort`` along the rows) and read
    every quantile of every column from one cumulative sum.
    """
    quantiles = np.asarray(quantiles, dtype=np.float64)
    weight = relative_weights(weight)  # weights of 1e38 pick the rows that weights of 1 pick
    if np.all(weight == 1.0):
        return _unit_weight_quantiles(X, quantiles)
    out = np.full((quantiles.shape[0], X.shape[1]), np.nan)
    order = np.argsort(X, axis=0, kind="stable")  # NaN last
    values = np.take_along_axis(X, order, axis=0)
    w = weight[order]
    keep = ~np.isnan(values) & (w > 0)
    cum = np.cumsum(np.where(keep, w, 0.0), axis=0)  # adding 0.0 leaves the sums exact
    present = keep.any(axis=0)
    for i, q in enumerate(quantiles):
        reached = keep & (cum >= q * cum[-1])
        idx = reached.argmax(axis=0)
        out[i] = np.where(present, values[idx, np.arange(X.shape[1])], np.nan)
    return out


def _unit_weight_quantiles(X, quantiles):
    """:func:`_weighted_quantiles` with every weight 1, by order statistics."""
    out = np.full((quantiles.shape[0], X.shape[1]), np.nan)
    missing = np.isnan(X)
    has_nan = missing.any(axis=0)

    def ranks(m):
        return np.maximum(np.ceil(quantiles * m).astype(np.int64) - 1, 0)

    full = np.flatnonzero(~has_nan)
    if full.size and X.shape[0]:
        k = ranks(X.shape[0])
        part = np.partition(X[:, full], np.unique(k), axis=0)
        out[:, full] = part[k]
    for j in np.flatnonzero(has_nan):
        col = X[~missing[:, j], j]
        if col.size:
            k = ranks(col.shape[0])
            out[:, j] = np.partition(col, np.unique(k))[k]
    return out


class RobustSmoothClipScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Median centering, robust scaling and smooth clipping of numeric columns.

    The numeric preprocessing of RealMLP-TD (Holzmüller, Grinsztajn and
    Steinwart, *Better by Default: Strong Pre-Tuned MLPs and Boosted Trees on
    Tabular Data*, NeurIPS 2024), as pytabkit implements it
    (``tfms=['median_center', 'robust_scale', 'smooth_clip']`` of
    ``pytabkit.models.nn_models``: ``MedianCenterFactory``,
    ``RobustScaleFactory`` and ``smooth_clip_func``)::

        z = (x - median) / s,   s = q75 - q25,
                                or (max - min) / 2 where the quartiles coincide,
                                z = 0 where max == min (a constant column);
        out = z / sqrt(1 + (z / 3)^2).

    Heavy tails and outliers are squeezed smoothly into ``(-3, 3)`` while
    the bulk of a column is left almost linear. The statistics ignore NaN,
    which stays NaN (impute afterwards). On standardized input the map is
    nearly the identity in the bulk, so scaling data twice is harmless.

    Everything is computed in float64 with guarded ranges, so that any
    finite input gives a finite output and the order of a column's values is
    kept: a column whose spread ``s`` is a denormal number (values such as
    1e-320) or beyond float64 (quartiles at -1e308 and 1e308) is first
    multiplied by the power of two ``2**shift_`` that brings ``s`` to
    ``[0.5, 1)`` (exact), and values so far from the median that ``z``
    overflows map to ±3.
    Quantiles are those of the inverted empirical CDF (pytabkit interpolates
    linearly: the same up to a step of the data), so that with
    ``sample_weight`` a weight ``k`` gives exactly the statistics of ``k``
    repeated rows.

    Parameters
    ----------
    subsample : int or None, default=10_000
        The statistics are computed on at most this many rows, drawn
        without replacement (with their weights), as
        :class:`~sklearn.preprocessing.QuantileTransformer` does: the
        quartiles of 10,000 rows are within about one percent of those of
        the whole column (they set a scale, not a result), and larger tables
        then cost a constant time. Up to ``subsample`` rows the statistics
        are exact (a weight ``k`` gives those of ``k`` repeated rows). None
        uses every row.
    random_state : int, RandomState or None, default=None
        The subsample's draw (only used with more than ``subsample`` rows).

    Attributes
    ----------
    center_ : ndarray of shape (n_features,)
        Training median of each column (0 for an all-NaN column).
    scale_ : ndarray of shape (n_features,)
        Multiplier applied after centering (``1 / (s 2**shift_)``; 0 for a
        constant column).
    shift_ : ndarray of int of shape (n_features,)
        The power of two applied to a column and its median before
        centering, ``z = (x 2**shift_ - center_ 2**shift_) scale_``: 0 but
        for a column whose spread ``s`` is a denormal number or beyond the
        float64 range.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names.
    """

    _parameter_constraints = {
        "subsample": [None, Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, subsample=10_000, random_state=None):
        self.subsample = subsample
        self.random_state = random_state

    def fit(self, X, y=None, sample_weight=None):
        """Learn the medians and robust ranges of the columns of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN is ignored.
        y : ignored
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights of the quantiles (rows of weight 0 are
            ignored).
        """
        self._validate_params()
        with np.errstate(over="ignore", invalid="ignore"):  # scikit-learn's finiteness sum
            X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                             ensure_non_negative=True)
        if self.subsample is not None and X.shape[0] > self.subsample:
            rows = check_random_state(self.random_state).choice(
                X.shape[0], self.subsample, replace=False)
            rows.sort()
            X, sample_weight = X[rows], sample_weight[rows]
        q25, center, q75, lo, hi = _weighted_quantiles(X, sample_weight,
                                                       [0.25, 0.5, 0.75, 0.0, 1.0])
        with np.errstate(over="ignore", invalid="ignore"):
            spread = q75 - q25  # inf for quartiles at -1e308 and 1e308
            flat = ~(spread > 0)
            spread[flat] = 0.5 * (hi - lo)[flat]
            # half the spread never overflows: the scale of a spread beyond float64
            half = np.where(flat, 0.5 * hi - 0.5 * lo, 0.5 * q75 - 0.5 * q25)
            usable = spread > 0
        shift, reduced = _exponent_shift(np.where(usable, spread, 1.0), half)
        self.center_ = np.where(np.isnan(center), 0.0, center)
        self.scale_ = np.where(usable, 1.0 / np.where(usable, reduced, 1.0), 0.0)
        self.shift_ = np.where(usable, shift, 0)
        return self

    def transform(self, X):
        """Centre, scale and smooth-clip ``X`` (NaN stays NaN)."""
        check_is_fitted(self)
        with np.errstate(over="ignore", invalid="ignore"):  # scikit-learn's finiteness sum
            X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan",
                              reset=False)
        return self._transform_into(X, np.empty(X.shape, dtype=np.float64))

    def _transform_into(self, X, out, missing=None):
        """:meth:`transform` of the validated array ``X`` written into ``out`` (returned, of
        any float dtype), ``missing`` in place of NaN when given. Computed in float64 on
        blocks of :data:`BLOCK_ROWS` rows that stay in cache, not on whole-table temporaries
        (the same values: every step is elementwise); never modifies ``X``."""
        for start in range(0, X.shape[0], BLOCK_ROWS):
            block = slice(start, start + BLOCK_ROWS)
            Z = np.array(X[block], dtype=np.float64, copy=True)
            _smooth_clip_inplace(self._standardize_inplace(Z))
            if missing is not None:
                Z[np.isnan(Z)] = missing
            out[block] = Z
        return out

    def _standardize_inplace(self, Z):
        """``z = (x - center_) * scale_`` in place on the float64 array ``Z`` (returned), with
        the columns of ``shift_`` multiplied by their power of two first (exact); ``±inf``
        where ``z`` overflows, never NaN for a present value."""
        shift = getattr(self, "shift_", None)
        center = self.center_
        const = np.flatnonzero(self.scale_ == 0)
        missing = np.isnan(Z[:, const]) if const.size else None
        with np.errstate(over="ignore", invalid="ignore"):
            if shift is not None and shift.any():
                cols = np.flatnonzero(shift)
                Z[:, cols] = np.ldexp(Z[:, cols], shift[cols])
                center = center.copy()
                center[cols] = np.ldexp(center[cols], shift[cols])
            Z -= center  # overflows to ±inf only for values ~1e308 apart
            Z *= self.scale_
        if const.size:  # a constant column: 0 (inf * 0 would be NaN)
            sub = Z[:, const]
            wrong = np.isnan(sub) & ~missing
            if wrong.any():
                sub[wrong] = 0.0
                Z[:, const] = sub
        return Z

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class _PreweightedScaler(RobustSmoothClipScaler):
    """:class:`RobustSmoothClipScaler` fitted with row weights given at construction.

    The encoder's column transformer passes no metadata to its steps; the
    weights of the rows it fits on reach the scalers this way.
    """

    def __init__(self, *, fit_weight=None, subsample=10_000, random_state=None):
        super().__init__(subsample=subsample, random_state=random_state)
        self.fit_weight = fit_weight

    _parameter_constraints = {**RobustSmoothClipScaler._parameter_constraints,
                              "fit_weight": [None, "array-like"]}

    def fit(self, X, y=None, sample_weight=None):
        """Fit with ``sample_weight``, or with ``fit_weight`` when it is None."""
        return super().fit(X, y, self.fit_weight if sample_weight is None else sample_weight)
