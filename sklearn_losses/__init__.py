"""sklearn-losses: scikit-learn classifiers trained with the losses research
proposes for imbalanced and noisy tabular data.

>>> from sklearn_losses import WeightedLossClassifier, available_losses
"""

from .classifier import WeightedLossClassifier
from .losses import Loss, available_losses, get_loss
from .metrics import available_metrics, get_metric
from .weighting import available_reweightings, get_reweighting

__version__ = "0.1.0"

__all__ = [
    "Loss",
    "WeightedLossClassifier",
    "available_losses",
    "available_metrics",
    "available_reweightings",
    "get_loss",
    "get_metric",
    "get_reweighting",
]
