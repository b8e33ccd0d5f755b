r"""Recall control: a bound on the false-negative rate of the minority class.

Conformal risk control (Angelopoulos, Bates, Fisch, Lei and Schuster, ICLR
2024) picks the decision threshold from held-out positive rows so that the
expected false-negative rate of the positive class is at most
:math:`\alpha`; its weighted form (Farinhas, Zerva, Ulmer and Martins, ICLR
2024) covers calibration rows that are not exchangeable with the test rows.
With ``delta`` set, the threshold comes instead from Learn-then-Test
(Angelopoulos et al., 2021) through MAPIE, a high-probability bound.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import _check_sample_weight

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

__all__ = ["RecallControlClassifier", "conformal_recall_threshold"]


def _min_positives(alpha):
    """Fewest calibration positives for which (n/(n+1)) R + 1/(n+1) <= alpha can hold."""
    n = max(0, math.ceil(1 / alpha - 1))
    while alpha * (n + 1) < 1:
        n += 1
    return n


def conformal_recall_threshold(scores, alpha, sample_weight=None):
    r"""The conformal-risk-control threshold for a false-negative rate.

    ``scores`` are the positive-class scores :math:`s_1, \dots, s_n` of
    held-out rows of the positive class; a row is predicted positive when
    its score is at least the threshold :math:`t`, so row :math:`i` costs
    the loss :math:`L_i(t) = \mathbb{1}\{s_i < t\}` (a missed positive,
    bounded by :math:`B = 1`). Conformal risk control (Angelopoulos et al.,
    ICLR 2024, with :math:`\lambda` the threshold decreasing) takes the
    largest :math:`t` with

    .. math::

        \frac{n}{n+1} \hat R_n(t) + \frac{B}{n+1} \le \alpha, \qquad
        \hat R_n(t) = \frac{1}{n} \sum_{i=1}^{n} L_i(t),

    which guarantees :math:`E[L_{n+1}(\hat t)] \le \alpha` for a new
    positive row exchangeable with the held-out ones: the expected
    false-negative rate is at most :math:`\alpha` (and at least
    :math:`\alpha - 2/(n+1)` for continuous scores). With weights
    :math:`w_i \in [0, 1]` (Farinhas et al., ICLR 2024, Theorem 1; the test
    row's weight is 1),

    .. math::

        \sum_{i=1}^{n} \tilde w_i L_i(t) + \tilde w_{n+1} B \le \alpha, \qquad
        \tilde w_i = \frac{w_i}{1 + \sum_{j=1}^{n} w_j}, \quad
        \tilde w_{n+1} = \frac{1}{1 + \sum_{j=1}^{n} w_j},

    and the bound becomes
    :math:`E[L_{n+1}] \le \alpha + \sum_i \tilde w_i\, d_{TV}(Z, Z^{(i)})`:
    small weights on the calibration rows least like the test data shrink
    the price of a distribution shift. Weights are divided by their maximum
    first (a fixed choice of weights in [0, 1]).

    Parameters
    ----------
    scores : array-like of shape (n,)
        Positive-class scores of the held-out positive rows.
    alpha : float in (0, 1)
        The bound on the expected false-negative rate.
    sample_weight : array-like of shape (n,), default=None
        Non-negative weights of the held-out rows (Farinhas et al.); all 1
        gives plain conformal risk control.

    Returns
    -------
    threshold : float
        :math:`\hat t`, one of ``scores``: predict positive when
        ``score >= threshold``.

    Raises
    ------
    ValueError
        When no threshold satisfies the inequality: fewer than
        :math:`1/\alpha - 1` held-out positives (in total weight).

    References
    ----------
    A. N. Angelopoulos, S. Bates, A. Fisch, L. Lei, T. Schuster. "Conformal
    Risk Control". ICLR 2024.

    A. Farinhas, C. Zerva, D. Ulmer, A. F. T. Martins. "Non-Exchangeable
    Conformal Risk Control". ICLR 2024.

    Examples
    --------
    >>> from sklearn_losses.decisions import conformal_recall_threshold
    >>> # 19 positives, alpha = 0.1: (n + 1) alpha - 1 = 1 may fall below t
    >>> float(conformal_recall_threshold([i / 20 for i in range(1, 20)], 0.1))
    0.1
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1:  # e.g. predict_proba's two columns, whose mix would pass unseen
        raise ValueError(f"scores must be 1-d, the positive-class score of each held-out "
                         f"positive row; got shape {scores.shape}.")
    if not (isinstance(alpha, Real) and 0 < alpha < 1):
        raise ValueError(f"alpha must be a float in (0, 1); got {alpha!r}.")
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores hold NaN or infinite values.")
    n = len(scores)
    if sample_weight is None:
        w = np.ones(n)
    else:
        w = np.asarray(sample_weight, dtype=np.float64)
        if w.shape != scores.shape:
            raise ValueError(f"sample_weight must have one weight per score ({n}); got "
                             f"shape {w.shape}.")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("sample_weight must be finite and >= 0.")
        top = w.max(initial=0.0)
        w = w / top if top > 0 else w
    budget = alpha * (w.sum() + 1) - 1  # largest total weight allowed below t
    if n == 0 or budget < 0:
        need = _min_positives(alpha)
        raise ValueError(
            f"Conformal risk control at alpha={alpha} needs at least {need} held-out "
            f"positive rows (n >= 1/alpha - 1, in total weight); got {w.sum():.4g}"
            f"{' (weighted)' if sample_weight is not None else ''}. With fewer, only "
            "predicting every row positive keeps the bound.")
    order = np.argsort(scores, kind="stable")
    s, w = scores[order], w[order]
    values, first = np.unique(s, return_index=True)
    below = np.concatenate([[0.0], np.cumsum(w)])[first]  # weight strictly below each value
    return float(values[np.flatnonzero(below <= budget)[-1]])


class RecallControlClassifier(BinaryThresholdClassifier):
    r"""Binary classifier with a bound on the false-negative rate of one class.

    The estimator scores :math:`s(x) = P(y = \text{pos} \mid x)`; held-out
    rows of the positive class (by default the minority class) give the
    threshold :math:`\hat t` of conformal risk control (Angelopoulos et al.,
    ICLR 2024) for the loss :math:`\mathbb 1\{s(x) < t\}`, with the
    finite-sample correction:

    .. math::

        \hat t = \max\Big\{t : \frac{n}{n+1}\hat R_n(t) + \frac{1}{n+1}
        \le \alpha\Big\}, \qquad
        \hat R_n(t) = \frac1n \#\{i : s_i < t\},

    and ``predict`` returns ``pos_label`` when :math:`s(x) \ge \hat t`.
    Then, over the draw of the held-out positives and a new positive row,

    .. math::

        E\big[\mathrm{FNR}\big] =
        P\big(s(X) < \hat t \mid y = \text{pos}\big) \le \alpha,

    for any model and distribution (exchangeable rows). It needs
    :math:`n \ge 1/\alpha - 1` held-out positives (9 for
    :math:`\alpha = 0.1`). ``sample_weight`` gives the weighted,
    non-exchangeable form (Farinhas et al., ICLR 2024, see
    :func:`conformal_recall_threshold`). With ``delta`` set, the threshold
    is the largest one Learn-then-Test certifies instead, through MAPIE's
    ``BinaryClassificationController``: :math:`P(\mathrm{FNR} > \alpha)
    \le \delta`.

    Parameters
    ----------
    estimator : estimator instance
        A classifier with ``fit`` and ``predict_proba`` (a ``Pipeline``,
        :class:`~sklearn.linear_model.LogisticRegression`,
        :class:`~sklearn_losses.WeightedLossClassifier`, ...). It is cloned,
        except with ``cv="prefit"``.
    alpha : float in (0, 1), default=0.1
        The bound on the (expected) false-negative rate of ``pos_label``.
    cv : float, int, cross-validation generator, iterable or "prefit", default=0.5
        Where the held-out positives come from.

        - A float (split conformal risk control): that share of the positive
          rows is held out; the estimator is trained on all other rows and is
          the model that predicts. The guarantee holds exactly.
        - ``"prefit"``: ``estimator`` is fitted already (used as it is); the
          positive rows given to :meth:`fit` are the held-out ones. Exact if
          the estimator never saw them.
        - An int, splitter or iterable: out-of-fold scores of all positive
          rows, then the estimator is refitted on all rows. Uses every row
          for both, but the guarantee is only approximate (the refitted
          model did not score the held-out rows).
    delta : float in (0, 1) or None, default=None
        ``None``: conformal risk control, a bound on the expected FNR.
        A float: Learn-then-Test through MAPIE (the ``decisions`` extra,
        ``pip install "sklearn-losses[decisions]"``), a bound on
        :math:`P(\mathrm{FNR} > \alpha)`; not with ``sample_weight``.
    pos_label : int, float, bool, str or None, default=None
        The class whose false negatives are bounded. ``None``: the minority
        class of ``y`` (the greater label on a tie; with ``cv="prefit"``,
        among the classes present in ``y``, so that ``y`` may hold only
        the held-out positives).
    random_state : int, RandomState instance or None, default=None
        The draw of the held-out positives when ``cv`` is a float.

    Attributes
    ----------
    estimator_ : estimator instance
        The fitted classifier that scores the rows.
    classes_ : ndarray of shape (2,)
        The class labels.
    pos_label_ : object
        The class whose recall is controlled.
    threshold_ : float
        :math:`\hat t`: ``predict`` returns ``pos_label_`` where its
        probability is at least this.
    n_calibration_ : int
        The number of held-out positive rows.
    calibration_risk_ : float
        :math:`\frac{n}{n+1}\hat R_n(\hat t) + \frac{1}{n+1}` (weighted form
        with weights), at most ``alpha``; with ``delta``, the held-out FNR.
    n_features_in_ : int
        Number of features seen by the estimator (when it defines it).
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen by the estimator (when it defines it).

    See Also
    --------
    conformal_recall_threshold : The threshold, as a function.
    NeymanPearsonClassifier : A high-probability cap on the other error.

    Notes
    -----
    What MAPIE (1.6) offers for this job, and why the default does not call
    it: ``mapie.risk_control.MultiLabelClassificationController(risk="recall",
    method="crc")`` applies the same conformal risk control, but to
    multi-label sets, on a fixed grid of thresholds, without weights, and
    with a Python loop over rows and thresholds. The threshold here is exact
    over every distinct score, vectorised and weighted (tests check that
    both pick the same decisions on a common grid).
    ``BinaryClassificationController`` does a different job, Learn-then-Test:
    a high-probability rather than an expected bound, which this class uses
    when ``delta`` is set.

    References
    ----------
    A. N. Angelopoulos, S. Bates, A. Fisch, L. Lei, T. Schuster. "Conformal
    Risk Control". ICLR 2024.

    A. Farinhas, C. Zerva, D. Ulmer, A. F. T. Martins. "Non-Exchangeable
    Conformal Risk Control". ICLR 2024.

    A. N. Angelopoulos, S. Bates, E. J. Candès, M. I. Jordan, L. Lei. "Learn
    then Test: Calibrating Predictive Algorithms to Achieve Risk Control".
    arXiv:2110.01052, 2021.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_losses.decisions import RecallControlClassifier
    >>> X, y = make_classification(2000, weights=[0.9], random_state=0)
    >>> clf = RecallControlClassifier(LogisticRegression(), alpha=0.1,
    ...                               random_state=0).fit(X, y)
    >>> int(clf.pos_label_), clf.n_calibration_   # the minority class, half its rows
    (1, 104)
    """

    #: predict: the positive class where its probability is at least the threshold
    _strict = False

    _uses_sample_weight = True  # the calibration rows' weights

    _parameter_constraints: dict = {
        **BaseDecisionClassifier._parameter_constraints,
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "cv": ["cv_object", StrOptions({"prefit"}),
               Interval(RealNotInt, 0.0, 1.0, closed="neither")],
        "delta": [Interval(Real, 0, 1, closed="neither"), None],
        "pos_label": [Real, str, "boolean", None],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator, alpha=0.1, *, cv=0.5, delta=None, pos_label=None,
                 random_state=None):
        self.estimator = estimator
        self.alpha = alpha
        self.cv = cv
        self.delta = delta
        self.pos_label = pos_label
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the estimator and set the threshold from held-out positives.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training input, passed to the estimator as it is.
        y : array-like of shape (n_samples,)
            Binary class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the held-out positive rows in the risk (Farinhas et
            al.: larger for rows more like the deployment data), divided by
            their maximum. The bound holds for weights fixed before the
            held-out rows are seen: weights computed from the rows (their
            features or scores) keep it only when they are the likelihood
            ratio of the deployment distribution to the training one (the
            covariate-shift weights of Tibshirani et al., 2019); other
            row-dependent weights void it (with no shift at all, weights
            ``Phi(x)`` raised the mean FNR at ``alpha=0.1`` to 0.16). They
            weight the calibration only and do not reach the estimator's
            ``fit``; training weights go through
            ``fit_params`` under the name the estimator's ``fit`` takes (e.g.
            ``logisticregression__sample_weight`` for a pipeline). Under
            metadata routing (``sklearn.set_config(
            enable_metadata_routing=True)``) the tool requests them with
            ``set_fit_request(sample_weight=True)``, and they also reach an
            estimator that requested them.
        **fit_params : dict
            Passed to the estimator's ``fit`` (arrays of length
            ``n_samples`` sliced to the training rows).

        Returns
        -------
        self : RecallControlClassifier
        """
        name = type(self).__name__
        if self.delta is not None:  # before any training, not after it
            _mapie_controller(name)
        self._check_prefit_params(fit_params)
        # under metadata routing the estimator also gets sample_weight when it requests it
        fit_params = self._estimator_fit_params(fit_params, sample_weight=sample_weight)
        X, y, classes, estimator = self._targets(X, y, binary=True)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, y, ensure_non_negative=True)
            if self.delta is not None:
                raise ValueError("sample_weight (weighted conformal risk control) cannot be "
                                 "combined with delta (Learn-then-Test through MAPIE, "
                                 "which takes no weights); set delta=None.")
        pos = _resolve_minority(self.pos_label, classes, y)
        pos_rows = np.flatnonzero(y == pos)
        pos_col = int(np.searchsorted(classes, pos))
        context = ""
        if estimator is not None:
            cal = pos_rows
            if len(cal) == 0:
                raise ValueError(self._too_few(0, pos))
            scores = aligned_proba(estimator, _safe_indexing(X, cal), classes)[:, pos_col]
        elif isinstance(self.cv, Real) and not isinstance(self.cv, Integral):
            if len(pos_rows) < 2:
                raise ValueError(self._too_few(
                    0, pos, f" (y has {len(pos_rows)} positive row; a held-out share "
                    f"cv={self.cv} needs 2, one to train on and one to hold out)"))
            train, cal = holdout_split(y, pos, self.cv, self.random_state)
            estimator = fit_on(self.estimator, X, y, train, fit_params)
            scores = aligned_proba(estimator, _safe_indexing(X, cal), classes)[:, pos_col]
            context = (f" Those rows: cv={self.cv} holds out that share of the "
                       f"{len(pos_rows)} positive rows.")
        else:
            splits = list(resolve_cv(self.cv, y).split(X, y))
            proba, rows, _ = cross_fit_proba(self.estimator, X, y, splits, classes,
                                             fit_params)
            check_held_out_once(rows, name)
            keep = y[rows] == pos
            cal, scores = rows[keep], proba[keep, pos_col]
            estimator = None
        weights = None if sample_weight is None else sample_weight[cal]
        if self.delta is None:
            try:
                threshold = conformal_recall_threshold(scores, self.alpha, weights)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}{context}") from None
            w = np.ones(len(scores)) if weights is None else weights / max(weights.max(), 1e-300)
            risk = (np.sum(w * (scores < threshold)) + 1) / (w.sum() + 1)
        else:
            threshold = _ltt_threshold(scores, self.alpha, self.delta, name)
            risk = float(np.mean(scores < threshold))
        if estimator is None:
            estimator = fit_on(self.estimator, X, y, None, fit_params)
        self._set_fitted_estimator(estimator, classes)
        self.pos_label_ = pos
        self.threshold_ = float(threshold)
        self.n_calibration_ = len(scores)
        self.calibration_risk_ = float(risk)
        return self

    def _too_few(self, n, pos, context=""):
        label = pos.item() if isinstance(pos, np.generic) else pos
        return (f"{type(self).__name__}: conformal risk control at alpha={self.alpha} "
                f"needs at least {_min_positives(self.alpha)} held-out rows of the "
                f"positive class {label!r} (n >= 1/alpha - 1); got {n}{context}.")



def _resolve_minority(pos_label, classes, y):
    if pos_label is not None:
        return classes[pos_label_index(pos_label, classes, binary=False)]
    counts = np.array([np.sum(y == c) for c in classes], dtype=float)
    # the minority class; on a tie, the greater label. A class absent from y (cv="prefit"
    # with only the held-out positives) is not a candidate.
    counts[counts == 0] = np.inf
    return classes[len(classes) - 1 - int(np.argmin(counts[::-1]))]


#: Thresholds Learn-then-Test tests, fixed before seeing the data (as it requires);
#: fixed-sequence testing loses no power to a finer grid, only time.
LTT_GRID = np.linspace(0.0, 1.0, 201)


def _mapie_controller(owner):
    """MAPIE's ``BinaryClassificationController``, or an ImportError naming the extra."""
    try:
        from mapie.risk_control import BinaryClassificationController
    except ImportError as exc:
        raise ImportError(
            f"{owner}(delta=...) uses MAPIE's Learn-then-Test, which is not installed: "
            "pip install 'sklearn-losses[decisions]' (or 'mapie>=1.6'); or set "
            "delta=None for conformal risk control, which needs no extra package."
        ) from exc
    return BinaryClassificationController


def _ltt_threshold(scores, alpha, delta, owner):
    """Largest threshold of :data:`LTT_GRID` that MAPIE's Learn-then-Test certifies."""
    BinaryClassificationController = _mapie_controller(owner)
    scores = np.asarray(scores, dtype=np.float64)

    def predict_function(rows):
        s = scores[np.asarray(rows, dtype=int).ravel()]
        return np.column_stack([1 - s, s])

    controller = BinaryClassificationController(
        predict_function=predict_function, risk="recall", target_level=1 - alpha,
        confidence_level=1 - delta, list_predict_params=LTT_GRID,
        fwer_method="fixed_sequence")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        controller.calibrate(np.arange(len(scores))[:, None], np.ones(len(scores), dtype=int))
    valid = np.asarray(controller.valid_predict_params, dtype=np.float64).ravel()
    if valid.size == 0:
        need = int(np.ceil(np.log(delta) / np.log1p(-alpha)))
        raise ValueError(f"{owner}: Learn-then-Test certifies no threshold for FNR <= "
                         f"{alpha} with probability {1 - delta} from {len(scores)} held-out "
                         f"positives; give more positive rows (at least about {need}: even "
                         f"with none missed, fewer leave (1 - alpha)^n above delta) or raise "
                         "alpha or delta.")
    return float(valid.max())
