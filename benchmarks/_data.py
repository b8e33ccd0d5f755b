"""Datasets for the benchmarks: the KEEL imbalanced binary tables, a few
scikit-learn bundled tables, and label noise. The package's estimators take
the tables as read (their own encoder); the other models get
:func:`sklearn_losses.compare.make_model`'s preprocessing, with the columns
split by the package's one column rule (:mod:`sklearn_losses.columns`).

The package never reads these files; only the benchmark scripts do. The KEEL
directory defaults to ``../shared/data/keel`` relative to the repository root
(``--data-dir`` in every script).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets

__all__ = [
    "BUNDLED",
    "DEFAULT_KEEL_DIR",
    "flip_labels",
    "keel_datasets",
    "load_bundled",
    "load_keel",
    "make_preprocessor",
    "sklearn_bundled",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
#: ``../shared/data/keel`` relative to the repository root.
DEFAULT_KEEL_DIR = REPO_ROOT.parent / "shared" / "data" / "keel"

#: Strings the KEEL files use for a missing value (cleveland-0_vs_4 has ``<null>``).
KEEL_MISSING = ["<null>", "?"]

#: scikit-learn's bundled tables: name -> loader.
BUNDLED = {
    "breast_cancer": datasets.load_breast_cancer,
    "wine": datasets.load_wine,
    "digits": datasets.load_digits,
    "iris": datasets.load_iris,
}


def load_keel(path) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Read one KEEL CSV (no header, label ``positive``/``negative`` last).

    Returns
    -------
    X : DataFrame
        Feature columns ``x0, x1, ...``; string columns stay strings
        (categorical), missing values (``<null>``, ``?``) are NaN.
    y : ndarray of int
        1 for ``positive``, 0 for ``negative``.
    name : str
        The file name without ``.csv``.
    """
    path = Path(path)
    table = pd.read_csv(path, header=None, skipinitialspace=True, na_values=KEEL_MISSING)
    labels = table.iloc[:, -1].astype(str).str.strip().str.lower()
    unknown = sorted(set(labels) - {"positive", "negative"})
    if unknown:
        raise ValueError(f"{path.name}: labels must be 'positive'/'negative'; found {unknown}.")
    X = table.iloc[:, :-1]
    X.columns = [f"x{i}" for i in range(X.shape[1])]
    from sklearn_losses.columns import NUMERIC, column_kinds

    for col, kind in zip(list(X.columns), column_kinds(X)):
        if kind != NUMERIC:
            X[col] = (X[col].astype(str).str.strip().where(X[col].notna(), other=np.nan)
                      .astype(object))
    return X, (labels == "positive").to_numpy().astype(np.int64), path.stem


def keel_datasets(data_dir=DEFAULT_KEEL_DIR) -> list[Path]:
    """Sorted paths of the KEEL CSV files in ``data_dir`` (empty if it does not exist)."""
    return sorted(Path(data_dir).glob("*.csv"))


def load_bundled(name) -> tuple[pd.DataFrame, np.ndarray, str]:
    """One scikit-learn bundled table as ``(X DataFrame, y int array, name)``."""
    bunch = BUNDLED[name](as_frame=True)
    return bunch.data, bunch.target.to_numpy().astype(np.int64), name


def sklearn_bundled():
    """Yield ``(name, X, y)`` for breast_cancer, wine, digits and iris."""
    for name in BUNDLED:
        X, y, _ = load_bundled(name)
        yield name, X, y


def flip_labels(y, rate, n_classes, rng) -> np.ndarray:
    """Copy of ``y`` with ``round(rate * len(y))`` labels, drawn uniformly, moved to another class.

    ``y`` holds class indices ``0 .. n_classes - 1``; each flipped label goes
    to one of the other ``n_classes - 1`` classes, uniformly (symmetric noise).
    ``rng`` is a :class:`numpy.random.Generator` or an int seed.
    """
    rng = np.random.default_rng(rng)
    y = np.asarray(y).copy()
    n_flip = int(round(rate * y.shape[0]))
    index = rng.choice(y.shape[0], size=n_flip, replace=False)
    y[index] = (y[index] + rng.integers(1, n_classes, size=n_flip)) % n_classes
    return y


def make_preprocessor(X):
    """The benchmarks' preprocessing for the table ``X``, unfitted.

    :func:`sklearn_losses.compare.make_preprocessor` on the columns of ``X``
    split by :func:`sklearn_losses.compare.split_columns` (text columns
    one-hot encoded, numeric ones median-imputed and standardised).
    """
    from sklearn_losses.compare import make_preprocessor as make, split_columns

    numeric, categorical = split_columns(X)
    return make(numeric, categorical)
