r"""A portfolio of network configurations, cross-fitted and combined by ensemble selection.

:class:`~sklearn_losses.LossPortfolioClassifier` cross-fits every configuration of a small
portfolio (losses, re-weightings and architectures of this package, plus any
classifier the user adds) on the same stratified folds, as
:class:`~sklearn_losses.CrossFitClassifier` does for one, and combines them
by greedy forward selection with replacement on their out-of-fold
probabilities (Caruana, Niculescu-Mizil, Crew and Ksikes, ICML 2004):
:func:`ensemble_selection`.

The default portfolio (:func:`default_portfolio`: the default network and its
piecewise-linear-embedding twin, 2 folds, selection on out-of-fold log-loss)
was chosen on the benchmark's "choose" tables.
"""

from __future__ import annotations

import copy
import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._checks import N_JOBS_CONSTRAINT
from ._warnings import SILENT_CATEGORIES, warn_user
from .ensemble.cross_fit import (
    CrossFitClassifier,
    ThresholdPredictMixin,
    check_cross_fit_data,
    inherit_input_tags,
)
from .ensemble.folds import make_folds
from .ensemble.members import (
    MemberFitError,
    fit_members,
    prepare_members,
    reemit_warnings,
    sample_weight_params,
    seeded,
    warn_as,
    warnings_once,
)
from .ensemble.selection import _metric_names, ensemble_selection, resolve_metric
from .ensemble.thresholds import THRESHOLD_METRICS, check_threshold, fit_threshold, temperature_scale
from .decisions._base import aligned_proba

__all__ = ["LossPortfolioClassifier", "default_portfolio", "ensemble_selection"]

#: The default portfolio: name -> WeightedLossClassifier parameters, chosen on the
#: benchmark's "choose" tables (see :func:`default_portfolio`). Cheapest first: under
#: a ``time_limit`` the first configurations are the ones that run.
_DEFAULT_PORTFOLIO = {
    "default": {},
    "piecewise_linear_tree": {"num_embeddings": "piecewise_linear_tree", "n_iter_no_change": 5},
}


def default_portfolio() -> dict:
    """The default configurations of :class:`~sklearn_losses.LossPortfolioClassifier`, by name.

    Each value holds :class:`~sklearn_losses.WeightedLossClassifier`
    parameters (the others at their defaults):

    ========================= =========================================================
    name                      configuration
    ========================= =========================================================
    ``default``               ``WeightedLossClassifier()``: cross-entropy with label
                              smoothing 0.1, ``"inverse_sqrt"`` class weights, AdamW
                              with ``weight_decay=1.0``, numeric columns as they are
                              (scaled)
    ``piecewise_linear_tree`` the same network with piecewise-linear embeddings of the
                              numeric columns on target-aware bins (the splits of a
                              class-balanced decision tree per column:
                              ``num_embeddings="piecewise_linear_tree"``, the PLE-T
                              of Gorishniy et al., NeurIPS 2022), stopping after 5
                              epochs without improvement (``n_iter_no_change=5``)
    ========================= =========================================================

    How they were chosen: on the benchmark's 35 "choose" tables (seed 0,
    stratified 5-fold; the "confirm" tables were not used), against the
    previous default of four configurations (the default network, focal loss
    with class-balanced weights, logit-adjusted cross-entropy, balanced
    cross-entropy without weight decay; 5 folds, selection on AP). The two
    configurations on 3 folds, selected on log-loss, had the higher MCC
    (0.586 against 0.571) and AP (0.701 against 0.692) at less than half the
    fit time (5.8 s against 12.0 s per fold). Then 2 folds against 3 (3
    seeds, same tables): MCC 0.596 against 0.594, AP 0.705 against 0.705,
    at 0.67 times the fit time (each configuration costs 2 fits on half the
    rows and its refit instead of 3 fits on two thirds and its refit). Then
    ``n_iter_no_change=5`` on the piecewise-linear network, which costs about
    three times the default one per epoch and often trained for more epochs
    (3 seeds, same tables): MCC 0.590 against 0.596 (not significant, p
    0.10), AP 0.705 against 0.705, at 0.72 times the fit time; 7 epochs gave
    0.592 / 0.705 at 0.81 times. On the confirm tables (3 seeds) it scored
    MCC 0.626 and AP 0.717 against 0.629 and 0.714 at 0.74 times the fit
    time, with the refitted models alone; with the estimator's
    ``refit_weight=2/3`` (each refit blended with its configuration's
    cross-fitted members) it scores 0.621 and 0.723 (0.722 before the
    out-of-fold temperature of separated rows was fixed at 1), and 0.636 and
    0.723 with the MCC threshold shrunk toward the prior guess
    (``threshold_shrinkage``). Then the piecewise-linear network's bins
    became target-aware (tree bins instead of quantile bins; 3 seeds): on
    choose MCC 0.616 against 0.608 (16 tables up, 6 down; Wilcoxon p 0.033),
    AP 0.709 against 0.709, ROC AUC 0.899 against 0.900; on confirm MCC
    0.640 against 0.636 and AP 0.725 against 0.723 (level table by table:
    5/10/3 and 3/12/3), at 2.6 times balanced CatBoost's fit and predict
    time in the same run (the quantile bins: 2.5 times). The two configurations
    differ in how they see a numeric column: the default network as one
    smooth input, the embeddings as bins (placed where the classes change,
    as a tree's splits are), which suits threshold-like columns where
    gradient boosting does well; in the screening the embeddings gained
    on some such tables (up to +0.11 AP) and lost on small noisy ones, and
    the selection on out-of-fold predictions picks between them per table.
    TabM (8 members) was dropped earlier for its cost.

    Returns
    -------
    configs : dict of str -> dict
        A fresh copy, safe to modify and pass as ``configs=``.
    """
    return copy.deepcopy(_DEFAULT_PORTFOLIO)


# --------------------------------------------------------------- the metric
def _named(value, param):
    """``[(name, item)]`` from a dict or a list of ``(name, item)`` pairs."""
    if value is None:
        return []
    items = list(value.items()) if isinstance(value, dict) else list(value)
    out = []
    for item in items:
        if not (isinstance(item, (tuple, list)) and len(item) == 2
                and isinstance(item[0], str)):
            raise ValueError(f"{param} must be a dict {{name: ...}} or a list of (name, ...) "
                             f"pairs with str names; got the item {item!r}.")
        if not item[0] or "__" in item[0]:
            # as Pipeline's step names: set_params reads "configs__<name>__<param>"
            raise ValueError(f"{param} names must be non-empty and must not contain '__' "
                             f"(set_params reads {param}__<name>__<param>); got {item[0]!r}.")
        out.append(tuple(item))
    return out


def _network(spec):
    """The :class:`~sklearn_losses.WeightedLossClassifier` a configuration dict builds.

    Nested keys (``"loss__gamma"``) are set on a clone, so that a loss instance in
    ``spec`` (the user's) stays as it is.
    """
    from .classifier import WeightedLossClassifier

    est = WeightedLossClassifier(**{k: v for k, v in spec.items() if "__" not in k})
    nested = {k: v for k, v in spec.items() if "__" in k}
    return clone(est).set_params(**nested) if nested else est


def _set_config_params(spec, subs, prefix, name) -> dict:
    """A new configuration dict: ``spec`` with the parameters ``subs`` set. A parameter the
    network does not have is refused now, as a network's own ``set_params`` refuses it
    (not at fit); the rest of ``spec`` is fit's to check."""
    from .classifier import WeightedLossClassifier

    params = set(WeightedLossClassifier._get_param_names())
    for sub in subs:
        if sub.partition("__")[0] not in params:
            raise ValueError(f"{prefix}__{sub}: {sub.partition('__')[0]!r} is not a parameter "
                             f"of WeightedLossClassifier, which configuration {name!r} "
                             "builds.")
    new = {**spec, **subs}
    nested = [sub for sub in subs if "__" in sub]
    if nested and all(k.partition("__")[0] in params for k in new):
        try:  # loss__gamma: a parameter of the loss (or scheme) the configuration names
            _network(new)
        except ValueError as exc:
            raise ValueError(f"{prefix}__{nested[0]}: {exc}") from None
    return new


def _entry_params(spec) -> dict:
    """The parameters of a configuration (a dict: those of the network it builds, the
    dict's own items when they build none) or of an estimator (deep)."""
    if not isinstance(spec, dict):
        if hasattr(spec, "get_params") and not isinstance(spec, type):
            return spec.get_params(deep=True)
        return {}  # not an estimator (a class, say): fit says what is wrong with it
    try:
        return _network(spec).get_params(deep=True)
    except (TypeError, ValueError, AttributeError):
        return dict(spec)  # not a valid configuration: fit says what is wrong with it


def _is_classifier(obj):
    return (not isinstance(obj, type) and hasattr(obj, "fit") and hasattr(obj, "predict_proba")
            and hasattr(obj, "get_params"))


class LossPortfolioClassifier(ThresholdPredictMixin, ClassifierMixin, MetaEstimatorMixin,
                              BaseEstimator):
    r"""A cross-fitted portfolio of networks, combined by ensemble selection.

    Every configuration (``configs``, and ``extra_estimators``) is
    cross-fitted on the same ``n_folds`` stratified folds: one member per
    fold, trained on the other folds, the configuration's temperature fitted
    on its out-of-fold (OOF) probabilities, as
    :class:`~sklearn_losses.CrossFitClassifier` does. The configurations are
    then combined by greedy forward selection with replacement on their
    OOF probabilities (Caruana et al., 2004;
    :func:`~sklearn_losses.portfolio.ensemble_selection`), and the decision
    threshold is tuned on the ensemble's OOF probabilities (``threshold``).
    Every row trains ``n_folds - 1`` members of each configuration and is
    predicted once by each configuration, by a member that did not train on
    it: those predictions fit the temperatures, the ensemble weights and the
    threshold, and no data is set aside. With ``refit`` (the default) each
    selected configuration is then fitted again on every row, and each
    configuration predicts with its refitted model (share ``refit_weight``,
    2/3 by default) and its cross-fitted members' average (the rest), all
    temperature-scaled; ``predict_proba`` is the ``weights_``-weighted mean
    of the configurations' predictions. With ``refit=False`` the members are
    early-stopped on their held-out fold and ``predict_proba`` is the
    weighted mean of the configurations' cross-fitted averages.

    Parameters
    ----------
    configs : dict, list of (str, object) or None, default=None
        The network configurations, by name: each value a dict of
        :class:`~sklearn_losses.WeightedLossClassifier` parameters (the
        others at their defaults; nested ones as in ``set_params``, e.g.
        ``{"loss": "focal", "loss__gamma": 3.0}``) or a classifier instance. None:
        :func:`~sklearn_losses.portfolio.default_portfolio` (2
        configurations of the package's networks: see there how they were
        chosen).
    extra_estimators : dict, list of (str, estimator) or None, default=None
        Any classifiers with ``fit`` and ``predict_proba`` to add as
        candidates (e.g. a gradient-boosting model in a ``Pipeline`` with its
        preprocessing: they get ``X`` as it is), cross-fitted after the
        configurations. A :class:`~sklearn_losses.WeightedLossClassifier`
        is early-stopped on the held-out fold (``eval_set``); others are
        fitted plainly (other libraries' ``eval_set`` take other forms). A
        ``Pipeline`` gets ``sample_weight`` through its last step.
    n_folds : int, default=2
        Folds of the cross-fitting, shared by every configuration (at least
        2). Each configuration costs ``n_folds`` fits on ``1 - 1/n_folds``
        of the rows (plus its refit): with 2 folds, as much as 2 fits on
        every row, against 3 with 3 folds. On the benchmark's choose tables
        2 folds scored as 3 did (MCC 0.596 against 0.594, AP 0.705 against
        0.705, 3 seeds) at 0.67 times the fit time (see
        :func:`~sklearn_losses.portfolio.default_portfolio`). More folds
        train the out-of-fold members on more rows, closer to the refitted
        models, at more cost.
    metric : str or callable, default="log_loss"
        What the ensemble selection optimises on the OOF probabilities and
        the leaderboard reports. The default, log-loss (minimised), judges
        every row's probability; average precision, which the selection of
        Caruana et al. would often use, hangs on the ranks of the few
        positive rows of an imbalanced table (10 to 50 out of fold on small
        tables) and overfits them: on the benchmark's choose tables the
        log-loss selection had the higher MCC (0.586 against 0.578) and AP
        (0.701 against 0.698) with the default portfolio. A name of
        :func:`~sklearn_losses.metrics.available_metrics`
        (``"average_precision"``, ``"roc_auc"``, ``"log_loss"`` (minimised),
        ``"brier"``, ``"matthews_corrcoef"``, ``"f1"``...) or of the
        package's scorers (``"neg_log_loss"``...). Binary AP and F1 measure
        the minority class; on multiclass data the default is the macro
        average of the one-vs-rest APs (and ROC AUC is one-vs-rest).
        Label metrics (F1, MCC, ...) score the most probable class. A
        callable ``metric(y_true, proba) -> float`` (labels as given to
        ``fit``, ``proba`` with one column per class of ``classes_``; it is
        called with ``sample_weight=`` when weights are given) is maximised:
        negate a loss.
    max_ensemble_size : int, default=25
        Greedy steps of the selection (Caruana et al. use a few dozen):
        a bound on the number of picks, and the resolution of the weights
        (multiples of ``1 / picks``).
    time_limit : float or None, default=None
        Seconds. Once ``time_limit`` seconds have passed since ``fit``
        started, no further member fit starts; fits in progress finish.
        So ``fit`` returns within ``time_limit`` plus the longest single
        member fit (one fold of one configuration; with ``n_jobs`` > 1 the
        fits in flight run side by side) plus the time to predict the
        held-out folds and select the ensemble (and, with ``refit``, the
        refits that started before the limit: no refit starts after it, and a
        selected configuration left without one is predicted by its
        cross-fitted members). A configuration whose folds did not all run is
        left out (``status`` "time limit" in the leaderboard). Exception:
        the first configuration always runs all its folds, so that there is
        a model; when it alone takes longer than
        ``time_limit``, ``fit`` takes that long. When it fails, the next
        configuration the limit left out runs in its place, and so on. Configurations run in order,
        so the cheapest should come first (the default portfolio does).
    threshold : str, float or None, default="matthews_corrcoef"
        Decision rule of :meth:`predict` for binary ``y``. A metric name
        (``"matthews_corrcoef"``, ``"f1"``, ``"balanced_accuracy"``,
        ``"gmean"``, ``"accuracy"``): the threshold on the ensemble's
        probability of ``classes_[1]`` that maximises the metric on the
        ensemble's OOF probabilities, bagged over ``threshold_bootstrap``
        resamples (:func:`~sklearn_losses.ensemble.tune_threshold`; the same rows chose
        the weights, so the threshold shares their optimism). A float in
        (0, 1): that threshold. None: the most probable class. On multiclass
        ``y`` a metric name (the default too) is ignored and ``predict`` is
        the most probable class; a float is refused. The default tunes the
        decision because the calibrated probabilities of an imbalanced
        problem rarely reach 0.5 for the minority class: the most probable
        class is a poor decision there (on the benchmark's choose tables,
        tuning the threshold for MCC raised the cross-fitted default
        network's MCC from 0.531 to 0.551, seed 0). So ``predict`` is not
        the argmax of ``predict_proba`` unless ``threshold=None``.
    threshold_bootstrap : int, default=50
        With a metric name for ``threshold``: the threshold is bagged, the
        median of the thresholds tuned on this many bootstrap resamples of
        the out-of-fold rows (drawn with a fixed seed;
        :func:`~sklearn_losses.ensemble.tune_threshold`). The best cut point
        of a metric over a few dozen positive rows is noisy, and the median
        over resamples is steadier. 0 tunes it once on the out-of-fold rows
        (``threshold_score_`` is then the best OOF score of any threshold
        when ``threshold_shrinkage`` is 0 too).
        On the benchmark's 35 choose tables (3 seeds, the default portfolio)
        50 resamples raised MCC from 0.588 to 0.598 (9 tables up, 25 level,
        1 down; Wilcoxon p 0.007); on the 18 confirm tables it was level
        (0.621 against 0.621). AP and ROC AUC do not depend on it.
    threshold_shrinkage : "auto" or float, default="auto"
        With a metric name for ``threshold``: the tuned (bagged) threshold is
        pulled, in log-odds, toward the guess ``logit(pi) / 2`` (``pi`` the
        share of ``classes_[1]``: the midpoint between the class prior and
        0.5), as if the guess had this many rows of the rare class behind
        it against the rare class's own rows
        (:func:`~sklearn_losses.ensemble.shrink_threshold`). So on a table
        of 10 positives the guess weighs twice the data, and on one of 1,000
        the tuned threshold barely moves. ``"auto"``: 20 for
        ``"matthews_corrcoef"``, 0 (no shrinkage) for the other metrics,
        whose best thresholds lie elsewhere (balanced accuracy and G-mean
        at the prior, accuracy at 0.5). 0: the tuned threshold as it is;
        ``np.inf``: the guess alone. On
        the benchmark's 35 choose tables (3 seeds, the default portfolio)
        20 raised MCC from 0.597 to 0.608 (13 tables up by more than 0.01,
        4 down, p 0.011; one of 17 rules computed from the same fits: 10
        and 40 gave 0.608 and 0.607, the guess alone 0.594); on the 18
        confirm tables from 0.621 to 0.636 (7 up, none down, p 0.001).
    refit : bool, default=True
        True: the members are fitted on their training folds with their own
        stopping rule (no ``eval_set``: the held-out fold only gives the OOF
        predictions), and once the weights are chosen every configuration of
        positive weight is fitted again on all the rows, the same way;
        :meth:`predict_proba` mixes these refitted models (each
        temperature-scaled with its configuration's OOF temperature, and
        blended with the configuration's cross-fitted members by
        ``refit_weight``) with the selected weights. So the OOF predictions
        that choose the weights, temperatures and threshold come from models
        trained as the final ones are, on ``1 - 1/n_folds`` of the rows (the
        "refit full" of AutoGluon, Erickson et al., 2020). False: the members
        are early-stopped on their held-out fold (``fit(..., eval_set=...)``)
        and :meth:`predict_proba` averages them, as
        :class:`~sklearn_losses.CrossFitClassifier` does; no refit, and the
        members are the final models, each trained on ``1 - 1/n_folds`` of the
        rows: raise ``n_folds`` (5, say) with it, or the default 2 folds leave
        each member half the data. On the benchmark's 35 choose tables (seed 0)
        the refitted portfolio had the higher MCC (0.571 against 0.550) and AP
        (0.692 against 0.688), at about twice the fit time; see the
        Cross-fitted ensembles page of the docs. A refit that raises is
        reported with a warning and the configuration's cross-fitted members
        predict instead.
    refit_weight : float in [0, 1], default=2/3
        With ``refit``: a configuration's prediction is ``refit_weight`` times
        its refitted model's probabilities plus ``1 - refit_weight`` times its
        cross-fitted members' average (the
        :class:`~sklearn_losses.CrossFitClassifier` prediction, with the same
        temperature). The members are fitted anyway for the out-of-fold
        predictions, so averaging them in costs no training, only their
        predictions: a bag of ``n_folds + 1`` networks instead of one. 1.0: the
        refitted model alone; 0.0: the members alone (the refit is then
        wasted). Ignored with ``refit=False``. On the benchmark's 35 choose
        tables (3 seeds) 2/3 raised the default portfolio's AP from 0.705 to
        0.709 (6 tables up, 3 down; Wilcoxon p 0.05) and its ROC AUC from 0.896
        to 0.900 (7 up, none down; p 0.001), MCC 0.588 against 0.590 (p 0.7);
        1/2 gave the same AP and AUC with MCC 0.583. On the 18 confirm
        tables: AP 0.722 against 0.717 (4 up, none down; p 0.009), ROC AUC
        0.910 against 0.906, MCC 0.621 against 0.626 (p 0.5).
    n_jobs : int or None, default=None
        Member fits run in parallel by joblib (processes), every fold of
        every configuration; each member's ``n_jobs`` left at None becomes 1
        (one torch thread per worker). None or 1: in order, here.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds and, when not None, every ``random_state`` parameter
        of each member (a different seed per member).

    Attributes
    ----------
    refitted_ : dict of str -> estimator
        With ``refit``: the configurations of positive weight refitted on
        every row (those whose refit started before ``time_limit``), by
        name; :meth:`predict_proba` uses them (with ``refit_weight_``). Empty
        with ``refit=False``.
    refit_weight_ : float
        The ``refit_weight`` fitted with (0 when nothing was refitted):
        a later ``set_params(refit_weight=...)`` takes effect at the next
        :meth:`fit`, as every parameter does.
    members_ : dict of str -> CrossFitClassifier
        The configurations that were fitted on every fold (failed and
        timed-out ones are not here), in portfolio order, each a fitted
        :class:`~sklearn_losses.CrossFitClassifier` (its ``estimators_``, OOF
        probabilities and temperature).
    weights_ : ndarray of shape (n_members,)
        The ensemble weight of each of ``members_`` (in its order), summing
        to 1; most are often 0.
    oof_proba_ : ndarray of shape (n_samples, n_classes)
        The ensemble's OOF probabilities: the ``weights_``-weighted mean of
        the members' ``oof_proba_``.
    oof_score_ : float
        ``metric`` of ``oof_proba_``. Optimistic: the weights were chosen on
        these rows; measure the model on held-out data.
    leaderboard_ : pandas.DataFrame
        One row per candidate, best OOF score first (those not fitted last):
        ``member`` (name), ``oof_score`` (``metric`` of its OOF
        probabilities as the metric reports it: for the default
        ``"log_loss"`` lower is better, for ``"average_precision"`` higher;
        the rows are sorted best first either way; NaN when not fitted),
        ``weight`` (its ensemble
        weight), ``fit_s`` (seconds of its member fits, summed), ``refit_s``
        (seconds of its refit on every row; NaN when not refitted), ``n_fits``
        (folds fitted) and ``status`` (``"ok"``, ``"time limit"``, or
        ``"failed: <error>"``).
    selection_scores_ : ndarray of shape (max_ensemble_size,)
        The ensemble's OOF score after each greedy step.
    threshold_ : float or None
        Threshold on the probability of ``classes_[1]`` (binary): ``predict``
        returns ``classes_[1]`` where it is reached. None when ``predict``
        is the argmax (``threshold=None``).
    threshold_score_ : float or None
        The OOF score of ``threshold_`` (after ``threshold_shrinkage``;
        None unless ``threshold`` names a metric).
    fold_ : ndarray of int of shape (n_samples,)
        The fold of each training row.
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        As the members record it.
    feature_names_in_ : ndarray of str
        As the members record it (DataFrames with string column names).

    See Also
    --------
    sklearn_losses.CrossFitClassifier : One configuration, cross-fitted.
    sklearn_losses.compare.cross_validate_configs : Comparing configurations by CV.

    Notes
    -----
    A configuration whose parameters are wrong in themselves (a name that is
    not a parameter, a loss or re-weighting name that is not registered, a
    value out of range) is an error of ``fit`` before anything is trained. A
    candidate that fails (raises in its ``fit``) is left out with a warning;
    when every candidate fails, the first error is raised. Warnings of the
    member fits are shown once each, with the number of fits that raised
    them.

    The default portfolio costs 2 configurations times ``n_folds`` network
    fits on ``1 - 1/n_folds`` of the rows, plus one fit on all the rows per
    selected configuration (``refit``); the piecewise-linear embeddings make
    their network several times slower than the default one on tables of
    many numeric columns. Bound it with ``time_limit`` and ``n_jobs``.

    References
    ----------
    R. Caruana, A. Niculescu-Mizil, G. Crew, A. Ksikes. "Ensemble Selection
    from Libraries of Models". ICML 2004.

    N. Erickson, J. Mueller, A. Shirkov, H. Zhang, P. Larroy, M. Li,
    A. Smola. "AutoGluon-Tabular: Robust and Accurate AutoML for Structured
    Data". arXiv:2003.06505, 2020.

    Y. Gorishniy, I. Rubachev, A. Babenko. "On Embeddings for Numerical
    Features in Tabular Deep Learning". NeurIPS 2022.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_losses import LossPortfolioClassifier
    >>> X, y = make_classification(300, weights=[0.9], random_state=0)
    >>> fast = dict(hidden_layer_sizes=(16,), max_epochs=30, n_jobs=1)
    >>> clf = LossPortfolioClassifier(
    ...     configs={"ce": fast, "focal": dict(fast, loss="focal")},
    ...     extra_estimators={"logreg": LogisticRegression()},
    ...     n_folds=3, random_state=0).fit(X, y)
    >>> list(clf.leaderboard_.columns)
    ['member', 'oof_score', 'weight', 'fit_s', 'refit_s', 'n_fits', 'status']
    >>> float(clf.weights_.sum())
    1.0
    """

    _parameter_constraints: dict = {
        "configs": [None, dict, list],
        "extra_estimators": [None, dict, list],
        "n_folds": [Interval(Integral, 2, None, closed="left")],
        "metric": [StrOptions(set(_metric_names())), callable],
        "max_ensemble_size": [Interval(Integral, 1, None, closed="left")],
        "time_limit": [None, Interval(Real, 0, None, closed="neither")],
        "threshold": [None, StrOptions(set(THRESHOLD_METRICS)),
                      Interval(Real, 0, 1, closed="neither")],
        "refit": ["boolean"],
        "refit_weight": [Interval(Real, 0, 1, closed="both")],
        "threshold_bootstrap": [Interval(Integral, 0, None, closed="left")],
        "threshold_shrinkage": [StrOptions({"auto"}), Interval(Real, 0, None, closed="both")],
        "n_jobs": N_JOBS_CONSTRAINT,
        "random_state": ["random_state"],
    }

    def __init__(self, configs=None, extra_estimators=None, *, n_folds=2,
                 metric="log_loss", max_ensemble_size=25, time_limit=None,
                 threshold="matthews_corrcoef", threshold_bootstrap=50,
                 threshold_shrinkage="auto", refit=True, refit_weight=2 / 3, n_jobs=None,
                 random_state=None):
        self.configs = configs
        self.extra_estimators = extra_estimators
        self.n_folds = n_folds
        self.metric = metric
        self.max_ensemble_size = max_ensemble_size
        self.time_limit = time_limit
        self.threshold = threshold
        self.threshold_bootstrap = threshold_bootstrap
        self.threshold_shrinkage = threshold_shrinkage
        self.refit = refit
        self.refit_weight = refit_weight
        self.n_jobs = n_jobs
        self.random_state = random_state

    def get_params(self, deep=True):
        """The parameters; with ``deep``, also those of each configuration and extra estimator.

        ``configs__<name>`` is the entry (a dict of parameters or a classifier)
        and ``configs__<name>__<param>`` each parameter of the network it
        builds (the configurations of the default portfolio when ``configs``
        is None), ``extra_estimators__<name>__<param>`` those of an extra
        estimator: the keys :meth:`set_params` and a grid search take.

        Returns
        -------
        params : dict
        """
        params = super().get_params(deep=False)
        if not deep:
            return params
        for field in ("configs", "extra_estimators"):
            current = params[field]
            if field == "configs" and current is None:
                current = default_portfolio()
            try:
                entries = _named(current, field)
            except (TypeError, ValueError):
                continue  # an invalid value: fit says what is wrong with it
            for name, spec in entries:
                params[f"{field}__{name}"] = spec
                params.update({f"{field}__{name}__{k}": v
                               for k, v in _entry_params(spec).items()})
        return params

    def set_params(self, **params):
        """Set the parameters, also one parameter of one configuration or extra estimator.

        ``configs__<name>__<param>`` sets a parameter of the configuration
        ``<name>`` (of the default portfolio when ``configs`` is None), and
        ``extra_estimators__<name>__<param>`` one of that extra estimator, so
        that a grid search can tune them; ``configs__<name>`` replaces the
        whole entry. A new ``configs`` or ``extra_estimators`` dict is built:
        the dicts and estimators given are not changed.

        Returns
        -------
        self : LossPortfolioClassifier
        """
        nested = {k: v for k, v in params.items()
                  if k.startswith(("configs__", "extra_estimators__"))}
        rest = {k: v for k, v in params.items() if k not in nested}
        if rest:  # the parents first (configs=...), then their entries, as scikit-learn does
            super().set_params(**rest)
        # each entry's keys together, so that their order does not matter (loss__gamma
        # before loss), as for an estimator's own set_params
        grouped = {}
        for key, value in nested.items():
            field, _, rest = key.partition("__")
            name, _, sub = rest.partition("__")
            grouped.setdefault((field, name), {})[sub] = value
        for (field, name), subs in grouped.items():
            current = getattr(self, field)
            if field == "configs" and current is None:
                current = default_portfolio()
            entries = dict(_named(current, field))
            if name not in entries:
                raise ValueError(f"{field}__{name}: {field} has no entry {name!r}; its entries "
                                 f"are {sorted(entries)}.")
            entry = subs.pop("", entries[name])  # configs__<name>: the whole entry, first
            if not subs:
                entries[name] = entry
            elif isinstance(entry, dict):  # a configuration's parameters
                entries[name] = _set_config_params(entry, subs, f"{field}__{name}", name)
            else:
                entries[name] = clone(entry).set_params(**subs)
            setattr(self, field, entries)
        return self

    def _candidates(self):
        """``[(name, unfitted estimator)]``: the configurations, then the extra estimators."""
        from .classifier import WeightedLossClassifier

        configs = default_portfolio() if self.configs is None else self.configs
        params = set(WeightedLossClassifier._get_param_names())
        out = []
        for name, spec in _named(configs, "configs"):
            if isinstance(spec, dict):
                unknown = sorted(k for k in spec if k.partition("__")[0] not in params)
                if unknown:
                    raise ValueError(f"configs[{name!r}] sets {unknown}, which are not "
                                     "parameters of WeightedLossClassifier.")
                try:
                    spec = _network(spec)
                    # what a network can tell before any fit (a misspelt loss or scheme
                    # name, a value out of range): now, not as a warning after the others
                    spec._check_params()
                except (ValueError, AttributeError, TypeError) as exc:
                    # e.g. "max_epochs__x": a nested key under a parameter that has none
                    raise ValueError(f"configs[{name!r}]: {exc}") from exc
            elif not _is_classifier(spec):
                raise ValueError(f"configs[{name!r}] must be a dict of WeightedLossClassifier "
                                 f"parameters or a classifier with fit and predict_proba; got "
                                 f"{type(spec).__name__}.")
            out.append((name, spec))
        for name, est in _named(self.extra_estimators, "extra_estimators"):
            if not _is_classifier(est):
                raise ValueError(f"extra_estimators[{name!r}] must be a classifier with fit and "
                                 f"predict_proba; got {type(est).__name__}.")
            out.append((name, est))
        names = [name for name, _ in out]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"The candidate names must be unique across configs and "
                             f"extra_estimators; {repeated} repeat.")
        if not out:
            raise ValueError("The portfolio is empty: give configs (None for the default "
                             "portfolio) or extra_estimators.")
        return out

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Cross-fit every candidate on the same folds and select the ensemble.

        Parameters
        ----------
        X : DataFrame, array-like or sparse matrix of shape (n_samples, n_features)
            Passed to the members as it is (a raw table for the package's
            networks).
        y : array-like of shape (n_samples,)
            Class labels (strings too); every class needs at least 2 rows.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to each member's ``fit`` and ``eval_set``, and weighting
            the temperatures and the metric of the selection. Under metadata
            routing, an extra estimator told
            ``set_fit_request(sample_weight=False)`` trains unweighted.

        Returns
        -------
        self : LossPortfolioClassifier
        """
        start = time.time()
        owner = type(self).__name__
        candidates = self._candidates()
        n_configs = len(candidates) - len(_named(self.extra_estimators, "extra_estimators"))
        X, y, classes, y_enc, sample_weight = check_cross_fit_data(
            X, y, sample_weight, owner=owner)
        # a metric name tunes a binary threshold; on multiclass y the default falls back
        # to the argmax, a fixed float is refused
        threshold = None if isinstance(self.threshold, str) and len(classes) != 2 \
            else self.threshold
        check_threshold(threshold, classes)
        value, sign = resolve_metric(self.metric, classes)
        rng = check_random_state(self.random_state)
        fold = make_folds(y, self.n_folds, rng, owner=owner, sample_weight=sample_weight)
        from joblib import effective_n_jobs

        parallel = effective_n_jobs(self.n_jobs) > 1
        tasks, owners = [], []
        for c, (_, estimator) in enumerate(candidates):
            try:
                members = prepare_members(estimator, self.n_folds, rng, parallel=parallel,
                                          seed=self.random_state is not None)
            except Exception as exc:  # noqa: BLE001 - e.g. an extra estimator clone refuses
                if c < n_configs:
                    raise
                # left out like a candidate whose fit raises: its fits report the error
                members = [_Unclonable(exc)] * self.n_folds
            tasks += [(m, f, c == 0) for f, m in enumerate(members)]
            owners += [c] * self.n_folds
        deadline = None if self.time_limit is None else start + float(self.time_limit)
        fits = fit_members(tasks, X, y, sample_weight, fold, classes, n_jobs=self.n_jobs,
                           deadline=deadline, capture_errors=True, eval_set=not self.refit)
        # the first configuration runs past the time limit so that there is a model; when it
        # failed, the next one the limit skipped takes its place, until one has every fold
        by_candidate = [[i for i, o in enumerate(owners) if o == c]
                        for c in range(len(candidates))]
        while not any(all(fits[i].member is not None for i in own) for own in by_candidate):
            waiting = next((own for own in by_candidate if any(fits[i].skipped for i in own)),
                           None)
            if waiting is None:
                break
            waiting = [i for i in waiting if fits[i].skipped]
            again = fit_members([(tasks[i][0], tasks[i][1], True) for i in waiting], X, y,
                                sample_weight, fold, classes, n_jobs=self.n_jobs,
                                capture_errors=True, eval_set=not self.refit)
            for i, fit in zip(waiting, again):
                fits[i] = fit
        fitted = [f for f in fits if f.member is not None]
        reemit_warnings(fitted, len(fitted))
        rows, members, first_error = [], {}, None
        for c, (name, estimator) in enumerate(candidates):
            own = [fits[i] for i in range(len(fits)) if owners[i] == c]
            done = [f for f in own if f.member is not None]
            errors = [f.error for f in own if f.error is not None]
            row = {"member": name, "oof_score": np.nan, "weight": 0.0,
                   "fit_s": float(sum(f.fit_s for f in done)), "n_fits": len(done)}
            if errors:
                first_error = first_error or errors[0]
                row["status"] = f"failed: {_first_line(errors[0])}"
                hint = ""
                if (c >= n_configs and _raw_table(X) and _may_need_encoding(estimator)
                        and isinstance(errors[0], (ValueError, TypeError))):
                    hint = (" (extra estimators receive X as it is, a table with non-numeric "
                            "columns here: give this one its preprocessing, e.g. "
                            f"sklearn_losses.compare.make_model(extra_estimators[{name!r}], "
                            "X))")
                warn_user(f"{owner}: {name!r} failed and is left out of the portfolio: "
                          f"{_first_line(errors[0])}{hint}", UserWarning)
            elif len(done) < len(own):
                row["status"] = "time limit"
            else:
                cross = CrossFitClassifier(estimator, self.n_folds, calibration="temperature",
                                           random_state=self.random_state)
                members[name] = cross._set_fitted(own, fold, classes, y_enc, sample_weight)
                row["oof_score"] = value(y_enc, cross.oof_proba_, sample_weight)
                row["status"] = "ok"
            rows.append(row)
        if not members:
            raise first_error if first_error is not None else RuntimeError(
                f"{owner}: no candidate was fitted on every fold.")
        self._select(members, rows, y_enc, sample_weight, classes, value, sign)
        shrinkage = self.threshold_shrinkage
        if shrinkage == "auto":
            shrinkage = 20.0 if threshold == "matthews_corrcoef" else 0.0
        self.threshold_, self.threshold_score_ = fit_threshold(
            threshold, self.oof_proba_, y_enc, sample_weight, self.threshold_bootstrap,
            shrinkage=float(shrinkage))
        self.refitted_ = self._refit(dict(candidates), X, y, sample_weight, rng,
                                     {w for f in fitted for w in f.warnings}, deadline)
        # what predict_proba blends with, as fitted (set_params afterwards changes no fit)
        self.refit_weight_ = float(self.refit_weight) if self.refitted_ else 0.0
        self.fold_ = fold
        self.classes_ = classes
        first = next(iter(members.values()))
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(first, name):
                setattr(self, name, getattr(first, name))
            elif name in vars(self):
                delattr(self, name)
        return self

    def _refit(self, candidates, X, y, sample_weight, rng, seen_warnings, deadline):
        """``{name: estimator}``: each selected configuration fitted on every row (``refit``).

        No refit starts after ``deadline`` (the configuration keeps its
        cross-fitted members). Warnings the member fits already reported are
        not repeated; the leaderboard gets each refit's seconds.
        """
        if not self.refit:
            return {}
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(self.members_))
        refitted, seconds = {}, {}
        for (name, w), s in zip(zip(self.members_, self.weights_), seeds):
            if w <= 0 or (deadline is not None and time.time() > deadline):
                continue
            estimator = clone(candidates[name])
            if self.random_state is not None:
                estimator = seeded(estimator, s)
            kwargs = sample_weight_params(estimator, sample_weight)  # checked by the member fits
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                start = time.perf_counter()
                try:
                    refitted[name] = estimator.fit(X, y, **kwargs)
                    seconds[name] = time.perf_counter() - start
                except Exception as exc:  # noqa: BLE001 - its cross-fitted members stand in
                    error = exc
                else:
                    error = None
            for category, message in dict.fromkeys((w_.category, str(w_.message))
                                                   for w_ in caught):
                if (category, message) not in seen_warnings and not issubclass(
                        category, SILENT_CATEGORIES):
                    warn_as(message, category)
            if error is not None:
                warn_user(f"{type(self).__name__}: refitting {name!r} on every row failed "
                          f"({_first_line(error)}); its cross-fitted members predict "
                          "instead.", UserWarning)
        self.leaderboard_["refit_s"] = self.leaderboard_["member"].map(seconds).astype(float)
        return refitted

    def _select(self, members, rows, y_enc, sample_weight, classes, value, sign):
        """Ensemble selection on the members' OOF probabilities; the leaderboard."""
        import pandas as pd

        names = list(members)
        probas = np.stack([members[n].oof_proba_ for n in names])
        weights, _, scores = ensemble_selection(
            probas, y_enc, self.metric, max_ensemble_size=self.max_ensemble_size,
            sample_weight=sample_weight, classes=classes)
        self.members_ = members
        self.weights_ = weights
        self.oof_proba_ = np.tensordot(weights, probas, axes=1)
        self.oof_score_ = float(value(y_enc, self.oof_proba_, sample_weight))
        self.selection_scores_ = scores
        by_name = dict(zip(names, weights))
        for row in rows:
            row["weight"] = float(by_name.get(row["member"], 0.0))
        board = pd.DataFrame(rows, columns=["member", "oof_score", "weight", "fit_s",
                                            "refit_s", "n_fits", "status"])
        key = -sign * board["oof_score"].to_numpy()
        order = np.lexsort((np.arange(len(board)), np.where(np.isnan(key), np.inf, key)))
        self.leaderboard_ = board.iloc[order].reset_index(drop=True)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "members_")

    def predict_proba(self, X):
        """The ``weights_``-weighted mean of the configurations' probabilities.

        A refitted configuration predicts ``refit_weight`` times its refitted
        model's probabilities plus ``1 - refit_weight`` times its
        cross-fitted members' average, both scaled by the configuration's
        OOF temperature; the others predict by their members' average.

        Parameters
        ----------
        X : DataFrame, array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in ``classes_`` order. Only members of positive weight
            are evaluated.
        """
        check_is_fitted(self)
        with warnings_once():  # the configurations warn alike about the same rows
            return self._weighted_proba(X)

    def _weighted_proba(self, X):
        total = None
        for (name, member), w in zip(self.members_.items(), self.weights_):
            if w <= 0:
                continue
            if name in self.refitted_:  # the member's OOF temperature, on the refitted model
                share = float(getattr(self, "refit_weight_", self.refit_weight))  # older pickles
                proba = 0.0 if share == 0 else share * temperature_scale(
                    aligned_proba(self.refitted_[name], X, self.classes_), member.temperature_)
                if share < 1:
                    proba = proba + (1 - share) * member.predict_proba(X)
            else:
                proba = member.predict_proba(X)
            total = w * proba if total is None else total + w * proba
        return total

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            estimators = [est for _, est in self._candidates()]
        except Exception:  # noqa: BLE001 - invalid candidates: fit reports them; tags never fail
            estimators = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # input one candidate cannot take makes it fail: it is left out, the others fit
            inherit_input_tags(tags, estimators, any_of=True)
        if isinstance(self.threshold, Real) and not isinstance(self.threshold, bool):
            tags.classifier_tags.multi_class = False  # a probability threshold: binary only
        if self.time_limit is not None:  # which members fit depends on the clock
            tags.non_deterministic = True
        return tags


def _raw_table(X) -> bool:
    """Whether ``X`` is a DataFrame with a column the column rule does not read as numbers."""
    import pandas as pd

    from .columns import NUMERIC, column_kinds

    if not isinstance(X, pd.DataFrame):
        return False
    try:
        return any(kind != NUMERIC for kind in column_kinds(X))
    except ValueError:
        return True  # a column of a kind the rule refuses: not a numeric table either


class _Unclonable:
    """Stands for an extra estimator that could not be cloned: its fit raises that error, so
    the candidate is left out with it as a failed fit is."""

    def __init__(self, error):
        self.error = error

    def fit(self, X, y, **params):
        raise self.error


def _may_need_encoding(estimator) -> bool:
    """Whether an extra estimator that failed on a raw table may lack its preprocessing: it
    neither encodes tables itself nor is a ``Pipeline`` (``compare.make_model`` or the
    user's own, whose first steps encode)."""
    from sklearn.pipeline import Pipeline

    from .compare import takes_raw_tables

    return not isinstance(estimator, Pipeline) and not takes_raw_tables(estimator)


def _first_line(exc) -> str:
    if isinstance(exc, MemberFitError):  # an exception that could not be pickled back
        name, text = exc.type_name, str(exc.args[0]).strip()
    else:
        name, text = type(exc).__name__, str(exc).strip()
    return f"{name}: {text.splitlines()[0]}" if text else name
