"""Cross-parameter rules of :class:`~sklearn_losses.WeightedLossClassifier`.

Each function resolves an ``"auto"`` parameter or checks a combination of
parameters (and the data they meet) and raises or warns with a message that
names the parameters involved. Warnings go through
:func:`~sklearn_losses._warnings.warn_user`, which points them at the user's
call of ``fit`` however deep in the package they are raised.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval

from ._warnings import warn_user

__all__ = [
    "N_JOBS_CONSTRAINT",
    "check_divergence",
    "check_hidden_layer_sizes",
    "check_instance_weighting",
    "check_same_classes",
    "check_same_preprocessing",
    "check_validation_weights",
    "check_weighted_class_counts",
    "relative_weights",
    "loss_label",
    "AUTO_LOSS",
    "AUTO_REWEIGHT",
    "resolve_batch_sampler",
    "resolve_loss",
    "resolve_reweight",
    "warn_degenerate_batches",
    "warn_improper_prior_calibration",
    "warn_max_epochs",
    "warn_prior_twice",
    "warn_schedule_never_started",
    "warn_stochastic_monitor",
]

#: The ``n_jobs`` constraint of the package's estimators, joblib's convention: None, a
#: positive count, or a negative one counting back from the CPUs (-1: all); 0 means nothing.
N_JOBS_CONSTRAINT = [None, Interval(Integral, 1, None, closed="left"),
                     Interval(Integral, None, -1, closed="right")]


def loss_label(loss):
    """The loss's name for messages; a wrapper names the loss it wraps too."""
    inner = getattr(loss, "inner", None)
    if inner is not None:
        return f"'{inner.name}' (wrapped in {loss.name})"
    return f"'{loss.name}'"


#: Sample weights whose total falls outside this range are divided by their
#: maximum (:func:`relative_weights`): float32 sums of weights (times class
#: weights) overflow near 3.4e38 and lose precision near 1e-38.
WEIGHT_TOTAL_RANGE = (1e-30, 1e30)


def relative_weights(weight):
    """``weight`` (float64, non-negative), divided by its maximum when its total is extreme.

    Only relative weights matter to the losses (weighted means, weight
    shares) and to weighted quantiles, so a common factor changes nothing but
    the floating-point range. Totals inside :data:`WEIGHT_TOTAL_RANGE` are
    returned unchanged, so integer weights stay exact (a weight ``k`` sums
    like ``k`` rows).
    """
    low, high = WEIGHT_TOTAL_RANGE
    total = weight.sum()
    top = weight.max(initial=0.0)
    if top > 0 and not low <= total <= high:
        return weight / top
    return weight


def check_hidden_layer_sizes(sizes):
    """Raise unless ``sizes`` holds positive ints (bools excluded), in one dimension."""
    if np.ndim(sizes) != 1 or not all(
            isinstance(v, Integral) and not isinstance(v, (bool, np.bool_)) and v > 0
            for v in sizes):
        raise ValueError(f"hidden_layer_sizes must be a tuple of positive ints; got {sizes!r}.")


#: ``loss="auto"``: (name, parameters) of the loss it builds. Chosen on the KEEL
#: benchmark (docs/benchmarks/defaults.md): label smoothing 0.1 lifted average
#: precision over plain cross-entropy on every seed, at no cost in time (and,
#: with the "inverse_sqrt" weights of ``reweight="auto"``, MCC too).
AUTO_LOSS = ("cross_entropy", {"label_smoothing": 0.1})

#: ``reweight="auto"`` for a pointwise loss that leaves the class prior alone.
AUTO_REWEIGHT = "inverse_sqrt"


def resolve_loss(loss):
    """``loss`` with ``"auto"`` resolved to a new instance of :data:`AUTO_LOSS`."""
    if isinstance(loss, str) and loss == "auto":
        from .losses.base import get_loss  # torch: not imported with this module (preprocessing)

        name, params = AUTO_LOSS
        return get_loss(name, **params)
    return loss


def check_reweight_name(reweight, owner):
    """Raise scikit-learn's InvalidParameterError when ``reweight`` is a name that is neither
    ``"auto"`` nor registered now (:func:`~sklearn_losses.weighting.available_reweightings`:
    a scheme registered after import counts)."""
    from sklearn.utils._param_validation import InvalidParameterError

    from .weighting import available_reweightings  # torch: not imported with this module

    names = available_reweightings()
    if isinstance(reweight, str) and reweight not in {"auto", *names}:
        raise InvalidParameterError(
            f"The 'reweight' parameter of {owner} must be None, 'auto', one of {names} "
            "(available_reweightings()), a dict {class: weight} or a Reweighting instance. "
            f"Got {reweight!r} instead.")


def check_loss_name(loss):
    """Raise ValueError (suggesting and listing the names) when ``loss`` is a name that is
    neither ``"auto"`` nor registered now."""
    if isinstance(loss, str) and loss != "auto":
        from .losses.base import get_loss_class  # torch: not imported with this module

        get_loss_class(loss)


def resolve_reweight(reweight, loss, batch_sampler):
    """``reweight`` with ``"auto"`` resolved: None when something else corrects the prior.

    ``"auto"`` is :data:`AUTO_REWEIGHT` (``"inverse_sqrt"``: class weights
    ``(n / n_c)^(1/2)``, normalised, the square root of ``"balanced"``) unless
    the loss corrects for the class prior itself (``prior_logit_offset()`` is
    not None), weighs the classes itself (``handles_imbalance``: the
    batch-level metric and ranking losses), or the ``"balanced"`` batch
    sampler balances the classes.
    """
    if not (isinstance(reweight, str) and reweight == "auto"):
        return reweight
    if (loss.prior_logit_offset() is not None or loss.handles_imbalance
            or batch_sampler == "balanced"):
        return None
    return AUTO_REWEIGHT


def check_weighted_class_counts(classes, class_counts, loss, reweight, scheme=None):
    """Raise when a class has zero total weight but its frequency is needed.

    The frequency is needed by losses that take ``class_counts`` (filled
    from the training data) and by the frequency-based ``reweight`` schemes
    (not by a dict, nor by an instance-level ``scheme`` such as ``dro_kl``,
    which has no class weights).
    """
    if not np.any(class_counts <= 0):
        return
    users = []
    if loss.requires_class_counts and getattr(loss, "class_counts", None) is None:
        users.append(f"the loss {loss_label(loss)} (its class prior)")
    if (reweight is not None and not isinstance(reweight, dict)
            and not getattr(scheme, "instance_level", False)):
        users.append(f"reweight={reweight!r} (its class weights)")
    if users:
        empty = classes[class_counts <= 0].tolist()
        raise ValueError(
            f"The training data give class(es) {empty} a total weight of 0 (no rows, or "
            f"only rows with sample_weight 0), so their frequency is 0 and "
            f"{' and '.join(users)} cannot be computed. Drop those rows, give them "
            "positive sample_weight, or use reweight=None or a dict and a loss without "
            "class counts (partial_fit takes the frequencies from its first call: "
            "give it a first chunk that holds every class).")


def check_weighted_classes(classes, class_counts, class_weight, reweight, sample_weight=None,
                           partial=False):
    """Raise when the class weights leave fewer than 2 of the classes present any weight,
    or overflow float32 with ``sample_weight``.

    ``sample_weight`` alone is checked when the data are read; the class weights
    multiply it, so a dict (or a scheme) giving weight 0 to the other classes would
    train on one class, or on nothing, with no error. ``partial``: the first call of
    ``partial_fit``, whose chunk need not hold every class: the classes it declares
    count as present.
    """
    if class_weight is None:
        return
    if sample_weight is not None:
        # the loss receives their product in float32 (and no longer scans every batch)
        top = relative_weights(np.asarray(sample_weight, dtype=np.float64)).max(initial=0.0)
        with np.errstate(over="ignore"):
            product = top * float(np.max(class_weight))
        if not product <= np.finfo(np.float32).max:
            raise ValueError(
                f"sample_weight times the class weights of reweight={reweight!r} reaches "
                f"{product:.3g}, beyond float32's range, which the network trains in; only "
                "relative weights matter: divide sample_weight (or the class weights) by a "
                "common factor.")
    present = np.ones(len(classes), dtype=bool) if partial else class_counts > 0
    kept = present & (np.asarray(class_weight) > 0)
    if present.sum() >= 2 and kept.sum() < 2:
        zeroed = classes[present & ~kept].tolist()
        raise ValueError(
            f"reweight={reweight!r} gives class(es) {zeroed} weight 0, which leaves fewer "
            "than 2 of the classes in the training data (rows of positive sample_weight) "
            "with positive weight: the network would learn to predict one class. Give "
            "those classes a positive weight, or drop their rows.")


def check_instance_weighting(scheme, loss):
    """Raise when an instance-level scheme (``dro_kl``) meets a batch-level loss."""
    if scheme is not None and scheme.instance_level and not loss.pointwise:
        raise ValueError(
            f"reweight={scheme.name!r} weights instances by their per-sample loss; "
            f"the batch-level loss {loss_label(loss)} has none. Use a pointwise loss.")


def resolve_batch_sampler(batch_sampler, loss, batch_size, row_counts, class_weight):
    """The sampler to use; warns when a batch-level loss gets poor batches.

    ``"auto"`` is ``"random"`` for pointwise losses and ``"stratified"`` for
    batch-level ones. A loss that weighs the classes on the batch
    (``handles_imbalance``) warns when a batch holds fewer than about 2 rows
    of the rarest class, and when class re-weighting is applied on top of it.
    """
    sampler = batch_sampler
    if sampler == "auto":
        sampler = "random" if loss.pointwise else "stratified"
    if loss.handles_imbalance:
        n_samples = int(row_counts.sum())
        batch = min(batch_size, n_samples)
        if sampler == "balanced":
            expected_min = batch / len(row_counts)
        else:
            expected_min = batch * row_counts.min() / n_samples
        if expected_min < 2:
            warn_user(
                f"The batch-level loss {loss_label(loss)} sees about {expected_min:.1f} rows "
                f"of the rarest class per batch of {batch}; batch estimates of the metric "
                "will be poor. Use a larger batch_size or batch_sampler='balanced'.")
        if class_weight is not None:
            warn_user(
                f"The batch-level loss {loss_label(loss)} already handles imbalance; "
                "combining it with class re-weighting corrects twice.")
    return sampler


def warn_prior_twice(loss, class_weight, scheme, balanced_batches):
    """Warn when two corrections of the class prior are combined at full strength."""
    # a scheduled scheme (drw) trains its last epochs, and keeps its model, with the weights
    weighted = class_weight is not None
    reweighting = ("deferred class re-weighting (once it switches on)"
                   if scheme is not None and scheme.scheduled else "class re-weighting")
    if loss.prior_logit_offset() is not None:
        first = f"The loss '{loss.name}' already corrects for the class prior"
        other = [name for name, on in ((reweighting, weighted),
                                       ("balanced batches", balanced_batches)) if on]
    elif weighted and balanced_batches:
        first, other = "batch_sampler='balanced' already balances the classes", [reweighting]
    else:
        return
    if other:
        warn_user(
            f"{first}; combining it with {' and '.join(other)} corrects twice and pushes "
            "decisions towards the rare classes. Use one correction, or cross-validate "
            "the combination.")


def warn_stochastic_monitor(loss, stopping, monitor):
    """Warn when early stopping would monitor the value of a stochastic loss."""
    if stopping == "validation" and monitor is None and loss.stochastic:
        warn_user(
            f"Early stopping monitors the validation loss of the stochastic loss "
            f"'{loss.name}', whose values mean nothing (each batch draws a new "
            "loss); pass scoring= a metric such as 'roc_auc'.")


def warn_schedule_never_started(scheme, n_epochs, max_epochs):
    """Warn when training stopped before a deferred scheme (``drw``) switched on."""
    start = getattr(scheme, "resolved_start_epoch", None)
    if start is None:
        return
    first = start(int(max_epochs))
    if n_epochs <= first < int(max_epochs):
        warn_user(
            f"Training stopped after {n_epochs} epochs, before reweight={scheme.name!r} "
            f"switched its class weights on (epoch {first}): the model was trained "
            "unweighted. Set reweight__start_epoch (a scheme instance) lower, or "
            "early_stopping=False.")


def warn_degenerate_batches(n_degenerate, loss):
    """Warn when batches gave a batch-level loss no class with both positives and negatives."""
    if n_degenerate:
        warn_user(
            f"{n_degenerate} training batches had no class with both positive and negative "
            f"rows for the batch-level loss {loss_label(loss)} and gave no gradient. Use a "
            "larger batch_size or batch_sampler='balanced'.")


def check_divergence(diverged_epoch, best_epoch, how="became NaN or infinite"):
    """Raise when training diverged with no trained weights to keep; warn otherwise.

    ``best_epoch`` is the epoch whose weights were kept (0: the weights as
    initialised, when the first epoch's step already gave the diverged loss).
    ``how`` says what the loss did (the engine's ``divergence_``).
    """
    if diverged_epoch is None:
        return
    if diverged_epoch <= 1:
        raise FloatingPointError(
            f"Training diverged in the first epoch (the training loss {how}). "
            "Lower lr, standardize X, or clip logits.")
    if best_epoch < 1:
        raise FloatingPointError(
            f"Training diverged at epoch {diverged_epoch} (the training loss {how}); the "
            "weights it started from (after the first epoch, or those a continued fit "
            "started from) already gave that loss, so no trained weights are sane to keep. "
            "Lower lr, standardize X, or clip logits.")
    warn_user(
        f"Training diverged at epoch {diverged_epoch} (the training loss {how}); "
        f"stopped and kept the weights of epoch {best_epoch}. Consider a lower lr.", ConvergenceWarning)


#: ``warn_max_epochs``: the monitored value counts as still improving when its best
#: over the last ``n_iter_no_change`` epochs beats its best before them by more than
#: this share. A regularised network's training loss keeps creeping down by more than
#: ``tol`` per ``n_iter_no_change`` epochs for hundreds of epochs (0.09% over the last
#: 10 of 500 on the wine data), which resets the stopping rule without being progress.
STILL_IMPROVING = 0.01


def still_improving(values, lower_is_better, window, share=STILL_IMPROVING) -> bool:
    """Whether the best of the last ``window`` values beats the best before them by ``share``.

    NaN values (epochs that held out no validation split) are ignored; with
    ``window`` values or fewer, True.
    """
    values = np.asarray([v for v in (values or []) if v is not None], dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.shape[0] <= window:
        return True
    pick = np.min if lower_is_better else np.max
    before, recent = pick(values[:-window]), pick(values[-window:])
    gain = before - recent if lower_is_better else recent - before
    return bool(gain > share * max(abs(before), 1e-12))


def warn_max_epochs(stopping, stop_reason, max_epochs, values=None, lower_is_better=True,
                    window=10):
    """Warn when training ran all ``max_epochs`` while its monitored value still improved.

    As ``MLPClassifier`` does when it reaches ``max_iter``, but only when the
    value the stopping rule monitors (``values``: the training losses or the
    validation scores of the epochs, ``lower_is_better`` their direction) was
    still improving (:func:`still_improving` over the last ``window`` =
    ``n_iter_no_change`` epochs): a value that creeps down by a hair keeps the
    rule from firing, and is no reason to train longer. Not when
    ``early_stopping=False`` (``stopping == "none"``) asked for a fixed
    number of epochs.
    """
    if stopping == "none" or stop_reason is not None:
        return
    if not still_improving(values, lower_is_better, window):
        return
    rule = "validation score" if stopping == "validation" else "training loss"
    seen = 0 if values is None else sum(v is not None and np.isfinite(v) for v in values)
    why = (f"while the {rule} was still improving (by more than {STILL_IMPROVING:.0%} over "
           f"the last {window} epochs)" if seen > window else
           f"before the stopping rule could judge the {rule} (it compares its values of the "
           f"last {window} epochs with those before them, and there were {seen})")
    warn_user(
        f"Maximum number of epochs (max_epochs={max_epochs}) reached {why}: the model may "
        "be undertrained. Increase max_epochs (--max-epochs on the "
        "command line), or set early_stopping=False to train a fixed number of epochs.",
        ConvergenceWarning)


def warn_improper_prior_calibration(loss, class_weight, balanced_batches, scheme=None):
    """Warn when ``calibration="prior"`` divides a prior out of a loss that is not proper,
    or cannot undo an instance-level scheme.

    The correction is exact for proper losses (``loss.proper``); for the
    others it is approximate, and it only does something when class weights
    or balanced batches changed the prior the loss saw. An instance-level
    scheme (``dro_kl``) weighs each row by its own loss: no prior describes
    what that did to the probabilities (with cross-entropy and ``r > 0`` it
    flattens them like a temperature above 1), so the correction leaves it
    in place.
    """
    if scheme is not None and getattr(scheme, "instance_level", False):
        warn_user(
            f"calibration='prior' cannot undo reweight={scheme.name!r}: it weighs each "
            "row by its own loss, which distorts the probabilities in a way no class prior "
            "describes (with cross-entropy and r > 0 they come out under-confident: r=1 "
            "about halves the log-odds; with r < 0 over-confident). Use "
            "calibration='temperature', which fits a temperature on held-out rows.")
        return
    if getattr(loss, "proper", False) or (class_weight is None and not balanced_batches):
        return
    what = " and ".join(name for name, on in (("class weights", class_weight is not None),
                                              ("balanced batches", balanced_batches)) if on)
    warn_user(
        f"calibration='prior' divides the {what} out of the probabilities exactly only for "
        f"proper losses (cross-entropy without label smoothing, logit_adjusted, "
        f"balanced_softmax); for the loss {loss_label(loss)} the result is approximate. "
        + (_label_smoothing_note(loss) or "Use ")
        + "calibration='temperature', which also fits a temperature on held-out rows.")


def _label_smoothing_note(loss):
    """A sentence on the under-confidence label smoothing causes ('' without smoothing)."""
    inner = getattr(loss, "inner", loss)
    eps = float(getattr(inner, "label_smoothing", 0.0) or 0.0)
    if eps <= 0:
        return ""
    return (
        f"Its label_smoothing={eps:g} (the default loss='auto' is cross-entropy with "
        "label_smoothing=0.1) makes the probabilities under-confident: the loss is "
        "minimised by (1 - eps) * posterior + eps / K, so on a binary problem no "
        f"probability aims above {1 - eps + eps / 2:g}, and dividing out a prior does not "
        "undo it. Train without it (set_params(loss__label_smoothing=0.0)) for "
        "probabilities to correct exactly, or use ")


def check_validation_weights(sample_weight, valid_index, validation_fraction):
    """Raise when the validation rows hold only rows of zero ``sample_weight``.

    ``validation_fraction``: the share held out, or ``"eval_set"`` for
    validation rows given to ``fit``.
    """
    if sample_weight is None or valid_index is None:
        return
    if not np.sum(sample_weight[valid_index]) > 0:
        if validation_fraction == "eval_set":
            raise ValueError(
                f"eval_set ({len(valid_index)} rows) holds only rows with sample_weight 0, so "
                "it cannot score the epochs. Give its rows positive weight.")
        raise ValueError(
            f"The validation split ({len(valid_index)} rows, validation_fraction="
            f"{validation_fraction:g}, held out for early_stopping or "
            "calibration='temperature') holds only rows with sample_weight 0, so it cannot "
            "score the epochs. Give more rows positive weight, raise validation_fraction, "
            "or set early_stopping=False (and calibration other than 'temperature').")


def check_same_classes(fitted, new, context):
    """Raise when continuing training (``context``) meets other classes than the fitted ones."""
    if not (len(fitted) == len(new) and np.array_equal(fitted, new)):
        raise ValueError(
            f"{context} continues training the fitted network, whose outputs are the "
            f"classes {list(fitted)}; got classes {list(new)}. Fit from scratch "
            "(warm_start=False, or a new estimator) to change the classes.")


def check_same_preprocessing(fitted_encoder, preprocessing, context):
    """Raise when continuing training (``context``) with ``preprocessing`` changed since the
    fit: the network's inputs are the fitted encoder's columns (or the raw ones)."""
    fitted = "auto" if fitted_encoder is not None else None
    if fitted != preprocessing:
        raise ValueError(
            f"{context} continues training the fitted network, whose inputs were encoded "
            f"with preprocessing={fitted!r}; got preprocessing={preprocessing!r}. Set it "
            "back, or fit from scratch (warm_start=False, or a new estimator).")
