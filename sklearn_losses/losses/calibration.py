"""Calibration-minded losses: losses that change how confident the network
becomes (squentropy, encouraging loss, spherical Z-loss)."""

from __future__ import annotations

import math
from numbers import Real

import torch
import torch.nn.functional as F
from sklearn.utils._param_validation import Interval

from .base import (
    EPS,
    PointwiseLoss,
    log_probs,
    one_minus_p,
    register_loss,
    target_log_prob,
    target_nll,
)

__all__ = ["EncouragingLoss", "SphericalZLoss", "SquentropyLoss"]

#: Floor of ``1 - p_y`` in the encouraging loss's log bonus (as in the authors' code).
_BONUS_FLOOR = 1e-5


@register_loss("squentropy")
class SquentropyLoss(PointwiseLoss):
    r"""Squentropy: cross-entropy plus the mean squared logit of the wrong classes.

    *Cut your Losses with Squentropy* (Hui, Belkin and Wright, ICML 2023):
    cross-entropy plus the average square loss over the incorrect classes,
    on raw logits (no official code; checked against the paper's definition):

    .. math::

        \ell(z, y) = -\log p_y + \frac{1}{K - 1} \sum_{k \ne y} z_k^2 ,

    with :math:`p = \mathrm{softmax}(z)` and :math:`K` classes. For
    :math:`K = 2` it is cross-entropy plus :math:`z_{1-y}^2`. The squared
    term is not shift invariant: it pulls the wrong-class logits towards 0.

    Notes
    -----
    Use: calibration; the paper reports better calibrated and as accurate
    networks as cross-entropy, with the same optimiser settings. The
    squared term can be large for large logits (about :math:`10^8` at
    :math:`|z| = 10^4`) but stays finite.
    """

    def __init__(self):
        super().__init__()
        self._validate()

    def _loss_per_sample(self, logits, target):
        cross_entropy = target_nll(logits, target)
        # Zero the target column exactly (no sum-minus-target cancellation).
        wrong_sq = logits.square().scatter(1, target.unsqueeze(1), 0.0).sum(dim=1)
        if logits.shape[1] > 2:  # x / 1 == x: skip the kernel for K = 2
            wrong_sq = wrong_sq / (logits.shape[1] - 1)
        return cross_entropy + wrong_sq


@register_loss("encouraging")
class EncouragingLoss(PointwiseLoss):
    r"""Encouraging loss: cross-entropy with a bonus for well-classified samples.

    *Well-classified Examples are Underestimated in Classification with Deep
    Neural Networks* (Zhao, Yang, Ren, Li, Wu and Sun, AAAI 2022); checked
    against ``EncouragingLoss.py`` of the authors' code
    (``lancopku/well-classified-examples-are-underestimated``):

    .. math::

        \ell(z, y) = -\log p_y + b(p_y), \qquad
        b(p) = \begin{cases}
            \log(1 - p), & p \le \mathrm{LE},\\
            \log(1 - \mathrm{LE}) + \dfrac{p - \mathrm{LE}}{\mathrm{LE} - 1},
                & p > \mathrm{LE},
        \end{cases}

    with :math:`p = \mathrm{softmax}(z)` and :math:`\mathrm{LE}` =
    ``log_end``. Above ``log_end`` the bonus is the tangent line of the log
    curve, so :math:`b` and its slope are continuous; :math:`b \le 0`, hence
    :math:`\ell \le` cross-entropy and values can be negative (never compare
    them with other losses). As in the authors' code, :math:`1 - p` is
    floored at 1e-5 inside the log (only reachable with ``log_end`` close
    to 1).

    Parameters
    ----------
    log_end : float in (0, 1], default=0.75
        End of the log bonus; 1 keeps the full (unbounded, floored) bonus.
        The paper uses 0.5 to 0.75 for conservative bonuses; grid
        {0.5, 0.75, 1}.

    Notes
    -----
    Use: the opposite of focal loss, it keeps rewarding well-classified
    samples (margin growth). It may raise over-confidence, so calibrate
    ``predict_proba`` (:ref:`design-calibration`).
    """

    _parameter_constraints = {"log_end": [Interval(Real, 0, 1, closed="right")]}

    def __init__(self, log_end=0.75):
        super().__init__()
        self.log_end = log_end
        self._validate()

    def _loss_per_sample(self, logits, target):
        log_p_y = target_log_prob(log_probs(logits), target)
        end = float(self.log_end)
        q = one_minus_p(log_p_y)  # 1 - p_y, used by both branches
        # Flooring 1 - p at 1 - LE leaves the log branch (used for p <= LE)
        # unchanged and keeps the unused branch finite, so torch.where gets no
        # inf * 0 = NaN gradient on saturated logits.
        floor = max(1.0 - end, _BONUS_FLOOR)
        bonus = torch.log(q.clamp_min(floor))
        if end < 1.0:
            # log(1 - LE) + (p - LE) / (LE - 1) = (1 - p) / (1 - LE) + log(1 - LE) - 1
            tangent = q / (1.0 - end) + (math.log1p(-end) - 1.0)
            bonus = torch.where(q < 1.0 - end, tangent, bonus)
        return bonus - log_p_y


@register_loss("zloss_spherical")
class SphericalZLoss(PointwiseLoss):
    r"""Z-loss: a softplus of the standardised target logit (spherical family).

    *The Z-loss: a shift and scale invariant classification loss belonging
    to the Spherical Family* (de Brébisson and Vincent, arXiv 1604.08859,
    2016):

    .. math::

        \hat z_k = \frac{z_k - \mu(z)}{\sigma(z) + \epsilon}, \qquad
        \ell(z, y) = \frac1a \log\bigl(1 + e^{a (b - \hat z_y)}\bigr),

    with :math:`\mu` the mean and :math:`\sigma` the population standard
    deviation of the :math:`K` logits of the sample, :math:`\epsilon =
    10^{-7}`, :math:`a` = ``a`` and :math:`b` = ``b``. The loss is invariant
    to :math:`z \to c z + d` for :math:`c > 0` (up to :math:`\epsilon`).
    :math:`\sigma` is computed as :math:`\sqrt{\max(\mathrm{var}, t)}` with
    :math:`t` the dtype's smallest normal number, so the gradient stays
    finite when all logits are equal.

    Parameters
    ----------
    a : float in [1e-3, 1e3], default=1.0
        Sharpness of the softplus. The paper tunes ``a`` and ``b`` per task
        and gives no defaults; 1 and 1 are provisional. Grid {0.1, 1, 10}.
        Below the bound :math:`\mathrm{softplus}(\cdot)/a` overflows float32
        (infinite from about 1e-38); above it the softplus is a hinge.
    b : float in [-100, 100], default=1.0
        Location: the standardised target logit beyond which the loss fades.
        Grid {0, 1, 2}. Standardised logits lie within
        :math:`\pm\sqrt{K - 1}`, so the bounds cover 10001 classes.

    Notes
    -----
    Use: calibration / ranking; the loss depends only on the ranks and
    standardised gaps of the logits, not on their scale, so it cannot drive
    the network to ever larger logits. Needs ``K >= 3`` (for ``K = 2``,
    :math:`\hat z \in \{-1, +1\}` and the gradient vanishes); ``K = 2``
    raises ValueError. Unrelated to the PaLM-style "z-loss" regulariser.

    The price of the invariance: the gradient scales as :math:`1/\sigma(z)`.
    Where a row's logits are all equal (e.g. from an output layer
    initialised to zero) it is about :math:`(1 - 1/K)/\epsilon = 10^7`
    times a row's weight: a plain SGD step there diverges, and
    half-precision logits receive an infinite gradient. Train with an
    adaptive optimiser (the estimator's AdamW normalises the step) from a
    random initialisation, as the estimator does.
    """

    min_classes = 3
    _parameter_constraints = {
        "a": [Interval(Real, 1e-3, 1e3, closed="both")],
        "b": [Interval(Real, -100, 100, closed="both")],
    }

    def __init__(self, a=1.0, b=1.0):
        super().__init__()
        self.a = a
        self.b = b
        self._validate()

    def _loss_per_sample(self, logits, target):
        self.check_n_classes(logits.shape[1])
        centred = logits - logits.mean(dim=1, keepdim=True)
        var = centred.square().mean(dim=1)
        std = var.clamp_min(torch.finfo(var.dtype).tiny).sqrt()
        # target_log_prob only picks column y of its first argument.
        z_hat_y = target_log_prob(centred, target) / (std + EPS)
        return F.softplus(self.a * (self.b - z_hat_y)) / self.a
