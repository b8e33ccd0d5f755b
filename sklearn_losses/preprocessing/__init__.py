"""Encoding of raw tables for the networks: :class:`TabularEncoder`,
:class:`RobustSmoothClipScaler` and :class:`DatetimeFeatures`.

:class:`~sklearn_losses.WeightedLossClassifier` fits a :class:`TabularEncoder`
inside ``fit`` (``preprocessing="auto"``), so that it takes what CatBoost and
``HistGradientBoostingClassifier(categorical_features="from_dtype")`` take: a
pandas or polars DataFrame with text, ``category``, bool, date and
NaN-bearing numeric columns, a numeric array, an object array of strings, or
a scipy sparse matrix.

Modules: ``encoder`` (:class:`TabularEncoder`), ``scaling``
(:class:`RobustSmoothClipScaler`), ``dates`` (:class:`DatetimeFeatures`) and
``_table`` (:func:`check_table`).
"""

from ._table import check_table
from .dates import DatetimeFeatures
from .encoder import TabularEncoder
from .scaling import RobustSmoothClipScaler, smooth_clip  # noqa: F401 - public helper

# models pickled when these lived in preprocessing.py find them here
from .encoder import _MaxAbsScaler  # noqa: F401
from .scaling import _PreweightedScaler  # noqa: F401

__all__ = ["DatetimeFeatures", "RobustSmoothClipScaler", "TabularEncoder", "check_table"]
