"""Small generated datasets for demos and smoke tests.

The data are generated on the fly (nothing is downloaded or read from disk),
deterministically for a given ``random_state``.

>>> from sklearn_losses.datasets import make_demo_dataset
>>> df = make_demo_dataset(n_samples=500, random_state=0)
>>> df["target"].value_counts().to_dict()
{'negative': 470, 'positive': 30}

``sklearn-losses compare`` runs on :func:`make_demo_dataset` when it is given
no CSV file.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

__all__ = ["DEMO_TARGET", "make_demo_dataset"]

#: Name of the target column of :func:`make_demo_dataset`.
DEMO_TARGET = "target"

_SEGMENTS = np.array(["bronze", "silver", "gold", "platinum"], dtype=object)
_CHANNELS = np.array(["web", "store", "phone"], dtype=object)


def make_demo_dataset(n_samples=2000, weights=0.05, label_noise=0.01, random_state=0):
    """An imbalanced, slightly noisy binary problem as a mixed-type DataFrame.

    A binary problem from :func:`sklearn.datasets.make_classification` (8
    features, 5 of them informative), turned into what a tabular data set
    usually looks like:

    - ``x1`` ... ``x7``: numeric features (float); about 1% of the values of
      ``x7`` are missing (NaN);
    - ``segment``: a categorical (string) column holding the quartile of an
      informative feature (``"bronze"`` < ``"silver"`` < ``"gold"`` <
      ``"platinum"``); the feature itself is left out, so the column carries
      signal only after encoding;
    - ``channel``: a categorical (string) column drawn at random
      (``"web"``, ``"store"``, ``"phone"``), unrelated to the target;
    - ``target``: ``"positive"`` (the minority class for ``weights`` below
      0.5, as by default) or ``"negative"``.

    Parameters
    ----------
    n_samples : int, default=2000
        Number of rows, at least 20.
    weights : float in (0, 1), default=0.05
        Share of ``"positive"`` rows before label noise (``make_classification``
        rounds it to whole rows).
    label_noise : float in [0, 0.5), default=0.01
        Share of rows whose label is flipped to the other class after
        generation (symmetric noise; since most rows are negative, most of the
        flipped rows become false positives).
    random_state : int in [0, 2**32 - 1], default=0
        Seed; the same seed gives the same DataFrame.

    Returns
    -------
    df : pandas.DataFrame of shape (n_samples, 10)
        Columns ``x1`` ... ``x7``, ``segment``, ``channel`` and ``target``.

    Raises
    ------
    ValueError
        For a parameter outside its range.

    Examples
    --------
    >>> from sklearn_losses.datasets import make_demo_dataset
    >>> df = make_demo_dataset(n_samples=200, random_state=1)
    >>> df.shape
    (200, 10)
    >>> sorted(df["segment"].unique())
    ['bronze', 'gold', 'platinum', 'silver']
    """
    if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 20:
        raise ValueError(f"n_samples must be an int >= 20; got {n_samples!r}.")
    if not isinstance(weights, Real) or not 0 < weights < 1:
        raise ValueError(f"weights must be a float in (0, 1); got {weights!r}.")
    if not isinstance(label_noise, Real) or not 0 <= label_noise < 0.5:
        raise ValueError(f"label_noise must be a float in [0, 0.5); got {label_noise!r}.")
    if (not isinstance(random_state, Integral) or isinstance(random_state, bool)
            or not 0 <= random_state < 2**32):
        raise ValueError(f"random_state must be an int in [0, 2**32 - 1]; got "
                         f"{random_state!r}.")
    import pandas as pd
    from sklearn.datasets import make_classification

    # shuffle=False keeps the 5 informative features first.
    X, y = make_classification(
        n_samples=int(n_samples), n_features=8, n_informative=5, n_redundant=1,
        n_clusters_per_class=2, weights=[1.0 - float(weights)], flip_y=0.0, class_sep=1.0,
        shuffle=False, random_state=int(random_state),
    )
    rng = np.random.default_rng(int(random_state))
    n_flip = int(round(float(label_noise) * n_samples))
    if n_flip:
        flip = rng.choice(n_samples, size=n_flip, replace=False)
        y[flip] = 1 - y[flip]

    # The quartile of informative feature 0 becomes a categorical column.
    quartile = np.searchsorted(np.quantile(X[:, 0], [0.25, 0.5, 0.75]), X[:, 0], side="right")
    numeric = X[:, 1:].copy()
    missing = rng.random(n_samples) < 0.01
    numeric[missing, -1] = np.nan

    df = pd.DataFrame(numeric, columns=[f"x{i}" for i in range(1, numeric.shape[1] + 1)])
    df["segment"] = _SEGMENTS[quartile]
    df["channel"] = _CHANNELS[rng.integers(0, len(_CHANNELS), size=n_samples)]
    df[DEMO_TARGET] = np.where(y == 1, "positive", "negative")
    return df
