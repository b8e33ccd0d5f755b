"""Search recipes: ready parameter grids over losses and re-weighting schemes.

Which loss wins depends on the data, so the package's answer to "which loss
should I use?" is a cross-validated search over a short list of candidates
that work well across the benchmark tables (docs: benchmarks). The grids are
plain lists of dicts for :class:`~sklearn.model_selection.GridSearchCV`;
:func:`make_loss_search` wraps one in a ready ``GridSearchCV``.

>>> from sklearn_losses.search import loss_search_grid
>>> [sorted(g) for g in loss_search_grid("imbalance")][:1]
[['loss', 'reweight']]
"""

from __future__ import annotations

import copy
from numbers import Integral

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.utils.multiclass import type_of_target

from ._warnings import warn_user
from .losses.base import get_loss

__all__ = ["SEARCH_PROBLEMS", "ClassCoveringKFold", "loss_search_grid", "make_loss_search"]


class ClassCoveringKFold(StratifiedKFold):
    """``StratifiedKFold`` with no more folds than the smallest class has rows.

    With a rare class, ``StratifiedKFold(n_splits)`` leaves some test folds
    without it once the class has fewer rows than ``n_splits`` (scikit-learn
    only warns), and a scorer of that fold has nothing to measure: average
    precision without a positive, ROC AUC of one class. This splitter lowers
    the number of folds to the smallest class count for that ``y`` (with a
    warning), so that every test fold holds every class.

    Parameters
    ----------
    n_splits : int, default=5
        The most folds; at least 2.
    shuffle, random_state
        As in ``StratifiedKFold``.

    Raises
    ------
    ValueError
        From ``split`` when a class of ``y`` has a single row: no two test
        folds can both hold it.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0] * 10 + [1] * 2)
    >>> ClassCoveringKFold(3).get_n_splits(y=y)
    2
    """

    def _n_splits_for(self, counts):
        return min(self.n_splits, int(counts.min())) if counts.size else self.n_splits

    def get_n_splits(self, X=None, y=None, groups=None):
        """The number of folds for ``y`` (``n_splits`` without ``y``)."""
        if y is None:
            return self.n_splits
        return self._n_splits_for(np.unique(np.asarray(y), return_counts=True)[1])

    def split(self, X, y, groups=None):
        """Stratified folds of ``y``, each test fold holding every class."""
        if type_of_target(y) not in ("binary", "multiclass"):
            return super().split(X, y, groups)  # StratifiedKFold's own error
        classes, counts = np.unique(np.asarray(y), return_counts=True)
        n = self._n_splits_for(counts)
        if n < 2:
            single = classes[counts < 2].tolist()
            raise ValueError(f"Cannot cross-validate: the class(es) {single} have a single row, "
                             "so at most one test fold could hold them. Give more rows of "
                             "each class.")
        if n < self.n_splits:
            warn_user(f"The smallest class has {n} rows: cross-validating on {n} folds "
                      f"instead of {self.n_splits}, so that every test fold holds every "
                      "class.")
        # a copy, not a new StratifiedKFold: a meta-estimator may have set random_state
        # without shuffle (StackingClassifier does), which the constructor's check refuses
        fewer = copy.copy(self)
        fewer.n_splits = n
        return StratifiedKFold.split(fewer, X, y, groups)


def _imbalance():
    # Each candidate makes a prior-aware decision at 0.5 (one correction of
    # the class prior, never two): re-weighting, logit adjustment or
    # class-balanced focal. Cross-entropy without correction is kept as the
    # reference for balanced problems; the estimator's defaults (label-smoothed
    # cross-entropy, inverse_sqrt weights) are a candidate too.
    return [
        {"loss": ["auto"], "reweight": ["inverse_sqrt"]},
        {"loss": ["cross_entropy"], "reweight": [None, "balanced", "inverse_sqrt"]},
        {"loss": ["logit_adjusted"], "reweight": [None]},
        {"loss": [get_loss("focal", gamma=1.0)], "reweight": ["class_balanced"]},
        {"loss": ["poly1"], "reweight": ["balanced"]},
    ]


def _noise():
    # Noise-robust losses (bounded gradients; docs/design.rst, section "Imbalance and label
    # noise"), each with and without balanced re-weighting, since bounded losses underfit
    # rare classes.
    return [
        {"loss": ["cross_entropy", "sce", "nce_rce", get_loss("comp_sum", tau=1.5),
                  get_loss("logit_clip", loss="cross_entropy", delta=2.0)],
         "reweight": [None, "balanced"]},
        {"loss": ["gce"], "reweight": ["balanced"]},
    ]


def _metric():
    # Training on the reported metric: batch-level losses, stratified batches
    # (the estimator's batch_sampler="auto"), no re-weighting (the metric
    # already handles imbalance), against re-weighted cross-entropy.
    return [
        {"loss": ["cross_entropy"], "reweight": ["balanced"]},
        {"loss": ["anyloss_f1", "anyloss_gmean", "anyloss_balanced_accuracy", "auc_pairwise"],
         "reweight": [None]},
    ]


#: Problem kind -> grid factory (fresh loss instances on every call).
SEARCH_PROBLEMS = {"imbalance": _imbalance, "noise": _noise, "metric": _metric}


def loss_search_grid(problem="imbalance", *, prefix=""):
    """A parameter grid over losses and re-weighting schemes.

    Parameters
    ----------
    problem : {"imbalance", "noise", "metric"}, default="imbalance"
        - ``"imbalance"``: the estimator's defaults (``loss="auto"``:
          cross-entropy with label smoothing 0.1, ``"inverse_sqrt"``
          weights), cross-entropy with ``reweight`` None / ``"balanced"`` /
          ``"inverse_sqrt"``, ``logit_adjusted``, class-balanced
          ``focal(gamma=1)`` and balanced ``poly1`` (7 candidates: plain
          cross-entropy, the uncorrected reference, and six that each
          correct the class prior once);
        - ``"noise"``: cross-entropy, ``sce``, ``nce_rce``,
          ``comp_sum(tau=1.5)`` and ``logit_clip(cross_entropy, delta=2)``,
          each with and without balanced weights, and balanced ``gce`` (11);
        - ``"metric"``: the batch-level ``anyloss_f1``, ``anyloss_gmean``,
          ``anyloss_balanced_accuracy`` and ``auc_pairwise`` against balanced
          cross-entropy (5).
    prefix : str, default=""
        Prepended to every key, e.g. ``"weightedlossclassifier__"`` when the
        estimator is the last step of a ``make_pipeline`` pipeline.

    Returns
    -------
    grid : list of dict
        For ``GridSearchCV(param_grid=...)``.
    """
    if problem not in SEARCH_PROBLEMS:
        raise ValueError(f"Unknown problem {problem!r}; choose one of "
                         f"{', '.join(SEARCH_PROBLEMS)}.")
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a string; got {type(prefix).__name__}.")
    return [{prefix + key: values for key, values in grid.items()}
            for grid in SEARCH_PROBLEMS[problem]()]


def make_loss_search(estimator=None, *, problem="imbalance", scoring="average_precision",
                     cv=3, prefix=None, n_jobs=None, refit=True, error_score="raise",
                     verbose=0, random_state=0):
    """A ``GridSearchCV`` that cross-validates losses and re-weighting schemes.

    Parameters
    ----------
    estimator : estimator or None, default=None
        A :class:`~sklearn_losses.WeightedLossClassifier` (its other
        parameters are kept), or a ``Pipeline`` ending in one. None:
        ``WeightedLossClassifier(random_state=random_state)``.
    problem : {"imbalance", "noise", "metric"}, default="imbalance"
        Which grid of :func:`loss_search_grid`.
    scoring : str, callable, list or dict, default="average_precision"
        As in ``GridSearchCV`` (except that a list or dict of one scorer
        gives the single-metric form, ``cv_results_["mean_test_score"]``,
        unless ``refit`` names it), every name resolved by
        :func:`sklearn_losses.metrics.get_scorer`: the package's scorers
        (``"gmean"``...; ``"average_precision"`` and ``"f1"`` measure the
        minority class, also with string labels) and scikit-learn's. Select
        by a scorer, never by loss values (they are not comparable across
        losses).
    cv : int or CV splitter, default=3
        An int (numpy integers too) gives
        ``ClassCoveringKFold(cv, shuffle=True, random_state)``: stratified
        folds, fewer than ``cv`` (with a warning) when the smallest class
        has fewer rows, so that every scored fold holds every class. A
        splitter is used as given.
    prefix : str or None, default=None
        Key prefix of the grid; None: ``"<last step name>__"`` for a
        Pipeline, else ``""``.
    n_jobs, refit, error_score, verbose
        Passed to ``GridSearchCV``.
    random_state : int, default=0
        Seed of the default estimator and of the folds.

    Returns
    -------
    search : GridSearchCV
        Unfitted; call ``fit(X, y)``.

    Examples
    --------
    >>> from sklearn_losses.search import make_loss_search
    >>> search = make_loss_search(scoring="average_precision", cv=3)
    >>> len(search.param_grid)
    5
    """
    from .classifier import WeightedLossClassifier
    from .compare import resolve_scoring

    if estimator is None:
        estimator = WeightedLossClassifier(random_state=random_state)
    if prefix is None:
        steps = getattr(estimator, "steps", None)
        prefix = f"{steps[-1][0]}__" if steps else ""
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        cv = ClassCoveringKFold(int(cv), shuffle=True, random_state=random_state)
    if isinstance(scoring, (str, list, tuple, set, dict)):
        scoring = resolve_scoring({scoring: scoring} if isinstance(scoring, str) else scoring)
        if len(scoring) == 1 and not isinstance(refit, str):
            # one metric: GridSearchCV's plain form (cv_results_["mean_test_score"]), unless
            # refit names it
            scoring = next(iter(scoring.values()))
    return GridSearchCV(estimator, loss_search_grid(problem, prefix=prefix), scoring=scoring,
                        cv=cv, n_jobs=n_jobs, refit=refit, error_score=error_score,
                        verbose=verbose)
