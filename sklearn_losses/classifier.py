"""``WeightedLossClassifier``: a scikit-learn classifier trained with any loss
of the zoo and any re-weighting scheme, on the skorch engine of
:mod:`sklearn_losses.engine`."""

from __future__ import annotations

import copy
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from skorch.callbacks import EarlyStopping, PrintLog

from .engine import (
    BatchProgressBar,
    ClassWeightSchedule,
    DeviceTensorDataset,
    LossNet,
    StratifiedValidSplit,
    ValidationScoring,
    predict_logits,
)
from .losses.base import Loss, get_loss
from .metrics import ProbaMetric, available_metrics, available_scorers, metric_of
from .network import ACTIVATIONS, MLP
from .weighting import Reweighting, available_reweightings, compute_class_weights, get_reweighting

__all__ = ["WeightedLossClassifier", "resolve_device"]


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


class WeightedLossClassifier(ClassifierMixin, BaseEstimator):
    """Neural-network classifier trained with a loss for imbalanced or noisy data.

    A multi-layer perceptron is trained with the chosen ``loss`` (any name of
    :func:`~sklearn_losses.available_losses` or a loss instance) and class
    ``reweight``-ing, on the GPU when one is available. The estimator is a
    full scikit-learn classifier: it clones, grid-searches (also over nested
    ``loss__<param>`` and ``reweight__<param>`` when instances are given),
    pickles, and accepts pandas input, any label type and ``sample_weight``.

    Parameters
    ----------
    loss : str or Loss, default="cross_entropy"
        Training loss. A name builds the loss with its default
        hyper-parameters; an instance (e.g. ``get_loss("focal", gamma=1.0)``)
        exposes its hyper-parameters as ``loss__<name>``. The instance given
        is never modified: a clone is trained (``loss_``). Losses with a
        ``class_counts`` parameter left at None get the training counts.
    reweight : "auto", None, str, dict or Reweighting, default="auto"
        Re-weighting: ``"auto"`` (``"balanced"``, unless the loss corrects
        for the class prior itself (``logit_adjusted``, ``balanced_softmax``),
        is batch-level (AnyLoss, AUC losses), or ``batch_sampler="balanced"``:
        then None; ``reweight_`` records the choice), ``None``, a scheme name
        (:func:`~sklearn_losses.weighting.available_reweightings`:
        ``"balanced"``, ``"inverse_sqrt"``, ``"class_balanced"``, ``"drw"``
        (deferred: unweighted, then class-balanced from ``start_epoch``),
        ``"dro_kl"`` (per-batch instance weights from the loss, pointwise
        losses only)), a scheme instance (tunable as ``reweight__beta``,
        ``reweight__r``...), or a dict ``{class_label: weight}``. The weights
        multiply ``sample_weight``.
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer; ``()`` gives a linear model.
    activation : {"relu", "gelu", "tanh", "silu"}, default="relu"
        Hidden-layer non-linearity.
    dropout : float in [0, 1), default=0.0
        Dropout after each hidden layer.
    batch_size : int, default=256
        Mini-batch size (capped at the number of training rows).
    batch_sampler : {"auto", "random", "stratified", "balanced"}, default="auto"
        How each epoch orders the training rows into batches. ``"random"``
        shuffles; ``"stratified"`` spreads every class evenly so each batch
        holds each class in proportion (what batch-level losses such as
        AnyLoss and the AUC losses need); ``"balanced"`` resamples in the
        batch so that every class is equally represented (minority rows
        repeated, majority rows subsampled each epoch): the in-network
        alternative to ``reweight``, to be cross-validated against it (do not
        apply both at full strength: that corrects twice). ``"auto"`` is
        ``"stratified"`` for batch-level losses and ``"random"`` otherwise.
        Batch-level losses also get a last batch smaller than half a batch
        merged into the previous one.
    max_epochs : int, default=500
        Maximum number of passes over the training data.
    lr : float, default=1e-3
        Learning rate of AdamW.
    weight_decay : float, default=0.0
        Decoupled weight decay of AdamW.
    early_stopping : "auto" or bool, default="auto"
        - ``True``: hold out ``validation_fraction`` of the training rows
          (stratified) and stop when the ``scoring`` metric has not improved
          by ``tol`` (relative) for ``n_iter_no_change`` epochs; the best
          epoch's weights are restored. When the data are too small to hold
          out every class, the estimator warns and falls back to the
          training-loss rule below.
        - ``"auto"``: as ``True`` when ``n_samples >= 10_000`` (the rule of
          ``HistGradientBoostingClassifier``) or when ``scoring`` names a
          metric to monitor; otherwise (smaller data, ``scoring="loss"``),
          where a 10% split holds too few minority rows to judge an epoch,
          train on all rows and stop when the training loss has not improved
          by ``tol`` (absolute) for ``n_iter_no_change`` epochs
          (``MLPClassifier``'s rule).
        - ``False``: train for ``max_epochs``.

        ``stopping_`` records the rule used.
    scoring : str, ProbaMetric or scorer, default="loss"
        What early stopping monitors on the validation split: ``"loss"``
        (the training loss, with the same weights), a metric of
        :func:`~sklearn_losses.metrics.available_metrics` (e.g.
        ``"roc_auc"``, ``"average_precision"``, ``"balanced_accuracy"``,
        ``"gmean"``, ``"ece"``) or its scorer name
        (:func:`~sklearn_losses.metrics.available_scorers`, e.g.
        ``"neg_ece"``), a metric object such as
        ``sklearn_losses.metrics.loss_metric("focal", gamma=2.0)``, or a
        scorer made by :func:`~sklearn_losses.metrics.get_scorer`,
        :func:`~sklearn_losses.metrics.make_loss_scorer` or
        :func:`~sklearn_losses.metrics.make_fbeta_scorer`. Loss values are
        not comparable across losses (LOSSES.md §7.3): select models with a
        metric, e.g. ``GridSearchCV(scoring=...)``; the values of stochastic
        losses (``ensloss``) mean nothing, so stopping on them warns.
    calibration : {None, "prior", "temperature"}, default=None
        Correction of ``predict_proba`` (and of ``decision_function`` and
        ``predict``, which follow it) for what training did to the
        probabilities:

        - ``"prior"``: the closed-form prior correction, exact for proper
          losses such as cross-entropy: class weights ``c_j`` are divided
          out (``p_j ∝ q_j / c_j``), the ``"balanced"`` batch sampler's
          uniform prior is replaced by the training prior, and the logit
          adjustment of ``logit_adjusted`` / ``balanced_softmax`` is added
          back (``softmax(z + tau log pi)``). The result estimates the
          training-prior posterior, so ``predict`` favours frequent classes
          again: tune the decision with ``TunedThresholdClassifierCV`` if a
          balanced decision is wanted.
        - ``"temperature"``: the prior correction where it applies, then
          temperature scaling: one ``T > 0`` fitted by weighted negative
          log-likelihood on the validation split (held out even when
          ``early_stopping=False``). For losses with no closed form (focal,
          robust, metric and ranking losses).
    validation_fraction : float in (0, 1), default=0.1
        Share of the training rows held out for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Minimum improvement that resets the patience: relative for the
        validation rule, absolute for the training-loss rule (as in
        ``MLPClassifier``).
    logit_clip : float > 0 or None, default=None
        Train with the loss evaluated on norm-clipped logits
        (:class:`~sklearn_losses.losses.LogitClip`, ``delta=logit_clip``:
        ``z * min(1, delta / ||z||)``), a guard against memorising noisy
        labels. ``None`` is off. Predictions use the raw logits. Equivalent
        to ``loss=get_loss("logit_clip", loss=..., delta=...)`` and
        grid-searchable without nesting.
    device : str, default="auto"
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"``,
        ``"cuda:1"``...
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, shuffling and the validation split. The
        same integer gives identical results on CPU.
    verbose : int, default=0
        0 is silent; 1 prints one line per epoch; 2 also shows a progress
        bar of the batches of each epoch (skorch's ``ProgressBar``), for long
        fits.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the network outputs.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names (pandas).
    class_counts_ : ndarray of shape (n_classes,)
        Training count of each class; with ``sample_weight``, its total
        weight per class (a weight ``k`` counts as ``k`` rows, as in
        :func:`sklearn.utils.class_weight.compute_class_weight`). The class
        weights of ``reweight`` and the priors of ``logit_adjusted``,
        ``balanced_softmax`` and ``ldam`` come from it.
    reweight_ : None, str, dict or Reweighting
        ``reweight`` with ``"auto"`` resolved.
    class_weight_ : ndarray of shape (n_classes,) or None
        Class weights applied by ``reweight`` (None when off).
    loss_ : Loss
        The loss that was trained (a configured clone).
    module_ : torch.nn.Module
        The trained network (outputs logits).
    device_ : torch.device
        Where the network lives.
    history_ : skorch.History
        Per-epoch record (``train_loss``, ``valid_loss``, the monitored
        ``valid_<scoring>``, ``dur``).
    n_iter_ : int
        Epochs run.
    best_epoch_ : int
        Epoch whose weights were kept (the last one without early stopping).
    batch_sampler_ : str
        The batch sampler used (``"auto"`` resolved).
    stopping_ : {"validation", "train_loss", "none"}
        The stopping rule ``early_stopping`` resolved to.
    logit_offset_ : ndarray of shape (n_classes,) or None
        Additive logit correction of ``calibration`` (None when off).
    temperature_ : float
        Temperature dividing the corrected logits (1.0 unless
        ``calibration="temperature"``).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn_losses import WeightedLossClassifier
    >>> X, y = make_classification(500, weights=[0.9], random_state=0)
    >>> clf = WeightedLossClassifier(loss="focal", reweight="class_balanced",
    ...                              max_epochs=20, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {
        "loss": [str, Loss],
        "reweight": [None, StrOptions({"auto", *available_reweightings()}), dict, Reweighting],
        "hidden_layer_sizes": [tuple, list],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "batch_sampler": [StrOptions({"auto", "random", "stratified", "balanced"})],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "scoring": [StrOptions({"loss", *available_metrics(), *available_scorers()}),
                    ProbaMetric, callable],
        "calibration": [None, StrOptions({"prior", "temperature"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "logit_clip": [None, Interval(Real, 0, None, closed="neither")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        loss="cross_entropy",
        reweight="auto",
        *,
        hidden_layer_sizes=(100,),
        activation="relu",
        dropout=0.0,
        batch_size=256,
        batch_sampler="auto",
        max_epochs=500,
        lr=1e-3,
        weight_decay=0.0,
        early_stopping="auto",
        scoring="loss",
        calibration=None,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        logit_clip=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.loss = loss
        self.reweight = reweight
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_size = batch_size
        self.batch_sampler = batch_sampler
        self.max_epochs = max_epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.scoring = scoring
        self.calibration = calibration
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.logit_clip = logit_clip
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None):
        """Train the network.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric features (encode categorical columns first, e.g. with a
            ``ColumnTransformer``). Converted to float32.
        y : array-like of shape (n_samples,)
            Class labels of any type (strings too); at least two classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, multiplied by the class weights of
            ``reweight``. For pointwise losses a weight of ``k`` counts as
            ``k`` repetitions of the row in every batch's weighted mean.

        Returns
        -------
        self : WeightedLossClassifier
        """
        self._validate_params()
        if not all(isinstance(v, Integral) and not isinstance(v, bool) and v > 0
                   for v in self.hidden_layer_sizes):
            raise ValueError("hidden_layer_sizes must be a tuple of positive ints; "
                             f"got {self.hidden_layer_sizes!r}.")
        X, y = self._validate_X(X, y, dtype=np.float32, ensure_min_samples=2)
        check_classification_targets(y)
        monitor = None if self.scoring == "loss" else metric_of(self.scoring)
        classes, y_enc = np.unique(y, return_inverse=True)
        if classes.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y; "
                f"got 1 class ({classes[0]!r})."
            )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float32,
                                                 ensure_non_negative=True)
            if not np.isfinite(sample_weight).all():
                raise ValueError("sample_weight contains NaN or infinity.")
            present = np.bincount(y_enc, weights=sample_weight, minlength=classes.shape[0]) > 0
            if present.sum() < 2:
                raise ValueError(
                    "sample_weight leaves fewer than 2 classes with positive total weight; "
                    "a classifier needs at least 2 classes to learn from."
                )
        self.classes_ = classes
        n_classes = classes.shape[0]
        self._row_counts = np.bincount(y_enc, minlength=n_classes)
        if sample_weight is None:
            self.class_counts_ = self._row_counts
        else:
            self.class_counts_ = np.bincount(y_enc, weights=sample_weight.astype(np.float64),
                                             minlength=n_classes)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        self.loss_ = self._build_loss(seed)
        self.reweight_ = self._resolve_reweight()
        scheme = self._reweighting_scheme()
        if np.any(self.class_counts_ <= 0) and (
                self.loss_.requires_class_counts
                or (self.reweight_ is not None and not isinstance(self.reweight_, dict))):
            empty = classes[self.class_counts_ <= 0].tolist()
            raise ValueError(
                f"sample_weight gives class(es) {empty} a total weight of 0, so their "
                f"frequency is 0 and reweight={self.reweight_!r} / loss '{self.loss_.name}' "
                "cannot weight them. Drop those rows, give them positive weight, or use "
                "reweight=None or a dict.")
        self.class_weight_ = compute_class_weights(self.reweight_, classes, self.class_counts_)
        if scheme is not None and scheme.instance_level and not self.loss_.pointwise:
            raise ValueError(
                f"reweight={scheme.name!r} weights instances by their per-sample loss; "
                f"the batch-level loss '{self.loss_.name}' has none. Use a pointwise loss."
            )
        self.device_ = resolve_device(self.device)

        self.batch_sampler_ = self._resolve_batch_sampler(len(y_enc))
        self._warn_prior_twice(scheme)

        wants_validation = self._wants_validation(len(y_enc), monitor)
        train_index, valid_index = self._split(y_enc, rng, wants_validation)

        X_t = _as_tensor(X, torch.float32, self.device_)
        y_t = _as_tensor(y_enc, torch.long, self.device_)
        w_t = None if sample_weight is None else _as_tensor(sample_weight, torch.float32,
                                                            self.device_)
        dataset = DeviceTensorDataset(X_t, y_t, w_t)
        train_split = None if valid_index is None else StratifiedValidSplit(train_index, valid_index)
        if not self.early_stopping:
            self.stopping_ = "none"
        elif valid_index is not None and wants_validation:
            self.stopping_ = "validation"
        else:
            self.stopping_ = "train_loss"

        # The initial weights come from a generator local to this fit, so that
        # fits in parallel threads (joblib's threading backend, Dask workers
        # with several threads) are reproducible and the caller's global torch
        # RNG is left alone. Dropout draws from the global RNG: it is seeded
        # inside fork_rng (reproducible in one thread).
        init_generator = torch.Generator(device="cpu")
        init_generator.manual_seed(seed)
        module = MLP(X.shape[1], n_classes, tuple(self.hidden_layer_sizes), self.activation,
                     float(self.dropout), generator=init_generator)
        generator = torch.Generator(device="cpu")
        generator.manual_seed(seed)
        if (self.stopping_ == "validation" and monitor is None and self.loss_.stochastic):
            warnings.warn(
                f"Early stopping monitors the validation loss of the stochastic loss "
                f"'{self.loss_.name}', whose values mean nothing (each batch draws a new "
                "loss); pass scoring= a metric such as 'roc_auc'.", UserWarning, stacklevel=2)
        net = self._build_net(module, train_split, generator, n_classes, scheme, monitor)
        if self.dropout > 0:
            fork_devices = [self.device_] if self.device_.type == "cuda" else []
            with torch.random.fork_rng(devices=fork_devices):
                torch.manual_seed(seed)
                net.fit(dataset, y_enc)
        else:
            net.fit(dataset, y_enc)

        self.module_ = net.module_
        self.history_ = net.history
        if scheme is not None and scheme.scheduled:
            # the weights in force during the last epoch run
            self.class_weight_ = scheme.class_weights_at_epoch(
                self.class_counts_, len(net.history) - 1, self.max_epochs)
            start = getattr(scheme, "resolved_start_epoch", None)
            if start is not None and len(net.history) <= start(int(self.max_epochs)) < \
                    int(self.max_epochs):
                warnings.warn(
                    f"Training stopped after {len(net.history)} epochs, before reweight="
                    f"{scheme.name!r} switched its class weights on (epoch "
                    f"{start(int(self.max_epochs))}): the model was trained unweighted. Set "
                    "reweight__start_epoch (a scheme instance) lower, or early_stopping=False.",
                    UserWarning, stacklevel=2)
        self.n_iter_ = len(net.history)
        self.best_epoch_ = self._best_epoch(net)
        self.logit_offset_, self.temperature_ = self._fit_calibration(
            X_t, y_t, w_t, valid_index)
        n_degenerate = getattr(net.criterion_, "n_degenerate_batches_", 0)
        if n_degenerate:
            warnings.warn(
                f"{n_degenerate} training batches had no class with both positive and negative "
                f"rows for the batch-level loss '{self.loss_.name}' and gave no gradient. Use a "
                "larger batch_size or batch_sampler='balanced'.", UserWarning, stacklevel=2)
        if net.diverged_epoch_ is not None:
            if net.diverged_epoch_ <= 1:
                raise FloatingPointError(
                    "Training diverged in the first epoch (the loss became NaN or infinite). "
                    "Lower lr, standardize X, or clip logits."
                )
            warnings.warn(
                f"Training diverged at epoch {net.diverged_epoch_} (non-finite loss); "
                f"stopped and kept the weights of epoch {self.best_epoch_}. Consider a lower lr.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _prior_offset(self):
        """Additive logit correction back to the training-prior posterior (LOSSES.md §7.4)."""
        n_classes = len(self.classes_)
        offset = np.zeros(n_classes)
        if self.class_weight_ is not None:
            offset -= np.log(np.maximum(self.class_weight_, 1e-300))
        if self.batch_sampler_ == "balanced":
            offset += np.log(self.class_counts_ / self.class_counts_.sum())
        loss_offset = self.loss_.prior_logit_offset()
        if loss_offset is not None:
            offset += loss_offset
        return offset

    def _fit_calibration(self, X_t, y_t, w_t, valid_index):
        """``(logit_offset_, temperature_)`` for ``calibration``."""
        if self.calibration is None:
            return None, 1.0
        offset = self._prior_offset()
        if self.calibration == "prior" or valid_index is None:
            return offset, 1.0
        from scipy.optimize import minimize_scalar

        idx = torch.as_tensor(valid_index, device=self.device_)
        logits = self._raw_logits(X_t[idx].double()) + torch.as_tensor(offset, device=self.device_)
        target = y_t[idx]
        weight = None if w_t is None else w_t[idx].double()

        def nll(log_t):
            scaled = logits / float(np.exp(log_t))
            per_row = torch.nn.functional.cross_entropy(scaled, target, reduction="none")
            if weight is None:
                return float(per_row.mean())
            return float((per_row * weight).sum() / weight.sum())

        res = minimize_scalar(nll, bounds=(-5.0, 5.0), method="bounded",
                              options={"xatol": 1e-4})
        return offset, float(np.exp(res.x))

    def _warn_prior_twice(self, scheme):
        """Warn when two corrections of the class prior are combined at full strength."""
        weighted = self.class_weight_ is not None and not (scheme is not None and scheme.scheduled)
        balanced = self.batch_sampler_ == "balanced"
        if self.loss_.prior_logit_offset() is not None:
            first = f"The loss '{self.loss_.name}' already corrects for the class prior"
            other = [name for name, on in (("class re-weighting", weighted),
                                           ("balanced batches", balanced)) if on]
        elif weighted and balanced:
            first, other = "batch_sampler='balanced' already balances the classes", [
                "class re-weighting"]
        else:
            return
        if other:
            warnings.warn(
                f"{first}; combining it with {' and '.join(other)} corrects twice and pushes "
                "decisions towards the rare classes. Use one correction, or cross-validate "
                "the combination.", UserWarning, stacklevel=3)

    def _resolve_batch_sampler(self, n_samples):
        """The sampler to use; warns when batches are too small for a batch-level loss."""
        pointwise = self.loss_.pointwise
        sampler = self.batch_sampler
        if sampler == "auto":
            sampler = "random" if pointwise else "stratified"
        if not pointwise:
            batch = min(self.batch_size, n_samples)
            if sampler == "balanced":
                expected_min = batch / len(self.classes_)
            else:
                expected_min = batch * self._row_counts.min() / n_samples
            if expected_min < 2:
                warnings.warn(
                    f"The batch-level loss '{self.loss_.name}' sees about {expected_min:.1f} rows "
                    f"of the rarest class per batch of {batch}; batch estimates of the metric "
                    "will be poor. Use a larger batch_size or batch_sampler='balanced'.",
                    UserWarning, stacklevel=3)
            if self.class_weight_ is not None:
                warnings.warn(
                    f"The batch-level loss '{self.loss_.name}' already handles imbalance; "
                    "combining it with class re-weighting corrects twice.", UserWarning,
                    stacklevel=3)
        return sampler

    def _resolve_reweight(self):
        """``reweight`` with ``"auto"`` resolved (needs ``loss_``)."""
        if not (isinstance(self.reweight, str) and self.reweight == "auto"):
            return self.reweight
        if (self.loss_.prior_logit_offset() is not None or not self.loss_.pointwise
                or self.batch_sampler == "balanced"):
            return None  # the loss or the sampler already corrects for the class prior
        return "balanced"

    def _reweighting_scheme(self):
        """The Reweighting instance behind ``reweight_`` (None for None or a dict)."""
        if self.reweight_ is None or isinstance(self.reweight_, dict):
            return None
        return get_reweighting(self.reweight_)

    def _build_loss(self, seed) -> Loss:
        loss = get_loss(self.loss)  # clone of an instance, or a fresh named loss
        loss.check_n_classes(self.classes_.shape[0])
        if loss.get_params(deep=False).get("random_state", 0) is None:
            # a stochastic loss (ensloss) left unseeded follows the estimator's random_state
            loss.set_params(random_state=seed)
        if loss.requires_class_counts and getattr(loss, "class_counts", None) is None:
            loss.set_params(class_counts=self.class_counts_.astype(np.float64))
        if self.logit_clip is not None:
            loss = get_loss("logit_clip", loss=loss, delta=float(self.logit_clip))
        return loss

    def _validate_X(self, X, *args, **kwargs):
        """``validate_data(self, X, ...)``, naming non-numeric DataFrame columns in the error."""
        try:
            return validate_data(self, X, *args, **kwargs)
        except ValueError as exc:
            dtypes = getattr(X, "dtypes", None)
            if dtypes is None or "convert" not in str(exc):
                raise
            from pandas.api.types import is_bool_dtype, is_numeric_dtype

            bad = [str(c) for c, dt in dtypes.items()
                   if not (is_numeric_dtype(dt) or is_bool_dtype(dt))]
            raise ValueError(
                f"{type(self).__name__} needs numeric features; the column(s) {bad} are not "
                f"numeric ({exc}). Encode them first, e.g. with a ColumnTransformer and "
                "OneHotEncoder in a Pipeline.") from exc

    #: ``early_stopping="auto"`` holds out a validation split from this many rows on.
    _AUTO_VALIDATION_MIN_SAMPLES = 10_000

    def _wants_validation(self, n_samples, monitor):
        """Whether early stopping holds out a validation split (``monitor``: the metric or None)."""
        if self.early_stopping == "auto":
            return n_samples >= self._AUTO_VALIDATION_MIN_SAMPLES or monitor is not None
        return bool(self.early_stopping)

    def _split(self, y_enc, rng, wants_validation):
        """Stratified hold-out for early stopping, or (None, None) when off."""
        if not (wants_validation or self.calibration == "temperature"):
            return None, None
        n = y_enc.shape[0]
        n_classes = self.classes_.shape[0]
        # At least one validation row per class (tiny data), as long as every
        # class keeps a row on the training side.
        n_valid = max(int(np.ceil(self.validation_fraction * n)), n_classes)
        if self._row_counts.min() < 2 or n_valid < n_classes or n - n_valid < n_classes:
            warnings.warn(
                f"early_stopping and calibration='temperature' need a validation split with "
                f"at least 2 rows of every class and room for "
                f"{n_classes} classes on each side of a {self.validation_fraction:g} split; "
                f"class counts are {self._row_counts.tolist()}. Training on all rows "
                f"(stopping on the training loss) without temperature scaling instead.",
                UserWarning,
                stacklevel=3,
            )
            return None, None
        splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_valid,
                                          random_state=rng.randint(np.iinfo(np.int32).max))
        train_index, valid_index = next(splitter.split(np.zeros(n), y_enc))
        return np.sort(train_index), np.sort(valid_index)

    def _build_net(self, module, train_split, generator, n_classes, scheme, metric):
        """The skorch net with its callbacks (``metric``: the monitored ProbaMetric or None)."""
        callbacks = []
        if scheme is not None and scheme.scheduled:
            callbacks.append(("class_weight_schedule", ClassWeightSchedule(
                scheme, self.class_counts_, int(self.max_epochs))))
        monitor, lower = "valid_loss", True
        if train_split is not None and metric is not None:
            callbacks.append(("valid_score", ValidationScoring(
                metric.name, metric, lower_is_better=not metric.greater_is_better)))
            monitor, lower = f"valid_{metric.name}", not metric.greater_is_better
        sink = print if self.verbose else _noop
        if self.stopping_ == "validation":
            callbacks.append(("early_stopping", EarlyStopping(
                monitor=monitor, lower_is_better=lower, patience=self.n_iter_no_change,
                threshold=self.tol, threshold_mode="rel", load_best=True, sink=sink)))
        elif self.stopping_ == "train_loss":
            callbacks.append(("early_stopping", EarlyStopping(
                monitor="train_loss", lower_is_better=True, patience=self.n_iter_no_change,
                threshold=self.tol, threshold_mode="abs", load_best=False, sink=sink)))
        if self.verbose:
            callbacks.append(("print_log", PrintLog()))
        if self.verbose >= 2:
            callbacks.append(("progress_bar", BatchProgressBar()))
        cw = None
        if self.class_weight_ is not None:
            cw = torch.tensor(self.class_weight_, dtype=torch.float32, device=self.device_)
        fused = {"fused": True} if self.device_.type in ("cpu", "cuda") else {}
        return LossNet(
            module=module,
            criterion=self.loss_,
            optimizer=torch.optim.AdamW,
            optimizer__weight_decay=float(self.weight_decay),
            **{f"optimizer__{k}": v for k, v in fused.items()},
            lr=float(self.lr),
            max_epochs=int(self.max_epochs),
            batch_size=int(self.batch_size),
            train_split=train_split,
            callbacks=callbacks,
            device=self.device_,
            classes=np.arange(n_classes),
            class_weight_tensor=cw,
            generator=generator,
            instance_weighting=scheme if scheme is not None and scheme.instance_level else None,
            batch_sampler=self.batch_sampler_,
            verbose=int(self.verbose),
        )

    @staticmethod
    def _best_epoch(net):
        es = dict(net.callbacks_).get("early_stopping")
        if es is not None and es.load_best and getattr(es, "best_epoch_", 0):
            return int(es.best_epoch_)
        return len(net.history) - (1 if net.diverged_epoch_ is not None else 0)

    # -------------------------------------------------------------- predict
    def _logits(self, X) -> torch.Tensor:
        check_is_fitted(self, "module_")
        X = self._validate_X(X, dtype=np.float64, reset=False)
        logits = self._raw_logits(torch.tensor(X, dtype=torch.float64, device=self.device_))
        if self.logit_offset_ is not None:
            logits = logits + torch.as_tensor(self.logit_offset_, device=logits.device)
        if self.temperature_ != 1.0:
            logits = logits / self.temperature_
        if not torch.isfinite(logits).all():
            raise FloatingPointError(
                "The network produced non-finite outputs for this X (values far outside the "
                "training range?). Standardize X or refit with a lower lr."
            )
        return logits

    def _raw_logits(self, X_t):
        """Network outputs for a float64 tensor, computed in float64.

        Inference runs in float64 on a copy of the network: float32 matrix
        kernels pick different blockings for different row counts, so the
        score of a row would depend (at ~1e-6) on the other rows predicted
        with it. float64 makes predictions row-wise reproducible.
        """
        return predict_logits(copy.deepcopy(self.module_).double(), X_t)

    def decision_function(self, X):
        """Confidence scores: the logits, or for binary problems ``z_1 - z_0``.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For binary problems the log-odds of ``classes_[1]``.
        """
        logits = self._logits(X)
        if logits.shape[1] == 2:
            return (logits[:, 1] - logits[:, 0]).cpu().numpy()
        return logits.cpu().numpy()

    def predict_proba(self, X):
        """Class probabilities ``softmax(z)``, columns in ``classes_`` order."""
        return torch.softmax(self._logits(X), dim=1).cpu().numpy()

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, computed stably from the logits."""
        return torch.log_softmax(self._logits(X), dim=1).cpu().numpy()

    def predict(self, X):
        """Most probable class label for each row of ``X``."""
        logits = self._logits(X)
        return self.classes_[logits.argmax(dim=1).cpu().numpy()]

    # ----------------------------------------------------------- pickling
    def __getstate__(self):
        state = super().__getstate__()
        module = state.get("module_")
        if module is not None and next(module.parameters(), torch.empty(0)).device.type != "cpu":
            state["module_"] = copy.deepcopy(module).to("cpu")
        if "device_" in state:
            state["device_"] = str(state["device_"])
        return state

    def __setstate__(self, state):
        device = state.get("device_")
        if device is not None:
            device = torch.device(device)
            if device.type == "cuda" and not torch.cuda.is_available():
                warnings.warn(
                    "This model was trained on CUDA, which is not available here; "
                    "it is loaded on the CPU.", UserWarning, stacklevel=2)
                device = torch.device("cpu")
            state["device_"] = device
            if state.get("module_") is not None:
                state["module_"] = state["module_"].to(device)
        super().__setstate__(state)


def _noop(*args, **kwargs):
    pass


def _as_tensor(array: np.ndarray, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """``array`` as a tensor; on the CPU without a copy when it already fits.

    Training only reads these tensors (batches are gathered into new ones), so
    sharing the memory of a writeable, C-contiguous array of the right dtype
    is safe and saves a copy of the table per fit; anything else is copied.
    """
    if (device.type == "cpu" and array.flags.c_contiguous and array.flags.writeable
            and torch.from_numpy(array[:0]).dtype == dtype):
        return torch.from_numpy(array)
    return torch.tensor(array, dtype=dtype, device=device)

