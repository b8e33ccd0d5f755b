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
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from imblearn.metrics import geometric_mean_score as _imblearn_gmean
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics._scorer import _Scorer
from sklearn.preprocessing import label_binarize

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
    """The smallest per-class recall (the worst-served class)."""
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
    proba = np.asarray(proba, dtype=np.float64)
    y_true = np.asarray(y_true)
    w = np.ones(len(y_true)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == y_true).astype(float)
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    total = w.sum()
    if total <= 0:
        raise ValueError("sample_weight sums to zero.")
    w_bin = np.bincount(bins, weights=w, minlength=n_bins)
    acc = np.bincount(bins, weights=w * correct, minlength=n_bins)
    conf = np.bincount(bins, weights=w * confidence, minlength=n_bins)
    return float(np.abs(acc - conf).sum() / total)


# --------------------------------------------------------------------------
# the metric table: (y_true encoded 0..K-1, proba (n, K)) -> float
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ProbaMetric:
    """A metric of encoded labels and a probability matrix, with its direction.

    Parameters
    ----------
    name : str
    func : callable
        ``func(y_true, y, sample_weight, n_classes)`` where ``y`` is the
        predicted labels when ``needs == "labels"`` and the probability
        matrix ``(n, K)`` when ``needs == "proba"``.
    greater_is_better : bool
    needs : {"labels", "proba"}
    """

    name: str
    func: Callable
    greater_is_better: bool = True
    needs: str = "proba"

    def __call__(self, y_true, proba, sample_weight=None) -> float:
        """Evaluate on encoded labels and probabilities (labels = argmax)."""
        proba = np.asarray(proba)
        y = proba.argmax(axis=1) if self.needs == "labels" else proba
        return float(self.func(np.asarray(y_true), y, sample_weight, proba.shape[1]))


def _labels_metric(name, fn, **kw):
    return ProbaMetric(name, lambda y, p, w, k: fn(y, p, sample_weight=w, **kw), needs="labels")


def _f1(y, y_pred, w, k):
    if k == 2:
        return skm.f1_score(y, y_pred, sample_weight=w, pos_label=1, zero_division=0.0)
    return skm.f1_score(y, y_pred, sample_weight=w, average="macro", labels=np.arange(k),
                        zero_division=0.0)


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
    ProbaMetric("f1", _f1, needs="labels"),
    _labels_metric("matthews_corrcoef", skm.matthews_corrcoef),
    ProbaMetric("gmean", lambda y, p, w, k: geometric_mean_score(y, p, w, np.arange(k)),
                needs="labels"),
    ProbaMetric("worst_class_recall",
                lambda y, p, w, k: worst_class_recall(y, p, w, np.arange(k)), needs="labels"),
    ProbaMetric("roc_auc", _roc_auc),
    ProbaMetric("average_precision", _average_precision),
    ProbaMetric("log_loss", lambda y, p, w, k: skm.log_loss(y, p, sample_weight=w,
                                                            labels=np.arange(k)),
                greater_is_better=False),
    ProbaMetric("brier", lambda y, p, w, k: skm.brier_score_loss(
        y, p if k > 2 else p[:, 1], sample_weight=w, labels=np.arange(k)),
        greater_is_better=False),
    ProbaMetric("ece", lambda y, p, w, k: expected_calibration_error(y, p, w),
                greater_is_better=False),
]:
    _METRICS.add(_m.name, _m)
del _m


def available_metrics() -> list[str]:
    """Names accepted by :func:`get_metric`, :func:`get_scorer` and the estimator's ``scoring``."""
    return _METRICS.names()


def get_metric(name) -> ProbaMetric:
    """The metric ``name`` (a ProbaMetric passes through); ValueError listing valid names."""
    if isinstance(name, ProbaMetric):
        return name
    return _METRICS.get(name)


def metric_of(scoring) -> ProbaMetric:
    """The metric behind ``scoring``, for early stopping on validation probabilities.

    Accepts a metric name (:func:`available_metrics`), a scorer name of this
    package (:func:`available_scorers`: ``"neg_ece"`` is the metric ``"ece"``,
    lower is better), a :class:`ProbaMetric`, or a scorer made by
    :func:`get_scorer`, :func:`make_loss_scorer` or :func:`make_fbeta_scorer`.
    Other scorers (scikit-learn's, which need the fitted estimator) raise
    ValueError: early stopping scores the network's outputs, not an
    estimator.
    """
    if isinstance(scoring, str) and scoring not in _METRICS:
        ours = _scorer_names()
        if scoring in ours:
            return ours[scoring]
        raise _METRICS.unknown_error(
            scoring, f" (or the scorer names {', '.join(available_scorers())})")
    if isinstance(scoring, (str, ProbaMetric)):
        return get_metric(scoring)
    func = getattr(scoring, "_score_func", None)
    if isinstance(func, _EncodedMetric):
        return func.metric
    raise ValueError(
        f"scoring={scoring!r} cannot be evaluated by early stopping, which scores the "
        "network's validation probabilities without an estimator. Use a metric name "
        f"({', '.join(available_metrics())}), a ProbaMetric, or a scorer of "
        "sklearn_losses.metrics (get_scorer, make_loss_scorer, make_fbeta_scorer)."
    )


def loss_metric(loss, **params) -> ProbaMetric:
    """A lower-is-better metric: the value of a zoo loss on predicted probabilities.

    The loss is evaluated on ``log p`` as logits (softmax-invariant, so
    ``softmax(log p) = p``), with the sample weights. Losses that need
    ``class_counts`` get the counts of the labels they are evaluated on
    unless given.

    Parameters
    ----------
    loss : str or Loss
        A registry name or loss instance.
    **params
        Hyper-parameters of the loss (e.g. ``gamma=2.0``).
    """
    from .losses.base import get_loss

    template = get_loss(loss, **params)  # validates name and parameters now

    def func(y, proba, w, k):
        fn = get_loss(template)
        if fn.requires_class_counts and getattr(fn, "class_counts", None) is None:
            fn.set_params(class_counts=np.maximum(np.bincount(y, minlength=k), 1))
        logits = torch.log(torch.as_tensor(proba, dtype=torch.float64).clamp_min(1e-300))
        target = torch.as_tensor(y, dtype=torch.long)
        weight = None if w is None else torch.as_tensor(w, dtype=torch.float64)
        with torch.no_grad():
            return float(fn(logits, target, sample_weight=weight))

    return ProbaMetric(f"loss:{template.name}", func, greater_is_better=False)


# --------------------------------------------------------------------------
# scorers
# --------------------------------------------------------------------------
class _EncodedMetric:
    """Score function of a :class:`ProbaMetric` on raw labels, for ``make_scorer``.

    ``y_true`` holds the estimator's labels (strings too); they are encoded
    by their sorted unique values, which are ``classes_`` when every class
    is present. Label metrics receive ``predict``'s labels (or, inside
    ``TunedThresholdClassifierCV``, thresholded labels); probability metrics
    ``predict_proba`` (for binary problems scikit-learn passes the
    ``classes_[1]`` column only).
    """

    def __init__(self, metric: ProbaMetric):
        self.metric = metric
        self.__name__ = metric.name

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_true = np.asarray(y_true)
        classes = np.unique(y_true)
        y_enc = np.searchsorted(classes, y_true)
        if self.metric.needs == "labels":
            y_pred = np.asarray(y_pred)
            idx = np.clip(np.searchsorted(classes, y_pred), 0, len(classes) - 1)
            # a label absent from y_true can never be right: encode it as -1
            y = np.where(classes[idx] == y_pred, idx, -1)
            n_classes = max(len(classes), 2)
        else:
            y = np.asarray(y_pred, dtype=np.float64)
            if y.ndim == 1:
                y = np.column_stack([1.0 - y, y])
            n_classes = y.shape[1]
            if len(classes) != n_classes:
                raise ValueError(
                    f"The '{self.metric.name}' scorer got probabilities for {n_classes} "
                    f"classes but y_true holds {len(classes)} ({classes.tolist()}): every "
                    "class must be present in the scored fold (use stratified folds)."
                )
        return float(self.metric.func(y_enc, y, sample_weight, n_classes))

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


class _SeenLabelsScorer(_Scorer):
    """A scikit-learn scorer that first checks ``y_true`` against ``estimator.classes_``."""

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        check_seen_labels(y_true, getattr(estimator, "classes_", None),
                          getattr(self._score_func, "__name__", "scorer"))
        return super()._score(method_caller, estimator, X, y_true, **kwargs)


def _make_scorer(metric: ProbaMetric):
    return _SeenLabelsScorer(
        _EncodedMetric(metric), 1 if metric.greater_is_better else -1, {},
        response_method="predict" if metric.needs == "labels" else "predict_proba")


def _scorer_names():
    return {("" if m.greater_is_better else "neg_") + m.name: m for m in _METRICS.values()}


def available_scorers() -> list[str]:
    """Names accepted by :func:`get_scorer` beyond scikit-learn's own."""
    return sorted(_scorer_names())


def get_scorer(name):
    """A scorer for ``GridSearchCV(scoring=...)`` / ``cross_validate``.

    Parameters
    ----------
    name : str
        One of :func:`available_scorers` (``"gmean"``, ``"worst_class_recall"``,
        ``"neg_ece"``, ``"neg_brier"``, ``"f1"``, ``"roc_auc"``...; binary F1
        and AUC use ``classes_[1]`` as positive, multiclass ones the macro
        average / one-vs-rest) or any scikit-learn scorer name.

    Returns
    -------
    scorer : callable
        A scikit-learn scorer (the class :func:`sklearn.metrics.make_scorer`
        returns, so meta-estimators such as ``TunedThresholdClassifierCV``
        accept it): ``scorer(estimator, X, y, sample_weight=None)``, greater
        is better. Package scorers raise ValueError when ``y`` holds labels
        that are not in the estimator's ``classes_``.
    """
    ours = _scorer_names()
    if name in ours:
        return _make_scorer(ours[name])
    try:
        return skm.get_scorer(name)
    except ValueError:
        raise ValueError(
            f"Unknown scorer {name!r}. Package scorers: {', '.join(available_scorers())}; "
            "or any name of sklearn.metrics.get_scorer_names()."
        ) from None


def make_loss_scorer(loss, **params):
    """Scorer: the negated value of a zoo loss on predicted probabilities.

    ``make_loss_scorer("focal", gamma=2.0)`` scores a fitted classifier by
    ``-focal(log p, y)``, usable as ``scoring=`` (greater is better). With
    ``"cross_entropy"`` it equals scikit-learn's ``neg_log_loss`` (up to
    clipping).
    """
    return _make_scorer(loss_metric(loss, **params))


def make_fbeta_scorer(beta=1.0):
    """F-beta of the positive class (binary) or macro F-beta, as a scorer."""
    if not beta > 0:
        raise ValueError(f"beta must be > 0; got {beta!r}.")

    def fbeta(y, y_pred, w, k):
        kw = dict(pos_label=1) if k == 2 else dict(average="macro", labels=np.arange(k))
        return skm.fbeta_score(y, y_pred, beta=beta, sample_weight=w, zero_division=0.0, **kw)

    return _make_scorer(ProbaMetric(f"fbeta_{beta:g}", fbeta, needs="labels"))
