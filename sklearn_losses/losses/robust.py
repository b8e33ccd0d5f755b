r"""Noise-robust losses: bounded, symmetric or normalised losses that limit the
pull of mislabelled samples.

Cross-entropy is unbounded: a sample whose (possibly wrong) label has
:math:`p_y \to 0` gets a loss and a gradient weight that grow without limit,
so a network eventually memorises noisy labels. The losses of this module
cap that pull in different ways:

- **Power / comp-sum family** (``comp_sum``, ``gce``, ``mae``): the loss
  :math:`(1 - p_y^{\tau-1})/(\tau - 1)` interpolates between cross-entropy
  (:math:`\tau = 1`) and the bounded, symmetric MAE (:math:`\tau = 2`);
  ``gce(q)`` is ``comp_sum(tau=1+q)`` and ``mae()`` is ``comp_sum(tau=2)``.
- **Active-passive combinations** (``sce``, ``nce_rce``, ``nfl_rce``): an
  "active" term (CE, normalised CE or normalised focal) that fits the data,
  plus the "passive", symmetric reverse cross-entropy
  :math:`\mathrm{RCE} = -A(1 - p_y)` that keeps the combination robust.
- **Normalised losses** (``nce`` and the active terms above): a loss divided
  by its sum over all labels, hence in [0, 1] and symmetric.
- **Label distributionally robust loss** (``ldr_kl``): the worst case over
  label distributions near the uniform one; large ``lam`` makes it
  symmetric (the mean margin violation), not bounded: it works on the raw
  logits.

All losses but ``ldr_kl`` are built from the shared terms below
(``_power_loss``, ``_normalized_focal`` and the reverse
cross-entropy of :class:`_ActivePassiveLoss`), so that identities such as
``gce(q) == comp_sum(1 + q)`` or ``nfl_rce(gamma=0) == nce_rce`` hold by
construction.

Trade-off (:ref:`design-noise-imbalance`): bounding the loss of hard samples protects
against label noise but also mutes genuinely hard minority samples, so
these losses may underfit rare classes. Combine them with ``reweight=`` and
tune both in the same grid when data are noisy *and* imbalanced.
"""

from __future__ import annotations

import math
from numbers import Real

import torch
from sklearn.utils._param_validation import Interval

from .base import (
    EPS,
    PointwiseLoss,
    focal_factor,
    log_probs,
    one_minus_p,
    register_loss,
    target_log_prob,
)

__all__ = [
    "CompSumLoss",
    "GCELoss",
    "LDRKLLoss",
    "MAELoss",
    "NCELoss",
    "NCERCELoss",
    "NFLRCELoss",
    "SCELoss",
]

#: ``comp_sum`` switches to the cross-entropy branch when ``|tau - 1|`` is below this.
_CE_BRANCH_TOL = 1e-6
_LOG_EPS = math.log(EPS)

#: Weights of the active and passive terms: finite, so that ``alpha * active -
#: A * beta * (1 - p_y)`` stays finite in float32 (at most about 1e6 * 2e4).
_WEIGHT = [Interval(Real, 0, 1e3, closed="both")]
#: RCE's stand-in for ``log 0``.
_LOG_ZERO = [Interval(Real, -1e3, 0, closed="left")]
#: Focusing exponents (as focal's gamma).
_EXPONENT = [Interval(Real, 0, 100, closed="both")]


# ---------------------------------------------------------------------------
# Shared terms: every loss here but ldr_kl is a combination of these.
# ---------------------------------------------------------------------------
def _power_loss(log_p_y: torch.Tensor, s: float) -> torch.Tensor:
    r"""``(1 - p_y^s) / s`` from ``log p_y`` (``-log p_y`` at ``s = 0``).

    This is comp-sum with :math:`s = \tau - 1`, computed as
    ``-expm1(s log p_y) / s`` so that it stays accurate near ``p_y = 1`` and
    near ``s = 0``. For ``s < 0`` the loss :math:`(p_y^{-|s|} - 1)/|s|` is a
    ratio that overflows on saturated logits, so ``log p_y`` is floored at
    ``log(EPS)`` there (at most :math:`(10^{7|s|} - 1)/|s|`, with zero
    gradient below the floor).
    """
    if s == 0:
        return -log_p_y
    if s < 0:
        log_p_y = log_p_y.clamp_min(_LOG_EPS)
    # expm1(.) / (-s) is -expm1(.) / s value for value, one kernel fewer.
    return torch.expm1(s * log_p_y) / (-s)


def _normalized_focal(log_p: torch.Tensor, target: torch.Tensor, gamma: float,
                      with_one_minus_p_y: bool = False):
    r"""Normalised focal loss :math:`t_y / \sum_k t_k`, :math:`t_k = -(1 - p_k)^\gamma \log p_k`.

    Shape ``(n,)``. With ``with_one_minus_p_y=True``, returns the pair
    ``(loss, 1 - p_y)``, :math:`1 - p_y` taken from the terms computed here
    (the RCE term of ``nce_rce`` / ``nfl_rce`` reuses it, saving kernels).

    ``gamma = 0`` gives the normalised cross-entropy
    :math:`\log p_y / \sum_k \log p_k` exactly. ``log p`` is floored at the
    log of the dtype's smallest normal number (-87.3 in float32), i.e. only
    where :math:`p_k` itself would underflow; the same floored values enter
    numerator and denominator, so :math:`\sum_j \ell(z, j) = 1` still holds,
    and the denominator stays finite and at least :math:`2^{-\gamma} \log 2 > 0`
    (some :math:`p_k \le 1/K \le 1/2`). (The floor leaves :math:`1 - p_y`
    unchanged: below it, :math:`1 - p_y` rounds to 1 either way.) The factor
    :math:`(1 - p_k)^\gamma` is floored at ``EPS`` when ``gamma > 0`` so that
    its derivative stays finite at :math:`p_k = 1`; it is not detached.
    """
    log_p = log_p.clamp_min(math.log(torch.finfo(log_p.dtype).tiny))
    index = target.unsqueeze(1)
    # t_k without its minus sign: the ratio t_y / sum_k t_k is the same value
    # for value (negation is exact), one kernel fewer.
    if gamma == 0:
        log_p_y = log_p.gather(1, index).squeeze(1)
        ratio = log_p_y / log_p.sum(dim=1)
        return (ratio, one_minus_p(log_p_y)) if with_one_minus_p_y else ratio
    q = one_minus_p(log_p)
    terms = focal_factor(q, gamma) * log_p
    ratio = terms.gather(1, index).squeeze(1) / terms.sum(dim=1)
    return (ratio, q.gather(1, index).squeeze(1)) if with_one_minus_p_y else ratio


# ---------------------------------------------------------------------------
# Power / comp-sum family
# ---------------------------------------------------------------------------
@register_loss("comp_sum")
class CompSumLoss(PointwiseLoss):
    r"""Comp-sum loss: the family joining cross-entropy, GCE and MAE.

    *Cross-Entropy Loss Functions: Theoretical Analysis and Applications*
    (Mao, Mohri and Zhong, ICML 2023), which proves H-consistency bounds for
    the family. With :math:`u = \sum_{k \ne y} e^{z_k - z_y}`, so that
    :math:`1 + u = 1/p_y`:

    .. math::

        \ell_\tau(z, y) = \Phi_\tau(u) =
        \begin{cases}
            \log(1 + u) = -\log p_y, & \tau = 1,\\[2pt]
            \dfrac{(1 + u)^{1 - \tau} - 1}{1 - \tau}
            = \dfrac{1 - p_y^{\tau - 1}}{\tau - 1}, & \tau \ne 1,
        \end{cases}

    with :math:`p = \mathrm{softmax}(z)` and :math:`\tau` = ``tau``. It is
    computed as ``-expm1((tau - 1) log p_y) / (tau - 1)`` and as
    cross-entropy when :math:`|\tau - 1| < 10^{-6}`, so it is continuous at
    :math:`\tau = 1`. Special members: :math:`\tau = 0` is the
    sum-exponential loss :math:`u = 1/p_y - 1`, :math:`\tau = 1` is
    cross-entropy, :math:`1 < \tau < 2` is ``gce(q=tau-1)`` and
    :math:`\tau = 2` is ``mae()``. The paper's adversarial variant is not
    implemented.

    Parameters
    ----------
    tau : float in [0, 10], default=1.0
        Family index; the family of the paper spans [0, 2]. For
        :math:`\tau > 1` the loss
        is bounded by :math:`1/(\tau - 1)`; for :math:`\tau < 1` it is
        unbounded (expect large gradients; ``log p_y`` is floored at
        ``log(1e-7)`` to keep it finite). Noisy-label grid
        {1, 1.3, 1.5, 1.7, 2}. The bound, 5 times the family's range,
        is generous: at :math:`\tau = 10` the loss is already below
        :math:`1/9` and nearly flat in :math:`p_y`.

    Notes
    -----
    Use: one knob from fitting (``tau <= 1``, better for clean, imbalanced
    data) to robustness against label noise (``tau`` towards 2, which
    may underfit rare classes); :ref:`design-noise-imbalance` suggests a
    ``tau`` × ``reweight`` grid for noisy, imbalanced data.
    """

    _parameter_constraints = {"tau": [Interval(Real, 0, 10, closed="both")]}

    def __init__(self, tau=1.0):
        super().__init__()
        self.tau = tau
        self._validate()

    def _loss_per_sample(self, logits, target):
        s = self.tau - 1.0
        if abs(s) < _CE_BRANCH_TOL:
            s = 0.0
        return _power_loss(target_log_prob(log_probs(logits), target), s)


@register_loss("gce")
class GCELoss(PointwiseLoss):
    r"""Generalized cross-entropy (the :math:`L_q` loss).

    *Generalized Cross Entropy Loss for Training Deep Neural Networks with
    Noisy Labels* (Zhang and Sabuncu, NeurIPS 2018); checked against the
    paper's definition and the ``GeneralizedCrossEntropy`` class of
    ``HanxunH/Active-Passive-Losses``:

    .. math::

        \ell(z, y) = \frac{1 - p_y^{\,q}}{q}, \qquad 0 \le \ell \le 1/q,

    with :math:`p = \mathrm{softmax}(z)` and :math:`q` = ``q``. It equals
    ``comp_sum(tau=1+q)``, tends to cross-entropy as :math:`q \to 0` and is
    ``mae()`` at :math:`q = 1`. Computed as ``-expm1(q log p_y) / q``
    (the reference code clamps :math:`p` at 1e-7 instead; not needed here).

    Parameters
    ----------
    q : float in [1e-6, 1], default=0.7
        Robustness exponent; 0.7 is the paper's noisy-label value. Grid
        {0.3, 0.5, 0.7, 0.9}. Below 1e-6 the loss is cross-entropy to
        float32 precision, and from about 1e-39 ``q log p_y`` is 0 in
        float32 (the loss would be NaN): use ``cross_entropy``.

    Notes
    -----
    Use: label noise, as a compromise between the fast fitting of
    cross-entropy and the robustness of MAE. Being bounded, it gives less
    weight to hard (often minority) samples (:ref:`design-noise-imbalance`).
    """

    _parameter_constraints = {"q": [Interval(Real, 1e-6, 1, closed="both")]}

    def __init__(self, q=0.7):
        super().__init__()
        self.q = q
        self._validate()

    def _loss_per_sample(self, logits, target):
        return _power_loss(target_log_prob(log_probs(logits), target), float(self.q))


@register_loss("mae")
class MAELoss(PointwiseLoss):
    r"""Mean absolute error between the softmax and the one-hot label.

    The passive loss of *Normalized Loss Functions for Deep Learning with
    Noisy Labels* (Ma, Huang, Wang, Romano, Erfani and Bailey, ICML 2020),
    shown noise-tolerant in *Robust Loss Functions under Label Noise for
    Deep Neural Networks* (Ghosh, Kumar and Sastry, AAAI 2017). As in the
    ``MeanAbsoluteError`` class of ``HanxunH/Active-Passive-Losses``, it is
    half the L1 distance:

    .. math::

        \ell(z, y) = 1 - p_y = \tfrac12 \lVert p - e_y \rVert_1 \in [0, 1],

    with :math:`p = \mathrm{softmax}(z)` and :math:`e_y` the one-hot label.
    It is symmetric, :math:`\sum_j \ell(z, j) = K - 1` for every
    :math:`z`, and equals ``comp_sum(tau=2)`` and ``gce(q=1)``.

    Notes
    -----
    Use: label noise (symmetric, hence tolerant to uniform noise). It
    underfits with many classes or little data, and ignores hard minority
    samples; prefer the active-passive combinations (``nce_rce``,
    ``nfl_rce``) or ``gce``.
    """

    def __init__(self):
        super().__init__()
        self._validate()

    def _loss_per_sample(self, logits, target):
        return _power_loss(target_log_prob(log_probs(logits), target), 1.0)


# ---------------------------------------------------------------------------
# Normalised and active-passive losses
# ---------------------------------------------------------------------------
@register_loss("nce")
class NCELoss(PointwiseLoss):
    r"""Normalised cross-entropy.

    *Normalized Loss Functions for Deep Learning with Noisy Labels* (Ma,
    Huang, Wang, Romano, Erfani and Bailey, ICML 2020); checked against the
    ``NormalizedCrossEntropy`` class of the official code
    ``HanxunH/Active-Passive-Losses``:

    .. math::

        \ell(z, y) = \frac{-\log p_y}{-\sum_{k=1}^{K} \log p_k} \in [0, 1],

    with :math:`p = \mathrm{softmax}(z)`: the cross-entropy of the label
    divided by the sum of the cross-entropies of all labels, so that
    :math:`\sum_j \ell(z, j) = 1` for every :math:`z`. ``log p`` is floored
    only where :math:`p_k` underflows the dtype (see
    ``_normalized_focal``), which keeps the ratio finite.

    Notes
    -----
    Use: label noise. Alone it underfits (Ma et al.); use ``nce_rce``. Normalisation removes the extra weight CE gives to
    hard samples, so rare classes get no special pull (:ref:`design-noise-imbalance`).
    """

    def __init__(self):
        super().__init__()
        self._validate()

    def _loss_per_sample(self, logits, target):
        return _normalized_focal(log_probs(logits), target, 0.0)


class _ActivePassiveLoss(PointwiseLoss):
    r"""``alpha * active + beta * RCE``: shared code of ``sce``, ``nce_rce`` and ``nfl_rce``.

    RCE is the reverse cross-entropy
    :math:`-\sum_k p_k \log e_{y,k} = -A (1 - p_y)`, the one-hot target's
    :math:`\log 0` replaced by ``A < 0``. Subclasses declare their public
    signature (with their own defaults), pass every parameter to this
    ``__init__`` and implement :meth:`_active`, which returns the active term
    and :math:`1 - p_y` (so that RCE reuses what the active term computed).
    """

    _parameter_constraints = {"alpha": _WEIGHT, "beta": _WEIGHT, "A": _LOG_ZERO}

    def __init__(self, alpha, beta, A, **active_params):
        super().__init__()
        self.alpha = alpha
        self.beta = beta
        self.A = A
        for name, value in active_params.items():  # e.g. nfl_rce's gamma
            setattr(self, name, value)
        self._validate()

    def _check_params(self):
        if self.alpha == 0 and self.beta == 0:
            raise ValueError(
                f"The '{self.name}' loss needs alpha > 0 or beta > 0; got alpha=0 and beta=0."
            )

    def _active(self, log_p, target):  # pragma: no cover - abstract
        """``(active term, 1 - p_y)``, both of shape ``(n,)``."""
        raise NotImplementedError

    def _loss_per_sample(self, logits, target):
        active, one_minus_p_y = self._active(log_probs(logits), target)
        if self.alpha != 1:  # x * 1.0 == x: skip the kernel
            active = self.alpha * active
        # alpha * active + beta * (-A (1 - p_y)), the sum in one kernel.
        return torch.add(active, one_minus_p_y, alpha=-self.A * self.beta)


@register_loss("sce")
class SCELoss(_ActivePassiveLoss):
    r"""Symmetric cross-entropy: cross-entropy plus reverse cross-entropy.

    *Symmetric Cross Entropy for Robust Learning with Noisy Labels* (Wang,
    Ma, Chen, Luo, Yi and Bailey, ICCV 2019):

    .. math::

        \ell(z, y) = \alpha\,(-\log p_y) + \beta\,\mathrm{RCE}, \qquad
        \mathrm{RCE} = -\sum_k p_k \log e_{y,k} = -A\,(1 - p_y),

    with :math:`p = \mathrm{softmax}(z)`, :math:`e_y` the one-hot label and
    :math:`\log 0 := A < 0`. ``sce(alpha=1, beta=0)`` is cross-entropy and
    ``sce(alpha=0, beta=1, A=-4)`` is ``4 * mae()``.

    Deliberate difference from widely copied code (e.g. ``SCELoss`` in
    ``HanxunH/Active-Passive-Losses``): that code clamps the one-hot target
    at 1e-4, i.e. :math:`A = \ln 10^{-4} \approx -9.21` (and clamps
    :math:`p` at 1e-7); this package uses the closed form with an explicit
    ``A`` and the paper's :math:`A = -4`. Pass ``A=math.log(1e-4)`` to match
    that code's RCE scale.

    Parameters
    ----------
    alpha : float in [0, 1e3], default=0.1
        Weight of the cross-entropy (active) term; the paper's CIFAR-10
        value. Grid {0.01, 0.1, 1, 6}.
    beta : float in [0, 1e3], default=1.0
        Weight of the reverse cross-entropy (passive) term; grid
        {0.1, 1, 10}. ``alpha`` and ``beta`` cannot both be 0.
    A : float in [-1e3, 0), default=-4.0
        Value standing for :math:`\log 0` in RCE; only the product
        :math:`-\beta A` matters. The bounds (100 times the published
        values) keep the loss finite in float32.

    Notes
    -----
    Use: label noise, keeping CE's fitting power; the RCE term is bounded
    and symmetric. A larger ``alpha`` fits hard (minority or mislabelled)
    samples more (:ref:`design-noise-imbalance`).
    """

    def __init__(self, alpha=0.1, beta=1.0, A=-4.0):
        super().__init__(alpha, beta, A)

    def _active(self, log_p, target):
        log_p_y = target_log_prob(log_p, target)
        return _power_loss(log_p_y, 0.0), one_minus_p(log_p_y)


@register_loss("nce_rce")
class NCERCELoss(_ActivePassiveLoss):
    r"""Active-passive loss NCE + RCE.

    *Normalized Loss Functions for Deep Learning with Noisy Labels* (Ma,
    Huang, Wang, Romano, Erfani and Bailey, ICML 2020); checked against the
    ``NCEandRCE`` class of the official code ``HanxunH/Active-Passive-Losses``:

    .. math::

        \ell(z, y) = \alpha\,\frac{\log p_y}{\sum_k \log p_k}
        + \beta\,\bigl(-A\,(1 - p_y)\bigr),

    with :math:`p = \mathrm{softmax}(z)` and :math:`\log 0 := A < 0` in the
    reverse cross-entropy. ``nce_rce(alpha=1, beta=0)`` is ``nce()``.

    Deliberate difference from the reference code: its RCE clamps the
    one-hot target at 1e-4 (:math:`A \approx -9.21`); here ``A`` is explicit
    with default -4 as in ``sce``.

    Parameters
    ----------
    alpha : float in [0, 1e3], default=1.0
        Weight of the normalised cross-entropy (active) term. The paper tunes
        it per data set (e.g. 1 on CIFAR-10, 10 on CIFAR-100); grid
        {0.1, 1, 10}.
    beta : float in [0, 1e3], default=1.0
        Weight of the reverse cross-entropy (passive) term; grid
        {0.1, 1, 10}. ``alpha`` and ``beta`` cannot both be 0.
    A : float in [-1e3, 0), default=-4.0
        Value standing for :math:`\log 0` in RCE. The bounds (100 times
        the published values) keep the loss finite in float32.

    Notes
    -----
    Use: label noise; both terms are robust, the active one fits faster than
    MAE. One of the first grids for noisy, imbalanced data is ``alpha`` ×
    ``beta`` (:ref:`design-noise-imbalance`).
    """

    def __init__(self, alpha=1.0, beta=1.0, A=-4.0):
        super().__init__(alpha, beta, A)

    def _active(self, log_p, target):
        return _normalized_focal(log_p, target, 0.0, with_one_minus_p_y=True)


@register_loss("nfl_rce")
class NFLRCELoss(_ActivePassiveLoss):
    r"""Active-passive loss NFL + RCE (normalised focal plus reverse cross-entropy).

    *Normalized Loss Functions for Deep Learning with Noisy Labels* (Ma,
    Huang, Wang, Romano, Erfani and Bailey, ICML 2020); checked against the
    ``NormalizedFocalLoss`` and ``NFLandRCE`` classes of the official code
    ``HanxunH/Active-Passive-Losses``:

    .. math::

        \ell(z, y) = \alpha\,\frac{(1 - p_y)^\gamma \log p_y}
                                  {\sum_k (1 - p_k)^\gamma \log p_k}
        + \beta\,\bigl(-A\,(1 - p_y)\bigr),

    with :math:`p = \mathrm{softmax}(z)`, :math:`\gamma` = ``gamma`` and
    :math:`\log 0 := A < 0`. The NFL term sums to 1 over the labels, and
    ``nfl_rce(gamma=0)`` is ``nce_rce`` with the same ``alpha``, ``beta``.

    Deliberate differences from the reference code: it detaches the focal
    factors :math:`(1 - p_k)^\gamma` (numerator and normaliser) from the
    graph, whereas this package differentiates the analytic formula (the
    factors are floored at 1e-7 so that the gradient stays finite at
    :math:`p_k = 1`); and its RCE clamps the one-hot target at 1e-4
    (:math:`A \approx -9.21`), whereas ``A`` is explicit here, default -4.

    Parameters
    ----------
    alpha : float in [0, 1e3], default=1.0
        Weight of the normalised focal (active) term; tuned per data set in
        the paper, grid {0.1, 1, 10}.
    beta : float in [0, 1e3], default=1.0
        Weight of the reverse cross-entropy (passive) term; grid
        {0.1, 1, 10}. ``alpha`` and ``beta`` cannot both be 0.
    gamma : float in [0, 100], default=0.5
        Focusing parameter of the normalised focal term; 0.5 is the reference
        code's value. Grid {0, 0.5, 1, 2}. The bound keeps the focal factors
        and their gradients finite in float32.
    A : float in [-1e3, 0), default=-4.0
        Value standing for :math:`\log 0` in RCE. The bounds (100 times
        the published values) keep the loss finite in float32.

    Notes
    -----
    Use: label noise. Within the normalised term, the focal factor shifts
    weight towards hard samples (useful for rare classes) while the
    normalisation keeps the loss bounded (:ref:`design-noise-imbalance`).
    """

    _parameter_constraints = {**_ActivePassiveLoss._parameter_constraints,
                              "gamma": _EXPONENT}

    def __init__(self, alpha=1.0, beta=1.0, gamma=0.5, A=-4.0):
        super().__init__(alpha, beta, A, gamma=gamma)

    def _active(self, log_p, target):
        return _normalized_focal(log_p, target, float(self.gamma), with_one_minus_p_y=True)


# ---------------------------------------------------------------------------
# Label distributionally robust loss
# ---------------------------------------------------------------------------
@register_loss("ldr_kl")
class LDRKLLoss(PointwiseLoss):
    r"""Label distributionally robust loss with a KL penalty (LDR-KL).

    *Label Distributionally Robust Losses for Multi-class Classification:
    Consistency, Robustness and Adaptivity* (Zhu, Ying and Yang, ICML 2023).
    The worst case over label distributions :math:`q` in the simplex
    :math:`\Delta_K`, penalised by their KL divergence to the uniform one,
    has a closed form (computed with ``logsumexp``):

    .. math::

        \ell(z, y) = \max_{q \in \Delta_K} \sum_k q_k\,(c\,1[k \ne y] + z_k - z_y)
                     - \lambda\,\mathrm{KL}(q \,\|\, \tfrac1K \mathbf 1)
                   = \lambda \log\Bigl(\frac1K \sum_{k=1}^{K}
                     \exp\frac{c\,1[k \ne y] + z_k - z_y}{\lambda}\Bigr),

    with :math:`\lambda` = ``lam`` and :math:`c` = ``margin``. At
    :math:`\lambda = 1, c = 0` it is cross-entropy minus :math:`\log K`; as
    :math:`\lambda \to 0` it tends to the Crammer-Singer hinge
    :math:`\max_k (c\,1[k \ne y] + z_k - z_y)` (within
    :math:`\lambda \log K`); as :math:`\lambda \to \infty` it tends to the
    mean margin violation, a symmetric loss.

    Checked against the ``LDRLoss_V1`` class of the authors' code
    (``Optimization-AI/ICML2023_LDR``, read through public copies): the same
    closed form, with a mean over classes inside the log. Deliberate
    difference: that code first maps the logits to bounded scores
    :math:`f = \mathrm{softplus}(z) / \mathrm{mean}_k\,\mathrm{softplus}(z_k)`
    (which matters for its robustness claims); this package uses the raw
    logits.

    Parameters
    ----------
    lam : float in [1e-6, 1e3], default=1.0
        Temperature :math:`\lambda` of the KL penalty. Small values give a
        hinge-like loss that fits hard samples; large values the mean margin
        violation, symmetric but, on raw logits, not bounded (it grows
        linearly with the logit gap: 620 for two classes 1,000 apart with
        ``lam=1000``, 9,300 for 10,000 apart). Grid {0.1, 1, 10}. At 1e-6 the
        loss is the hinge within :math:`10^{-6} \log K` (from about 1e-37,
        :math:`(z_k - z_y) / \lambda` overflows float32: NaN); above 1e3
        float32 rounding of :math:`\lambda \log(\cdot)` reaches 1e-4 of the
        loss.
    margin : float in [0, 1e3], default=0.1
        Margin :math:`c` added to every wrong class. The default is uncertain;
        copies of the reference code use 0.1 to 2. Grid {0, 0.1, 1}.

    Notes
    -----
    Use: a loss tunable from hinge-like (small ``lam``) to symmetric
    (large ``lam``). Under label noise it is no first choice: at its
    defaults it scored level with cross-entropy on clean test labels, and
    with ``lam=100`` below it on a 4-class table with 20% uniform noise
    (accuracy 0.63 against 0.72), above it on a binary one with 40% (0.75
    against 0.70); prefer ``gce``, ``sce`` or ``nce_rce``
    (:ref:`design-noise-imbalance`).
    """

    _parameter_constraints = {
        "lam": [Interval(Real, 1e-6, 1e3, closed="both")],
        "margin": [Interval(Real, 0, 1e3, closed="both")],
    }

    def __init__(self, lam=1.0, margin=0.1):
        super().__init__()
        self.lam = lam
        self.margin = margin
        self._validate()

    def _loss_per_sample(self, logits, target):
        n_classes = logits.shape[1]
        # c * 1[k != y] + z_k - z_y; the target column is set to exactly 0.
        index = target.unsqueeze(1)
        shifted = (logits - logits.gather(1, index) + self.margin).scatter(1, index, 0.0)
        if self.lam == 1:  # x / 1 == 1 * x == x: skip both kernels
            return torch.logsumexp(shifted, dim=1) - math.log(n_classes)
        scaled = shifted / self.lam
        return self.lam * (torch.logsumexp(scaled, dim=1) - math.log(n_classes))
