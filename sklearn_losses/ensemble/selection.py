r"""Ensemble selection: greedy forward selection with replacement (Caruana et al., 2004).

:func:`ensemble_selection` picks, step by step, the member whose addition
gives the best score of the ensemble's mean out-of-fold probabilities;
:func:`resolve_metric` turns the metric a user names into the function and
direction the selection uses. :class:`~sklearn_losses.LossPortfolioClassifier`
combines its cross-fitted configurations with them.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ..metrics import ProbaMetric, available_metrics, available_scorers, get_metric

__all__ = ["ensemble_selection", "resolve_metric"]


def _metric_names():
    return sorted({*available_metrics(), *available_scorers()})


def resolve_metric(metric, classes):
    """``(value, sign)``: ``value(y_enc, proba, w)``; ``sign`` 1 when greater is better, else -1.

    A name of :func:`~sklearn_losses.metrics.available_metrics` (or a
    :class:`~sklearn_losses.metrics.ProbaMetric`) is computed on encoded
    labels, the binary positive class being the minority; a scorer name
    ``"neg_<metric>"`` is the negated metric; a callable gets the labels
    themselves, ``metric(y_true, proba)`` (and ``sample_weight=`` when
    weights were given), and is maximised.
    """
    classes = np.asarray(classes)
    if isinstance(metric, str):
        if metric in available_metrics():
            metric = _named_metric(metric)
        elif metric.startswith("neg_") and metric[4:] in available_metrics():
            inner = _named_metric(metric[4:])
            return (lambda y, p, w: -inner(y, p, w)), 1
        else:  # pragma: no cover - the parameter constraints list the names
            raise ValueError(f"Unknown metric {metric!r}; use one of {_metric_names()} or a "
                             "callable metric(y_true, proba).")
    if isinstance(metric, ProbaMetric):
        return (lambda y, p, w: metric(y, p, w)), (1 if metric.greater_is_better else -1)

    def value(y, p, w):
        if w is None:
            return float(metric(classes[y], p))
        return float(metric(classes[y], p, sample_weight=w))
    return value, 1


def _log_loss(y, p, w, n_classes):
    """``sklearn.metrics.log_loss`` of encoded labels and well-formed probabilities.

    The same formula (probabilities clipped to ``[eps, 1 - eps]`` of their
    dtype, the weighted mean of ``-log`` of the true class's probability)
    without sklearn's input validation: ``p`` comes from the members.
    ``n_classes`` (the :class:`~sklearn_losses.metrics.ProbaMetric` function
    signature) is the width of ``p``.
    """
    p = np.asarray(p)
    p = p if np.issubdtype(p.dtype, np.floating) else p.astype(np.float64)
    eps = np.finfo(p.dtype).eps
    true = np.clip(p[np.arange(p.shape[0]), np.asarray(y)], eps, 1 - eps)
    return float(np.average(-np.log(true), weights=w))


#: The registry's ``log_loss`` for the selection, which evaluates its metric
#: ``max_ensemble_size`` x members times: sklearn's ``log_loss`` validates its
#: input on each call, most of the selection's cost on small tables.
_SELECTION_LOG_LOSS = ProbaMetric("log_loss", _log_loss, greater_is_better=False)


def _named_metric(name) -> ProbaMetric:
    """The registered metric ``name``; log-loss without sklearn's input validation."""
    return _SELECTION_LOG_LOSS if name == "log_loss" else get_metric(name)


def ensemble_selection(probas, y_enc, metric="average_precision", *, max_ensemble_size=25,
                       sample_weight=None, classes=None):
    """Greedy forward selection with replacement of an ensemble (Caruana et al., 2004).

    Start from the empty ensemble; at each step add the member (any of
    them, again if it was picked before) whose addition gives the best score
    of the ensemble's mean probabilities, up to ``max_ensemble_size`` picks.
    The ensemble kept is the best of those steps (the earliest of equal
    scores: the smallest); a member's weight is the number of times it was
    picked up to that step over the number of picks. Ties between members
    go to the one listed first. The first pick is thus the best single
    member.

    Parameters
    ----------
    probas : sequence of ndarray of shape (n_samples, n_classes)
        The members' out-of-fold probabilities, columns in class order.
    y_enc : array-like of int of shape (n_samples,)
        Labels as column indices.
    metric : str, ProbaMetric or callable, default="average_precision"
        What to maximise (a lower-is-better metric such as ``"log_loss"``
        is minimised): see :class:`~sklearn_losses.LossPortfolioClassifier`.
    max_ensemble_size : int, default=25
        Number of greedy steps (picks).
    sample_weight : array-like of shape (n_samples,), optional
    classes : array-like of shape (n_classes,), optional
        The labels a callable ``metric`` gets (default: the column indices).

    Returns
    -------
    weights : ndarray of shape (n_members,)
        Non-negative, summing to 1.
    picks : list of int
        The member picked at each step (all ``max_ensemble_size`` steps).
    scores : ndarray of shape (max_ensemble_size,)
        The metric of the ensemble after each step.

    References
    ----------
    R. Caruana, A. Niculescu-Mizil, G. Crew, A. Ksikes. "Ensemble Selection
    from Libraries of Models". ICML 2004.
    """
    probas = np.asarray(probas, dtype=np.float64)
    y_enc = np.asarray(y_enc)
    if probas.ndim != 3 or probas.shape[0] == 0:
        raise ValueError("probas must hold at least one matrix of shape (n_samples, n_classes);"
                         f" got an array of shape {probas.shape}.")
    if not (isinstance(max_ensemble_size, Integral) and max_ensemble_size >= 1):
        raise ValueError(f"max_ensemble_size must be an int >= 1 (picks with replacement); "
                         f"got {max_ensemble_size!r}.")
    classes = np.arange(probas.shape[2]) if classes is None else np.asarray(classes)
    value, sign = resolve_metric(metric, classes)
    total = np.zeros(probas.shape[1:])
    picks, scores = [], []
    for step in range(1, int(max_ensemble_size) + 1):
        best, best_score = 0, -np.inf
        for j, proba in enumerate(probas):
            score = sign * value(y_enc, (total + proba) / step, sample_weight)
            if score > best_score + 1e-12:
                best, best_score = j, score
        total += probas[best]
        picks.append(best)
        scores.append(sign * best_score)
    signed = sign * np.asarray(scores)
    stop = int(np.flatnonzero(signed >= signed.max() - 1e-12)[0]) + 1
    counts = np.bincount(picks[:stop], minlength=probas.shape[0]).astype(np.float64)
    return counts / counts.sum(), picks, np.asarray(scores)


# ---------------------------------------------------------------- estimator
