"""Class re-weighting schemes (``reweight=``), composable with any loss.

A scheme turns the training class counts ``n_j`` into class weights ``c_j``;
the estimator multiplies them into the per-sample weights,
``w_i = sample_weight_i * c_{y_i}``, so every loss of the package sees one
weight vector (see :ref:`design-reweight-resample`). Only ratios of the weights matter for
training; the normalisations below fix the stored values
(``WeightedLossClassifier.class_weight_``).

``reweight`` accepts ``None``, a scheme name (:func:`available_reweightings`),
a scheme instance (so that ``reweight__beta`` can be grid-searched) or a dict
``{class_label: weight}`` (classes left out get weight 1, as with
scikit-learn's ``class_weight``).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import Interval

from ._registry import Registry
from .losses.base import check_class_counts

__all__ = [
    "DROKL",
    "Balanced",
    "ClassBalanced",
    "DeferredReweighting",
    "InverseSqrt",
    "Reweighting",
    "available_reweightings",
    "compute_class_weights",
    "get_reweighting",
    "register_reweighting",
]

_REWEIGHTINGS = Registry(
    "re-weighting scheme", unknown_message="Unknown reweight {name}.",
    listing="Use None, a dict {class: weight}, a Reweighting instance or one of:")


def _check_reweighting_class(cls):
    if not (isinstance(cls, type) and issubclass(cls, Reweighting)):
        raise TypeError(f"Only Reweighting subclasses can be registered; got {cls!r}.")


def register_reweighting(name: str):
    """Class decorator registering a :class:`Reweighting` subclass under ``name``.

    The estimators then take ``reweight=name``, as they take the built-in names.
    """
    return _REWEIGHTINGS.register(name, check=_check_reweighting_class)


def available_reweightings() -> list[str]:
    """Sorted names of the registered re-weighting schemes."""
    return _REWEIGHTINGS.names()


class Reweighting(BaseEstimator):
    """Base class of class re-weighting schemes.

    Subclasses implement :meth:`class_weights`. Parameters are validated in
    :meth:`class_weights` (at ``fit`` time), following scikit-learn.
    """

    name: ClassVar[str | None] = None
    #: True for schemes that weight instances per batch from their loss.
    instance_level: ClassVar[bool] = False
    _parameter_constraints: ClassVar[dict] = {}

    def class_weights(self, class_counts) -> np.ndarray:
        """Class weights ``c_j`` of shape ``(K,)`` for counts ``n_j``."""
        raise NotImplementedError

    def class_weights_at_epoch(self, class_counts, epoch: int, max_epochs: int) -> np.ndarray:
        """Weights in force during ``epoch`` (0-based); static schemes ignore it."""
        return self.class_weights(class_counts)

    @property
    def scheduled(self) -> bool:
        """True when the class weights change between epochs."""
        return type(self).class_weights_at_epoch is not Reweighting.class_weights_at_epoch

    @staticmethod
    def _counts(class_counts) -> np.ndarray:
        return check_class_counts(class_counts, name="class counts")


def _normalise_sum_to_k(weights: np.ndarray) -> np.ndarray:
    return weights * (weights.size / weights.sum())


@register_reweighting("balanced")
class Balanced(Reweighting):
    r"""Inverse class frequency, :math:`c_j = n / (K n_j)`.

    The same weights as ``sklearn.utils.class_weight.compute_class_weight(
    "balanced")``: every class carries the same total weight. Source: the
    re-weighting menu of *Deep Long-Tailed Learning: A Survey* (Zhang et al.,
    TPAMI 2023).
    """

    def class_weights(self, class_counts):
        counts = self._counts(class_counts)
        return counts.sum() / (counts.size * counts)


@register_reweighting("inverse_sqrt")
class InverseSqrt(Reweighting):
    r"""Square-root inverse frequency, :math:`c_j \propto n_j^{-1/2}`, with
    :math:`\sum_j c_j = K`. A milder correction than ``"balanced"``
    (*Deep Long-Tailed Learning: A Survey*, Zhang et al., TPAMI 2023)."""

    def class_weights(self, class_counts):
        return _normalise_sum_to_k(self._counts(class_counts) ** -0.5)


@register_reweighting("class_balanced")
class ClassBalanced(Reweighting):
    r"""Effective-number class-balanced weights (Cui et al., CVPR 2019).

    *Class-Balanced Loss Based on Effective Number of Samples*: the effective
    number of class :math:`j` is :math:`E_j = (1 - \beta^{n_j}) / (1 - \beta)`
    and :math:`c_j \propto 1 / E_j`, normalised so that
    :math:`\sum_j c_j = K` (as in the paper's reference code).

    ``beta=0`` gives all ones; as ``beta -> 1`` the weights approach
    ``"balanced"`` up to scale. Since :math:`E_j \approx n_j` while
    :math:`n_j \ll 1/(1-\beta)`, ``beta=0.999`` gives small tabular classes
    nearly inverse-frequency weights.

    Parameters
    ----------
    beta : float in [0, 1), default=0.999
        Grid {0.9, 0.99, 0.999, 0.9999}.
    """

    _parameter_constraints = {"beta": [Interval(Real, 0, 1, closed="left")]}

    def __init__(self, beta=0.999):
        self.beta = beta

    def class_weights(self, class_counts):
        self._validate_params()
        counts = self._counts(class_counts)
        beta = float(self.beta)
        # (1 - beta) / (1 - beta**n), computed stably: -expm1(n log beta).
        if beta == 0.0:
            inv_effective = np.ones_like(counts)
        else:
            inv_effective = (1.0 - beta) / -np.expm1(counts * np.log(beta))
        return _normalise_sum_to_k(inv_effective)


@register_reweighting("drw")
class DeferredReweighting(ClassBalanced):
    r"""Deferred re-weighting (DRW): unweighted first, class-balanced later.

    From *Learning Imbalanced Datasets with Label-Distribution-Aware Margin
    Loss* (Cao, Wei, Gaidon, Arechiga and Ma, NeurIPS 2019), where it is paired
    with LDAM (LDAM-DRW): the network first learns representations with
    :math:`c_j = 1`, then from epoch ``start_epoch`` on (0-based) trains with
    the ``"class_balanced"`` weights of :class:`ClassBalanced`. The estimator
    switches the weights at the start of that epoch (a skorch callback).

    ``start_epoch=0`` equals ``"class_balanced"``; ``start_epoch >=
    max_epochs`` equals ``None``.

    Parameters
    ----------
    beta : float in [0, 1), default=0.999
        Effective-number parameter of the late-phase weights.
    start_epoch : int >= 0 or None, default=None
        First re-weighted epoch; None means ``round(0.8 * max_epochs)``.
        With early stopping the run may end before it; once it is reached,
        the stopping rule starts over (the watched loss changes with the
        weights), so the epoch kept is a re-weighted one. In a continued fit
        (``warm_start``, ``partial_fit``) the weights, once on, stay on.
    """

    _parameter_constraints = {
        **ClassBalanced._parameter_constraints,
        "start_epoch": [None, Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, beta=0.999, start_epoch=None):
        super().__init__(beta=beta)
        self.start_epoch = start_epoch

    def resolved_start_epoch(self, max_epochs: int) -> int:
        """``start_epoch``, or ``round(0.8 * max_epochs)`` when it is None."""
        self._validate_params()
        return int(round(0.8 * max_epochs)) if self.start_epoch is None else int(self.start_epoch)

    def class_weights_at_epoch(self, class_counts, epoch, max_epochs):
        if epoch < self.resolved_start_epoch(max_epochs):
            return np.ones(self._counts(class_counts).size)
        return self.class_weights(class_counts)


@register_reweighting("dro_kl")
class DROKL(Reweighting):
    r"""Instance re-weighting by KL-regularised distributionally robust optimisation.

    From *Doubly Robust Instance-Reweighted Adversarial Training* (Sow, Lin,
    Wang and Liang, ICLR 2024), without its adversarial part: the inner
    problem :math:`\max_{q \in \Delta_B} \sum_i q_i \ell_i - r\,
    \mathrm{KL}(q \,\|\, \mathrm{uniform})` over a batch :math:`B` has the
    closed form :math:`q_i \propto \exp(\ell_i / r)` (tilted ERM). Each
    sample's weight in the batch is

    .. math::

        d_i = |B|\, \mathrm{softmax}_i(\ell_i / r),

    computed on the detached, unweighted per-sample losses with a
    max-subtracted softmax (the weights have mean 1 in the batch). They
    multiply ``sample_weight``; class weights are 1 under this scheme.

    Parameters
    ----------
    r : float in [-1e12, -1e-3] or [1e-3, 1e12], default=1.0
        Temperature. ``r > 0`` up-weights high-loss (hard or minority)
        samples and amplifies label noise; ``r < 0`` (a package extension)
        down-weights them, which is noise-robust; ``|r| -> inf`` gives
        uniform weights (``|r| = 1e12`` does to float32 precision).
        Grid {-2, -1, -0.5, 0.5, 1, 2, 5}. ``|r| >= 1e-3`` keeps
        :math:`\ell_i / r` finite in float32 for losses up to about 1e35.

    Notes
    -----
    Pointwise losses only (it needs per-sample losses); a batch-level loss
    raises ValueError in ``fit``.
    """

    instance_level: ClassVar[bool] = True
    _parameter_constraints = {"r": [Interval(Real, -1e12, -1e-3, closed="both"),
                                    Interval(Real, 1e-3, 1e12, closed="both")]}

    def __init__(self, r=1.0):
        self.r = r

    def class_weights(self, class_counts):
        self._validate_params()
        return None

    def instance_weights(self, per_sample_loss: torch.Tensor,
                         sample_weight: torch.Tensor | None = None) -> torch.Tensor:
        """``d_i = |B| softmax_i(l_i / r + log w_i)`` of detached per-sample losses.

        With ``sample_weight`` the result already holds them: ``w_i exp(l_i / r)``
        normalised, the weights of the KL-DRO distribution over the weighted
        rows. Folding ``log w_i`` into the softmax, rather than multiplying
        afterwards, keeps a row of weight 0 out of the normalisation: a large
        loss of such a row would otherwise take all the mass and leave the
        others' weights at 0.
        """
        scaled = per_sample_loss.detach() / float(self.r)
        if sample_weight is not None:
            scaled = scaled + torch.log(sample_weight.to(scaled.dtype))  # log 0 = -inf
        # a batch of rows of weight 0 only: softmax(-inf, ...) is NaN; its weights are 0
        return per_sample_loss.shape[0] * torch.nan_to_num(torch.softmax(scaled, dim=0),
                                                           nan=0.0)


def get_reweighting(name, **params) -> Reweighting:
    """Build a re-weighting scheme from its name (or clone an instance)."""
    if isinstance(name, Reweighting):
        scheme = clone(name)
        return scheme.set_params(**params) if params else scheme
    return _REWEIGHTINGS.get(name)(**params)


def compute_class_weights(reweight, classes, class_counts):
    """Resolve ``reweight`` into class weights aligned with ``classes``.

    Parameters
    ----------
    reweight : None, str, dict or Reweighting
        The estimator's ``reweight`` parameter.
    classes : array-like of shape (K,)
        Class labels in the order of the network outputs (``classes_``).
    class_counts : array-like of shape (K,)
        Training count of each class.

    Returns
    -------
    weights : ndarray of shape (K,) or None
        None when no re-weighting applies. A scheduled scheme (``"drw"``)
        gives its final weights; the estimator applies the schedule with
        :meth:`Reweighting.class_weights_at_epoch`.

    Raises
    ------
    ValueError
        When ``classes`` and ``class_counts`` differ in length, a dict names
        an unknown class or holds a weight that is not a finite number
        ``>= 0``, or the weights (a scheme's too) are not ``K`` finite,
        non-negative numbers within float32's range, which the network trains
        in.
    """
    classes = np.asarray(classes)
    class_counts = np.asarray(class_counts)
    if classes.ndim != 1 or class_counts.shape != classes.shape:
        raise ValueError(
            f"classes and class_counts must be 1-D and of the same length; got shapes "
            f"{classes.shape} and {class_counts.shape}.")
    if reweight is None:
        return None
    if isinstance(reweight, dict):
        return _check_weights(_dict_weights(reweight, classes), reweight)
    scheme = get_reweighting(reweight)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        weights = scheme.class_weights(class_counts)
    if weights is None:
        return None
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != classes.shape:
        raise ValueError(
            f"reweight={reweight!r} gave class weights of shape {weights.shape} for "
            f"{classes.size} classes; a scheme's class_weights must return one weight per "
            "class.")
    if np.any(np.isinf(weights)):
        raise ValueError(
            f"reweight={reweight!r} gives class weights beyond the float64 range for the "
            f"class frequencies {class_counts.tolist()} (their ratio is about "
            f"{class_counts.max() / class_counts.min():.3g}); the weights a loss could use "
            "would be infinite. Use reweight='inverse_sqrt' or 'class_balanced', or bring "
            "the sample weights of the classes closer.")
    return _check_weights(weights, reweight)


def _dict_weights(reweight, classes):
    """The weights of a ``{class: weight}`` dict in the order of ``classes`` (absent: 1)."""
    known = set(classes.tolist())
    unknown = [k for k in reweight if k not in known]
    if unknown:
        raise ValueError(
            f"reweight dict has keys {unknown} that are not classes of y "
            f"(classes: {classes.tolist()})."
        )
    values = [reweight.get(c, 1.0) for c in classes.tolist()]
    error = ValueError(f"reweight dict values must be numbers (the weight of each class); "
                       f"got {reweight!r}.")
    # float() would read "2" as 2.0 and True as 1.0: text and booleans are no weights
    if any(isinstance(v, (str, bytes, bool, np.bool_)) for v in values):
        raise error
    try:
        return np.array([float(v) for v in values], dtype=np.float64)
    except (TypeError, ValueError):
        raise error from None


def _check_weights(weights, reweight):
    """``weights`` if they are finite, non-negative, not all 0 and within float32's range."""
    what = "reweight dict values" if isinstance(reweight, dict) else \
        f"the class weights of reweight={reweight!r}"
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(f"{what} must be finite and >= 0; got {weights.tolist()}.")
    if not np.any(weights > 0):
        raise ValueError(f"{what} give every class weight 0.")
    tiny, huge = np.finfo(np.float32).tiny, np.finfo(np.float32).max
    positive = weights[weights > 0]
    if positive.max() > huge or positive.min() < tiny:
        raise ValueError(
            f"{what} ({weights.tolist()}) leave float32's range [{tiny:.3g}, {huge:.3g}], "
            "which the network trains in; "
            + ("only their ratios matter, so scale them into it."
               if isinstance(reweight, dict) else
               "use a milder scheme (such as 'inverse_sqrt') or bring the sample weights "
               "of the classes closer."))
    return weights
