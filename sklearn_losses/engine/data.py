"""Data on the training device: tensors, sparse rows, batches, the validation split.

- :class:`DeviceTensorDataset`: features, labels and sample weights as tensors
  already on the training device (:func:`as_tensor`), so a batch is one gather
  (on the CPU) or a slice of the table permuted once per epoch (on an
  accelerator); skorch's default ``DataLoader`` builds every batch row by row
  in Python and collates it, which dominates the cost of a small MLP step;
- :class:`SparseRows`: a scipy sparse table densified a batch at a time;
- :class:`TensorBatchIterator`: the batch samplers (random, stratified,
  balanced);
- :func:`holdout_split` and :class:`IndexSplit`: the stratified validation
  split and the skorch ``train_split`` that applies it;
- :func:`predict_logits`: one no-grad forward in large chunks (validation,
  prediction).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.model_selection import StratifiedShuffleSplit
from torch.utils.data import Dataset

from .._warnings import warn_user

__all__ = [
    "INFERENCE_CHUNK",
    "SAMPLERS",
    "SPARSE_CHUNK_VALUES",
    "DeviceTensorDataset",
    "IndexSplit",
    "SparseRows",
    "TensorBatchIterator",
    "as_tensor",
    "dense_rows",
    "holdout_split",
    "predict_logits",
]

#: Rows per chunk for no-grad forwards (validation, prediction).
INFERENCE_CHUNK = 65536
#: Most values densified at once from a sparse table in a no-grad forward (16 MiB of float32).
SPARSE_CHUNK_VALUES = 1 << 22


class SparseRows:
    """A scipy sparse table whose rows are densified on demand, a batch at a time.

    Stands in for the feature tensor of a :class:`DeviceTensorDataset` when
    the input is sparse: the CSR matrix stays in host memory and only the
    rows of a batch (or of an inference chunk) are ever dense, on ``device``.

    - ``rows[index]`` (an index array or tensor, or a slice) is a
      :class:`SparseRows` of those rows (still sparse);
    - ``rows.index_select(0, index)`` and ``rows.dense()`` are dense tensors
      (the batch iterator's gather, a chunk of a forward pass).

    Parameters
    ----------
    matrix : scipy sparse matrix or array
        Converted to CSR of the numpy dtype matching ``dtype``.
    dtype : torch.dtype
    device : torch.device
    """

    def __init__(self, matrix, dtype, device):
        np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
        self.matrix = sp.csr_matrix(matrix, dtype=np_dtype)
        self.dtype = dtype
        self.device = torch.device(device)

    @property
    def shape(self):
        return self.matrix.shape

    def __len__(self):
        return self.matrix.shape[0]

    def __getitem__(self, index):
        if isinstance(index, torch.Tensor):
            index = index.cpu().numpy()
        return SparseRows(self.matrix[index], self.dtype, self.device)

    def dense(self) -> torch.Tensor:
        return torch.from_numpy(self.matrix.toarray()).to(self.device)

    def index_select(self, dim, index) -> torch.Tensor:
        if dim != 0:
            raise ValueError("SparseRows selects rows only (dim=0).")
        return self[index].dense()

    def double(self) -> SparseRows:
        return SparseRows(self.matrix, torch.float64, self.device)


def dense_rows(X, start, stop) -> torch.Tensor:
    """Rows ``start:stop`` of a feature tensor or :class:`SparseRows`, as a dense tensor."""
    part = X[start:stop]
    return part.dense() if isinstance(part, SparseRows) else part


class DeviceTensorDataset(Dataset):
    """Features, labels and sample weights as tensors on one device.

    Indexing returns skorch's ``(X, y)`` convention with ``X`` a dict
    ``{"X": features, "sample_weight": weights}``; the fast path
    (:class:`TensorBatchIterator`) slices the tensors directly.
    """

    def __init__(self, X: torch.Tensor, y: torch.Tensor, sample_weight: torch.Tensor | None = None):
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}.")
        self.X = X
        self.y = y
        self.sample_weight = sample_weight

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, i):
        w = None if self.sample_weight is None else self.sample_weight[i]
        return {"X": self.X[i], "sample_weight": w}, self.y[i]

    def subset(self, index) -> DeviceTensorDataset:
        """Rows ``index`` (array of ints) as a new dataset on the same device."""
        idx = torch.as_tensor(np.asarray(index), dtype=torch.long, device=self.X.device)
        w = None if self.sample_weight is None else self.sample_weight[idx]
        return DeviceTensorDataset(self.X[idx], self.y[idx], w)


#: Batch samplers accepted by :class:`TensorBatchIterator`.
SAMPLERS = ("random", "stratified", "balanced")


class TensorBatchIterator:
    """Mini-batches of a :class:`DeviceTensorDataset`, one epoch per iteration.

    Every epoch draws an order of the rows (one gather), then yields
    contiguous slices: ``({"X": rows, "sample_weight": weights, "index":
    positions}, labels)``, ``index`` being the rows' positions in the
    dataset (retrieval networks exclude a row from its own neighbours).

    Parameters
    ----------
    dataset : DeviceTensorDataset
    batch_size : int
    sampler : {"random", "stratified", "balanced"}
        - ``"random"``: a fresh permutation every epoch;
        - ``"stratified"``: a permutation in which every class is spread
          evenly, so each batch holds each class in proportion to its
          frequency (at least one row of a class whose expected count per
          batch is >= 1). Needed by batch-level losses (:ref:`design-batches`);
        - ``"balanced"``: in-batch class-balanced resampling: each epoch
          draws ``n`` rows with every class equally represented (minority
          rows repeated an equal number of times, majority rows subsampled),
          spread evenly over the batches. The in-network form of
          oversampling, an alternative to re-weighting.
    generator : torch.Generator or None
        Source of the random orders, for reproducible runs.
    merge_last : bool
        Merge a last batch smaller than half a batch into the previous one,
        so that batch-level losses never see a tiny batch.
    """

    def __init__(self, dataset, batch_size, *, sampler="random", generator=None, merge_last=False):
        if sampler not in SAMPLERS:
            raise ValueError(f"sampler must be one of {SAMPLERS}; got {sampler!r}.")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.sampler = sampler
        self.generator = generator
        self.merge_last = merge_last
        if sampler in ("stratified", "balanced"):
            y = dataset.y.cpu()
            drawn = torch.ones_like(y, dtype=torch.bool)
            if sampler == "balanced" and dataset.sample_weight is not None:
                # rows of weight 0 weigh nothing: drawing them would take a class's share of
                # the epoch without training on it (9 of 10 rows at 0 left the class 9%)
                drawn = dataset.sample_weight.cpu() > 0
            index = [torch.nonzero((y == k) & drawn).squeeze(1) for k in torch.unique(y)]
            self._class_index = [i for i in index if len(i)]

    def _bounds(self, n):
        bs = self.batch_size
        starts = list(range(0, n, bs))
        if self.merge_last and len(starts) > 1 and n - starts[-1] < bs / 2:
            starts.pop()
        return [(a, b) for a, b in zip(starts, starts[1:] + [n])]

    def __len__(self):
        return len(self._bounds(self._epoch_size()))

    def _epoch_size(self):
        return len(self.dataset)

    def _rand(self, *size):
        return torch.rand(*size, generator=self.generator)

    def _spread(self, groups):
        """Interleave index groups so each is spread evenly over the order.

        Row ``j`` of a group of size ``m`` gets the key ``(j + u) / m`` with a
        random offset ``u`` per group; sorting the keys places every group
        at (nearly) regular intervals.
        """
        keys = torch.cat([(torch.arange(len(g)) + self._rand(1)) / len(g) for g in groups])
        order = torch.argsort(keys + 1e-9 * self._rand(len(keys)))
        return torch.cat(groups)[order]

    def _shuffled(self, index):
        return index[torch.randperm(len(index), generator=self.generator)]

    def _order(self):
        n = len(self.dataset)
        if self.sampler == "random":
            return torch.randperm(n, generator=self.generator)
        if self.sampler == "stratified":
            return self._spread([self._shuffled(idx) for idx in self._class_index])
        # balanced: n draws, an equal share per class; repeat whole shuffles
        # of a small class so that its rows are used equally often.
        k = len(self._class_index)
        shares = [n // k + (c < n % k) for c in range(k)]
        groups = []
        for idx, m in zip(self._class_index, shares):
            reps = -(-m // len(idx))
            groups.append(torch.cat([self._shuffled(idx) for _ in range(reps)])[:m])
        return self._spread(groups)

    def __iter__(self):
        ds = self.dataset
        X, y, w = ds.X, ds.y, ds.sample_weight
        order = index = self._order().to(X.device)
        if X.device.type != "cpu" and not isinstance(X, SparseRows):
            # one gather per epoch, then slices: fewest kernel launches on an accelerator
            X, y = X[order], y[order]
            w = None if w is None else w[order]
            order = None
        for a, b in self._bounds(len(index)):
            if order is None:
                yield ({"X": X[a:b], "sample_weight": None if w is None else w[a:b],
                        "index": index[a:b]}, y[a:b])
            else:
                # on the CPU, a gather per batch writes into a small buffer that is still
                # in cache for the forward pass: about twice as fast as permuting the
                # whole table once per epoch
                idx = order[a:b]
                yield ({"X": X.index_select(0, idx),
                        "sample_weight": None if w is None else w.index_select(0, idx),
                        "index": idx},
                       y.index_select(0, idx))


class IndexSplit:
    """skorch ``train_split``: fixed train and validation rows of a :class:`DeviceTensorDataset`.

    Parameters
    ----------
    train_index, valid_index : array of int
        Row indices (e.g. from :func:`holdout_split`, which stratifies).
    """

    def __init__(self, train_index, valid_index):
        self.train_index = train_index
        self.valid_index = valid_index

    def __call__(self, dataset, y=None, **fit_params):
        return dataset.subset(self.train_index), dataset.subset(self.valid_index)


@torch.no_grad()
def predict_logits(module: torch.nn.Module, X: torch.Tensor, chunk: int = INFERENCE_CHUNK):
    """Logits of ``module`` on ``X`` in evaluation mode, in chunks, without grad.

    ``X`` is a tensor or :class:`SparseRows` (densified a chunk at a time, at
    most :data:`SPARSE_CHUNK_VALUES` values per chunk).
    """
    if isinstance(X, SparseRows):
        chunk = max(1, min(chunk, SPARSE_CHUNK_VALUES // max(1, X.shape[1])))
    was_training = module.training
    module.eval()
    try:
        parts = [module(dense_rows(X, i, i + chunk)) for i in range(0, X.shape[0], chunk)]
    finally:
        module.train(was_training)
    return torch.cat(parts) if len(parts) != 1 else parts[0]



def as_tensor(array: np.ndarray, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """``array`` as a tensor; on the CPU without a copy when it already fits.

    A scipy sparse matrix becomes :class:`SparseRows` (kept sparse, densified
    per batch).

    Training only reads these tensors (batches are gathered into new ones), so
    sharing the memory of a writeable, C-contiguous array of the right dtype
    is safe and saves a copy of the table per fit; anything else is copied.
    """
    if sp.issparse(array):
        return SparseRows(array, dtype, device)
    device = torch.device(device)
    if (device.type == "cpu" and array.flags.c_contiguous and array.flags.writeable
            and torch.from_numpy(array[:0]).dtype == dtype):
        return torch.from_numpy(array)
    return torch.tensor(array, dtype=dtype, device=device)


def holdout_split(y_enc, n_classes, fraction, seed, *, stopping=True, temperature=False,
                  weight=None):
    """Stratified ``(train_index, valid_index)``, sorted, or ``(None, None)`` with a warning.

    Every class has a row on each side (a stratified split alone can leave a
    small class out of the validation rows: 20 of 50 seeds did on a 95/5
    table of 100 rows, and early stopping then watched a constant score): a
    row of a class missing from one side is moved there from the other,
    drawn with ``seed``. With ``weight``, only rows of positive weight count.
    When a class has fewer than 2 such rows, or the split has no room for
    every class on each side, the function warns and returns
    ``(None, None)``. ``stopping`` and ``temperature``: what the split is for
    (early stopping, temperature scaling), named in the warning.
    """
    n = y_enc.shape[0]
    counted = np.ones(n, dtype=bool) if weight is None else np.asarray(weight) > 0
    row_counts = np.bincount(y_enc[counted], minlength=n_classes)
    n_valid = max(int(np.ceil(fraction * n)), n_classes)
    if row_counts.min() < 2 or n - n_valid < n_classes:
        needs = " and ".join(["early_stopping"] * stopping
                             + ["calibration='temperature'"] * temperature)
        instead = ", ".join(["stopping on the training loss"] * stopping
                            + ["without temperature scaling"] * temperature)
        warn_user(
            f"{needs} need{'' if stopping and temperature else 's'} a validation split "
            f"with at least 2 rows of every class and room for {n_classes} classes on each "
            f"side of a {fraction:g} split; class counts are {row_counts.tolist()}"
            + ("" if weight is None else " (rows of positive sample_weight)") + ". "
            f"Training on all rows ({instead}) instead.")
        return None, None
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_valid, random_state=seed)
    train_index, valid_index = next(splitter.split(np.zeros(n), y_enc))
    rng = np.random.RandomState(seed)
    for _ in range(2):  # a class missing from the validation rows, then from the training rows
        for k in range(n_classes):
            if np.any(counted[valid_index] & (y_enc[valid_index] == k)):
                continue
            move = rng.choice(train_index[counted[train_index] & (y_enc[train_index] == k)])
            train_index, valid_index = train_index[train_index != move], np.append(valid_index,
                                                                                   move)
        train_index, valid_index = valid_index, train_index
    return np.sort(train_index), np.sort(valid_index)


