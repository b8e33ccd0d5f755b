r"""Per-class decision offsets, tuned by cross-validation for any classifier.

:class:`TunedOffsetsClassifierCV` predicts
:math:`\hat y = \arg\max_k (\log p_k(x) + o_k)` with one offset per class,
chosen to maximise a metric of the cross-fitted predictions. It is the
multiclass generalisation of a decision threshold: on binary data the two
offsets reduce to one threshold on :math:`p_1`, as
:class:`sklearn.model_selection.TunedThresholdClassifierCV` tunes it.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions

from ..metrics import _minority_index
from ._base import (
    BaseDecisionClassifier,
    aligned_proba,
    cross_fit_proba,
    fit_on,
    resolve_cv,
)

__all__ = ["TunedOffsetsClassifierCV"]

#: Log-probabilities are floored at log(PROBA_FLOOR): a probability of exactly 0
#: stays far below every other class without making the offsets infinite.
PROBA_FLOOR = 1e-300

#: Metrics computed from per-class confusion counts, exactly, at every cut point.
FAST_SCORES = ("f1_macro", "balanced_accuracy", "gmean", "accuracy", "f1")

#: Candidate offsets per class and sweep for scorers without a fast path.
GENERIC_CANDIDATES = 100


def _fold_score(name, tp, pred, true, n_rows, pos=None):
    """The metric from confusion counts; arrays ``(..., n_classes)``.

    Matches scikit-learn's metrics (and the package's ``gmean``) on one fold:
    macro averages run over the classes present in ``y_true`` or ``y_pred``
    (F1, G-mean) or in ``y_true`` (balanced accuracy); undefined ratios are 0.
    """
    if name == "accuracy":
        return tp.sum(axis=-1) / n_rows
    if name == "f1":
        denom = pred[..., pos] + true[..., pos]
        return np.divide(2 * tp[..., pos], denom, out=np.zeros(np.shape(denom)),
                         where=denom > 0)
    if name == "balanced_accuracy":
        present = true > 0
        recall = np.divide(tp, true, out=np.zeros(np.broadcast(tp, true).shape),
                           where=present)
        return (recall * present).sum(axis=-1) / present.sum(axis=-1)
    if name == "f1_macro":
        denom = pred + true
        present = denom > 0
        f1 = np.divide(2 * tp, denom, out=np.zeros(np.broadcast(tp, denom).shape),
                       where=present)
        return (f1 * present).sum(axis=-1) / np.maximum(present.sum(axis=-1), 1)
    if name == "gmean_search":
        # the search's objective: G-mean, ties (G-mean 0 when a class goes unfound) broken
        # by the G-mean with each such recall counted as half a row found, at a weight too
        # small to outweigh any G-mean difference
        return (_fold_score("gmean", tp, pred, true, n_rows)
                + 1e-6 * _fold_score("gmean_soft", tp, pred, true, n_rows))
    if name in ("gmean", "gmean_soft"):
        present = (pred + true) > 0
        recall = np.divide(tp, true, out=np.zeros(np.broadcast(tp, true).shape),
                           where=true > 0)
        zero = np.any(present & (recall <= 0), axis=-1)
        if name == "gmean_soft":
            half = np.divide(0.5, true, out=np.zeros(np.broadcast(tp, true).shape),
                             where=true > 0)
            recall = np.where(present & (recall <= 0), half, recall)
            zero = np.zeros_like(zero)
        logs = np.log(np.where(present & (recall > 0), recall, 1.0)).sum(axis=-1)
        score = np.exp(logs / np.maximum(present.sum(axis=-1), 1))
        return np.where(zero, 0.0, score)
    raise ValueError(name)  # pragma: no cover


class _FixedLabels(ClassifierMixin, BaseEstimator):
    """Stand-in classifier whose ``predict`` returns labels fixed in advance (scorers)."""

    def __init__(self, classes=None, labels=None):
        self.classes = classes
        self.labels = labels

    def fit(self, X=None, y=None):  # pragma: no cover - never fitted
        return self

    def __sklearn_is_fitted__(self):
        return True

    @property
    def classes_(self):
        return self.classes

    def predict(self, X):
        return self.labels


class TunedOffsetsClassifierCV(BaseDecisionClassifier):
    r"""Classifier with per-class offsets on the log-probabilities, tuned by CV.

    Predicts

    .. math::

        \hat y(x) = \arg\max_k \big(\log p_k(x) + o_k\big),

    with :math:`p(x)` the estimator's ``predict_proba`` and one offset
    :math:`o_k` per class, chosen to maximise ``scoring`` on cross-fitted
    probabilities (each row scored by a model that did not train on it; the
    score is the mean over the ``cv`` splits, as in
    :class:`~sklearn.model_selection.TunedThresholdClassifierCV`). The
    estimator is then refitted on all rows. :math:`o = 0` is the argmax
    rule; adding the same constant to every offset changes nothing, so the
    offsets are reported with mean zero.

    The search is coordinate ascent. With the other offsets fixed, row
    :math:`i` switches to class :math:`k` exactly when :math:`o_k` crosses
    its cut point

    .. math::

        t_i = \max_{j \ne k} (\log p_{ij} + o_j) - \log p_{ik},

    so the cut points, sorted once, list every distinct decision. One sweep
    over them updates the per-class confusion counts one row at a time and
    scores every candidate offset (the midpoint between consecutive cut
    points) in time linear in the number of rows (times the number of
    classes for the metric), after the sort. Classes are swept in turn
    until a round improves nothing (at most ``max_iter`` rounds). The
    result is a coordinate-wise optimum, not necessarily the global one.
    On binary data a single sweep of the second class's offset finds the
    best threshold exactly:
    :math:`\hat y = \text{classes\_}[1] \iff p_1 > 1/(1 + e^{o_1 - o_0})`.

    Parameters
    ----------
    estimator : estimator instance
        A classifier with ``fit`` and ``predict_proba`` (a ``Pipeline``,
        :class:`~sklearn.linear_model.LogisticRegression`,
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`,
        :class:`~sklearn_losses.WeightedLossClassifier`, ...). It is cloned,
        except with ``cv="prefit"``.
    scoring : str or callable, default="f1_macro"
        The metric to maximise. ``"f1_macro"``, ``"balanced_accuracy"``,
        ``"gmean"`` (the package's G-mean, geometric mean of the per-class
        recalls), ``"accuracy"`` and (binary) ``"f1"``, the F1 score of the
        minority class (the class with the fewest rows; equal counts give
        ``classes_[1]``), as the package's ``get_scorer("f1")`` and
        ``threshold="f1"`` measure it (also with string labels), are computed
        exactly at every cut point. Any other scikit-learn
        scorer name or scorer callable ``scorer(estimator, X, y)`` is
        evaluated at up to 100 candidate offsets per sweep (evenly spaced
        among the cut points); it must score ``predict`` (offsets do not
        change ``predict_proba``). Every row counts once: the offsets are
        tuned unweighted (a ``sample_weight`` of :meth:`fit` goes to the
        estimator), and a scorer that requests ``sample_weight`` under
        metadata routing is an error.
    cv : int, float, cross-validation generator, iterable or "prefit", default=5
        The splits of the cross-fitting: an int for stratified k-fold, a
        float in (0, 1) for one stratified shuffle split of that test size,
        any splitter or iterable of ``(train, test)`` indices. ``"prefit"``:
        ``estimator`` is fitted already and used as it is; the offsets are
        tuned on the rows given to :meth:`fit`, which should be held out
        from its training.
    max_iter : int, default=20
        Most rounds of coordinate ascent (each sweeps every class once).
    random_state : int, RandomState instance or None, default=None
        The shuffle split when ``cv`` is a float.

    Attributes
    ----------
    estimator_ : estimator instance
        The fitted classifier (refitted on all rows, or the prefit one).
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    offsets_ : ndarray of shape (n_classes,)
        :math:`o`, added to the log-probabilities before the argmax (mean 0).
    best_score_ : float
        The cross-validated score at ``offsets_`` (mean over splits).
    argmax_score_ : float
        The same score at :math:`o = 0` (the estimator's own ``predict``
        rule, up to ties), for comparison.
    n_iter_ : int
        Rounds of coordinate ascent run.
    n_features_in_ : int
        Number of features seen by the estimator (when it defines it).
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen by the estimator (when it defines it).

    See Also
    --------
    sklearn.model_selection.TunedThresholdClassifierCV : One threshold, binary.

    Notes
    -----
    ``predict_proba`` returns the estimator's probabilities unchanged (they
    stay estimates of :math:`P(y \mid x)`); ``decision_function`` returns
    :math:`\log p(x) + o`, whose argmax is ``predict``.

    The offsets are those of the Bayes-optimal rule for a cost-sensitive or
    prior-shifted problem (:math:`o_k = \log(c_k)` for class costs
    :math:`c_k`; Elkan, IJCAI 2001) and the post-hoc logit adjustment of
    Menon et al. (ICLR 2021), here fitted to the metric rather than set from
    the class frequencies; for F1 the optimal rule is a threshold on
    calibrated probabilities (Lipton, Elkan and Naryanaswamy, ECML 2014).

    References
    ----------
    C. Elkan. "The Foundations of Cost-Sensitive Learning". IJCAI 2001.

    Z. C. Lipton, C. Elkan, B. Naryanaswamy. "Optimal Thresholding of
    Classifiers to Maximize F1 Measure". ECML PKDD 2014.

    A. K. Menon, S. Jayasumana, A. S. Rawat, H. Jain, A. Veit, S. Kumar.
    "Long-tail learning via logit adjustment". ICLR 2021.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_losses.decisions import TunedOffsetsClassifierCV
    >>> X, y = make_classification(3000, n_classes=3, n_informative=4,
    ...                            weights=[0.8, 0.15], random_state=0)
    >>> clf = TunedOffsetsClassifierCV(LogisticRegression()).fit(X, y)
    >>> bool(clf.best_score_ >= clf.argmax_score_)
    True
    """

    _parameter_constraints: dict = {
        **BaseDecisionClassifier._parameter_constraints,
        "scoring": [StrOptions({"gmean", *FAST_SCORES, *get_scorer_names()}), callable],
        "cv": ["cv_object", StrOptions({"prefit"}),
               Interval(RealNotInt, 0.0, 1.0, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator, scoring="f1_macro", cv=5, *, max_iter=20,
                 random_state=None):
        self.estimator = estimator
        self.scoring = scoring
        self.cv = cv
        self.max_iter = max_iter
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Cross-fit the estimator, tune the offsets, refit on all rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training input, passed to the estimator as it is.
        y : array-like of shape (n_samples,)
            Class labels.
        **fit_params : dict
            Passed to the estimator's ``fit`` (arrays of length
            ``n_samples`` sliced to each split's training rows).

        Returns
        -------
        self : TunedOffsetsClassifierCV
        """
        self._check_prefit_params(fit_params, used=())
        self._check_unweighted_scoring()
        fit_params = self._estimator_fit_params(fit_params)
        X, y, classes, estimator = self._targets(X, y)
        if estimator is not None:
            proba = aligned_proba(estimator, X, classes)
            rows, fold = np.arange(len(y)), np.zeros(len(y), dtype=int)
        else:
            splits = list(resolve_cv(self.cv, y, self.random_state).split(X, y))
            proba, rows, fold = cross_fit_proba(self.estimator, X, y, splits, classes,
                                                fit_params)
            estimator = None
        y_idx = np.searchsorted(classes, y[rows])
        search = _OffsetSearch(np.log(np.maximum(proba, PROBA_FLOOR)), y_idx, fold,
                               classes, self._score_spec(classes, y_idx))
        offsets, score, n_iter = search.run(self.max_iter)
        if estimator is None:
            estimator = fit_on(self.estimator, X, y, None, fit_params)
        self._set_fitted_estimator(estimator, classes)
        self.offsets_ = offsets - offsets.mean()
        self.best_score_ = float(score)
        self.argmax_score_ = float(search.argmax_score)
        self.n_iter_ = n_iter
        return self

    def _check_unweighted_scoring(self):
        """Refuse a scorer that requests ``sample_weight`` (metadata routing): the search
        counts every row once, and the weights would be left out without a word."""
        from sklearn.utils.metadata_routing import _routing_enabled, get_routing_for_object

        if not (callable(self.scoring) and _routing_enabled()):
            return
        if get_routing_for_object(self.scoring).consumes("score", ["sample_weight"]):
            raise ValueError("TunedOffsetsClassifierCV tunes the offsets with every row "
                             "counted once; its scoring requests sample_weight "
                             "(set_score_request(sample_weight=True)), which it cannot "
                             "honour. Use a scorer without the request, or, for a weighted "
                             "binary threshold, scikit-learn's TunedThresholdClassifierCV.")

    def _score_spec(self, classes, y_idx):
        """``("fast", name, pos)`` or ``("scorer", scorer)`` for ``scoring``; ``y_idx``
        the class index of the scored rows."""
        scoring = self.scoring
        if isinstance(scoring, str) and scoring in FAST_SCORES:
            if scoring != "f1":
                return ("fast", scoring, None)
            if len(classes) > 2:
                raise ValueError(f"scoring='f1' is the F1 score of one class of binary "
                                 f"data; y has {len(classes)} classes: use 'f1_macro'.")
            # the minority class, as the package's f1 scorer and threshold="f1" measure
            return ("fast", "f1", _minority_index(np.bincount(y_idx, minlength=2)))
        return ("scorer", check_scoring(self.estimator, scoring=scoring))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.scoring == "f1":  # the F1 of one class of binary data
            tags.classifier_tags.multi_class = False
        return tags

    def decision_function(self, X):
        """``log predict_proba(X) + offsets_``; its argmax is :meth:`predict`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            On binary data, the second column minus the first: ``predict``
            returns ``classes_[1]`` where it is > 0.
        """
        scores = self._offset_log_proba(X)
        if len(self.classes_) == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def _offset_log_proba(self, X):
        """``log p_k(x) + offsets_[k]``, shape ``(n_samples, n_classes)``."""
        return np.log(np.maximum(self._proba(X), PROBA_FLOOR)) + self.offsets_

    def predict(self, X):
        """The class maximising ``log p_k(x) + offsets_[k]``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        scores = self._offset_log_proba(X)  # checks the fit before classes_ is read
        return self.classes_[np.argmax(scores, axis=1)]


class _OffsetSearch:
    """Coordinate ascent over per-class offsets on stacked cross-fitted log-probabilities."""

    def __init__(self, logp, y, fold, classes, spec):
        self.logp, self.y, self.classes, self.spec = logp, y, classes, spec
        self.n, self.k = logp.shape
        folds, self.fold = np.unique(fold, return_inverse=True)
        self.n_folds = len(folds)
        self.fold_rows = [np.flatnonzero(self.fold == f) for f in range(self.n_folds)]
        self.true = np.zeros((self.n_folds, self.k))
        np.add.at(self.true, (self.fold, self.y), 1.0)
        self.n_rows = self.true.sum(axis=1)

    # ------------------------------------------------------------------ scores
    def _counts(self, pred):
        tp = np.zeros((self.n_folds, self.k))
        npred = np.zeros((self.n_folds, self.k))
        np.add.at(npred, (self.fold, pred), 1.0)
        hit = pred == self.y
        np.add.at(tp, (self.fold[hit], pred[hit]), 1.0)
        return tp, npred

    def _fast(self, tp, npred, true, n_rows, *, search=True):
        """The fold scores; ``search``: of the objective the search compares (G-mean's soft
        form, :func:`_fold_score`), else of the metric itself."""
        _, name, pos = self.spec
        if search and name == "gmean":
            name = "gmean_search"
        return _fold_score(name, tp, npred, true, n_rows, pos)

    def score_of(self, pred, *, search=False):
        """Mean over folds of the metric of the predictions ``pred`` (class indices);
        ``search``: of the objective the search compares."""
        if self.spec[0] == "fast":
            tp, npred = self._counts(pred)
            return float(np.mean(self._fast(tp, npred, self.true, self.n_rows,
                                            search=search)))
        scorer = self.spec[1]
        labels = self.classes[pred]
        scores = []
        for rows in self.fold_rows:
            stand_in = _FixedLabels(self.classes, labels[rows])
            try:
                scores.append(scorer(stand_in, np.zeros((len(rows), 1)),
                                     self.classes[self.y[rows]]))
            except AttributeError as exc:
                raise ValueError(
                    "TunedOffsetsClassifierCV: the scoring needs predict_proba or "
                    "decision_function, which the offsets do not change; use a scorer "
                    "of predicted labels (f1_macro, balanced_accuracy, gmean, ...)."
                ) from exc
        return float(np.mean(scores))

    # ------------------------------------------------------------------ search
    def run(self, max_iter):
        offsets = np.zeros(self.k)
        pred = np.argmax(self.logp, axis=1)
        self.argmax_score = self.score_of(pred)
        score = self.score_of(pred, search=True)
        # binary: the second class's offset alone is the threshold
        classes_to_sweep = [1] if self.k == 2 else list(range(self.k))
        n_iter = 0
        for n_iter in range(1, max_iter + 1):
            improved = False
            for c in classes_to_sweep:
                value, new_score = self._sweep(c, offsets)
                if new_score > score + 1e-12:
                    offsets[c], score, improved = value, new_score, True
            if not improved or self.k == 2:
                break
        # the score of the offsets found, computed from scratch (argmax rule)
        pred = np.argmax(self.logp + offsets, axis=1)
        return offsets, self.score_of(pred), n_iter

    def _cut_points(self, c, offsets):
        s = self.logp + offsets
        s[:, c] = -np.inf
        alt = np.argmax(s, axis=1)
        cut = s[np.arange(self.n), alt] - self.logp[:, c]
        return cut, alt

    def _sweep(self, c, offsets):
        """Best offset of class ``c`` (others fixed) and its score."""
        cut, alt = self._cut_points(c, offsets)
        order = np.argsort(cut, kind="stable")
        cut_s = cut[order]
        # candidate q: the q rows of smallest cut point predict c, the others alt
        n = self.n
        distinct = np.ones(n + 1, dtype=bool)
        distinct[1:n] = cut_s[:-1] < cut_s[1:]
        values = np.empty(n + 1)
        values[0] = cut_s[0] - 1.0
        values[n] = cut_s[-1] + 1.0
        values[1:n] = (cut_s[:-1] + cut_s[1:]) / 2
        if self.spec[0] == "fast":
            totals = self._sweep_fast(c, order, alt)
        else:
            totals = self._sweep_generic(c, order, alt, distinct)
        totals = np.where(distinct, totals, -np.inf)
        best = np.max(totals)
        ties = np.flatnonzero(totals >= best - 1e-12)
        # among equal scores, the smallest move from the current offset
        q = ties[np.argmin(np.abs(values[ties] - offsets[c]))]
        return float(values[q]), float(totals[q])

    def _sweep_fast(self, c, order, alt):
        """Score after each of 0..n rows (in cut-point order) switched to class ``c``."""
        base_pred = alt  # no row predicts c
        tp0, npred0 = self._counts(base_pred)
        base = self._fast(tp0, npred0, self.true, self.n_rows)
        delta = np.zeros(self.n)
        fold_s, alt_s, y_s = self.fold[order], alt[order], self.y[order]
        for f in range(self.n_folds):
            pos = np.flatnonzero(fold_s == f)
            m = len(pos)
            if m == 0:
                continue
            step = np.arange(m)
            inc_pred = np.zeros((m, self.k))
            inc_pred[:, c] += 1.0
            inc_pred[step, alt_s[pos]] -= 1.0
            inc_tp = np.zeros((m, self.k))
            inc_tp[:, c] += y_s[pos] == c
            inc_tp[step, alt_s[pos]] -= y_s[pos] == alt_s[pos]
            npred = npred0[f] + np.cumsum(inc_pred, axis=0)
            tp = tp0[f] + np.cumsum(inc_tp, axis=0)
            scores = self._fast(tp, npred, self.true[f], self.n_rows[f])
            previous = np.concatenate([[base[f]], scores[:-1]])
            delta[pos] = (scores - previous) / self.n_folds
        return np.concatenate([[base.mean()], base.mean() + np.cumsum(delta)])

    def _sweep_generic(self, c, order, alt, distinct):
        """The scorer at up to GENERIC_CANDIDATES candidates (others -inf)."""
        n = self.n
        valid = np.flatnonzero(distinct)
        if len(valid) > GENERIC_CANDIDATES:
            pick = np.unique(np.linspace(0, len(valid) - 1, GENERIC_CANDIDATES).round())
            valid = valid[pick.astype(int)]
        totals = np.full(n + 1, -np.inf)
        for q in valid:
            pred = alt.copy()
            pred[order[:q]] = c
            totals[q] = self.score_of(pred)
        return totals
