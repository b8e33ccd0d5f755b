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
from .calibration import EncouragingLoss, SphericalZLoss, SquentropyLoss
from .imbalance import (
    BalancedSoftmaxLoss,
    DiceLoss,
    FocalLoss,
    LDAMLoss,
    LogitAdjustedLoss,
    Poly1Loss,
    TverskyLoss,
)
from .metric import (
    AnyLossAccuracy,
    AnyLossBalancedAccuracy,
    AnyLossF1,
    AnyLossFBeta,
    AnyLossGMean,
)
from .ranking import AUCPairwiseLoss, AUCSquareLoss, CESmoothAPLoss, EnsLoss
from .robust import (
    CompSumLoss,
    GCELoss,
    LDRKLLoss,
    MAELoss,
    NCELoss,
    NCERCELoss,
    NFLRCELoss,
    SCELoss,
)
from .standard import CrossEntropyLoss
from .wrappers import LogitClip

__all__ = [
    "AUCPairwiseLoss",
    "AUCSquareLoss",
    "CESmoothAPLoss",
    "AnyLossAccuracy",
    "AnyLossBalancedAccuracy",
    "AnyLossF1",
    "AnyLossFBeta",
    "AnyLossGMean",
    "BalancedSoftmaxLoss",
    "BatchLoss",
    "CompSumLoss",
    "CrossEntropyLoss",
    "DiceLoss",
    "EncouragingLoss",
    "EnsLoss",
    "FocalLoss",
    "GCELoss",
    "LDAMLoss",
    "LDRKLLoss",
    "LogitAdjustedLoss",
    "LogitClip",
    "Loss",
    "MAELoss",
    "NCELoss",
    "NCERCELoss",
    "NFLRCELoss",
    "PointwiseLoss",
    "Poly1Loss",
    "SCELoss",
    "SphericalZLoss",
    "SquentropyLoss",
    "TverskyLoss",
    "available_losses",
    "get_loss",
    "get_loss_class",
    "register_loss",
]
