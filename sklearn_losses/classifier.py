"""``WeightedLossClassifier``: a scikit-learn classifier trained with any loss
of the zoo and any re-weighting scheme.

The estimator validates its parameters and data, asks :mod:`sklearn_losses.plan`
for a :class:`~sklearn_losses.plan.TrainingPlan` (every ``"auto"`` resolved),
hands the plan to :func:`sklearn_losses.engine.train` and keeps what training
produced; it predicts with the fitted network. ``fit``, ``warm_start`` and
``partial_fit`` share one path (``_fit``).
"""

from __future__ import annotations

import copy
import dataclasses
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    _num_samples,
    check_is_fitted,
    column_or_1d,
)

from . import _checks
from ._input import check_labels, row_chunks, validate_table
from ._warnings import each_warning_once, warn_user
from .calibration import fit_calibration
from .engine import INFERENCE_CHUNK, predict_float64, resolve_device, thread_count, train
from .losses.base import Loss, get_loss
from .metrics import (ProbaMetric, _metric_and_pos_label, available_metrics, available_scorers,
                      metric_of)
from .network import ACTIVATIONS, ARCHITECTURES, NUM_EMBEDDINGS, check_network_params
from .plan import check_weights, make_plan
from .weighting import Reweighting, get_reweighting

__all__ = ["WeightedLossClassifier", "resolve_device"]


def _has_partial_fit(estimator):
    """``partial_fit`` exists unless ``architecture="nca"`` (as ``MLPClassifier``'s for lbfgs)."""
    if estimator.architecture == "nca":
        raise AttributeError(
            "partial_fit is not available with architecture='nca', which predicts from the "
            "training rows fit stores with the model. Use fit (warm_start=True continues "
            "the fitted network, with the rows of the new call as neighbours).")
    return True


class WeightedLossClassifier(ClassifierMixin, BaseEstimator):
    """Neural-network classifier trained with a loss for imbalanced or noisy data.

    A network (a multi-layer perceptron, or with ``architecture`` TabM or a
    retrieval network) is trained with the chosen ``loss`` (any name of
    :func:`~sklearn_losses.available_losses` or a loss instance) and class
    ``reweight``-ing, on the GPU when one is available. The estimator is a
    full scikit-learn classifier: it clones, grid-searches (also over nested
    ``loss__<param>`` and ``reweight__<param>`` when instances are given),
    pickles, and accepts pandas input, any label type and ``sample_weight``.

    Parameters
    ----------
    loss : "auto", str or Loss, default="auto"
        Training loss. ``"auto"`` is cross-entropy with label smoothing 0.1
        (``get_loss("cross_entropy", label_smoothing=0.1)``), the default
        chosen on the imbalanced benchmark (:ref:`choosing-defaults`); its
        probabilities are shrunk towards uniform (``loss_.proper`` is False):
        pass ``loss="cross_entropy"`` for plain cross-entropy. A name builds
        the loss with its default hyper-parameters; an instance (e.g.
        ``get_loss("focal", gamma=1.0)``) exposes its hyper-parameters as
        ``loss__<name>`` (``"auto"`` and names too: ``set_params`` then swaps
        in the instance). The instance given is never modified: a clone is
        trained (``loss_``). Losses with a ``class_counts`` parameter left at
        None get the training counts.
    reweight : "auto", None, str, dict or Reweighting, default="auto"
        Re-weighting: ``"auto"`` (``"inverse_sqrt"``, unless the loss corrects
        for the class prior itself (``logit_adjusted``, ``balanced_softmax``),
        weighs the classes on the batch (AnyLoss, the AUC losses,
        ``ce_smooth_ap``; not ``ensloss``), or ``batch_sampler="balanced"``:
        then None; ``reweight_`` records the choice), ``None``, a scheme name
        (:func:`~sklearn_losses.weighting.available_reweightings`:
        ``"balanced"``, ``"inverse_sqrt"``, ``"class_balanced"``, ``"drw"``
        (deferred: unweighted, then class-balanced from ``start_epoch``),
        ``"dro_kl"`` (per-batch instance weights from the loss, pointwise
        losses only)), a scheme instance (tunable as ``reweight__beta``,
        ``reweight__r``...), or a dict ``{class_label: weight}``. The weights
        multiply ``sample_weight``.
    architecture : {"mlp", "tabm", "tabm_mini", "nca"}, default="mlp"
        The network:

        - ``"mlp"``: a multi-layer perceptron (``hidden_layer_sizes``);
        - ``"tabm"``: TabM (Gorishniy et al., 2024), ``n_ensemble`` MLPs
          that share their weight matrices and differ by BatchEnsemble
          adapters (non-shared scalings and biases of every linear layer),
          trained at once. Each member is trained with ``loss`` (the
          training loss is the mean of the members' losses) and
          ``predict_proba`` is the mean of their probabilities; early
          stopping, ``scoring`` and ``calibration`` see that mean. The
          backbone has ``len(hidden_layer_sizes)`` blocks of the same width
          (``Linear -> activation -> Dropout``; the paper's default is
          ``(512, 512, 512)``, ``dropout`` around 0.1);
        - ``"tabm_mini"``: TabM-mini, whose members differ only by a random
          scaling of the input, every layer being shared (the paper's best
          variant with ``num_embeddings="piecewise_linear"``). Built with the
          authors' package ``tabm``;
        - ``"nca"``: a retrieval network in the style of ModernNCA (Ye et al.,
          2025). Rows are embedded by ``f``: ``num_embeddings`` if set, then
          linear layers of the widths of ``hidden_layer_sizes`` with
          ``activation`` and ``dropout`` between them (the last width is the
          embedding's dimension: ``(100,)`` is a linear embedding of width
          100, ``()`` one of width 128). ``p(y=k|x)`` is the share of
          ``exp(-||f(x) - f(x_j)||)`` over the training rows ``x_j`` that
          falls on class ``k`` (soft nearest neighbours, Euclidean distance,
          temperature 1), and the network outputs the logits ``log p``, so
          every loss trains it. Each training batch draws ``nca_sample_rate``
          of the training rows as neighbours (at most ``nca_max_candidates``
          if set; at least 2 rows of each class),
          never a row itself; a class left without a neighbour for a row (a
          class of one training row, for that row) gets the probability
          ``1e-7`` there. Prediction uses every training row, by blocks of
          predicted rows: each block is embedded (at most ``2**22``
          activations per layer) and its distances to the training rows are
          computed at most ``2**22`` at a time (two such blocks of float64
          distances at once: 64 MiB), so the working memory does not grow
          with the number of rows predicted (the process's peak grew by
          about 130 MiB predicting 20,000 and 70,000 rows with a 512-wide
          embedding of 500 training rows, allocator slack included), besides
          the stored rows, their embeddings and the input and output arrays.
          With glibc (Linux), the process can keep more: its allocator may
          hold freed blocks of that size in the heap instead of returning
          them (measured: up to about +1 GB while predicting 200,000 rows
          against 20,000 training rows, back to +0 MB after
          ``malloc_trim``); the
          environment variable ``MALLOC_MMAP_THRESHOLD_=4194304``, set
          before Python starts, keeps it at a few MB.
          The training
          rows (encoded; validation rows excluded) are stored with the model
          (``module_``), which grows with them. They are neighbours
          unweighted: ``sample_weight`` weights the loss only.
          ``warm_start`` continues the fitted embedding with the new call's
          rows as neighbours; there is no ``partial_fit`` (the attribute is
          absent, as ``MLPClassifier``'s with ``solver="lbfgs"``), and sparse
          ``X`` is refused.
    n_ensemble : int or None, default=None
        Number of members ``k`` of TabM (None: 32, the paper's default). Only
        for ``architecture="tabm"`` / ``"tabm_mini"``: an error with
        ``"mlp"`` and ``"nca"``. Training costs about ``k`` times an MLP of the same width.
    nca_sample_rate : float in (0, 1] or None, default=None
        Share of the training rows each training batch of
        ``architecture="nca"`` draws as neighbours (None: 0.3; ModernNCA's
        stochastic neighbourhood sampling). Only for ``"nca"``: an error
        with the other architectures. A batch's cost grows with it (every
        drawn row is embedded).
    nca_max_candidates : int >= 1 or None, default=None
        Most training rows a training batch of ``architecture="nca"`` draws
        as neighbours (None: no bound). When ``nca_sample_rate`` of the rows
        are more, every class's number is scaled down in proportion (each
        class keeps at least 2 rows). Unbounded, an epoch embeds
        ``nca_sample_rate * n`` rows per batch, so its cost grows with the
        square of the training rows ``n`` (ModernNCA's design); bounded, it
        grows linearly, at some cost in quality. On a synthetic table of
        20,000 training rows and 20 columns (5% positives; one CPU thread,
        ``benchmarks/bench_nca_candidates.py``), an epoch took 3.3 s
        unbounded (6,000 rows drawn), 1.9 s at 4,096, 1.0 s at 2,048 and
        0.6 s at 1,024 (at 50,000 rows: 18.7 s against 4.7, 2.8 and 2.0 s),
        and held-out AP was 0.733, 0.729, 0.716 and 0.691 (mean of 2 seeds;
        a fit took 88, 70, 31 and 22 s). Prediction always uses every
        training row. Only for ``"nca"``: an error with the other
        architectures.
    num_embeddings : {None, "periodic", "piecewise_linear", "piecewise_linear_tree"}, \
            default=None
        Embeddings of the numeric input columns (Gorishniy et al., 2022,
        with their package ``rtdl_num_embeddings``), for any
        ``architecture``. Columns with more than two distinct training
        values are embedded into ``d_embedding`` values each; binary and
        constant columns (one-hot codes) pass through unchanged.

        - ``"periodic"``: PLR embeddings, ``ReLU(Linear(cos, sin))`` of 48
          trainable frequencies per column, initialised at scale 0.01 (for
          standardised inputs);
        - ``"piecewise_linear"``: a linear embedding plus a learned map of
          the piecewise-linear encoding on ``n_bins`` quantile bins of the
          training rows (the variant TabM uses);
        - ``"piecewise_linear_tree"``: the same on target-aware bins, the
          split thresholds of a class-balanced decision tree of at most
          ``n_bins`` leaves grown on each column (the paper's PLE-T; see
          :class:`~sklearn_losses.network.NumEmbeddings`).
    d_embedding : int, default=16
        Embedding width per numeric column (with ``num_embeddings``).
    n_bins : int, default=48
        Maximum number of bins per column for the piecewise-linear
        ``num_embeddings`` (capped at ``n_samples - 1``).
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer; ``()`` gives a linear model. For TabM, one
        block per entry, all of the same width. For NCA, the widths of the
        embedding's linear layers (see ``architecture``).
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
    lr : float, default=2e-3
        Learning rate of AdamW.
    weight_decay : float, default=1.0
        Decoupled weight decay of AdamW: each step shrinks the weights by
        the factor ``1 - lr * weight_decay`` (0.2% per step with the
        defaults), besides the gradient step. On small tables the network
        otherwise fits the training rows until their loss stops falling
        (hundreds of epochs), which hurts its ranking of new rows; the
        default was chosen on the 34 KEEL tables (:ref:`choosing-defaults`),
        where it raised mean MCC and average precision and shortened
        training (with ``lr=2e-3``, chosen with it). ``0`` turns it off.
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
        scorer of the package: one :func:`~sklearn_losses.metrics.get_scorer`
        returns for a package scorer name, or one made by
        :func:`~sklearn_losses.metrics.make_loss_scorer` or
        :func:`~sklearn_losses.metrics.make_fbeta_scorer` (a scikit-learn
        scorer, which ``get_scorer`` returns for scikit-learn's other names,
        is refused at fit: early stopping evaluates the metric behind the
        scorer on validation probabilities). Loss values are
        not comparable across losses (:ref:`design-select-by-scorer`): select models with a
        metric, e.g. ``GridSearchCV(scoring=...)``; the values of stochastic
        losses (``ensloss``) mean nothing, so stopping on them warns.
    pos_label : int, float, bool, str or None, default=None
        Binary problems: the class that a loss measuring one class
        (``anyloss_f1``, ``anyloss_fbeta``, ``ce_smooth_ap``; see
        ``loss_positive_class_``) is trained on. None: the ``pos_label`` of
        ``scoring`` when it has one, else the minority class (by training
        rows; equal counts give ``classes_[1]``), the positive class of the
        package's binary scorers. A label that is not a class of ``y``, or
        any label on a multiclass problem, is an error at ``fit``. Other
        losses are symmetric in the two classes and ignore it.
    calibration : {None, "prior", "temperature"}, default=None
        Correction of ``predict_proba`` (and of ``decision_function`` and
        ``predict``, which follow it) for what training did to the
        probabilities:

        - ``"prior"``: the closed-form prior correction: class weights
          ``c_j`` are divided out (``p_j ∝ q_j / c_j``), the ``"balanced"``
          batch sampler's uniform row frequencies are replaced by the
          training ones, and the logit adjustment of ``logit_adjusted`` /
          ``balanced_softmax`` is added back (``softmax(z + tau log pi)``)
          (:func:`~sklearn_losses.calibration.prior_logit_offset`). The
          result estimates the posterior under the training prior (with
          ``sample_weight``, the weighted one), so ``predict`` favours
          frequent classes again: tune the decision with
          ``TunedThresholdClassifierCV`` if a balanced decision is wanted.
          Exact only for proper losses (``loss.proper``): cross-entropy
          without label smoothing, ``logit_adjusted`` and
          ``balanced_softmax``. For the other losses the correction is
          approximate (off by up to tens of points of probability for
          focal, gce, nce_rce with balanced weights) and ``fit`` warns
          when it has something to divide out (class weights or balanced
          batches): use ``"temperature"``. No prior describes what
          ``reweight="dro_kl"`` does to the probabilities (each row weighed
          by its own loss): ``fit`` warns and ``"temperature"`` is the
          correction.
        - ``"temperature"``: the prior correction where it applies, then
          temperature scaling: one ``T > 0`` fitted by weighted negative
          log-likelihood on the validation split (held out even when
          ``early_stopping=False``). For losses with no closed form (focal,
          robust, metric and ranking losses). Not available in
          :meth:`partial_fit`, which holds out no rows. When the network
          classifies every validation row correctly, no temperature
          minimises their log-loss: it stays 1, with a warning. A split of
          a few dozen rows gives a noisy temperature (e.g. 10 rows of a
          100-row table).
    validation_fraction : float in (0, 1), default=0.1
        Share of the training rows held out for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Minimum improvement that resets the patience: relative for the
        validation rule, absolute for the training-loss rule (as in
        ``MLPClassifier``).
    logit_clip : float in [1e-3, 1e4], inf or None, default=None
        Train with the loss evaluated on norm-clipped logits
        (:class:`~sklearn_losses.losses.wrappers.LogitClip`, ``delta=logit_clip``:
        ``z * min(1, delta / ||z||)``), a guard against memorising noisy
        labels. ``None`` is off. Predictions use the raw logits. Equivalent
        to ``loss=get_loss("logit_clip", loss=..., delta=...)`` and
        grid-searchable without nesting.
    warm_start : bool, default=False
        When True and the estimator is fitted, :meth:`fit` continues
        training the fitted network with its optimizer state (AdamW
        moments; afresh after a fit that diverged, whose moments hold the
        exploded gradients) for up to ``max_epochs`` more epochs, instead of
        initialising a new one. The classes and the number of features must
        be those of the fitted model (ValueError otherwise); everything
        computed from the data (class frequencies and weights, validation
        split, early stopping, calibration) is recomputed from the new call's
        data, and ``history_``, ``loss_curve_``, ``n_iter_`` continue. As in
        ``MLPClassifier``.
    device : str or torch.device, default="auto"
        ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"``... ``"auto"`` trains
        on CUDA when it is available and a training batch's work (the
        multiply-adds of its forward pass, estimated from the shapes by
        :func:`~sklearn_losses.network.estimate_batch_work`: TabM's members,
        embeddings and the retrieval network's candidates counted) is at
        least :data:`~sklearn_losses.engine.runtime.CUDA_MIN_WORK`
        (:math:`2^{24}`), else on the CPU: below that a GPU step's fixed cost
        (its kernel launches) and per-epoch synchronisation make the CPU
        faster. The default network stays below it up to about 650 encoded
        columns (on an H100 machine its epochs ran 1.9x to 2.0x faster on the
        CPU). The choice depends on the shapes and parameters only and is
        made in every fit (a ``partial_fit`` counts ``batch_size`` rows
        whatever its chunk's size, so the calls of a stream agree);
        ``device_`` records it.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, shuffling and the validation split. The
        same integer gives identical results on CPU, one fit per process at a
        time. Dropout, the retrieval network's neighbour sampling and the
        initialisation of piecewise-linear embeddings draw from torch's
        global random state (seeded by the fit and restored after it), so
        fits run side by side in threads of one process (joblib's
        ``"threading"`` backend, a ``ThreadPoolExecutor``) can differ with
        those options and can leave the caller's torch random state changed;
        separate processes (joblib's default) are reproducible.
    verbose : int, default=0
        0 is silent; 1 prints one line per epoch; 2 also shows a progress
        bar of the batches of each epoch (skorch's ``ProgressBar``), for long
        fits.
    preprocessing : "auto" or None, default="auto"
        ``"auto"``: ``fit`` takes a raw table, as CatBoost and
        ``HistGradientBoostingClassifier(categorical_features="from_dtype")``
        do, and encodes it with a :class:`~sklearn_losses.preprocessing.TabularEncoder`
        fitted on the training rows (``encoder_``, applied again at predict):
        text, ``category`` and bool columns one-hot encoded (at most 16
        levels) or target encoded (more levels), missing values a category
        of their own; numeric columns centred by the median, robustly scaled
        and smoothly clipped (RealMLP's preprocessing), missing values
        imputed by the median with a missing-indicator column; scipy sparse
        matrices scaled by their largest absolute value per column and kept
        sparse. ``inf`` is an error. On data standardized beforehand the
        scaling is nearly the identity. ``None``: ``X`` must be numeric
        (dense or sparse) and is used as given (as float32).
    n_jobs : int or None, default=None
        Number of CPU threads torch uses during ``fit`` and predict.
        ``None``: 1 thread when the work per batch is small (batch rows times
        the network's multiply-adds per row below 2**24, e.g. batch 256 with
        up to about 650 features into 100 hidden units: typical tabular
        networks, for which a second thread costs more than it saves and is
        several times slower on a busy machine) or when running inside a
        joblib/loky worker process, torch's default otherwise. ``-1`` means all CPUs, ``-2`` all but one.
        torch's thread count is process-wide: it is set for the duration of
        the call and restored afterwards, and left alone when the estimator
        is called from a thread other than the main one.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the network outputs.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names (pandas).
    encoder_ : TabularEncoder or None
        The encoder fitted on the training table (``preprocessing="auto"``).
    class_counts_ : ndarray of shape (n_classes,)
        Count of each class among the rows given to ``fit`` (those of the
        validation split of ``early_stopping`` included, not those of
        ``eval_set``); with ``sample_weight``, its total
        weight per class (a weight ``k`` counts as ``k`` rows, as in
        :func:`sklearn.utils.class_weight.compute_class_weight`). The class
        weights of ``reweight`` and the priors of ``logit_adjusted``,
        ``balanced_softmax`` and ``ldam`` come from it.
    class_row_counts_ : ndarray of shape (n_classes,)
        Training rows of each class (unweighted). The package's scorers take
        the class with the fewest rows as the positive class of binary
        metrics when no ``pos_label`` is given.
    reweight_ : None, str, dict or Reweighting
        ``reweight`` with ``"auto"`` resolved.
    class_weight_ : ndarray of shape (n_classes,) or None
        Class weights applied by ``reweight`` (None when off); for a schedule
        (``"drw"``), those in force in the epoch whose weights the model
        keeps (``best_epoch_``).
    loss_ : Loss
        The loss that was trained (a configured clone).
    loss_positive_class_ : label or None
        Binary problems with a loss that measures one class (``anyloss_f1``,
        ``anyloss_fbeta``, ``ce_smooth_ap``, ``focal`` with a float
        ``alpha``: ``measures_positive_class``):
        the class it was trained on: ``pos_label`` when given, else the
        ``pos_label`` of ``scoring`` when it has one, else the minority (by
        training rows; equal counts give ``classes_[1]``), the positive class
        of the package's binary scorers too. When it is ``classes_[0]`` the
        loss is given the two classes swapped. None for other losses and for
        multiclass problems (their one-vs-rest losses measure every class).
    module_ : torch.nn.Module
        The trained network (outputs logits; in evaluation mode for TabM,
        the log of the members' mean probabilities; for NCA, which holds
        the training rows, the log of the neighbours' class shares).
    device_ : torch.device
        Where the network lives.
    history_ : skorch.History
        Per-epoch record (``train_loss``, ``valid_loss``, the monitored
        ``valid_<scoring>``, ``dur``).
    loss_curve_ : list of float
        Mean training loss of each epoch (as ``MLPClassifier.loss_curve_``).
    validation_scores_ : list of float or None
        Validation value of each epoch: the ``scoring`` metric when one is
        monitored, else the validation loss; None when the last call held
        out no validation split (NaN for epochs of earlier calls that had
        none).
    n_iter_ : int
        Epochs run, counting those of earlier calls that this model
        continues (``warm_start``, :meth:`partial_fit`).
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
    plan_ : TrainingPlan
        What the last call of :meth:`fit` / :meth:`partial_fit` trained with,
        every ``"auto"`` resolved (:class:`~sklearn_losses.plan.TrainingPlan`):
        the loss, class weights, batch sampler and size, stopping rule and
        validation split, device, threads, learning-rate schedule and
        network.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn_losses import WeightedLossClassifier
    >>> X, y = make_classification(500, weights=[0.9], random_state=0)
    >>> clf = WeightedLossClassifier(loss="focal", reweight="class_balanced",
    ...                              max_epochs=20, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)

    References
    ----------
    Y. Gorishniy, I. Rubachev, A. Babenko. "On Embeddings for Numerical
    Features in Tabular Deep Learning". NeurIPS 2022.

    Y. Gorishniy, A. Kotelnikov, A. Babenko. "TabM: Advancing Tabular Deep
    Learning with Parameter-Efficient Ensembling". ICLR 2025.

    H.-J. Ye, H.-H. Yin, D.-C. Zhan, W.-L. Chao. "Revisiting Nearest Neighbor
    for Tabular Data: A Deep Tabular Baseline Two Decades Later". ICLR 2025.
    """

    _parameter_constraints = {
        "loss": [str, Loss],
        # a name is checked in _check_params against the registry of that moment, so that
        # schemes registered after this import (register_reweighting) are taken by name
        "reweight": [None, str, dict, Reweighting],
        "architecture": [StrOptions(set(ARCHITECTURES))],
        "n_ensemble": [None, Interval(Integral, 1, None, closed="left")],
        "nca_sample_rate": [None, Interval(Real, 0, 1, closed="right")],
        "nca_max_candidates": [None, Interval(Integral, 1, None, closed="left")],
        "num_embeddings": [None, StrOptions(set(NUM_EMBEDDINGS))],
        "d_embedding": [Interval(Integral, 1, None, closed="left")],
        "n_bins": [Interval(Integral, 2, None, closed="left")],
        "hidden_layer_sizes": [tuple, list, np.ndarray],  # as MLPClassifier takes them
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "batch_sampler": [StrOptions({"auto", "random", "stratified", "balanced"})],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "pos_label": [None, Real, str, "boolean"],
        "scoring": [StrOptions({"loss", *available_metrics(), *available_scorers()}),
                    ProbaMetric, callable],
        "calibration": [None, StrOptions({"prior", "temperature"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "logit_clip": [None, Interval(Real, 1e-3, 1e4, closed="both"), Options(Real, {np.inf})],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "preprocessing": [None, StrOptions({"auto"})],
        "n_jobs": _checks.N_JOBS_CONSTRAINT,
    }

    def __init__(
        self,
        loss="auto",
        reweight="auto",
        *,
        architecture="mlp",
        n_ensemble=None, nca_sample_rate=None, nca_max_candidates=None,
        num_embeddings=None, d_embedding=16, n_bins=48,
        hidden_layer_sizes=(100,), activation="relu", dropout=0.0,
        batch_size=256,
        batch_sampler="auto",
        max_epochs=500,
        lr=2e-3,
        weight_decay=1.0,
        early_stopping="auto",
        scoring="loss", pos_label=None,
        calibration=None,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        logit_clip=None,
        warm_start=False,
        device="auto",
        random_state=None,
        verbose=0,
        preprocessing="auto",
        n_jobs=None,
    ):
        self.loss = loss
        self.reweight = reweight
        self.architecture = architecture
        self.n_ensemble = n_ensemble
        self.nca_sample_rate = nca_sample_rate
        self.nca_max_candidates = nca_max_candidates
        self.num_embeddings = num_embeddings
        self.d_embedding = d_embedding
        self.n_bins = n_bins
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
        self.pos_label = pos_label
        self.calibration = calibration
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.logit_clip = logit_clip
        self.warm_start = warm_start
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessing = preprocessing
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None, eval_set=None):
        """Train the network.

        With ``warm_start=True`` and a fitted estimator, training continues
        from the fitted network and optimizer state (for up to
        ``max_epochs`` more epochs) instead of starting from a new
        initialisation; see ``warm_start``.

        If ``fit`` raises (or is interrupted), the estimator is left as it
        was before the call: unfitted, or with its previous model.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            The table: with ``preprocessing="auto"`` text, category, bool and
            NaN-bearing numeric columns are encoded by ``encoder_``; with
            ``preprocessing=None`` numeric features only (encode categorical
            columns first, e.g. with a ``ColumnTransformer``). Converted to
            float32; a sparse matrix stays sparse (densified per batch).
        y : array-like of shape (n_samples,)
            Class labels of any type (strings too); at least two classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, multiplied by the class weights of
            ``reweight``. For pointwise losses a weight of ``k`` counts as
            ``k`` repetitions of the row in every batch's weighted mean. The
            losses see relative weights only: every loss is a weighted mean (or
            uses weight shares), so weights whose total falls outside float32's
            comfortable range (``1e-30`` to ``1e30``) are divided by their
            maximum for training (``class_counts_`` keeps the weights given).
            The class weights of ``"class_balanced"`` and ``"drw"`` count a
            weight of ``k`` as ``k`` rows too, so they depend on the weights'
            scale, as they depend on the number of rows (the effective number
            ``(1 - beta**n) / (1 - beta)`` saturates for large ``n``): weights
            of mean 1 keep the row counts.

        eval_set : tuple, default=None
            ``(X_valid, y_valid)`` or ``(X_valid, y_valid, sample_weight_valid)``
            (or a list of one such tuple): validation rows given explicitly, as
            CatBoost's and XGBoost's ``eval_set``. Every row of ``X`` trains; early stopping (unless
            ``early_stopping=False``) monitors ``scoring`` on these rows and
            restores the best epoch, and ``calibration="temperature"`` fits
            on them. They are encoded by the encoder fitted on ``X``; their
            labels must be classes of ``y``. Cross-fitted ensembles early-stop
            each member on its own held-out fold this way.

        Returns
        -------
        self : WeightedLossClassifier
        """
        return self._fit(X, y, sample_weight, partial=False, eval_set=eval_set)

    @available_if(_has_partial_fit)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train the network for one epoch on ``X, y``, continuing from the fitted state.

        The first call (on an unfitted estimator) initialises the network;
        every later call, and a call after :meth:`fit`, continues training
        it with its optimizer state, as ``MLPClassifier.partial_fit`` does.

        What the first call fixes: ``classes_`` (from ``classes``), and from
        its data the class frequencies ``class_counts_`` and everything
        computed from them (the class weights of ``reweight``, the class
        counts of losses such as ``logit_adjusted``), the loss and the batch
        sampler, and the network itself: with ``num_embeddings``, the
        embedded columns (more than two distinct values in the first chunk)
        and their bins (at most one fewer than its rows); pass a first
        chunk that holds every class and is large enough for the bins. After
        :meth:`fit` these come from the fit. Later calls train with them
        (``set_params`` changes of ``lr`` and ``weight_decay`` apply; a
        changed network shape, or a changed ``loss``, ``reweight``,
        ``logit_clip``, ``batch_sampler`` or ``pos_label``, is an error).

        ``partial_fit`` holds no validation split and does no early stopping
        (``stopping_`` is ``"none"``, ``early_stopping``, ``scoring`` and
        ``validation_fraction`` are not used), and it does not warn about
        convergence. ``calibration="prior"`` is applied (its offset comes
        from the fixed class frequencies and weights); ``"temperature"``
        needs a held-out split and is refused.

        If the call raises (or is interrupted), the estimator is left as it
        was before the call.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels, all among ``classes`` (or ``classes_``).
        classes : array-like of shape (n_classes,), default=None
            Every label ``y`` may take, over all calls. Required on the first
            call; on later calls it may be omitted, and must equal
            ``classes_`` if given.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, as in :meth:`fit`.

        Returns
        -------
        self : WeightedLossClassifier
        """
        return self._fit(X, y, sample_weight, partial=True, classes=classes)

    def _fit(self, X, y, sample_weight, *, partial, classes=None, eval_set=None):
        """The one fit path of :meth:`fit`, ``warm_start`` and :meth:`partial_fit`.

        Validate the parameters (the early-stopping metric of ``scoring``
        first) and the data, make the plan, train by it, keep the result. A
        failed or interrupted call leaves the estimator as it was.
        """
        with self._fit_transaction():
            self._check_params()
            if self.scoring != "loss":
                # checked before the data, also by partial_fit, which does not use it
                _metric_and_pos_label(self.scoring)
            if partial:
                resume = self._is_fitted()
                classes = self._partial_classes(classes, resume)
            else:
                resume = bool(self.warm_start) and self._is_fitted()
            if resume:
                _checks.check_same_preprocessing(
                    self.encoder_, self.preprocessing,
                    "partial_fit" if partial else "warm_start=True")
            if y is None:  # as validate_data says it, for every preprocessing
                raise ValueError(f"{type(self).__name__} requires y to be passed, but the "
                                 "target y is None.")
            X, y = validate_table(self, X, y, dtype=np.float32, reset=not resume,
                                  sample_weight=sample_weight,
                                  **({} if partial else {"ensure_min_samples": 2}))
            classes, y_enc = self._encode_labels(y, classes, resume)
            monitor = None if self.scoring == "loss" else metric_of(
                self.scoring, classes=classes,
                class_counts=np.bincount(y_enc, minlength=classes.shape[0]))
            n_valid = 0
            if eval_set is not None:
                X, y_enc, sample_weight, n_valid = self._with_eval_set(
                    X, y_enc, sample_weight, eval_set, classes)
            sample_weight, train_weight = check_weights(sample_weight, X, y_enc,
                                                        classes.shape[0], n_valid=n_valid,
                                                        min_classes=1 if partial else 2)
            plan = make_plan(self.get_params(deep=False), X, y_enc, classes, sample_weight,
                             monitor=monitor, previous=self.plan_ if resume else None,
                             partial=partial, n_valid=n_valid)
            state = (self.module_, self.history_, self._training_state) if resume else None
            result = train(plan, X, y_enc, train_weight, resume=state)
            self._keep(plan, result, X, y_enc, train_weight)
            if not partial:
                self._warn_max_epochs(plan, result)
        return self

    @staticmethod
    def _warn_max_epochs(plan, result):
        """Warn when the epochs ran out while the monitored value still improved."""
        if plan.stopping == "validation":
            values = result.validation_scores
            lower = plan.monitor is None or not plan.monitor.greater_is_better
        else:
            values, lower = result.loss_curve, True
        _checks.warn_max_epochs(plan.stopping, result.stop_reason, plan.max_epochs, values,
                                lower, plan.patience)

    def _partial_classes(self, classes, resume):
        """The classes of a :meth:`partial_fit` call, checked against the fitted ones."""
        if self.calibration == "temperature":
            raise ValueError(
                "calibration='temperature' fits a temperature on a held-out validation "
                "split, which partial_fit does not make; use calibration='prior' or "
                "None with partial_fit, or fit.")
        if classes is not None:
            check_classification_targets(classes)
            classes = np.unique(classes)
        if resume:
            if classes is not None:
                _checks.check_same_classes(self.classes_, classes, "partial_fit")
            return self.classes_
        if classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: every "
                "label y can take over all calls (the network has one output per class).")
        if classes.shape[0] < 2:
            raise ValueError(f"classes must hold at least 2 labels; got {classes!r}.")
        return classes

    def _with_eval_set(self, X, y_enc, sample_weight, eval_set, classes):
        """``(X, y_enc, sample_weight, n_valid)`` with the rows of ``eval_set`` appended."""
        several = (isinstance(eval_set, list) and len(eval_set) > 0
                   and all(isinstance(e, tuple) for e in eval_set))
        if several and len(eval_set) == 1:
            eval_set, several = eval_set[0], False  # [(X_valid, y_valid)], as CatBoost takes it
        if several or not isinstance(eval_set, (tuple, list)) or len(eval_set) not in (2, 3):
            raise ValueError(
                "eval_set must be a tuple (X_valid, y_valid) or (X_valid, y_valid, "
                "sample_weight_valid), or a list of one such tuple; got "
                + (f"a list of {len(eval_set)} validation sets (early stopping monitors one)"
                   if several else type(eval_set).__name__) + ".")
        X_v = validate_table(self, eval_set[0], dtype=np.float32, reset=False)
        y_v = np.asarray(eval_set[1])
        if y_v.ndim == 2 and y_v.shape[1] == 1:  # a column vector, as fit takes y (warned)
            y_v = column_or_1d(y_v, warn=True)
        check_labels(y_v, "eval_set's y_valid")
        if y_v.ndim != 1 or len(y_v) != X_v.shape[0]:
            raise ValueError(f"eval_set's y_valid must be 1-D with one label per row of "
                             f"X_valid ({X_v.shape[0]} rows); got shape {y_v.shape}.")
        unknown = np.setdiff1d(y_v, classes)
        if unknown.size:
            raise ValueError(f"eval_set's y_valid holds label(s) {unknown.tolist()} that are "
                             f"not classes of y ({classes.tolist()}).")
        y_v = np.searchsorted(classes, y_v)
        w_v = eval_set[2] if len(eval_set) == 3 else None
        if w_v is not None:
            try:
                w_v = _check_sample_weight(w_v, X_v, dtype=np.float64, ensure_non_negative=True)
            except ValueError as exc:
                raise ValueError(f"eval_set's sample_weight_valid: {exc}") from None
        # every class must be there (with weight), as in the split the estimator holds
        # out itself: a metric of the validation rows is undefined or constant without one
        held = np.bincount(y_v, weights=w_v, minlength=classes.shape[0]) > 0
        if not held.all():
            raise ValueError(
                f"eval_set's y_valid holds no rows (of positive weight) of class(es) "
                f"{classes[~held].tolist()}; validation scores and early stopping need every "
                "class of y. Split it with stratification, e.g. "
                "train_test_split(..., stratify=y).")
        if sample_weight is not None or w_v is not None:
            # checked against the training rows before they are joined (a number, a length)
            w = (np.ones(len(y_enc)) if sample_weight is None else _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True))
            w_v = np.ones(len(y_v)) if w_v is None else w_v
            sample_weight = np.concatenate([np.asarray(w, dtype=np.float64), w_v])
        if sp.issparse(X):
            X = sp.vstack([X, X_v], format="csr")
        else:  # the training rows' format; a sparse eval_set is densified like them
            X = np.concatenate([X, X_v.toarray() if sp.issparse(X_v) else X_v])
        return X, np.concatenate([y_enc, y_v]), sample_weight, len(y_v)

    def _encode_labels(self, y, classes, resume):
        """``(classes, y_enc)``: the classes (those of ``y`` for fit) and ``y`` as their indices."""
        if classes is None:  # fit
            classes, y_enc = np.unique(y, return_inverse=True)
            if classes.shape[0] < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in y; "
                    f"got 1 class ({classes[0]!r}).")
            if resume:
                _checks.check_same_classes(self.classes_, classes, "warm_start=True")
            return classes, y_enc
        unknown = np.setdiff1d(y, classes)
        if unknown.size:
            raise ValueError(
                f"y holds label(s) {unknown.tolist()} that are not among the classes "
                f"{classes.tolist()} fixed by the first call to partial_fit (or by fit).")
        return classes, np.searchsorted(classes, y)

    def _keep(self, plan, result, X, y_enc, weight):
        """Set the fitted attributes from the plan and the training result; warn or raise."""
        self.plan_ = plan
        self.classes_ = plan.classes
        self.class_counts_, self.class_row_counts_ = plan.class_counts, plan.row_counts
        self.loss_, self.reweight_ = plan.loss, plan.reweight
        self.loss_positive_class_ = (None if plan.loss_positive is None
                                     else plan.classes[plan.loss_positive])
        self.class_weight_ = result.class_weight
        self.device_, self.batch_sampler_, self.stopping_ = (
            plan.device, plan.batch_sampler, plan.stopping)
        self.module_, self.history_ = result.module, result.history
        self._training_state = result.state
        self.n_iter_, self.best_epoch_ = result.n_iter, result.best_epoch
        self.loss_curve_, self.validation_scores_ = result.loss_curve, result.validation_scores
        if plan.scheme is not None and plan.scheme.scheduled and plan.stopping != "none":
            # partial_fit trains epoch by epoch, nothing stopped it (stopping "none")
            _checks.warn_schedule_never_started(plan.scheme, result.n_iter, plan.max_epochs)
        threads = (None if plan.valid_index is None
                   else self._thread_count(len(plan.valid_index), X.shape[1]))
        self.logit_offset_, self.temperature_ = fit_calibration(
            plan, result.module, result.class_weight, X, y_enc, weight, threads)
        _checks.warn_degenerate_batches(result.n_degenerate_batches, plan.loss)
        _checks.check_divergence(result.diverged_epoch, result.best_epoch, result.divergence)

    def _is_fitted(self):
        return hasattr(self, "module_")

    def _check_params(self):
        """Validate the parameters (types and ranges, the loss and scheme names, then the
        network shape)."""
        self._validate_params()
        _checks.check_loss_name(self.loss)
        _checks.check_reweight_name(self.reweight, type(self).__name__)
        _checks.check_hidden_layer_sizes(self.hidden_layer_sizes)
        check_network_params(self.architecture, self.hidden_layer_sizes, self.n_ensemble,
                             self.nca_sample_rate, self.nca_max_candidates)

    @contextmanager
    def _fit_transaction(self):
        """Keep the fitted state of before the block if the block raises.

        Everything a fit sets on the estimator (``*_`` attributes, the
        private training state, and ``n_features_in_`` / ``feature_names_in_``
        set by ``validate_data``) is restored on any exception, including
        ``KeyboardInterrupt``: a failed or interrupted fit leaves the
        estimator unfitted or with its previous model, never a mix.
        """
        params = set(self._get_param_names())
        before = {k: v for k, v in vars(self).items() if k not in params}
        try:
            yield
        except BaseException:
            for k in [k for k in vars(self) if k not in params and k not in before]:
                delattr(self, k)
            vars(self).update(before)
            raise

    def _thread_count(self, n_rows, n_features):
        """torch threads for a forward pass over ``n_rows`` encoded rows (see ``n_jobs``)."""
        return thread_count(self.n_jobs, min(n_rows, INFERENCE_CHUNK), n_features,
                            self.hidden_layer_sizes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # embeddings need dense values; NCA keeps its training rows dense
        tags.input_tags.sparse = self.num_embeddings is None and self.architecture != "nca"
        if self.preprocessing == "auto":
            tags.input_tags.allow_nan = True
            tags.input_tags.categorical = True
            tags.input_tags.string = True
        return tags

    #: Parameters that may name a loss or scheme and still take nested
    #: ``<param>__<name>`` settings: the builder of the instance from the name.
    _BUILT_FROM_NAME = {"loss": get_loss, "reweight": get_reweighting}

    def set_params(self, **params):
        """Set parameters, including nested ones of a loss or scheme given by name.

        With ``loss="logit_adjusted"`` (a name), ``set_params(loss__tau=2.0)``
        sets ``loss`` to the instance ``get_loss("logit_adjusted")`` with
        ``tau=2.0``: the same model as the name with that parameter. The same
        holds for ``reweight`` given by a scheme name (``reweight__beta``),
        and for ``loss="auto"``: ``set_params(loss__label_smoothing=0.0)``
        gives plain cross-entropy. So grids such as ``{"loss__tau": [0.5,
        1.0]}`` work whether the loss was given by name or as an instance.

        Returns
        -------
        self : WeightedLossClassifier
        """
        for key, build in self._BUILT_FROM_NAME.items():
            nested = sorted(k for k in params if k.startswith(key + "__"))
            if not nested:
                continue
            value = params.get(key, getattr(self, key))
            if key == "loss" and isinstance(value, str) and value == "auto":
                params[key] = _checks.resolve_loss(value)
            elif isinstance(value, str) and value != "auto":
                params[key] = build(value)
            elif not hasattr(value, "set_params"):
                raise ValueError(
                    f"{nested} set parameters of {key}, but {key}={value!r} has none; give "
                    f"{key} as a name or an instance.")
        return super().set_params(**params)

    # -------------------------------------------------------------- predict
    def _logits(self, X) -> torch.Tensor:
        check_is_fitted(self, "module_")
        # more than INFERENCE_CHUNK rows: validated, encoded and predicted a chunk at a time
        # (the encoding is row-wise: the same logits); a warning of several chunks once
        with each_warning_once():
            parts = [self._table_logits(rows) for rows in row_chunks(X, INFERENCE_CHUNK)]
        logits = parts[0] if len(parts) == 1 else torch.cat(parts)
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

    def _table_logits(self, X) -> torch.Tensor:
        X = validate_table(self, X, dtype=np.float64, reset=False)
        return predict_float64(self.module_, X, self.device_,
                               self._thread_count(_num_samples(X), X.shape[1]))

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

    def predict_proba(self, X, test_prior=None):
        """Class probabilities ``softmax(z)``, columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
        test_prior : array-like of shape (n_classes,), default=None
            The class prior of the data ``X`` comes from, when it differs from
            the training one: the probabilities are moved from the training
            prior (the class frequencies of ``class_counts_``: weighted by
            ``sample_weight``, the prior the network was trained under) to it by
            Bayes' rule, ``p'_k ∝ p_k test_prior_k / train_prior_k``
            (Saerens, Latinne and Decaestecker, 2002), as
            :class:`~sklearn_losses.decisions.PriorShiftClassifier` does with
            a given ``test_prior``. This assumes the probabilities estimate the
            training-prior posterior: with class weights or balanced batches,
            fit with ``calibration="prior"``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)

        Notes
        -----
        A table of more than ``INFERENCE_CHUNK`` (65,536) rows is validated,
        encoded and predicted a chunk of rows at a time, so that the memory a
        prediction needs besides its input and output is that of a chunk. The
        probabilities are those of the whole table at once: each row's are
        computed in float64 from that row alone. A warning is given once,
        unless its text names the rows' values (words in a numeric column:
        once per chunk that has other words) or it is one of scikit-learn's
        input checks (feature names: once per chunk, under Python's warning
        filters); an error names the values of the first chunk that has
        them.
        """
        proba = torch.softmax(self._logits(X), dim=1).cpu().numpy()
        if test_prior is None:
            return proba
        from .decisions import adjust_to_prior

        if not (self.class_counts_ > 0).all():
            raise ValueError(
                f"test_prior cannot be applied: class(es) "
                f"{self.classes_[self.class_counts_ <= 0].tolist()} had no training weight "
                "(class_counts_ is 0), so the model holds no training prior of them to divide "
                "out.")
        train_prior = self.class_counts_ / self.class_counts_.sum()
        return adjust_to_prior(proba, train_prior, test_prior)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, computed stably from the logits."""
        return torch.log_softmax(self._logits(X), dim=1).cpu().numpy()

    def predict(self, X):
        """Most probable class label for each row of ``X``."""
        logits = self._logits(X)
        return self.classes_[logits.argmax(dim=1).cpu().numpy()]

    # ----------------------------------------------------------- pickling
    def __getstate__(self):
        # a copy: object.__getstate__ returns the instance's own __dict__, which the
        # conversions below must not touch
        state = dict(super().__getstate__())
        module = state.get("module_")
        if module is not None and next(module.parameters(), torch.empty(0)).device.type != "cpu":
            state["module_"] = copy.deepcopy(module).to("cpu")
        if state.get("_training_state") is not None:
            # optimizer moments live with the parameters; loaded back onto them on resume
            state["_training_state"] = _to_cpu(state["_training_state"])
        if "device_" in state:
            state["device_"] = str(state["device_"])
        return state

    def __setstate__(self, state):
        device = state.get("device_")
        if device is not None:
            device = torch.device(device)
            if device.type == "cuda" and not torch.cuda.is_available():
                warn_user("This model was trained on CUDA, which is not available here; "
                          "it is loaded on the CPU.")
                device = torch.device("cpu")
            state["device_"] = device
            if state.get("module_") is not None:
                state["module_"] = state["module_"].to(device)
            if state.get("plan_") is not None:  # what partial_fit continues from
                state["plan_"] = dataclasses.replace(state["plan_"], device=device)
        super().__setstate__(state)


def _to_cpu(obj):
    """``obj`` (nested dicts, lists, tuples of tensors and plain values) with tensors on the CPU."""
    if isinstance(obj, torch.Tensor):
        return obj.cpu()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj
