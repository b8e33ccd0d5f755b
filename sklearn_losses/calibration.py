"""Corrections of ``predict_proba`` for what training did to the probabilities.

Used by :class:`~sklearn_losses.WeightedLossClassifier` (``calibration=``):

- :func:`prior_logit_offset`: the closed-form prior correction. Class weights
  ``c_j`` shift the optimum of a proper loss to ``q_j ∝ c_j p_j``; dividing
  them out (``-log c_j``), putting back the row frequencies where the
  ``"balanced"`` batch sampler replaced them by uniform ones (``+log N_j``),
  and adding back the logit adjustment of ``logit_adjusted`` /
  ``balanced_softmax`` gives the training-prior posterior again (see the
  docs' design rules, "Calibrating predict_proba"). Exact for proper losses
  only (``Loss.proper``).
- :func:`fit_temperature`: temperature scaling (Guo et al., 2017), one
  ``T > 0`` minimising the weighted negative log-likelihood of held-out rows.
"""

from __future__ import annotations

import numpy as np
import torch

from ._warnings import warn_user

__all__ = ["fit_calibration", "fit_temperature", "prior_logit_offset", "separated"]


def prior_logit_offset(loss, class_weight, row_counts, balanced_batches) -> np.ndarray:
    r"""Additive logit correction back to the training-prior posterior.

    The target is the posterior under the training prior
    :math:`\pi_k \propto W_k`, with :math:`W_k` the total ``sample_weight``
    of class :math:`k` (its row count :math:`N_k` without weights). A proper
    loss (``loss.proper``) is minimised by the posterior under the prior the
    loss actually saw, :math:`\tilde\pi_k \propto c_k \bar w_k m_k`:
    :math:`c_k` the class weight, :math:`\bar w_k = W_k / N_k` the mean
    sample weight of the class's rows and :math:`m_k` the rows of class
    :math:`k` drawn per epoch (:math:`N_k` with the ``"random"`` and
    ``"stratified"`` samplers, the same for every class with the
    ``"balanced"`` one, which draws only rows of positive weight: their
    mean weight is :math:`W_k / N^+_k`, with :math:`N^+_k` the class's rows
    of positive weight). So :math:`p_k \propto q_k \pi_k / \tilde\pi_k`,
    i.e. the offset

    .. math::

        \delta_k = -\log c_k + [\text{balanced}] \log (N^+_k / N^+) + a_k

    (up to a constant; :math:`N^+` the number of rows of positive weight,
    :math:`N^+_k = N_k` without weights), with :math:`a_k` the loss's own
    ``prior_logit_offset()`` (``tau log pi_k`` for ``logit_adjusted`` /
    ``balanced_softmax``). With the balanced sampler it is the *row* counts
    that enter, not the weighted counts: with a weight of 3 on every row of
    a class, that class is drawn as often as the others and weighs 3 times
    as much, which is exactly its weighted share. A class of zero class
    weight gets no offset from it: there is no weight to divide out, and its
    probability stays what the network learnt without any weight on it
    (small).

    The correction is exact only for proper losses (``loss.proper``:
    cross-entropy without label smoothing, ``logit_adjusted``,
    ``balanced_softmax``). Other losses (focal, robust, metric and ranking
    losses) are not minimised by the posterior, so dividing the prior out of
    their outputs is approximate; temperature scaling on held-out data
    (``calibration="temperature"``) calibrates them.

    Parameters
    ----------
    loss : Loss
        The trained loss; its ``prior_logit_offset()`` is added.
    class_weight : ndarray of shape (n_classes,) or None
        Class weights the training applied (their log is subtracted).
    row_counts : ndarray of shape (n_classes,)
        Number of training rows of positive weight of each class (not
        weighted): those the balanced sampler draws from.
    balanced_batches : bool
        Whether training used the ``"balanced"`` batch sampler.

    Returns
    -------
    offset : ndarray of shape (n_classes,)
    """
    offset = np.zeros(len(row_counts))
    if class_weight is not None:
        # A class the training gave no weight has nothing to divide out: its logit stays
        # what the network learnt (dividing by 0 would make it the certain class).
        class_weight = np.asarray(class_weight, dtype=np.float64)
        offset -= np.log(np.where(class_weight > 0, class_weight, 1.0))
    if balanced_batches:
        row_counts = np.asarray(row_counts, dtype=np.float64)
        with np.errstate(divide="ignore"):  # a class never drawn: nothing to divide out
            offset += np.where(row_counts > 0, np.log(row_counts / row_counts.sum()), 0.0)
    loss_offset = loss.prior_logit_offset()
    if loss_offset is not None:
        offset += loss_offset
    return offset


def separated(logits: torch.Tensor, target: torch.Tensor,
              weight: torch.Tensor | None = None) -> bool:
    """Whether every row (of positive weight) has its class's logit strictly above the others.

    Then the NLL of ``softmax(logits / T)`` falls towards 0 as ``T`` goes to
    0 and no temperature minimises it: the rows cannot fix one.
    """
    own = logits.gather(1, target[:, None])
    rivals = logits.scatter(1, target[:, None], -torch.inf)
    correct = (own[:, 0] > rivals.max(dim=1).values)
    if weight is not None:
        correct = correct | (weight <= 0)
    return bool(correct.all())


def fit_temperature(logits: torch.Tensor, target: torch.Tensor,
                    weight: torch.Tensor | None = None) -> float:
    """The temperature ``T`` minimising the (weighted) NLL of ``softmax(logits / T)``.

    When the logits classify every row correctly (:func:`separated`), the
    NLL keeps falling as ``T`` goes to 0, so no ``T`` minimises it; 1 (no
    scaling) is returned rather than a ``T`` near 0, which would push every
    probability to 0 or 1.

    Parameters
    ----------
    logits : tensor of shape (n, n_classes)
        Held-out logits (float64 recommended), offsets already applied.
    target : tensor of shape (n,)
        Class indices.
    weight : tensor of shape (n,) or None
        Sample weights of the rows.

    Returns
    -------
    temperature : float
        Searched on ``log T`` in ``[-5, 5]`` (bounded Brent).
    """
    from scipy.optimize import minimize_scalar

    if separated(logits, target, weight):
        return 1.0

    def nll(log_t):
        scaled = logits / float(np.exp(log_t))
        per_row = torch.nn.functional.cross_entropy(scaled, target, reduction="none")
        if weight is None:
            return float(per_row.mean())
        return float((per_row * weight).sum() / weight.sum())

    res = minimize_scalar(nll, bounds=(-5.0, 5.0), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(res.x))


def fit_calibration(plan, module, class_weight, X, y_enc, weight, n_threads=None):
    """``(logit_offset, temperature)`` of ``plan.calibration`` for a trained network.

    Parameters
    ----------
    plan : TrainingPlan
        The plan the network was trained by (loss, row counts, sampler,
        validation split, device).
    module : torch.nn.Module
        The trained network.
    class_weight : ndarray of shape (K,) or None
        The class weights in force at the end of training.
    X : ndarray or sparse matrix
        The encoded training rows (float32); the plan's validation rows
        among them fit the temperature.
    y_enc : ndarray of int
    weight : ndarray or None
        Relative sample weights of the rows.
    n_threads : int or None
        torch's threads for the forward pass.

    Returns
    -------
    logit_offset : ndarray of shape (K,) or None
        :func:`prior_logit_offset` (None when ``calibration`` is None).
    temperature : float
        1.0 unless ``calibration="temperature"`` and the plan held out a
        validation split.
    """
    from .engine import predict_float64

    if plan.calibration is None:
        return None, 1.0
    drawn = plan.drawn_counts  # None in a plan pickled before the field (its default)
    offset = prior_logit_offset(plan.loss, class_weight,
                                plan.row_counts if drawn is None else drawn,
                                plan.batch_sampler == "balanced")
    if plan.calibration == "prior" or plan.valid_index is None:
        return offset, 1.0
    idx = plan.valid_index
    logits = predict_float64(module, X[idx], plan.device, n_threads)
    logits = logits + torch.as_tensor(offset, device=logits.device)
    target = torch.as_tensor(y_enc[idx], dtype=torch.long, device=logits.device)
    w = None if weight is None else torch.as_tensor(weight[idx], dtype=torch.float64,
                                                    device=logits.device)
    if separated(logits, target, w):
        warn_user(
            f"calibration='temperature': the network classifies all {len(idx)} validation "
            "rows correctly, so no temperature minimises their log-loss (it falls towards 0 "
            "as the temperature does); the temperature is left at 1. Hold out more rows "
            "(validation_fraction) or use calibration='prior' or None.")
        return offset, 1.0
    return offset, fit_temperature(logits, target, w)
