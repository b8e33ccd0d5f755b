"""The training plan: every decision of a fit, made once, before training.

:func:`make_plan` turns the estimator's parameters and the validated training
data into a frozen :class:`TrainingPlan`: the loss (a configured clone), the
class frequencies and weights, every ``"auto"`` resolved (batch sampler and
batch size, re-weighting, stopping rule and validation split, device,
threads, learning-rate schedule) and the network to build. The engine
(:func:`sklearn_losses.engine.train`) receives the plan, never the estimator,
and the fitted estimator keeps it as ``plan_``, so a user can see what
``"auto"`` became.

Data flows one way: estimator -> plan -> engine -> reducer -> loss.
"""

from __future__ import annotations

import copy

from dataclasses import dataclass, field, fields

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight

from . import _checks
from .engine import holdout_split, resolve_device, thread_count
from .losses.base import Loss, get_loss
from .metrics import ProbaMetric, _minority_index, pos_label_index
from .network.size import estimate_batch_work
from .weighting import Reweighting, compute_class_weights, get_reweighting

__all__ = ["NetworkSpec", "TrainingPlan", "check_weights", "make_plan"]

#: ``early_stopping="auto"`` holds out a validation split from this many rows on
#: (the rule of ``HistGradientBoostingClassifier``).
AUTO_VALIDATION_MIN_SAMPLES = 10_000


@dataclass(frozen=True)
class NetworkSpec:
    """The network's shape: what :func:`~sklearn_losses.network.build_network` builds.

    Further training (``warm_start``, ``partial_fit``) needs it unchanged.
    """

    architecture: str
    hidden_layer_sizes: tuple
    activation: str
    dropout: float
    n_ensemble: int | None
    num_embeddings: str | None
    d_embedding: int
    n_bins: int
    nca_sample_rate: float | None = None
    nca_max_candidates: int | None = None

    @classmethod
    def from_params(cls, params) -> NetworkSpec:
        spec = {f.name: params[f.name] for f in fields(cls)}
        spec["hidden_layer_sizes"] = tuple(int(h) for h in spec["hidden_layer_sizes"])
        return cls(**spec)

    def changes_from(self, other: NetworkSpec) -> dict:
        """``{name: (other's value, this value)}`` for the settings that differ."""
        return {f.name: (getattr(other, f.name), getattr(self, f.name)) for f in fields(self)
                if getattr(other, f.name) != getattr(self, f.name)}


@dataclass(frozen=True)
class TrainingPlan:
    """Everything one call of ``fit`` / ``partial_fit`` trains with, ``"auto"`` resolved.

    Attributes
    ----------
    classes : ndarray of shape (K,)
        The labels of the network's outputs.
    row_counts, class_counts : ndarray of shape (K,)
        Rows per class of the data the class setup reads, and their total
        ``sample_weight``: every row given to ``fit`` (the validation split
        of ``early_stopping`` included, drawn stratified after), not the rows
        of ``eval_set``; a continued ``partial_fit`` keeps its first call's.
    drawn_counts : ndarray of shape (K,) or None
        Training rows of positive ``sample_weight`` per class, those the
        ``"balanced"`` batch sampler draws from (``row_counts`` without
        weights; None in plans made before it, read as ``row_counts``).
    setup_params : dict or None
        The parameters the class setup was built from (``SETUP_PARAMS``,
        as ``_fingerprint`` records them): a continued ``partial_fit``
        keeps the setup and refuses changed ones. None in older plans.
    weight_counts : ndarray of shape (K,)
        The frequencies behind the class weights and the losses' priors:
        ``class_counts``, divided by their largest value when their total is
        below 1e-30 (frequency formulas would underflow; only relative
        weights matter).
    loss : Loss
        The configured loss (a clone; class counts filled in, wrapped by
        ``logit_clip``).
    loss_positive : int or None
        Binary problems, losses that measure one class
        (``measures_positive_class``): the index of the class the loss
        measures (``loss_positive_index``, the minority). When it is 0
        the engine gives the loss the two classes swapped. None otherwise.
    reweight : None, str, dict or Reweighting
        ``reweight`` with ``"auto"`` resolved.
    class_weight : ndarray of shape (K,) or None
        The class weights; for a scheduled scheme (``"drw"``), the weights it
        switches to (the engine applies the schedule).
    scheme : Reweighting or None
        The scheme behind ``reweight`` (scheduled or instance-level ones act
        during training).
    batch_sampler : {"random", "stratified", "balanced"}
    batch_size : int
        Rows per batch (capped at the training rows).
    max_epochs, epochs : int
        ``max_epochs``, and the epochs this call trains at most (1 for
        ``partial_fit``).
    stopping : {"validation", "train_loss", "none"}
    monitor : ProbaMetric or None
        The validation metric of early stopping (None: the loss).
    train_index, valid_index : ndarray of int or None
        The validation split (None: all rows train).
    patience : int
    tol : float
    lr, weight_decay : float
        AdamW's settings.
    lr_schedule : str
        ``"constant"``: the learning rate does not change during training.
    device : torch.device
    n_threads : int or None
        torch's threads during training (None: torch's setting).
    seed : int
        Seeds the initial weights, the batch orders and dropout.
    network : NetworkSpec
    calibration : None or str
    resume : bool
        Whether the call continues the fitted network.
    verbose : int
    """

    classes: np.ndarray
    row_counts: np.ndarray
    class_counts: np.ndarray
    weight_counts: np.ndarray
    loss: Loss
    reweight: object
    class_weight: np.ndarray | None
    scheme: Reweighting | None
    batch_sampler: str
    batch_size: int
    max_epochs: int
    epochs: int
    stopping: str
    monitor: ProbaMetric | None
    train_index: np.ndarray | None
    valid_index: np.ndarray | None
    patience: int
    tol: float
    lr: float
    weight_decay: float
    device: torch.device
    n_threads: int | None
    seed: int
    network: NetworkSpec
    calibration: str | None
    resume: bool
    verbose: int = 0
    lr_schedule: str = field(default="constant")
    loss_positive: int | None = None
    drawn_counts: np.ndarray | None = None
    setup_params: dict | None = None

    @property
    def n_classes(self) -> int:
        return int(self.classes.shape[0])


def check_weights(sample_weight, X, y_enc, n_classes, *, min_classes, n_valid=0):
    """``(sample_weight, training_weights)``: the validated weights and those to train on.

    Raises when fewer than ``min_classes`` classes have positive total
    weight among the training rows (the last ``n_valid`` rows are validation
    rows given to ``fit``, checked by the caller). The training weights are
    the weights divided by their maximum when their total is extreme (``_checks.relative_weights``): every loss
    reduces with a weighted mean (``sum w l / sum w``) or weight shares, so a
    common factor changes nothing but the float32 range.
    """
    if sample_weight is None:
        return None, None
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                         ensure_non_negative=True)
    if not np.isfinite(sample_weight).all():
        raise ValueError("sample_weight contains NaN or infinity.")
    n_train = len(y_enc) - n_valid
    with np.errstate(over="ignore"):
        total = sample_weight.sum()
        totals = np.bincount(y_enc[:n_train], weights=sample_weight[:n_train],
                             minlength=n_classes)
    if not np.isfinite(total):
        raise ValueError(
            f"sample_weight is too large: its total overflows float64 (largest weight "
            f"{sample_weight.max():.3g}, {len(sample_weight)} rows), so the class frequencies "
            "it defines are infinite. Only relative weights matter: divide sample_weight by "
            "a common factor, e.g. its maximum.")
    present = totals > 0
    if present.sum() < min_classes:
        raise ValueError(
            f"sample_weight leaves fewer than {min_classes} classes with positive total "
            "weight" + (" among the training rows (eval_set aside)" if n_valid else "")
            + "; a classifier needs at least 2 classes to learn from."
            if min_classes == 2 else "sample_weight is zero for every training row.")
    return sample_weight, _checks.relative_weights(sample_weight).astype(np.float32)


def loss_positive_index(loss, row_counts, monitor=None, positive=None) -> int | None:
    """Index of the class a binary loss that measures one class is trained on, else None.

    A loss with ``measures_positive_class`` (a soft F-score, average
    precision) measures its index-1 class; on a binary problem the estimator
    gives it ``positive`` (the index of its ``pos_label``) when given, else
    the positive class of ``monitor`` (the early-stopping metric of
    ``scoring``) when that has one, else the minority class by training
    rows, equal counts giving index 1: the rule of the package's binary
    scorers, so that the loss and the scorer of a grid search measure the
    same class.
    """
    if len(row_counts) != 2 or not loss.measures_positive_class:
        return None
    if positive is not None:
        return int(positive)
    if monitor is not None and monitor.uses_pos_label and monitor.pos_label is not None:
        return int(monitor.pos_label)
    return _minority_index(row_counts)


def _build_loss(params, classes, class_counts, row_counts, seed, monitor=None,
                positive=None) -> tuple[Loss, int | None]:
    """``(loss, loss_positive)``: the loss to train (a clone of an instance, or a fresh named
    or ``"auto"`` loss) and the class it measures (``loss_positive_index``).

    A loss trained on the class of index 0 sees the two classes swapped, so
    its class counts are given swapped.
    """
    loss = get_loss(_checks.resolve_loss(params["loss"]))
    loss_positive = loss_positive_index(loss, row_counts, monitor, positive)
    swap = loss_positive == 0
    loss.check_n_classes(classes.shape[0])
    if getattr(loss, "random_state", 0) is None:
        # a stochastic loss (ensloss) left unseeded follows the estimator's random_state,
        # also inside a wrapper (LogitClip passes random_state to the loss it wraps)
        loss.set_params(random_state=seed)
    if loss.requires_class_counts and getattr(loss, "class_counts", None) is None:
        # a class of zero total weight: say so in terms of sample_weight
        _checks.check_weighted_class_counts(classes, class_counts, loss, None)
        counts = class_counts[::-1] if swap else class_counts
        loss.set_params(class_counts=counts.astype(np.float64))
    if params["logit_clip"] is not None:
        loss = get_loss("logit_clip", loss=loss, delta=float(params["logit_clip"]))
    return loss, loss_positive


def scheme_of(reweight) -> Reweighting | None:
    """The Reweighting instance behind a resolved ``reweight`` (None for None or a dict)."""
    if reweight is None or isinstance(reweight, dict):
        return None
    return get_reweighting(reweight)


def class_setup(params, classes, y_enc, sample_weight, seed, monitor=None,
                partial=False) -> dict:
    """The class frequencies and what depends on them, with their checks and warnings.

    ``row_counts``, ``class_counts``, ``drawn_counts``, ``loss``, ``loss_positive``,
    ``reweight``,
    ``scheme``, ``class_weight`` and ``batch_sampler``; ``monitor``
    (the early-stopping metric) may fix the class a binary loss measures.
    ``partial``: the first call of ``partial_fit``, whose chunk need not hold
    every class.
    """
    n_classes = classes.shape[0]
    row_counts = np.bincount(y_enc, minlength=n_classes)
    class_counts = (row_counts if sample_weight is None
                    else np.bincount(y_enc, weights=sample_weight, minlength=n_classes))
    drawn_counts = (row_counts if sample_weight is None
                    else np.bincount(y_enc[np.asarray(sample_weight) > 0], minlength=n_classes))
    # Frequencies of the class weights and the losses' priors: the weighted counts, unless
    # their total is so small (tiny sample_weight) that frequency formulas underflow; only
    # relative weights matter, so those are divided by their largest count first.
    low = _checks.WEIGHT_TOTAL_RANGE[0]
    counts = class_counts / class_counts.max() if 0 < class_counts.sum() < low else class_counts
    positive = (None if params.get("pos_label") is None
                else pos_label_index(params["pos_label"], classes))
    loss, loss_positive = _build_loss(params, classes, counts, row_counts, seed, monitor,
                                      positive)
    # a copy: the fitted record (and a later partial_fit) keeps what this fit trained with,
    # whatever becomes of the user's object (set_params(reweight__beta=...) changes it)
    reweight = copy.deepcopy(
        _checks.resolve_reweight(params["reweight"], loss, params["batch_sampler"]))
    scheme = scheme_of(reweight)
    _checks.check_weighted_class_counts(classes, class_counts, loss, reweight, scheme)
    class_weight = compute_class_weights(reweight, classes, counts)
    _checks.check_weighted_classes(classes, class_counts, class_weight, reweight,
                                   sample_weight, partial)
    _checks.check_instance_weighting(scheme, loss)
    batch_sampler = _checks.resolve_batch_sampler(params["batch_sampler"], loss,
                                                  params["batch_size"], row_counts, class_weight)
    balanced = batch_sampler == "balanced"
    _checks.warn_prior_twice(loss, class_weight, scheme, balanced)
    if params["calibration"] == "prior":
        _checks.warn_improper_prior_calibration(loss, class_weight, balanced, scheme)
    return dict(row_counts=row_counts, class_counts=class_counts, weight_counts=counts,
                drawn_counts=drawn_counts,
                loss=loss, loss_positive=loss_positive, reweight=reweight,
                scheme=scheme, class_weight=class_weight,
                batch_sampler=batch_sampler)


def _validation(params, y_enc, n_classes, monitor, sample_weight, rng, n_valid=0):
    """``(stopping, train_index, valid_index)``: the stopping rule and the validation split.

    ``n_valid``: the last rows are validation rows given to ``fit`` (``eval_set``);
    otherwise a stratified share is held out when the rule needs one.
    """
    if n_valid:
        train_index = np.arange(len(y_enc) - n_valid)
        valid_index = np.arange(len(y_enc) - n_valid, len(y_enc))
        _checks.check_validation_weights(sample_weight, valid_index, "eval_set")
        return ("validation" if params["early_stopping"] else "none"), train_index, valid_index
    if params["early_stopping"] == "auto":
        wants = len(y_enc) >= AUTO_VALIDATION_MIN_SAMPLES or monitor is not None
    else:
        wants = bool(params["early_stopping"])
    train_index = valid_index = None
    if wants or params["calibration"] == "temperature":
        train_index, valid_index = holdout_split(
            y_enc, n_classes, params["validation_fraction"],
            seed=rng.randint(np.iinfo(np.int32).max), stopping=wants,
            temperature=params["calibration"] == "temperature", weight=sample_weight)
        _checks.check_validation_weights(sample_weight, valid_index,
                                         params["validation_fraction"])
    if not params["early_stopping"]:
        stopping = "none"
    elif valid_index is not None and wants:
        stopping = "validation"
    else:
        stopping = "train_loss"
    return stopping, train_index, valid_index


def _batch_work(params, network, n_features, n_classes, n_train, partial):
    """Multiply-adds of a training batch, which ``device="auto"`` decides by.

    A fit's batch is ``batch_size`` rows or all the training rows; a
    ``partial_fit`` chunk says nothing of the stream's size, so its batches
    count ``batch_size`` rows (each call of a stream decides alike).
    """
    batch = int(params["batch_size"]) if partial else min(int(params["batch_size"]), n_train)
    try:
        return estimate_batch_work(
            network.architecture, batch, n_features, n_classes,
            hidden_layer_sizes=network.hidden_layer_sizes, n_ensemble=network.n_ensemble,
            num_embeddings=network.num_embeddings, d_embedding=network.d_embedding,
            n_bins=network.n_bins, n_train=n_train, nca_sample_rate=network.nca_sample_rate,
            nca_max_candidates=network.nca_max_candidates)
    except (TypeError, ValueError):  # sizes the network's own checks report
        return None


#: The parameters :func:`class_setup` builds the loss and the class weights from, which a
#: continued ``partial_fit`` keeps from its first call.
SETUP_PARAMS = ("loss", "reweight", "logit_clip", "batch_sampler", "pos_label")


def _fingerprint(value):
    """A comparable record of a parameter's value: an estimator-like object (a loss, a
    scheme) by its class and parameters, so that a clone or an equal copy matches."""
    if hasattr(value, "get_params") and not isinstance(value, type):
        return (type(value).__module__, type(value).__qualname__,
                tuple(sorted((k, _fingerprint(v))
                             for k, v in value.get_params(deep=False).items())))
    if isinstance(value, dict):  # keys as Python values: {np.int64(0): 1} == {0: 1}
        return ("dict", tuple(sorted((repr(_fingerprint(k)), _fingerprint(v))
                                     for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_fingerprint(v) for v in value))
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return (type(value).__name__, value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def _check_same_setup(params, previous):
    """Raise when a continued ``partial_fit`` is given other class-setup parameters than
    its first call (they would be ignored: the loss and the class weights are kept)."""
    if previous.setup_params is None:  # a plan from before setup_params: nothing to compare
        return
    changed = [k for k in SETUP_PARAMS
               if _fingerprint(params[k]) != previous.setup_params.get(k)]
    if changed:
        raise ValueError(
            f"{', '.join(changed)} changed since the first partial_fit call; partial_fit "
            "keeps the loss, the class weights and the batch sampler of its first call. Set "
            f"{'it' if len(changed) == 1 else 'them'} back, or fit anew (fit, or "
            "partial_fit on a clone) to train with the new value.")


def _network(params, X, previous):
    """The :class:`NetworkSpec` of ``params``; checks it against a network being continued."""
    spec = NetworkSpec.from_params(params)
    if spec.architecture == "nca" and sp.issparse(X):
        raise ValueError(
            "architecture='nca' keeps its training rows as dense candidates; it does not "
            "take sparse X. Use dense X (X.toarray()) or another architecture.")
    if previous is not None:
        changed = spec.changes_from(previous.network)
        if changed:
            raise ValueError(
                "The network parameters changed since the network was fitted ("
                + ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in changed.items())
                + "); warm_start and partial_fit continue training the fitted network. "
                "Set them back, or fit anew with warm_start=False.")
    elif spec.num_embeddings is not None and sp.issparse(X):
        raise ValueError(
            f"num_embeddings={spec.num_embeddings!r} embeds numeric columns from their "
            "dense values; it does not take sparse X. Use num_embeddings=None or dense X.")
    return spec


def make_plan(params, X, y_enc, classes, sample_weight, *, monitor, previous=None,
              partial=False, n_valid=0) -> TrainingPlan:
    """The :class:`TrainingPlan` of a fit.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``get_params(deep=False)``), validated.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The encoded training rows.
    y_enc : ndarray of int
        Labels as indices into ``classes``.
    classes : ndarray of shape (K,)
    sample_weight : ndarray of float64 or None
        Validated weights (:func:`check_weights`).
    monitor : ProbaMetric or None
        The metric of ``scoring`` (None for ``"loss"``).
    previous : TrainingPlan or None
        The fitted model's plan when this call continues it (``warm_start``,
        ``partial_fit``); None for a new network.
    partial : bool
        ``partial_fit``: one epoch, no validation split; a continued
        ``partial_fit`` keeps the class setup of ``previous``.
    n_valid : int
        The last ``n_valid`` rows of ``X`` are the validation rows the user
        gave (``fit(eval_set=...)``): every other row trains, the class
        frequencies come from those, and early stopping monitors the given
        rows (unless ``early_stopping=False``).
    """
    rng = check_random_state(params["random_state"])
    seed = int(rng.randint(np.iinfo(np.int32).max))
    if partial and previous is not None:
        _check_same_setup(params, previous)
        setup = {k: getattr(previous, k) for k in (
            "row_counts", "class_counts", "weight_counts", "loss_positive", "reweight",
            "class_weight", "batch_sampler", "drawn_counts", "setup_params")}
        setup["scheme"] = scheme_of(previous.reweight)
        setup["loss"] = get_loss(previous.loss)  # a copy: its batch counters start afresh
    else:
        n_fit = len(y_enc) - n_valid
        setup = class_setup(params, classes, y_enc[:n_fit],
                            None if sample_weight is None else sample_weight[:n_fit], seed,
                            monitor, partial=partial)
        setup["setup_params"] = {k: _fingerprint(params[k]) for k in SETUP_PARAMS}
    if partial:
        stopping, train_index, valid_index = "none", None, None
    else:
        stopping, train_index, valid_index = _validation(params, y_enc, classes.shape[0],
                                                         monitor, sample_weight, rng, n_valid)
        _checks.warn_stochastic_monitor(setup["loss"], stopping, monitor)
    network = _network(params, X, previous)
    n_threads = thread_count(params["n_jobs"], min(X.shape[0], int(params["batch_size"])),
                             X.shape[1], network.hidden_layer_sizes)
    n_train = X.shape[0] if train_index is None else len(train_index)
    device = resolve_device(params["device"], _batch_work(params, network, X.shape[1],
                                                          classes.shape[0], n_train, partial))
    return TrainingPlan(
        classes=classes, **setup,
        batch_size=min(int(params["batch_size"]), n_train),
        max_epochs=int(params["max_epochs"]),
        epochs=1 if partial else int(params["max_epochs"]),
        stopping=stopping, monitor=None if partial else monitor,
        train_index=train_index, valid_index=valid_index,
        patience=int(params["n_iter_no_change"]), tol=float(params["tol"]),
        lr=float(params["lr"]), weight_decay=float(params["weight_decay"]),
        n_threads=n_threads, device=device, seed=seed, network=network,
        calibration=params["calibration"], resume=previous is not None,
        verbose=int(params["verbose"]))
