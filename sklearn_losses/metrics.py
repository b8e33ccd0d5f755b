"""Metrics on predicted probabilities, shared by early stopping and scorers.

Each metric is a function ``metric(y_true, proba, sample_weight=None)`` on
encoded labels ``0..K-1`` and a probability matrix ``(n, K)``, registered
with its direction. :class:`~sklearn_losses.WeightedLossClassifier` monitors
them on its validation split (``scoring=``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from sklearn import metrics as skm
from sklearn.preprocessing import label_binarize

__all__ = ["ProbaMetric", "available_metrics", "get_metric"]


@dataclass(frozen=True)
class ProbaMetric:
    """A metric on probabilities and its direction."""

    name: str
    func: Callable
    greater_is_better: bool = True

    def __call__(self, y_true, proba, sample_weight=None) -> float:
        return float(self.func(np.asarray(y_true), np.asarray(proba), sample_weight))


def _predict(proba):
    return np.argmax(proba, axis=1)


def _roc_auc(y, proba, w):
    if proba.shape[1] == 2:
        return skm.roc_auc_score(y, proba[:, 1], sample_weight=w)
    return skm.roc_auc_score(y, proba, sample_weight=w, multi_class="ovr", average="macro",
                             labels=np.arange(proba.shape[1]))


def _average_precision(y, proba, w):
    if proba.shape[1] == 2:
        return skm.average_precision_score(y, proba[:, 1], sample_weight=w)
    onehot = label_binarize(y, classes=np.arange(proba.shape[1]))
    return skm.average_precision_score(onehot, proba, sample_weight=w, average="macro")


def _f1(y, proba, w):
    average = "binary" if proba.shape[1] == 2 else "macro"
    return skm.f1_score(y, _predict(proba), sample_weight=w, average=average, zero_division=0.0,
                        labels=None if average == "binary" else np.arange(proba.shape[1]))


def _log_loss(y, proba, w):
    return skm.log_loss(y, proba, sample_weight=w, labels=np.arange(proba.shape[1]))


_METRICS = {
    m.name: m
    for m in [
        ProbaMetric("accuracy", lambda y, p, w: skm.accuracy_score(y, _predict(p), sample_weight=w)),
        ProbaMetric("balanced_accuracy",
                    lambda y, p, w: skm.balanced_accuracy_score(y, _predict(p), sample_weight=w)),
        ProbaMetric("roc_auc", _roc_auc),
        ProbaMetric("average_precision", _average_precision),
        ProbaMetric("f1", _f1),
        ProbaMetric("matthews_corrcoef",
                    lambda y, p, w: skm.matthews_corrcoef(y, _predict(p), sample_weight=w)),
        ProbaMetric("log_loss", _log_loss, greater_is_better=False),
    ]
}


def available_metrics() -> list[str]:
    """Names accepted by :func:`get_metric` (and by the estimator's ``scoring=``)."""
    return sorted(_METRICS)


def get_metric(name: str) -> ProbaMetric:
    """The registered metric ``name``; ValueError listing the valid names otherwise."""
    try:
        return _METRICS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown metric {name!r}. Available: {', '.join(available_metrics())}."
        ) from None
