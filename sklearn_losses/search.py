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

from numbers import Integral

from sklearn.model_selection import GridSearchCV, StratifiedKFold

from .losses.base import get_loss

__all__ = ["SEARCH_PROBLEMS", "loss_search_grid", "make_loss_search"]


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
    # Noise-robust losses (docs/design.rst, section "Imbalance and label noise"): (bounded gradients), each with and
    # without balanced re-weighting, since bounded losses underfit rare classes.
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
          ``focal(gamma=1)`` and balanced ``poly1`` (7 candidates, each with
          one correction of the class prior);
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
                     cv=3, prefix=None, n_jobs=None, refit=True, random_state=0,
                     error_score="raise", verbose=0):
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
        As in ``GridSearchCV``, every name resolved by
        :func:`sklearn_losses.metrics.get_scorer`: the package's scorers
        (``"gmean"``...; ``"average_precision"`` and ``"f1"`` measure the
        minority class, also with string labels) and scikit-learn's. Select
        by a scorer, never by loss values (they are not comparable across
        losses).
    cv : int or CV splitter, default=3
        An int (numpy integers too) gives
        ``StratifiedKFold(cv, shuffle=True, random_state)``.
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
        cv = StratifiedKFold(int(cv), shuffle=True, random_state=random_state)
    if isinstance(scoring, (str, list, tuple, set, dict)):
        scoring = resolve_scoring({scoring: scoring} if isinstance(scoring, str) else scoring)
        if len(scoring) == 1 and refit is True:  # one metric: GridSearchCV's plain form
            scoring = next(iter(scoring.values()))
    return GridSearchCV(estimator, loss_search_grid(problem, prefix=prefix), scoring=scoring,
                        cv=cv, n_jobs=n_jobs, refit=refit, error_score=error_score,
                        verbose=verbose)
