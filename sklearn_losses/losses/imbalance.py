"""Losses for class imbalance: they re-shape the per-sample loss or the
logits so that rare classes (or hard samples) count more."""

from __future__ import annotations

from numbers import Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval

from .base import EPS, PointwiseLoss, log_probs, register_loss, target_log_prob

__all__ = ["FocalLoss"]


@register_loss("focal")
class FocalLoss(PointwiseLoss):
    r"""Focal loss: cross-entropy down-weighted on well-classified samples.

    *Focal Loss for Dense Object Detection* (Lin, Goyal, Girshick, He and
    Dollar, ICCV 2017), softmax form:

    .. math::

        \ell(z, y) = -a_y\, (1 - p_y)^{\gamma} \log p_y ,

    with :math:`p = \mathrm{softmax}(z)`, :math:`\gamma` = ``gamma`` and
    :math:`a_y` the class factor from ``alpha`` (1 when ``alpha`` is None).
    The modulating factor :math:`(1 - p_y)^\gamma` is not detached, as in the
    paper. ``gamma=0`` with ``alpha=None`` is cross-entropy, and
    :math:`0 \le \ell \le` cross-entropy when ``alpha`` is None.

    Parameters
    ----------
    gamma : float >= 0, default=2.0
        Focusing parameter; a tabular grid is {0.5, 1, 2, 3}.
    alpha : None, float in (0, 1) or array-like of shape (K,), default=None
        Class factor :math:`a_y`. An array gives one non-negative factor per
        class; a float (binary problems only) gives :math:`a_1 = \alpha`,
        :math:`a_0 = 1 - \alpha`. The paper's detection value 0.25 is not a
        tabular default: prefer ``reweight=`` for class balance. The factor
        multiplies :math:`\ell_i` and is not part of the weighted-mean
        denominator.

    Notes
    -----
    Use: imbalance (hard, often minority, samples get more weight). It
    amplifies label noise, since mislabelled samples are hard samples.
    """

    _parameter_constraints = {
        "gamma": [Interval(Real, 0, None, closed="left")],
        "alpha": [None, Interval(Real, 0, 1, closed="neither"), "array-like"],
    }

    def __init__(self, gamma=2.0, alpha=None):
        super().__init__()
        self.gamma = gamma
        self.alpha = alpha
        self._validate()

    def _check_params(self):
        if self.alpha is not None and not isinstance(self.alpha, Real):
            a = np.asarray(self.alpha, dtype=np.float64)
            if a.ndim != 1 or a.shape[0] < 2 or not np.all(np.isfinite(a)) or np.any(a < 0):
                raise ValueError(
                    "focal alpha must be None, a float in (0, 1) or one non-negative "
                    f"finite factor per class; got {self.alpha!r}."
                )

    def _class_factor(self, logits, target):
        n_classes = logits.shape[1]
        if isinstance(self.alpha, Real):
            if n_classes != 2:
                raise ValueError(
                    "A float focal alpha is only defined for binary problems; pass one "
                    f"factor per class for {n_classes} classes."
                )
            a = torch.tensor([1.0 - self.alpha, self.alpha], dtype=logits.dtype, device=logits.device)
        else:
            a = torch.as_tensor(np.asarray(self.alpha), dtype=logits.dtype, device=logits.device)
            if a.shape[0] != n_classes:
                raise ValueError(
                    f"focal alpha has {a.shape[0]} entries but logits have {n_classes} classes."
                )
        return a[target]

    def loss_per_sample(self, logits, target):
        log_p_y = target_log_prob(log_probs(logits), target)
        loss = -log_p_y
        if self.gamma != 0:
            # -expm1(log p_y) is 1 - p_y computed accurately near p_y -> 1;
            # the EPS floor keeps d/dx x^gamma finite at x = 0 for gamma < 1
            # (otherwise inf * 0 = NaN gradients on saturated logits).
            one_minus_p = (-torch.expm1(log_p_y)).clamp_min(EPS)
            loss = one_minus_p.pow(self.gamma) * loss
        if self.alpha is not None:
            loss = self._class_factor(logits, target) * loss
        return loss
