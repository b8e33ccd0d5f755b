"""Shared machinery of the decision tools: targets, cross-fitting, delegation.

Every tool of :mod:`sklearn_losses.decisions` is a meta-estimator around a
classifier with ``predict_proba``. This module holds what they share:

- :class:`BaseDecisionClassifier`: parameter validation of ``estimator``,
  ``classes_``, ``predict_proba`` delegation, ``n_features_in_`` /
  ``feature_names_in_`` copied from the fitted estimator, tags (sparse input
  and missing values are whatever the inner estimator accepts);
- :func:`check_targets`: ``y`` as a 1-d array of class labels, with the
  error messages scikit-learn's checks expect;
- :func:`cross_fit_proba`: out-of-fold probabilities over any ``cv``
  (an int, a splitter or an iterable of splits), one block per split;
- :func:`holdout_split`: the split of the umbrella algorithm and of split
  conformal risk control, which holds out a fraction of one class's rows.

The input ``X`` is never validated here: it goes to the inner estimator as
it is (a pandas frame, a sparse matrix, text), as in
:class:`sklearn.model_selection.TunedThresholdClassifierCV`.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedShuffleSplit, check_cv
from sklearn.utils import _safe_indexing, check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _num_samples, check_is_fitted, column_or_1d, indexable

__all__ = [
    "BaseDecisionClassifier",
    "check_targets",
    "cross_fit_proba",
    "fit_on",
    "holdout_split",
    "proba_columns",
    "resolve_cv",
    "subset_params",
]


def check_targets(X, y, *, owner, binary=False, min_classes=2):
    """``(X, y, classes)``: ``y`` a 1-d array of class labels, ``classes`` sorted.

    Raises ValueError for ``y=None``, continuous or multi-output targets,
    fewer than ``min_classes`` classes and (``binary=True``) more than two.
    """
    X, y = indexable(X, y)
    if y is None:
        raise ValueError(f"{owner} requires y to be passed, but the target y is None.")
    from .._input import check_labels

    check_labels(y)  # None among strings failed inside a sort (TypeError)
    y_type = type_of_target(y, input_name="y")
    if y_type.startswith("multilabel") or y_type.endswith("multioutput"):
        raise ValueError(f"{owner} supports single-output classification only; "
                         f"y is {y_type}.")
    check_classification_targets(y)
    y = column_or_1d(y, warn=True)
    classes = np.unique(y)
    if len(classes) < min_classes:
        if len(classes) == 0:
            raise ValueError(f"{owner} got an empty y: no rows to fit on.")
        got = "1 class" if len(classes) == 1 else f"{len(classes)} classes"
        raise ValueError(f"{owner} needs at least {min_classes} classes in y; got {got} "
                         f"({classes.tolist()}).")
    if binary and len(classes) > 2:
        _raise_not_binary(owner, classes)
    return X, y, classes


def _raise_not_binary(owner, classes):
    raise ValueError(f"Only binary classification is supported. {owner} got "
                     f"{len(classes)} classes ({classes.tolist()[:10]}); give the class "
                     "to control against the rest, e.g. y == label.")


def resolve_cv(cv, y, random_state=None):
    """A splitter for ``cv``: an int, a splitter, an iterable, or a float test size.

    A float in (0, 1) is one stratified shuffle split with that test size;
    ``None`` and ints are stratified k-fold (scikit-learn's ``check_cv``).
    """
    if isinstance(cv, Real) and not isinstance(cv, Integral) and 0 < cv < 1:
        return StratifiedShuffleSplit(n_splits=1, test_size=cv, random_state=random_state)
    return check_cv(cv, y, classifier=True)


def subset_params(params, n_samples, indices):
    """The fit parameters for the rows ``indices``: arrays of length ``n_samples`` sliced."""
    out = {}
    for key, value in params.items():
        if value is not None and hasattr(value, "__len__") and not isinstance(value, str) \
                and _num_samples_or_none(value) == n_samples:
            out[key] = _safe_indexing(value, indices)
        else:
            out[key] = value
    return out


def _num_samples_or_none(value):
    try:
        return _num_samples(value)
    except TypeError:
        return None


def fit_on(estimator, X, y, indices, fit_params):
    """A clone of ``estimator`` fitted on the rows ``indices`` (all rows when None)."""
    est = clone(estimator)
    if indices is None:
        return est.fit(X, y, **fit_params)
    n = _num_samples(X)
    return est.fit(_safe_indexing(X, indices), y[indices],
                   **subset_params(fit_params, n, indices))


def proba_columns(estimator, classes):
    """Column of each of ``classes`` in ``estimator.predict_proba``; -1 where absent."""
    fitted = np.asarray(estimator.classes_)
    order = np.argsort(fitted, kind="stable")  # classes_ in any order (not only sorted)
    pos = order[np.clip(np.searchsorted(fitted, classes, sorter=order), 0, len(fitted) - 1)]
    return np.where(fitted[pos] == classes, pos, -1)


def aligned_proba(estimator, X, classes):
    """``estimator.predict_proba(X)`` with one column per ``classes`` (0 where unseen)."""
    proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
    cols = proba_columns(estimator, classes)
    if np.array_equal(cols, np.arange(len(classes))) and proba.shape[1] == len(classes):
        return proba
    out = np.zeros((proba.shape[0], len(classes)))
    seen = cols >= 0
    out[:, seen] = proba[:, cols[seen]]
    return out


def cross_fit_proba(estimator, X, y, splits, classes, fit_params):
    """Out-of-fold probabilities, one block per split.

    Returns
    -------
    proba : ndarray of shape (n_blocks_rows, n_classes)
        ``predict_proba`` of the model fitted on each split's training rows,
        on that split's test rows, stacked (a row appears once per split
        that tests it: once for a k-fold partition).
    rows : ndarray of shape (n_blocks_rows,)
        The row of ``X`` of each line of ``proba``.
    fold : ndarray of shape (n_blocks_rows,)
        The split each line comes from.
    """
    blocks, rows, fold = [], [], []
    for f, (train, test) in enumerate(splits):
        train, test = np.asarray(train), np.asarray(test)
        est = fit_on(estimator, X, y, train, fit_params)
        blocks.append(aligned_proba(est, _safe_indexing(X, test), classes))
        rows.append(test)
        fold.append(np.full(len(test), f))
    if not blocks:
        raise ValueError("cv gave no split.")
    return np.vstack(blocks), np.concatenate(rows), np.concatenate(fold)


def check_held_out_once(rows, owner):
    """Raise when a row is held out by more than one split (its score would count twice)."""
    repeated = len(rows) - len(np.unique(rows))
    if repeated:
        raise ValueError(
            f"{owner}: cv holds out {repeated} row(s) more than once (a repeated or shuffled "
            "splitter); the guarantee counts held-out rows, and a row scored by several "
            "models is not several rows. Use a partition, e.g. an int or StratifiedKFold.")


def holdout_split(y, target, fraction, random_state):
    """``(train, calibration)`` row indices: ``fraction`` of the rows of class ``target`` held out.

    The other classes all go to training; at least one row of ``target``
    stays on each side.
    """
    rng = check_random_state(random_state)
    idx = np.flatnonzero(y == target)
    n_cal = int(round(fraction * len(idx)))
    n_cal = min(max(n_cal, 1), len(idx) - 1)
    if n_cal < 1:
        raise ValueError(f"The class {target!r} has {len(idx)} row(s): a held-out split "
                         "needs at least 2 (one to train on, one to calibrate).")
    cal = np.sort(rng.permutation(idx)[:n_cal])
    train = np.setdiff1d(np.arange(len(y)), cal, assume_unique=True)
    return train, cal


class BaseDecisionClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """What the decision tools share; not a public estimator."""

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
    }

    #: Whether ``fit`` uses ``sample_weight`` itself (besides passing it on): then, under
    #: metadata routing, this tool requests it too.
    _uses_sample_weight = False

    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimator_")

    def get_metadata_routing(self):
        """Metadata routing: ``fit``'s parameters go to the estimator's ``fit``.

        Under ``sklearn.set_config(enable_metadata_routing=True)`` the
        estimator gets those it requested
        (``estimator.set_fit_request(sample_weight=True)``); the tools that
        use ``sample_weight`` themselves request it too.

        Returns
        -------
        routing : MetadataRouter
        """
        from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping

        router = MetadataRouter(owner=type(self).__name__)
        if self._uses_sample_weight:
            router.add_self_request(self)
        return router.add(estimator=self.estimator,
                          method_mapping=MethodMapping().add(caller="fit", callee="fit"))

    def _estimator_fit_params(self, params, **own):
        """The parameters for the estimator's ``fit``: ``params`` as given, or under metadata
        routing those of ``params`` and ``own`` (this tool's own ``fit`` parameters, e.g.
        ``sample_weight``) routed to it."""
        from sklearn.utils.metadata_routing import _routing_enabled, process_routing

        if not _routing_enabled():
            return params
        own = {k: v for k, v in own.items() if v is not None}
        return dict(process_routing(self, "fit", **params, **own).estimator.fit)

    def _targets(self, X, y, *, binary=False):
        """``(X, y, classes, prefit)``: checked targets; ``prefit`` the estimator or None.

        With ``cv="prefit"`` the classes are the fitted estimator's and ``y``
        (the held-out rows) may hold only some of them.
        """
        owner = type(self).__name__
        if self.cv != "prefit":
            X, y, classes = check_targets(X, y, owner=owner, binary=binary)
            return X, y, classes, None
        estimator = self._prefit_estimator()
        X, y, _ = check_targets(X, y, owner=owner, min_classes=1)
        # sorted, as every scikit-learn classifier's (aligned_proba finds each column)
        classes = np.sort(np.asarray(estimator.classes_))
        if binary and len(classes) != 2:
            _raise_not_binary(owner, classes)
        unknown = np.setdiff1d(np.unique(y), classes)
        if len(unknown):
            raise ValueError(f"y holds labels the prefit estimator was not fitted on: "
                             f"{unknown.tolist()[:10]} (its classes_ are "
                             f"{classes.tolist()[:10]}).")
        return X, y, classes, estimator

    def _check_prefit_params(self, fit_params, used=()):
        """Refuse fit parameters that ``cv="prefit"`` would ignore (it fits nothing)."""
        ignored = sorted(set(fit_params) - set(used))
        if self.cv == "prefit" and ignored:
            raise ValueError(
                f"{type(self).__name__}: with cv='prefit' the estimator is not fitted again, "
                f"so the fit parameter(s) {ignored} would be ignored; pass them when fitting "
                "the estimator.")

    def _prefit_estimator(self):
        """``self.estimator`` when ``cv="prefit"``: it must be fitted (it is used as is)."""
        try:
            check_is_fitted(self.estimator, "classes_")
        except NotFittedError as exc:
            raise NotFittedError(f"{type(self).__name__}: cv='prefit' needs a fitted "
                                 "estimator; fit it first or pass an int / splitter "
                                 "to cv.") from exc
        return self.estimator

    def _set_fitted_estimator(self, estimator, classes):
        """Record ``estimator_`` and the attributes delegated to it."""
        self.estimator_ = estimator
        fitted = np.sort(np.asarray(estimator.classes_))
        if not np.array_equal(fitted, classes):
            raise ValueError(f"The estimator's classes_ {fitted.tolist()} differ from the "
                             f"classes of y {classes.tolist()}: with cv='prefit' the "
                             "estimator must have been fitted on the same classes.")
        self.classes_ = classes
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(estimator, name):
                setattr(self, name, getattr(estimator, name))
            elif name in vars(self):
                delattr(self, name)

    def _proba(self, X):
        check_is_fitted(self)
        return aligned_proba(self.estimator_, X, self.classes_)

    def predict_proba(self, X):
        """Class probabilities of the fitted estimator, columns in ``classes_`` order.

        The decision rule of :meth:`predict` does not change them (they stay
        the estimator's estimates of :math:`P(y \\mid x)`), so
        ``predict`` need not be their argmax.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input accepted by the estimator's ``predict_proba``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self._proba(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.string = inner.input_tags.string
        tags.input_tags.categorical = inner.input_tags.categorical
        return tags


class BinaryThresholdClassifier(BaseDecisionClassifier):
    """A binary tool that decides by a threshold on the positive class's probability.

    Subclasses set ``pos_label_`` and ``threshold_`` in ``fit``, and
    ``_strict``: whether the probability must exceed the threshold (the
    Neyman-Pearson order statistic) or only reach it (conformal risk control).
    """

    _strict = True

    def predict(self, X):
        """``pos_label_`` where its probability passes ``threshold_``, else the other class.

        It passes by exceeding the threshold (:class:`NeymanPearsonClassifier`)
        or by reaching it (:class:`RecallControlClassifier`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        scores = self._proba(X)[:, np.searchsorted(self.classes_, self.pos_label_)]
        neg = self.classes_[self.classes_ != self.pos_label_][0]
        above = scores > self.threshold_ if self._strict else scores >= self.threshold_
        return np.where(above, self.pos_label_, neg).astype(self.classes_.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
