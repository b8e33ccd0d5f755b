"""The folds of cross-fitting: stratified on the class (and on the weight being positive)."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_random_state

from .._warnings import warn_user

#: Seeds are drawn below this (numpy's legacy seeding takes 32-bit integers).
_MAX_SEED = np.iinfo(np.int32).max


def make_folds(y, n_folds, random_state=None, *, owner="CrossFitClassifier",
               sample_weight=None):
    """The fold of each row: stratified, shuffled, ``n_folds`` folds.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    n_folds : int
        Number of folds (at least 2).
    random_state : int, RandomState instance or None
        Seeds the shuffle.
    owner : str
        Named in the error messages.
    sample_weight : array-like of shape (n_samples,) or None
        With weights, the folds are stratified on the class and on whether
        the row's weight is positive, and only rows of positive weight count
        as a class's rows: every member then trains on some weight of every
        class (a class whose weighted rows fell in one fold left the member
        holding it out without that class).

    Returns
    -------
    fold : ndarray of int of shape (n_samples,)
        The fold of each row, in ``0 .. n_folds - 1``.

    Raises
    ------
    ValueError
        With fewer rows than folds, or a binary ``y`` with a class of a
        single row (of positive weight; the member holding it out would see
        one class).

    Warns
    -----
    UserWarning
        When a class of a multiclass ``y`` has a single row: the member
        that holds it out never sees the class, and predicts it with
        probability 0.
    """
    y = np.asarray(y)
    n = len(y)
    if n < n_folds:
        raise ValueError(f"{owner} cannot split n_samples={n} rows into n_folds={n_folds} "
                         "folds; give more rows or lower n_folds.")
    classes, codes = np.unique(y, return_inverse=True)
    weighted = None if sample_weight is None else np.asarray(sample_weight) > 0
    counts = np.bincount(codes if weighted is None else codes[weighted],
                         minlength=len(classes))
    if counts.min() < 2 and len(classes) == 2:
        single = classes[counts < 2].tolist()[0]
        rows = "row" if weighted is None else "row of positive sample_weight"
        how_many = "no" if counts.min() == 0 else "a single"
        raise ValueError(f"{owner}: the class {single!r} has {how_many} {rows}; the member "
                         "that holds it out would train on the other class alone. "
                         f"Cross-fitting a binary problem needs at least 2 {rows}s of each "
                         "class.")
    if counts.min() < 2:
        rare = classes[counts < 2].tolist()[:10]
        # unweighted, every class of y has a row; weighted, one may have none of positive weight
        rows = ("a single row" if weighted is None
                else "at most one row of positive sample_weight")
        warn_user(f"{owner}: the class(es) {rare} have {rows}; the member that holds it out "
                  "never sees the class (its out-of-fold probability of it is 0).")
    rng = check_random_state(random_state)
    splitter = StratifiedKFold(n_folds, shuffle=True, random_state=rng.randint(_MAX_SEED))
    strata = codes if weighted is None else 2 * codes + weighted
    if np.bincount(strata).max() < n_folds:  # StratifiedKFold's minimum: on the classes alone
        strata = codes
    fold = np.empty(n, dtype=np.intp)
    with warnings.catch_warnings():
        # a class with fewer rows than folds is fine: each member still sees it
        warnings.filterwarnings("ignore", message="The least populated class in y")
        for f, (_, test) in enumerate(splitter.split(np.zeros((n, 1)), strata)):
            fold[test] = f
    return fold
