"""The retrieval network :class:`NCA`, in the style of ModernNCA.

Ye, Yin, Zhan and Chao, "Revisiting Nearest Neighbor for Tabular Data: A Deep
Tabular Baseline Two Decades Later", ICLR 2025: soft nearest neighbours among
the training rows in a learned embedding. Prediction computes distances block
by block (:data:`NCA_BLOCK`), never a full rows x candidates matrix.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ._init import _init_from_generator, register_initialiser
from .feedforward import ACTIVATIONS


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
#: learned (``ClassBias``). Chosen on the benchmark's choose tables (seed 0) among
#: 1, 30 and 100: with 1 the network rarely predicted a minority class (MCC 0.421 on the
#: 35 tables); 30 gave 0.527 (AP 0.669 to 0.679); on the 10 tables where 1 did worst
#: (MCC 0.077), 30 gave 0.382 and 100 gave 0.352.
NCA_BIAS_RATE = 30.0

#: :class:`NCA`: the probability a class gets when no candidate of it is left for
#: a row (a class with one training row, for that row, in training): its logit is
#: ``log(NCA_FLOOR)``, about -16.1, instead of ``-inf``.
NCA_FLOOR = 1e-7


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
    learned offset per class (``ClassBias``, 0 at first, learned
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
      That bounds the tensors alive; glibc's allocator may keep freed blocks of
      this size in its heap, so the process's resident memory can stay higher
      (see the ``architecture`` parameter of ``WeightedLossClassifier``).

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
    generator : torch.Generator or None
        Source of the initial weights (see the module docstring).
    embeddings : NumEmbeddings or None
    max_candidates : int or None
        Most candidates a training forward draws (see above; None: no bound).
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


register_initialiser(ClassBias, lambda m, generator: nn.init.zeros_(m.theta))


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

