"""The loss zoo: torch modules following the loss protocol, grouped by family.

``loss(logits, target, sample_weight=None)`` returns a scalar; see
:mod:`sklearn_losses.losses.base` for the protocol and where a new loss goes.

Families
--------
- :mod:`~sklearn_losses.losses.standard`: cross-entropy, the reference.
- :mod:`~sklearn_losses.losses.imbalance`: losses for class imbalance.
- :mod:`~sklearn_losses.losses.robust`: noise-robust losses.
- :mod:`~sklearn_losses.losses.calibration`: calibration-minded losses.
- :mod:`~sklearn_losses.losses.metric`: batch-level confusion-matrix metrics.
- :mod:`~sklearn_losses.losses.ranking`: batch-level AUC / ranking losses.
- :mod:`~sklearn_losses.losses.wrappers`: wrappers around any loss.
"""

# Importing the family modules registers their losses.
from . import calibration, imbalance, metric, ranking, robust, standard, wrappers  # noqa: F401
from .base import (
    BatchLoss,
    Loss,
    PointwiseLoss,
    available_losses,
    get_loss,
    get_loss_class,
    register_loss,
)
from .imbalance import FocalLoss
from .standard import CrossEntropyLoss

__all__ = [
    "BatchLoss",
    "CrossEntropyLoss",
    "FocalLoss",
    "Loss",
    "PointwiseLoss",
    "available_losses",
    "get_loss",
    "get_loss_class",
    "register_loss",
]
