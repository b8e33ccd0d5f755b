r"""Label shift: adjust probabilities to a new class prior, or estimate it.

Under *label shift* (prior shift) the class-conditional distributions stay
what they were in training, :math:`p_{test}(x \mid y) = p_{train}(x \mid y)`,
and only the class prior moves from :math:`\pi` to :math:`\pi'`. Bayes' rule
then gives the test posterior from the training one (Saerens, Latinne and
Decaestecker, 2002):

.. math::

    p'(y = k \mid x) = \frac{p(y = k \mid x)\, \pi'_k / \pi_k}
                            {\sum_j p(y = j \mid x)\, \pi'_j / \pi_j}.

- :func:`adjust_to_prior`: that formula, for a known new prior;
- :func:`estimate_prior_em`: the new prior from unlabelled rows by EM
  (Saerens et al., 2002);
- :func:`estimate_prior_bbse`: the new prior by black-box shift estimation
  (Lipton, Wang and Smola, ICML 2018);
- :class:`PriorShiftClassifier`: a meta-estimator doing both for any
  classifier with ``predict_proba``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d

from .._warnings import warn_user
from ._base import (
    BaseDecisionClassifier,
    aligned_proba,
    cross_fit_proba,
    fit_on,
    resolve_cv,
)

__all__ = ["PriorShiftClassifier", "adjust_to_prior", "estimate_prior_bbse",
           "estimate_prior_em"]

#: Tolerance on "sums to 1" for probability rows and priors.
SUM_TOL = 1e-4


def _check_proba(proba, name="proba"):
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape[1] < 2:
        raise ValueError(f"{name} must be a 2-d array of shape (n_samples, n_classes) with "
                         f"n_classes >= 2; got shape {proba.shape}.")
    if not np.all(np.isfinite(proba)):
        raise ValueError(f"{name} holds NaN or infinite values.")
    if np.any(proba < 0):
        raise ValueError(f"{name} holds negative values; probabilities must be >= 0.")
    sums = proba.sum(axis=1)
    bad = np.abs(sums - 1) > SUM_TOL
    if np.any(bad):
        raise ValueError(f"Each row of {name} must sum to 1 (within {SUM_TOL}); row "
                         f"{int(np.argmax(bad))} sums to {sums[bad][0]:.6g}.")
    return proba


def _check_prior(prior, n_classes, name, *, positive=False):
    try:
        prior = np.asarray(prior, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of one probability per class "
                         f"({n_classes}); got {prior!r}.") from None
    if prior.ndim != 1 or prior.shape[0] != n_classes:
        raise ValueError(f"{name} must be a 1-d array with one entry per class "
                         f"({n_classes}); got shape {prior.shape}.")
    if not np.all(np.isfinite(prior)):
        raise ValueError(f"{name} holds NaN or infinite values.")
    if positive and np.any(prior <= 0):
        raise ValueError(f"{name} must be > 0 for every class (it divides the "
                         f"probabilities); got {prior.tolist()}.")
    if np.any(prior < 0):
        raise ValueError(f"{name} must be >= 0 for every class; got {prior.tolist()}.")
    if abs(prior.sum() - 1) > SUM_TOL:
        raise ValueError(f"{name} must sum to 1 (within {SUM_TOL}); it sums to "
                         f"{prior.sum():.6g}.")
    return prior


def _reweight(proba, ratio, fallback):
    """Rows of ``proba * ratio`` renormalised; rows of zero mass get ``fallback``."""
    adjusted = proba * ratio
    total = adjusted.sum(axis=1, keepdims=True)
    empty = total[:, 0] <= 0
    adjusted = np.divide(adjusted, total, out=np.zeros_like(adjusted), where=total > 0)
    if np.any(empty):
        adjusted[empty] = fallback
    return adjusted


def adjust_to_prior(proba, train_prior, test_prior):
    r"""Probabilities under a new class prior (Saerens et al., 2002).

    .. math::

        p'_k = \frac{p_k\, \pi'_k / \pi_k}{\sum_j p_j\, \pi'_j / \pi_j}

    with :math:`p` a row of ``proba`` (the classifier's posterior under the
    training prior :math:`\pi`) and :math:`\pi'` the new prior. Exact under
    label shift (the class-conditional densities unchanged) for calibrated
    probabilities. A row whose probability mass lies only on classes of zero
    new prior gets the new prior itself.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Posterior probabilities under the training prior; each row sums to 1.
    train_prior : array-like of shape (n_classes,)
        The class prior the probabilities were estimated under (the class
        frequencies of the training data for a calibrated model); every
        entry > 0, sums to 1.
    test_prior : array-like of shape (n_classes,)
        The new class prior; entries >= 0, sums to 1.

    Returns
    -------
    adjusted : ndarray of shape (n_samples, n_classes)
        The probabilities under ``test_prior`` (float64).

    Raises
    ------
    ValueError
        On shapes that do not match, negative or non-finite values, rows or
        priors that do not sum to 1 (within 1e-4), or a zero training prior.

    References
    ----------
    M. Saerens, P. Latinne, C. Decaestecker. "Adjusting the Outputs of a
    Classifier to New a Priori Probabilities: A Simple Procedure". Neural
    Computation 14(1), 2002.

    Examples
    --------
    >>> from sklearn_losses.decisions import adjust_to_prior
    >>> adjust_to_prior([[0.5, 0.5]], [0.5, 0.5], [0.9, 0.1]).round(2)
    array([[0.9, 0.1]])
    """
    proba = _check_proba(proba)
    k = proba.shape[1]
    train_prior = _check_prior(train_prior, k, "train_prior", positive=True)
    test_prior = _check_prior(test_prior, k, "test_prior")
    return _reweight(proba, test_prior / train_prior, test_prior)


def estimate_prior_em(proba, train_prior, *, max_iter=1000, tol=1e-6):
    r"""The class prior of unlabelled rows, by EM (Saerens et al., 2002).

    Starting from :math:`\pi^{(0)} = \pi` (the training prior), each step
    adjusts the posteriors to the current prior and averages them:

    .. math::

        p^{(s)}_{ik} = \frac{p_{ik}\, \pi^{(s)}_k / \pi_k}
                            {\sum_j p_{ij}\, \pi^{(s)}_j / \pi_j}, \qquad
        \pi^{(s+1)}_k = \frac{1}{n} \sum_{i=1}^{n} p^{(s)}_{ik},

    until no entry moves by more than ``tol``. Each step increases the
    likelihood of the unlabelled rows under the mixture
    :math:`\sum_k \pi'_k\, p(x \mid k)`; the fixed point is its maximum
    likelihood estimate when the probabilities are calibrated and the shift
    is a label shift.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        ``predict_proba`` of the unlabelled rows (under the training prior).
    train_prior : array-like of shape (n_classes,)
        The prior the probabilities were estimated under; > 0, sums to 1.
    max_iter : int, default=1000
        Most EM steps.
    tol : float, default=1e-6
        Stop when the largest change of a prior entry is below ``tol``.

    Returns
    -------
    prior : ndarray of shape (n_classes,)
        The estimated class prior of the unlabelled rows.

    References
    ----------
    M. Saerens, P. Latinne, C. Decaestecker. "Adjusting the Outputs of a
    Classifier to New a Priori Probabilities: A Simple Procedure". Neural
    Computation 14(1), 2002.
    """
    proba = _check_proba(proba)
    if proba.shape[0] == 0:
        raise ValueError("estimate_prior_em needs at least one unlabelled row; proba has none.")
    train_prior = _check_prior(train_prior, proba.shape[1], "train_prior", positive=True)
    if not (isinstance(max_iter, Integral) and max_iter >= 1):
        raise ValueError(f"max_iter must be an int >= 1; got {max_iter!r}.")
    if not (isinstance(tol, Real) and tol > 0):
        raise ValueError(f"tol must be a float > 0; got {tol!r}.")
    prior = train_prior.copy()
    for _ in range(max_iter):
        new = _reweight(proba, prior / train_prior, prior).mean(axis=0)
        change = float(np.max(np.abs(new - prior)))
        prior = new
        if change < tol:
            break
    else:
        warn_user(f"estimate_prior_em stopped after max_iter={max_iter} steps without "
                  f"converging (its last step moved the prior by {change:.2g}, tol={tol:g}): "
                  "the estimate may be off. Raise max_iter; EM is slow when the "
                  "probabilities separate the classes poorly.", ConvergenceWarning)
    return prior / prior.sum()


#: Above this condition number of the confusion matrix given the true class,
#: :math:`P(\hat y = i \mid y = j)`, the black-box shift estimate is called unreliable: errors
#: in the predicted rates of the unlabelled rows are amplified up to that many times (1 for a
#: classifier that is always right; 10 for a binary one right on 55% of each class).
BBSE_MAX_CONDITION = 10.0


def _warn_poorly_conditioned(confusion, predicted, classes):
    """Warn when the black-box shift estimate from ``confusion`` (joint, ``P(yhat=i, y=j)``)
    will be unreliable: the confusion matrix given the true class is singular (a class never
    predicted) or has a condition number above :data:`BBSE_MAX_CONDITION`. The joint matrix's
    own condition number also holds the class ratio, large for any imbalanced table."""
    total = confusion.sum(axis=0)
    given = confusion / np.where(total > 0, total, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        condition = np.linalg.cond(given)
    if condition <= BBSE_MAX_CONDITION:
        return
    counts = np.bincount(predicted, minlength=len(classes))
    labels = np.asarray(classes).tolist()
    rare = ", ".join(f"{labels[i]!r} on {counts[i]}" for i in np.argsort(counts)[:2])
    warn_user(f"test_prior='bbse': the held-out confusion matrix is poorly conditioned "
              f"(condition number {condition:.3g} given the true class; the classifier "
              f"predicts {rare} of the {len(predicted)} held-out rows), so black-box shift "
              "estimation may give a test prior far from the truth, zeros included, even "
              "with no shift at all: errors in the predicted rates are amplified up to that "
              "many times. It needs a classifier that tells every class apart: use "
              "test_prior='em' with calibrated probabilities, or a stronger classifier.")


def _bbse(confusion, mu):
    """Black-box shift estimate from the joint confusion ``C[i, j] = P(yhat=i, y=j)``."""
    w = np.linalg.lstsq(confusion, mu, rcond=None)[0]
    w = np.clip(w, 0.0, None)
    prior = w * confusion.sum(axis=0)
    total = prior.sum()
    if not total > 0:
        raise ValueError("Black-box shift estimation gave a zero prior for every class: "
                         "the confusion matrix is too poorly conditioned (a classifier "
                         "better than chance on every class is needed).")
    return prior / total


def estimate_prior_bbse(y_true, y_pred, y_pred_unlabeled, *, labels=None):
    r"""The class prior of unlabelled rows by black-box shift estimation.

    Lipton, Wang and Smola (2018): with the joint confusion matrix of hard
    predictions on held-out labelled rows from the training distribution,
    :math:`C_{ij} = P(\hat y = i, y = j)`, and the rate of each predicted
    class on the unlabelled rows, :math:`\mu_i = P'(\hat y = i)`, label
    shift gives :math:`C w = \mu` with the importance weights
    :math:`w_j = \pi'_j / \pi_j`. The estimate solves it (least squares),
    clips :math:`w \geq 0` and returns
    :math:`\pi'_j \propto w_j \pi_j` with :math:`\pi_j = \sum_i C_{ij}` the
    held-out label frequencies. It needs no calibrated probabilities, only
    an invertible confusion matrix (a classifier better than chance on
    each class).

    Parameters
    ----------
    y_true : array-like of shape (n_heldout,)
        Labels of the held-out rows (from the training distribution).
    y_pred : array-like of shape (n_heldout,)
        The classifier's predictions for them (out-of-sample).
    y_pred_unlabeled : array-like of shape (n_unlabeled,)
        Its predictions for the unlabelled rows.
    labels : array-like of shape (n_classes,), default=None
        The classes, in the order of the returned prior; by default the
        sorted labels of ``y_true`` and ``y_pred``.

    Returns
    -------
    prior : ndarray of shape (n_classes,)
        The estimated class prior of the unlabelled rows.

    References
    ----------
    Z. C. Lipton, Y.-X. Wang, A. J. Smola. "Detecting and Correcting for
    Label Shift with Black Box Predictors". ICML 2018.
    """
    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    y_unl = column_or_1d(y_pred_unlabeled)
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred must have the same length; got "
                         f"{len(y_true)} and {len(y_pred)}.")
    if len(y_true) == 0 or len(y_unl) == 0:
        raise ValueError("estimate_prior_bbse needs held-out and unlabelled rows; got "
                         f"{len(y_true)} and {len(y_unl)}.")
    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    index = {label: i for i, label in enumerate(labels.tolist())}
    try:
        t = np.array([index[v] for v in y_true.tolist()])
        p = np.array([index[v] for v in y_pred.tolist()])
        u = np.array([index[v] for v in y_unl.tolist()])
    except KeyError as exc:
        raise ValueError(f"Label {exc.args[0]!r} is not in labels {labels.tolist()}.") from None
    return _bbse_from_indices(t, p, u, len(labels))


def _bbse_from_indices(t, p, u, k):
    confusion = np.zeros((k, k))
    np.add.at(confusion, (p, t), 1.0)
    confusion /= len(t)
    mu = np.bincount(u, minlength=k) / len(u)
    return _bbse(confusion, mu)


def _sample_weight_of(fit_params, n_samples):
    """The row weights among ``fit``'s parameters (``sample_weight``, or one
    ``<step>__sample_weight`` of a ``Pipeline``), as float64, or None."""
    keys = [k for k in fit_params if k == "sample_weight" or k.endswith("__sample_weight")]
    if not keys:
        return None
    if len(keys) > 1 and "sample_weight" not in keys:
        raise ValueError(f"fit parameters {keys} name several sample weights; the training "
                         "prior needs one.")
    weight = fit_params["sample_weight" if "sample_weight" in keys else keys[0]]
    return _check_sample_weight(weight, np.empty((n_samples, 0)), dtype=np.float64,
                                ensure_non_negative=True)


class PriorShiftClassifier(BaseDecisionClassifier):
    r"""A classifier whose probabilities follow a new class prior.

    Wraps any classifier with ``predict_proba`` and re-weights its
    probabilities from the training prior :math:`\pi` to a test prior
    :math:`\pi'` (Saerens, Latinne and Decaestecker, 2002):

    .. math::

        p'(y = k \mid x) \propto p(y = k \mid x)\, \pi'_k / \pi_k,

    exact under label shift (:math:`p(x \mid y)` unchanged) when the
    estimator's probabilities are calibrated. :math:`\pi'` is given, or
    estimated from unlabelled rows of the deployment data by
    :meth:`fit_prior`: by EM (``test_prior="em"``, Saerens et al., 2002),
    which needs calibrated probabilities, or by black-box shift estimation
    (``test_prior="bbse"``, Lipton, Wang and Smola, ICML 2018), which needs
    only a confusion matrix of held-out predictions and is consistent for
    any classifier whose confusion matrix is invertible.

    Parameters
    ----------
    estimator : estimator instance
        A classifier with ``fit`` and ``predict_proba`` (a ``Pipeline``,
        :class:`~sklearn.linear_model.LogisticRegression`,
        :class:`~sklearn_losses.WeightedLossClassifier`, ...). It is
        cloned; with ``cv="prefit"`` it must be fitted and is used as it is.
        Its probabilities should estimate :math:`P(y \mid x)` under the
        training class frequencies: a model trained with class weights is
        not (use ``WeightedLossClassifier(calibration="prior")``, or wrap
        it in :class:`~sklearn.calibration.CalibratedClassifierCV`).
    test_prior : {"em", "bbse"} or array-like of shape (n_classes,), default="em"
        The deployment prior, in ``classes_`` order (entries >= 0, sum 1),
        or how :meth:`fit_prior` estimates it from unlabelled rows. Until
        :meth:`fit_prior` is called, ``"em"`` and ``"bbse"`` leave the
        probabilities as they are (``test_prior_`` is the training prior).
        ``"bbse"`` warns at :meth:`fit` when its confusion matrix given the
        true class, :math:`P(\hat y = i \mid y = j)`, has a condition number
        above 10 (a class rarely or never predicted, or classes the
        estimator hardly tells apart): its estimates are then unreliable.
    cv : int, cross-validation generator, iterable or "prefit", default=5
        Only for ``test_prior="bbse"``: the splits whose out-of-fold
        predictions make the confusion matrix (stratified k-fold for an
        int). ``"prefit"``: ``estimator`` is fitted already and the
        confusion matrix comes from the rows passed to :meth:`fit`, which
        must then be held out from its training (Lipton et al.'s setting).
        With cross-fitting the confusion matrix is that of the fold models,
        an approximation of the refitted model's.
    train_prior : array-like of shape (n_classes,), default=None
        The class prior the estimator was trained under, in ``classes_``
        order (entries > 0, sum 1). None: the class frequencies of ``y`` in
        :meth:`fit`, which are the training rows' unless ``cv="prefit"``:
        then they are those of the held-out rows, an estimate (noisy on a
        few hundred rows, and it enters every adjusted probability and the
        EM estimate), so give a prefit estimator's training frequencies
        here. Given, ``y`` need not hold every class (it must for
        ``test_prior="bbse"``, whose confusion matrix needs rows of each).

    Attributes
    ----------
    estimator_ : estimator instance
        The fitted classifier (refitted on all rows of :meth:`fit`, or the
        prefit one).
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    train_prior_ : ndarray of shape (n_classes,)
        ``train_prior`` when given; otherwise the class frequencies of ``y`` in
        :meth:`fit`, weighted by the
        ``sample_weight`` of the fit parameters when there is one (also
        the ``<step>__sample_weight`` of a ``Pipeline``): the prior the
        estimator was trained under. The confusion matrix of ``"bbse"`` is
        weighted the same way.
    test_prior_ : ndarray of shape (n_classes,)
        The prior :meth:`predict_proba` adjusts to: the given array, the
        estimate of the last :meth:`fit_prior` call, or ``train_prior_``
        before any.
    confusion_ : ndarray of shape (n_classes, n_classes)
        ``test_prior="bbse"`` only: the joint confusion matrix
        :math:`P(\hat y = i, y = j)` of the out-of-fold predictions.
    n_features_in_ : int
        Number of features seen by the estimator (when it defines it).
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen by the estimator (when it defines it).

    See Also
    --------
    adjust_to_prior : The adjustment, as a function.
    estimate_prior_em : The EM estimate, as a function.
    estimate_prior_bbse : The black-box shift estimate, as a function.

    Notes
    -----
    Both estimates assume label shift. EM is the maximum-likelihood estimate
    of the mixture weights and is the more accurate of the two with
    calibrated probabilities; with miscalibrated ones it is biased, while
    BBSE stays consistent (Lipton et al., 2018; Alexandari, Kundaje and
    Shrikumar, ICML 2020, show EM with calibrated models usually wins).

    References
    ----------
    M. Saerens, P. Latinne, C. Decaestecker. "Adjusting the Outputs of a
    Classifier to New a Priori Probabilities: A Simple Procedure". Neural
    Computation 14(1), 2002.

    Z. C. Lipton, Y.-X. Wang, A. J. Smola. "Detecting and Correcting for
    Label Shift with Black Box Predictors". ICML 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_losses.decisions import PriorShiftClassifier
    >>> X, y = make_classification(4000, weights=[0.5], random_state=0)
    >>> clf = PriorShiftClassifier(LogisticRegression()).fit(X[:2000], y[:2000])
    >>> rest = np.flatnonzero(y[2000:] == 0)[:900] + 2000   # 90% class 0
    >>> rest = np.r_[rest, np.flatnonzero(y[2000:] == 1)[:100] + 2000]
    >>> clf.fit_prior(X[rest]).test_prior_.round(1)
    array([0.9, 0.1])
    """

    # fit reads sample_weight from its parameters (the training prior): under metadata
    # routing it requests it (set_fit_request(sample_weight=False) to leave it to the estimator)
    __metadata_request__fit = {"sample_weight": True}
    _uses_sample_weight = True

    _parameter_constraints: dict = {
        **BaseDecisionClassifier._parameter_constraints,
        "test_prior": [StrOptions({"em", "bbse"}), "array-like"],
        "cv": ["cv_object", StrOptions({"prefit"})],
        "train_prior": [None, "array-like"],
    }

    def __init__(self, estimator, test_prior="em", *, cv=5, train_prior=None):
        self.estimator = estimator
        self.test_prior = test_prior
        self.cv = cv
        self.train_prior = train_prior

    def _method(self):
        return self.test_prior if isinstance(self.test_prior, str) else None

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the estimator and record the training prior.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training input, passed to the estimator as it is.
        y : array-like of shape (n_samples,)
            Class labels.
        **fit_params : dict
            Passed to the estimator's ``fit`` (arrays of length
            ``n_samples`` sliced to each fold's rows).

        Returns
        -------
        self : PriorShiftClassifier
        """
        self._check_prefit_params(fit_params, used=("sample_weight",))
        X, y, classes, estimator = self._targets(X, y)
        weight = _sample_weight_of(fit_params, len(y))
        fit_params = self._estimator_fit_params(fit_params)
        order = np.argsort(classes)  # a prefit estimator's classes_ may be in any order
        t_all = order[np.searchsorted(classes, y, sorter=order)]
        counts = np.bincount(t_all, weights=weight, minlength=len(classes)).astype(np.float64)
        method = self._method()
        if self.train_prior is not None:
            train_prior = _check_prior(self.train_prior, len(classes), "train_prior",
                                       positive=True)
        if np.any(counts <= 0) and (self.train_prior is None or method == "bbse"):
            # the given train_prior needs no rows; the confusion matrix of bbse does
            needs = ("the training prior" if self.train_prior is None
                     else "the confusion matrix of test_prior='bbse'")
            raise ValueError(f"y has no row (of positive sample_weight) of the class(es) "
                             f"{classes[counts <= 0].tolist()}: {needs} needs rows of every "
                             "class the estimator predicts.")
        if self.train_prior is None:
            train_prior = counts / counts.sum()
        if method is None:
            test_prior = _check_prior(self.test_prior, len(classes), "test_prior")
        else:
            test_prior = train_prior.copy()
        if method == "bbse":
            if estimator is not None:
                proba = aligned_proba(estimator, X, classes)
                rows = np.arange(len(y))
            else:
                splits = list(resolve_cv(self.cv, y).split(X, y))
                proba, rows, _ = cross_fit_proba(self.estimator, X, y, splits, classes,
                                                 fit_params)
            w_rows = np.ones(len(rows)) if weight is None else weight[rows]
            confusion = np.zeros((len(classes), len(classes)))
            predicted = proba.argmax(axis=1)
            np.add.at(confusion, (predicted, t_all[rows]), w_rows)
            self.confusion_ = confusion / w_rows.sum()
            _warn_poorly_conditioned(self.confusion_, predicted, classes)
        elif hasattr(self, "confusion_"):
            del self.confusion_
        if estimator is None:
            estimator = fit_on(self.estimator, X, y, None, fit_params)
        self._set_fitted_estimator(estimator, classes)
        self.train_prior_ = train_prior
        self.test_prior_ = test_prior
        return self

    def fit_prior(self, X):
        """Estimate the class prior of the unlabelled rows ``X``; sets ``test_prior_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Unlabelled rows from the deployment distribution.

        Returns
        -------
        self : PriorShiftClassifier
        """
        check_is_fitted(self)
        method = self._method()
        if method is None:
            raise ValueError("fit_prior estimates the prior with test_prior='em' or "
                             "'bbse'; this estimator was given test_prior as an array.")
        proba = aligned_proba(self.estimator_, X, self.classes_)
        if proba.shape[0] == 0:
            raise ValueError("fit_prior needs at least one unlabelled row; got 0.")
        if method == "em":
            self.test_prior_ = estimate_prior_em(proba, self.train_prior_)
        else:
            mu = np.bincount(proba.argmax(axis=1), minlength=len(self.classes_)) / len(proba)
            self.test_prior_ = _bbse(self.confusion_, mu)
        return self

    def predict_proba(self, X):
        """Probabilities adjusted from ``train_prior_`` to ``test_prior_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return adjust_to_prior(self._proba(X), self.train_prior_, self.test_prior_)

    def predict(self, X):
        """The most probable class under ``test_prior_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
