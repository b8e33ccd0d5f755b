"""Shared synthetic data of the decision tests (fixed seeds)."""

from functools import lru_cache

import numpy as np
from sklearn.datasets import make_classification


@lru_cache(maxsize=None)
def binary_population():
    """``(X_pool, y_pool, X_test, y_test)``: 40,000 rows to draw training sets from,
    20,000 to measure the errors on; 20% positives (class 1), 10 features."""
    X, y = make_classification(60_000, n_features=10, n_informative=5, weights=[0.8],
                               flip_y=0.02, class_sep=1.0, random_state=0)
    return X[:40_000], y[:40_000], X[40_000:], y[40_000:]


def draw(n, seed):
    """``n`` training rows of :func:`binary_population`, drawn with ``seed``."""
    X_pool, y_pool, _, _ = binary_population()
    idx = np.random.default_rng(seed).choice(len(y_pool), n, replace=False)
    return X_pool[idx], y_pool[idx]


@lru_cache(maxsize=None)
def three_class_pool():
    """``(X, y)``: 60,000 rows of a 3-class problem with balanced classes."""
    return make_classification(60_000, n_features=8, n_informative=5, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, class_sep=1.0,
                               random_state=1)


def sample_with_prior(X, y, prior, n, rng):
    """``n`` rows of ``(X, y)`` drawn (without replacement) with class shares ``prior``."""
    counts = np.round(np.asarray(prior) * n).astype(int)
    counts[-1] = n - counts[:-1].sum()
    idx = np.concatenate([rng.choice(np.flatnonzero(y == k), c, replace=False)
                          for k, c in enumerate(counts)])
    idx = rng.permutation(idx)
    return X[idx], y[idx]
