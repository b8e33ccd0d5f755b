"""Defects a second review of the training engine found, each pinned by its own test:
deferred re-weighting with early stopping and continued fits, divergence in a continued fit,
the balanced sampler with weights of 0, and the weighted training-loss curve."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from sklearn_losses import WeightedLossClassifier, get_reweighting
from sklearn_losses.engine.data import DeviceTensorDataset, TensorBatchIterator

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _drw_data(n=600):
    return make_classification(n, n_features=5, flip_y=0.05, weights=[0.9], random_state=0)


def test_drw_keeps_an_epoch_of_its_weighted_phase_under_early_stopping():
    """The watched loss jumps when the class weights switch on; early stopping used to keep
    the unweighted epoch before the switch (class_weight_ [1, 1]), or stop right after it."""
    X, y = _drw_data()
    clf = WeightedLossClassifier(reweight="drw", hidden_layer_sizes=(4,), max_epochs=20,
                                 validation_fraction=0.2, early_stopping=True, random_state=0)
    clf.fit(X, y)
    history = clf.history_
    switch = next(i for i, row in enumerate(history) if row["final_class_weights"])
    assert switch == 16  # round(0.8 * 20), 0-based
    assert clf.best_epoch_ > switch  # 1-based: an epoch of the weighted phase
    assert clf.class_weight_[1] > clf.class_weight_[0] > 0
    assert list(history[clf.best_epoch_ - 1, "class_weight"]) == pytest.approx(
        list(clf.class_weight_))
    # the training-loss rule starts over at the switch too, instead of stopping on the jump
    clf = WeightedLossClassifier(reweight=get_reweighting("drw", start_epoch=10),
                                 hidden_layer_sizes=(4,), max_epochs=60, n_iter_no_change=5,
                                 tol=1e-3, random_state=0).fit(X, y)
    assert clf.stopping_ == "train_loss" and clf.n_iter_ > 15


def test_drw_weights_do_not_switch_off_in_a_continued_fit():
    X, y = _drw_data(100)
    clf = WeightedLossClassifier(reweight="drw", hidden_layer_sizes=(4,), max_epochs=5,
                                 early_stopping=False, random_state=0).fit(X, y)
    assert clf.history_[-1, "final_class_weights"]  # switched on at epoch round(0.8 * 5)
    clf.set_params(warm_start=True, max_epochs=10).fit(X, y)  # would switch at epoch 8
    flags = [row["final_class_weights"] for row in clf.history_]
    assert flags == [False] * 4 + [True] * 11


def test_a_continued_fit_whose_starting_weights_diverge_raises_and_keeps_the_model():
    X, y = make_classification(64, n_features=5, random_state=0)
    clf = WeightedLossClassifier(loss="cross_entropy", reweight=None, hidden_layer_sizes=(8,),
                                 weight_decay=0, random_state=0, batch_size=64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(X, y, classes=[0, 1])
    with torch.no_grad():  # weights that already diverge (the last step of a call is now
        for p in clf.module_.parameters():  # measured, so a fit no longer leaves such ones)
            p.mul_(1e4)
    before = [p.detach().clone() for p in clf.module_.parameters()]
    kept = {k: v for k, v in vars(clf).items() if k.endswith("_") and not k.endswith("__")}
    kept["_training_state"] = clf._training_state
    n_iter, n_history = clf.n_iter_, len(clf.history_)
    with pytest.raises(FloatingPointError, match="those a continued fit started from"):
        clf.partial_fit(X, y)
    assert all(torch.equal(a, b) for a, b in zip(before, clf.module_.parameters()))
    # the model is the one of before the call, not the failed call's record of it
    assert clf.n_iter_ == n_iter and len(clf.history_) == n_history
    for name, value in kept.items():
        assert getattr(clf, name) is value, name


def test_the_balanced_sampler_draws_no_row_of_weight_zero():
    y = torch.tensor([0] * 90 + [1] * 10)
    w = torch.ones(100)
    w[90:99] = 0.0  # class 1 has one row of positive weight
    dataset = DeviceTensorDataset(torch.zeros(100, 1), y, w)
    it = TensorBatchIterator(dataset, 20, sampler="balanced",
                             generator=torch.Generator().manual_seed(0))
    order = it._order()
    assert not torch.isin(order, torch.arange(90, 99)).any()
    drawn = w[order]
    share = drawn[y[order] == 1].sum() / drawn.sum()
    assert 0.4 < share < 0.6  # was 0.09: the zero-weight rows took the class's draws


def test_the_training_loss_curve_is_the_weighted_mean_over_the_rows():
    X, y = make_classification(64, n_features=5, random_state=0)
    w = np.where(y == 1, 3.0, 0.5)
    w[:8] = 0.0
    curves = {}
    for batch_size in (64, 4):
        clf = WeightedLossClassifier(loss="cross_entropy", reweight=None, hidden_layer_sizes=(4,),
                                     max_epochs=1, early_stopping=False, lr=1e-12,
                                     batch_size=batch_size, random_state=0,
                                     preprocessing=None)
        curves[batch_size] = clf.fit(X.astype(np.float32), y, sample_weight=w).loss_curve_[0]
    # with lr ~ 0 the weights do not move: every batching gives the one weighted mean
    assert curves[4] == pytest.approx(curves[64], rel=1e-5)


@pytest.mark.parametrize("device", [
    "cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                         reason="needs CUDA"))])
def test_training_draws_leave_the_cuda_generators_alone(monkeypatch, device):
    """A fit with dropout seeded its draws with torch.manual_seed, which reseeds every CUDA
    device too (and fork_rng restored only the training device's)."""
    called = []
    monkeypatch.setattr(torch, "manual_seed", lambda seed: called.append(seed))
    if device == "cpu":  # without CUDA the states below are empty: record any reseeding
        for name in ("manual_seed", "manual_seed_all", "seed", "seed_all", "set_rng_state",
                     "set_rng_state_all"):
            monkeypatch.setattr(torch.cuda, name,
                                lambda *args, _name=name, **kwargs: called.append(_name))
    X, y = make_classification(60, n_features=4, random_state=0)
    state = torch.get_rng_state()
    cuda_states = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []
    clf = WeightedLossClassifier(dropout=0.2, hidden_layer_sizes=(4,), max_epochs=2,
                                 early_stopping=False, random_state=0, device=device).fit(X, y)
    assert clf.device_.type == device
    assert not called and torch.equal(torch.get_rng_state(), state)
    after = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []
    assert all(torch.equal(a, b) for a, b in zip(after, cuda_states))


def test_the_last_step_is_measured_too(monkeypatch):
    """A 1-epoch, 1-batch fit whose one step exploded the weights returned them silently."""
    X, y = make_classification(64, n_features=5, random_state=0)
    clf = WeightedLossClassifier(loss="cross_entropy", reweight=None, hidden_layer_sizes=(8,),
                                 lr=1e4, weight_decay=0, random_state=0, batch_size=64,
                                 max_epochs=1, early_stopping=False)
    with pytest.raises(FloatingPointError, match="measured after the last step"):
        clf.fit(X, y)
    # a sane run is unchanged by the check (same weights as a run without it)
    sane = WeightedLossClassifier(hidden_layer_sizes=(8,), random_state=0, max_epochs=3,
                                  early_stopping=False, dropout=0.1).fit(X, y)
    import sklearn_losses.engine.net as engine_net

    monkeypatch.setattr(engine_net, "check_last_step", lambda net: None)
    unchecked = WeightedLossClassifier(hidden_layer_sizes=(8,), random_state=0, max_epochs=3,
                                       early_stopping=False, dropout=0.1).fit(X, y)
    np.testing.assert_array_equal(sane.predict_proba(X), unchecked.predict_proba(X))
    assert sane.n_iter_ == 3 and sane.stopping_ == "none"
