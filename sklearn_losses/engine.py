"""Training engine: a skorch ``NeuralNetClassifier`` tuned for in-memory tables.

skorch supplies the training loop's structure, callbacks (early stopping,
progress bar, printing, learning-rate schedules) and the history. This
module removes what in-memory tabular data does not need:

- **batches come from tensors already on the training device**
  (:class:`DeviceTensorDataset`, :class:`TensorBatchIterator`): each epoch
  draws an order of the rows, then each batch is one gather (on the CPU) or
  a slice of the table permuted once per epoch (on an accelerator). skorch's
  default ``DataLoader`` instead builds every batch row by row in Python and
  collates it, which dominates the cost of a small MLP step;
- **no per-batch host synchronisation**: the epoch loss is accumulated on the
  device and read once per epoch (``.item()`` per batch stalls a GPU);
- **callbacks are notified per batch only when they implement a batch hook**
  (EarlyStopping, PrintLog and the like only act at epoch ends);
- the validation pass is one no-grad forward in large chunks, whose logits
  the scoring callback (:class:`ValidationScoring`) reuses.

The loss protocol ``criterion(logits, target, sample_weight)`` of
:mod:`sklearn_losses.losses` is used directly; per-sample weights are the
user's ``sample_weight`` times the class weights in force
(``class_weight_tensor``), which callbacks may change between epochs (e.g.
deferred re-weighting).

:func:`build_net` assembles the net and its callbacks (early stopping,
validation scoring, class-weight schedules, logging) from the estimator's
resolved settings; the estimator only orchestrates.
"""

from __future__ import annotations

import copy
import os
import threading
import warnings
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
import torch
from skorch import NeuralNetClassifier
from sklearn.model_selection import StratifiedShuffleSplit
from skorch.callbacks import Callback, EarlyStopping, EpochTimer, PrintLog, ProgressBar
from torch.utils.data import Dataset

from .losses.base import weighted_mean

__all__ = [
    "EXPLOSION_FACTOR",
    "BatchProgressBar",
    "ClassWeightSchedule",
    "DeviceTensorDataset",
    "IndexSplit",
    "LossNet",
    "SparseRows",
    "StopTraining",
    "StoppingRule",
    "TensorBatchIterator",
    "ValidationScoring",
    "as_tensor",
    "best_epoch",
    "build_net",
    "holdout_split",
    "resume_training",
    "training_state",
    "validation_scores",
    "predict_logits",
    "resolve_device",
    "torch_threads",
]

#: Rows per chunk for no-grad forwards (validation, prediction).
INFERENCE_CHUNK = 65536
#: Most values densified at once from a sparse table in a no-grad forward (16 MiB of float32).
SPARSE_CHUNK_VALUES = 1 << 22

_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_grad_computed")

#: Training stops as diverged when an epoch's mean training loss exceeds this
#: multiple of the reference loss: the loss of the first training batch,
#: computed on the freshly initialised network, or 1.0 if that is smaller in
#: magnitude. Ordinary training lowers the loss; a loss a thousand times
#: above its value at initialisation (chance level, about ``log K`` for
#: cross-entropy) only comes from exploding weights (``lr`` far too high,
#: unscaled features). Bounded losses (robust, metric and ranking losses)
#: cannot reach it. The first batch is a batch like the others, so
#: batch-level losses and ``ensloss`` compare values of the same scale.
EXPLOSION_FACTOR = 1e3


class StopTraining(Exception):
    """Ends training before ``max_epochs`` (early stopping, divergence).

    skorch stops on ``KeyboardInterrupt``, which would also swallow a real
    interrupt (Ctrl-C); :class:`LossNet` stops on this exception instead and
    lets ``KeyboardInterrupt`` reach the caller.

    Parameters
    ----------
    reason : {"early_stopping", "diverged"}
    """

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class StoppingRule(EarlyStopping):
    """skorch's ``EarlyStopping``, stopping with :class:`StopTraining`.

    skorch's callback raises ``KeyboardInterrupt`` when its patience runs
    out; that one is turned into :class:`StopTraining`. Any other
    ``KeyboardInterrupt`` (a real one) passes through.
    """

    def on_epoch_end(self, net, **kwargs):
        try:
            super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:
            if self.misses_ != self.patience:
                raise
            raise StopTraining("early_stopping") from None


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
    contiguous slices.

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
            self._class_index = [torch.nonzero(y == k).squeeze(1) for k in torch.unique(y)]

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
        order = self._order().to(X.device)
        if X.device.type != "cpu" and not isinstance(X, SparseRows):
            # one gather per epoch, then slices: fewest kernel launches on an accelerator
            X, y = X[order], y[order]
            w = None if w is None else w[order]
            order = None
        for a, b in self._bounds(len(y) if order is None else len(order)):
            if order is None:
                yield {"X": X[a:b], "sample_weight": None if w is None else w[a:b]}, y[a:b]
            else:
                # on the CPU, a gather per batch writes into a small buffer that is still
                # in cache for the forward pass: about twice as fast as permuting the
                # whole table once per epoch
                idx = order[a:b]
                yield ({"X": X.index_select(0, idx),
                        "sample_weight": None if w is None else w.index_select(0, idx)},
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


class ValidationScoring(Callback):
    """Record a validation score each epoch from the engine's validation logits.

    Parameters
    ----------
    name : str
        History key (``valid_<name>`` is written).
    score_func : callable
        ``score_func(y_true, proba, sample_weight) -> float`` on numpy arrays.
    lower_is_better : bool
    """

    def __init__(self, name, score_func, lower_is_better=False):
        self.name = name
        self.score_func = score_func
        self.lower_is_better = lower_is_better

    def on_train_begin(self, net, **kwargs):
        self.best_ = np.inf if self.lower_is_better else -np.inf

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        logits = getattr(net, "valid_logits_", None)
        if dataset_valid is None or logits is None:
            return
        proba = torch.softmax(logits.double(), dim=1).cpu().numpy()
        y = dataset_valid.y.cpu().numpy()
        w = None if dataset_valid.sample_weight is None else dataset_valid.sample_weight.cpu().numpy()
        if np.all(np.isfinite(proba)):
            score = float(self.score_func(y, proba, w))
        else:
            score = np.nan
        key = f"valid_{self.name}"
        net.history.record(key, score)
        best = score < self.best_ if self.lower_is_better else score > self.best_
        if best:
            self.best_ = score
        net.history.record(f"{key}_best", bool(best))


class BatchProgressBar(ProgressBar):
    """skorch's ``ProgressBar`` over the training batches of each epoch.

    The length of the bar is that of the net's own training iterator (batch
    size capped at the rows, small last batches merged for batch-level
    losses); the validation pass is one forward, not batches. The engine
    keeps no per-batch history (reading a batch loss would synchronise the
    device every batch), so the bar shows no loss postfix; the per-epoch log
    (``verbose >= 1``) prints the losses.
    """

    def _get_batches_per_epoch(self, net, dataset_train, dataset_valid):
        return len(net.get_iterator(dataset_train, training=True))

    def _get_postfix_dict(self, net):
        return {}


class ClassWeightSchedule(Callback):
    """Set the engine's class weights at the start of every epoch from a scheme.

    Parameters
    ----------
    scheme : Reweighting
        A scheme whose ``class_weights_at_epoch`` changes over epochs (e.g.
        deferred re-weighting).
    class_counts : ndarray of shape (K,)
    max_epochs : int
    """

    def __init__(self, scheme, class_counts, max_epochs):
        self.scheme = scheme
        self.class_counts = class_counts
        self.max_epochs = max_epochs

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history) - 1  # 0-based; skorch has opened this epoch's row
        weights = self.scheme.class_weights_at_epoch(self.class_counts, epoch, self.max_epochs)
        current = net.class_weight_tensor
        new = torch.as_tensor(weights, dtype=torch.float32, device=net.device)
        if current is None or not torch.equal(current, new):
            net.class_weight_tensor = new


class LossNet(NeuralNetClassifier):
    """skorch classifier over device tensors with weighted losses.

    Parameters beyond skorch's
    --------------------------
    class_weight_tensor : torch.Tensor of shape (K,) or None
        Class weights multiplied into the sample weights of every training
        batch; callbacks may replace it between epochs.
    generator : torch.Generator or None
        Source of the per-epoch shuffles.
    instance_weighting : Reweighting or None
        An instance-level scheme (``"dro_kl"``): its ``instance_weights`` of
        the detached per-sample training losses multiply the batch weights.
    batch_sampler : str
        Order of the training rows each epoch (:class:`TensorBatchIterator`).
        Batch-level losses also get a small last batch merged into the
        previous one.
    n_threads : int or None
        torch threads while training (:func:`torch_threads`; None leaves
        torch's setting alone).
    """

    def __init__(self, *args, class_weight_tensor=None, generator=None, instance_weighting=None,
                 batch_sampler="random", n_threads=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch_sampler = batch_sampler
        self.n_threads = n_threads
        self.class_weight_tensor = class_weight_tensor
        self.generator = generator
        self.instance_weighting = instance_weighting

    @property
    def _default_callbacks(self):
        return [("epoch_timer", EpochTimer())]

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """skorch's ``partial_fit``, stopped by :class:`StopTraining` only, on ``n_threads``.

        skorch ends training on ``KeyboardInterrupt`` and returns normally;
        here a ``KeyboardInterrupt`` propagates (``on_train_end`` is not
        run). ``stop_reason_`` records why training ended before its epochs
        ran out (``"early_stopping"``, ``"diverged"``), None otherwise.
        ``fit_params`` may hold ``epochs`` (default ``max_epochs``). ``fit``
        goes through here too, so training runs with the thread count of
        ``n_threads`` (:func:`torch_threads`).
        """
        with torch_threads(self.n_threads):
            if not self.initialized_:
                self.initialize()
            routing_method = fit_params.pop("_routing_method", "partial_fit")
            self.stop_reason_ = None
            self.notify("on_train_begin", X=X, y=y)
            try:
                self.fit_loop(X, y, _routing_method=routing_method, **fit_params)
            except StopTraining as stop:
                self.stop_reason_ = stop.reason
            self.notify("on_train_end", X=X, y=y)
            return self

    # -- data -----------------------------------------------------------------
    def check_data(self, X, y=None):
        if not isinstance(X, DeviceTensorDataset):
            raise TypeError("LossNet trains on a DeviceTensorDataset.")

    def get_dataset(self, X, y=None):
        return X

    def get_iterator(self, dataset, training=False):
        if training:
            return TensorBatchIterator(dataset, min(self.batch_size, len(dataset)),
                                       sampler=self.batch_sampler, generator=self.generator,
                                       merge_last=not self.criterion_.pointwise)
        return None  # validation is a single chunked forward (run_single_epoch)

    # -- steps ------------------------------------------------------------------
    def infer(self, x, **fit_params):
        return self.module_(x["X"] if isinstance(x, dict) else x)

    def batch_weights(self, X, y_true):
        """Per-sample weights of a batch: user weights times class weights."""
        w = X.get("sample_weight") if isinstance(X, dict) else None
        cw = self.class_weight_tensor
        if cw is not None:
            cw = cw.index_select(0, y_true)
            w = cw if w is None else w * cw
        return w

    def get_loss(self, y_pred, y_true, X=None, training=False):
        weights = self.batch_weights(X, y_true)
        if y_pred.ndim == 3:
            return self._ensemble_loss(y_pred, y_true, weights, training)
        if training and self.instance_weighting is not None:
            return self._instance_weighted(
                self.criterion_.loss_per_sample(y_pred, y_true), weights)
        return self.criterion_(y_pred, y_true, sample_weight=weights)

    def _instance_weighted(self, per_sample, weights):
        """Weighted mean of per-sample losses times the instance-level scheme's weights."""
        d = self.instance_weighting.instance_weights(per_sample)
        return weighted_mean(per_sample, d if weights is None else weights * d)

    def _ensemble_loss(self, y_pred, y_true, weights, training):
        """Mean over the members of an ensemble output ``(batch, k, K)`` of each member's loss.

        Pointwise losses see the ``batch * k`` rows at once, targets and
        weights repeated: every member has the same weights, so the weighted
        mean over all rows is the mean of the members' weighted means.
        Instance-level weights (``dro_kl``) are drawn per member, and
        batch-level losses are evaluated per member.
        """
        n, k, n_classes = y_pred.shape
        crit = self.criterion_
        if not crit.pointwise:
            return torch.stack([crit(y_pred[:, j], y_true, sample_weight=weights)
                                for j in range(k)]).mean()
        flat, target = y_pred.reshape(n * k, n_classes), y_true.repeat_interleave(k)
        if training and self.instance_weighting is not None:
            per_sample = crit.loss_per_sample(flat, target).view(n, k)
            return torch.stack([self._instance_weighted(per_sample[:, j], weights)
                                for j in range(k)]).mean()
        return crit(flat, target,
                    sample_weight=None if weights is None else weights.repeat_interleave(k))

    def train_step(self, batch, **fit_params):
        Xi, yi = batch
        self.optimizer_.zero_grad(set_to_none=True)
        y_pred = self.infer(Xi)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        for cb in self._grad_callbacks:
            cb.on_grad_computed(self, named_parameters=self.get_all_learnable_params(),
                                batch=batch, training=True)
        self.optimizer_.step()
        return {"loss": loss, "y_pred": y_pred}

    def _collect_batch_callbacks(self):
        base = {h: getattr(Callback, h) for h in _BATCH_HOOKS}

        def implements(cb, hook):
            return getattr(type(cb), hook, base[hook]) is not base[hook]

        cbs = [cb for _, cb in self.callbacks_]
        self._begin_callbacks = [cb for cb in cbs if implements(cb, "on_batch_begin")]
        self._end_callbacks = [cb for cb in cbs if implements(cb, "on_batch_end")]
        self._grad_callbacks = [cb for cb in cbs if implements(cb, "on_grad_computed")]

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self._collect_batch_callbacks()
        self.diverged_epoch_ = None
        self.divergence_ = None
        self._snapshot_ = self._state_ = None
        if not hasattr(self, "reference_loss_"):
            self.reference_loss_ = None

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if training:
            self._run_train_epoch(iterator, **fit_params)
        else:
            self._valid_pass()

    def _set_training(self, training=True):
        # skorch sets the mode of every module each epoch (a walk over all
        # sub-modules); on small tables epochs are short enough for that to show.
        if self.module_.training != training or self.criterion_.training != training:
            super()._set_training(training)

    def _snapshot(self):
        """Copy the parameters and buffers into reused tensors (the last finite epoch)."""
        if getattr(self, "_snapshot_", None) is None:
            # the module's own tensors, listed once per fit (state_dict() walks the module)
            self._state_ = [t.detach() for t in self.module_.state_dict(keep_vars=True).values()]
            self._snapshot_ = [t.clone() for t in self._state_]
        else:
            torch._foreach_copy_(self._snapshot_, self._state_)

    def _restore_snapshot(self):
        with torch.no_grad():
            torch._foreach_copy_(self._state_, self._snapshot_)

    def _run_train_epoch(self, iterator, **fit_params):
        self._set_training(True)
        self._snapshot()
        total = first = None
        n_seen = 0
        for batch in iterator:
            for cb in self._begin_callbacks:
                cb.on_batch_begin(self, batch=batch, training=True)
            step = self.train_step(batch, **fit_params)
            n = batch[1].shape[0]
            if total is None:
                first = step["loss"].detach()
                total = first * n
            else:
                total.add_(step["loss"].detach(), alpha=n)  # one kernel, no new tensor
            n_seen += n
            for cb in self._end_callbacks:
                cb.on_batch_end(self, batch=batch, training=True, **step)
        epoch_loss = float(total.item() / n_seen)
        if self.reference_loss_ is None:
            # the loss of the network as initialised (first batch, before its step)
            self.reference_loss_ = float(first.item())
        self.history.record("train_batch_count", len(iterator))
        self.history.record("train_loss", epoch_loss)
        divergence = self._divergence(epoch_loss)
        if divergence is not None:
            # Stop with the weights of the last sane epoch.
            self._restore_snapshot()
            self.diverged_epoch_ = len(self.history)
            self.divergence_ = divergence
            raise StopTraining("diverged")

    def _divergence(self, epoch_loss):
        """How the epoch's loss diverged (a phrase), or None if it did not.

        Non-finite, or above ``EXPLOSION_FACTOR`` times the reference loss
        (:data:`EXPLOSION_FACTOR`).
        """
        if not np.isfinite(epoch_loss):
            return "became NaN or infinite"
        reference = self.reference_loss_
        if reference is not None and np.isfinite(reference):
            limit = EXPLOSION_FACTOR * max(abs(reference), 1.0)
            if epoch_loss > limit:
                return (f"exploded to {epoch_loss:.3g}, more than {EXPLOSION_FACTOR:g} times "
                        f"its value at initialisation ({reference:.3g})")
        return None

    def _valid_pass(self):
        self.valid_logits_ = None
        ds = self._dataset_valid
        if ds is None:
            return
        logits = predict_logits(self.module_, ds.X)
        self.valid_logits_ = logits
        with torch.no_grad():
            loss = self.get_loss(logits, ds.y, X={"sample_weight": ds.sample_weight})
        self.history.record("valid_loss", float(loss.item()))

    def get_split_datasets(self, X, y=None, **fit_params):
        dataset_train, dataset_valid = super().get_split_datasets(X, y, **fit_params)
        self._dataset_valid = dataset_valid
        return dataset_train, dataset_valid

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self.valid_logits_ = None
        self._dataset_valid = None
        self._snapshot_ = self._state_ = None


# -- threads ----------------------------------------------------------------------
#: ``n_jobs=None`` keeps torch's default thread count from this much work per
#: batch on (batch rows x multiply-adds of the network per row); below it, one
#: thread. A step of a small network is a chain of short kernels for which
#: waking a second thread costs more than it saves, and on a loaded machine a
#: second thread is far slower: at batch 256 and width 100 (0.4M
#: multiply-adds per batch), 2 threads took 6x the time of 1 per step with
#: the other core busy, and 2.7x still at batch 1024 with two layers of 1024
#: (1.1G). From about 2**24 a step is long enough (milliseconds) for the
#: fork/join cost to vanish, so an idle machine gains from more threads. The
#: choice depends on the data's shape and the parameters only, not on the
#: machine's load, so that results stay reproducible
#: (``benchmarks/bench_small_fit.py --load`` measures it).
THREADS_MIN_WORK = 1 << 24


def _in_worker() -> bool:
    """Whether this is a joblib/loky (or other multiprocessing) worker process."""
    import multiprocessing

    return (multiprocessing.parent_process() is not None
            or multiprocessing.current_process().name.startswith("Loky"))


def resolve_threads(n_jobs, work=None) -> int | None:
    """torch threads for ``n_jobs`` (None: leave torch's setting alone).

    ``n_jobs=None``: 1 when ``work`` (batch rows x multiply-adds per row) is below
    :data:`THREADS_MIN_WORK` or in a worker process, else None. Negative
    values count back from the number of CPUs, as in joblib (-1: all).
    """
    if n_jobs is None:
        if _in_worker() or (work is not None and work < THREADS_MIN_WORK):
            return 1
        return None
    if n_jobs < 0:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return max(1, (cpus or 1) + 1 + n_jobs)
    return int(n_jobs)


@contextmanager
def torch_threads(n):
    """Run the block with ``torch.set_num_threads(n)``, then restore the previous count.

    ``n=None`` leaves the setting alone. torch's thread count is process-wide:
    code running in other threads meanwhile sees it too; from a thread other
    than the main one the setting is left alone (restoring it there could
    undo what a concurrent fit set).
    """
    if n is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = torch.get_num_threads()
    if previous == n:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


# -- assembly ---------------------------------------------------------------------
def resolve_device(device) -> torch.device:
    """``"auto"`` means CUDA when available, else CPU; anything else is passed to torch."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"Invalid device {device!r}: {exc}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available; "
                         "use device='auto' or 'cpu'.")
    return dev


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


def holdout_split(y_enc, n_classes, fraction, seed):
    """Stratified ``(train_index, valid_index)``, sorted, or ``(None, None)`` with a warning.

    At least one validation row per class is held out (tiny data), as long as
    every class keeps a row on the training side; when that is impossible the
    function warns and returns ``(None, None)``.
    """
    n = y_enc.shape[0]
    row_counts = np.bincount(y_enc, minlength=n_classes)
    n_valid = max(int(np.ceil(fraction * n)), n_classes)
    if row_counts.min() < 2 or n - n_valid < n_classes:
        warnings.warn(
            f"early_stopping and calibration='temperature' need a validation split with "
            f"at least 2 rows of every class and room for "
            f"{n_classes} classes on each side of a {fraction:g} split; "
            f"class counts are {row_counts.tolist()}. Training on all rows "
            f"(stopping on the training loss) without temperature scaling instead.",
            UserWarning, stacklevel=3)
        return None, None
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_valid, random_state=seed)
    train_index, valid_index = next(splitter.split(np.zeros(n), y_enc))
    return np.sort(train_index), np.sort(valid_index)


def _noop(*args, **kwargs):
    pass


def build_net(module, loss, *, lr, weight_decay, max_epochs, batch_size, batch_sampler,
              train_split, device, n_classes, class_weight=None, class_counts=None,
              scheme=None, metric=None, stopping="none", patience=10, tol=1e-4,
              generator=None, verbose=0, n_threads=None) -> LossNet:
    """The :class:`LossNet` (AdamW) with the callbacks the settings call for.

    Parameters
    ----------
    module : torch.nn.Module
        The network (outputs logits).
    loss : Loss
        The training criterion.
    lr, weight_decay : float
        AdamW settings (fused on CPU and CUDA).
    max_epochs, batch_size : int
    batch_sampler : {"random", "stratified", "balanced"}
    train_split : IndexSplit or None
        The validation hold-out (None trains on all rows).
    device : torch.device
    n_classes : int
    class_weight : ndarray of shape (n_classes,) or None
        Class weights multiplied into the batch weights.
    class_counts : ndarray of shape (n_classes,) or None
        Class frequencies, for a scheduled ``scheme``.
    scheme : Reweighting or None
        A scheduled scheme (``drw``) gets a :class:`ClassWeightSchedule`; an
        instance-level one (``dro_kl``) weights each batch's rows.
    metric : ProbaMetric or None
        Scored on the validation split every epoch (``valid_<name>``) and
        monitored by early stopping; None monitors the validation loss.
    stopping : {"validation", "train_loss", "none"}
        ``"validation"``: skorch ``EarlyStopping`` on the monitored validation
        value (relative ``tol``, best weights restored); ``"train_loss"``: on
        the training loss (absolute ``tol``, as ``MLPClassifier``).
    patience : int
    tol : float
    generator : torch.Generator or None
        Source of the batch orders.
    verbose : int
        1 prints a line per epoch, 2 adds a progress bar over the batches.
    n_threads : int or None
        torch threads while training (None: torch's setting).
    """
    callbacks = []
    if scheme is not None and scheme.scheduled:
        callbacks.append(("class_weight_schedule",
                          ClassWeightSchedule(scheme, class_counts, int(max_epochs))))
    monitor, lower = "valid_loss", True
    if train_split is not None and metric is not None:
        callbacks.append(("valid_score", ValidationScoring(
            metric.name, metric, lower_is_better=not metric.greater_is_better)))
        monitor, lower = f"valid_{metric.name}", not metric.greater_is_better
    sink = print if verbose else _noop
    if stopping == "validation":
        callbacks.append(("early_stopping", StoppingRule(
            monitor=monitor, lower_is_better=lower, patience=patience, threshold=tol,
            threshold_mode="rel", load_best=True, sink=sink)))
    elif stopping == "train_loss":
        callbacks.append(("early_stopping", StoppingRule(
            monitor="train_loss", lower_is_better=True, patience=patience, threshold=tol,
            threshold_mode="abs", load_best=False, sink=sink)))
    if verbose:
        callbacks.append(("print_log", PrintLog()))
    if verbose >= 2:
        callbacks.append(("progress_bar", BatchProgressBar()))
    cw = None
    if class_weight is not None:
        cw = torch.tensor(class_weight, dtype=torch.float32, device=device)
    fused = {"optimizer__fused": True} if device.type in ("cpu", "cuda") else {}
    return LossNet(
        module=module,
        criterion=loss,
        optimizer=torch.optim.AdamW,
        optimizer__weight_decay=float(weight_decay),
        **fused,
        lr=float(lr),
        max_epochs=int(max_epochs),
        batch_size=int(batch_size),
        train_split=train_split,
        callbacks=callbacks,
        device=device,
        classes=np.arange(n_classes),
        class_weight_tensor=cw,
        generator=generator,
        instance_weighting=scheme if scheme is not None and scheme.instance_level else None,
        batch_sampler=batch_sampler,
        verbose=int(verbose),
        n_threads=n_threads,
    )


def best_epoch(net) -> int:
    """The epoch whose weights the net holds after ``fit`` (1-based)."""
    es = dict(net.callbacks_).get("early_stopping")
    if es is not None and es.load_best and getattr(es, "best_epoch_", 0):
        return int(es.best_epoch_)
    return len(net.history) - (1 if net.diverged_epoch_ is not None else 0)


def training_state(net) -> dict:
    """What :func:`resume_training` needs of a trained net besides its module and history.

    The optimizer's state (AdamW moments and step counts), the state of the
    batch-order generator and the reference loss of the divergence rule
    (:data:`EXPLOSION_FACTOR`).
    """
    return {
        "optimizer": net.optimizer_.state_dict(),
        "generator": None if net.generator is None else net.generator.get_state(),
        "reference_loss": getattr(net, "reference_loss_", None),
    }


def resume_training(net, module, history, state) -> None:
    """Carry a trained network into the initialised ``net``, to train it further.

    ``net`` (built by :func:`build_net` for the new call and initialised)
    gets a copy of ``module``'s weights, the optimizer state, history,
    generator state and reference loss of ``state`` (:func:`training_state`).
    The learning rate and weight decay stay those of ``net``. Nothing of
    ``module``, ``history`` or ``state`` is modified.

    Raises
    ------
    ValueError
        When ``module`` does not fit ``net``'s network (other layer sizes).
    """
    try:
        net.module_.load_state_dict(module.state_dict())
    except RuntimeError as exc:
        raise ValueError(
            "The fitted network does not match the network these parameters build "
            f"(hidden_layer_sizes, number of features or classes changed?): {exc}") from None
    settings = [{k: g[k] for k in ("lr", "weight_decay")} for g in net.optimizer_.param_groups]
    net.optimizer_.load_state_dict(state["optimizer"])  # copies the state
    for group, keep in zip(net.optimizer_.param_groups, settings):
        group.update(keep)
    net.history = copy.deepcopy(history)
    if net.generator is not None and state["generator"] is not None:
        net.generator.set_state(state["generator"])
    net.reference_loss_ = state["reference_loss"]


def validation_scores(net):
    """The validation value of every epoch of ``net.history``, or None without a split.

    The monitored metric (``valid_<name>``) when a :class:`ValidationScoring`
    callback scores one, else the validation loss; NaN for epochs of earlier
    calls that held out no validation split.
    """
    if net.train_split is None:
        return None
    scoring = dict(net.callbacks_).get("valid_score")
    key = "valid_loss" if scoring is None else f"valid_{scoring.name}"
    return [float(row.get(key, np.nan)) for row in net.history]
