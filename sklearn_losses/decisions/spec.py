"""Decision tools named by a short spec, with the metric each one constrains.

``sklearn-losses compare --decision SPEC`` applies a tool inside each fold:

- ``"offsets"``: :class:`TunedOffsetsClassifierCV` (macro-F1), reported with
  ``f1_macro``;
- ``"np:ALPHA"``: :class:`NeymanPearsonClassifier` with ``alpha=ALPHA``
  (``delta=0.05``), reported with the test fold's ``type_i_error`` (the
  share of negative rows predicted positive);
- ``"recall:ALPHA"``: :class:`RecallControlClassifier` with ``alpha=ALPHA``,
  reported with the test fold's ``fnr`` (the share of positive rows
  predicted negative).

The rates are reported as they are (lower is better), not negated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import get_scorer, make_scorer

from .neyman_pearson import NeymanPearsonClassifier
from .offsets import TunedOffsetsClassifierCV
from .recall_control import RecallControlClassifier

__all__ = ["DecisionSpec", "parse_decision"]


#: The decision tools' rates, reported as they are: lower is better.
RATE_METRICS = ("type_i_error", "fnr")


def type_i_error(y_true, y_pred, *, pos_label=1):
    """Share of the rows of the other class predicted ``pos_label`` (NaN without such rows)."""
    negative = np.asarray(y_true) != pos_label
    return float(np.mean(np.asarray(y_pred)[negative] == pos_label)) if negative.any() \
        else float("nan")


def false_negative_rate(y_true, y_pred, *, pos_label=1):
    """Share of the ``pos_label`` rows predicted otherwise (NaN without such rows)."""
    positive = np.asarray(y_true) == pos_label
    return float(np.mean(np.asarray(y_pred)[positive] != pos_label)) if positive.any() \
        else float("nan")


@dataclass(frozen=True)
class DecisionSpec:
    """A parsed ``--decision`` value.

    Attributes
    ----------
    kind : {"offsets", "np", "recall"}
    alpha : float or None
        The level of ``np`` and ``recall``.
    metric : str
        The name the constrained metric is reported under.
    """

    kind: str
    alpha: float | None
    metric: str

    def wrap(self, estimator, *, pos_label=1, random_state=0):
        """The decision tool around ``estimator`` (unfitted, cloned by the tool)."""
        if self.kind == "offsets":
            return TunedOffsetsClassifierCV(estimator, scoring="f1_macro",
                                            random_state=random_state)
        if self.kind == "np":
            return NeymanPearsonClassifier(estimator, alpha=self.alpha, pos_label=pos_label,
                                           random_state=random_state)
        return RecallControlClassifier(estimator, alpha=self.alpha, pos_label=pos_label,
                                       random_state=random_state)

    def scorer(self, *, pos_label=1):
        """The scorer of :attr:`metric` (rates as they are: lower is better)."""
        if self.kind == "offsets":
            return get_scorer("f1_macro")
        func = type_i_error if self.kind == "np" else false_negative_rate
        return make_scorer(func, pos_label=pos_label)


def parse_decision(spec) -> DecisionSpec:
    """``"offsets"``, ``"np:ALPHA"`` or ``"recall:ALPHA"`` (``0 < ALPHA < 1``) as a :class:`DecisionSpec`.

    Raises
    ------
    ValueError
        Naming what is accepted.
    """
    text = str(spec).strip().lower()
    if text == "offsets":
        return DecisionSpec("offsets", None, "f1_macro")
    kind, _, level = text.partition(":")
    if kind in ("np", "recall") and level:
        try:
            alpha = float(level)
        except ValueError:
            alpha = None
        if alpha is not None and 0 < alpha < 1:
            return DecisionSpec(kind, alpha, "type_i_error" if kind == "np" else "fnr")
    raise ValueError(
        f"decision {spec!r} is not one of 'offsets', 'np:ALPHA' or 'recall:ALPHA' with "
        "0 < ALPHA < 1 (e.g. np:0.05, recall:0.1).")
