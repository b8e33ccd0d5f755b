"""The training path: the validation split, weights, schedules, stopping and random draws.

Defects found by a review of the engine, each with the case that showed it.
"""

import warnings

import numpy as np
import pytest
import torch

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.weighting import get_reweighting
from sklearn_losses.engine.callbacks import StoppingRule
from sklearn_losses.engine.data import holdout_split
from sklearn_losses.engine import training

FAST = dict(hidden_layer_sizes=(8,), random_state=0)


@pytest.mark.parametrize("counts", [[95, 5], [90, 8, 2], [30, 2]])
def test_the_validation_split_holds_every_class_on_each_side(counts):
    # StratifiedShuffleSplit gave a 95/5 table no validation positive for 20 of 50 seeds
    # (early stopping then watched a constant score), and class 2 of [90, 8, 2] never
    y = np.repeat(np.arange(len(counts)), counts)
    for seed in range(50):
        train, valid = holdout_split(y, len(counts), 0.1, seed)
        assert np.all(np.bincount(y[valid], minlength=len(counts)) >= 1)
        assert np.all(np.bincount(y[train], minlength=len(counts)) >= 1)
        assert len(np.intersect1d(train, valid)) == 0 and len(train) + len(valid) == len(y)
        assert np.all(np.diff(train) > 0) and np.all(np.diff(valid) > 0)


def test_the_validation_split_counts_rows_of_positive_weight_only():
    y = np.repeat([0, 1], [90, 10])
    weight = np.ones(100)
    weight[90:97] = 0.0  # 3 positives of positive weight
    for seed in range(30):
        train, valid = holdout_split(y, 2, 0.1, seed, weight=weight)
        assert np.any((y[valid] == 1) & (weight[valid] > 0))
        assert np.any((y[train] == 1) & (weight[train] > 0))
    weight[90:99] = 0.0  # a single positive of positive weight: no split
    with pytest.warns(UserWarning, match=r"class counts are \[90, 1\] \(rows of positive "
                                         r"sample_weight\)"):
        assert holdout_split(y, 2, 0.1, 0, weight=weight) == (None, None)


def test_early_stopping_sees_every_class_and_its_weight():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 4))
    y = np.r_[np.zeros(95, int), np.ones(5, int)]
    X[y == 1] += 1.5
    clf = WeightedLossClassifier(early_stopping=True, scoring="average_precision",
                                 max_epochs=3, **FAST)
    for seed in range(6):
        clf.set_params(random_state=seed).fit(X, y)
        assert set(y[clf.plan_.valid_index]) == {0, 1}
        assert np.isfinite(clf.validation_scores_).all()
    # a positive of weight 0 is not a validation positive: the scores are never NaN
    weight = np.ones(100)
    weight[95:98] = 0.0
    for seed in range(6):
        clf.set_params(random_state=seed).fit(X, y, sample_weight=weight)
        valid = clf.plan_.valid_index
        assert np.any((y[valid] == 1) & (weight[valid] > 0))
        assert np.isfinite(clf.validation_scores_).all()


def test_prior_calibration_divides_out_the_weights_of_the_epoch_kept():
    # drw switches its class weights on at start_epoch; early stopping once kept an epoch
    # before that (19 of 34 run, drw from 21), yet the prior correction divided out the later
    # weights. The stopping rule now starts over at the switch (an epoch of the weighted
    # phase is kept), and the correction divides out the weights that epoch trained with.
    from sklearn.datasets import make_classification

    X, y = make_classification(1000, 8, weights=[0.9], flip_y=0.05, random_state=0)
    clf = WeightedLossClassifier(
        loss="cross_entropy", reweight=get_reweighting("drw", start_epoch=20),
        calibration="prior", early_stopping=True, n_iter_no_change=15, max_epochs=200,
        lr=2e-2, weight_decay=0, random_state=0, preprocessing=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    assert 20 < clf.best_epoch_ <= clf.n_iter_
    np.testing.assert_allclose(clf.class_weight_, clf.history_[clf.best_epoch_ - 1,
                                                               "class_weight"])
    assert clf.class_weight_[1] > 1.0 > clf.class_weight_[0]
    np.testing.assert_allclose(clf.logit_offset_, -np.log(clf.class_weight_))


@pytest.mark.parametrize("lower_is_better", [True, False])
def test_a_relative_tolerance_asks_for_a_move_in_the_better_direction(lower_is_better):
    # skorch's threshold - tol * score turned around for a negative score: a worse epoch
    # counted as an improvement
    rule = StoppingRule(monitor="x", lower_is_better=lower_is_better, threshold=0.2,
                        threshold_mode="rel")
    for score in (-2.0, 2.0):
        better = rule._calc_new_threshold(score)
        assert (better < score) if lower_is_better else (better > score)
        assert abs(better - score) == pytest.approx(0.4)


def test_continued_training_draws_new_dropout_masks_and_neighbours():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4)).astype(np.float32)
    y = (X[:, 0] > 0.5).astype(int)

    def masks_after(clf, call):
        states = []
        original = training.seed_draws

        def spy(seed, device):
            states.append(int(seed))
            return original(seed, device)

        training.seed_draws = spy
        try:
            for _ in range(3):
                call(clf)
        finally:
            training.seed_draws = original
        return states

    dropout = WeightedLossClassifier(dropout=0.2, early_stopping=False, **FAST)
    seeds = masks_after(dropout, lambda c: c.partial_fit(X, y, classes=[0, 1]))
    assert len(set(seeds)) == 3  # one seed per epoch, not the first call's three times
    nca = WeightedLossClassifier(architecture="nca", warm_start=True, max_epochs=1,
                                 early_stopping=False, **FAST)
    seeds = masks_after(nca, lambda c: c.fit(X, y))
    assert len(set(seeds)) == 3
    # a fresh fit draws as before (its first call), and refits are reproducible
    a = WeightedLossClassifier(dropout=0.2, max_epochs=3, early_stopping=False, **FAST)
    np.testing.assert_array_equal(a.fit(X, y).predict_proba(X), a.fit(X, y).predict_proba(X))


def test_an_ensloss_continued_by_partial_fit_draws_on():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4)).astype(np.float32)
    y = (X[:, 0] > 0.5).astype(int)
    clf = WeightedLossClassifier(loss="ensloss", early_stopping=False, **FAST)
    states = []
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
        states.append(bytes(clf._training_state["loss_generators"][0].numpy()))
    assert len(set(states)) == 3
    # and three epochs of partial_fit are three epochs of one fit
    one = WeightedLossClassifier(loss="ensloss", max_epochs=3, early_stopping=False, **FAST)
    np.testing.assert_allclose(one.fit(X, y).predict_proba(X), clf.predict_proba(X),
                               rtol=1e-5, atol=1e-6)


def test_eval_set_does_not_stand_in_for_a_missing_training_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (np.arange(120) % 4 == 0).astype(int)
    weight = np.where(y == 1, 0.0, 1.0)  # the training positives weigh nothing
    clf = WeightedLossClassifier(reweight=None, max_epochs=2, **FAST)
    with pytest.raises(ValueError, match="among the training rows \\(eval_set aside\\)"):
        clf.fit(X, y, sample_weight=weight, eval_set=(X[:40], y[:40]))
