"""Estimators for the tests that worker processes can import (``--jobs``)."""

from sklearn_losses import WeightedLossClassifier


class InterruptedOnFocal(WeightedLossClassifier):
    """A ``WeightedLossClassifier`` whose fit raises ``KeyboardInterrupt`` for ``loss="focal"``
    (as a Ctrl-C during that fit would)."""

    def fit(self, X, y, **kwargs):
        if self.loss == "focal":
            raise KeyboardInterrupt
        return super().fit(X, y, **kwargs)


class WarnsTwice(WeightedLossClassifier):
    """A ``WeightedLossClassifier`` that warns the same thing twice in every fit."""

    def fit(self, X, y, **kwargs):
        import warnings

        for _ in range(2):
            warnings.warn("the same tidy warning", UserWarning, stacklevel=1)
        return super().fit(X, y, **kwargs)
