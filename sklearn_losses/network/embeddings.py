"""Embeddings of the numeric columns (Gorishniy, Rubachev and Babenko, NeurIPS 2022).

:class:`NumEmbeddings` puts the periodic or piecewise-linear embeddings of
``rtdl_num_embeddings`` in front of any network's first layer; the bins of the
piecewise-linear kinds are quantiles (:func:`_weighted_bins`) or the splits of a
class-balanced tree (:func:`_tree_bins`).
"""

from __future__ import annotations

import warnings

import numpy as np
import rtdl_num_embeddings as rtdl
import torch
from torch import nn


#: ``num_embeddings=`` choices besides None.
NUM_EMBEDDINGS = ("periodic", "piecewise_linear", "piecewise_linear_tree")
#: The piecewise-linear kinds: the same embedding, on quantile or on tree bins.
_PIECEWISE = ("piecewise_linear", "piecewise_linear_tree")

#: Frequencies per column of the periodic embeddings (``rtdl_num_embeddings``' default).
_N_FREQUENCIES = 48


class NumEmbeddings(nn.Module):
    """Embeddings of the numeric columns; the other columns pass through.

    A column is numeric when it takes more than two distinct values in the
    training rows; binary columns (one-hot codes, indicators) and constant
    ones are passed on as they are, as the papers do for categorical
    features. Output: the flattened embeddings of the numeric columns, then
    the passed-through columns.

    Parameters
    ----------
    kind : {"periodic", "piecewise_linear", "piecewise_linear_tree"}
        - ``"periodic"``: ``PeriodicEmbeddings(lite=False)`` of
          ``rtdl_num_embeddings``, the PLR embeddings of Gorishniy et al.
          (2022): ``ReLU(Linear([cos(2 pi c x), sin(2 pi c x)]))`` with 48
          trainable frequencies ``c ~ N(0, 0.01^2)`` per column (inputs
          should be standardised);
        - ``"piecewise_linear"``: ``PiecewiseLinearEmbeddings(version="B",
          activation=False)``: a linear embedding plus a linear map of the
          piecewise-linear encoding of the column on quantile bins of the
          training data (the PLE of Gorishniy et al., 2022, in the form TabM
          uses; its second term starts at zero);
        - ``"piecewise_linear_tree"``: the same on target-aware bins (the
          PLE-T of Gorishniy et al., 2022, Section 3.2.2; ``compute_bins``
          of ``rtdl_num_embeddings`` with ``tree_kwargs``): the split
          thresholds of a ``DecisionTreeClassifier(max_leaf_nodes=n_bins)``
          grown on the column alone, plus its minimum and maximum. The tree
          weighs the classes equally (``class_weight="balanced"``, times the
          sample weights), so that a rare class gets bins of its own; its
          leaves hold at least ``min(64, max(1, n_rows // 16))`` rows (64, the
          value TabM's examples use, on large tables) and each split lowers
          the impurity by at least 1e-4.
    X : ndarray of shape (n_samples, n_features)
        Training rows: they decide which columns are numeric and give the
        quantile bins.
    d_embedding : int
        Embedding width per numeric column.
    n_bins : int
        Maximum number of bins per column (the piecewise-linear kinds;
        capped at ``n_samples - 1``; repeated quantiles are merged).
    weight : ndarray of shape (n_samples,) or None
        Sample weights of the rows: rows of weight 0 do not count (in the
        numeric columns or the bins), and the bins are the quantiles of the
        rows repeated by their weights relative to the smallest positive one
        (integer weights give the bins of repeated rows; equal weights those
        of no weights). For tree bins the weights multiply the tree's class
        weights; its minimum leaf size counts rows, as scikit-learn's
        ``min_samples_leaf`` does, so there a weight ``k`` is not ``k``
        repeated rows.
    numeric : list of int or None
        The embedded columns, when the caller has found them already; None:
        the columns with more than two distinct values among the rows of
        positive weight.
    y : ndarray of int of shape (n_samples,) or None
        Classes of the rows: required by ``"piecewise_linear_tree"``.
    """

    def __init__(self, kind, X, d_embedding=16, n_bins=48, weight=None, numeric=None, y=None):
        super().__init__()
        X = np.asarray(X, dtype=np.float32)
        if kind == "piecewise_linear_tree" and y is None:
            raise ValueError("num_embeddings='piecewise_linear_tree' needs the classes of the "
                             "training rows (y): its bins are a tree's splits.")
        if weight is not None:  # rows of weight 0 are not there
            weight = np.asarray(weight, dtype=np.float64)
            keep = weight > 0
            X, weight = X[keep], weight[keep]
            y = None if y is None else np.asarray(y)[keep]
        numeric = _numeric_columns(X) if numeric is None else list(numeric)
        other = [j for j in range(X.shape[1]) if j not in set(numeric)]
        self.register_buffer("numeric_index", torch.tensor(numeric, dtype=torch.long))
        self.register_buffer("other_index", torch.tensor(other, dtype=torch.long))
        self.kind = kind
        with warnings.catch_warnings():
            # a column whose quantiles collapse to one bin is min-max scaled: harmless
            warnings.filterwarnings("ignore", message=".*just two bin edges")
            self.embedding = _make_embedding(kind, X[:, numeric], d_embedding, n_bins, weight, y)
        #: Width of each feature's representation, embedded columns first.
        self.feature_dims = [d_embedding] * len(numeric) + [1] * len(other)

    @property
    def n_outputs(self) -> int:
        return sum(self.feature_dims)

    def forward(self, X):
        parts = [self.embedding(X[:, self.numeric_index]).flatten(1)]
        if self.other_index.numel():
            parts.append(X[:, self.other_index])
        return torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]


def _numeric_columns(X) -> list:
    """The columns of ``X`` with more than two distinct values (the embedded ones)."""
    return [j for j in range(X.shape[1]) if np.unique(X[:, j]).shape[0] > 2]


def _weighted_bins(X, weight, n_bins) -> list:
    """``rtdl.compute_bins(X, n_bins)`` of the rows of ``X`` repeated ``weight`` times.

    The quantiles at ``linspace(0, 1, n_bins + 1)`` interpolated linearly as
    ``torch.quantile`` does, over the sorted rows repeated by their weights
    (which need not be integers: a row covers positions ``[S_{i-1}, S_i)`` of
    the cumulative weight), then merged where they repeat.
    """
    quantiles = np.linspace(0.0, 1.0, n_bins + 1)
    bins = []
    for column in X.T:
        order = np.argsort(column, kind="stable")
        values, cum = column[order].astype(np.float64), np.cumsum(weight[order])
        last = len(values) - 1

        def at(position):  # the value at 0-based position of the repeated rows
            return values[np.minimum(np.searchsorted(cum, position, side="right"), last)]

        h = quantiles * (cum[-1] - 1.0)
        low = np.floor(h)
        q = at(low) + (h - low) * (at(low + 1.0) - at(low))
        # the ends are the column's minimum and maximum, as rtdl's bins are (with weights that
        # are not whole, position cum[-1] - 1 can lie in the second-to-last row)
        q[0], q[-1] = values[0], values[-1]
        bins.append(torch.as_tensor(q, dtype=torch.float32).unique())
    return bins


def _tree_bins(X, y, weight, n_bins) -> list:
    """Target-aware bin edges of each column of ``X`` (PLE-T; see :class:`NumEmbeddings`).

    ``rtdl_num_embeddings.compute_bins(X, n_bins, tree_kwargs=..., y=y, regression=False)``
    with balanced class weights times ``weight``: the minimum, the maximum and the split
    thresholds of a tree grown on the column alone, as float32 (a threshold rounding onto
    an edge is merged).
    """
    from sklearn.tree import DecisionTreeClassifier

    y = np.asarray(y)
    _, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    w = (len(y) / (len(counts) * counts))[codes]
    if weight is not None:
        w = w * weight
    leaf = min(64, max(1, X.shape[0] // 16))
    bins = []
    for column in X.T:
        edges = [float(column.min()), float(column.max())]
        if len(counts) > 1:
            tree = DecisionTreeClassifier(max_leaf_nodes=max(int(n_bins), 2), min_samples_leaf=leaf,
                                          min_impurity_decrease=1e-4, random_state=0)
            tree = tree.fit(column.reshape(-1, 1), codes, sample_weight=w).tree_
            split = tree.children_left != tree.children_right
            edges.extend(tree.threshold[split].tolist())
        bins.append(torch.as_tensor(edges, dtype=torch.float32).unique())
    return bins


def _make_embedding(kind, X, d_embedding, n_bins, weight=None, y=None):
    """The ``rtdl_num_embeddings`` module of ``kind`` for the columns of ``X``, to initialise.

    Built on the meta device, except the piecewise-linear embeddings, whose
    encoding is computed from the bins when they are built (the meta device
    cannot): they are built on the CPU under ``fork_rng``, which restores the
    global RNG after their draws; :func:`_init_from_generator` draws them again.
    """
    if X.shape[1] == 0:
        raise ValueError("NumEmbeddings needs at least one column with more than two values.")
    if kind == "periodic":
        with torch.device("meta"):
            return rtdl.PeriodicEmbeddings(X.shape[1], d_embedding, lite=False)
    if kind in _PIECEWISE:
        n_bins = min(int(n_bins), X.shape[0] - 1)
        if kind == "piecewise_linear_tree":
            bins = _tree_bins(X, y, weight, n_bins)
        elif weight is None or np.all(weight == weight[0]):  # no weights, or equal ones
            bins = rtdl.compute_bins(torch.from_numpy(np.ascontiguousarray(X)), n_bins=n_bins)
        else:
            bins = _weighted_bins(X, weight / weight.min(), n_bins)
        with torch.random.fork_rng(devices=[]):
            return rtdl.PiecewiseLinearEmbeddings(bins, d_embedding, activation=False,
                                                  version="B")
    raise ValueError(f"num_embeddings must be one of {NUM_EMBEDDINGS} or None; got {kind!r}.")
