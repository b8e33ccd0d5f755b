"""Training from a plan: :func:`train` builds the net of a
:class:`~sklearn_losses.plan.TrainingPlan`, trains it and returns a
:class:`TrainingResult`; it never sees the estimator.

:func:`build_net` assembles the :class:`~sklearn_losses.engine.net.LossNet`
(AdamW, the reducer and the callbacks the plan calls for: early stopping,
validation scoring, class-weight schedules, logging); ``training_state``
and :func:`resume_training` carry a trained network into a new call
(``warm_start``, ``partial_fit``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from skorch.callbacks import PrintLog

from ..losses.base import trusted_inputs
from ..network import build_network
from .callbacks import BatchProgressBar, ClassWeightSchedule, StoppingRule, ValidationScoring
from .data import DeviceTensorDataset, IndexSplit, as_tensor, predict_logits
from .net import LossNet
from .reducer import BatchReducer
from .runtime import torch_threads

__all__ = ["TrainingResult", "best_epoch", "build_net", "predict_float64", "resume_training",
           "train", "training_state", "validation_scores"]


def _noop(*args, **kwargs):
    pass


def _callbacks(plan):
    """The callbacks of ``plan``: schedule, validation scoring, stopping rule, logging."""
    callbacks = []
    scheme = plan.scheme
    if scheme is not None and scheme.scheduled:
        callbacks.append(("class_weight_schedule",
                          ClassWeightSchedule(scheme, plan.weight_counts, plan.max_epochs)))
    monitor, lower = "valid_loss", True
    metric = plan.monitor
    if plan.valid_index is not None and metric is not None:
        callbacks.append(("valid_score", ValidationScoring(
            metric.name, metric, lower_is_better=not metric.greater_is_better)))
        monitor, lower = f"valid_{metric.name}", not metric.greater_is_better
    sink = print if plan.verbose else _noop
    if plan.stopping == "validation":
        callbacks.append(("early_stopping", StoppingRule(
            monitor=monitor, lower_is_better=lower, patience=plan.patience, threshold=plan.tol,
            threshold_mode="rel", load_best=True, sink=sink)))
    elif plan.stopping == "train_loss":
        callbacks.append(("early_stopping", StoppingRule(
            monitor="train_loss", lower_is_better=True, patience=plan.patience,
            threshold=plan.tol, threshold_mode="abs", load_best=False, sink=sink)))
    if plan.verbose:
        # the class-weight schedule's records are lists and flags, not columns to print
        callbacks.append(("print_log", PrintLog(keys_ignored=["class_weight",
                                                              "final_class_weights"])))
    if plan.verbose >= 2:
        callbacks.append(("progress_bar", BatchProgressBar()))
    return callbacks


def build_net(plan, module, generator=None) -> LossNet:
    """The :class:`LossNet` (AdamW, fused on CPU and CUDA) that trains ``module`` by ``plan``.

    Parameters
    ----------
    plan : TrainingPlan
    module : torch.nn.Module
        The network (outputs logits).
    generator : torch.Generator or None
        Source of the batch orders.
    """
    device = plan.device
    cw = None
    if plan.class_weight is not None:
        cw = torch.tensor(plan.class_weight, dtype=torch.float32, device=device)
    scheme = plan.scheme
    reducer = BatchReducer(cw, scheme if scheme is not None and scheme.instance_level else None,
                           swap_classes=plan.loss_positive == 0)
    split = None if plan.valid_index is None else IndexSplit(plan.train_index, plan.valid_index)
    fused = {"optimizer__fused": True} if device.type in ("cpu", "cuda") else {}
    return LossNet(
        module=module, criterion=plan.loss, optimizer=torch.optim.AdamW,
        optimizer__weight_decay=plan.weight_decay, **fused, lr=plan.lr,
        max_epochs=plan.max_epochs, batch_size=plan.batch_size, train_split=split,
        callbacks=_callbacks(plan), device=device, classes=np.arange(plan.n_classes),
        reducer=reducer, generator=generator, batch_sampler=plan.batch_sampler,
        verbose=plan.verbose, n_threads=plan.n_threads)


@dataclass
class TrainingResult:
    """What a call of :func:`train` produced.

    Attributes
    ----------
    module : torch.nn.Module
        The trained network (the best epoch's weights under validation
        early stopping).
    history : skorch.History
    state : dict
        ``training_state``, to continue training later.
    n_iter, best_epoch : int
    loss_curve : list of float
    validation_scores : list of float or None
    class_weight : ndarray or None
        The class weights in force during the last epoch run.
    stop_reason : {"early_stopping", "diverged"} or None
    diverged_epoch : int or None
    divergence : str or None
        How the loss diverged.
    n_degenerate_batches : int
        Training batches that gave a batch-level loss no class with both
        positive and negative rows (counted once per batch for ensembles).
    """

    module: torch.nn.Module
    history: object
    state: dict
    n_iter: int
    best_epoch: int
    loss_curve: list
    validation_scores: list | None
    class_weight: np.ndarray | None
    stop_reason: str | None
    diverged_epoch: int | None
    divergence: str | None
    n_degenerate_batches: int


def _module(plan, X_train, y_train, resume, generator, weight_train=None):
    """The network to train: a new one, or a copy of the fitted one when resuming.

    A retrieval network continued by ``warm_start`` takes this call's
    training rows as its candidates (its batch indices refer to them).
    """
    if resume is not None:
        module = copy.deepcopy(resume[0])
        if hasattr(module, "set_candidates"):
            module.set_candidates(X_train, y_train)
        return module
    spec = plan.network
    return build_network(
        spec.architecture, X_train.shape[1], plan.n_classes, X_train=X_train,
        hidden_layer_sizes=spec.hidden_layer_sizes, activation=spec.activation,
        dropout=float(spec.dropout), n_ensemble=spec.n_ensemble,
        num_embeddings=spec.num_embeddings, d_embedding=spec.d_embedding,
        n_bins=spec.n_bins, generator=generator, y_train=y_train, weight_train=weight_train,
        nca_sample_rate=spec.nca_sample_rate, nca_max_candidates=spec.nca_max_candidates)


def train(plan, X, y_enc, weight=None, resume=None) -> TrainingResult:
    """Train the network of ``plan`` on ``X`` and return a :class:`TrainingResult`.

    Parameters
    ----------
    plan : TrainingPlan
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Encoded rows (float32), the validation rows of the plan among them.
    y_enc : ndarray of int
    weight : ndarray of float32 or None
        Relative sample weights.
    resume : tuple or None
        ``(module, history, state)`` of the fitted model to continue.
    """
    device = plan.device
    X_t = as_tensor(X, torch.float32, device)
    y_t = as_tensor(y_enc, torch.long, device)
    w_t = None if weight is None else as_tensor(weight, torch.float32, device)
    # The initial weights come from a generator local to this fit, so that
    # fits in parallel threads (joblib's threading backend, Dask workers
    # with several threads) are reproducible and the caller's global torch
    # RNG is left alone. Dropout and NCA's neighbour sampling draw from the
    # global RNG: it is seeded inside fork_rng (reproducible in one thread).
    init_generator = torch.Generator(device="cpu")
    init_generator.manual_seed(plan.seed)
    # the retrieval network (its candidates) and the numeric embeddings (their bins) read the
    # training rows; the other networks only their width: no copy of the rows for them
    reads_rows = (plan.network.architecture == "nca" or plan.network.num_embeddings is not None)
    X_train = X if plan.train_index is None or not reads_rows else X[plan.train_index]
    y_train = y_enc if plan.train_index is None else y_enc[plan.train_index]
    w_train = (weight if weight is None or plan.train_index is None
               else weight[plan.train_index])
    module = _module(plan, X_train, y_train, resume, init_generator, w_train)
    generator = torch.Generator(device="cpu")
    generator.manual_seed(plan.seed)
    net = build_net(plan, module, generator)
    net.initialize()
    if resume is not None:
        resume_training(net, *resume)
    dataset = DeviceTensorDataset(X_t, y_t, w_t)
    y_np = y_t.cpu().numpy()
    # the targets are label-encoded and the weights checked before training: the loss need
    # not scan every batch for them
    with trusted_inputs():
        if plan.network.dropout > 0 or plan.network.architecture == "nca":  # draws in training
            fork_devices = [device] if device.type == "cuda" else []
            with torch.random.fork_rng(devices=fork_devices):
                # a continued fit (partial_fit, warm_start) draws on from where its epochs
                # are, not the first call's masks and neighbour subsets again
                seed_draws(plan.seed + len(net.history), device)
                net.partial_fit(dataset, y_np, epochs=plan.epochs, _routing_method="fit")
        else:
            net.partial_fit(dataset, y_np, epochs=plan.epochs, _routing_method="fit")
    return _result(plan, net)


def seed_draws(seed, device) -> None:
    """Seed the generators of the CPU and of ``device``, whose states the caller's
    ``fork_rng`` restores: ``torch.manual_seed`` would reseed every CUDA device and leave
    them reseeded."""
    torch.default_generator.manual_seed(seed)
    if device.type == "cuda":
        with torch.cuda.device(device):
            torch.cuda.manual_seed(seed)


def _result(plan, net) -> TrainingResult:
    scheme = plan.scheme
    class_weight = plan.class_weight
    if scheme is not None and scheme.scheduled:
        # the weights in force during the epoch whose weights the net keeps, as the schedule
        # recorded them (calibration="prior" divides these out)
        class_weight = np.asarray(net.history[max(best_epoch(net) - 1, 0), "class_weight"])
    # an ensemble evaluates a batch-level loss once per member on the same batch
    degenerate = (getattr(net.criterion_, "n_degenerate_batches_", 0)
                  // getattr(net.module_, "k", 1))
    return TrainingResult(
        module=net.module_, history=net.history, state=training_state(net),
        n_iter=len(net.history), best_epoch=best_epoch(net),
        loss_curve=[float(v) for v in net.history[:, "train_loss"]],
        validation_scores=validation_scores(net), class_weight=class_weight,
        stop_reason=net.stop_reason_, diverged_epoch=net.diverged_epoch_,
        divergence=net.divergence_, n_degenerate_batches=degenerate)


def best_epoch(net) -> int:
    """The epoch whose weights the net holds after ``fit`` (1-based)."""
    es = dict(net.callbacks_).get("early_stopping")
    if es is not None and es.load_best and getattr(es, "best_epoch_", 0):
        return int(es.best_epoch_)
    if net.diverged_epoch_ is not None:
        return net.kept_epoch_  # 0: the weights as initialised (LossNet._run_train_epoch)
    return len(net.history)


def training_state(net) -> dict:
    """What :func:`resume_training` needs of a trained net besides its module and history.

    The optimizer's state (AdamW moments and step counts; None when training
    diverged: the moments then hold the exploded gradients, which the kept
    weights did not make, so a resumed fit starts the optimizer afresh), the
    state of the batch-order generator and the reference loss of the
    divergence rule (:data:`EXPLOSION_FACTOR`), and the states of the seeded
    generators of a stochastic loss.
    """
    return {
        "optimizer": None if net.diverged_epoch_ is not None else net.optimizer_.state_dict(),
        "generator": None if net.generator is None else net.generator.get_state(),
        "loss_generators": [g.get_state() for g in _loss_generators(net)],
        "reference_loss": getattr(net, "reference_loss_", None),
    }


def _loss_generators(net) -> list:
    """The seeded generators of the (stochastic) losses in ``net``'s criterion, in order."""
    criterion = net.criterion_
    modules = criterion.modules() if isinstance(criterion, torch.nn.Module) else []
    return [m._get_generator() for m in modules
            if hasattr(m, "_get_generator") and getattr(m, "random_state", None) is not None]


def resume_training(net, module, history, state) -> None:
    """Carry a trained network into the initialised ``net``, to train it further.

    ``net`` (built by :func:`build_net` for the new call and initialised)
    gets a copy of ``module``'s weights, the optimizer state, history,
    generator states and reference loss of ``state`` (``training_state``).
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
    if state["optimizer"] is not None:
        settings = [{k: g[k] for k in ("lr", "weight_decay")} for g in net.optimizer_.param_groups]
        net.optimizer_.load_state_dict(state["optimizer"])  # copies the state
        for group, keep in zip(net.optimizer_.param_groups, settings):
            group.update(keep)
    net.history = copy.deepcopy(history)
    if net.generator is not None and state["generator"] is not None:
        net.generator.set_state(state["generator"])
    generators = _loss_generators(net)  # a stochastic loss draws on (ensloss)
    if len(generators) == len(state.get("loss_generators", ())):
        for generator, saved in zip(generators, state["loss_generators"]):
            generator.set_state(saved)
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


def predict_float64(module, X, device, n_threads=None):
    """Logits of ``module`` on ``X`` (float64 array or sparse matrix), computed in float64.

    Inference runs in float64 on a copy of the network: float32 matrix
    kernels pick different blockings for different row counts, so the score
    of a row would depend (at ~1e-6) on the other rows predicted with it.
    float64 makes predictions row-wise reproducible. ``n_threads``: torch's
    threads for the forward (None: torch's setting).
    """
    X_t = as_tensor(X, torch.float64, device)
    with torch_threads(n_threads):
        return predict_logits(copy.deepcopy(module).double(), X_t)
