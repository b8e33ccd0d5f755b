r"""Neyman-Pearson classification: a cap on the false alarms of one class.

The umbrella algorithm of Tong, Feng and Li (Science Advances, 2018) turns
any scoring classifier into one whose type-I error (the rate of false alarms
:math:`P(\hat y = \text{pos} \mid y \neq \text{pos})`) is at most
:math:`\alpha` with probability at least :math:`1 - \delta` over the data.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from scipy.stats import binom
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions

from ..metrics import pos_label_index
from ._base import (
    BaseDecisionClassifier,
    BinaryThresholdClassifier,
    aligned_proba,
    check_held_out_once,
    cross_fit_proba,
    fit_on,
    holdout_split,
    resolve_cv,
)

__all__ = ["NeymanPearsonClassifier", "neyman_pearson_min_samples", "neyman_pearson_rank"]


def _check_levels(alpha, delta):
    for name, value in (("alpha", alpha), ("delta", delta)):
        if not (isinstance(value, Real) and 0 < value < 1):
            raise ValueError(f"{name} must be a float in (0, 1); got {value!r}.")


def neyman_pearson_min_samples(alpha, delta):
    r"""The fewest held-out negatives for which the umbrella algorithm exists.

    The most conservative threshold, the largest of :math:`n` held-out
    negative scores, violates the type-I cap with probability
    :math:`(1 - \alpha)^n`; it is at most :math:`\delta` once

    .. math::

        n \geq \frac{\log \delta}{\log (1 - \alpha)}.

    Parameters
    ----------
    alpha : float in (0, 1)
        The cap on the type-I error.
    delta : float in (0, 1)
        The allowed probability of exceeding it.

    Returns
    -------
    n : int
        :math:`\lceil \log \delta / \log (1 - \alpha) \rceil` (59 for
        ``alpha = delta = 0.05``).
    """
    _check_levels(alpha, delta)
    n = max(1, math.ceil(math.log(delta) / math.log1p(-alpha)))
    # the closed form and the tail computed in floating point agree on the boundary
    while (1 - alpha) ** n > delta:
        n += 1
    while n > 1 and (1 - alpha) ** (n - 1) <= delta:
        n -= 1
    return n


def neyman_pearson_rank(n, alpha, delta):
    r"""The order statistic of the umbrella algorithm and its violation bound.

    With :math:`n` held-out negative scores sorted,
    :math:`t_{(1)} \le \dots \le t_{(n)}`, the classifier that predicts the
    positive class when the score exceeds :math:`t_{(k)}` has (Tong, Feng
    and Li, 2018, Proposition 1)

    .. math::

        P\big(R_0 > \alpha\big) \le v(k) =
        \sum_{j=k}^{n} \binom{n}{j} (1 - \alpha)^j \alpha^{n-j},

    with :math:`R_0` its type-I error; the umbrella algorithm takes the
    smallest :math:`k` with :math:`v(k) \le \delta`.

    Parameters
    ----------
    n : int
        Number of held-out negatives.
    alpha : float in (0, 1)
        The cap on the type-I error.
    delta : float in (0, 1)
        The allowed violation probability.

    Returns
    -------
    k : int
        The rank (1-based) of the order statistic.
    bound : float
        :math:`v(k) \le \delta`.

    Raises
    ------
    ValueError
        When ``n < neyman_pearson_min_samples(alpha, delta)``: no rank
        satisfies the bound.
    """
    _check_levels(alpha, delta)
    if not (isinstance(n, Integral) and n >= 0):
        raise ValueError(f"n must be an int >= 0; got {n!r}.")
    n_min = neyman_pearson_min_samples(alpha, delta)
    if n < n_min:
        raise ValueError(_too_few_message(n, alpha, delta, n_min))
    ks = np.arange(1, n + 1)
    # v(k) = P(Binomial(n, 1 - alpha) >= k)
    tail = binom.sf(ks - 1, n, 1 - alpha)
    tail[-1] = (1 - alpha) ** n  # exact at k = n, as neyman_pearson_min_samples computes it
    k = int(ks[np.argmax(tail <= delta)])
    return k, float(tail[k - 1])


def _too_few_message(n, alpha, delta, n_min, context=""):
    ratio = math.log(delta) / math.log1p(-alpha)
    return (f"The Neyman-Pearson umbrella algorithm needs at least {n_min} held-out rows "
            f"of the negative class for alpha={alpha}, delta={delta} "
            f"(n >= log(delta) / log(1 - alpha) = {ratio:.2f}); got {n}{context}. "
            "Give more negative rows, hold out a larger share of them (cv), or raise "
            "alpha or delta.")


class NeymanPearsonClassifier(BinaryThresholdClassifier):
    r"""Binary classifier with a high-probability cap on its false alarms.

    The umbrella algorithm (Tong, Feng and Li, Science Advances 2018): the
    estimator scores :math:`s(x) = P(y = \text{pos} \mid x)`; on
    :math:`n` negative rows (``y != pos_label``) it has not been trained on,
    the scores are sorted, :math:`t_{(1)} \le \dots \le t_{(n)}`, and the
    threshold is the order statistic :math:`t_{(k)}` with the smallest
    :math:`k` such that

    .. math::

        \sum_{j=k}^{n} \binom{n}{j} (1 - \alpha)^j \alpha^{n-j} \le \delta.

    ``predict`` returns ``pos_label`` when :math:`s(x) > t_{(k)}`. The
    type-I error :math:`R_0 = P(\hat y = \text{pos} \mid y \ne \text{pos})`
    of the resulting classifier then satisfies

    .. math::

        P\big(R_0 > \alpha\big) \le \delta

    over the draw of the held-out negatives, for any scoring model and any
    distribution (continuous scores; ties only make it more conservative).
    It needs :math:`n \ge \log\delta / \log(1 - \alpha)` held-out negatives
    (59 for :math:`\alpha = \delta = 0.05`); with fewer, :meth:`fit` raises
    a ValueError saying how many.

    Parameters
    ----------
    estimator : estimator instance
        A classifier with ``fit`` and ``predict_proba`` (a ``Pipeline``,
        :class:`~sklearn.linear_model.LogisticRegression`,
        :class:`~sklearn_losses.WeightedLossClassifier`, ...). It is cloned,
        except with ``cv="prefit"``.
    alpha : float in (0, 1), default=0.05
        The cap on the type-I error.
    delta : float in (0, 1), default=0.05
        The allowed probability that the type-I error exceeds ``alpha``.
    cv : float, int, cross-validation generator, iterable or "prefit", default=0.5
        Where the held-out negatives come from.

        - A float (the paper's algorithm): that share of the negative rows is
          held out; the estimator is trained on the other negatives and all
          positive rows, and is the model that predicts. The guarantee holds
          exactly.
        - ``"prefit"``: ``estimator`` is already fitted (and used as it is);
          the negative rows given to :meth:`fit` are the held-out ones. The
          guarantee holds exactly if the estimator never saw them.
        - An int, splitter or iterable: the threshold comes from out-of-fold
          scores of all negative rows and the estimator is then refitted on
          all rows. Uses every row for both, but the refitted model is not
          the one that scored the held-out rows, so the guarantee is only
          approximate (close for stable models).
    pos_label : int, float, bool, str or None, default=None
        The class whose false alarms are capped (predicting it for a row of
        the other class is the type-I error). ``None``: the greater label,
        ``classes_[1]``.
    random_state : int, RandomState instance or None, default=None
        The draw of the held-out negatives when ``cv`` is a float.

    Attributes
    ----------
    estimator_ : estimator instance
        The fitted classifier that scores the rows.
    classes_ : ndarray of shape (2,)
        The class labels.
    pos_label_ : object
        The class whose false alarms are capped.
    threshold_ : float
        The order statistic :math:`t_{(k)}` of the held-out negative scores;
        ``predict`` returns ``pos_label_`` where the score exceeds it.
    rank_ : int
        :math:`k`, the rank (1-based) of ``threshold_`` among them.
    n_calibration_ : int
        :math:`n`, the number of held-out negatives.
    violation_bound_ : float
        :math:`\sum_{j=k}^{n} \binom{n}{j}(1-\alpha)^j\alpha^{n-j} \le \delta`,
        the bound on :math:`P(R_0 > \alpha)` at that rank.
    n_features_in_ : int
        Number of features seen by the estimator (when it defines it).
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen by the estimator (when it defines it).

    See Also
    --------
    neyman_pearson_rank : The rank and bound, as a function.
    neyman_pearson_min_samples : The fewest held-out negatives needed.
    RecallControlClassifier : The other error, in expectation.

    Notes
    -----
    The type-I error is bounded with high probability, not in expectation:
    over many data sets, the share whose classifier exceeds ``alpha`` is at
    most ``delta``. The price is a threshold above the plain
    :math:`(1-\alpha)` quantile of the negative scores, so a type-I error
    usually well below ``alpha``, and a type-II error that depends on how
    well the model separates the classes.

    References
    ----------
    X. Tong, Y. Feng, J. J. Li. "Neyman-Pearson classification algorithms and
    NP receiver operating characteristics". Science Advances 4(2), 2018.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_losses.decisions import NeymanPearsonClassifier
    >>> X, y = make_classification(2000, weights=[0.7], random_state=0)
    >>> clf = NeymanPearsonClassifier(LogisticRegression(), alpha=0.05, delta=0.05,
    ...                               random_state=0).fit(X, y)
    >>> clf.n_calibration_, clf.rank_
    (699, 674)
    """

    _parameter_constraints: dict = {
        **BaseDecisionClassifier._parameter_constraints,
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "cv": ["cv_object", StrOptions({"prefit"}),
               Interval(RealNotInt, 0.0, 1.0, closed="neither")],
        "pos_label": [Real, str, "boolean", None],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator, alpha=0.05, delta=0.05, *, cv=0.5, pos_label=None,
                 random_state=None):
        self.estimator = estimator
        self.alpha = alpha
        self.delta = delta
        self.cv = cv
        self.pos_label = pos_label
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the estimator and set the threshold from held-out negatives.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training input, passed to the estimator as it is.
        y : array-like of shape (n_samples,)
            Binary class labels.
        **fit_params : dict
            Passed to the estimator's ``fit`` (arrays of length
            ``n_samples`` sliced to the training rows).

        Returns
        -------
        self : NeymanPearsonClassifier
        """
        self._check_prefit_params(fit_params, used=())
        fit_params = self._estimator_fit_params(fit_params)
        X, y, classes, estimator = self._targets(X, y, binary=True)
        pos = _resolve_pos_label(self.pos_label, classes)
        neg = classes[classes != pos][0]
        neg_rows = np.flatnonzero(y != pos)
        context = ""
        if estimator is not None:
            scores = _scores(estimator, X, neg_rows, classes, pos)
            context = " (the negative rows passed to fit, with cv='prefit')"
        elif isinstance(self.cv, Real) and not isinstance(self.cv, Integral):
            if len(neg_rows) < 2:
                raise ValueError(_too_few_message(
                    0, self.alpha, self.delta,
                    neyman_pearson_min_samples(self.alpha, self.delta),
                    f" (y has {len(neg_rows)} negative row; a held-out share cv={self.cv} "
                    "needs 2, one to train on and one to hold out)"))
            train, cal = holdout_split(y, neg, self.cv, self.random_state)
            estimator = fit_on(self.estimator, X, y, train, fit_params)
            scores = _scores(estimator, X, cal, classes, pos)
            context = (f" (cv={self.cv} holds out that share of the {len(neg_rows)} "
                       "negative rows)")
        else:
            splits = list(resolve_cv(self.cv, y).split(X, y))
            proba, rows, _ = cross_fit_proba(self.estimator, X, y, splits, classes,
                                             fit_params)
            check_held_out_once(rows, type(self).__name__)
            scores = proba[y[rows] != pos, np.searchsorted(classes, pos)]
            estimator = None
            context = " (out-of-fold negative rows)"
        n = len(scores)
        n_min = neyman_pearson_min_samples(self.alpha, self.delta)
        if n < n_min:
            raise ValueError(_too_few_message(n, self.alpha, self.delta, n_min, context))
        k, bound = neyman_pearson_rank(n, self.alpha, self.delta)
        if estimator is None:
            estimator = fit_on(self.estimator, X, y, None, fit_params)
        self._set_fitted_estimator(estimator, classes)
        self.pos_label_ = pos
        self.threshold_ = float(np.sort(scores)[k - 1])
        self.rank_ = k
        self.n_calibration_ = n
        self.violation_bound_ = bound
        return self


def _resolve_pos_label(pos_label, classes):
    if pos_label is None:
        return classes[-1]
    return classes[pos_label_index(pos_label, classes, binary=False)]


def _scores(estimator, X, rows, classes, pos):
    from sklearn.utils import _safe_indexing

    if len(rows) == 0:
        return np.empty(0)
    proba = aligned_proba(estimator, _safe_indexing(X, rows), classes)
    return proba[:, np.searchsorted(classes, pos)]
