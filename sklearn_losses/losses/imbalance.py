"""Losses for class imbalance: they re-shape the per-sample loss or the
logits so that rare classes (or hard samples) count more."""

from __future__ import annotations

from numbers import Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval

from .base import (
    PointwiseLoss,
    check_class_counts,
    focal_factor,
    log_prior_of,
    log_probs,
    one_hot,
    one_minus_p,
    register_loss,
    target_log_prob,
    target_nll,
)

__all__ = [
    "BalancedSoftmaxLoss",
    "DiceLoss",
    "FocalLoss",
    "LDAMLoss",
    "LogitAdjustedLoss",
    "Poly1Loss",
    "TverskyLoss",
]


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
    gamma : float in [0, 100], default=2.0
        Focusing parameter; a tabular grid is {0.5, 1, 2, 3}. At 100 the
        factor is already below 1e-4 for every sample with :math:`p_y > 0.1`;
        the bound keeps :math:`q^\gamma` and its gradient finite in float32.
    alpha : None, float in (0, 1) or array-like of shape (K,), default=None
        Class factor :math:`a_y`. An array gives one factor in [0, 1e6] per
        class (finite: the factor multiplies float32 losses); a float
        (binary problems only) gives :math:`a_1 = \alpha`,
        :math:`a_0 = 1 - \alpha`: it weighs class 1, the positive class, so
        the loss then measures a positive class (``measures_positive_class``):
        :class:`~sklearn_losses.WeightedLossClassifier` trains it with the
        positive class (``pos_label``, else the minority class) as class 1,
        as :func:`~sklearn_losses.metrics.loss_metric` scores it. The
        paper's detection value 0.25 is not a tabular default: prefer
        ``reweight=`` for class balance. The factor
        multiplies :math:`\ell_i` and is not part of the weighted-mean
        denominator.

    Notes
    -----
    Use: imbalance (hard, often minority, samples get more weight). It
    amplifies label noise, since mislabelled samples are hard samples.
    """

    _parameter_constraints = {
        "gamma": [Interval(Real, 0, 100, closed="both")],
        "alpha": [None, Interval(Real, 0, 1, closed="neither"), "array-like"],
    }

    #: Largest factor of an array ``alpha``.
    _MAX_ALPHA = 1e6

    def __init__(self, gamma=2.0, alpha=None):
        super().__init__()
        self.gamma = gamma
        self.alpha = alpha
        self._validate()

    @property
    def measures_positive_class(self) -> bool:
        """True with a float ``alpha``: it weighs class 1 (the positive class) against 0."""
        return isinstance(self.alpha, Real)

    def _check_params(self):
        if self.alpha is not None and not isinstance(self.alpha, Real):
            try:
                a = np.asarray(self.alpha, dtype=np.float64)
            except (TypeError, ValueError):
                a = None
            if (a is None or a.ndim != 1 or a.shape[0] < 2 or not np.all(np.isfinite(a))
                    or np.any(a < 0) or np.any(a > self._MAX_ALPHA)):
                raise ValueError(
                    "focal alpha must be None, a float in (0, 1) or one factor per class, "
                    f"each a finite number in [0, 1e6]; got {self.alpha!r}."
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

    def _loss_per_sample(self, logits, target):
        log_p_y = target_log_prob(log_probs(logits), target)
        loss = -log_p_y
        if self.gamma != 0:
            loss = focal_factor(one_minus_p(log_p_y), self.gamma) * loss
        if self.alpha is not None:
            loss = self._class_factor(logits, target) * loss
        return loss


# ---------------------------------------------------------------------------
# Poly-1
# ---------------------------------------------------------------------------
@register_loss("poly1")
class Poly1Loss(PointwiseLoss):
    r"""Poly-1 loss: cross-entropy with a perturbed first polynomial coefficient.

    *PolyLoss: A Polynomial Expansion Perspective of Classification Loss
    Functions* (Leng, Tan, Liu, Cubuk, Shi, Cheng and Anguelov, ICLR 2022),
    Poly-1 formulation (no official code; checked against the paper):

    .. math::

        \ell(z, y) = -\log p_y + \varepsilon\,(1 - p_y),

    with :math:`p = \mathrm{softmax}(z)` and :math:`\varepsilon` =
    ``epsilon``. Since :math:`-\log p_y = \sum_{j \ge 1} (1 - p_y)^j / j`,
    Poly-1 moves the first coefficient of that series from 1 to
    :math:`1 + \varepsilon`. ``epsilon=0`` is cross-entropy. :math:`1 - p_y`
    is computed as ``-expm1(log p_y)`` (accurate near :math:`p_y = 1`).

    Parameters
    ----------
    epsilon : float in [-1, 1e3], default=1.0
        Perturbation of the first coefficient; below -1 the loss is no longer
        monotone in :math:`p_y`. The paper's tuned values lie roughly in
        [-1, 2]; grid {-1, 0, 1, 2}. The upper bound, 500 times the paper's
        range, keeps the loss and its gradient finite in float32.

    Notes
    -----
    Use: a one-knob adjustment of cross-entropy; ``epsilon > 0`` keeps
    pushing confident samples (a stronger gradient near :math:`p_y = 1`),
    ``epsilon < 0`` behaves more like focal loss.
    """

    _parameter_constraints = {"epsilon": [Interval(Real, -1, 1e3, closed="both")]}

    def __init__(self, epsilon=1.0):
        super().__init__()
        self.epsilon = epsilon
        self._validate()

    def _loss_per_sample(self, logits, target):
        log_p_y = target_log_prob(log_probs(logits), target)
        return -log_p_y + one_minus_p(log_p_y, scale=self.epsilon)


# ---------------------------------------------------------------------------
# Prior-aware losses: logit adjustment, balanced softmax, LDAM
# ---------------------------------------------------------------------------
class _ClassCountsMixin:
    """Shared ``class_counts`` handling: flagged for the estimator, checked when given."""

    requires_class_counts = True

    def _check_params(self):
        if self.class_counts is not None:
            check_class_counts(self.class_counts)


_CLASS_COUNTS = [None, "array-like"]


@register_loss("logit_adjusted")
class LogitAdjustedLoss(_ClassCountsMixin, PointwiseLoss):
    r"""Logit-adjusted cross-entropy: cross-entropy on prior-shifted logits.

    *Long-tail learning via logit adjustment* (Menon, Jayasumana, Rawat,
    Jain, Veit and Kumar, ICLR 2021), logit-adjusted softmax cross-entropy:

    .. math::

        \ell(z, y) = -\log \mathrm{softmax}(z + \tau \log \pi)_y
                   = -\log \frac{e^{z_y + \tau \log \pi_y}}
                                {\sum_k e^{z_k + \tau \log \pi_k}},

    with :math:`\pi_j = n_j / \sum_k n_k` the training prior from
    ``class_counts`` and :math:`\tau` = ``tau``. ``tau=0`` and uniform counts
    give cross-entropy; ``balanced_softmax`` is the ``tau=1`` member.

    Parameters
    ----------
    tau : float in [0, 100], default=1.0
        Strength of the adjustment; 1 is Fisher-consistent for the balanced
        error. Grid {0, 0.5, 1, 1.5, 2}. The bound keeps the offset
        :math:`\tau \log \pi` finite in float32 for any finite counts
        (:math:`|\log \pi| < 1500`).
    class_counts : None or array-like of shape (K,), default=None
        Positive training count of each class. ``WeightedLossClassifier``
        fills it from the training labels when None; a standalone loss
        without counts raises ValueError when called.

    Notes
    -----
    Use: imbalance. After training, :math:`\mathrm{softmax}(z)` estimates the
    class-balanced posterior and :math:`\mathrm{softmax}(z + \tau\log\pi)`
    the training-prior one (:ref:`design-calibration`).
    """

    proper = True  # softmax(z + tau log pi) estimates the posterior

    _parameter_constraints = {
        "tau": [Interval(Real, 0, 100, closed="both")],
        "class_counts": _CLASS_COUNTS,
    }

    def __init__(self, tau=1.0, class_counts=None):
        super().__init__()
        self.tau = tau
        self.class_counts = class_counts
        self._validate()

    def _loss_per_sample(self, logits, target):
        offset = self._log_prior(logits)
        if self.tau != 1:  # 1.0 * x == x: skip the kernel
            offset = self.tau * offset
        return target_nll(logits + offset, target)

    def prior_logit_offset(self):
        r""":math:`\tau \log \pi`: ``softmax(z + tau log pi)`` is the training-prior posterior;
        None at ``tau=0``, plain cross-entropy, which corrects nothing (no class weights are
        then a double correction)."""
        if self.class_counts is None or self.tau == 0:
            return None
        return self.tau * log_prior_of(self.class_counts)


@register_loss("balanced_softmax")
class BalancedSoftmaxLoss(LogitAdjustedLoss):
    r"""Balanced softmax: cross-entropy on logits shifted by the log prior.

    *Balanced Meta-Softmax for Long-Tailed Visual Recognition* (Ren, Yu,
    Sheng, Ma, Zhao, Yi and Li, NeurIPS 2020), Balanced Softmax (without the
    meta-sampler):

    .. math::

        \ell(z, y) = -\log \frac{n_y e^{z_y}}{\sum_k n_k e^{z_k}}
                   = -\log \mathrm{softmax}(z + \log \pi)_y ,

    with :math:`n_j` = ``class_counts`` and :math:`\pi_j = n_j / \sum_k n_k`.
    It is ``logit_adjusted(tau=1)`` and shares its implementation.

    Parameters
    ----------
    class_counts : None or array-like of shape (K,), default=None
        Positive training counts, one per class, as for
        :class:`LogitAdjustedLoss` (filled in by the estimator when None).

    Notes
    -----
    Use: imbalance; :math:`\mathrm{softmax}(z)` then estimates the
    class-balanced posterior (:ref:`design-calibration`).
    """

    _parameter_constraints = {"class_counts": _CLASS_COUNTS}

    def __init__(self, class_counts=None):
        # tau is fixed at 1, not a parameter (get_params reads this signature).
        super().__init__(tau=1.0, class_counts=class_counts)


@register_loss("ldam")
class LDAMLoss(_ClassCountsMixin, PointwiseLoss):
    r"""Label-distribution-aware margin (LDAM) loss.

    *Learning Imbalanced Datasets with Label-Distribution-Aware Margin Loss*
    (Cao, Wei, Gaidon, Arechiga and Ma, NeurIPS 2019). Checked against the
    authors' ``LDAMLoss`` (``kaidic/LDAM-DRW``, ``losses.py``): margins
    :math:`\propto n_j^{-1/4}` rescaled so that the largest is ``max_m``,
    subtracted from the target logit, then cross-entropy on ``s * logits``:

    .. math::

        \Delta_j = m \left(\frac{n_{\min}}{n_j}\right)^{1/4}, \qquad
        \ell(z, y) = -\log \mathrm{softmax}\bigl(s\,(z - \Delta_y e_y)\bigr)_y ,

    with :math:`n_j` = ``class_counts``, :math:`n_{\min} = \min_k n_k`,
    :math:`m` = ``max_margin``, :math:`s` = ``scale`` and :math:`e_y` the
    one-hot label. The rarest class gets margin :math:`m`;
    ``max_margin=0, scale=1`` is cross-entropy.

    Parameters
    ----------
    max_margin : float in [0, 100], default=0.5
        Margin of the rarest class (the reference code's ``max_m``). Grid
        {0.1, 0.3, 0.5, 1}.
    scale : float in (0, 1e4], default=30.0
        Logit scale :math:`s` (the reference code's ``s``). The bounds keep
        :math:`s\,(z - \Delta)` finite in float32 for logits up to about
        1e30.
    class_counts : None or array-like of shape (K,), default=None
        Positive training counts, one per class, as for
        :class:`LogitAdjustedLoss` (filled in by the estimator when None).

    Notes
    -----
    Use: imbalance, usually with deferred re-weighting (``reweight="drw"``,
    the paper's LDAM-DRW).

    Caveat: ``scale=30`` assumes cosine logits in [-1, 1] from a normalised
    last layer (the reference code's ``NormedLinear`` head, used with LDAM).
    On the raw logits of a plain linear head it multiplies the logits by 30,
    which gives very large gradients and a margin that is small relative to
    the logits: use a normalised head, or lower ``scale`` (e.g. 1 to 5) and
    raise ``max_margin`` accordingly. The formula is implemented as in the
    paper and the reference code, on whatever logits the network outputs.
    """

    _parameter_constraints = {
        "max_margin": [Interval(Real, 0, 100, closed="both")],
        "scale": [Interval(Real, 0, 1e4, closed="right")],
        "class_counts": _CLASS_COUNTS,
    }

    def __init__(self, max_margin=0.5, scale=30.0, class_counts=None):
        super().__init__()
        self.max_margin = max_margin
        self.scale = scale
        self.class_counts = class_counts
        self._validate()

    def margins(self, logits: torch.Tensor) -> torch.Tensor:
        r"""Per-class margins :math:`\Delta_j`, shape ``(K,)``, on the dtype of ``logits``."""
        return _ldam_margins(self._log_prior(logits), float(self.max_margin))

    def _loss_per_sample(self, logits, target):
        index = target.unsqueeze(1)
        # z - Delta_y e_y: subtract the margin from the target column only.
        shifted = logits.scatter_add(1, index, -self.margins(logits)[index])
        return target_nll(self.scale * shifted, target)


#: Margins by (log-prior tensor, max_margin); log_prior() caches its tensors,
#: so the same counts hit the same entry. The entry holds the tensor, so its
#: id cannot be reused while the entry lives.
_MARGINS: dict = {}


def _ldam_margins(log_prior: torch.Tensor, max_margin: float) -> torch.Tensor:
    key = (id(log_prior), max_margin)
    hit = _MARGINS.get(key)
    if hit is None or hit[0] is not log_prior:
        if len(_MARGINS) >= 64:
            _MARGINS.clear()
        # (n_min / n_j)^(1/4) = exp((log pi_min - log pi_j) / 4) <= 1.
        with torch.no_grad(), torch.inference_mode(False):
            hit = (log_prior, max_margin * torch.exp((log_prior.min() - log_prior) / 4.0))
        _MARGINS[key] = hit
    return hit[1]


# ---------------------------------------------------------------------------
# Per-sample overlap indices: dice and Tversky
# ---------------------------------------------------------------------------
class _OverlapLoss(PointwiseLoss):
    r"""``1 - (1/K) sum_k TI_k``: shared code of dice and Tversky.

    Both indices are, entry by entry, ``TI_k = (a_k q_k + s) / (b_k q_k + c_k)``
    with ``q = p`` (dice: :math:`(1 - p_k)^\alpha p_k`), ``s`` = ``smooth``
    and coefficients that take one value on the target column (``k = y``)
    and another elsewhere. Subclasses implement :meth:`_coefficients`, which
    returns ``(on, off)`` pairs for ``a``, ``b`` and ``c`` (``b = None`` for
    ``b = 1``), and may override :meth:`_weighted_probs`. Written this way
    the loss is a handful of kernels instead of the literal formula's
    one-hot products.
    """

    def _coefficients(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _weighted_probs(self, logits):
        """``q``, shape ``(n, K)``: the softmax probabilities by default."""
        # exp(log_softmax) is faster than torch.softmax for small K on the CPU.
        return log_probs(logits).exp()

    def _loss_per_sample(self, logits, target):
        q = self._weighted_probs(logits)
        n_classes, dtype = logits.shape[1], logits.dtype

        def per_column(pair):  # (on, off) -> (n, K) tensor, no gradient
            return None if pair is None else one_hot(target, n_classes, dtype, *pair)

        a, b, c = (per_column(pair) for pair in self._coefficients())
        num = torch.addcmul(torch.full_like(q, self.smooth), a, q)  # a q + s
        den = q + c if b is None else torch.addcmul(c, b, q)  # b q + c
        return 1.0 - (num / den).mean(dim=1)


@register_loss("dice")
class DiceLoss(_OverlapLoss):
    r"""Per-sample self-adjusting dice loss, averaged one-vs-rest over classes.

    *Dice Loss for Data-imbalanced NLP Tasks* (Li, Sun, Meng, Liang, Wu and
    Li, ACL 2020), self-adjusting dice coefficient of one sample (the paper's
    DSC with the :math:`(1 - p)^\alpha` factor), applied to every class:

    .. math::

        \mathrm{DSC}_k = \frac{2 (1 - p_k)^{\alpha} p_k\, y_k + \gamma}
                              {(1 - p_k)^{\alpha} p_k + y_k + \gamma}, \qquad
        \ell(z, y) = 1 - \frac1K \sum_{k=1}^{K} \mathrm{DSC}_k \in [0, 1],

    with :math:`p = \mathrm{softmax}(z)`, :math:`y_k = 1[y = k]`,
    :math:`\alpha` = ``alpha`` and :math:`\gamma` = ``smooth``.

    Deliberate difference from the reference code (``ShannonAI/dice_loss_for_NLP``,
    ``DiceLoss``): that code sums the intersection and the denominators over
    the whole batch (a set-level, batch-level loss, defaults
    ``smooth=1e-4``, ``alpha=0``) and sums over classes; this loss is the
    per-sample form that decomposes (mean over samples and classes), with
    default smoothing :math:`\gamma = 1` (a package choice). The set-level
    form is batch-level and not implemented yet.

    Parameters
    ----------
    alpha : float in [0, 100], default=0.0
        Self-adjusting exponent that de-emphasises easy samples (:math:`p_k`
        near 1). Grid {0.01, 0.1, 0.5, 1}. For ``0 < alpha < 1`` the factor
        :math:`1 - p_k` is floored at 1e-7 so the gradient stays finite.
    smooth : float in [1e-12, 1e4], default=1.0
        Smoothing :math:`\gamma` added to numerator and denominator (the
        reference code uses 1e-4). From about 1e-40, below float32's
        normal range, a saturated probability gives :math:`0/0`; 1e-12 keeps
        a wide margin. Above 1e4 every ratio is 1 to float32 precision.

    Notes
    -----
    Use: imbalance, as an F1-like (overlap) objective; compare with
    ``anyloss_f1``. ``tversky(alpha=0.5, beta=0.5, smooth=s/2)`` equals
    ``dice(alpha=0, smooth=s)``.
    """

    _parameter_constraints = {
        "alpha": [Interval(Real, 0, 100, closed="both")],
        "smooth": [Interval(Real, 1e-12, 1e4, closed="both")],
    }

    def __init__(self, alpha=0.0, smooth=1.0):
        super().__init__()
        self.alpha = alpha
        self.smooth = smooth
        self._validate()

    def _weighted_probs(self, logits):
        log_p = log_probs(logits)
        if self.alpha == 0:
            return log_p.exp()
        return focal_factor(one_minus_p(log_p), self.alpha) * log_p.exp()

    def _coefficients(self):
        # (2 q y + s) / (q + y + s)
        return (2.0, 0.0), None, (1.0 + self.smooth, self.smooth)


@register_loss("tversky")
class TverskyLoss(_OverlapLoss):
    r"""Per-sample Tversky loss, averaged one-vs-rest over classes.

    The Tversky index as used in *Dice Loss for Data-imbalanced NLP Tasks*
    (Li, Sun, Meng, Liang, Wu and Li, ACL 2020), for one sample and every
    class:

    .. math::

        \mathrm{TI}_k = \frac{p_k y_k + \gamma}
            {p_k y_k + a\, p_k (1 - y_k) + b\, (1 - p_k)\, y_k + \gamma}, \qquad
        \ell(z, y) = 1 - \frac1K \sum_{k=1}^{K} \mathrm{TI}_k \in [0, 1],

    with :math:`p = \mathrm{softmax}(z)`, :math:`y_k = 1[y = k]`,
    :math:`a` = ``alpha`` (weight of false positives), :math:`b` = ``beta``
    (weight of false negatives) and :math:`\gamma` = ``smooth``.
    ``tversky(alpha=0.5, beta=0.5, smooth=s/2)`` equals
    ``dice(alpha=0, smooth=s)``. As for ``dice``, this is the per-sample
    form; the reference code's set-level form is batch-level and not
    implemented yet.

    Parameters
    ----------
    alpha : float in [0, 1e3], default=0.5
        Weight of false positives; usually ``1 - beta``.
    beta : float in [0, 1e3], default=0.5
        Weight of false negatives; raise it for recall. Grid for
        (``alpha``, ``beta``): {(0.5, 0.5), (0.3, 0.7), (0.1, 0.9)}. Only
        their ratio to ``smooth`` matters; the bounds keep the ratios finite
        in float32.
    smooth : float in [1e-12, 1e4], default=1.0
        Smoothing :math:`\gamma` added to numerator and denominator (see
        :class:`DiceLoss` for the bounds).

    Notes
    -----
    Use: imbalance, trading precision against recall of each class.
    """

    _parameter_constraints = {
        "alpha": [Interval(Real, 0, 1e3, closed="both")],
        "beta": [Interval(Real, 0, 1e3, closed="both")],
        "smooth": [Interval(Real, 1e-12, 1e4, closed="both")],
    }

    def __init__(self, alpha=0.5, beta=0.5, smooth=1.0):
        super().__init__()
        self.alpha = alpha
        self.beta = beta
        self.smooth = smooth
        self._validate()

    def _coefficients(self):
        # k = y: (p + s) / (p + b (1 - p) + s) = (p + s) / ((1 - b) p + b + s);
        # k != y: s / (a p + s).
        return ((1.0, 0.0), (1.0 - self.beta, self.alpha),
                (self.beta + self.smooth, self.smooth))
