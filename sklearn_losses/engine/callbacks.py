"""skorch callbacks of the engine: stopping, validation scoring, class-weight schedules, progress.

Every callback here acts at epoch ends (or, for the progress bar, on skorch's
own batch hooks): the engine notifies per-batch hooks only to callbacks that
implement them (:class:`~sklearn_losses.engine.net.LossNet`).
"""

from __future__ import annotations

import numpy as np
import torch
from skorch.callbacks import Callback, EarlyStopping, PrintLog, ProgressBar

__all__ = ["BatchProgressBar", "ClassWeightSchedule", "StopTraining", "StoppingRule",
           "ValidationScoring"]


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

    With ``load_best``, the best epoch's weights are kept as clones of the
    module's ``state_dict`` tensors rather than skorch's ``deepcopy`` of it
    (the same values; the deepcopy machinery took about a sixth of a small
    table's fit, where an improvement is recorded most epochs). skorch's
    ``on_train_end`` restores them as before.

    A relative ``threshold`` is taken of the score's magnitude, so that an
    improvement is always a move in the better direction by at least
    ``threshold * |score|``; skorch's ``threshold * score`` turns around for a
    negative score (a validation loss below 0, such as ``encouraging``'s, or a
    negative MCC), where it counted a slightly worse epoch as an improvement.
    """

    def _calc_new_threshold(self, score):
        if self.threshold_mode != "rel":
            return super()._calc_new_threshold(score)
        change = self.threshold * abs(score)
        return score - change if self.lower_is_better else score + change

    def restart(self):
        """Start over: the watched score changed meaning (a class-weight schedule switched
        its weights), so earlier epochs' scores and weights no longer compare."""
        self.misses_ = 0
        self.dynamic_threshold_ = np.inf if self.lower_is_better else -np.inf
        self.best_model_weights_ = None
        self.best_epoch_ = 0

    def on_epoch_end(self, net, **kwargs):
        load_best, self.load_best = self.load_best, False
        sink, held = self.sink, []
        self.sink = held.append  # the stopping message, printed after the epoch's line
        try:
            super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:
            if self.misses_ != self.patience:
                raise
            # skorch runs its PrintLog last, after this callback: the epoch training stops
            # at would have no line (verbose=1 promises one per epoch)
            for _, callback in getattr(net, "callbacks_", ()):
                if isinstance(callback, PrintLog):
                    callback.on_epoch_end(net, **kwargs)
            raise StopTraining("early_stopping") from None
        finally:
            self.load_best = load_best
            self.sink = sink
            for message in held:
                sink(message)
        if load_best and self.misses_ == 0:  # the score improved at this epoch
            self.best_model_weights_ = {k: v.detach().clone()
                                        for k, v in net.module_.state_dict().items()}


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
    """Set the class weights of the net's :class:`~sklearn_losses.engine.reducer.BatchReducer`
    at the start of every epoch from a scheme.

    The weights of every epoch are recorded in the history (``class_weight``).
    A schedule does not go back: once an epoch trained with the scheme's final
    weights (``scheme.class_weights``), every later one does, also in a
    continued fit (``warm_start``, ``partial_fit``) whose ``max_epochs``
    would place the switch later. When the weights change after training
    has begun, the stopping rule starts over (:meth:`StoppingRule.restart`):
    the watched loss is computed with the weights in force, so scores of the
    two phases do not compare, and the epoch kept is one of the new phase.

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
        final = np.asarray(self.scheme.class_weights(self.class_counts), dtype=np.float64)
        # the final weights, once on, stay on: the previous epoch's record says it all
        if len(net.history) > 1 and net.history[-2].get("final_class_weights", False):
            weights = final
        else:
            weights = np.asarray(self.scheme.class_weights_at_epoch(
                self.class_counts, epoch, self.max_epochs), dtype=np.float64)
        net.history.record("class_weight", weights.tolist())
        net.history.record("final_class_weights", bool(np.array_equal(weights, final)))
        reducer = net.reducer
        new = torch.as_tensor(weights, dtype=torch.float32, device=net.device)
        if reducer.class_weight is None or not torch.equal(reducer.class_weight, new):
            switched = reducer.class_weight is not None
            reducer.class_weight = new
            if switched:
                for _, callback in net.callbacks_:
                    if isinstance(callback, StoppingRule):
                        callback.restart()
