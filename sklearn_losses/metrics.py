"""Metrics and scikit-learn scorers for imbalanced classification.

One table of metrics serves three uses:

- **early stopping**: :class:`~sklearn_losses.WeightedLossClassifier`
  monitors any of them on its validation split (``scoring=``);
- **model selection**: :func:`get_scorer` turns a name into a scorer for
  ``GridSearchCV(scoring=...)`` and ``cross_validate``;
- **losses as scores**: :func:`make_loss_scorer` scores a fitted model by the
  negated value of any loss of the zoo on its predicted probabilities.

Each metric a metric loss optimises has a scorer of the same name: ``f1``
(``anyloss_f1``), ``fbeta`` via ``make_fbeta_scorer``, ``gmean``
(``anyloss_gmean``), ``balanced_accuracy`` (``anyloss_balanced_accuracy``),
``accuracy`` (``anyloss_accuracy``), ``roc_auc`` (``auc_pairwise``,
``auc_square``, ``ensloss``). Metrics the package adds to scikit-learn's:
``gmean`` (geometric mean of per-class recalls), ``worst_class_recall``,
``ece`` (expected calibration error, lower is better) and ``brier``.

Scorers follow scikit-learn's convention that greater is better: the scorer
of a lower-is-better metric returns its negation (``neg_ece``,
``neg_brier``, ``neg_log_loss``).

**Which class binary scores measure** (:ref:`scorer-positive-class`). F1,
F-beta, average precision and the loss scorers of a binary problem measure
one class, the *positive* one. It is ``pos_label`` when given (a
label of the estimator's ``classes_``; anything else is an error listing
them). Without ``pos_label`` it is the **minority class**, never
``classes_[1]`` by position:

1. the class with the fewest training rows, when the fitted estimator (or
   the last step of a Pipeline, or ``best_estimator_`` / ``estimator_`` of a
   meta-estimator) records them in ``class_row_counts_``, aligned with its
   ``classes_``, and they differ (equal counts are what a resampler such as
   imbalanced-learn's ``RandomOverSampler`` gives the estimator: they say
   nothing of the minority);
2. otherwise the class with the fewest rows of the scored ``y`` (rows, not
   ``sample_weight``). With the stratified folds ``cross_validate`` and
   ``GridSearchCV`` use for classifiers, the test fold has about the class
   proportions of the training rows, so on an imbalanced ``y`` this is the
   training minority too; on nearly balanced classes a fold's minority can
   differ from fold to fold, and on a held-out set whose proportions differ
   it can differ too: pass ``pos_label`` there
   (:func:`~sklearn_losses.compare.cross_validate_configs` fixes it for
   every fold as the minority of the whole ``y``).

Equal counts give ``classes_[1]`` (no class is the majority). A scored ``y``
holding a single class is an error: for the scorers of probabilities (ROC
AUC, average precision, log-loss, Brier, ECE) always, since every class
must be present in the scored fold; for those of labels (F1, F-beta) when
neither ``pos_label`` nor recorded training counts name the positive class
(recorded equal counts name ``classes_[1]``, as above, and a fold without
it scores 0), since the minority cannot be told and scoring the absent
class would be meaningless. The scorer's ``repr`` names the class: ``pos_label='fraud'`` or
``pos_label=<minority class>``. ROC AUC, Brier, log-loss, ECE, accuracy,
balanced accuracy, MCC, G-mean and worst-class recall are the same
whichever class is positive; they accept ``pos_label`` (and check it) but
do not depend on it. Multiclass scores are macro averages (one-vs-rest AUC);
``pos_label`` is refused there.

The metric objects (:class:`ProbaMetric`) work on encoded labels, the
column indices of the probabilities: their ``pos_label`` is 0 or 1 and
defaults to the minority of the ``y_true`` they get. Early stopping on
``scoring="f1"`` or ``"average_precision"`` therefore monitors the minority
class of the (stratified) validation split.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from functools import partial
from numbers import Integral, Real
from typing import Callable

import numpy as np
import torch
from imblearn.metrics import geometric_mean_score as _imblearn_gmean
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics._scorer import _Scorer
from sklearn.preprocessing import label_binarize
from sklearn.utils._response import _check_response_method

from ._registry import Registry

__all__ = [
    "ProbaMetric",
    "available_metrics",
    "available_scorers",
    "check_seen_labels",
    "expected_calibration_error",
    "geometric_mean_score",
    "get_metric",
    "get_scorer",
    "loss_metric",
    "make_fbeta_scorer",
    "make_loss_scorer",
    "metric_of",
    "worst_class_recall",
]


# --------------------------------------------------------------------------
# metric functions (sklearn style: y_true, y_pred / y_score, sample_weight)
# --------------------------------------------------------------------------
def _per_class_recall(y_true, y_pred, sample_weight=None, labels=None):
    return skm.recall_score(y_true, y_pred, sample_weight=sample_weight, labels=labels,
                            average=None, zero_division=0.0)


def geometric_mean_score(y_true, y_pred, sample_weight=None, labels=None):
    """G-mean: the geometric mean of the per-class recalls.

    ``(prod_k TPR_k)^(1/K)``; for binary problems ``sqrt(TPR * TNR)``. It is
    0 as soon as one class is never recalled, which is what makes it a
    standard metric for imbalanced data (Kubat and Matwin, *Addressing the
    curse of imbalanced training sets: one-sided selection*, ICML 1997).

    imbalanced-learn's :func:`imblearn.metrics.geometric_mean_score` with
    ``average="multiclass"`` (weighted recalls over ``labels``, or over the
    labels of ``y_true`` and ``y_pred``); a class of ``labels`` absent from
    ``y_true`` has recall 0 here, without imbalanced-learn's warning.
    """
    with warnings.catch_warnings():
        # recall of a class absent from y_true: 0 by definition here (zero_division=0)
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return float(_imblearn_gmean(y_true, y_pred, labels=labels, average="multiclass",
                                     sample_weight=sample_weight))


def worst_class_recall(y_true, y_pred, sample_weight=None, labels=None):
    """The smallest per-class recall (the worst-served class).

    Over ``labels``, by default the classes of ``y_true``: a class that is
    only predicted has no recall (scikit-learn's own default would count it
    as 0); a class of ``labels`` absent from ``y_true`` counts as 0.
    """
    if labels is None:
        labels = np.unique(y_true)
    return float(np.min(_per_class_recall(y_true, y_pred, sample_weight, labels)))


def expected_calibration_error(y_true, proba, sample_weight=None, n_bins=15):
    r"""Expected calibration error of the top-label confidence.

    .. math::

        \mathrm{ECE} = \sum_b \frac{|B_b|}{n} \left| \mathrm{acc}(B_b) -
        \mathrm{conf}(B_b) \right|

    over ``n_bins`` equal-width bins of the confidence ``max_k p_k`` (15 by
    default), with accuracy and confidence averaged in each bin (weighted by
    ``sample_weight``). ``y_true`` holds column indices of ``proba``.
    Lower is better; 0 is perfect calibration.
    """
    if not (isinstance(n_bins, Integral) and not isinstance(n_bins, bool) and n_bins >= 1):
        raise ValueError(f"n_bins must be an int >= 1; got {n_bins!r}.")
    proba = np.asarray(proba, dtype=np.float64)
    y_true = np.asarray(y_true)
    if proba.ndim != 2 or y_true.shape != (proba.shape[0],):
        raise ValueError(f"proba must be 2-d with one row per label of y_true; got shapes "
                         f"{proba.shape} and {y_true.shape}.")
    if not np.issubdtype(y_true.dtype, np.integer) or np.any(
            (y_true < 0) | (y_true >= proba.shape[1])):
        raise ValueError(f"y_true must hold column indices of proba (0 .. "
                         f"{proba.shape[1] - 1}); got values {np.unique(y_true)[:5].tolist()}.")
    if not np.isfinite(proba).all() or np.any((proba < 0) | (proba > 1)):
        raise ValueError("proba must hold probabilities in [0, 1] (no NaN or infinite values).")
    w = np.ones(len(y_true)) if sample_weight is None else np.asarray(sample_weight, float)
    if w.shape != y_true.shape or not np.isfinite(w).all() or np.any(w < 0):
        raise ValueError(f"sample_weight must hold one finite weight >= 0 per row "
                         f"({len(y_true)}); got shape {w.shape}.")
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == y_true).astype(float)
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    total = w.sum()
    if total <= 0:
        raise ValueError("sample_weight sums to zero.")
    acc = np.bincount(bins, weights=w * correct, minlength=n_bins)
    conf = np.bincount(bins, weights=w * confidence, minlength=n_bins)
    return float(np.abs(acc - conf).sum() / total)


# --------------------------------------------------------------------------
# the metric table: (y_true encoded 0..K-1, proba (n, K)) -> float
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ProbaMetric:
    """A metric of encoded labels and a probability matrix, with its direction.

    Labels are encoded as the column indices ``0 .. K-1`` of the probability
    matrix.

    Parameters
    ----------
    name : str
    func : callable
        ``func(y_true, y, sample_weight, n_classes)`` where ``y`` is the
        predicted labels when ``needs == "labels"`` and the probability
        matrix ``(n, K)`` otherwise (``"proba"``, ``"scores"``). For a binary problem
        ``func`` takes class 1 as the positive class; when
        ``uses_pos_label`` is True the metric first swaps the two classes if
        the positive class is 0.
    greater_is_better : bool
    needs : {"labels", "proba", "scores"}
        ``"scores"``: a ranking metric (ROC AUC, average precision), which a
        monotone map of each column leaves unchanged; its scorer takes
        ``decision_function`` for a binary estimator without
        ``predict_proba`` (as scikit-learn's scorers do).
    uses_pos_label : bool, default=False
        True when the binary value depends on which class is positive (F1,
        F-beta, average precision, loss metrics); False for metrics that are
        the same whichever class is positive (ROC AUC, Brier, accuracy...).
    pos_label : {0, 1} or None, default=None
        Positive class of binary problems (a column index). None: the
        minority class of the ``y_true`` the metric is called with (equal
        counts: 1). See :ref:`scorer-positive-class`.
    """

    name: str
    func: Callable
    greater_is_better: bool = True
    needs: str = "proba"
    uses_pos_label: bool = False
    pos_label: int | None = None

    def __call__(self, y_true, proba, sample_weight=None, pos_label=None) -> float:
        """Evaluate on encoded labels and probabilities (labels = argmax).

        ``pos_label`` (0 or 1, binary problems) overrides the metric's own;
        None keeps it (and a metric without one takes the minority class of
        ``y_true``).
        """
        proba = np.asarray(proba)
        y = proba.argmax(axis=1) if self.needs == "labels" else proba
        return self.evaluate(y_true, y, sample_weight, proba.shape[1], pos_label)

    def evaluate(self, y_true, y, sample_weight, n_classes, pos_label=None) -> float:
        """The metric of encoded ``y_true`` and ``y`` (labels or probabilities).

        For a binary problem whose positive class is 0 (``pos_label``, the
        metric's own, or the minority of ``y_true``), the two classes are
        swapped before ``func`` is called, so that ``func`` always measures
        class 1.
        """
        y_true = np.asarray(y_true)
        if pos_label is None:
            pos_label = self.pos_label
        if pos_label is not None and (n_classes != 2 or pos_label not in (0, 1)):
            raise ValueError(
                f"The '{self.name}' metric got pos_label={pos_label!r}: for a binary problem "
                f"it is a column index of the probabilities, 0 or 1; {n_classes} classes "
                "have no positive class (multiclass scores are macro averages).")
        if self.uses_pos_label and n_classes == 2:
            if pos_label is None:
                pos_label = _minority_index(_binary_counts(y_true))
            if pos_label == 0:
                y_true = _swap01(y_true)
                y = _swap01(y) if self.needs == "labels" else _swap_columns(y)
        return float(self.func(y_true, y, sample_weight, n_classes))


def _minority_index(counts) -> int:
    """Index of the smallest of ``counts``; equal smallest counts give the last of them.

    Binary ties give 1, the second class (``classes_[1]``): with equal counts
    no class is the majority.
    """
    counts = np.asarray(counts, dtype=np.float64)
    return int(np.flatnonzero(counts == counts.min())[-1])


def _binary_counts(y_true):
    """Rows of class 0 and of class 1 in encoded labels."""
    y_true = np.asarray(y_true)
    return [np.count_nonzero(y_true == 0), np.count_nonzero(y_true == 1)]


def _swap_columns(proba):
    """The two columns of a binary probability matrix exchanged (a contiguous copy)."""
    return np.ascontiguousarray(np.asarray(proba)[:, ::-1])


def _swap01(y):
    """Encoded binary labels with 0 and 1 exchanged (other codes, e.g. -1, kept)."""
    y = np.asarray(y)
    return np.where(y == 0, 1, np.where(y == 1, 0, y))


# The metric functions are module-level functions (or partials of them), so that the
# scorers built on them pickle, and with them a fitted GridSearchCV that used them.
def _with_sample_weight(fn, y, y_pred, w, k):
    return fn(y, y_pred, sample_weight=w)


def _labels_metric(name, fn):
    return ProbaMetric(name, partial(_with_sample_weight, fn), needs="labels")


def _fbeta(beta, y, y_pred, w, k):
    """F-beta of class 1 (binary) or macro F-beta over the classes in ``y`` or
    ``y_pred`` (scikit-learn's ``average="macro"``: a class absent from both has no F)."""
    if k == 2:
        return skm.fbeta_score(y, y_pred, beta=beta, sample_weight=w, pos_label=1,
                               zero_division=0.0)
    return skm.fbeta_score(y, y_pred, beta=beta, sample_weight=w, average="macro",
                           labels=np.union1d(y, y_pred), zero_division=0.0)


_f1 = partial(_fbeta, 1.0)


def _gmean(y, y_pred, w, k):
    return geometric_mean_score(y, y_pred, w, np.arange(k))


def _worst_class_recall(y, y_pred, w, k):
    return worst_class_recall(y, y_pred, w, np.arange(k))


def _log_loss(y, proba, w, k):
    return skm.log_loss(y, proba, sample_weight=w, labels=np.arange(k))


def _brier(y, proba, w, k):
    return skm.brier_score_loss(y, proba if k > 2 else proba[:, 1], sample_weight=w,
                                labels=np.arange(k))


def _ece(y, proba, w, k):
    return expected_calibration_error(y, proba, w)


def _roc_auc(y, proba, w, k):
    if k == 2:
        return skm.roc_auc_score(y, proba[:, 1], sample_weight=w)
    return skm.roc_auc_score(y, proba, sample_weight=w, multi_class="ovr", average="macro",
                             labels=np.arange(k))


def _average_precision(y, proba, w, k):
    if k == 2:
        return skm.average_precision_score(y, proba[:, 1], sample_weight=w)
    return skm.average_precision_score(label_binarize(y, classes=np.arange(k)), proba,
                                       sample_weight=w, average="macro")


_METRICS = Registry("metric", listing="Available:")
for _m in [
    _labels_metric("accuracy", skm.accuracy_score),
    _labels_metric("balanced_accuracy", skm.balanced_accuracy_score),
    ProbaMetric("f1", _f1, needs="labels", uses_pos_label=True),
    _labels_metric("matthews_corrcoef", skm.matthews_corrcoef),
    ProbaMetric("gmean", _gmean, needs="labels"),
    ProbaMetric("worst_class_recall", _worst_class_recall, needs="labels"),
    ProbaMetric("roc_auc", _roc_auc, needs="scores"),
    ProbaMetric("average_precision", _average_precision, needs="scores", uses_pos_label=True),
    ProbaMetric("log_loss", _log_loss, greater_is_better=False),
    ProbaMetric("brier", _brier, greater_is_better=False),
    ProbaMetric("ece", _ece, greater_is_better=False),
]:
    _METRICS.add(_m.name, _m)
del _m


def available_metrics() -> list[str]:
    """Names accepted by :func:`get_metric` and the estimator's ``scoring``.

    The scorer of each (:func:`get_scorer`, :func:`available_scorers`) has
    the same name, except the metrics where lower is better (``log_loss``,
    ``brier``, ``ece``): their scorers are ``neg_log_loss``, ``neg_brier`` and
    ``neg_ece``, as scikit-learn names its own.
    """
    return _METRICS.names()


def get_metric(name) -> ProbaMetric:
    """The metric ``name`` (a ProbaMetric passes through); ValueError listing valid names."""
    if isinstance(name, ProbaMetric):
        return name
    return _METRICS.get(name)


def metric_of(scoring, *, classes=None, class_counts=None) -> ProbaMetric:
    """The metric behind ``scoring``, for early stopping on validation probabilities.

    Accepts a metric name (:func:`available_metrics`), a scorer name of this
    package (:func:`available_scorers`: ``"neg_ece"`` is the metric ``"ece"``,
    lower is better), a :class:`ProbaMetric`, or a scorer made by
    :func:`get_scorer`, :func:`make_loss_scorer` or :func:`make_fbeta_scorer`.
    Other scorers (scikit-learn's, which need the fitted estimator) raise
    ValueError: early stopping scores the network's outputs, not an
    estimator.

    Parameters
    ----------
    scoring : str, ProbaMetric or scorer
    classes : array-like of shape (n_classes,), default=None
        The estimator's classes, in the order of the probability columns.
        Needed to find the column of a scorer's ``pos_label``; a scorer
        with a ``pos_label`` and no ``classes`` raises ValueError.
    class_counts : array-like of shape (n_classes,), default=None
        Training rows per class. For a binary problem and a metric that
        depends on the positive class, without ``pos_label``, the returned
        metric scores the class with the fewest rows (see
        :ref:`scorer-positive-class`); without counts it takes the minority
        of the validation labels it is called with.

    Returns
    -------
    metric : ProbaMetric
        Its ``pos_label`` is the column index of the positive class when one
        was fixed here.
    """
    metric, pos_label = _metric_and_pos_label(scoring)
    if pos_label is not None:
        if classes is None:
            raise ValueError(
                f"scoring={scoring!r} scores pos_label={pos_label!r}; early stopping needs "
                "the estimator's classes to find its column of the validation probabilities "
                "(metric_of(scoring, classes=...)).")
        classes = _as_classes(classes)
        index = _pos_label_index(pos_label, classes, metric.name)
        return replace(metric, pos_label=index) if len(classes) == 2 else metric
    if (class_counts is not None and metric.uses_pos_label and metric.pos_label is None
            and len(class_counts) == 2):
        return replace(metric, pos_label=_minority_index(class_counts))
    return metric


def _metric_and_pos_label(scoring):
    """``(ProbaMetric, pos_label given to the scorer or None)`` behind ``scoring``."""
    if isinstance(scoring, str) and scoring not in _METRICS:
        ours = _scorer_names()
        if scoring in ours:
            return ours[scoring], None
        raise _METRICS.unknown_error(
            scoring, f" (or the scorer names {', '.join(available_scorers())})")
    if isinstance(scoring, (str, ProbaMetric)):
        return get_metric(scoring), None
    func = getattr(scoring, "_score_func", None)
    if isinstance(func, _EncodedMetric):
        return func.metric, getattr(scoring, "_kwargs", {}).get("pos_label")
    raise ValueError(
        f"scoring={scoring!r} cannot be evaluated by early stopping, which scores the "
        "network's validation probabilities without an estimator. Use a metric name "
        f"({', '.join(available_metrics())}), a ProbaMetric, or a scorer of "
        "sklearn_losses.metrics (get_scorer, make_loss_scorer, make_fbeta_scorer)."
    )


#: Parameters of the losses that hold one value per class, in the order of the classes.
_PER_CLASS_PARAMS = ("class_counts", "alpha")


def _per_class_arrays(loss):
    """``{param: array}`` of the loss's parameters that are arrays of one value per class."""
    out = {}
    for key, value in loss.get_params(deep=True).items():
        if key.rsplit("__", 1)[-1] in _PER_CLASS_PARAMS and value is not None \
                and not isinstance(value, (Real, str)):
            out[key] = np.asarray(value)
    return out


def loss_metric(loss, **params) -> ProbaMetric:
    """A lower-is-better metric: the value of a zoo loss on predicted probabilities.

    The loss is evaluated on ``log p`` as logits (softmax-invariant, so
    ``softmax(log p) = p``), with the sample weights. Losses that need
    ``class_counts`` get the counts of the labels they are evaluated on
    unless given.

    Binary losses that single out a positive class (``anyloss_f1`` and
    ``anyloss_fbeta``, focal's float ``alpha``) treat class 1 as positive:
    the metric gives them the positive class of :ref:`scorer-positive-class`
    there (``pos_label``, else the minority class), swapping the two classes
    when it is class 0, together with the per-class arrays given
    (``class_counts``, an array ``alpha``), which stay with their classes.
    Losses that treat the classes alike give the same value either way.

    Parameters
    ----------
    loss : str or Loss
        A registry name or loss instance; not a stochastic one (``ensloss``
        draws its loss per call: an error).
    **params
        Hyper-parameters of the loss (e.g. ``gamma=2.0``).
    """
    from .losses.base import get_loss

    template = get_loss(loss, **params)  # validates name and parameters now
    if template.stochastic:
        raise ValueError(
            f"The loss {template.name!r} is drawn at random on each call, so its values "
            "differ between calls on the same predictions and rank nothing; score with a "
            "metric (e.g. 'average_precision') or a deterministic loss instead.")
    return _LossMetric(f"loss:{template.name}", partial(_loss_value, template),
                       greater_is_better=False, uses_pos_label=True)


def _loss_value(template, y, proba, w, k, swapped=False):
    """The value of (a fresh copy of) the loss ``template`` on ``log proba`` as logits."""
    from .losses.base import get_loss

    fn = get_loss(template)
    if swapped:  # the caller exchanged classes 0 and 1: per-class arrays follow
        fn.set_params(**{key: value[::-1].copy()
                         for key, value in _per_class_arrays(fn).items()
                         if value.ndim == 1 and len(value) == 2})
    if fn.requires_class_counts and getattr(fn, "class_counts", None) is None:
        fn.set_params(class_counts=np.maximum(np.bincount(y, minlength=k), 1))
    proba = np.ascontiguousarray(proba, dtype=np.float64)  # views such as p[:, ::-1] too
    if not np.isfinite(proba).all():
        raise ValueError("The probabilities contain NaN or infinite values; a loss of them "
                         "is not defined.")
    logits = torch.log(torch.as_tensor(proba).clamp_min(1e-300))
    target = torch.as_tensor(y, dtype=torch.long)
    weight = None if w is None else torch.as_tensor(w, dtype=torch.float64)
    with torch.no_grad():
        return float(fn(logits, target, sample_weight=weight))


@dataclass(frozen=True)
class _LossMetric(ProbaMetric):
    """A :class:`ProbaMetric` of a loss: tells ``func`` when the classes were swapped."""

    def evaluate(self, y_true, y, sample_weight, n_classes, pos_label=None) -> float:
        y_true = np.asarray(y_true)
        if pos_label is None:
            pos_label = self.pos_label
        if pos_label is None and n_classes == 2:
            pos_label = _minority_index(_binary_counts(y_true))
        if n_classes == 2 and pos_label == 0:
            return float(self.func(_swap01(y_true), _swap_columns(y), sample_weight, n_classes,
                                   swapped=True))
        return super().evaluate(y_true, y, sample_weight, n_classes, pos_label)


# --------------------------------------------------------------------------
# scorers
# --------------------------------------------------------------------------
def _as_classes(classes) -> np.ndarray:
    return np.asarray(classes)


def pos_label_index(pos_label, classes, who="", binary=True) -> int:
    """Index of ``pos_label`` in ``classes``; ValueError naming the classes otherwise.

    The one lookup of a user's ``pos_label`` (the scorers, the estimator's
    ``pos_label`` and the decision rules'): a label that is not a class
    (compared as it is: 1 and '1' differ) is an error, and so, with
    ``binary``, is any label on a problem of more than two classes. ``who``
    starts the message (for example ``"The 'f1' scorer: "``).
    """
    labels = np.asarray(classes).tolist()
    if pos_label not in labels:
        raise ValueError(
            f"{who}pos_label={pos_label!r} is not one of the classes {labels}; pass one of "
            "them (as the same type: 1 and '1' differ).")
    if binary and len(labels) != 2:
        raise ValueError(
            f"{who}pos_label={pos_label!r} applies to binary problems only; there are "
            f"{len(labels)} classes {labels}. Leave pos_label=None.")
    return labels.index(pos_label)


def _pos_label_index(pos_label, classes, name) -> int:
    """:func:`pos_label_index` for the scorer ``name``."""
    return pos_label_index(pos_label, classes, f"The '{name}' scorer: ")


def _encode(y, classes) -> np.ndarray:
    """Column index in ``classes`` of each label of ``y``; -1 for labels not in ``classes``."""
    y = np.asarray(y)
    try:
        if classes.size > 1 and not np.all(classes[:-1] < classes[1:]):
            raise TypeError  # not sorted: look the labels up one by one
        idx = np.clip(np.searchsorted(classes, y), 0, classes.size - 1)
        return np.where(classes[idx] == y, idx, -1).astype(np.intp)
    except TypeError:  # labels of types that do not compare (e.g. str vs int)
        lookup = {label: i for i, label in enumerate(classes.tolist())}
        return np.array([lookup.get(label, -1) for label in y.tolist()], dtype=np.intp)


def _sorted_labels(*arrays) -> np.ndarray:
    """The distinct labels of ``arrays``, sorted when they compare."""
    values = list(dict.fromkeys(v for a in arrays for v in np.asarray(a).ravel().tolist()))
    try:
        return np.array(sorted(values))
    except TypeError:
        return np.array(values, dtype=object)


class _EncodedMetric:
    """Score function of a :class:`ProbaMetric` on raw labels, for ``make_scorer``.

    ``y_true`` holds the estimator's labels (strings too). The package's
    scorers encode them by the estimator's ``classes_``
    (:meth:`evaluate`); called as a plain score function (inside
    ``TunedThresholdClassifierCV``, with thresholded labels), by the sorted
    labels of ``y_true`` and ``y_pred``. Label metrics receive
    ``predict``'s labels, probability metrics the ``predict_proba`` matrix.
    ``pos_label`` chooses the positive class of binary metrics
    (:ref:`scorer-positive-class`).
    """

    def __init__(self, metric: ProbaMetric):
        self.metric = metric
        self.__name__ = metric.name

    def __call__(self, y_true, y_pred, sample_weight=None, pos_label=None):
        return self.evaluate(y_true, y_pred, sample_weight, pos_label=pos_label)

    def evaluate(self, y_true, y_pred, sample_weight=None, *, pos_label=None, classes=None,
                 class_counts=None):
        """The metric of raw labels ``y_true`` and predictions (labels or probabilities).

        Parameters
        ----------
        classes : array-like or None
            The estimator's ``classes_`` (the columns of the probabilities);
            None: the sorted labels of ``y_true`` (and of label predictions).
        class_counts : array-like or None
            Training rows per class, aligned with ``classes``: the default
            positive class is their minority.
        """
        name = self.metric.name
        y_true = np.asarray(y_true)
        labels = self.metric.needs == "labels"
        if classes is None:
            extra = [] if pos_label is None else [[pos_label]]
            classes = _sorted_labels(y_true, *([y_pred] if labels else []), *extra)
            if not labels and np.ndim(y_pred) == 2 and np.shape(y_pred)[1] != len(classes):
                raise ValueError(
                    f"The '{name}' scorer got probabilities for {np.shape(y_pred)[1]} "
                    f"classes but y_true holds {len(classes)} ({classes.tolist()}): every "
                    "class must be present in the scored fold (use stratified folds).")
        classes = _as_classes(classes)
        n_classes = max(len(classes), 2)
        y_enc = _encode(y_true, classes)
        if labels:
            y = _encode(y_pred, classes)
        else:
            y = np.asarray(y_pred, dtype=np.float64)
            if y.ndim == 1:
                y = np.column_stack([1.0 - y, y])
            present = np.unique(y_enc[y_enc >= 0])
            if present.size != len(classes):
                raise ValueError(
                    f"The '{name}' scorer got probabilities for {len(classes)} classes "
                    f"({classes.tolist()}) but y_true holds {present.size} "
                    f"({classes[present].tolist()}): every class must be present in the "
                    "scored fold (use stratified folds).")
        pos = None
        if pos_label is not None:
            pos = _pos_label_index(pos_label, classes, name)
        elif self.metric.uses_pos_label and len(classes) == 2:
            if class_counts is not None and class_counts[0] != class_counts[1]:
                pos = _minority_index(class_counts)
            elif class_counts is not None and np.unique(y_enc[y_enc >= 0]).size < 2:
                pos = 1  # equal counts, one class scored: the tie rule
            else:
                # no counts, or equal ones (rows a resampler balanced): the scored labels'
                # minority, the training minority under stratified folds
                present = np.unique(y_enc[y_enc >= 0])
                if present.size < 2:
                    raise ValueError(
                        f"The '{name}' scorer measures the minority class by default, but "
                        f"y_true holds one class {classes[present].tolist()} of the "
                        f"estimator's classes {classes.tolist()} and the estimator records "
                        "no training counts (class_row_counts_), so the minority cannot be "
                        "told. Pass pos_label (e.g. get_scorer("
                        f"{name!r}, pos_label={classes[-1].item()!r})) or score folds that "
                        "hold both classes (stratified folds).")
        return self.metric.evaluate(y_enc, y, sample_weight, n_classes, pos)

    def __repr__(self):
        return self.metric.name


def check_seen_labels(y_true, classes, scorer_name="scorer"):
    """Raise ValueError if ``y_true`` holds labels that are not in ``classes``.

    A model can only be scored on the classes it was trained on: a label
    outside ``classes_`` has no probability column and can never be
    predicted, so every metric would be silently wrong (or fail somewhere
    less clear). ``classes=None`` (an estimator without ``classes_``) skips
    the check.
    """
    if classes is None:
        return
    y_true, classes = np.asarray(y_true), np.asarray(classes)
    try:
        unseen = np.setdiff1d(np.unique(y_true), classes)
    except TypeError:  # labels of types that do not compare (e.g. str vs int)
        unseen = np.array([label for label in dict.fromkeys(y_true.tolist())
                           if label not in set(classes.tolist())], dtype=object)
    if unseen.size:
        raise ValueError(
            f"The '{scorer_name}' scorer got y_true labels {unseen.tolist()} that are not "
            f"classes the estimator was trained on (classes_: {classes.tolist()}); a model "
            "cannot be scored on classes it has never seen. Drop those rows or refit on "
            "data that contains them."
        )


#: Attribute of a fitted classifier holding its training rows per class, aligned
#: with ``classes_`` (not weighted by ``sample_weight``); read for the default
#: positive class of the binary scorers.
CLASS_ROW_COUNTS_ATTRIBUTE = "class_row_counts_"


def _training_row_counts(estimator, classes):
    """The training rows per class the estimator records, aligned with ``classes``, or None.

    Looks at the estimator, then the last step of a Pipeline and the
    ``best_estimator_`` / ``estimator_`` of meta-estimators; counts are used
    only from an object whose ``classes_`` equal ``classes``.
    """
    seen = set()
    todo = [estimator]
    while todo:
        est = todo.pop(0)
        if est is None or id(est) in seen:
            continue
        seen.add(id(est))
        counts = getattr(est, CLASS_ROW_COUNTS_ATTRIBUTE, None)
        if counts is not None:
            own = getattr(est, "classes_", None)
            counts = np.asarray(counts, dtype=np.float64)
            if (own is not None and len(own) == len(classes)
                    and np.array_equal(np.asarray(own), classes)
                    and counts.shape == (len(classes),) and np.all(np.isfinite(counts))):
                return counts
            continue
        steps = getattr(est, "steps", None)
        if isinstance(steps, list) and steps:
            todo.append(steps[-1][1])
        for attr in ("best_estimator_", "estimator_"):
            try:
                todo.append(getattr(est, attr, None))
            except Exception:  # a property that needs what the estimator lacks
                pass
    return None


class _PackageScorer(_Scorer):
    """A scikit-learn scorer of a :class:`ProbaMetric`, on the estimator's classes.

    It first checks ``y_true`` against ``estimator.classes_``, encodes the
    labels by ``classes_``, takes the full ``predict_proba`` matrix (never a
    one-column response that another scorer's positive class may have
    cached) and scores the positive class of :ref:`scorer-positive-class`.
    """

    def __init__(self, metric: ProbaMetric, pos_label=None):
        super().__init__(
            _EncodedMetric(metric), 1 if metric.greater_is_better else -1,
            {} if pos_label is None else {"pos_label": pos_label},
            response_method=("predict" if metric.needs == "labels"
                             # scikit-learn's multi-metric cache asks for one of these up
                             # front: a margin classifier (LinearSVC) has no predict_proba
                             else ("predict_proba", "decision_function") if metric.needs == "scores"
                             else "predict_proba"))

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        func = self._score_func
        classes = getattr(estimator, "classes_", None)
        check_seen_labels(y_true, classes, func.metric.name)
        pos_label = self._kwargs.get("pos_label")
        counts = None
        if classes is not None:
            classes = np.asarray(classes)
            if pos_label is not None:
                _pos_label_index(pos_label, classes, func.metric.name)  # fail before predicting
            elif func.metric.uses_pos_label and len(classes) == 2:
                counts = _training_row_counts(estimator, classes)
        if self._response_method == "predict":
            y_pred = method_caller(estimator, "predict", X)
        elif (func.metric.needs == "scores" and not hasattr(estimator, "predict_proba")
              and hasattr(estimator, "decision_function") and classes is not None):
            # a margin classifier (LinearSVC): its scores rank the rows as probabilities
            # would; binary: column 1 ranks classes_[1], column 0 (its negation) classes_[0]
            scores = np.asarray(estimator.decision_function(X), dtype=np.float64)
            if len(classes) == 2:
                y_pred = np.column_stack([-scores.ravel(), scores.ravel()])
            elif func.metric.name == "average_precision":
                y_pred = scores  # one ranking per class (one-vs-rest), as scikit-learn's scorer
            else:
                raise ValueError(
                    f"The '{func.metric.name}' scorer on {len(classes)} classes needs "
                    f"predict_proba (one-vs-rest AUC compares probabilities); "
                    f"{type(estimator).__name__} has only decision_function. Wrap it in "
                    "CalibratedClassifierCV, or score 'average_precision'.")
        else:
            y_pred = _check_response_method(estimator, "predict_proba")(X)
        return self._sign * func.evaluate(y_true, y_pred, pos_label=pos_label, classes=classes,
                                          class_counts=counts, **kwargs)

    def __repr__(self):
        metric = self._score_func.metric
        parts = [metric.name]
        if self._sign < 0:
            parts.append("greater_is_better=False")
        parts.append(f"response_method={self._response_method!r}")
        if "pos_label" in self._kwargs:
            parts.append(f"pos_label={self._kwargs['pos_label']!r}")
        elif metric.uses_pos_label:
            parts.append("pos_label=<minority class>")
        return f"make_scorer({', '.join(parts)})"


def _make_scorer(metric: ProbaMetric, pos_label=None):
    return _PackageScorer(metric, pos_label)


def _scorer_names():
    return {("" if m.greater_is_better else "neg_") + m.name: m for m in _METRICS.values()}


def available_scorers() -> list[str]:
    """Names accepted by :func:`get_scorer` beyond scikit-learn's own."""
    return sorted(_scorer_names())


def get_scorer(name, *, pos_label=None):
    """A scorer for ``GridSearchCV(scoring=...)`` / ``cross_validate``.

    Parameters
    ----------
    name : str
        One of :func:`available_scorers` (``"gmean"``, ``"worst_class_recall"``,
        ``"neg_ece"``, ``"neg_brier"``, ``"f1"``, ``"roc_auc"``,
        ``"average_precision"``...; multiclass F1 and average precision are
        macro averages, multiclass ROC AUC one-vs-rest) or any scikit-learn
        scorer name.
    pos_label : label or None, default=None
        Binary problems: the class that F1 and average precision measure, one
        of the estimator's ``classes_`` (checked when scoring; ValueError
        listing them otherwise). None: the minority class, see
        :ref:`scorer-positive-class`. The symmetric scores (ROC AUC, Brier,
        G-mean...) do not depend on it. Only for the package's scorers;
        scikit-learn's take it through :func:`sklearn.metrics.make_scorer`.

    Returns
    -------
    scorer : callable
        A scikit-learn scorer (the class :func:`sklearn.metrics.make_scorer`
        returns, so meta-estimators such as ``TunedThresholdClassifierCV``
        accept it): ``scorer(estimator, X, y, sample_weight=None)``, greater
        is better. Its ``repr`` names the scored class
        (``pos_label='fraud'`` or ``pos_label=<minority class>``). Package
        scorers raise ValueError when ``y`` holds labels that are not in the
        estimator's ``classes_``.
    """
    ours = _scorer_names()
    if name in ours:
        return _make_scorer(ours[name], pos_label)
    try:
        scorer = skm.get_scorer(name)
    except ValueError:
        hint = ""
        if isinstance(name, str) and f"neg_{name}" in ours:
            hint = f" {name!r} is a metric where lower is better: its scorer is 'neg_{name}'."
        raise ValueError(
            f"Unknown scorer {name!r}.{hint} Package scorers: "
            f"{', '.join(available_scorers())}; or any name of "
            "sklearn.metrics.get_scorer_names()."
        ) from None
    if pos_label is not None:
        raise ValueError(
            f"pos_label={pos_label!r} applies to the package's scorers "
            f"({', '.join(available_scorers())}); scikit-learn's scorer {name!r} takes it "
            "through sklearn.metrics.make_scorer(<metric function>, pos_label=...).")
    return scorer


def make_loss_scorer(loss, *, pos_label=None, **params):
    """Scorer: the negated value of a zoo loss on predicted probabilities.

    ``make_loss_scorer("focal", gamma=2.0)`` scores a fitted classifier by
    ``-focal(log p, y)``, usable as ``scoring=`` (greater is better). With
    ``"cross_entropy"`` it equals scikit-learn's ``neg_log_loss`` except
    where a probability of the true class is (nearly) 0: the loss clamps
    probabilities at 1e-300 (a row costs up to 690), scikit-learn clips at
    its float epsilon (about 36), so a confidently wrong row weighs more
    here.

    Parameters
    ----------
    loss : str or Loss
    pos_label : label or None, default=None
        Binary problems: the class that the loss's positive class stands
        for (``anyloss_f1`` scores its F1), one of the estimator's
        ``classes_``; None: the minority class (:ref:`scorer-positive-class`,
        :func:`loss_metric`).
    **params
        Hyper-parameters of the loss.
    """
    return _make_scorer(loss_metric(loss, **params), pos_label)


def make_fbeta_scorer(beta=1.0, *, pos_label=None):
    """F-beta of the positive class (binary) or macro F-beta, as a scorer.

    Parameters
    ----------
    beta : float > 0, default=1.0
    pos_label : label or None, default=None
        Binary problems: the measured class, one of the estimator's
        ``classes_``; None: the minority class (:ref:`scorer-positive-class`).
    """
    from numbers import Real

    if isinstance(beta, bool) or not isinstance(beta, Real) or not beta > 0:
        raise ValueError(f"beta must be a number > 0; got {beta!r}.")

    return _make_scorer(ProbaMetric(f"fbeta_{beta:g}", partial(_fbeta, float(beta)),
                                    needs="labels", uses_pos_label=True), pos_label)
