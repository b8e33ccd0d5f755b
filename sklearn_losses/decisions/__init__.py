"""Decisions after training, for any classifier with ``predict_proba``.

The loss shapes the probabilities; on imbalanced data the decision made from
them matters as much. Each tool here wraps a fitted or unfitted classifier
(a ``Pipeline``, :class:`~sklearn.linear_model.LogisticRegression`, a
gradient-boosting model, :class:`~sklearn_losses.WeightedLossClassifier`)
and is a scikit-learn classifier itself:

- :class:`TunedOffsetsClassifierCV`: one additive offset per class on the
  log-probabilities, tuned by cross-validation for macro-F1, balanced
  accuracy, G-mean or any scorer (binary: one threshold);
- :class:`NeymanPearsonClassifier`: the umbrella algorithm, a cap
  ``alpha`` on the false alarms of one class that holds with probability
  ``1 - delta``;
- :class:`RecallControlClassifier`: conformal risk control, expected
  false-negative rate of the minority class at most ``alpha`` (weighted for
  covariate shift; Learn-then-Test through MAPIE with ``delta``);
- :class:`PriorShiftClassifier`: probabilities adjusted to a new class
  prior, given or estimated from unlabelled rows (EM or BBSE).

The functions behind them (:func:`adjust_to_prior`,
:func:`estimate_prior_em`, :func:`estimate_prior_bbse`,
:func:`neyman_pearson_rank`, :func:`neyman_pearson_min_samples`,
:func:`conformal_recall_threshold`) work on arrays of probabilities or
scores. Only ``RecallControlClassifier(delta=...)`` needs an extra package
(MAPIE: ``pip install "sklearn-losses[decisions]"``).
"""

from .neyman_pearson import (
    NeymanPearsonClassifier,
    neyman_pearson_min_samples,
    neyman_pearson_rank,
)
from .offsets import TunedOffsetsClassifierCV
from .prior_shift import (
    PriorShiftClassifier,
    adjust_to_prior,
    estimate_prior_bbse,
    estimate_prior_em,
)
from .recall_control import RecallControlClassifier, conformal_recall_threshold

__all__ = [
    "NeymanPearsonClassifier",
    "PriorShiftClassifier",
    "RecallControlClassifier",
    "TunedOffsetsClassifierCV",
    "adjust_to_prior",
    "conformal_recall_threshold",
    "estimate_prior_bbse",
    "estimate_prior_em",
    "neyman_pearson_min_samples",
    "neyman_pearson_rank",
]
