"""The reference loss: softmax cross-entropy (with optional label smoothing)."""

from __future__ import annotations

from numbers import Real

import torch.nn.functional as F
from sklearn.utils._param_validation import Interval

from .base import NO_IGNORE_INDEX, PointwiseLoss, register_loss

__all__ = ["CrossEntropyLoss"]


@register_loss("cross_entropy")
class CrossEntropyLoss(PointwiseLoss):
    r"""Softmax cross-entropy, optionally with label smoothing.

    Analysed as the :math:`\tau = 1` member of the comp-sum family in
    *Cross-Entropy Loss Functions: Theoretical Analysis and Applications*
    (Mao, Mohri and Zhong, ICML 2023).

    .. math::

        \ell(z, y) = -\sum_k q_k \log p_k, \qquad
        q = (1 - \varepsilon)\, e_y + \varepsilon / K,

    with :math:`p = \mathrm{softmax}(z)`, :math:`K` classes and
    :math:`\varepsilon` = ``label_smoothing``. For :math:`\varepsilon = 0`,
    :math:`\ell = -\log p_y`. Per-sample values equal
    ``torch.nn.functional.cross_entropy(z, y, label_smoothing=eps,
    reduction="none")``; this is the reference every "equals cross-entropy"
    identity of the package is tested against.

    Parameters
    ----------
    label_smoothing : float in [0, 1), default=0.0
        Mass moved from the labelled class to the uniform distribution.

    Notes
    -----
    Use: the baseline. Label smoothing is a mild regulariser against
    over-confidence; it is not a remedy for class imbalance.
    """

    _parameter_constraints = {"label_smoothing": [Interval(Real, 0, 1, closed="left")]}

    def __init__(self, label_smoothing=0.0):
        super().__init__()
        self.label_smoothing = label_smoothing
        self._validate()

    @property
    def proper(self):
        """Proper (minimised by the posterior) only without label smoothing."""
        return self.label_smoothing == 0

    def _loss_per_sample(self, logits, target):
        return F.cross_entropy(
            logits, target, reduction="none", label_smoothing=float(self.label_smoothing),
            ignore_index=NO_IGNORE_INDEX,
        )

    def forward(self, logits, target, sample_weight=None):
        if sample_weight is None and logits.shape[0] > 0:  # an empty batch: the base's 0
            # the unweighted mean in PyTorch's fused kernel (forward and backward):
            # the same value as the base class's mean of loss_per_sample, cheaper
            target, _ = self._check_inputs(logits, target, None)
            return F.cross_entropy(logits, target, label_smoothing=float(self.label_smoothing),
                                   ignore_index=NO_IGNORE_INDEX)
        return super().forward(logits, target, sample_weight)
