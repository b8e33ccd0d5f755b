"""The training plan: what "auto" became, made once per fit, handed to the engine."""

import dataclasses

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.metrics import get_scorer as sklearn_get_scorer

from sklearn_losses import WeightedLossClassifier, engine
from sklearn_losses.engine.reducer import BatchReducer
from sklearn_losses.plan import NetworkSpec, TrainingPlan

TINY = dict(hidden_layer_sizes=(8,), batch_size=64, lr=1e-2, random_state=0, max_epochs=3)


def _data(n=300, weights=(0.8,)):
    return make_classification(n, 6, n_informative=4, weights=list(weights), random_state=0)


def test_fitted_estimator_exposes_what_auto_became(one_torch_thread):
    X, y = _data()
    clf = WeightedLossClassifier(**TINY).fit(X, y)
    plan = clf.plan_
    assert isinstance(plan, TrainingPlan)
    assert plan.loss.name == "cross_entropy" and plan.loss.label_smoothing == 0.1
    assert plan.reweight == "inverse_sqrt" and plan.batch_sampler == "random"
    assert plan.stopping == "train_loss" and plan.valid_index is None  # 300 rows: no split
    assert plan.device == torch.device("cpu") and plan.n_threads == 1  # tiny: CPU even with a GPU
    assert plan.lr_schedule == "constant" and plan.batch_size == 64
    assert plan.network == NetworkSpec("mlp", (8,), "relu", 0.0, None, None, 16, 48)
    np.testing.assert_array_equal(plan.class_counts, np.bincount(y))
    # the fitted attributes are the plan's
    assert clf.loss_ is plan.loss and clf.reweight_ == plan.reweight
    assert clf.batch_sampler_ == plan.batch_sampler and clf.stopping_ == plan.stopping


def test_auto_device_is_cuda_only_from_cuda_min_work():
    # a GPU step costs about a millisecond of kernel launches whatever its size: "auto"
    # keeps small batches on the CPU (decided from the shapes alone, so reproducible)
    from sklearn_losses.engine import runtime

    assert runtime.batch_work(256, 30, (100,)) == 256 * (30 * 100 + 100 * 2)
    assert runtime.batch_work(256, 30, ("a",)) is None
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch.cuda, "is_available", lambda: True)
        assert runtime.resolve_device("auto", runtime.CUDA_MIN_WORK - 1).type == "cpu"
        assert runtime.resolve_device("auto", runtime.CUDA_MIN_WORK).type == "cuda"
        assert runtime.resolve_device("auto").type == "cuda"  # no work given: the GPU
        assert runtime.resolve_device("cpu", 10**12).type == "cpu"  # an explicit device holds
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch.cuda, "is_available", lambda: False)
        assert runtime.resolve_device("auto", 10**12).type == "cpu"


def test_auto_device_of_a_fit_follows_the_batch_work_and_a_continued_fit_stays(monkeypatch):
    from sklearn_losses.engine import runtime

    X, y = _data()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # a GPU, as "auto" sees it
    clf = WeightedLossClassifier(**{**TINY, "max_epochs": 2}, warm_start=True).fit(X, y)
    assert clf.device_.type == "cpu" and clf.plan_.device.type == "cpu"  # 64 x 6->8->2: tiny
    # a continued fit keeps the first fit's device even where "auto" would now pick the GPU
    monkeypatch.setattr(runtime, "CUDA_MIN_WORK", 0)
    assert runtime.resolve_device("auto", 1).type == "cuda"
    clf.fit(X, y)
    assert clf.device_.type == "cpu" and clf.n_iter_ == 4
    clf.partial_fit(X[:50], y[:50])
    assert clf.device_.type == "cpu"
    # set_params(device=...) before a continued fit still moves it
    clf.set_params(device="cpu")
    assert clf.partial_fit(X[:50], y[:50]).device_.type == "cpu"
    # a new fit's plan decides afresh from its batch work (only planned here: this
    # machine may have no GPU to train on)
    from sklearn_losses.plan import make_plan

    params = WeightedLossClassifier(**TINY).get_params()
    plan = make_plan(params, X, y, np.array([0, 1]), None, monitor=None)
    assert plan.device.type == "cuda"
    monkeypatch.setattr(runtime, "CUDA_MIN_WORK", 64 * (6 * 8 + 8 * 2) + 1)
    assert make_plan(params, X, y, np.array([0, 1]), None, monitor=None).device.type == "cpu"


def test_plan_is_frozen():
    X, y = _data()
    plan = WeightedLossClassifier(**TINY).fit(X, y).plan_
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.lr = 1.0


def test_validation_split_and_monitor_in_the_plan():
    X, y = _data()
    clf = WeightedLossClassifier(scoring="roc_auc", **TINY).fit(X, y)
    plan = clf.plan_
    assert plan.stopping == "validation" and plan.monitor.name == "roc_auc"
    assert len(plan.valid_index) == 30 and len(plan.train_index) == 270
    assert plan.batch_size == 64


def test_batch_size_is_capped_at_the_training_rows():
    X, y = _data(50)
    plan = WeightedLossClassifier(**{**TINY, "batch_size": 256}).fit(X, y).plan_
    assert plan.batch_size == 50


def test_partial_fit_plan_trains_one_epoch_without_split():
    X, y = _data()
    clf = WeightedLossClassifier(scoring="roc_auc", **TINY).partial_fit(X, y, classes=[0, 1])
    assert clf.plan_.epochs == 1 and clf.plan_.stopping == "none"
    assert clf.plan_.monitor is None and clf.plan_.valid_index is None
    first = clf.plan_
    clf.partial_fit(X, y)
    assert clf.plan_.resume and clf.plan_.class_weight is first.class_weight


def test_sample_weight_reaches_the_loss_through_the_reducer(monkeypatch, one_torch_thread):
    """estimator -> plan -> engine -> reducer -> loss: the loss sees sample_weight times the
    class weights, nothing else."""
    X, y = _data(100)
    w = np.random.RandomState(0).randint(1, 4, size=len(y)).astype(float)
    seen = []
    original = BatchReducer.__call__

    def spy(self, criterion, y_pred, y_true, sample_weight=None, training=False):
        if training:
            seen.append((y_true.clone(), sample_weight.clone(),
                         None if self.class_weight is None else self.class_weight.clone()))
        return original(self, criterion, y_pred, y_true, sample_weight, training)

    monkeypatch.setattr(BatchReducer, "__call__", spy)
    clf = WeightedLossClassifier(reweight="balanced", early_stopping=False,
                                 **{**TINY, "batch_size": 100, "max_epochs": 1})
    clf.fit(X, y, sample_weight=w)
    (y_batch, w_batch, cw), = seen
    # a full batch: the same rows, in the epoch's order
    assert sorted(w_batch.tolist()) == sorted(w.tolist())
    np.testing.assert_allclose(cw.cpu().numpy(), clf.class_weight_, rtol=1e-6)
    reducer = BatchReducer(cw)
    np.testing.assert_allclose(reducer.weights(y_batch, w_batch).numpy(),
                               w_batch.numpy() * clf.class_weight_[y_batch.numpy()], rtol=1e-6)


def test_engine_trains_from_a_plan_alone(one_torch_thread):
    X, y = _data()
    clf = WeightedLossClassifier(**TINY).fit(X, y)
    result = engine.train(clf.plan_, clf.encoder_.transform(X).astype(np.float32), y)
    assert result.n_iter == clf.n_iter_
    for a, b in zip(result.module.parameters(), clf.module_.parameters()):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_scoring_is_validated_before_the_data(method):
    clf = WeightedLossClassifier(scoring=sklearn_get_scorer("roc_auc"), **TINY)
    kwargs = {"classes": [0, 1]} if method == "partial_fit" else {}
    with pytest.raises(ValueError, match="cannot be evaluated by early stopping"):
        getattr(clf, method)("not a table", [0, 1], **kwargs)
