"""The skorch net of the engine: :class:`LossNet`, a ``NeuralNetClassifier`` for in-memory tables.

skorch supplies the training loop's structure, callbacks (early stopping,
progress bar, printing) and the history. :class:`LossNet` removes what
in-memory tabular data does not need, through skorch's hooks for subclasses
(``get_dataset``, ``get_iterator``, ``get_split_datasets``, ``infer``,
``get_loss``, ``train_step``, ``run_single_epoch``, ``on_train_begin`` /
``on_train_end``):

- batches come from tensors already on the training device
  (:mod:`~sklearn_losses.engine.data`);
- no per-batch host synchronisation: the epoch loss is accumulated on the
  device and read once per epoch (``.item()`` per batch stalls a GPU);
- callbacks are notified per batch only when they implement a batch hook
  (EarlyStopping, PrintLog and the like only act at epoch ends);
- the validation pass is one no-grad forward in large chunks, whose logits
  the scoring callback reuses;
- the loss of a batch comes from the :class:`~sklearn_losses.engine.reducer.BatchReducer`
  (sample weights, class weights, instance weights, ensembles).

``run_single_epoch`` and ``_set_training`` are overridden too; skorch is
pinned in ``pyproject.toml`` to the versions the tests cover.
"""

from __future__ import annotations

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback, EpochTimer

from .callbacks import StopTraining
from .last_step import check_last_step
from .data import DeviceTensorDataset, TensorBatchIterator, predict_logits
from .reducer import BatchReducer
from .runtime import torch_threads

__all__ = ["EXPLOSION_FACTOR", "LossNet"]

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


class LossNet(NeuralNetClassifier):
    """skorch classifier over device tensors with weighted losses.

    It takes the parameters of skorch's ``NeuralNetClassifier`` and these.

    Parameters
    ----------
    reducer : BatchReducer or None
        Turns a batch into the scalar loss (sample weights times class
        weights, instance weights, ensembles); None is an unweighted
        :class:`~sklearn_losses.engine.reducer.BatchReducer`. Callbacks may
        change its class weights between epochs.
    generator : torch.Generator or None
        Source of the per-epoch shuffles.
    batch_sampler : str
        Order of the training rows each epoch (``engine.data.TensorBatchIterator``).
        Batch-level losses also get a small last batch merged into the
        previous one.
    n_threads : int or None
        torch threads while training (``engine.runtime.torch_threads``; None leaves
        torch's setting alone).
    """

    def __init__(self, *args, reducer=None, generator=None, batch_sampler="random",
                 n_threads=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch_sampler = batch_sampler
        self.n_threads = n_threads
        self.reducer = BatchReducer() if reducer is None else reducer
        self.generator = generator

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
            if self.stop_reason_ != "diverged":
                check_last_step(self)
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
        """The module's output; ``index=`` (the batch rows' positions) to modules that take it.

        A module with ``takes_index = True`` (:class:`~sklearn_losses.network.NCA`)
        gets the positions of the batch rows among the training rows.
        """
        if not isinstance(x, dict):
            return self.module_(x)
        if x.get("index") is not None and getattr(self.module_, "takes_index", False):
            return self.module_(x["X"], index=x["index"])
        return self.module_(x["X"])

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """The batch's loss through :attr:`reducer` (``X["sample_weight"]``: the rows' weights)."""
        w = X.get("sample_weight") if isinstance(X, dict) else None
        return self.reducer(self.criterion_, y_pred, y_true, w, training=training)

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
        self.diverged_epoch_ = self.kept_epoch_ = None
        self.divergence_ = None
        self._snapshot_ = self._previous_ = self._state_ = None
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
        """Copy the parameters and buffers at the start of an epoch, keeping the previous copy.

        An epoch's loss is measured before each of its steps, so its first
        batch checks the weights the epoch started from; the last step of an
        epoch is checked only by the next epoch's first batch. On divergence
        the engine needs the start of this epoch (when its first batch was
        sane) or else the start of the previous one (``_previous_``).
        """
        if getattr(self, "_snapshot_", None) is None:
            # the module's own tensors, listed once per fit (state_dict() walks the module)
            self._state_ = [t.detach() for t in self.module_.state_dict(keep_vars=True).values()]
            self._snapshot_ = [t.clone() for t in self._state_]
            self._previous_ = None
        else:
            if self._previous_ is None:
                self._previous_ = [torch.empty_like(t) for t in self._snapshot_]
            # rotate the two copies: one copy of the weights per epoch, as before
            self._previous_, self._snapshot_ = self._snapshot_, self._previous_
            torch._foreach_copy_(self._snapshot_, self._state_)

    def _restore(self, copy):
        with torch.no_grad():
            torch._foreach_copy_(self._state_, copy)

    def _run_train_epoch(self, iterator, **fit_params):
        self._set_training(True)
        self._snapshot()
        total = first = None
        n_seen = 0
        for batch in iterator:
            for cb in self._begin_callbacks:
                cb.on_batch_begin(self, batch=batch, training=True)
            if total is None:  # the batch that measures the epoch's starting weights
                self._probe_ = batch
            step = self.train_step(batch, **fit_params)
            # the epoch's loss is the mean of the batches' weighted means, each counted by its
            # weight (by its rows without weights): the weighted mean over the epoch's rows
            weight = batch[0].get("sample_weight") if isinstance(batch[0], dict) else None
            n = batch[1].shape[0] if weight is None else weight.sum()
            if total is None:
                first = step["loss"].detach()
                total = first * n
            elif weight is None:
                total.add_(step["loss"].detach(), alpha=n)  # one kernel, no new tensor
            else:
                total.add_(step["loss"].detach() * n)  # a tensor weight: no device sync
            n_seen = n_seen + n
            for cb in self._end_callbacks:
                cb.on_batch_end(self, batch=batch, training=True, **step)
        epoch_loss = float(total.item() / float(n_seen))
        if self.reference_loss_ is None:
            # the loss of the network as initialised (first batch, before its step)
            self.reference_loss_ = float(first.item())
        self.history.record("train_batch_count", len(iterator))
        self.history.record("train_loss", epoch_loss)
        divergence = self._divergence(epoch_loss)
        if divergence is not None:
            # Stop with the weights of the last epoch whose loss was measured and sane:
            # this epoch's start if its first batch (computed there) was, else the
            # previous epoch's start (one batch per epoch: always the previous one).
            # In a call's first epoch there is no previous start: the weights the call
            # started from (a fresh network, or a continued fit's) already gave the
            # diverged loss, so none are sane (kept epoch 0: the estimator raises).
            epoch = len(self.history)
            if self._divergence(float(first.item())) is None:
                self._restore(self._snapshot_)
                self.kept_epoch_ = epoch - 1
            elif self._previous_ is None:
                self._restore(self._snapshot_)
                self.kept_epoch_ = 0
            else:
                self._restore(self._previous_)
                self.kept_epoch_ = epoch - 2
            self.diverged_epoch_ = epoch
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
        self._snapshot_ = self._previous_ = self._state_ = self._probe_ = None


