"""What cross-fitting fits on the out-of-fold probabilities: the temperature and the
binary decision threshold (tuned, bagged over bootstrap resamples, shrunk toward a prior
guess), and the decision it makes."""

from __future__ import annotations

import numpy as np

from ..metrics import _minority_index

#: Probabilities are floored here before their log is taken (temperature scaling).
PROBA_FLOOR = 1e-300

#: Metrics a binary decision threshold can be tuned for (``threshold=``).
THRESHOLD_METRICS = ("f1", "balanced_accuracy", "matthews_corrcoef", "gmean", "accuracy")


def temperature_scale(proba, temperature):
    """``softmax(log(proba) / temperature)`` row by row (``proba`` when T is 1)."""
    proba = np.asarray(proba, dtype=np.float64)
    if temperature == 1.0:
        return proba
    logp = np.log(np.maximum(proba, PROBA_FLOOR)) / temperature
    logp -= logp.max(axis=1, keepdims=True)
    out = np.exp(logp)
    return out / out.sum(axis=1, keepdims=True)


def fit_proba_temperature(proba, y_enc, sample_weight=None):
    """One temperature for ``proba`` by weighted NLL of ``softmax(log(proba) / T)``.

    :func:`sklearn_losses.calibration.fit_temperature` on the log-probabilities,
    on one torch thread (a few hundred small evaluations, for which more
    threads only wait on each other).
    """
    import torch

    from ..calibration import fit_temperature
    from ..engine import torch_threads

    logits = torch.as_tensor(np.log(np.maximum(proba, PROBA_FLOOR)), dtype=torch.float64)
    target = torch.as_tensor(y_enc, dtype=torch.long)
    weight = None if sample_weight is None else torch.as_tensor(sample_weight,
                                                               dtype=torch.float64)
    with torch_threads(1):
        return fit_temperature(logits, target, weight)


def _scores_from_counts(metric, tp, fp, fn, tn, f1_class):
    """A binary metric from (weighted) confusion counts of class 1; arrays broadcast."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pos, neg = tp + fn, tn + fp
        tpr = np.where(pos > 0, tp / pos, 0.0)
        tnr = np.where(neg > 0, tn / neg, 0.0)
        if metric == "accuracy":
            return (tp + tn) / (pos + neg)
        if metric == "balanced_accuracy":
            return (tpr + tnr) / 2
        if metric == "gmean":
            return np.sqrt(tpr * tnr)
        if metric == "matthews_corrcoef":
            denom = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
            return np.where(denom > 0, (tp * tn - fp * fn) / denom, 0.0)
        if metric == "f1":
            hit, miss = (tp, fp + fn) if f1_class == 1 else (tn, fn + fp)
            return np.where(2 * hit + miss > 0, 2 * hit / (2 * hit + miss), 0.0)
    _check_metric(metric)


def _check_metric(metric):
    if metric not in THRESHOLD_METRICS:
        raise ValueError(f"Unknown threshold metric {metric!r}; choose one of "
                         f"{', '.join(THRESHOLD_METRICS)}.")


def tune_threshold(p1, y_enc, metric, sample_weight=None, f1_class=1, *, n_bootstrap=0):
    """The threshold on ``p1`` that maximises a binary metric, and its score.

    Every cut between two distinct values of ``p1`` is tried: the rows are
    sorted by ``p1`` once and the confusion counts are accumulated, so the
    search is linear after the sort. The threshold is the midpoint between
    consecutive distinct values (the upper one where the midpoint rounds
    onto the lower); among equally good thresholds the median one is
    returned. A decision that puts every row in one class is not a
    candidate: a threshold is meant to separate the rows (a constant
    classifier can score well on accuracy or F1 of a tiny sample). Only
    relative weights matter: they are divided by their maximum first.

    With ``n_bootstrap`` > 0 the threshold is bagged: the median of the
    thresholds tuned so on ``n_bootstrap`` bootstrap resamples of the rows
    (rows drawn with replacement, their weights with them; resamples holding
    one class only are skipped). The argmax of a metric over the cut points
    of a few dozen positives is noisy; the median over resamples is a
    steadier estimate of where the metric peaks. The resamples are drawn
    with a fixed seed, so the threshold is a function of ``p1``, ``y_enc``
    and ``sample_weight`` alone.

    Parameters
    ----------
    p1 : array-like of shape (n_samples,)
        Probability (or any score) of class 1; the decision is ``p1 >= t``.
    y_enc : array-like of shape (n_samples,)
        Labels, 0 or 1.
    metric : {"f1", "balanced_accuracy", "matthews_corrcoef", "gmean", "accuracy"}
    sample_weight : array-like of shape (n_samples,), optional
    f1_class : {0, 1}, default=1
        The class whose F1 ``"f1"`` measures.
    n_bootstrap : int, default=0
        Bootstrap resamples to bag the threshold over; 0 tunes it once on
        all the rows.

    Returns
    -------
    threshold : float
        0.5 when ``p1`` takes a single value (no decision to tune).
    score : float
        The metric at ``threshold`` on all the rows.
    """
    _check_metric(metric)
    p1 = np.asarray(p1, dtype=np.float64)
    y_enc = np.asarray(y_enc)
    w = _relative_weights(sample_weight, len(p1))
    if n_bootstrap:
        rng = np.random.default_rng(0)
        found = []
        for _ in range(int(n_bootstrap)):
            rows = rng.integers(0, len(p1), len(p1))
            if np.unique(y_enc[rows]).size < 2:
                continue
            found.append(tune_threshold(p1[rows], y_enc[rows], metric, w[rows], f1_class)[0])
        if found:
            threshold = float(np.median(found))
            return threshold, score_at(p1, y_enc, metric, threshold, w, f1_class)
    order = np.argsort(-p1, kind="stable")
    p_sorted, pos_w = p1[order], (w * (y_enc == 1))[order]
    neg_w = w[order] - pos_w
    tp, fp = np.cumsum(pos_w), np.cumsum(neg_w)
    cut = np.flatnonzero(p_sorted[:-1] > p_sorted[1:])  # predict 1 for rows 0..i
    if cut.size == 0:  # one value: every row gets the same decision at 0.5
        ones = float(p_sorted[0] >= 0.5)
        score = _scores_from_counts(metric, ones * tp[-1], ones * fp[-1],
                                    (1 - ones) * tp[-1], (1 - ones) * fp[-1], f1_class)
        return 0.5, float(score)
    tp_c, fp_c = tp[cut], fp[cut]
    scores = _scores_from_counts(metric, tp_c, fp_c, tp[-1] - tp_c, fp[-1] - fp_c, f1_class)
    best = np.flatnonzero(scores >= scores.max() - 1e-12)
    i = best[len(best) // 2]
    upper, lower = p_sorted[cut[i]], p_sorted[cut[i] + 1]
    middle = (upper + lower) / 2
    return float(middle if middle > lower else upper), float(scores[i])


def _relative_weights(sample_weight, n):
    """The weights (ones when None) divided by their largest: only relative weights matter,
    and the counts a metric sees stay in the float range."""
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    top = w.max() if w.size else 0.0
    return w / top if np.isfinite(top) and top > 0 else w


# --------------------------------------------------------------- estimator
def check_threshold(threshold, classes):
    """Raise when a binary decision ``threshold`` is set for a multiclass ``y``."""
    if threshold is not None and len(classes) != 2:
        raise ValueError(
            f"threshold={threshold!r} sets a binary decision threshold, but y has "
            f"{len(classes)} classes; use threshold=None (the most probable class), or "
            "sklearn_losses.decisions.TunedOffsetsClassifierCV for per-class offsets.")


def score_at(p1, y_enc, metric, threshold, sample_weight=None, f1_class=1) -> float:
    """The binary ``metric`` of the decision ``p1 >= threshold`` (weighted counts)."""
    p1, y_enc = np.asarray(p1, dtype=np.float64), np.asarray(y_enc)
    w = _relative_weights(sample_weight, len(p1))
    ones = p1 >= threshold
    pos = w * (y_enc == 1)
    tp, fp = pos[ones].sum(), (w - pos)[ones].sum()
    return float(_scores_from_counts(metric, tp, fp, pos.sum() - tp, (w - pos).sum() - fp,
                                     f1_class))


def shrink_threshold(threshold, y_enc, sample_weight=None, strength=20.0) -> float:
    """A tuned threshold pulled toward a prior guess, more so the fewer rows the rare class has.

    In log-odds, the weighted mean of the tuned ``threshold`` (weight: the
    rare class's row count ``n_rare``) and of the guess ``logit(pi) / 2``
    (weight: ``strength``), where ``pi`` is the share of class 1::

        logit(t) = (n_rare * logit(threshold) + strength * logit(pi) / 2)
                   / (n_rare + strength)

    The guess is the midpoint in log-odds between the class prior (the
    decision that maximises balanced accuracy on calibrated probabilities)
    and 0.5 (the one that maximises accuracy); it equals
    ``sqrt(n_1) / (sqrt(n_1) + sqrt(n_0))``. A threshold tuned on the
    out-of-fold rows of a few dozen positives is noisy, and this is a
    shrinkage estimate with ``strength`` pseudo-rows of the rare class
    behind the guess. With sample weights, ``pi`` is the weighted share
    and ``n_rare`` the rare class's effective row count
    ``(sum w)**2 / sum(w**2)`` (Kish): its row count under equal weights,
    fewer when the weights vary, as the tuned threshold is then noisier. The
    rare class is the one with fewer rows (of positive weight; class 1 on
    ties), whatever its weights: up-weighting it does not add rows.

    Parameters
    ----------
    threshold : float
        The tuned threshold on the probability of class 1 (clipped to
        [1e-12, 1 - 1e-12] before its log-odds are taken).
    y_enc : array-like of shape (n_samples,)
        The labels it was tuned on, 0 or 1.
    sample_weight : array-like of shape (n_samples,), optional
    strength : float, default=20.0
        Pseudo-rows of the guess (non-negative); 0 returns ``threshold``,
        infinity the guess.

    Returns
    -------
    threshold : float

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([1] * 10 + [0] * 90)
    >>> round(shrink_threshold(0.8, y, strength=20.0), 4)
    0.4328
    >>> round(shrink_threshold(0.8, y, strength=1e12), 4)  # the guess: sqrt(10)/(sqrt(10)+sqrt(90))
    0.25
    """
    strength = float(strength)
    if not strength >= 0:  # NaN too
        raise ValueError(f"strength must be a non-negative number; got {strength!r}.")
    y_enc = np.asarray(y_enc)
    if not np.isin(y_enc, (0, 1)).all():
        raise ValueError("y_enc must hold the labels 0 and 1 only; got "
                         f"{np.unique(y_enc)[:10].tolist()}.")
    if strength == 0:
        return float(threshold)
    w = _relative_weights(sample_weight, len(y_enc))
    totals = np.bincount(y_enc, weights=w, minlength=2)[:2]
    if totals.min() <= 0:
        return float(threshold)
    # the rare class by rows (as the F1 scorers' minority): weights that balance the classes
    # do not make the majority rare
    rare = _minority_index(np.bincount(y_enc[w > 0], minlength=2))
    w_rare = w[y_enc == rare]
    n_rare = w_rare.sum() ** 2 / np.square(w_rare).sum()  # Kish's effective row count
    guess = 0.5 * np.log(totals[1] / totals[0])
    if np.isinf(strength):  # the guess alone
        return float(1.0 / (1.0 + np.exp(-guess)))
    t = min(max(float(threshold), 1e-12), 1 - 1e-12)
    z = (n_rare * np.log(t / (1 - t)) + strength * guess) / (n_rare + strength)
    return float(1.0 / (1.0 + np.exp(-z)))


def fit_threshold(threshold, oof_proba, y_enc, sample_weight=None, n_bootstrap=0,
                  shrinkage=0.0):
    """``(threshold_, threshold_score_)`` of the ``threshold`` parameter on OOF probabilities.

    A metric name: the threshold on ``oof_proba[:, 1]`` maximising it
    (:func:`tune_threshold`, bagged over ``n_bootstrap`` resamples), pulled
    toward the prior guess by :func:`shrink_threshold` with strength
    ``shrinkage``, and its score on the OOF rows; a float: itself and None;
    None: ``(None, None)`` (``predict`` is the argmax).
    """
    if isinstance(threshold, str):
        f1_class = _minority_index(np.bincount(y_enc, minlength=2))
        tuned, score = tune_threshold(oof_proba[:, 1], y_enc, threshold, sample_weight,
                                      f1_class=f1_class, n_bootstrap=n_bootstrap)
        if not shrinkage:
            return tuned, score
        shrunk = shrink_threshold(tuned, y_enc, sample_weight, shrinkage)
        return shrunk, score_at(oof_proba[:, 1], y_enc, threshold, shrunk, sample_weight,
                                f1_class)
    return (None if threshold is None else float(threshold)), None


def decide(proba, classes, threshold_):
    """``classes[1]`` where its probability reaches ``threshold_``; the argmax when None."""
    if threshold_ is not None:
        return classes[(proba[:, 1] >= threshold_).astype(np.intp)]
    return classes[np.argmax(proba, axis=1)]
