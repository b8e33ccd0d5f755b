"""Base classes, shared tensor helpers, reductions and the loss registry.

Every loss of the package is a :class:`torch.nn.Module` that is also a
scikit-learn style parameter container: it is built from keyword
hyper-parameters only, validates them on construction and on
:meth:`~Loss.set_params`, and exposes :meth:`~Loss.get_params`, so that
:func:`sklearn.base.clone` works on it and an estimator holding a loss
instance supports nested ``loss__<param>`` in ``set_params`` and in
``GridSearchCV`` grids.

Calling convention (the *loss protocol*)::

    loss(logits, target, sample_weight=None) -> scalar tensor

``logits`` is a float tensor of shape ``(n, K)`` with ``K >= 2`` (binary
problems use two logits, the positive class is index 1), ``target`` holds
int64 class indices of shape ``(n,)`` and ``sample_weight`` is an optional
non-negative tensor of shape ``(n,)``.

Where a new loss goes
---------------------
Pick the family module (``imbalance``, ``robust``, ``calibration``,
``metric``, ``ranking``), subclass :class:`PointwiseLoss` (implement
``_loss_per_sample``, the terms of :meth:`PointwiseLoss.loss_per_sample` on
checked inputs) or :class:`BatchLoss` (implement ``binary_loss``, which
the base class extends to multiclass one-vs-rest, or ``forward``), declare
``_parameter_constraints`` and decorate the class with
``@register_loss("name")``. Reuse the helpers of this module
(:func:`log_probs`, :func:`target_log_prob`, :func:`one_minus_p`,
:func:`focal_factor`, :func:`one_hot`, :func:`weighted_mean`,
:func:`log_prior`) rather than re-deriving them.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import lru_cache
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator
from torch import nn

from .._registry import Registry

__all__ = [
    "EPS",
    "BatchLoss",
    "Loss",
    "PointwiseLoss",
    "available_losses",
    "check_class_counts",
    "float32_if_half",
    "focal_factor",
    "get_loss",
    "log_prior",
    "log_prior_of",
    "log_probs",
    "trusted_inputs",
    "one_hot",
    "one_minus_p",
    "register_loss",
    "split_weights",
    "target_log_prob",
    "target_nll",
    "target_prob",
    "weighted_mean",
    "weighted_sum",
]

#: Clamp used where a formula needs ``log(1 - p)`` or a ratio (see :ref:`design-numerics`).
EPS = 1e-7

_LOSSES = Registry("loss", listing="Available losses:")


# ---------------------------------------------------------------------------
# Shared tensor helpers: every loss builds on these instead of re-deriving them.
# ---------------------------------------------------------------------------
def float32_if_half(logits):
    """``logits`` in float32 if they are float16 or bfloat16 (as every loss computes them),
    else as given; the gradient flows back to the half-precision tensor."""
    if isinstance(logits, torch.Tensor) and logits.dtype in (torch.float16, torch.bfloat16):
        return logits.float()
    return logits


def log_probs(logits: torch.Tensor) -> torch.Tensor:
    """Row-wise ``log softmax(z)``, the numerically stable log-probabilities."""
    return F.log_softmax(logits, dim=1)


def target_log_prob(log_p: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``log p_y`` for each row, picked from log-probabilities ``log_p``."""
    return log_p.gather(1, target.unsqueeze(1)).squeeze(1)


#: ``ignore_index`` of every ``F.cross_entropy`` call here: a value no class index takes,
#: so that a target of -100 (PyTorch's default ``ignore_index``) is out of bounds, an error,
#: as any other index outside ``[0, K)`` is, rather than a row silently dropped.
NO_IGNORE_INDEX = torch.iinfo(torch.long).min


def target_nll(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``-log p_y`` for each row, straight from the logits.

    Equal to ``-target_log_prob(log_probs(logits), target)`` value for value,
    through PyTorch's fused cross-entropy (one autograd node fewer); for losses
    that need ``-log p_y`` but not the other log-probabilities.
    """
    return F.cross_entropy(logits, target, reduction="none", ignore_index=NO_IGNORE_INDEX)


def target_prob(log_p: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``p_y`` for each row, from log-probabilities ``log_p``."""
    return target_log_prob(log_p, target).exp()


def one_minus_p(log_p: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """``scale * (1 - p)`` from ``log p``, accurate near ``p = 1``.

    Computed as ``expm1(log p) * (-scale)``: two kernels whatever ``scale``
    is, so a constant factor (poly1's ``epsilon``, RCE's ``-A``) costs
    nothing extra. Works elementwise on any shape (``log p_y`` or the full
    ``(n, K)`` log-probabilities).
    """
    return torch.expm1(log_p) * (-scale)


def focal_factor(q: torch.Tensor, gamma: float) -> torch.Tensor:
    """Focal modulating factor ``q^gamma`` of ``q = 1 - p`` (from :func:`one_minus_p`), floored.

    ``q`` is floored at ``EPS``, which keeps the derivative of ``q^gamma``
    finite at ``q = 0`` for ``gamma < 1`` (otherwise ``inf * 0 = NaN``
    gradients on saturated logits); the factor is not detached. Shared by
    ``focal``, the normalised focal term of ``nfl_rce`` and the
    self-adjusting ``dice``.
    """
    return q.clamp_min(EPS).pow(gamma)


def one_hot(target: torch.Tensor, n_classes: int, dtype: torch.dtype,
            on: float = 1.0, off: float = 0.0) -> torch.Tensor:
    """One-hot labels of shape ``(n, K)`` in ``dtype``: ``on`` at ``k = y``, ``off`` elsewhere.

    With the defaults, the same values as ``F.one_hot(target,
    n_classes).to(dtype)``, built with one ``scatter_`` and without
    ``F.one_hot``'s range checks (an index out of range still raises on the
    CPU). No gradient flows through it.
    """
    out = torch.full((target.shape[0], n_classes), off, dtype=dtype, device=target.device)
    return out.scatter_(1, target.unsqueeze(1), on)


def split_weights(weight: torch.Tensor, y01: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Weights of the positives and of the negatives of a binary problem.

    Returns ``(weight * y01, weight * (1 - y01))`` for 0/1 labels ``y01``
    in the weights' dtype: the two sides of the soft confusion counts and
    class moments of the batch-level losses.
    """
    return weight * y01, weight * (1.0 - y01)


def weighted_sum(values: torch.Tensor, sample_weight: torch.Tensor | None) -> torch.Tensor:
    """``sum_i w_i v_i`` (plain sum when ``sample_weight`` is None)."""
    if sample_weight is None:
        return values.sum()
    return (values * sample_weight).sum()


def weighted_mean(values: torch.Tensor, sample_weight: torch.Tensor | None) -> torch.Tensor:
    """Sample-weighted mean ``sum_i w_i v_i / sum_i w_i`` (see :ref:`design-reduction`).

    If the weights sum to zero the result is ``0 * values.sum()``: a zero
    that stays connected to the autograd graph (its gradient is zero, not
    NaN).
    """
    if sample_weight is None:
        return values.mean() if values.numel() else values.sum()  # an empty batch: 0
    total = sample_weight.sum()
    safe_total = torch.where(total > 0, total, torch.ones_like(total))
    mean = (values * sample_weight).sum() / safe_total
    # torch.where keeps the graph; for total == 0 the numerator is 0 anyway
    # (weights are non-negative), so mean is already 0 * (...).
    return mean


def check_class_counts(class_counts, *, name="class_counts") -> np.ndarray:
    """Validate class counts: a 1-D array of at least two positive finite numbers.

    Their total must be finite too (it divides the counts into the prior).
    """
    try:
        counts = np.asarray(class_counts, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must hold numbers, one count per class; got {class_counts!r}.") from None
    if counts.ndim != 1 or counts.shape[0] < 2:
        raise ValueError(
            f"{name} must be a 1-D array with one count per class (at least 2 "
            f"classes); got shape {counts.shape}."
        )
    if not np.all(np.isfinite(counts)) or np.any(counts <= 0):
        raise ValueError(f"{name} must contain positive finite numbers; got {counts.tolist()}.")
    if not np.isfinite(counts.sum()):
        raise ValueError(
            f"{name} must have a finite total (one count per class; only their ratios "
            f"matter, so divide them by a common factor); got {counts.tolist()}, whose "
            "total overflows float64.")
    return counts


@torch.compiler.disable  # a cached host-side build: torch.compile runs it as it is
def log_prior(class_counts, like: torch.Tensor) -> torch.Tensor:
    """``log pi_j`` with ``pi_j = n_j / sum_k n_k``, on the dtype and device of ``like``.

    The tensor is cached per (counts, dtype, device): losses call this on
    every batch, and building it (validation, a host-to-device copy) costs
    more than the loss itself on small batches. Callers must not modify the
    returned tensor in place.
    """
    counts = np.asarray(class_counts, dtype=np.float64)
    return _log_prior_tensor(counts.tobytes(), counts.shape, like.dtype, like.device)


@lru_cache(maxsize=64)
def _log_prior_tensor(counts_bytes, shape, dtype, device):
    counts = check_class_counts(np.frombuffer(counts_bytes, dtype=np.float64).reshape(shape))
    with torch.inference_mode(False):  # a normal tensor, even if first built in inference mode
        return torch.as_tensor(log_prior_of(counts), dtype=dtype, device=device)


def log_prior_of(class_counts) -> np.ndarray:
    """``log(n_j / sum_k n_k)`` in float64, finite for any positive finite counts.

    Computed as ``log n_j - log sum_k n_k``: the ratio itself underflows to 0
    for counts such as ``[1e-300, 1e300]``, the difference of logs (at least
    about -1500) does not.
    """
    counts = np.asarray(class_counts, dtype=np.float64)
    return np.log(counts) - np.log(counts.sum())


# ---------------------------------------------------------------------------
# Base classes
# ---------------------------------------------------------------------------
_TRUSTED = threading.local()


@contextmanager
def trusted_inputs():
    """Within the block (in this thread), losses skip the value checks of their inputs.

    A loss checks every call's targets (class indices in ``[0, K-1]``) and
    sample weights (finite, non-negative) on the CPU: a scan of the batch, about
    7% of a training step on a narrow table. A caller that checked them once
    for all its batches (the estimator's training engine: label-encoded targets,
    validated weights) trains inside this block. Shapes and dtypes are still
    checked and converted.
    """
    previous = getattr(_TRUSTED, "on", False)
    _TRUSTED.on = True
    try:
        yield
    finally:
        _TRUSTED.on = previous


class Loss(BaseEstimator, nn.Module):
    """Base class of every loss: a torch module with scikit-learn parameters.

    Subclasses define their hyper-parameters as explicit keyword arguments of
    ``__init__``, store them unchanged under the same names (as scikit-learn
    estimators do) and end ``__init__`` with ``self._validate()``. Invalid
    values raise :class:`ValueError` when the loss is built and when
    :meth:`set_params` is called.

    Called on ``float16`` or ``bfloat16`` logits, a loss is computed in
    ``float32`` (and returned in it; the gradient flows back to the half
    logits). ``sample_weight`` must be finite and non-negative: a ValueError
    says so for CPU tensors; on a GPU it is not checked (that would
    synchronise the device every batch), as the estimator checks its
    weights before training.

    Attributes
    ----------
    name : str
        Registry name (set by :func:`~sklearn_losses.losses.register_loss`).
    pointwise : bool
        True when the loss is a mean of per-sample terms; batch-level losses
        (soft confusion matrices, pairwise AUC) set it to False.
    handles_imbalance : bool
        True when the loss measures the batch in a way that weighs the
        classes itself (soft confusion-matrix metrics, AUC and AP
        surrogates): ``reweight="auto"`` then adds no class weights, and
        the estimator warns when class weights are added. True for the
        batch-level losses but ``ensloss``, a margin loss drawn per batch.
    requires_class_counts : bool
        True for losses with a ``class_counts`` parameter that the estimator
        fills from the training labels when it is None.
    min_classes, max_classes : int, int or None
        Numbers of classes the loss is defined for (e.g. ``ensloss`` is
        binary only, ``zloss_spherical`` needs at least 3).
    stochastic : bool
        True for losses that draw random numbers in ``forward`` (``ensloss``).
    proper : bool
        True when the weighted loss is minimised by the (weighted)
        posterior, after :meth:`prior_logit_offset`: then re-weighting and
        prior corrections can be divided out of ``softmax(z)`` exactly (the
        estimator's ``calibration="prior"``). Cross-entropy (without label
        smoothing), ``logit_adjusted`` and ``balanced_softmax``.
    measures_positive_class : bool
        True when, for ``K = 2``, the loss measures one class, the positive
        one (index 1), so that swapping the two classes changes its value: a
        soft F-score, average precision. Losses symmetric in the classes
        (cross-entropy, focal, accuracy, ROC AUC ...) leave it False.
        :class:`~sklearn_losses.WeightedLossClassifier` trains such a loss on
        the minority class of a binary problem, whichever index it has (see
        its ``loss_positive_class_``).
    """

    name: ClassVar[str | None] = None
    pointwise: ClassVar[bool] = True
    handles_imbalance: ClassVar[bool] = False
    requires_class_counts: ClassVar[bool] = False
    min_classes: ClassVar[int] = 2
    max_classes: ClassVar[int | None] = None
    stochastic: ClassVar[bool] = False
    proper: ClassVar[bool] = False
    measures_positive_class: ClassVar[bool] = False
    _parameter_constraints: ClassVar[dict] = {}

    def __init__(self):
        nn.Module.__init__(self)

    # -- parameter handling -------------------------------------------------
    def _validate(self):
        """Check hyper-parameters; raise ValueError naming the bad one."""
        self._validate_params()
        self._check_params()

    def _check_params(self):
        """Cross-parameter checks beyond ``_parameter_constraints`` (hook)."""

    def set_params(self, **params):
        """Set hyper-parameters (nested ``inner__param`` too) and re-validate.

        An invalid value raises and leaves every parameter as it was.
        """
        before = self.get_params(deep=True)
        try:
            super().set_params(**params)
            self._validate()
        except Exception:
            # the outer parameters first (an inner loss object back in place), then the
            # nested ones (values an inner set_params may have changed)
            super().set_params(**{k: v for k, v in before.items() if "__" not in k})
            super().set_params(**{k: v for k, v in before.items() if "__" in k})
            self._validate()
            raise
        return self

    def __repr__(self, N_CHAR_MAX=700):
        return BaseEstimator.__repr__(self, N_CHAR_MAX=N_CHAR_MAX)

    # -- protocol -------------------------------------------------------------
    @classmethod
    def check_n_classes(cls, n_classes: int):
        """Raise ValueError if the loss is not defined for ``n_classes`` classes."""
        if n_classes < cls.min_classes or (cls.max_classes is not None
                                           and n_classes > cls.max_classes):
            if cls.max_classes == 2:
                raise ValueError(
                    f"The '{cls.name}' loss handles binary problems only (2 classes); got "
                    f"{n_classes}. For more classes, wrap the estimator in scikit-learn's "
                    "OneVsRestClassifier (one binary model per class)."
                )
            upper = "" if cls.max_classes is None else f" and at most {cls.max_classes}"
            raise ValueError(
                f"The '{cls.name}' loss needs at least {cls.min_classes}{upper} classes; "
                f"got {n_classes}."
            )

    @staticmethod
    def _check_inputs(logits, target, sample_weight):
        if not isinstance(logits, torch.Tensor) or not isinstance(target, torch.Tensor):
            raise TypeError("logits and target must be torch tensors.")
        if logits.ndim != 2 or logits.shape[1] < 2:
            raise ValueError(
                f"logits must have shape (n_samples, n_classes) with n_classes >= 2; "
                f"got {tuple(logits.shape)}. Binary problems use two logits."
            )
        if not logits.is_floating_point():
            raise TypeError(f"logits must be a floating point tensor; got {logits.dtype}.")
        if target.ndim != 1 or target.shape[0] != logits.shape[0]:
            raise ValueError(
                f"target must have shape ({logits.shape[0]},) to match logits; "
                f"got {tuple(target.shape)}."
            )
        if target.dtype != torch.long:
            if target.is_floating_point() or target.dtype == torch.bool:
                raise TypeError(f"target must hold integer class indices; got {target.dtype}.")
            target = target.long()
        trusted = getattr(_TRUSTED, "on", False)
        if target.device.type == "cpu" and target.numel() and not trusted:  # no device sync
            low, high = (int(v) for v in torch.aminmax(target))
            if low < 0 or high >= logits.shape[1]:
                raise ValueError(f"target must hold class indices in [0, {logits.shape[1] - 1}] "
                                 f"for logits of {logits.shape[1]} classes; got "
                                 f"{low if low < 0 else high}.")
        if sample_weight is not None:
            if not isinstance(sample_weight, torch.Tensor):
                sample_weight = torch.as_tensor(sample_weight)
            if sample_weight.shape != target.shape:
                raise ValueError(
                    f"sample_weight must have shape {tuple(target.shape)}; "
                    f"got {tuple(sample_weight.shape)}."
                )
            # at least float32: in float16 a batch's weight total overflows beyond 65504
            dtype = torch.promote_types(logits.dtype, torch.float32)
            sample_weight = sample_weight.to(dtype=dtype, device=logits.device)
            # checked where it costs no device synchronisation (the estimator checks its own
            # weights before training, on any device)
            if sample_weight.device.type == "cpu" and not trusted and not bool(
                    (torch.isfinite(sample_weight) & (sample_weight >= 0)).all()):
                raise ValueError("sample_weight must be finite and non-negative; got "
                                 f"{int((~torch.isfinite(sample_weight)).sum())} NaN or "
                                 f"infinite and {int((sample_weight < 0).sum())} negative "
                                 "value(s).")
        return target, sample_weight

    def _log_prior(self, logits):
        """``log pi`` from the ``class_counts`` parameter (losses that need it)."""
        counts = getattr(self, "class_counts", None)
        if counts is None:
            raise ValueError(
                f"The '{self.name}' loss needs class_counts (one positive count per class). "
                "Pass class_counts=... when using it on its own; WeightedLossClassifier "
                "fills it from the training labels."
            )
        if len(counts) != logits.shape[1]:
            raise ValueError(
                f"class_counts has {len(counts)} entries but logits have "
                f"{logits.shape[1]} classes."
            )
        return log_prior(counts, logits)

    def prior_logit_offset(self):
        """Additive logit correction from this loss's outputs to the training-prior
        posterior, shape ``(K,)``, or None when the loss needs none (used by the
        estimator's ``calibration="prior"``; e.g. ``tau * log pi`` for logit
        adjustment)."""
        return None

    def forward(self, logits, target, sample_weight=None):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, logits, *args, **kwargs):
        # Half-precision logits are computed in float32 (the loss comes back in float32, the
        # gradient flows back to the half logits): several losses' terms leave float16's range
        # (65504) or precision, e.g. 1 / 1e-7 probability floors, squares of logits, pair
        # weights 1 / n^2 summed over many pairs.
        return super().__call__(float32_if_half(logits), *args, **kwargs)


class PointwiseLoss(Loss):
    """A loss that is the weighted mean of per-sample terms ``l_i``.

    Subclasses implement ``_loss_per_sample`` (the terms on checked inputs;
    :meth:`loss_per_sample` checks and calls it); ``forward`` returns
    ``sum_i w_i l_i / sum_i w_i``.
    """

    pointwise: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # any subclass: an override of the checked call would be used by dro_kl only (the
        # loss's own call goes to _loss_per_sample)
        if "loss_per_sample" in vars(cls):
            raise TypeError(f"{cls.__name__} overrides loss_per_sample, which checks the "
                            "inputs and calls _loss_per_sample: implement _loss_per_sample "
                            "instead (the per-sample terms on checked inputs).")

    def loss_per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Unreduced loss, shape ``(n,)`` (used by ``"dro_kl"``).

        The inputs are checked and converted as by a call of the loss:
        ``target`` of ``n`` integer class indices of any integer dtype,
        half-precision logits computed in float32.
        """
        logits = float32_if_half(logits)
        target, _ = self._check_inputs(logits, target, None)
        return self._loss_per_sample(logits, target)

    def _loss_per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The per-sample terms on checked inputs (int64 ``target``): what a subclass
        implements."""
        raise NotImplementedError

    def forward(self, logits, target, sample_weight=None):
        target, sample_weight = self._check_inputs(logits, target, sample_weight)
        return weighted_mean(self._loss_per_sample(logits, target), sample_weight)


class BatchLoss(Loss):
    """A loss defined on the whole batch (soft confusion counts, pairs, ranks).

    Sample weights enter its sums; they never multiply the result afterwards.
    A batch on which the loss is undefined (e.g. a single class) gives
    ``_degenerate``: a graph-connected zero, counted in
    ``n_degenerate_batches_`` so that the estimator can warn after ``fit``.

    Binary batch losses implement :meth:`binary_loss` only: the default
    ``forward`` extends them to ``K > 2`` classes by the one-vs-rest macro
    rule of :meth:`ovr_mean` (see :ref:`design-ovr`), on the per-class
    scores of :meth:`multiclass_scores`. Other batch losses override
    ``forward``.
    """

    pointwise: ClassVar[bool] = False
    handles_imbalance: ClassVar[bool] = True

    def _degenerate(self, logits: torch.Tensor) -> torch.Tensor:
        """Count a degenerate batch and return ``0 * logits.sum()``."""
        self.n_degenerate_batches_ = getattr(self, "n_degenerate_batches_", 0) + 1
        return 0.0 * logits.sum()

    @staticmethod
    def ovr_scores(logits: torch.Tensor) -> torch.Tensor:
        r"""One-vs-rest scores :math:`s_k = z_k - \log \sum_{j \ne k} e^{z_j}`, shape ``(n, K)``.

        :math:`s_k = \log(p_k / (1 - p_k))` with :math:`p = \mathrm{softmax}(z)`,
        so :math:`\sigma(s_k) = p_k`; for ``K = 2``, :math:`s_1 = z_1 - z_0`.
        Computed in :math:`O(nK)` from the row maximum :math:`z_{(1)}`: for
        :math:`k` not the arg-max, :math:`\log\sum_{j\ne k} e^{z_j} = z_{(1)} +
        \log(\sum_j e^{z_j - z_{(1)}} - e^{z_k - z_{(1)}})`, whose argument is
        at least 1 (the arg-max term stays in); for the arg-max, a
        ``logsumexp`` of the row without it. Finite values and gradients for
        logits of any magnitude.
        """
        top, arg = logits.max(dim=1, keepdim=True)
        is_top = torch.zeros_like(logits, dtype=torch.bool).scatter_(1, arg, True)
        shifted = (logits - top).exp()
        rest = shifted.sum(dim=1, keepdim=True) - shifted
        # where() on the argument, not on the log: no log(0) in the graph
        lse_not_top = top + torch.where(is_top, torch.ones_like(rest), rest).log()
        lse_top = torch.logsumexp(logits.masked_fill(is_top, float("-inf")), dim=1, keepdim=True)
        return logits - torch.where(is_top, lse_top, lse_not_top)

    @staticmethod
    def rival_margins(logits: torch.Tensor) -> torch.Tensor:
        r"""Margins :math:`m_k = z_k - \max_{j \ne k} z_j` over the strongest rival, shape ``(n, K)``.

        :math:`m_k > 0` exactly when ``k`` is the arg-max (the class
        ``predict`` returns), and :math:`\sigma(m_k)` is the probability of
        ``k`` against its strongest rival alone. For ``K = 2``,
        :math:`m_1 = z_1 - z_0`. :math:`O(nK)` through the two largest
        logits of each row.
        """
        top2, idx = logits.topk(2, dim=1)
        is_top = torch.zeros_like(logits, dtype=torch.bool).scatter_(1, idx[:, :1], True)
        return logits - torch.where(is_top, top2[:, 1:], top2[:, :1])

    def multiclass_scores(self, logits: torch.Tensor) -> torch.Tensor:
        """Per-class scores used by :meth:`ovr_mean` when ``K > 2`` (default :meth:`ovr_scores`)."""
        return self.ovr_scores(logits)

    def ovr_mean(self, logits, target, sample_weight, binary_fn) -> torch.Tensor:
        """One-vs-rest macro average of a binary batch loss (see :ref:`design-ovr`).

        For ``K = 2`` only class 1 is used, with score :math:`s = z_1 - z_0`;
        for ``K > 2`` every class ``k`` with positive total weight on both
        sides (``y = k`` and ``y != k``) contributes the binary loss of the
        scores :meth:`multiclass_scores` ``[:, k]`` against ``y_k = 1[y = k]``,
        and the values are averaged. All classes are evaluated in one call of
        ``binary_fn`` (tensor operations over a class axis, no Python loop).
        If no class qualifies the batch is degenerate (``_degenerate``).

        Parameters
        ----------
        logits : tensor of shape (n, K)
        target : int64 tensor of shape (n,)
        sample_weight : tensor of shape (n,) or None
            None means all weights are 1.
        binary_fn : callable ``(scores, y01, weight) -> tensor of shape (C,)``
            The binary loss of ``C`` one-vs-rest problems at once:
            ``scores`` and ``y01`` (the 0/1 class indicators, in the logits'
            dtype) have shape ``(n, C)``, one column per qualifying class,
            and ``weight`` of shape ``(n,)`` holds the sample weights
            normalised to sum to one (weight *shares*; both sides of every
            column have a strictly positive total).
        """
        if sample_weight is None:
            weight = torch.ones_like(logits[:, 0]).detach()
        else:
            weight = sample_weight
        total = weight.sum()  # at least float32 (_check_inputs): no float16 overflow
        if not total > 0:
            return self._degenerate(logits)
        weight = (weight / total).to(logits.dtype)
        n_classes = logits.shape[1]
        onehot = one_hot(target, n_classes, logits.dtype)
        w = weight.detach()
        usable = (w @ onehot > 0) & (w @ (1.0 - onehot) > 0)  # weight on both sides, (K,)
        if n_classes == 2:
            if not usable[1]:  # one device sync per batch
                return self._degenerate(logits)
            scores, y01 = (logits[:, 1] - logits[:, 0])[:, None], onehot[:, 1:]
        else:
            classes = usable.nonzero().flatten()  # one device sync per batch
            if classes.numel() == 0:
                return self._degenerate(logits)
            scores = self.multiclass_scores(logits).index_select(1, classes)
            y01 = onehot.index_select(1, classes)
        return binary_fn(scores, y01, weight).mean()

    def binary_loss(self, scores, y01, weight) -> torch.Tensor:  # pragma: no cover - abstract
        """The binary losses of ``C`` one-vs-rest problems, shape ``(C,)``; see :meth:`ovr_mean`."""
        raise NotImplementedError

    def forward(self, logits, target, sample_weight=None):
        target, sample_weight = self._check_inputs(logits, target, sample_weight)
        return self.ovr_mean(logits, target, sample_weight, self.binary_loss)


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------
def _check_loss_class(cls):
    if not (isinstance(cls, type) and issubclass(cls, Loss)):
        raise TypeError(f"Only Loss subclasses can be registered; got {cls!r}.")


def register_loss(name: str):
    """Class decorator registering a :class:`~sklearn_losses.losses.base.Loss` subclass under ``name``."""
    return _LOSSES.register(name, check=_check_loss_class)


def available_losses(kind: str | None = None) -> list[str]:
    """Sorted names of the registered losses.

    Parameters
    ----------
    kind : {None, "pointwise", "batch"}, default=None
        Restrict the list to pointwise or batch-level losses.
    """
    if kind not in (None, "pointwise", "batch"):
        raise ValueError(f"kind must be None, 'pointwise' or 'batch'; got {kind!r}.")
    names = _LOSSES.names()
    if kind is None:
        return names
    want = kind == "pointwise"
    # Instances with default parameters: a wrapper's kind is its inner loss's.
    return [n for n in names if bool(_LOSSES.get(n)().pointwise) is want]


def get_loss_class(name: str) -> type[Loss]:
    """The registered class for ``name``; ValueError suggesting and listing valid names otherwise."""
    if not isinstance(name, str):
        raise TypeError(f"A loss name must be a string; got {type(name).__name__}.")
    return _LOSSES.get(name)


def get_loss(name, **params) -> Loss:
    """Build a configured loss from its registry name.

    Parameters
    ----------
    name : str or Loss
        A registry name (see :func:`~sklearn_losses.available_losses`). A :class:`~sklearn_losses.losses.base.Loss`
        instance is cloned, with ``params`` set on the clone.
    **params
        Hyper-parameters of the loss, by the names of its class's parameters.

    Returns
    -------
    loss : Loss

    Raises
    ------
    ValueError
        For an unknown name, an unknown parameter or an invalid value.
    """
    from sklearn.base import clone

    if isinstance(name, Loss):
        return clone(name).set_params(**params) if params else clone(name)
    cls = get_loss_class(name)
    valid = cls._get_param_names()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(
            f"Unknown parameter(s) {unknown} for loss {name!r}; valid parameters: {valid}."
        )
    return cls(**params)
