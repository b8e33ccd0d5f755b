"""The networks the estimators train on tabular data.

- :class:`MLP`: a multi-layer perceptron (the default);
- :class:`TabM`: TabM, a parameter-efficient ensemble of ``k`` MLPs trained
  in one network (Gorishniy, Kotelnikov and Babenko, "TabM: Advancing
  Tabular Deep Learning with Parameter-Efficient Ensembling", ICLR 2025),
  built from the authors' package ``tabm``;
- :class:`NCA`: a retrieval network in the style of ModernNCA (Ye, Yin, Zhan
  and Chao, "Revisiting Nearest Neighbor for Tabular Data: A Deep Tabular
  Baseline Two Decades Later", ICLR 2025): soft nearest neighbours among the
  training rows in a learned embedding;
- :class:`NumEmbeddings`: embeddings of the numeric columns that any
  network can put in front of its first layer (Gorishniy, Rubachev and
  Babenko, "On Embeddings for Numerical Features in Tabular Deep Learning",
  NeurIPS 2022), from the authors' package ``rtdl_num_embeddings``.

:func:`build_network` assembles one from the estimator's parameters.

Every network is built on the meta device (no random draws, no memory),
then initialised once from a ``torch.Generator``: a fit is reproducible,
also in parallel threads, and the global torch RNG is not changed (the
piecewise-linear embeddings alone are built on the CPU, their throwaway
draws under ``torch.random.fork_rng``, which restores the global state).
For the modules of ``tabm`` and ``rtdl_num_embeddings``
(:func:`_init_from_generator`) the draws are those of the packages' own
initialisation, in the same order, so a generator seeded with ``s`` gives
the weights the packages give after ``torch.manual_seed(s)`` (tested).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import rtdl_num_embeddings as rtdl
import tabm
import torch
from torch import nn

from ._warnings import warn_user

__all__ = [
    "ACTIVATIONS",
    "ARCHITECTURES",
    "MAX_PARAMETERS",
    "MLP",
    "NCA",
    "NCA_BIAS_RATE",
    "NCA_BLOCK",
    "NCA_EMBEDDING_WIDTH",
    "NCA_FLOOR",
    "NCA_SAMPLE_RATE",
    "NUM_EMBEDDINGS",
    "NumEmbeddings",
    "TabM",
    "build_network",
    "check_network_params",
    "check_network_size",
    "estimate_parameter_count",
]

#: Hidden-layer activations accepted by ``activation=``.
ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "silu": nn.SiLU}

#: ``architecture=`` -> the ``arch_type`` of :func:`tabm.make_tabm_backbone` (None: not TabM).
ARCHITECTURES = {"mlp": None, "tabm": "tabm", "tabm_mini": "tabm-mini", "nca": None}

#: :class:`NCA`: share of the training rows drawn as candidates for each training
#: batch when ``nca_sample_rate`` is None (the stochastic neighbourhood sampling of
#: ModernNCA, whose paper reports rates around 0.3).
NCA_SAMPLE_RATE = 0.3

#: :class:`NCA`: width of the linear embedding when ``hidden_layer_sizes=()``.
NCA_EMBEDDING_WIDTH = 128

#: :class:`NCA`: most elements of a block of distances (query rows x candidates),
#: and of the encoder's activations on a chunk of candidates, computed at once
#: outside training: 2**22 elements, 32 MiB in float64.
NCA_BLOCK = 1 << 22

#: :class:`NCA`: how many times faster than the other parameters its class offsets are
#: learned (:class:`ClassBias`). Chosen on the benchmark's choose tables (seed 0) among
#: 1, 30 and 100: with 1 the network rarely predicted a minority class (MCC 0.421 on the
#: 35 tables); 30 gave 0.527 (AP 0.669 to 0.679); on the 10 tables where 1 did worst
#: (MCC 0.077), 30 gave 0.382 and 100 gave 0.352.
NCA_BIAS_RATE = 30.0

#: :class:`NCA`: the probability a class gets when no candidate of it is left for
#: a row (a class with one training row, for that row, in training): its logit is
#: ``log(NCA_FLOOR)``, about -16.1, instead of ``-inf``.
NCA_FLOOR = 1e-7

#: ``num_embeddings=`` choices besides None.
NUM_EMBEDDINGS = ("periodic", "piecewise_linear", "piecewise_linear_tree")
#: The piecewise-linear kinds: the same embedding, on quantile or on tree bins.
_PIECEWISE = ("piecewise_linear", "piecewise_linear_tree")

#: Ensemble size ``k`` of TabM when ``n_ensemble`` is None (the paper's default).
DEFAULT_N_ENSEMBLE = 32

#: Largest network :func:`build_network` builds, in parameters: 4 GB of float32
#: weights, about 16 GB with their gradients and Adam's two moments. Tabular
#: networks are far smaller (on 20 columns, the default MLP has about 2e3; TabM
#: with k = 32 and 3 blocks of 512 about 7e5), so a larger count is a mistyped
#: size that would otherwise reach torch's allocator.
MAX_PARAMETERS = 10**9

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


class MLP(nn.Module):
    """Fully connected network ``n_features -> hidden... -> n_outputs``.

    Parameters
    ----------
    n_features : int
        Input width.
    n_outputs : int
        Output width; one logit per class (2 for binary problems).
    hidden_layer_sizes : tuple of int
        Width of each hidden layer; ``()`` gives a linear model.
    activation : {"relu", "gelu", "tanh", "silu"}
        Hidden-layer non-linearity.
    dropout : float in [0, 1)
        Dropout probability after each hidden activation.
    generator : torch.Generator or None, default=None
        The initial weights (PyTorch's default ``nn.Linear`` initialisation,
        on the CPU) are drawn from this generator, and the global RNG is then
        neither used nor changed; None draws from the global RNG.
    embeddings : NumEmbeddings or None, default=None
        Embeddings applied to the input first (their parameters are drawn
        first); ``n_features`` is then their output width.
    """

    def __init__(self, n_features, n_outputs, hidden_layer_sizes=(100,), activation="relu",
                 dropout=0.0, generator=None, embeddings=None):
        super().__init__()
        self.embeddings = embeddings
        layers = []
        width = n_features
        for size in hidden_layer_sizes:
            layers.append(nn.Linear(width, size, device="meta"))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_outputs, device="meta"))
        self.layers = nn.Sequential(*layers)
        # Built on the meta device (no draws, no memory), then initialised once.
        _init_from_generator(self, generator)

    def forward(self, X):
        if self.embeddings is not None:
            X = self.embeddings(X)
        return self.layers(X)


class TabM(nn.Module):
    """TabM: ``k`` MLPs sharing most of their weights, trained together.

    The backbone is ``tabm.make_tabm_backbone`` (``n_blocks`` blocks of
    ``Linear(d_block) -> activation -> Dropout``) between ``tabm.EnsembleView``
    and a ``tabm.LinearEnsemble`` output layer (one head per member), as in
    ``tabm.TabM``; :class:`NumEmbeddings` may come first (shared by the
    members).

    Outputs
    -------
    - training mode: the logits of every member, shape ``(batch, k,
      n_outputs)``; the engine trains each member with the loss and
      averages the ``k`` losses (as the paper does);
    - evaluation mode: ``log(mean_k softmax(z_k))``, shape ``(batch,
      n_outputs)``: "logits" whose softmax is the mean of the members'
      probabilities, the paper's prediction. Prediction, validation scores
      and calibration use them as any network's logits.

    Parameters
    ----------
    n_features : int
        Input width (the embeddings' output width when ``embeddings`` is set).
    n_outputs : int
        Logits per member (one per class).
    k : int
        Number of members.
    n_blocks, d_block : int
        Depth and width of the backbone.
    activation : {"relu", "gelu", "tanh", "silu"}
    dropout : float in [0, 1)
    arch_type : {"tabm", "tabm-mini"}
        ``"tabm"``: BatchEnsemble adapters (non-shared ``r``, ``s`` scalings
        and biases) in every linear layer, ``r`` of the first one random, the
        others ones (the paper's initialisation); ``"tabm-mini"``: one
        non-shared random scaling of the input only, every layer shared.
    generator : torch.Generator or None
        Source of the initial weights (see the module docstring).
    embeddings : NumEmbeddings or None
        With embeddings the first scaling is drawn from ``N(0, 1)`` per
        feature (one value per embedded column, the paper's "chunks"),
        without them it is random signs.
    """

    def __init__(self, n_features, n_outputs, *, k=DEFAULT_N_ENSEMBLE, n_blocks=3, d_block=512,
                 activation="relu", dropout=0.0, arch_type="tabm", generator=None,
                 embeddings=None):
        super().__init__()
        self.k = int(k)
        self.embeddings = embeddings
        chunks = [1] * n_features if embeddings is None else list(embeddings.feature_dims)
        with torch.device("meta"):
            self.ensemble_view = tabm.EnsembleView(k=self.k)
            self.backbone = tabm.make_tabm_backbone(
                d_in=n_features, n_blocks=n_blocks, d_block=d_block, dropout=dropout,
                activation=ACTIVATIONS[activation].__name__, k=self.k, arch_type=arch_type,
                start_scaling_init="random-signs" if embeddings is None else "normal",
                start_scaling_init_chunks=chunks)
            self.output = tabm.LinearEnsemble(d_block, n_outputs, k=self.k)
        _init_from_generator(self, generator)

    def forward(self, X):
        if self.embeddings is not None:
            X = self.embeddings(X)
        z = self.output(self.backbone(self.ensemble_view(X)))
        if self.training:
            return z
        return torch.logsumexp(torch.log_softmax(z, dim=-1), dim=1) - math.log(self.k)


class NCA(nn.Module):
    """Soft nearest neighbours among the training rows in a learned embedding (ModernNCA).

    The network embeds a row ``x`` as ``f(x)`` and scores class ``k`` by the
    share of the candidate rows' weight ``exp(-||f(x) - f(x_j)||)`` that falls
    on rows of class ``k``:

        ``p(y = k | x) = sum_{j: y_j = k} exp(-d_j) / sum_j exp(-d_j)``,
        ``d_j = ||f(x) - f(x_j)||_2``,

    Euclidean distance at temperature 1, as in ModernNCA (Ye et al., ICLR
    2025). It outputs the logits ``log p(y = k | x) + b_k``, the first term
    computed with a ``logsumexp`` over the candidates of class ``k`` (exact,
    no underflow), so every loss of the package trains it. ``b`` is a
    learned offset per class (:class:`ClassBias`, 0 at first, learned
    :data:`NCA_BIAS_RATE` times faster than the embedding), which ModernNCA
    does not have: it lets a weighted or prior-adjusted loss move the
    decision towards a minority class, as an MLP's output bias does. The
    candidates are the training rows, held by the module as buffers (sorted
    by class; not part of ``state_dict``, but pickled and copied with the
    module): the encoded rows ``candidate_x`` and their labels
    ``candidate_y``. They are unweighted: ``sample_weight`` weights the loss
    of a training row, not its vote as a neighbour.

    - Embedding ``f``: :class:`NumEmbeddings` when given, then
      ``Linear(h_1)``, and for each further width ``h_i`` of
      ``hidden_layer_sizes`` ``activation -> Dropout -> Linear(h_i)``: the
      last width is the embedding's dimension, ``(w,)`` a linear embedding
      of width ``w``, ``()`` one of width :data:`NCA_EMBEDDING_WIDTH`.
      ModernNCA's encoder is the same linear map followed by optional MLP
      blocks (whose batch normalisation is left out here).
    - Training (stochastic neighbourhood sampling): every forward draws a
      share ``sample_rate`` of the candidates (``round(sample_rate n_k)``
      rows of each class ``k``, at least ``min(n_k, 2)``), and when those
      are more than ``max_candidates`` in all, every class's number is
      scaled down in proportion (rounded down, still at least ``min(n_k,
      2)``), so a draw's cost no longer grows with ``n``. Drawn from the global
      torch RNG (the engine seeds it), embeds them with gradients, and
      excludes each batch row's own entry (``index``: the batch rows'
      positions among the training rows) so a row is never its own
      neighbour. A class left with no candidate for a row (possible only for
      a class of one training row) gets ``log(NCA_FLOOR)`` (plus its offset).
    - Evaluation: every candidate counts. Their embeddings are computed in
      chunks, then distances in blocks of at most :data:`NCA_BLOCK`
      (``2**22``) elements: ``max(1, NCA_BLOCK // n_train)`` query rows
      against all candidates (or against ``NCA_BLOCK`` candidates at a time
      when there are more, the per-class sums merged with ``logaddexp``).
      Besides the candidates and their embeddings (``n_train x (n_features +
      2 d)`` values, the ``+ 2 d`` being the embeddings and the padded copy
      ``torch.cdist`` makes of them), a forward holds at most two blocks of
      ``NCA_BLOCK`` values at once (a block of distances and one temporary
      of a class's share of it): 64 MiB in float64, whatever the number of
      rows predicted; never a ``n_test x n_train`` matrix. The rows
      predicted are embedded block by block too, as the candidates are
      (rows x widest layer at most ``NCA_BLOCK``), not a whole inference
      chunk (:data:`~sklearn_losses.engine.INFERENCE_CHUNK` rows) at once.

    Parameters
    ----------
    n_features : int
        Input width (the embeddings' output width when ``embeddings`` is set).
    n_outputs : int
        Number of classes ``K``.
    X_train : array of shape (n_train, n_input)
        The candidates: the training rows, as the network receives them.
    y_train : array of int of shape (n_train,)
        Their classes, in ``[0, K)``.
    hidden_layer_sizes : tuple of int
        Widths of the embedding's linear layers (see above).
    activation : {"relu", "gelu", "tanh", "silu"}
    dropout : float in [0, 1)
        Dropout after each hidden activation of the embedding.
    sample_rate : float in (0, 1]
        Share of the candidates drawn for each training forward.
    max_candidates : int or None
        Most candidates a training forward draws (see above; None: no bound).
    generator : torch.Generator or None
        Source of the initial weights (see the module docstring).
    embeddings : NumEmbeddings or None
    """

    #: :class:`~sklearn_losses.engine.LossNet` passes the batch rows' ``index``.
    takes_index = True

    def __init__(self, n_features, n_outputs, X_train, y_train, hidden_layer_sizes=(100,),
                 activation="relu", dropout=0.0, sample_rate=NCA_SAMPLE_RATE, generator=None,
                 embeddings=None, max_candidates=None):
        super().__init__()
        self.embeddings = embeddings
        self.n_outputs = int(n_outputs)
        self.sample_rate = float(sample_rate)
        self.max_candidates = None if max_candidates is None else int(max_candidates)
        layers = []
        width = n_features
        for i, size in enumerate(tuple(hidden_layer_sizes) or (NCA_EMBEDDING_WIDTH,)):
            if i:
                layers.append(ACTIVATIONS[activation]())
                if dropout > 0:
                    layers.append(nn.Dropout(dropout))
            layers.append(nn.Linear(width, size, device="meta"))
            width = size
        self.encoder = nn.Sequential(*layers)
        self.class_bias = ClassBias(self.n_outputs, NCA_BIAS_RATE)
        _init_from_generator(self, generator)
        self.set_candidates(X_train, y_train)

    def set_candidates(self, X_train, y_train) -> None:
        """Make the rows ``X_train`` (labels ``y_train``) the candidates.

        ``index`` in a training forward then refers to the rows of ``X_train``.
        """
        param = next(self.parameters())
        X = torch.as_tensor(np.asarray(X_train), dtype=param.dtype)
        y = torch.as_tensor(np.asarray(y_train), dtype=torch.long)
        if X.ndim != 2 or X.shape[0] != y.shape[0] or X.shape[0] == 0:
            raise ValueError(f"NCA needs candidate rows with one label each; got X of shape "
                             f"{tuple(X.shape)} and {y.shape[0]} labels.")
        if y.min() < 0 or y.max() >= self.n_outputs:
            raise ValueError(f"NCA's candidate labels must lie in [0, {self.n_outputs}); got "
                             f"labels from {int(y.min())} to {int(y.max())}.")
        order = torch.argsort(y, stable=True)
        rank = torch.empty_like(order)
        rank[order] = torch.arange(order.shape[0])
        counts = np.bincount(y.numpy(), minlength=self.n_outputs)
        least = np.minimum(counts, 2)
        take = np.minimum(counts, np.maximum(least, np.rint(self.sample_rate * counts).astype(int)))
        if self.max_candidates is not None and take.sum() > self.max_candidates:
            take = np.maximum(least, take * self.max_candidates // take.sum())
        #: Class ``k`` occupies candidates ``bounds[k]:bounds[k + 1]``.
        self.bounds = tuple(int(b) for b in np.r_[0, np.cumsum(counts)])
        #: In a training draw, class ``k`` fills ``sample_bounds[k]:sample_bounds[k + 1]``.
        self.sample_bounds = tuple(int(b) for b in np.r_[0, np.cumsum(take)])
        slots = np.concatenate([np.arange(a, a + t) for a, t in zip(self.bounds, take)])
        buffers = {"candidate_x": X[order], "candidate_y": y[order], "candidate_rank": rank,
                   "candidate_class": torch.repeat_interleave(torch.arange(counts.shape[0]),
                                                              torch.as_tensor(counts)),
                   "sample_slots": torch.as_tensor(slots, dtype=torch.long)}
        for name, value in buffers.items():
            self.register_buffer(name, value.to(param.device), persistent=False)

    def embed(self, X):
        """The embedding ``f(X)``."""
        if self.embeddings is not None:
            X = self.embeddings(X)
        return self.encoder(X)

    def forward(self, X, index=None):
        """Logits ``log p(y = k | x)``, shape ``(n, K)``.

        ``index``: in training, the rows' positions in the candidates (their
        own entries are excluded); None when the rows are not candidates.
        """
        if self.training:
            return self.class_bias(self._sampled_logits(self.embed(X), index))
        return self.class_bias(self._all_candidates_logits(X))

    def _sampled_logits(self, z, index):
        n = self.candidate_y.shape[0]
        # a random order within each class (keys in [k, k + 1)), then the first
        # take_k positions of class k: a draw without replacement, grouped by class
        keys = torch.rand(n, dtype=torch.float64, device=z.device) + self.candidate_class
        chosen = torch.argsort(keys)[self.sample_slots]
        d = torch.cdist(z, self.embed(self.candidate_x[chosen]))
        if index is not None:
            m = chosen.shape[0]
            slot = torch.full((n,), m, dtype=torch.long, device=z.device)
            slot[chosen] = torch.arange(m, device=z.device)
            own = torch.zeros(z.shape[0], m + 1, dtype=torch.bool, device=z.device)
            own[torch.arange(z.shape[0], device=z.device),
                slot[self.candidate_rank[index.to(z.device)]]] = True
            d = d.masked_fill(own[:, :m], math.inf)
        return _log_probabilities(_class_logsumexp(d, self.sample_bounds, 0))

    def _embed_step(self) -> int:
        """Rows embedded at once: chunk x widest layer <= NCA_BLOCK."""
        widths = [self.candidate_x.shape[1], *(m.out_features for m in self.encoder
                                               if isinstance(m, nn.Linear))]
        if self.embeddings is not None:
            # their inner features per row (frequencies, bins) are at most twice
            # their largest matrix (periodic: cos and sin of n_numeric x 48)
            widths += [self.embeddings.n_outputs, *(
                2 * t.numel() for t in self.embeddings.state_dict().values() if t.ndim == 2)]
        return max(1, NCA_BLOCK // max(widths))

    def _embed_in_chunks(self, X, step=None):
        """``f(X)``, in chunks of ``step`` rows (:meth:`_embed_step` when None)."""
        step = self._embed_step() if step is None else step
        if X.shape[0] <= step:
            return self.embed(X)
        return torch.cat([self.embed(X[i:i + step]) for i in range(0, X.shape[0], step)])

    def _all_candidates_logits(self, X):
        """Log-probabilities of the rows ``X`` against every candidate, by blocks of rows:
        each block is embedded, then its distances computed, ``NCA_BLOCK`` values at a time."""
        if X.shape[0] == 0:
            return X.new_zeros((0, self.n_outputs))
        step = self._embed_step()  # once: every block below is embedded in such chunks
        E = self._embed_in_chunks(self.candidate_x, step)  # every candidate
        n = E.shape[0]
        cols = min(n, NCA_BLOCK)
        rows = max(1, NCA_BLOCK // cols)
        out = []
        for i in range(0, X.shape[0], rows):
            z = self._embed_in_chunks(X[i:i + rows], step)
            total = None
            for j in range(0, n, cols):
                part = _class_logsumexp(_distance_block(z, E[j:j + cols]), self.bounds, j)
                total = part if total is None else torch.logaddexp(total, part)
            out.append(_log_probabilities(total))
        return torch.cat(out) if len(out) != 1 else out[0]


class ClassBias(nn.Module):
    """A learned offset per class added to the logits, ``logits + rate * theta`` (0 at first).

    :class:`NCA`'s neighbour vote has no bias of its own: without one its
    decision follows the classes' shares among the neighbours whatever the
    loss's class weights, and a minority class is rarely predicted. The
    offset is stored as ``theta`` and multiplied by ``rate``: Adam's step in
    ``theta`` is about the learning rate whatever the gradient's size, so the
    offset moves ``rate`` times faster than the other parameters. The offset
    a weighted loss asks for is the log of a class-weight ratio (about 1.5 for
    ``"inverse_sqrt"`` weights at 5% positives), which at ``lr=2e-3`` and one
    step per epoch on a small table would take longer than training lasts.
    """

    def __init__(self, n_outputs, rate=1.0):
        super().__init__()
        self.rate = float(rate)
        self.theta = nn.Parameter(torch.empty(int(n_outputs), device="meta"))

    @property
    def bias(self):
        """The offsets added to the logits, ``rate * theta``."""
        return self.rate * self.theta

    def forward(self, logits):
        return logits + self.bias


def _distance_block(z, E):
    """Euclidean distances between the rows of ``z`` and ``E`` (one block of :class:`NCA`)."""
    return torch.cdist(z, E)


def _neg_logsumexp(d):
    """``logsumexp(-d)`` over the last axis; ``-inf`` (zero gradients) where every ``d`` is ``inf``.

    One temporary of ``d``'s size (``exp`` is taken in place).
    """
    m = d.detach().amin(-1, keepdim=True)
    finite = torch.isfinite(m)
    m = torch.where(finite, m, 0.0)
    s = (m - d).exp_().sum(-1, keepdim=True).clamp_min(torch.finfo(d.dtype).tiny)
    return torch.where(finite, torch.log(s) - m, -math.inf).squeeze(-1)


def _class_logsumexp(d, bounds, offset):
    """``(rows, K)``: ``logsumexp(-d)`` over the columns of each class (``-inf`` for none).

    The columns of the distances ``d`` are the candidates ``offset:offset +
    d.shape[1]``; class ``k`` occupies candidates ``bounds[k]:bounds[k + 1]``.
    """
    stop = offset + d.shape[1]
    parts = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        a, b = max(a, offset), min(b, stop)
        parts.append(_neg_logsumexp(d[:, a - offset:b - offset]) if b > a
                     else d.new_full((d.shape[0],), -math.inf))
    return torch.stack(parts, dim=1)


def _log_probabilities(class_lse):
    """``log p_k = lse_k - logsumexp_k(lse_k)``; ``log(NCA_FLOOR)`` for a class with none."""
    present = torch.isfinite(class_lse)
    total = _neg_logsumexp(-class_lse).unsqueeze(1)
    return torch.where(present, class_lse - total, math.log(NCA_FLOOR))


# -- initialisation from a generator ------------------------------------------------------
def _init_from_generator(module: nn.Module, generator: torch.Generator | None) -> None:
    """Materialise ``module`` on the CPU and draw its parameters from ``generator``.

    Parameters are materialised (uninitialised) on the CPU first. Modules are visited
    in registration order (their construction order) and each is initialised
    as its own ``reset_parameters`` does, with the same draws in the same
    order. Buffers are left alone (they are computed, not drawn).
    """
    # buffers built on the CPU (column indices, the encoding of the bins) are kept
    buffers = {name: b for name, b in module.named_buffers() if not b.is_meta}
    module.to_empty(device="cpu")
    for name, b in buffers.items():
        owner, _, attr = name.rpartition(".")
        setattr(module.get_submodule(owner) if owner else module, attr, b)
    with torch.no_grad():
        for sub in module.modules():
            init = _INITIALISERS.get(type(sub))
            if init is not None:
                init(sub, generator)
            elif any(True for _ in sub.parameters(recurse=False)):
                raise TypeError(f"No generator initialisation for {type(sub).__name__}.")
        for sub in module.modules():
            if isinstance(sub, rtdl.PiecewiseLinearEmbeddings) and sub.linear0 is not None:
                # version "B": the piecewise-linear term starts at zero (after its draws)
                nn.init.zeros_(sub.linear.weight)


def _uniform_rsqrt(tensor, d, generator):
    bound = d ** -0.5
    nn.init.uniform_(tensor, -bound, bound, generator=generator)


def _scaling(tensor, distribution, chunks, generator):
    """``tabm.init_scaling_``: ones, ``N(0, 1)`` or random signs; one draw per chunk."""
    if distribution == "ones":
        nn.init.ones_(tensor)
        return

    def draw(t):
        if distribution == "normal":
            return nn.init.normal_(t, generator=generator)
        if distribution == "random-signs":
            return t.bernoulli_(0.5, generator=generator).mul_(2).add_(-1)
        raise ValueError(f"Unknown scaling initialisation {distribution!r}.")

    if chunks is None:
        draw(tensor)
        return
    start = 0
    for size in chunks:
        tensor[..., start:start + size] = draw(torch.empty(*tensor.shape[:-1], 1))
        start += size


def _reset_linear(layer: nn.Linear, generator: torch.Generator | None) -> None:
    """``nn.Linear.reset_parameters`` (PyTorch's default initialisation), drawn from ``generator``.

    Kaiming-uniform weights with ``a = sqrt(5)`` and biases in
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``. It keeps the initial logits
    small, which the batch-level metric losses need: with Glorot-uniform
    weights and biases (scikit-learn's ``MLPClassifier`` initialisation) the
    initial probabilities sit far enough from 0.5 to saturate AnyLoss's
    amplifier and ``anyloss_f1`` stalls on some tables (cross-validated F1
    0.13 instead of 0.71 on KEEL's ecoli-0-1-4-6_vs_5), for a gain of 0.006
    in mean MCC with cross-entropy (docs: benchmarks, "How the estimator's
    defaults were chosen").
    """
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    if layer.bias is not None:
        bound = 1.0 / math.sqrt(layer.in_features) if layer.in_features > 0 else 0.0
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def _reset_batch_ensemble(layer, generator):
    _uniform_rsqrt(layer.weight, layer.in_features, generator)
    _scaling(layer.r, layer._first_scaling_init, layer._first_scaling_init_chunks, generator)
    _scaling(layer.s, layer._second_scaling_init, None, generator)
    if layer.bias is not None:
        # one draw shared by the k members, as tabm does
        bias = torch.empty(layer.out_features)
        _uniform_rsqrt(bias, layer.in_features, generator)
        layer.bias.copy_(bias.expand_as(layer.bias))


def _reset_weight_bias(d_of):
    def reset(layer, generator):
        d = d_of(layer)
        _uniform_rsqrt(layer.weight, d, generator)
        if layer.bias is not None:
            _uniform_rsqrt(layer.bias, d, generator)
    return reset


def _reset_affine(layer, generator):
    _scaling(layer.weight, layer._weight_init, layer._weight_init_chunks, generator)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


def _reset_periodic(layer, generator):
    sigma = layer._sigma
    nn.init.trunc_normal_(layer.weight, 0.0, sigma, a=-3 * sigma, b=3 * sigma,
                          generator=generator)


#: module type -> initialisation from a generator (the module's own ``reset_parameters``).
_INITIALISERS = {
    nn.Linear: _reset_linear,
    ClassBias: lambda m, generator: nn.init.zeros_(m.theta),
    tabm.LinearBatchEnsemble: _reset_batch_ensemble,
    tabm.LinearEnsemble: _reset_weight_bias(lambda m: m.in_features),
    tabm.ElementwiseAffine: _reset_affine,
    rtdl.LinearEmbeddings: _reset_weight_bias(lambda m: m.weight.shape[1]),
    rtdl._Periodic: _reset_periodic,
    rtdl._NLinear: _reset_weight_bias(lambda m: m.weight.shape[-2]),
}


# -- assembly from the estimator's parameters ---------------------------------------------
def estimate_parameter_count(architecture, n_features, n_outputs, *, hidden_layer_sizes=(100,),
                             n_ensemble=None, num_embeddings=None, d_embedding=16, n_bins=48,
                             n_numeric=None, n_samples=None) -> int:
    """Number of parameters of the network :func:`build_network` would build.

    Computed from the shapes alone (Python integers, no allocation), so it
    can be checked before building. Exact for the networks of this module
    when ``n_numeric`` and ``n_samples`` are given (piecewise-linear
    embeddings: an upper bound when repeated quantiles merge bins);
    otherwise an upper bound (every column embedded, ``n_bins`` bins per
    column).

    Parameters
    ----------
    architecture : {"mlp", "tabm", "tabm_mini", "nca"}
    n_features, n_outputs : int
        Input columns and output logits (one per class).
    hidden_layer_sizes : tuple of int
    n_ensemble : int or None
        TabM's ``k`` (None: 32); ignored for ``"mlp"`` and ``"nca"``.
    num_embeddings : {None, "periodic", "piecewise_linear", "piecewise_linear_tree"}
    d_embedding, n_bins : int
    n_numeric : int or None, default=None
        Columns the embeddings embed (more than two distinct training
        values); None: all ``n_features``.
    n_samples : int or None, default=None
        Training rows: piecewise-linear embeddings use at most
        ``n_samples - 1`` bins.

    Returns
    -------
    count : int
    """
    n_features, n_outputs = int(n_features), int(n_outputs)
    sizes = [int(h) for h in hidden_layer_sizes]
    count = 0
    width = n_features
    if num_embeddings is not None:
        numeric = n_features if n_numeric is None else int(n_numeric)
        d = int(d_embedding)
        if num_embeddings == "periodic":
            # frequencies (m, 48), then a per-column Linear(96, d) with bias
            count += numeric * (_N_FREQUENCIES + 2 * _N_FREQUENCIES * d + d)
        else:
            bins = int(n_bins) if n_samples is None else min(int(n_bins), int(n_samples) - 1)
            # linear0 (weight and bias, m x d), then a per-column Linear(bins, d) without bias
            count += numeric * (2 * d + max(bins, 1) * d)
        width = numeric * d + (n_features - numeric)
    if architecture == "mlp":
        for size in sizes + [n_outputs]:
            count += width * size + size
            width = size
        return count
    if architecture == "nca":  # the embedding's linear layers, then one bias per class
        for size in sizes or [NCA_EMBEDDING_WIDTH]:
            count += width * size + size
            width = size
        return count + n_outputs
    k = DEFAULT_N_ENSEMBLE if n_ensemble is None else int(n_ensemble)
    if architecture == "tabm_mini":
        count += k * width  # the members' scaling of the input
        for size in sizes:
            count += width * size + size
            width = size
    else:  # BatchEnsemble layers: shared weight, per-member r, s and bias
        for size in sizes:
            count += width * size + k * width + 2 * k * size
            width = size
    return count + k * (width * n_outputs + n_outputs)  # one output head per member


def _format_bytes(n_bytes) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB"):
        if n_bytes < 1000:
            return f"{n_bytes:.3g} {unit}"
        n_bytes /= 1000
    return f"{n_bytes:.3g} YB"


def _size_error(count, architecture, hidden_layer_sizes, n_ensemble, num_embeddings,
                d_embedding, n_bins, max_parameters, context, at_least=""):
    named = [f"hidden_layer_sizes={tuple(int(h) for h in hidden_layer_sizes)!r}"]
    if architecture in ("tabm", "tabm_mini"):
        named.append(f"n_ensemble={n_ensemble!r}")
    if num_embeddings is not None:
        named.append(f"d_embedding={d_embedding!r}")
        if num_embeddings in _PIECEWISE:
            named.append(f"n_bins={n_bins!r}")
    return ValueError(
        f"architecture={architecture!r} with {', '.join(named)} ({context}) would have "
        f"{at_least}{_sci(count)} parameters ({_format_bytes(4 * count)} of float32 weights, "
        f"before gradients and optimizer state); at most {_sci(max_parameters)} parameters "
        "are allowed (sklearn_losses.network.MAX_PARAMETERS). Use smaller "
        f"{' / '.join(n.split('=')[0] for n in named)}.")


def _sci(count) -> str:
    """``2.5e13``: two significant digits, exponent without sign or zeros."""
    mantissa, exponent = f"{count:.1e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def check_network_size(architecture, n_features, n_outputs, *, hidden_layer_sizes=(100,),
                       n_ensemble=None, num_embeddings=None, d_embedding=16, n_bins=48,
                       n_numeric=None, n_samples=None, max_parameters=MAX_PARAMETERS) -> int:
    """Raise ValueError if the network would have more than ``max_parameters`` parameters.

    The parameters are those of :func:`estimate_parameter_count`, checked
    before anything is allocated; the error gives the count, its size in
    float32 and the parameters that set it.

    Returns
    -------
    count : int
        The estimated number of parameters.
    """
    count = estimate_parameter_count(
        architecture, n_features, n_outputs, hidden_layer_sizes=hidden_layer_sizes,
        n_ensemble=n_ensemble, num_embeddings=num_embeddings, d_embedding=d_embedding,
        n_bins=n_bins, n_numeric=n_numeric, n_samples=n_samples)
    if count > max_parameters:
        raise _size_error(count, architecture, hidden_layer_sizes, n_ensemble, num_embeddings,
                          d_embedding, n_bins, max_parameters,
                          f"{n_features} input columns, {n_outputs} outputs")
    return count


def check_network_params(architecture, hidden_layer_sizes, n_ensemble, nca_sample_rate=None,
                         nca_max_candidates=None):
    """Raise ValueError for combinations of network parameters that do not fit together.

    Also refuses sizes whose network would exceed :data:`MAX_PARAMETERS`
    whatever the data: the count for one input column and two classes, a
    lower bound of the real one (:func:`check_network_size` checks the
    exact count when the network is built).
    """
    nca_only = {"nca_sample_rate": (nca_sample_rate, "sets the share of"),
                "nca_max_candidates": (nca_max_candidates, "bounds the")}
    for name, (value, does) in nca_only.items():
        if value is not None and architecture != "nca":
            raise ValueError(
                f"{name}={value!r} {does} training rows drawn as neighbours by "
                f"architecture='nca'; architecture={architecture!r} draws none. Use "
                f"architecture='nca', or leave {name}=None.")
    if architecture in ("mlp", "nca"):
        if n_ensemble is not None:
            raise ValueError(
                f"n_ensemble={n_ensemble!r} sets the ensemble size of TabM; "
                f"architecture={architecture!r} has no ensemble. Use architecture='tabm' or "
                "'tabm_mini', or leave n_ensemble=None.")
    else:
        sizes = tuple(hidden_layer_sizes)
        if not sizes or len(set(sizes)) != 1:
            raise ValueError(
                f"architecture={architecture!r} stacks blocks of one width: hidden_layer_sizes "
                f"must be non-empty with equal widths, e.g. (256, 256) for 2 blocks of 256; "
                f"got {sizes!r}.")
    count = estimate_parameter_count(architecture, 1, 2, hidden_layer_sizes=hidden_layer_sizes,
                                     n_ensemble=n_ensemble)
    if count > MAX_PARAMETERS:
        raise _size_error(count, architecture, hidden_layer_sizes, n_ensemble, None, None, None,
                          MAX_PARAMETERS, "for any data", at_least="at least ")


def build_network(architecture, n_features, n_outputs, *, X_train, hidden_layer_sizes=(100,),
                  activation="relu", dropout=0.0, n_ensemble=None, num_embeddings=None,
                  d_embedding=16, n_bins=48, generator=None, y_train=None,
                  weight_train=None, nca_sample_rate=None,
                  nca_max_candidates=None) -> nn.Module:
    """The network of ``architecture`` (see :class:`MLP`, :class:`TabM`, :class:`NCA`).

    Parameters
    ----------
    architecture : {"mlp", "tabm", "tabm_mini", "nca"}
    n_features, n_outputs : int
    X_train : ndarray of shape (n_samples, n_features)
        Training rows, for the embeddings (numeric columns, bins) and the
        candidates of :class:`NCA`.
    hidden_layer_sizes : tuple of int
        The MLP's layers; for TabM, ``len`` blocks of the (common) width; for
        NCA, the embedding's layers (the last width is its dimension).
    activation, dropout
    n_ensemble : int or None
        TabM's ``k`` (None: 32).
    num_embeddings : {None, "periodic", "piecewise_linear", "piecewise_linear_tree"}
    d_embedding, n_bins : int
        See :class:`NumEmbeddings`.
    generator : torch.Generator or None
        Source of the initial weights.
    y_train : ndarray of int of shape (n_samples,) or None
        Classes of ``X_train`` (in ``[0, n_outputs)``): the candidates' labels,
        required by ``"nca"``.
    weight_train : ndarray of shape (n_samples,) or None
        Sample weights of ``X_train``, for the embeddings (see
        :class:`NumEmbeddings`).
    nca_sample_rate : float or None
        :class:`NCA`'s ``sample_rate`` (None: :data:`NCA_SAMPLE_RATE`).
    nca_max_candidates : int or None
        :class:`NCA`'s ``max_candidates`` (None: no bound).

    The combination of parameters is checked by the estimator
    (:func:`check_network_params`, once per fit, before the data are encoded).

    Raises
    ------
    ValueError
        For a network of more than :data:`MAX_PARAMETERS` parameters
        (:func:`check_network_size`), before anything is allocated.
    """
    embeddings = None
    numeric = []
    if num_embeddings is not None:
        if num_embeddings not in NUM_EMBEDDINGS:
            raise ValueError(
                f"num_embeddings must be one of {NUM_EMBEDDINGS} or None; got {num_embeddings!r}.")
        # as the embeddings see them: values distinct in float64 may be one value in float32
        X_train = np.asarray(X_train, dtype=np.float32)
        seen = X_train if weight_train is None else X_train[np.asarray(weight_train) > 0]
        numeric = _numeric_columns(seen)
        if not numeric:
            warn_user(f"num_embeddings={num_embeddings!r} embeds no column: no column has more "
                      "than two distinct values in the training rows, so the network is built "
                      "without embeddings.")
    n_numeric = len(numeric)
    # before anything is allocated (the piecewise-linear embeddings are built on the CPU)
    check_network_size(architecture, n_features, n_outputs,
                       hidden_layer_sizes=hidden_layer_sizes, n_ensemble=n_ensemble,
                       num_embeddings=num_embeddings if n_numeric else None,
                       d_embedding=d_embedding, n_bins=n_bins, n_numeric=n_numeric,
                       n_samples=None if X_train is None else np.shape(X_train)[0])
    if n_numeric:
        embeddings = NumEmbeddings(num_embeddings, X_train, int(d_embedding), int(n_bins),
                                   weight=weight_train, numeric=numeric, y=y_train)
        n_features = embeddings.n_outputs
    if architecture == "mlp":
        return MLP(n_features, n_outputs, tuple(hidden_layer_sizes), activation, float(dropout),
                   generator=generator, embeddings=embeddings)
    if architecture == "nca":
        if y_train is None:
            raise ValueError("architecture='nca' needs y_train: the labels of its candidates.")
        return NCA(n_features, n_outputs, X_train, y_train, tuple(hidden_layer_sizes), activation,
                   float(dropout), NCA_SAMPLE_RATE if nca_sample_rate is None
                   else float(nca_sample_rate), generator=generator, embeddings=embeddings,
                   max_candidates=nca_max_candidates)
    return TabM(n_features, n_outputs,
                k=DEFAULT_N_ENSEMBLE if n_ensemble is None else int(n_ensemble),
                n_blocks=len(hidden_layer_sizes), d_block=int(hidden_layer_sizes[0]),
                activation=activation, dropout=float(dropout),
                arch_type=ARCHITECTURES[architecture], generator=generator,
                embeddings=embeddings)
