"""Small data and fast settings shared by the ensemble tests (2 shared cores: keep them tiny)."""

import numpy as np
from sklearn.datasets import make_classification

#: A network that trains in a few hundredths of a second on 200 rows.
FAST = dict(hidden_layer_sizes=(8,), max_epochs=5, n_jobs=1)


def fast_net(**params):
    from sklearn_losses import WeightedLossClassifier

    return WeightedLossClassifier(**{**FAST, **params})


def imbalanced(n=200, n_classes=2, seed=0, n_features=5):
    weights = [0.8] if n_classes == 2 else [0.6, 0.25]
    return make_classification(n, n_features=n_features, n_informative=3, n_redundant=0,
                               n_classes=n_classes, weights=weights, random_state=seed)


def shuffled_labels(n=300, seed=0, n_features=5):
    """Features and labels drawn independently: nothing to learn, much to memorize."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    y = rng.permutation(np.arange(n) % 2)
    return X, y
