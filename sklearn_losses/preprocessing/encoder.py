"""The encoder of raw tables: :class:`TabularEncoder` (one-hot / target encoding of
text and category columns, scaling of numeric ones, calendar features of dates,
missing indicators), and how it matches categories."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn import config_context
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler, OneHotEncoder, TargetEncoder
from sklearn.utils._param_validation import Interval
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    validate_data,
)

from .._warnings import warn_user
from ..columns import (
    _DATES,
    _LENIENT_NUMBER,
    DATETIME,
    IDENTIFIER_ROWS,
    NUMERIC,
    DateFormatWarning,
    IdentifierWarning,
    NumberFormatWarning,
    _describe,
    _is_number,
    _number_format,
    category_strings,
    column_kind,
    date_like_example,
    to_numeric,
)
from ._table import _numeric_array, check_table
from .dates import DatetimeFeatures, _date_seconds
from .scaling import BLOCK_ROWS, RobustSmoothClipScaler, _PreweightedScaler

#: scikit-learn 1.9 let TargetEncoder take a splitter as ``cv``; before, a number of folds.
_TARGET_ENCODER_TAKES_SPLITTERS = "cv_object" in str(
    TargetEncoder._parameter_constraints.get("cv", ""))


def _unique_names(names) -> np.ndarray:
    """``names`` with a repeat renamed ``<name>_2``, ``<name>_3``, ...: the one-hot column of
    a text level ``"nan"`` and that of missing values are both ``<column>_nan``."""
    seen, out = {}, []
    taken = set(names)
    for name in names:
        if name in seen:
            k = seen[name] + 1
            while f"{name}_{k}" in taken:
                k += 1
            seen[name] = k
            name = f"{name}_{k}"
            taken.add(name)
        else:
            seen[name] = 1
        out.append(name)
    return np.asarray(out, dtype=object)


# ------------------------------------------------------------------ categories
def _number_key(v):
    """The number a categorical value stands for, to match ``"1"``, ``1.0`` and ``True``
    across types; None for a value that stands for no number."""
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if _is_number(v):
        try:
            f = float(v)
        except OverflowError:
            return None
        return f if np.isfinite(f) else None
    if isinstance(v, str):
        t = v.strip()
        if t.lower() in ("true", "false"):
            return float(t.lower() == "true")
        if _LENIENT_NUMBER.fullmatch(t):
            f = float(t)
            return f if np.isfinite(f) else None
    return None


def _family(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if _is_number(v):
        return "number"
    if isinstance(v, str):
        return "str"
    if isinstance(v, _DATES):
        return "date"
    return type(v).__name__


def _families(s: pd.Series) -> frozenset:
    """The kinds of value (bool, number, str, date, ...) a column holds."""
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return frozenset(_family(v) for v in dtype.categories)
    if pd.api.types.is_bool_dtype(dtype):
        return frozenset({"bool"})
    if pd.api.types.is_numeric_dtype(dtype):
        return frozenset({"number"})
    present = s[~s.isna()]
    if len(present) and pd.api.types.infer_dtype(present, skipna=True) == "string":
        return frozenset({"str"})
    return frozenset(_family(v) for v in pd.unique(present.to_numpy(dtype=object)))


def _type_name(v) -> str:
    return {"str_": "str", "bool_": "bool"}.get(type(v).__name__, type(v).__name__)


class _MaxAbsScaler(MaxAbsScaler):
    """:class:`~sklearn.preprocessing.MaxAbsScaler` for every column of non-zero maximum.

    scikit-learn leaves a column whose largest absolute value is below ten
    machine epsilons unscaled (a column of values near 1e-310 would stay near
    0) and divides by ``1 / max``, infinite for a denormal maximum. Here every
    column of non-zero maximum is scaled to ``[-1, 1]``; a denormal maximum
    is brought to ``[0.5, 1)`` by an exact power of two first. Columns of
    normal maxima get exactly MaxAbsScaler's numbers.
    """

    def partial_fit(self, X, y=None):
        super().partial_fit(X, y)
        self.scale_ = np.where(self.max_abs_ > 0, self.max_abs_, 1.0).astype(self.max_abs_.dtype)
        return self

    def transform(self, X):
        check_is_fitted(self)
        tiny = (self.scale_ > 0) & (self.scale_ < np.finfo(self.scale_.dtype).tiny)
        if not tiny.any():
            return super().transform(X)
        X = validate_data(self, X, accept_sparse=("csr", "csc"), copy=True, reset=False,
                          dtype=(np.float64, np.float32), ensure_all_finite="allow-nan")
        shift = np.where(tiny, -np.frexp(self.scale_)[1], 0)
        reduced = np.ldexp(self.scale_, shift)
        with np.errstate(over="ignore"):
            if sp.issparse(X):
                X = X.tocsr()
                cols = X.indices
                X.data = np.ldexp(X.data, shift[cols]) * (1.0 / reduced)[cols]
                return X
            return np.ldexp(X, shift) / reduced


# ------------------------------------------------------------------ the encoder
class TabularEncoder(TransformerMixin, BaseEstimator):
    """Encode a raw table (text, category, bool, dates, missing values) into numbers for a network.

    Column rules, decided on the training table by the package's one
    column-type rule (:mod:`sklearn_losses.columns`, which also says how
    values are read):

    - **categorical** and **text** columns: pandas ``category`` (whatever its
      categories), bool, ``object`` and ``string`` dtypes, and the columns of
      an object array holding anything but numbers (strings). Values are
      compared as strings (:func:`~sklearn_losses.columns.category_strings`:
      stripped of surrounding spaces, so ``"a"`` and ``" a "`` are one
      level; ``1`` and ``1.0`` are ``"1"``; bools ``"True"`` / ``"False"``);
      a missing value is a level of its own.

      - at most ``max_onehot_levels`` levels (missing counted): one-hot
        (``OneHotEncoder(handle_unknown="ignore")``); a level unseen in
        training, or a missing value where training had none, encodes as all
        zeros;
      - more levels: ``TargetEncoder`` (cross-fitted in ``fit_transform``, so
        the training rows are encoded by models that did not see them; one
        column per class for multiclass targets, one for binary), then
        scaled as numeric columns. Unseen levels get the target mean. This
        keeps the width at one (or ``n_classes``) column however many levels
        there are, where one-hot would blow the first layer up and an
        ordinal code would impose an order that means nothing.

      A value whose type changed since fit is matched to the level of the
      same number when there is exactly one (``1.0`` or ``True`` at predict
      for ``"1"`` in fit; ``1``, ``"1"`` or ``"true"`` for ``True``; ``"2.0"``
      for ``2``). Values of another type than in fit that match no level
      are encoded as unseen, with a warning naming the column.
    - **numeric** columns (numeric dtypes, nullable integer and float
      dtypes included, and object or string columns of numbers, decimals,
      fractions or numbers written as text, with missing-value markers such
      as ``"?"``, and a few words such as ``"unknown"``, read as missing with
      a warning): :class:`RobustSmoothClipScaler` (median centering, robust
      scaling, smooth clipping: RealMLP-TD's preprocessing, computed in
      float64 with guarded ranges), then missing values (and markers)
      imputed by the training median (0 after centering), plus a 0/1
      missing-indicator column for each column that had missing values in
      training. ``inf`` is an error naming the columns.
    - **datetime** columns (datetime64, timezone-aware or not, periods, date
      objects, ISO 8601 strings): the calendar features of
      :class:`DatetimeFeatures` (year; month, weekday and hour as sin/cos
      pairs; day of year; days elapsed since the earliest training date),
      read in the wall-clock time of the column's training time zone (UTC
      when training mixed zones; each value on its own, so a row reads the
      same alone as in any batch, a naive value as a wall clock), then
      scaled as numeric columns; a missing date imputed, with a
      missing-indicator column as for numbers.
    - a **scipy sparse** matrix (numeric): kept sparse (CSR), scaled by its
      largest absolute value per column (``MaxAbsScaler``; no centering, so
      zeros stay zeros; a column of tiny or denormal values is scaled too);
      NaN and ``inf`` are errors.

    A polars DataFrame is read as the pandas DataFrame of the same columns
    (names included). The transformation is deterministic given
    ``random_state`` (the cross-fitting folds of the target encoder) and
    row-wise at transform. Its output follows scikit-learn's ``set_output``:
    a numpy array (or CSR matrix) by default, a DataFrame under
    ``sklearn.set_config(transform_output="pandas")`` or
    ``set_output(transform="pandas")`` (a dense output only).
    :class:`~sklearn_losses.WeightedLossClassifier` takes numpy from it
    whatever the configuration.

    Parameters
    ----------
    max_onehot_levels : int, default=16
        Categorical columns with at most this many levels (missing counted)
        are one-hot encoded; columns with more are target encoded (which
        needs ``y``).
    random_state : int, RandomState or None, default=None
        Shuffling of the target encoder's cross-fitting folds.

    Attributes
    ----------
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names.
    numeric_features_, datetime_features_, onehot_features_, target_features_ : list of int
        Positions of the columns each rule applies to.
    transformer_ : ColumnTransformer, RobustSmoothClipScaler or MaxAbsScaler
        The fitted transformation: ``MaxAbsScaler`` for sparse input, the
        scaler alone for a table of numeric columns with no missing value
        (the same numbers as the column transformer, computed in place on one
        array), the column transformer otherwise.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn_losses.preprocessing import TabularEncoder
    >>> X = pd.DataFrame({"colour": ["red", "blue", None, "red"],
    ...                   "size": [1.0, np.nan, 3.0, 10.0]})
    >>> enc = TabularEncoder().fit(X)
    >>> list(enc.get_feature_names_out())  # doctest: +NORMALIZE_WHITESPACE
    ['num__size', 'missing__missingindicator_size', 'onehot__colour_blue',
     'onehot__colour_red', 'onehot__colour_nan']
    >>> enc.transform(pd.DataFrame({"colour": ["green"], "size": [np.nan]}))
    array([[0., 1., 0., 0., 0.]])
    """

    _parameter_constraints = {
        "max_onehot_levels": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, max_onehot_levels=16, random_state=None):
        self.max_onehot_levels = max_onehot_levels
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None, sample_weight=None):
        """Fit the encoder on the table ``X`` (``y`` is needed for target-encoded columns).

        Parameters
        ----------
        X : DataFrame, array-like or sparse matrix of shape (n_samples, n_features)
            A pandas or polars DataFrame, a numeric or object array, or a scipy
            sparse matrix.
        y : array-like of shape (n_samples,), default=None
            Target, for the target encoding of high-cardinality columns.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights of the numeric scaling statistics (a weight ``k``
            counts as ``k`` repeated rows; for sparse input rows of weight 0
            are left out of the maxima; the target encodings are unweighted).
        """
        # not through fit_transform: set_output wraps that one, and would turn the throw-away
        # encoding into a DataFrame (a sparse one into an error)
        self._fit(X, y, sample_weight)
        return self

    def fit_transform(self, X, y=None, sample_weight=None):
        """Fit and encode ``X``; high-cardinality columns of the result are cross-fitted.

        Parameters are those of :meth:`fit`.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out), or CSR matrix for sparse ``X``
        """
        return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        self._validate_params()
        X = check_table(X, estimator=self)
        validate_data(self, X, reset=True, skip_check_array=True)
        return self._fit_encode(X, y, sample_weight)

    def _fit_transform_as(self, X, y, sample_weight, dtype):
        """:meth:`fit_transform`, with an all-numeric table's encoding written as ``dtype``
        directly (the estimator trains on float32; the values are those of the float64
        encoding, cast)."""
        self._out_dtype = dtype
        try:
            return self.fit_transform(X, y, sample_weight=sample_weight)
        finally:
            del self._out_dtype

    def _fit_encode(self, X, y, sample_weight):
        """Fit on ``X`` already checked by :func:`check_table` (names recorded by the caller)."""
        for attr in ("_kinds_", "_category_info_", "_tz_"):
            self.__dict__.pop(attr, None)
        # the column labels messages name: feature_names_in_ holds string labels only, and
        # pd.read_csv(header=None) gives integers (a message saying x6 for the column 7)
        self._labels = ([str(c) for c in X.columns] if isinstance(X, pd.DataFrame)
                        else None)
        if sample_weight is not None:  # a scalar for every row too, as scikit-learn takes it
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                                 ensure_non_negative=True)
        if sp.issparse(X):
            self.numeric_features_ = list(range(X.shape[1]))
            self.datetime_features_, self.onehot_features_, self.target_features_ = [], [], []
            X = self._check_sparse(X)
            self.transformer_ = _MaxAbsScaler().set_output(transform="default")
            if sample_weight is None:
                return self.transformer_.fit_transform(X)
            # the largest |x| of the rows present: a weight only decides presence
            present = sample_weight > 0
            return self.transformer_.fit(X[present]).transform(X)
        self._category_info_, self._tz_ = {}, {}
        if _numeric_array(X):
            out = self._fit_numeric_array(X, sample_weight)
            if out is not None:
                return out
        frame, kinds = self._frame(X, kinds=None)
        self._kinds_ = kinds
        self.numeric_features_ = [j for j, k in enumerate(kinds) if k == "num"]
        self.datetime_features_ = [j for j, k in enumerate(kinds) if k == "date"]
        categorical = [j for j, k in enumerate(kinds) if k == "cat"]
        declared = [j for j in categorical if isinstance(X, pd.DataFrame)
                    and isinstance(X.dtypes.iloc[j], pd.CategoricalDtype)]
        self._warn_unread_formats(frame, categorical, declared)
        levels = {j: frame.iloc[:, j].nunique(dropna=False) for j in categorical}
        self.onehot_features_ = [j for j in categorical if levels[j] <= self.max_onehot_levels]
        self.target_features_ = [j for j in categorical if levels[j] > self.max_onehot_levels]
        with_nan = [j for j, k in enumerate(kinds)
                    if k in ("num", "date") and frame.iloc[:, j].isna().any()]
        if len(self.numeric_features_) == len(kinds) and not with_nan:
            # numeric columns only, none missing: the scaler alone, on one float64 array
            return self._fit_scaler_only(frame.to_numpy(dtype=np.float64), sample_weight)
        # numeric columns, date features, target codes; the weights are given to the scalers
        # directly: routing sample_weight through the column transformer breaks TargetEncoder
        # (scikit-learn 1.9 reads a "groups" entry no caller passes: KeyError)
        scalers = [_PreweightedScaler(fit_weight=sample_weight, random_state=self.random_state)
                   for _ in range(3)]

        def impute():
            return SimpleImputer(strategy="constant", fill_value=0.0, keep_empty_features=True)

        parts = [("num", Pipeline([("scale", scalers[0]), ("impute", impute())]),
                  self.numeric_features_)]
        if self.datetime_features_:
            parts.append(("datetime", Pipeline([("features", DatetimeFeatures()),
                                                ("scale", scalers[2]), ("impute", impute())]),
                          self.datetime_features_))
        parts += [
            ("missing", MissingIndicator(features="all"), with_nan),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
             self.onehot_features_),
        ]
        if self.target_features_:
            parts.append(("target", Pipeline([("encode", self._target_encoder(y, X.shape[0])),
                                              ("scale", scalers[1])]),
                          self.target_features_))
        # numpy out, whatever sklearn.set_config(transform_output=...) says
        self.transformer_ = ColumnTransformer(parts, sparse_threshold=0.0)
        self.transformer_.set_output(transform="default")
        # the encoder routes no metadata to its steps: with routing on (the caller's
        # config), TargetEncoder.fit_transform reads a "groups" entry no one passes;
        # np.errstate: scikit-learn's finiteness checks sum the columns (1e308 overflows)
        with warnings.catch_warnings(), config_context(enable_metadata_routing=False), \
                np.errstate(over="ignore", invalid="ignore"):
            # TargetEncoder's folds with a class rarer than the folds
            warnings.filterwarnings("ignore", message="The least populated class")
            out = self.transformer_.fit_transform(frame, y)
        for name, part, _ in self.transformer_.transformers_:
            if hasattr(part, "steps"):
                for _, step in part.steps:
                    if isinstance(step, _PreweightedScaler):
                        step.fit_weight = None  # used; the fitted encoder does not keep it
        return out

    def _target_encoder(self, y, n_samples):
        if y is None:
            raise ValueError(
                f"TabularEncoder needs y to target-encode the categorical column(s) "
                f"{self._names(self.target_features_)} with more than "
                f"max_onehot_levels={self.max_onehot_levels} levels; pass y or raise "
                "max_onehot_levels.")
        y = np.asarray(y)
        n_splits = min(5, n_samples)
        if type_of_target(y) in ("binary", "multiclass"):
            # stratified folds: no more folds than rows of the rarest class (at least 2)
            n_splits = max(2, min(n_splits, int(np.unique(y, return_counts=True)[1].min())))
            cv = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
        else:
            cv = KFold(n_splits, shuffle=True, random_state=self.random_state)
        if not _TARGET_ENCODER_TAKES_SPLITTERS:
            # before scikit-learn 1.9, cv is a number of folds: the encoder builds the same
            # StratifiedKFold (classes) or KFold itself from shuffle and random_state
            return TargetEncoder(cv=n_splits, shuffle=True, random_state=self.random_state)
        return TargetEncoder(cv=cv)

    # ------------------------------------------------------------ transform
    def transform(self, X):
        """Encode ``X`` with the rules learned in ``fit``.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out), or CSR matrix for sparse ``X``
        """
        check_is_fitted(self, "transformer_")
        X = check_table(X, estimator=self)
        validate_data(self, X, reset=False, skip_check_array=True)
        return self._encode(X)

    def _encode(self, X, dtype=np.float64):
        """Transform ``X`` already checked by :func:`check_table` and :func:`validate_data`.

        ``dtype``: of the result, for the all-numeric path (which then writes it directly);
        other paths return float64."""
        if not hasattr(self, "_kinds_"):  # fitted on sparse input: scaled, kept as given
            X = self._check_sparse(X) if sp.issparse(X) else check_array(X, dtype=np.float64)
            return self.transformer_.transform(X)
        if sp.issparse(X):  # a dense model: the user had such rows dense at fit
            X = X.toarray()
        if isinstance(self.transformer_, RobustSmoothClipScaler) and _numeric_array(X):
            self._check_finite_array(X)
            return self._scale_numeric(X, dtype)
        frame, _ = self._frame(X, kinds=self._kinds_)
        if isinstance(self.transformer_, RobustSmoothClipScaler):
            return self._scale_numeric(frame.to_numpy(dtype=np.float64), dtype)
        with np.errstate(over="ignore", invalid="ignore"):  # finiteness sums of 1e308
            return self.transformer_.transform(frame)

    def _scale_numeric(self, A, dtype=np.float64):
        """The all-numeric encoding of ``A``: what the column transformer's numeric pipeline
        computes (scale, smooth clip, a missing value imputed by 0), element by element in
        float64, a block of rows at a time, written as ``dtype``. Never modifies ``A``."""
        return self.transformer_._transform_into(A, np.empty(A.shape, dtype=dtype), missing=0.0)

    def _column_flags(self, A, test):
        """Per column, whether ``test`` (elementwise) holds for some row of ``A``, by blocks."""
        flags = np.zeros(A.shape[1], dtype=bool)
        for start in range(0, A.shape[0], BLOCK_ROWS):
            flags |= test(A[start:start + BLOCK_ROWS]).any(axis=0)
        return flags

    def _check_finite_array(self, A):
        if A.dtype.kind == "f":
            bad = np.flatnonzero(self._column_flags(A, np.isinf))
            if bad.size:
                raise ValueError(f"Column(s) {self._names(bad)} contain infinite values; "
                                 "replace them (e.g. by NaN, which is imputed) before fitting "
                                 "or predicting.")

    def _fit_numeric_array(self, A, sample_weight):
        """Fit on a numeric array with no missing value (the scaler alone) and encode it;
        None when a column has NaN (the general path then handles it). No whole-table float64
        copy: the scaler is fitted on its subsample, the encoding written by blocks."""
        self._check_finite_array(A)
        if A.dtype.kind == "f" and self._column_flags(A, np.isnan).any():
            return None
        n_features = A.shape[1]
        self._kinds_ = ["num"] * n_features
        self.numeric_features_ = list(range(n_features))
        self.datetime_features_, self.onehot_features_, self.target_features_ = [], [], []
        return self._fit_scaler_only(A, sample_weight)

    def _fit_scaler_only(self, A, sample_weight):
        """Fit the scaler alone on the numeric table ``A`` (no missing value) and encode it,
        as ``_out_dtype`` when set. The scaler's subsample is drawn here, so that only those
        rows are copied to float64 (the rows the scaler would draw itself)."""
        scaler = RobustSmoothClipScaler(random_state=self.random_state)
        weight = _check_sample_weight(sample_weight, A, dtype=np.float64,
                                      ensure_non_negative=True)
        rows = slice(None)
        if scaler.subsample is not None and A.shape[0] > scaler.subsample:
            # the rows the scaler would draw itself, drawn here so that only they are copied
            rows = check_random_state(self.random_state).choice(
                A.shape[0], scaler.subsample, replace=False)
            rows.sort()
        scaler.fit(np.asarray(A[rows], dtype=np.float64), sample_weight=weight[rows])
        self.transformer_ = scaler.set_output(transform="default")
        return self._scale_numeric(A, getattr(self, "_out_dtype", np.float64))

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns (``num__``, ``datetime__``, ``missing__``, ``onehot__``,
        ``target__`` prefixes), each once: a name that would repeat gets a suffix ``_2``
        (the one-hot column of missing values, ``onehot__<column>_nan``, beside that of a
        text level ``"nan"``, is ``onehot__<column>_nan_2``).

        ``input_features`` is checked as scikit-learn's transformers check it
        (``feature_names_in_`` when fitted on a DataFrame, else its length);
        on the all-numeric paths (dense or sparse) its names are used, on the
        others the names seen in :meth:`fit` (``x0``, ``x1``, ... for an
        array).
        """
        from sklearn.utils.validation import _check_feature_names_in

        check_is_fitted(self, "transformer_")
        names = _check_feature_names_in(self, input_features)
        if isinstance(self.transformer_, (MaxAbsScaler, RobustSmoothClipScaler)):
            return np.asarray([f"num__{n}" for n in names], dtype=object)
        return _unique_names(self.transformer_.get_feature_names_out())

    # -------------------------------------------------------------- helpers
    def _names(self, positions):
        """The labels of the columns at ``positions`` (those of the fitted table: string
        names or not), for messages; ``x<j>`` for an array."""
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            names = getattr(self, "_labels", None)  # None in encoders pickled before it
        return [str(names[j]) if names is not None else f"x{j}" for j in positions]

    def _check_sparse(self, X):
        X = X.tocsr()
        if X.dtype.kind not in "biuf":
            raise ValueError(f"Sparse input must be numeric; got dtype {X.dtype}.")
        bad = ~np.isfinite(X.data)
        if bad.any():
            cols = np.unique(X.indices[bad])
            raise ValueError(
                f"Sparse input has NaN or infinite values in column(s) {self._names(cols)}; "
                "a sparse matrix is scaled, not imputed: replace them first.")
        return X

    def _frame(self, X, kinds):
        """``X`` as a new DataFrame of float64 (numeric; seconds for dates) and str/NaN object
        (categorical) columns.

        ``kinds`` (a list of ``"num"``/``"date"``/``"cat"``) is decided from the data when
        None (fit: the levels of categorical columns and the time zones of dates are then
        recorded). Never modifies ``X``.
        """
        fitting = kinds is None
        names = getattr(self, "feature_names_in_", None)
        columns = list(names) if names is not None else list(range(X.shape[1]))
        if isinstance(X, pd.DataFrame):
            series = [X.iloc[:, j] for j in range(X.shape[1])]
        elif X.dtype.kind in "iuf" and (kinds is None or all(k == "num" for k in kinds)):
            frame = pd.DataFrame(X.astype(np.float64, copy=False), columns=columns)
            kinds = kinds or ["num"] * X.shape[1]
            self._check_finite(frame, kinds)
            return frame, kinds
        else:
            series = [pd.Series(X[:, j], dtype=object if X.dtype.kind == "O" else None)
                      for j in range(X.shape[1])]
        if kinds is None:
            kinds = [self._kind(s, j) for j, s in enumerate(series)]
        data = {}
        for j, (s, kind) in enumerate(zip(series, kinds)):
            if kind == "num":
                data[j] = self._numeric(s, j, fitting)
            elif kind == "date":
                data[j] = self._seconds(s, j, fitting)
            else:
                data[j] = self._categories(s, j, fitting)
        frame = pd.DataFrame(data)
        frame.columns = columns
        self._check_finite(frame, kinds)
        return frame, kinds

    def _check_finite(self, frame, kinds):
        bad = [j for j, kind in enumerate(kinds)
               if kind == "num" and np.isinf(frame.iloc[:, j].to_numpy()).any()]
        if bad:
            raise ValueError(f"Column(s) {self._names(bad)} contain infinite values; replace "
                             "them (e.g. by NaN, which is imputed) before fitting or predicting.")

    def _kind(self, s: pd.Series, j) -> str:
        """``"num"``, ``"date"`` or ``"cat"`` by the package's column rule
        (:mod:`sklearn_losses.columns`)."""
        kind = column_kind(s, self._names([j])[0])
        return {NUMERIC: "num", DATETIME: "date"}.get(kind, "cat")

    def _numeric(self, s: pd.Series, j, fitting) -> np.ndarray:
        return to_numeric(s, self._names([j])[0], fitted=not fitting)

    def _seconds(self, s: pd.Series, j, fitting) -> np.ndarray:
        """Wall-clock seconds since 1970 of a datetime column (NaN for missing), read in the
        time zone the column had in fit."""
        return _date_seconds(s, self._names([j])[0], getattr(self, "_tz_", {}), j,
                             fitting)

    def _categories(self, s: pd.Series, j, fitting) -> np.ndarray:
        """The strings a categorical column is compared as; at predict, values of another
        type than in fit matched to the level of the same number (:func:`_number_key`)."""
        strings = category_strings(s)
        if fitting:
            levels = set(strings[~pd.isna(strings)])
            by_number, ambiguous = {}, set()
            for level in levels:
                key = _number_key(level)
                if key is None:
                    continue
                if key in by_number:
                    ambiguous.add(key)
                else:
                    by_number[key] = level
            for key in ambiguous:
                del by_number[key]
            self._category_info_[j] = (frozenset(levels), by_number, _families(s))
            return strings
        info = getattr(self, "_category_info_", {}).get(j)
        if info is None:
            return strings
        levels, by_number, families = info
        unseen = ~pd.isna(strings) & ~pd.Series(strings, dtype=object).isin(levels).to_numpy()
        if not unseen.any():
            return strings
        rows = np.flatnonzero(unseen)
        raw = s.to_numpy(dtype=object)[rows]
        foreign = []
        for row, v in zip(rows, raw):
            key = _number_key(v)
            level = by_number.get(key) if key is not None else None
            if level is not None:
                strings[row] = level
            elif _family(v) not in families:
                foreign.append(v)
        if foreign:
            held = ", ".join(sorted(families)) or "no"
            # no count nor example: a prediction in chunks gives its chunks' warnings once
            warn_user(
                f"Column {self._names([j])[0]!r}: values of type "
                f"{_type_name(foreign[0])} match no level seen in fit, "
                f"where the column held {held} values; they are encoded as unseen levels. "
                "Give the column the type it had in fit.")
        return strings

    def _warn_unread_formats(self, frame, categorical, declared=()):
        """Warn about the category columns that hold dates or numbers the column rule does
        not read (:class:`DateFormatWarning`, :class:`NumberFormatWarning`), or a different
        value in every row (:class:`IdentifierWarning`). The columns ``declared`` of the
        'category' dtype are categories by the user's choice: their levels may look like
        numbers or dates ("1".."5" and "studio") without a format warning."""
        for j in categorical:
            column = frame.iloc[:, j]
            found = None if j in declared else date_like_example(column)
            if found is not None:
                clock = found.startswith("times")
                read, advice, category = (
                    f"categories, each {'value' if clock else 'date'} a level of its own "
                    "(unseen at prediction): text is read as dates only when every value is "
                    "an ISO 8601 date ('2024-05-31') or a missing-value marker",
                    "pd.to_timedelta(column).dt.total_seconds() (for 'hh:mm:ss')" if clock
                    else "pd.to_datetime(column, format='ISO8601', errors='coerce') (with "
                    "utc=True for mixed offsets)"
                    if found.startswith("ISO dates")
                    else "pd.to_datetime(column, format='%d-%m-%Y', errors='coerce')",
                    DateFormatWarning)
            elif j not in declared and (form := _number_format(column)) is not None:
                found, read, advice, category = (
                    _describe(form),
                    "text, each number a category of its own" + (
                        "" if form["kind"] == "words" else ": text is read as numbers only "
                        "when written with a decimal point and no separator, sign or unit"),
                    _conversion(form), NumberFormatWarning)
            else:
                n = int(column.notna().sum())
                if n >= IDENTIFIER_ROWS and column.nunique(dropna=True) == n:
                    warn_user(f"Column {self._names([j])[0]!r} has a different value in each "
                              f"of its {n} rows: an identifier? As categories it carries "
                              "nothing to learn from (each level seen once; it is "
                              "target-encoded); drop it.", IdentifierWarning)
                continue
            warn_user(f"Column {self._names([j])[0]!r} holds {found}, so it is read as {read}. "
                      f"Convert the column, e.g. {advice}, or drop it.", category)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags


def _conversion(found) -> str:
    """The pandas call that turns a column of the numbers :func:`_number_format` found into
    numbers (for the warning); cells it cannot read (markers, words) become NaN."""
    steps = []
    if found["affix"]:
        steps.append(f".str.replace({found['affix']!r}, '', regex=False)")
    if found["kind"] == "thousands":
        steps.append(".str.replace(',', '', regex=False)")
    elif found["kind"] == "thousands_point":
        steps.append(".str.replace('.', '', regex=False)")
    elif found["kind"] == "decimal_comma":
        steps.append(".str.replace('.', '', regex=False).str.replace(',', '.', regex=False)")
    call = f"pd.to_numeric(column{''.join(steps)}, errors='coerce')"
    if found["affix"]:
        return call
    if found["kind"] == "thousands":
        call += ", or read the file with pd.read_csv(..., thousands=',')"
        if found["ambiguous"]:
            call += " (or decimal=',' if its commas are decimal marks)"
    elif found["kind"] == "thousands_point":
        call += ", or read the file with pd.read_csv(..., thousands='.')"
    elif found["kind"] == "decimal_comma":
        call += (", or read the file with pd.read_csv(..., decimal=','"
                 + (", thousands='.')" if found["point_groups"] else ")"))
    return call
