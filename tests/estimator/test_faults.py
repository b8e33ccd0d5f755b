"""Faults of fit: interrupts, divergence, convergence, calibration, failed refits, messages."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklearn_losses import WeightedLossClassifier, get_loss
from sklearn_losses import plan as plan_module
from sklearn_losses.losses import PointwiseLoss
from sklearn_losses.losses.base import target_nll

TINY = dict(hidden_layer_sizes=(16,), batch_size=64, lr=1e-2, random_state=0)


def _data(n=300, n_classes=2, seed=0):
    weights = [0.8] if n_classes == 2 else None
    return make_classification(n, n_features=6, n_informative=4, n_classes=n_classes,
                               weights=weights, random_state=seed)


class _FaultyLoss(PointwiseLoss):
    """Cross-entropy that misbehaves from its ``after``-th training call on (test helper).

    ``fault="interrupt"`` raises KeyboardInterrupt (a Ctrl-C in that epoch),
    ``fault="explode"`` multiplies the loss by 1e8 (finite, but exploded).
    """

    def __init__(self, after=2, fault="interrupt"):
        super().__init__()
        self.after = after
        self.fault = fault

    def _loss_per_sample(self, logits, target):
        loss = target_nll(logits, target)
        if not logits.requires_grad:  # validation pass
            return loss
        self.calls_ = getattr(self, "calls_", 0) + 1
        if self.calls_ > self.after:
            if self.fault == "interrupt":
                raise KeyboardInterrupt
            return loss * 1e8
        return loss


# -- item 1: Ctrl-C -----------------------------------------------------------------------
def test_keyboard_interrupt_propagates_and_leaves_the_estimator_unfitted():
    X, y = _data()
    # one batch per epoch: the interrupt comes in epoch 3
    clf = WeightedLossClassifier(loss=_FaultyLoss(after=2), max_epochs=10,
                                 **{**TINY, "batch_size": 1000})
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    for attr in ("module_", "classes_", "n_features_in_", "history_", "n_iter_"):
        assert not hasattr(clf, attr), attr


def test_keyboard_interrupt_stops_a_grid_search():
    X, y = _data()
    clf = WeightedLossClassifier(loss=_FaultyLoss(after=2), max_epochs=10,
                                 **{**TINY, "batch_size": 1000})
    search = GridSearchCV(clf, {"lr": [1e-2, 1e-3]}, cv=2, error_score=np.nan)
    with pytest.raises(KeyboardInterrupt):
        search.fit(X, y)


def test_early_stopping_still_stops_without_interrupting():
    X, y = _data()
    clf = WeightedLossClassifier(early_stopping=True, n_iter_no_change=2, tol=0.5,
                                 max_epochs=50, **TINY).fit(X, y)
    assert clf.n_iter_ < 50


# -- item 2: exploding loss ----------------------------------------------------------------
def test_exploding_learning_rate_raises_in_the_first_epoch():
    X, y = _data()
    # no weight decay: lr * weight_decay = 1e6 would make the weights infinite
    # ("became NaN or infinite") before the loss could explode
    clf = WeightedLossClassifier(max_epochs=20, **{**TINY, "lr": 1e6, "weight_decay": 0.0})
    with pytest.raises(FloatingPointError, match="exploded"):
        clf.fit(X, y)
    assert not hasattr(clf, "module_")


def test_loss_exploding_later_warns_and_keeps_the_last_sane_weights():
    X, y = _data()
    # one batch per epoch: epoch 6's loss is measured on the weights epoch 5's step made,
    # so those are not sane; the weights after epoch 4 (epoch 5's measured start) are kept
    clf = WeightedLossClassifier(loss=_FaultyLoss(after=5, fault="explode"), max_epochs=20,
                                 early_stopping=False, **{**TINY, "batch_size": 1000})
    with pytest.warns(ConvergenceWarning, match="kept the weights of epoch 4"):
        clf.fit(X, y)
    assert clf.n_iter_ == 6 and clf.best_epoch_ == 4
    proba = clf.predict_proba(X)
    assert np.all(np.isfinite(proba)) and 0.0 < proba.min() and proba.max() < 1.0
    assert clf.loss_curve_[-1] > 1e3 * clf.loss_curve_[0]  # engine.EXPLOSION_FACTOR


def test_loss_exploding_within_an_epoch_keeps_that_epochs_start():
    X, y = _data()
    # 5 batches of 64 per epoch (300 rows): the 13th call is epoch 3's third batch; the
    # epoch's first batch measured the weights it started from (after epoch 2) as sane
    clf = WeightedLossClassifier(loss=_FaultyLoss(after=12, fault="explode"), max_epochs=20,
                                 early_stopping=False, batch_sampler="random", **TINY)
    with pytest.warns(ConvergenceWarning, match="diverged at epoch 3.*kept the weights of epoch 2"):
        clf.fit(X, y)
    assert clf.n_iter_ == 3 and clf.best_epoch_ == 2


def test_weights_exploded_by_the_first_step_raise():
    X, y = _data()
    # one batch per epoch: the first step already sends the loss past 1000 times its
    # initial value, which epoch 2's batch measures; no trained weights are sane
    clf = WeightedLossClassifier(max_epochs=20, early_stopping=False,
                                 **{**TINY, "lr": 1e3, "weight_decay": 0.0, "batch_size": 1000})
    with pytest.raises(FloatingPointError, match="diverged at epoch 2.*no trained weights"):
        clf.fit(X, y)
    assert not hasattr(clf, "module_")


@pytest.mark.parametrize("loss", ["cross_entropy", "ensloss", "anyloss_f1", "auc_square",
                                  "focal", "ldam"])
def test_explosion_rule_does_not_fire_on_ordinary_training(loss):
    X, y = _data()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*diverged.*")
        WeightedLossClassifier(loss=loss, max_epochs=30, early_stopping=False,
                               **{**TINY, "lr": 5e-2}).fit(X, y)


# -- item 3: max_epochs reached --------------------------------------------------------------
@pytest.mark.parametrize("early_stopping", ["auto", True])
def test_reaching_max_epochs_with_a_stopping_rule_warns(early_stopping):
    X, y = _data()
    clf = WeightedLossClassifier(early_stopping=early_stopping, max_epochs=3, **TINY)
    with pytest.warns(ConvergenceWarning, match="max_epochs=3"):
        clf.fit(X, y)
    assert clf.n_iter_ == 3


def test_no_convergence_warning_without_stopping_rule_or_when_it_fires():
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        WeightedLossClassifier(early_stopping=False, max_epochs=3, **TINY).fit(X, y)
        clf = WeightedLossClassifier(n_iter_no_change=2, tol=1.0, max_epochs=50,
                                     **TINY).fit(X, y)
    assert clf.n_iter_ < 50


# -- items 4, 5, 6: calibration="prior" --------------------------------------------------------
def _weighted_imbalance(seed=0):
    rng = np.random.RandomState(seed)
    y = np.r_[np.zeros(900, int), np.ones(100, int)]
    X = rng.randn(1000, 4) + 0.3 * y[:, None]  # weak signal: posteriors near the prior
    return X, y, np.where(y == 1, 3.0, 1.0)


def test_prior_calibration_with_balanced_batches_and_sample_weight_gives_the_weighted_prior():
    X, y, sw = _weighted_imbalance()
    clf = WeightedLossClassifier(batch_sampler="balanced", calibration="prior",
                                 early_stopping=False, max_epochs=30,
                                 **{**TINY, "batch_size": 256}).fit(X, y, sample_weight=sw)
    weighted_prior = 300 / (900 + 300)
    p1 = clf.predict_proba(X)[:, 1]
    # measured: 0.247 (0.465 when the weighted counts were taken as the sampler's prior)
    assert abs(np.average(p1, weights=sw) - weighted_prior) < 0.05


def test_prior_calibration_with_balanced_batches_counts_the_rows_it_draws():
    # the balanced sampler draws rows of positive weight only; the correction counted every
    # row, so with half of a class at weight 0 its probabilities were off by log 2 in
    # log-odds (a reviewer's Gaussians: 0.045 from the true posterior against 0.002)
    X, y, _ = _weighted_imbalance()
    sw = np.ones(len(y))
    sw[np.flatnonzero(y == 0)[::2]] = 0.0  # 450 of the 900 negatives weigh 0
    clf = WeightedLossClassifier(batch_sampler="balanced", calibration="prior",
                                 early_stopping=False, max_epochs=2, **TINY)
    clf.fit(X, y, sample_weight=sw)
    offset = clf.logit_offset_
    np.testing.assert_allclose(offset[1] - offset[0], np.log(100 / 450))
    np.testing.assert_array_equal(clf.plan_.drawn_counts, [450, 100])
    np.testing.assert_array_equal(clf.class_row_counts_, [900, 100])  # unchanged


@pytest.mark.parametrize("kw", [dict(loss="cross_entropy"), dict(loss="focal")])
def test_prior_calibration_under_dro_kl_warns_that_it_cannot_undo_it(kw):
    # an instance-level scheme distorts the probabilities like a temperature; the correction
    # left them as they were (offset 0), silently for a proper loss
    X, y = _data()
    clf = WeightedLossClassifier(reweight="dro_kl", calibration="prior", max_epochs=2,
                                 early_stopping=False, **kw, **TINY)
    with pytest.warns(UserWarning, match="cannot undo reweight='dro_kl'"):
        clf.fit(X, y)


def test_zero_weight_class_with_balanced_batches_and_prior_calibration_predicts():
    X, y = _data(n=300, n_classes=3)
    sw = np.where(y == 2, 0.0, 1.0)
    clf = WeightedLossClassifier(batch_sampler="balanced", calibration="prior",
                                 early_stopping=False, max_epochs=20, **TINY)
    clf.fit(X, y, sample_weight=sw)
    assert np.all(np.isfinite(clf.logit_offset_))
    proba = clf.predict_proba(X)
    assert np.all(np.isfinite(proba))
    assert proba[:, 2].mean() < 0.1  # a class of weight 0 has (nearly) no probability
    assert set(clf.predict(X)) <= {0, 1}


@pytest.mark.parametrize("loss, kw", [("focal", dict(reweight="balanced")),
                                      ("gce", dict(batch_sampler="balanced")),
                                      (get_loss("cross_entropy", label_smoothing=0.1),
                                       dict(reweight="balanced"))])
def test_prior_calibration_of_a_loss_that_is_not_proper_warns(loss, kw):
    X, y = _data()
    clf = WeightedLossClassifier(loss=loss, calibration="prior", max_epochs=2,
                                 early_stopping=False, **kw, **TINY)
    with pytest.warns(UserWarning, match="calibration='temperature'"):
        clf.fit(X, y)


@pytest.mark.parametrize("loss, kw", [("cross_entropy", dict(reweight="balanced")),
                                      ("logit_adjusted", {}), ("balanced_softmax", {}),
                                      ("focal", dict(reweight=None))])
def test_prior_calibration_of_proper_losses_or_without_correction_is_silent(loss, kw):
    X, y = _data()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*calibration='prior'.*")
        WeightedLossClassifier(loss=loss, calibration="prior", max_epochs=2,
                               early_stopping=False, **kw, **TINY).fit(X, y)


# -- item 7: failed refit -------------------------------------------------------------------------
def _check_consistent(clf, X, n_classes):
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), n_classes) == (len(X), len(clf.classes_))
    assert set(clf.predict(X)) <= set(clf.classes_)


def test_failed_refit_keeps_the_previous_model():
    X2, y2 = _data()
    clf = WeightedLossClassifier(reweight="balanced", max_epochs=3, early_stopping=False, **TINY)
    clf.fit(X2, y2)
    before = clf.predict_proba(X2)
    X3, y3 = _data(n_classes=3)
    X3 = np.c_[X3, X3[:, :1]]  # another number of features too
    sw = np.where(y3 == 2, 0.0, 1.0)  # reweight="balanced" cannot weight class 2: fails late
    with pytest.raises(ValueError, match="total weight of 0"):
        clf.fit(X3, y3, sample_weight=sw)
    assert clf.n_features_in_ == 6 and list(clf.classes_) == [0, 1]
    _check_consistent(clf, X2, 2)
    np.testing.assert_array_equal(clf.predict_proba(X2), before)


def test_interrupted_refit_keeps_the_previous_model_and_feature_names():
    X, y = _data()
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    clf = WeightedLossClassifier(max_epochs=3, early_stopping=False, **TINY).fit(df, y)
    before = clf.predict_proba(df)
    clf.set_params(loss=_FaultyLoss(after=1), batch_size=1000)
    X3, y3 = _data(n_classes=3)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(pd.DataFrame(X3, columns=[f"g{i}" for i in range(6)]), y3)
    assert list(clf.feature_names_in_) == list(df.columns)
    _check_consistent(clf, df, 2)
    np.testing.assert_array_equal(clf.predict_proba(df), before)


# -- item 9: messages ---------------------------------------------------------------------------
@pytest.mark.parametrize("loss", ["logit_adjusted", "balanced_softmax", "ldam"])
def test_zero_weight_class_for_a_loss_needing_counts_speaks_of_sample_weight(loss):
    X, y = _data(n_classes=3)
    sw = np.where(y == 2, 0.0, 1.0)
    clf = WeightedLossClassifier(loss=loss, reweight=None, max_epochs=2, **TINY)
    with pytest.raises(ValueError, match=r"class\(es\) \[2\].*sample_weight") as info:
        clf.fit(X, y, sample_weight=sw)
    assert "class_counts must contain" not in str(info.value)


def test_validation_split_of_zero_weight_rows_is_named(monkeypatch):
    X, y = _data()
    valid = np.r_[np.flatnonzero(y == 0)[:20], np.flatnonzero(y == 1)[:10]]
    train = np.setdiff1d(np.arange(len(y)), valid)
    monkeypatch.setattr(plan_module, "holdout_split", lambda *a, **k: (train, valid))
    sw = np.ones(len(y))
    sw[valid] = 0.0
    clf = WeightedLossClassifier(early_stopping=True, scoring="roc_auc", max_epochs=3, **TINY)
    with pytest.raises(ValueError, match="validation split.*only rows with sample_weight 0"):
        clf.fit(X, y, sample_weight=sw)


def test_instance_weighting_of_a_wrapped_batch_loss_names_the_inner_loss():
    X, y = _data()
    clf = WeightedLossClassifier(loss="auc_square", logit_clip=2.0, reweight="dro_kl",
                                 max_epochs=2, **TINY)
    with pytest.raises(ValueError,
                       match=r"batch-level loss 'auc_square' \(wrapped in logit_clip\)"):
        clf.fit(X, y)


def test_nested_parameters_of_a_loss_given_by_name():
    X, y = _data()
    clf = WeightedLossClassifier(loss="logit_adjusted", max_epochs=2, early_stopping=False,
                                 **TINY)
    search = GridSearchCV(clf, {"loss__tau": [0.5, 1.0]}, cv=2, error_score="raise").fit(X, y)
    assert search.best_estimator_.loss.tau == search.best_params_["loss__tau"]
    assert clf.loss == "logit_adjusted"  # the estimator given is untouched
    clf.set_params(reweight="class_balanced", reweight__beta=0.9)
    assert clf.get_params()["reweight"].beta == 0.9
    with pytest.raises(ValueError, match="reweight='auto' has none"):
        WeightedLossClassifier().set_params(reweight__beta=0.9)


def test_huge_sample_weights_train_as_their_relative_values():
    X, y = _data()
    kw = dict(max_epochs=5, early_stopping=False, **TINY)
    ones = WeightedLossClassifier(**kw).fit(X, y, sample_weight=np.ones(len(y)))
    huge = WeightedLossClassifier(**kw).fit(X, y, sample_weight=np.full(len(y), 1e38))
    np.testing.assert_array_equal(huge.predict_proba(X), ones.predict_proba(X))
    np.testing.assert_allclose(huge.class_counts_, 1e38 * np.bincount(y))


def test_warm_start_after_divergence_starts_the_optimizer_afresh():
    X, y = _data()
    clf = WeightedLossClassifier(loss=_FaultyLoss(after=5, fault="explode"), max_epochs=20,
                                 early_stopping=False, warm_start=True,
                                 **{**TINY, "batch_size": 1000})
    with pytest.warns(ConvergenceWarning, match="diverged"):
        clf.fit(X, y)
    assert clf._training_state["optimizer"] is None
    clf.set_params(loss="cross_entropy", max_epochs=3)
    clf.fit(X, y)  # resumes the kept weights with fresh AdamW moments
    assert clf.n_iter_ == 9 and clf._training_state["optimizer"] is not None
    assert np.all(np.isfinite(clf.predict_proba(X)))


def test_an_interrupted_continued_fit_keeps_the_previous_weights_and_history():
    X, y = _data()
    clf = WeightedLossClassifier(max_epochs=2, early_stopping=False, warm_start=True,
                                 **TINY).fit(X, y)
    before = [p.detach().clone() for p in clf.module_.parameters()]
    proba, n_history = clf.predict_proba(X), len(clf.history_)
    # 5 batches an epoch: the interrupt comes at the third batch, after two optimizer steps
    clf.set_params(loss=_FaultyLoss(after=2), max_epochs=3)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert all(torch.equal(a, b) for a, b in zip(before, clf.module_.parameters()))
    assert len(clf.history_) == n_history and clf.n_iter_ == 2
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
