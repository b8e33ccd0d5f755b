"""Wrappers that modify any loss of the zoo (``logit_clip``)."""

from __future__ import annotations

import math
from numbers import Real

import torch
from sklearn.utils._param_validation import Interval, Options
from torch import nn

from .base import Loss, float32_if_half, get_loss, get_loss_class, register_loss

__all__ = ["LogitClip", "clip_logits"]

#: Registry name of the loss a wrapper wraps by default.
_DEFAULT_INNER = "cross_entropy"


def clip_logits(logits: torch.Tensor, delta: float) -> torch.Tensor:
    r"""Row-wise norm clipping :math:`\hat z = z \cdot \min(1, \delta / \lVert z \rVert_2)`.

    ``delta=inf`` returns ``logits`` unchanged. Computed as
    :math:`z \cdot \delta / \max(\lVert z \rVert_2, \delta)`, which never
    divides by a zero norm (finite gradients at :math:`z = 0`).
    """
    if math.isinf(delta):
        return logits
    norm = torch.linalg.vector_norm(logits, dim=1, keepdim=True)
    return logits * (delta / norm.clamp_min(delta))


class _FromInner:
    """Read-only attribute taken from the wrapped loss.

    On an instance it is the resolved inner loss's value; on the class
    (registry look-ups such as ``get_loss_class(name).stochastic``) it is the
    value of the default inner loss's class.
    """

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return getattr(get_loss_class(_DEFAULT_INNER), self.name)
        return getattr(obj._inner, self.name)


@register_loss("logit_clip")
class LogitClip(Loss):
    r"""Logit clipping: evaluate any loss on logits whose norm is capped.

    *Mitigating Memorization of Noisy Labels by Clipping the Model
    Prediction* (LogitClip; Wei, Zhuang, Xie, Feng, Niu, An and Li,
    ICML 2023):

    .. math::

        \hat z = z \cdot \min\Bigl(1, \frac{\delta}{\lVert z \rVert_2}\Bigr),
        \qquad \ell_{\mathrm{clip}}(z, y) = \ell(\hat z, y),

    with :math:`\delta` = ``delta`` (the paper's :math:`1/\tau`) and
    :math:`\ell` the wrapped loss. :math:`\lVert \hat z \rVert_2 \le \delta`,
    the argmax is unchanged and ``delta=inf`` leaves the wrapped loss
    unchanged. For ``K = 2`` the logit gap is at most :math:`\sqrt2\,\delta`,
    so the training loss sees a confidence of at most
    :math:`\sigma(\sqrt2\,\delta)`. Clipping applies to the training loss
    only; ``predict_proba`` uses the raw logits.

    Checked against the official code (``hongxin001/LogitClip``,
    ``algorithms/clip.py``), which rescales rows to norm :math:`1/\tau` but
    tests ``norm > tau`` (the two agree only at :math:`\tau = 1`) and adds
    1e-7 to the norm; this wrapper follows the paper's continuous formula
    with the L2 norm.

    Parameters
    ----------
    loss : str or Loss, default="cross_entropy"
        The wrapped loss: a registry name, or a :class:`~sklearn_losses.losses.base.Loss` instance
        (cloned, as :func:`~sklearn_losses.get_loss` does). With an instance, its
        parameters are exposed as ``loss__<param>`` in ``get_params`` /
        ``set_params`` (and ``GridSearchCV`` grids). Any registered loss,
        pointwise or batch-level, can be wrapped.
    delta : float in [1e-3, 1e4] or inf, default=1.0
        Maximum L2 norm of the clipped logits; ``float("inf")`` disables
        clipping. Grid {1, 2, 3, 5}. Below 1e-3 the clipped
        probabilities are uniform to three digits (nothing left to learn, and
        ``delta`` rounds to 0 in float32 from about 1e-45); softmax saturates
        in float32 for logit gaps above about 100, so a norm above 1e4 never
        needs clipping: use inf to turn it off.

    Notes
    -----
    Use: label noise; bounding the logits bounds how hard the network can
    fit (memorise) any single, possibly mislabelled, sample. ``pointwise``,
    ``handles_imbalance``, ``requires_class_counts``, ``stochastic``, ``measures_positive_class``,
    ``min_classes`` and ``max_classes`` are those of the wrapped loss (on
    the class: those of ``cross_entropy``); ``class_counts`` reads the
    wrapped loss's, and
    ``set_params(class_counts=...)`` sets it on (a copy of) the wrapped loss,
    as ``WeightedLossClassifier`` does for losses that need counts; so does
    ``set_params(random_state=...)``, with which the estimator seeds a
    wrapped ``ensloss`` left unseeded.
    """

    _parameter_constraints = {
        "loss": [str, Loss],
        "delta": [Interval(Real, 1e-3, 1e4, closed="both"), Options(Real, {math.inf})],
    }

    pointwise = _FromInner()
    handles_imbalance = _FromInner()
    requires_class_counts = _FromInner()
    stochastic = _FromInner()
    measures_positive_class = _FromInner()
    min_classes = _FromInner()
    max_classes = _FromInner()

    def __init__(self, loss=_DEFAULT_INNER, delta=1.0):
        super().__init__()
        self.loss = loss
        self.delta = delta
        self._validate()

    def __setattr__(self, name, value):
        # nn.Module refuses to replace a registered sub-module by a non-module
        # (e.g. set_params(loss="focal") after loss=FocalLoss()).
        if name == "loss" and not isinstance(value, nn.Module):
            self.__dict__.get("_modules", {}).pop("loss", None)
        super().__setattr__(name, value)

    def _check_params(self):
        # Resolve (a clone of) the wrapped loss; it is re-resolved on every
        # set_params, including nested loss__<param> ones.
        self._inner = get_loss(self.loss)

    def set_params(self, **params):
        """Set parameters; ``class_counts=...`` and ``random_state=...`` go to the wrapped loss.

        Neither is a parameter of the wrapper: each replaces ``loss`` by a
        copy of the wrapped loss with that parameter set (ValueError if the
        wrapped loss has no such parameter).
        """
        passed = {k: params.pop(k) for k in ("class_counts", "random_state") if k in params}
        if passed:
            params["loss"] = get_loss(params.get("loss", self.loss), **passed)
        return super().set_params(**params)

    @property
    def inner(self):
        """The wrapped loss, resolved (a clone of ``loss`` when it is an instance)."""
        return self._inner

    @property
    def class_counts(self):
        """The wrapped loss's ``class_counts`` (None if it has none)."""
        return getattr(self._inner, "class_counts", None)

    @property
    def random_state(self):
        """The wrapped loss's ``random_state`` (0 if it draws no random numbers)."""
        return getattr(self._inner, "random_state", 0)

    @property
    def n_degenerate_batches_(self):
        """Degenerate batches counted by a wrapped batch-level loss."""
        return self._inner.n_degenerate_batches_

    def prior_logit_offset(self):
        """The wrapped loss's prior correction (clipping does not change the prior)."""
        return self._inner.prior_logit_offset()

    def check_n_classes(self, n_classes: int):
        """Raise ValueError if the wrapped loss is not defined for ``n_classes`` classes."""
        self._inner.check_n_classes(n_classes)

    def loss_per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Unreduced wrapped loss on clipped logits (pointwise wrapped losses only)."""
        if not self.pointwise:
            raise TypeError(
                f"loss_per_sample is only defined around pointwise losses; "
                f"'{self._inner.name}' is batch-level."
            )
        logits = float32_if_half(logits)  # clipped in float32, as a call of the loss does
        return self._inner.loss_per_sample(clip_logits(logits, self.delta), target)

    def forward(self, logits, target, sample_weight=None):
        target, sample_weight = self._check_inputs(logits, target, sample_weight)
        return self._inner(clip_logits(logits, self.delta), target, sample_weight)
