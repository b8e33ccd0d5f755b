"""Compare classifiers by cross-validation: one fit-and-score loop for the CLI and the benchmarks.

``sklearn-losses compare`` and the benchmark scripts (``benchmarks/``) both
use this module, so that every number they report comes from the same code:

- :func:`make_model`: a classifier ready for a raw table: the package's
  estimators take it as it is (their own encoder, one column rule:
  :mod:`sklearn_losses.columns`); other classifiers get
  :func:`make_preprocessor` (numeric columns median-imputed and
  standardized, the other columns one-hot encoded with unseen categories as
  zeros) in front;
- :func:`cross_validate_configs`: fit and score named estimators on given
  folds (serial or in parallel processes with joblib), a callback per
  finished fold, the failure of one configuration captured with its error,
  the warnings of each fit recorded with the fold's result (also from worker
  processes), and an interruption (``KeyboardInterrupt``) reported with the
  folds finished so far (:class:`Interrupted`), joblib's worker processes
  killed (:func:`stop_workers`);
- :func:`summarize` and :func:`rank_configurations`: mean and spread over
  the folds, a ranking with deterministic tie-breaking and the
  configurations that cannot be told apart from the best by
  :func:`corrected_ttest` (the Nadeau-Bengio corrected resampled t-test);
- :func:`sign_test` (wins against losses over datasets) and
  :func:`warm_up` (torch's one-off start-up cost, paid before timing).

Example::

    from sklearn.model_selection import StratifiedKFold
    from sklearn.linear_model import LogisticRegression
    from sklearn_losses import WeightedLossClassifier
    from sklearn_losses.compare import (cross_validate_configs, make_model,
                                        rank_configurations, summarize)

    metrics = ["average_precision", "roc_auc"]
    configs = {"ce": WeightedLossClassifier(),                # X: a raw DataFrame
               "focal": WeightedLossClassifier(loss="focal"),
               "lr": make_model(LogisticRegression(), X)}   # encoded for LogisticRegression
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    results = cross_validate_configs(configs, X, y, folds, metrics, n_jobs=2)
    rows = rank_configurations(summarize(results, metrics), metrics, n_folds=5)
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping

import numpy as np

from ._utils import dedupe, format_warning
from ._warnings import SILENT_CATEGORIES

__all__ = [
    "Interrupted",
    "as_category_strings",
    "as_numbers",
    "corrected_ttest",
    "cross_validate_configs",
    "fit_and_score",
    "make_model",
    "make_preprocessor",
    "rank_configurations",
    "resolve_scoring",
    "sign_test",
    "split_columns",
    "stop_workers",
    "takes_raw_tables",
    "summarize",
    "warm_up",
]



# ------------------------------------------------------------ preprocessing
def split_columns(X) -> tuple[list, list]:
    """The numeric columns of ``X`` and the others, by the package's column rule.

    :func:`sklearn_losses.columns.split_columns`: the rule the estimator's
    encoder uses too (``category`` and bool columns categorical, object
    columns of numbers numeric, other object or string columns text).

    Returns
    -------
    numeric, categorical : list
        Column names (DataFrame) or positions (array), in the order of ``X``;
        ``categorical`` holds every non-numeric column.
    """
    from .columns import split_columns as split

    return split(X)


def make_preprocessor(numeric, categorical):
    """The preprocessing of tabular features as a :class:`~sklearn.compose.ColumnTransformer`.

    Parameters
    ----------
    numeric : list
        Columns read as numbers (:func:`as_numbers`: numbers written as text
        too, missing-value markers such as ``"?"`` as NaN), imputed with the
        training median, then standardized.
    categorical : list
        Columns one-hot encoded after :func:`as_category_strings` (values as
        strings without surrounding spaces, so that ``1``, ``"1"`` and
        ``" 1"`` are one category); categories unseen in training encode as
        all zeros (``handle_unknown="ignore"``) and a missing value is a
        category of its own.

    Returns
    -------
    preprocessor : ColumnTransformer
        Unfitted; its output is a dense array (numeric columns first).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    transformers = []
    if numeric:
        transformers.append(("numeric", make_pipeline(
            FunctionTransformer(as_numbers, feature_names_out="one-to-one"),
            SimpleImputer(strategy="median"), StandardScaler()), list(numeric)))
    if categorical:
        encoder = make_pipeline(
            FunctionTransformer(as_category_strings, feature_names_out="one-to-one"),
            OneHotEncoder(handle_unknown="ignore", sparse_output=False))
        transformers.append(("categorical", encoder, list(categorical)))
    return ColumnTransformer(transformers, sparse_threshold=0.0)


def as_numbers(X) -> np.ndarray:
    """Numeric columns as float64, by the column rule's reading
    (:func:`sklearn_losses.columns.to_numeric`: numbers written as text and
    decimals read, missing-value markers such as ``"?"`` and words such as
    ``"unknown"`` as NaN, the words with a warning).

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)

    Returns
    -------
    Z : ndarray of float64, same shape
    """
    import pandas as pd

    from .columns import to_numeric

    if isinstance(X, pd.DataFrame):
        columns = [(str(c), X.iloc[:, j]) for j, c in enumerate(X.columns)]
    else:
        A = np.asarray(X)
        if A.dtype.kind in "biuf":
            return A.astype(np.float64)
        columns = [(f"x{j}", pd.Series(A[:, j], dtype=object)) for j in range(A.shape[1])]
    if not columns:
        return np.empty((len(X), 0))
    return np.column_stack([to_numeric(s, name) for name, s in columns])


def as_category_strings(X) -> np.ndarray:
    """Categorical values as the strings the estimator compares them as; missing values stay NaN.

    :func:`sklearn_losses.columns.category_strings` of each column: strings
    without surrounding spaces, ``1``, ``1.0``, ``"1"`` and ``Decimal("1.0")``
    all ``"1"``, bools ``"True"`` / ``"False"``.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)

    Returns
    -------
    Z : ndarray of object, same shape
        What :class:`~sklearn.preprocessing.OneHotEncoder` then encodes (it
        needs one type per column; NaN is a category of its own).
    """
    import pandas as pd

    from .columns import category_strings

    if isinstance(X, pd.DataFrame):
        columns = [X.iloc[:, j] for j in range(X.shape[1])]
    else:
        A = np.asarray(X, dtype=object)
        columns = [pd.Series(A[:, j], dtype=object) for j in range(A.shape[1])]
    if not columns:
        return np.empty((len(X), 0), dtype=object)
    return np.column_stack([category_strings(s) for s in columns])


def takes_raw_tables(estimator) -> bool:
    """Whether ``estimator`` encodes raw tables itself (its tags accept string input).

    :class:`~sklearn_losses.WeightedLossClassifier` with
    ``preprocessing="auto"`` does (its :class:`~sklearn_losses.preprocessing.TabularEncoder`).
    """
    from sklearn.base import BaseEstimator
    from sklearn.utils import get_tags

    if not isinstance(estimator, BaseEstimator):
        return False
    try:
        return bool(get_tags(estimator).input_tags.string)
    except (AttributeError, TypeError, ValueError):
        return False


def make_model(classifier, X=None, *, numeric=None, categorical=None, preprocessing="auto"):
    """``classifier`` ready for a raw table.

    An estimator that encodes raw tables itself (:func:`takes_raw_tables`:
    the package's estimators with ``preprocessing="auto"``) is returned as
    it is, so the table reaches it as read and one encoder runs. Any other
    classifier gets ``Pipeline([("preprocess", encoder), ("classifier",
    classifier)])``:

    - ``preprocessing="auto"``: the package's own
      :class:`~sklearn_losses.preprocessing.TabularEncoder`, as the package's
      estimators encode a table: the column rule's kinds, numeric columns
      robustly scaled with missing values imputed and flagged, categorical
      columns of at most 16 levels one-hot encoded and wider ones (an id,
      free text) target-encoded, cross-fitted, dates as calendar features.
      A table with an id column of thousands of values stays a few hundred
      columns wide.
    - ``preprocessing="onehot"``: :func:`make_preprocessor`, every
      non-numeric column one-hot encoded (one column per level, dense),
      numeric ones median-imputed and standardized, the columns split by
      :func:`split_columns` or given as ``numeric`` and ``categorical``. The
      benchmarks' anchors use it, as they always have.

    Parameters
    ----------
    classifier : estimator or "passthrough"
        The model (not cloned).
    X : DataFrame or array-like, optional
        The features, to find the numeric and categorical columns with
        :func:`split_columns` when they are not given (``"onehot"`` only).
    numeric, categorical : list, optional
        The columns of :func:`make_preprocessor`; both or neither
        (``"onehot"`` only).
    preprocessing : {"auto", "onehot"}, default="auto"
        The encoder put before ``classifier``.

    Returns
    -------
    model : estimator or Pipeline
    """
    from sklearn.pipeline import Pipeline

    if preprocessing not in ("auto", "onehot"):
        raise ValueError(f"preprocessing must be 'auto' or 'onehot'; got {preprocessing!r}.")
    if takes_raw_tables(classifier):
        return classifier
    if preprocessing == "auto":
        if numeric is not None or categorical is not None:
            raise ValueError("numeric= and categorical= choose the columns of "
                             "preprocessing='onehot'; preprocessing='auto' reads every "
                             "column's kind by the column rule.")
        from .preprocessing import TabularEncoder

        encoder = TabularEncoder(random_state=0).set_output(transform="default")
        return Pipeline([("preprocess", encoder), ("classifier", classifier)])
    if numeric is None or categorical is None:
        if X is None:
            raise ValueError("make_model needs X or both numeric= and categorical=.")
        numeric, categorical = split_columns(X)
    return Pipeline([("preprocess", make_preprocessor(numeric, categorical)),
                     ("classifier", classifier)])


def resolve_scoring(scoring, *, pos_label=None) -> dict:
    """``{name: scorer}`` from a scorer name, a list of names or a mapping of names to names
    / scorers.

    Names go through :func:`sklearn_losses.metrics.get_scorer` (the package's
    scorers and scikit-learn's); greater is better. ``pos_label`` is given to
    the package's scorers named here (scikit-learn's take none).
    """
    from .metrics import available_scorers, get_scorer

    if isinstance(scoring, str):
        scoring = [scoring]
    if isinstance(scoring, Mapping):
        items = list(scoring.items())
    else:
        items = list(scoring)
        odd = [s for s in items if not isinstance(s, str)]
        if odd:
            raise TypeError(f"scoring must be a scorer name, a list of names or a dict "
                            f"{{name: scorer}}; the list holds {odd[0]!r}. Name the scorers "
                            "in a dict.")
        items = [(s, s) for s in items]
    ours = set(available_scorers())

    def resolve(s):
        if not isinstance(s, str):
            return s
        return get_scorer(s, pos_label=pos_label if s in ours else None)

    return {name: resolve(s) for name, s in items}


# ------------------------------------------------------------ fit and score
def _first_line(exc) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def fit_and_score(estimator, X, y, train, test, scoring, *, y_train=None,
                  return_estimator=False) -> dict:
    """Fit a clone of ``estimator`` on the ``train`` rows and score it on the ``test`` rows.

    Parameters
    ----------
    estimator : estimator
        Unfitted; cloned.
    X : DataFrame or array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    train, test : array-like of int
        Row indices.
    scoring : dict of str -> scorer
        Scorers (``scorer(estimator, X, y)``, greater is better); the
        predictions are computed once for all of them.
    y_train : array-like of shape (len(train),), optional
        Labels to train on instead of ``y[train]`` (e.g. with label noise);
        the test labels are always ``y[test]``.
    return_estimator : bool, default=False
        Whether the result holds the fitted estimator.

    Returns
    -------
    result : dict
        ``scores`` ({name: float}, NaN when the fold failed), ``fit_s`` and
        ``score_s`` (seconds), ``n_train`` and ``n_test`` (the fold's row
        counts), ``epochs`` (the network's ``n_iter_``, inside
        a ``Pipeline`` or a decision rule's ``estimator_``; else the final
        step's ``n_iter_``, NaN without one), ``error`` (``"Type: first line"`` of the exception, or
        None), ``warnings`` (``"Category: message"``, deduplicated; deprecation
        warnings left out), ``interrupted`` (True when a ``KeyboardInterrupt``
        stopped the fit: caught here so that it also comes back from a worker
        process) and ``estimator`` (fitted, or None).
    """
    from sklearn.base import clone
    from sklearn.metrics import check_scoring
    from sklearn.utils import _safe_indexing

    train, test = np.asarray(train), np.asarray(test)
    y = np.asarray(y)
    y_fit = y[train] if y_train is None else np.asarray(y_train)
    X_train, X_test = _safe_indexing(X, train), _safe_indexing(X, test)
    model = clone(estimator)
    result = {"scores": dict.fromkeys(scoring, math.nan), "fit_s": math.nan,
              "score_s": math.nan, "epochs": math.nan, "error": None, "warnings": [],
              "interrupted": False, "estimator": None, "n_train": _n_rows(train),
              "n_test": _n_rows(test)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            t0 = time.perf_counter()
            model.fit(X_train, y_fit)
            result["fit_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            scores = check_scoring(model, scoring=dict(scoring))(model, X_test, y[test])
            result["score_s"] = time.perf_counter() - t0
            result["scores"] = {name: float(scores[name]) for name in scoring}
            n_iter = _epochs(model)
            if n_iter is not None:
                result["epochs"] = float(np.max(n_iter))
            if return_estimator:
                result["estimator"] = model
        except KeyboardInterrupt:
            result["interrupted"] = True
            result["error"] = "KeyboardInterrupt"
        except Exception as exc:  # noqa: BLE001 - one failed fit must not end the comparison
            result["error"] = _first_line(exc)
    result["warnings"] = dedupe(format_warning(w) for w in caught
                                if not issubclass(w.category, SILENT_CATEGORIES))
    return result


def _epochs(model):
    """The ``n_iter_`` of the network in ``model``: a ``Pipeline``'s last step, a
    decision rule's fitted ``estimator_`` (whose own ``n_iter_``, e.g. the rounds
    of ``TunedOffsetsClassifierCV``, counts no epochs), else ``model``'s, or None."""
    from .classifier import WeightedLossClassifier

    while not isinstance(model, WeightedLossClassifier):
        if hasattr(model, "steps"):
            model = model[-1]
        elif hasattr(model, "estimator_"):
            model = model.estimator_
        else:
            break
    return getattr(model, "n_iter_", None)


def _task(name, fold, estimator, X, y, train, test, scoring, y_train, warm, return_estimator):
    if warm:
        warm_up(warm)
    result = fit_and_score(estimator, X, y, train, test, scoring, y_train=y_train,
                           return_estimator=return_estimator)
    result.update(config=name, fold=fold, skipped=False)
    return result


class Interrupted(KeyboardInterrupt):
    """A :func:`cross_validate_configs` run stopped by ``KeyboardInterrupt``.

    Attributes
    ----------
    results : list of dict
        The fold results that finished before the interruption (the
        interrupted fits are not among them).
    """

    def __init__(self, results):
        super().__init__("interrupted")
        self.results = results


def cross_validate_configs(estimators, X, y, folds, scoring, *, n_jobs=1, on_fold=None,
                           train_labels=None, warm=None, return_estimator=False) -> list[dict]:
    """Fit and score every estimator on every fold: the one fit-and-score loop.

    Parameters
    ----------
    estimators : dict of str -> estimator
        Configurations to compare, each unfitted (cloned for every fold), in
        the order of the results.
    X : DataFrame or array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    folds : list of (train, test) index arrays
        The same folds for every configuration (e.g.
        ``list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))``).
    scoring : str, list of str or dict
        Scorer names (:func:`resolve_scoring`) or ``{name: scorer}``. With a
        binary ``y``, the package's scorers given by name (``"f1"``,
        ``"average_precision"``...) measure one class in every configuration
        and fold: the minority class of ``y`` (equal counts: the last label in
        sorted order), as the package's scorers choose it from the training
        counts. A scorer object is used as it is.
    n_jobs : int, default=1
        Fits run in parallel by joblib (processes); 1 runs them here, in
        order (configuration after configuration, fold after fold).
    on_fold : callable, optional
        ``on_fold(result)`` in this process for every (configuration, fold)
        as it finishes (in parallel runs, in the order they finish), also for
        the folds skipped because an earlier fold of their configuration
        failed (``result["skipped"]`` True). In parallel runs a fold fitted
        ahead of its configuration's failure reaches ``on_fold`` as fitted,
        and comes back in the results as skipped, as a run in order has it.
    train_labels : callable, optional
        ``train_labels(fold, y_train) -> y_train``: the labels to train on
        (e.g. with label noise); test labels are never changed.
    warm : list of estimator, optional
        Passed to :func:`warm_up` in each process before its first fit, so
        that one-off start-up costs are not charged to a fold's ``fit_s``.
    return_estimator : bool, default=False
        Keep the fitted estimators in the results.

    Returns
    -------
    results : list of dict
        One per (configuration, fold), sorted by configuration then fold:
        :func:`fit_and_score`'s keys plus ``config``, ``fold`` and
        ``skipped``. A configuration fails at its first failed fold; its
        remaining folds are skipped (not fitted).

    Raises
    ------
    Interrupted
        On ``KeyboardInterrupt`` (pressed here, or raised inside a fit, also
        in a worker process): no further fit starts, the worker processes of
        a parallel run are killed (:func:`stop_workers`), and the exception
        holds the results finished so far.
    """
    from sklearn.utils import check_consistent_length
    from sklearn.utils.multiclass import type_of_target

    check_consistent_length(X, y)
    y_arr = np.asarray(y)
    folds = [(np.asarray(tr), np.asarray(te)) for tr, te in folds]
    _check_folds(folds, len(y_arr))
    # one positive class for every configuration and fold (a model that records no training
    # counts would otherwise score each test fold's minority, which may differ)
    pos_label = (_minority_label(y_arr) if type_of_target(y_arr) == "binary"
                 and len(np.unique(y_arr)) == 2 else None)  # one class: scikit-learn's "binary"
    scoring = resolve_scoring(scoring, pos_label=pos_label)
    order = {name: i for i, name in enumerate(estimators)}
    failed, skipped, results = set(), [], []

    def tasks():
        for name, estimator in estimators.items():
            for k, (train, test) in enumerate(folds):
                if name in failed:  # read lazily: later folds of a failed config never start
                    skipped.append(_skipped(name, k, scoring))
                    continue
                y_train = None if train_labels is None else train_labels(k, y_arr[train])
                yield name, k, estimator, train, test, y_train

    def record(result):
        results.append(result)
        if result["error"] is not None and not result["skipped"]:
            failed.add(result["config"])
        if on_fold is not None:
            on_fold(result)

    def drain():
        while skipped:
            record(skipped.pop(0))

    try:
        if n_jobs in (None, 1):
            for name, k, est, train, test, y_train in tasks():
                drain()
                result = _task(name, k, est, X, y_arr, train, test, scoring, y_train, warm,
                               return_estimator)
                if result["interrupted"]:
                    raise KeyboardInterrupt
                record(result)
            drain()
        else:
            # scikit-learn's configuration (metadata routing, set_output) goes with each task
            from sklearn.utils.parallel import Parallel, delayed

            jobs = (delayed(_task)(name, k, est, X, y_arr, train, test, scoring, y_train,
                                   warm, return_estimator)
                    for name, k, est, train, test, y_train in tasks())
            # dispatched no further ahead than the workers, so that later folds of a failed
            # configuration are rarely started (those that were are reported as skipped)
            running = Parallel(n_jobs=n_jobs, return_as="generator_unordered",
                               pre_dispatch="n_jobs")(jobs)
            try:
                for result in running:
                    if result["interrupted"]:
                        raise KeyboardInterrupt
                    record(result)
                    drain()
            finally:  # on an interruption, cancel the fits still running (expected: no warning)
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message=".*tasks which were still being "
                                            "processed by the workers have been cancelled")
                    running.close()
            drain()
            results = _as_in_order(results, scoring)
    except KeyboardInterrupt:
        if n_jobs not in (None, 1):
            stop_workers()
            results = _as_in_order(results, scoring)
        raise Interrupted(sorted(results, key=lambda r: (order[r["config"]], r["fold"]))) \
            from None
    return sorted(results, key=lambda r: (order[r["config"]], r["fold"]))


def stop_workers() -> None:
    """Kill the worker processes of joblib's loky executor now, without waiting.

    joblib kills them itself when a ``KeyboardInterrupt`` reaches its result
    loop; this also covers an interruption that arrives elsewhere (between
    two results, during its clean-up). Without it, workers fitting a long
    model would outlive an interrupted run by minutes. Does nothing when no
    loky executor was started; other joblib backends (Dask) are left alone.
    """
    import sys

    module = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(module, "_executor", None)
    if executor is not None:
        try:
            executor.shutdown(wait=False, kill_workers=True)
        except Exception:  # noqa: BLE001 - already shut down, or broken: nothing left to stop
            pass


def _skipped(name, fold, scoring):
    return {"config": name, "fold": fold, "scores": dict.fromkeys(scoring, math.nan),
            "fit_s": math.nan, "score_s": math.nan, "epochs": math.nan,
            "error": "skipped: an earlier fold of this configuration failed", "warnings": [],
            "interrupted": False, "estimator": None, "skipped": True}


def _as_in_order(results, scoring):
    """Parallel results as a run in order gives them: the folds after a configuration's first
    failed fold are skipped (those fitted ahead of the failure are set aside)."""
    first_failure = {}
    for r in results:
        if r["error"] is not None and not r["skipped"]:
            first_failure[r["config"]] = min(r["fold"], first_failure.get(r["config"], r["fold"]))
    return [_skipped(r["config"], r["fold"], scoring)
            if r["fold"] > first_failure.get(r["config"], r["fold"]) and not r["skipped"] else r
            for r in results]


def _minority_label(y):
    """The binary positive class of the package's scorers: the minority, the last label on
    equal counts (:func:`sklearn_losses.metrics._minority_index`)."""
    from .metrics import _minority_index

    classes, counts = np.unique(y, return_counts=True)
    return classes[_minority_index(counts)]


def _n_rows(index) -> int:
    """Rows a fold's index selects: an index array, or a boolean mask."""
    index = np.asarray(index)
    return int(np.count_nonzero(index)) if index.dtype == bool else len(index)


def _check_folds(folds, n):
    """Raise, naming the fold, when a fold's indices fall outside the ``n`` rows."""
    for k, (train, test) in enumerate(folds):
        for part, index in (("training", train), ("test", test)):
            if index.dtype == bool:
                if len(index) != n:
                    raise ValueError(f"Fold {k}'s {part} mask has {len(index)} entries for the "
                                     f"{n} rows of X and y.")
            elif index.size and (index.min() < -n or index.max() >= n):
                raise ValueError(f"Fold {k}'s {part} indices run from {index.min()} to "
                                 f"{index.max()}, outside the {n} rows of X and y.")


# ------------------------------------------------------------------ summary
def summarize(results, metrics) -> list[dict]:
    """One row per configuration from :func:`cross_validate_configs`'s fold results.

    Parameters
    ----------
    results : list of dict
        Fold results.
    metrics : list of str
        Scorer names to summarize.

    Returns
    -------
    rows : list of dict
        In the order the configurations first appear: ``config``,
        ``folds`` (fold indices), ``scores`` ({metric: list of fold scores}),
        ``<metric>_mean`` and ``<metric>_std`` (population std over the
        folds; NaN when the configuration failed), ``fit_s`` (mean seconds
        per fold), ``epochs`` (mean), ``total_s`` (fit and score seconds,
        summed over the folds), ``test_train_ratio`` (the folds' mean test
        rows over training rows; NaN when the results do not record them),
        ``error`` (the first fold's error, or None) and ``warnings``
        (deduplicated over the folds).
    """
    by_config = {}
    for r in results:
        by_config.setdefault(r["config"], []).append(r)
    rows = []
    for name, fold_results in by_config.items():
        fold_results = sorted(fold_results, key=lambda r: r["fold"])
        errors = [r["error"] for r in fold_results if r["error"] and not r["skipped"]]
        error = errors[0] if errors else None
        row = {"config": name, "folds": [r["fold"] for r in fold_results], "error": error,
               "scores": {m: [r["scores"][m] for r in fold_results] for m in metrics},
               "warnings": dedupe(w for r in fold_results for w in r["warnings"]),
               "total_s": float(np.nansum([np.nansum([r["fit_s"], r["score_s"]])
                                           for r in fold_results]))}
        ratios = [r["n_test"] / r["n_train"] for r in fold_results
                  if r.get("n_train") and r.get("n_test") is not None]
        row["test_train_ratio"] = float(np.mean(ratios)) if ratios else math.nan
        for m in metrics:
            scores = np.asarray(row["scores"][m], dtype=float)
            ok = error is None and len(scores) > 0
            row[f"{m}_mean"] = float(np.mean(scores)) if ok else math.nan
            row[f"{m}_std"] = float(np.std(scores)) if ok else math.nan
        for key in ("fit_s", "epochs"):
            values = [r[key] for r in fold_results]
            row[key] = float(np.mean(values)) if error is None and values else math.nan
        rows.append(row)
    return rows


def corrected_ttest(scores_a, scores_b, test_train_ratio) -> tuple[float, float]:
    """Nadeau and Bengio's corrected resampled t-test of paired fold scores.

    The folds of a cross-validation share training rows, so their scores are
    correlated and the plain paired t-test is far too eager to call a
    difference. Nadeau and Bengio (*Inference for the Generalization Error*,
    Machine Learning 52, 2003) inflate the variance of the mean difference
    from :math:`\\sigma^2 / k` to :math:`(1/k + n_{test}/n_{train})\\,\\sigma^2`.

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (k,)
        Scores of two configurations on the same k folds.
    test_train_ratio : float
        Test rows over training rows of a fold: ``1 / (k - 1)`` for k-fold CV.

    Returns
    -------
    t : float
        The statistic (positive when ``a`` scores higher).
    p : float
        Two-sided p-value (Student's t with k - 1 degrees of freedom,
        :data:`scipy.stats.t`); NaN with fewer than 2 folds. Identical
        differences on every fold (zero variance) give p = 1 when they are 0,
        else p = 0.
    """
    from scipy import stats

    d = np.asarray(scores_a, dtype=float) - np.asarray(scores_b, dtype=float)
    k = d.shape[0]
    if k < 2:
        return math.nan, math.nan
    mean, var = float(d.mean()), float(d.var(ddof=1))
    if var == 0.0:
        return (0.0, 1.0) if mean == 0.0 else (math.copysign(math.inf, mean), 0.0)
    t = mean / math.sqrt((1.0 / k + test_train_ratio) * var)
    return t, float(2.0 * stats.t.sf(abs(t), df=k - 1))


def rank_configurations(rows, metrics, *, n_folds=None, test_train_ratio=None, alpha=0.05,
                        complexity: Callable | None = None,
                        lower_is_better=(), decimals=9) -> list[dict]:
    """Rank :func:`summarize`'s rows: best first, failed configurations last.

    Order: the mean of ``metrics[0]`` (greater first, smaller first for a
    metric in ``lower_is_better``); equal means (to ``decimals`` places)
    are broken by the mean of ``metrics[1]``, then of the following metrics
    in turn, then by ``complexity(config)`` (smaller first: the simpler
    configuration), then by name. The best configuration is then compared with each other one on
    ``metrics[0]`` over the folds both finished, with :func:`corrected_ttest`:
    those with a two-sided p-value of at least ``alpha`` cannot be told apart
    from the best.

    Parameters
    ----------
    rows : list of dict
        :func:`summarize`'s output (modified in place and returned sorted).
    metrics : list of str
        The ranking metric first, then the tie-breakers in order.
    n_folds : int, optional
        Folds of a k-fold CV, for ``test_train_ratio = 1 / (k - 1)``.
    test_train_ratio : float, optional
        The test rows over the training rows of a fold. Default: from
        ``n_folds`` when given, else the ratio the rows record
        (:func:`summarize`'s ``test_train_ratio``: right for repeated or
        shuffle-split folds too), else ``1 / (k - 1)`` for the rows' number
        of folds.
    alpha : float, default=0.05
        Level of the test.
    complexity : callable, optional
        ``complexity(config name) -> number``; none: every configuration counts
        as equally simple.
    lower_is_better : collection of str, default=()
        Metrics whose smaller values are better (rates reported as they are,
        e.g. a false-negative rate), not negated as scikit-learn's ``neg_*``
        scorers are.
    decimals : int, default=9
        Means are compared rounded to this many decimal places: a report
        that prints 3 passes 3, so that means it shows as equal are ordered
        by the next metric, never by a difference it does not show.

    Returns
    -------
    rows : list of dict
        Sorted, each with ``rank`` (1 = best; None when failed),
        ``p_vs_best`` (NaN for the best and the failed ones) and
        ``tied_with_best`` (True for the best and for those the test cannot
        tell apart from it).
    """
    if test_train_ratio is None:
        recorded = [r.get("test_train_ratio", math.nan) for r in rows]
        recorded = [v for v in recorded if not math.isnan(v)]
        if n_folds is None and recorded:
            test_train_ratio = float(np.mean(recorded))
        else:
            if n_folds is None:
                n_folds = max((len(r["folds"]) for r in rows), default=2)
            test_train_ratio = 1.0 / max(n_folds - 1, 1)
    primary = metrics[0]

    def usable(r):
        return r["error"] is None and not math.isnan(r[f"{primary}_mean"])

    def best_first(value, metric):
        if value is None or math.isnan(value):
            return math.inf
        return (round(value, decimals) if metric in lower_is_better
                else -round(value, decimals))

    def key(r):
        return (*(best_first(r[f"{m}_mean"], m) for m in metrics),
                complexity(r["config"]) if complexity is not None else 0,
                str(r["config"]))

    ok = sorted((r for r in rows if usable(r)), key=key)
    rest = [r for r in rows if not usable(r)]
    best = ok[0] if ok else None
    for i, r in enumerate(ok, 1):
        r["rank"] = i
        if r is best:
            r["p_vs_best"], r["tied_with_best"] = math.nan, True
            continue
        shared = [k for k in best["folds"] if k in r["folds"]]
        a = [best["scores"][primary][best["folds"].index(k)] for k in shared]
        b = [r["scores"][primary][r["folds"].index(k)] for k in shared]
        _, p = corrected_ttest(a, b, test_train_ratio)
        r["p_vs_best"] = p
        r["tied_with_best"] = bool(not math.isnan(p) and p >= alpha)
    for r in rest:
        r["rank"], r["p_vs_best"], r["tied_with_best"] = None, math.nan, False
    rows[:] = ok + rest
    return rows


def sign_test(wins, losses) -> float:
    """Two-sided sign test of ``wins`` against ``losses`` (ties left out): the p-value.

    :func:`scipy.stats.binomtest` with p = 0.5; 1.0 when there are neither
    wins nor losses.
    """
    from scipy.stats import binomtest

    wins, losses = int(wins), int(losses)
    return 1.0 if wins + losses == 0 else float(binomtest(wins, wins + losses).pvalue)


# ------------------------------------------------------------------ warm-up
_WARMED: set = set()


def warm_up(estimators=None) -> None:
    """Fit each estimator once on a tiny table, once per process and estimator type.

    The first fit of a process pays one-off costs (torch's lazy imports and
    kernel set-up, about a second); a warm-up keeps them out of the first
    fold's ``fit_s``. Failures and warnings are ignored: only a warm-up.

    Parameters
    ----------
    estimators : list of estimator, optional
        Small versions of the estimators to time (cloned); default: a tiny
        :class:`~sklearn_losses.WeightedLossClassifier` on the CPU. With a
        GPU, an estimator of ``device="auto"`` is warmed on CUDA too: its
        tiny warm-up fit trains on the CPU, and the real fits of large enough
        networks on the GPU.
    """
    from sklearn.base import clone

    if estimators is None:
        from .classifier import WeightedLossClassifier

        estimators = [WeightedLossClassifier(hidden_layer_sizes=(4,), max_epochs=1,
                                             early_stopping=False, random_state=0)]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = np.arange(40) % 2
    import torch

    estimators = list(estimators)
    if torch.cuda.is_available():  # device="auto" takes the GPU for large enough networks
        estimators += [clone(est).set_params(device="cuda") for est in estimators
                       if getattr(est, "device", None) == "auto"
                       and "device" in est.get_params(deep=False)]
    for est in estimators:
        key = (type(est).__module__, type(est).__qualname__, str(getattr(est, "device", "")))
        if key in _WARMED:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                clone(est).fit(X, y)
            except Exception:  # noqa: BLE001 - the real fits report their own errors
                pass
        _WARMED.add(key)
