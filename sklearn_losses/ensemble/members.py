"""Member fits of cross-fitting: clones seeded and pinned to one thread, fitted on their
folds with a deadline, in parallel or not, their failures and warnings brought back."""

from __future__ import annotations

import contextlib
import inspect
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing

from .._warnings import SILENT_CATEGORIES, warn_user
from ..decisions._base import aligned_proba
from .folds import _MAX_SEED


def seeded(estimator, seed):
    """``estimator`` (a clone) with every ``*random_state`` parameter set to ``seed``."""
    keys = [k for k in estimator.get_params(deep=True)
            if k == "random_state" or k.endswith("__random_state")]
    if keys:
        estimator.set_params(**dict.fromkeys(keys, int(seed)))
    return estimator


def _one_thread(estimator):
    """``estimator`` with ``n_jobs=1`` wherever an ``n_jobs`` is left at None (parallel
    fits), nested ones too (a network in a ``Pipeline``).

    scikit-learn's own estimators are left as they are: their None already
    means one job, and some deprecate ``n_jobs`` (``LogisticRegression``
    warns when it is set).
    """
    params = estimator.get_params(deep=True)
    ones = {}
    for key, value in params.items():
        if key.rsplit("__", 1)[-1] != "n_jobs" or value is not None:
            continue
        owner = estimator if key == "n_jobs" else params[key.rsplit("__", 1)[0]]
        if not type(owner).__module__.startswith("sklearn."):
            ones[key] = 1
    return estimator.set_params(**ones) if ones else estimator


def prepare_members(estimator, n_folds, rng, *, parallel, seed=True):
    """One unfitted clone of ``estimator`` per fold.

    Each gets its own seed from ``rng`` (every ``random_state`` parameter,
    nested ones too) when ``seed`` is True, and ``n_jobs=1`` when the fits
    run in parallel (one torch thread per worker).
    """
    seeds = rng.randint(_MAX_SEED, size=n_folds)
    members = []
    for s in seeds:
        member = clone(estimator)
        if seed:
            member = seeded(member, s)
        if parallel:
            member = _one_thread(member)
        members.append(member)
    return members


def _accepts(method, name, *, var_keyword=False):
    """Whether ``method`` takes a keyword ``name`` (or any, through ``**kwargs``, if asked)."""
    try:
        params = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return var_keyword
    return name in params or (var_keyword and any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()))


def sample_weight_params(estimator, sample_weight) -> dict:
    """The ``fit`` parameters that give ``estimator`` the rows' ``sample_weight``.

    ``{"sample_weight": w}``; for a ``Pipeline`` (scikit-learn's or
    imbalanced-learn's), whose ``fit`` takes only step-prefixed parameters,
    ``{"<last step>__sample_weight": w}`` (nested pipelines recursively),
    unless metadata routing is enabled (``sklearn.set_config(
    enable_metadata_routing=True)``): the Pipeline then takes
    ``sample_weight`` itself and routes it to the steps that requested it
    (``set_fit_request(sample_weight=True)``), refusing step prefixes; and
    under routing an estimator told ``set_fit_request(sample_weight=False)``
    gets none (``{}``). Raises ValueError naming the estimator when it takes no weights.
    """
    if sample_weight is None:
        return {}
    from sklearn import get_config

    if isinstance(estimator, Pipeline) and get_config().get("enable_metadata_routing"):
        return {"sample_weight": sample_weight}
    if isinstance(estimator, Pipeline):
        name, last = estimator.steps[-1]
        if last is None or last == "passthrough":
            raise ValueError(f"sample_weight was given, but the Pipeline's last step "
                             f"{name!r} is {last!r}.")
        return {f"{name}__{key}": value
                for key, value in sample_weight_params(last, sample_weight).items()}
    if get_config().get("enable_metadata_routing") and _declines_weights(estimator):
        return {}  # set_fit_request(sample_weight=False): the ensemble alone uses them
    if not _accepts(estimator.fit, "sample_weight", var_keyword=True):
        raise ValueError(f"sample_weight was given, but {type(estimator).__name__}.fit "
                         "takes no sample_weight.")
    return {"sample_weight": sample_weight}


def _declines_weights(estimator) -> bool:
    """Whether ``estimator`` was told ``set_fit_request(sample_weight=False)`` (metadata
    routing). An unset request passes the weights on, as without routing: the portfolio's
    own networks, which the user cannot reach, are weighted so."""
    from sklearn.utils.metadata_routing import get_routing_for_object

    try:
        requests = get_routing_for_object(estimator).fit.requests
    except AttributeError:  # not a scikit-learn estimator (no requests), or a router
        return False
    return requests.get("sample_weight") is False


def _takes_eval_set(estimator) -> bool:
    """Whether ``estimator.fit`` takes this package's ``eval_set=(X, y[, w])``.

    Only the package's networks: other libraries' ``eval_set`` differ
    (LightGBM and XGBoost take a list of pairs, CatBoost no weights).
    """
    from ..classifier import WeightedLossClassifier

    return isinstance(estimator, WeightedLossClassifier)


@dataclass
class MemberFit:
    """What one member fit produced (:func:`fit_members`)."""

    task: int
    member: object = None
    proba: np.ndarray | None = None
    fit_s: float = float("nan")
    used_eval_set: bool = False
    warnings: list = field(default_factory=list)
    error: BaseException | None = None
    skipped: bool = False


def _fit_member(task, member, X, y, sample_weight, fold, f, classes, deadline, exempt,
                capture_errors, eval_set=True):
    """Fit ``member`` on the rows outside fold ``f``, early-stopped on fold ``f`` (when
    ``eval_set`` and it is one of the package's networks); predict fold ``f``."""
    if deadline is not None and not exempt and time.time() > deadline:
        return MemberFit(task, skipped=True)
    train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
    try:
        # the keys the member takes the weights under; none for a member that declines them
        # (metadata routing): it trains, and is early-stopped, unweighted
        keys = list(sample_weight_params(member, sample_weight))
    except ValueError as error:
        if not capture_errors:
            raise
        return MemberFit(task, error=error)
    if not keys:
        sample_weight = None
    if sample_weight is not None:
        # a class whose training rows all weigh 0 has nothing to learn from: the member does
        # not see it (as make_folds warns), instead of failing on a class of no weight
        weighed = np.isin(y[train], y[train][sample_weight[train] > 0])
        train = train if weighed.all() else train[weighed]
    X_tr, X_te = _safe_indexing(X, train), _safe_indexing(X, test)
    kwargs = {key: sample_weight[train] for key in keys}
    # early stopping on the held-out rows, those of classes the member trains on (a class
    # of a single row may be missing from its training rows), when they hold each of those
    # classes with positive weight (a tiny class may be missing from the fold): a metric
    # of the fold is undefined or constant without one
    trained = np.unique(y[train])
    valid = test[np.isin(y[test], trained)]
    held = y[valid] if sample_weight is None else y[valid][sample_weight[valid] > 0]
    use_eval_set = (eval_set and _takes_eval_set(member)
                    and np.unique(held).shape[0] == trained.shape[0])
    if use_eval_set:
        X_va = X_te if len(valid) == len(test) else _safe_indexing(X, valid)
        kwargs["eval_set"] = ((X_va, y[valid]) if sample_weight is None
                              else (X_va, y[valid], sample_weight[valid]))
    result = MemberFit(task, used_eval_set=use_eval_set)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            start = time.perf_counter()
            member.fit(X_tr, y[train], **kwargs)
            result.fit_s = time.perf_counter() - start
            result.proba = aligned_proba(member, X_te, classes)
            result.member = member
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            if not capture_errors:
                raise
            result.error = _picklable(exc)
    result.warnings = [(w.category, str(w.message)) for w in caught
                       if not issubclass(w.category, SILENT_CATEGORIES)]
    return result


class MemberFitError(RuntimeError):
    """Stands for a member's exception that cannot be pickled: its type's name and message."""

    def __init__(self, message, type_name):
        super().__init__(message, type_name)
        self.type_name = type_name

    def __str__(self):
        return f"{self.type_name}: {self.args[0]}" if self.args[0] else self.type_name


def _picklable(exc):
    """``exc``, or a :class:`MemberFitError` of its type's name and message when it cannot be
    pickled back: a failed member fit is returned from a joblib worker, and an exception
    whose ``__init__`` takes other arguments than its message broke the whole pool
    (BrokenProcessPool)."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any failure to round-trip
        return MemberFitError(str(exc), type(exc).__name__)
    return exc


def fit_members(tasks, X, y, sample_weight, fold, classes, *, n_jobs=None, deadline=None,
                capture_errors=False, eval_set=True):
    """Fit the member of each task on its training folds, serially or with joblib.

    Parameters
    ----------
    tasks : list of (estimator, int, bool)
        ``(member, fold index, exempt)``: an unfitted member, the fold it holds
        out, and whether it runs even after the deadline.
    X : DataFrame, array-like or sparse matrix
        All training rows (indexable).
    y : ndarray of shape (n_samples,)
        Labels.
    sample_weight : ndarray of shape (n_samples,) or None
    fold : ndarray of int of shape (n_samples,)
        :func:`make_folds`.
    classes : ndarray
        The columns of the out-of-fold probabilities.
    n_jobs : int or None
        joblib's ``n_jobs``; 1 (or None) fits here, in order.
    deadline : float or None
        ``time.time()`` after which a task that is not exempt no longer
        starts (it comes back ``skipped``); a fit in progress finishes.
    capture_errors : bool
        Return a failed fit with its exception instead of raising it.
    eval_set : bool
        Early-stop each member on its held-out fold where its ``fit`` takes
        ``eval_set``; False fits every member plainly on its training folds
        (its own stopping rule), the held-out fold only predicted.

    Returns
    -------
    fits : list of MemberFit
        In the order of ``tasks``. Their warnings are not re-emitted here:
        see :func:`reemit_warnings`.
    """
    from joblib import effective_n_jobs
    # scikit-learn's Parallel and delayed carry its configuration (metadata routing,
    # set_output) into the worker processes; joblib's alone do not
    from sklearn.utils.parallel import Parallel, delayed

    args = [(i, member, X, y, sample_weight, fold, f, classes, deadline, exempt,
             capture_errors, eval_set) for i, (member, f, exempt) in enumerate(tasks)]
    if effective_n_jobs(n_jobs) == 1 or len(tasks) <= 1:
        return [_fit_member(*a) for a in args]
    return Parallel(n_jobs=n_jobs)(delayed(_fit_member)(*a) for a in args)


def reemit_warnings(fits, n_fits=None):
    """Warn once per distinct warning the member fits caught, with how many fits raised it."""
    counts = Counter(w for fit in fits for w in dict.fromkeys(fit.warnings))
    total = n_fits if n_fits is not None else len(fits)
    for (category, message), count in counts.items():
        warn_as(f"{message} [{count} of {total} member fits]", category)


@contextlib.contextmanager
def warnings_once():
    """Re-emit the warnings raised inside once per distinct category and message.

    The members of an ensemble predict the same rows, so a warning about those rows (a word
    read as missing, an unseen level) would otherwise come once per member.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for category, message in dict.fromkeys((w.category, str(w.message)) for w in caught):
        if not issubclass(category, SILENT_CATEGORIES):
            warn_as(message, category)  # as the member fits: a library's deprecations stay hidden


def warn_as(message, category):
    """:func:`warn_user` with ``category``, or a UserWarning naming it when its
    constructor takes more than a message."""
    try:
        warn_user(message, category)
    except TypeError:
        warn_user(f"{category.__name__}: {message}")
