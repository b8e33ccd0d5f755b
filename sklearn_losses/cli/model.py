"""The models ``compare`` cross-validates, and the one ``--save-best`` writes."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone

__all__ = ["RelabeledClassifier", "complexity", "config_name", "make_classifier"]


def config_name(loss, reweight) -> str:
    """``"focal + balanced"``; ``reweight=None`` reads ``none``."""
    return f"{loss} + {'none' if reweight is None else reweight}"


def complexity(loss, reweight) -> int:
    """How far a configuration is from plain cross-entropy without re-weighting (0, 1 or 2).

    The ranking's last tie-breaker but the name: the simpler configuration first.
    """
    return int(loss != "cross_entropy") + int(reweight is not None)


def make_classifier(loss, reweight, *, max_epochs, device, random_state):
    """The ``WeightedLossClassifier`` of one configuration.

    ``reweight="drw"`` (deferred re-weighting) switches its class weights on
    at ``round(0.8 * max_epochs)``; early stopping would end most fits
    before that epoch, and the model would be trained unweighted. Its
    configurations therefore train with ``early_stopping=False`` for all
    ``max_epochs`` epochs.
    """
    from ..classifier import WeightedLossClassifier

    params = {}
    if reweight == "drw":
        params["early_stopping"] = False
    return WeightedLossClassifier(loss=loss, reweight=reweight, max_epochs=max_epochs,
                                  device=device, random_state=random_state, **params)


class RelabeledClassifier(ClassifierMixin, BaseEstimator):
    """A classifier trained on label codes ``0 .. K-1`` that predicts the original labels.

    ``compare`` codes a binary target as 1 for the positive class and 0 for
    the other, so that the scorers know the positive class; the model that
    ``--save-best`` writes wraps the refitted pipeline in this class, so that
    ``predict`` returns the labels as written in the file.

    Parameters
    ----------
    estimator : estimator
        Fitted on the codes (cloned).
    labels : array-like of shape (K,)
        The label of each code.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone.
    classes_ : ndarray of shape (K,)
        ``labels``: the columns of :meth:`predict_proba`.
    """

    def __init__(self, estimator, labels):
        self.estimator = estimator
        self.labels = labels

    def fit(self, X, y):
        """Fit a clone of ``estimator`` on ``X`` and the codes ``y``."""
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.classes_ = np.asarray(self.labels)
        return self

    def predict(self, X):
        """The predicted labels."""
        return self.classes_[np.asarray(self.estimator_.predict(X), dtype=np.int64)]

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``."""
        return self.estimator_.predict_proba(X)
