"""Corrections of ``predict_proba`` for what training did to the probabilities.

Used by :class:`~sklearn_losses.WeightedLossClassifier` (``calibration=``):

- :func:`prior_logit_offset`: the closed-form prior correction. Class weights
  ``c_j`` shift the optimum of a proper loss to ``q_j ∝ c_j p_j``; dividing
  them out (``-log c_j``), putting back the training prior where the
  ``"balanced"`` batch sampler replaced it by a uniform one (``+log pi_j``),
  and adding back the logit adjustment of ``logit_adjusted`` /
  ``balanced_softmax`` gives the training-prior posterior again (see the
  docs' design rules, "Calibrating predict_proba").
- :func:`fit_temperature`: temperature scaling (Guo et al., 2017), one
  ``T > 0`` minimising the weighted negative log-likelihood of held-out rows.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["fit_temperature", "prior_logit_offset"]


def prior_logit_offset(loss, class_weight, class_counts, balanced_batches) -> np.ndarray:
    """Additive logit correction back to the training-prior posterior.

    Parameters
    ----------
    loss : Loss
        The trained loss; its ``prior_logit_offset()`` (``tau log pi`` for
        the logit-adjusted losses, None otherwise) is added.
    class_weight : ndarray of shape (n_classes,) or None
        Class weights the training applied (their log is subtracted).
    class_counts : ndarray of shape (n_classes,)
        Class frequencies of the training data (the prior put back for
        balanced batches).
    balanced_batches : bool
        Whether training used the ``"balanced"`` batch sampler.

    Returns
    -------
    offset : ndarray of shape (n_classes,)
    """
    offset = np.zeros(len(class_counts))
    if class_weight is not None:
        offset -= np.log(np.maximum(class_weight, 1e-300))
    if balanced_batches:
        offset += np.log(class_counts / class_counts.sum())
    loss_offset = loss.prior_logit_offset()
    if loss_offset is not None:
        offset += loss_offset
    return offset


def fit_temperature(logits: torch.Tensor, target: torch.Tensor,
                    weight: torch.Tensor | None = None) -> float:
    """The temperature ``T`` minimising the (weighted) NLL of ``softmax(logits / T)``.

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

    def nll(log_t):
        scaled = logits / float(np.exp(log_t))
        per_row = torch.nn.functional.cross_entropy(scaled, target, reduction="none")
        if weight is None:
            return float(per_row.mean())
        return float((per_row * weight).sum() / weight.sum())

    res = minimize_scalar(nll, bounds=(-5.0, 5.0), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(res.x))
