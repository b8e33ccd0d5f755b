"""sklearn-losses: scikit-learn classifiers trained with the losses research
proposes for imbalanced and noisy tabular data.

>>> from sklearn_losses import WeightedLossClassifier, available_losses

The names below load on first use (PEP 562), so that importing a light
sub-module (``sklearn_losses.cli`` for ``sklearn-losses --help``) does not
import torch and scikit-learn.
"""

import importlib

__version__ = "0.1.0"

__all__ = [
    "CrossFitClassifier",
    "Loss",
    "LossPortfolioClassifier",
    "NeymanPearsonClassifier",
    "PriorShiftClassifier",
    "RecallControlClassifier",
    "TunedOffsetsClassifierCV",
    "WeightedLossClassifier",
    "available_losses",
    "available_metrics",
    "available_reweightings",
    "get_loss",
    "get_metric",
    "get_reweighting",
]

#: Public name -> the sub-module that defines it.
_LAZY = {
    "WeightedLossClassifier": ".classifier",
    "CrossFitClassifier": ".ensemble",
    "LossPortfolioClassifier": ".portfolio",
    "Loss": ".losses",
    "available_losses": ".losses",
    "get_loss": ".losses",
    "available_metrics": ".metrics",
    "get_metric": ".metrics",
    "available_reweightings": ".weighting",
    "get_reweighting": ".weighting",
    **dict.fromkeys(["NeymanPearsonClassifier", "PriorShiftClassifier",
                     "RecallControlClassifier", "TunedOffsetsClassifierCV"], ".decisions"),
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_LAZY})
