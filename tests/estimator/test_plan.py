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


def test_auto_device_of_a_plan_follows_its_batch_work(monkeypatch):
    # planned only (this machine may have no GPU to train on), with a GPU as "auto" sees it
    from sklearn_losses.engine import runtime
    from sklearn_losses.plan import make_plan

    X, y = _data()
    classes = np.array([0, 1])
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)

    def device(partial=False, previous=None, rows=300, **params):
        full = WeightedLossClassifier(**{**TINY, **params}).get_params()
        return make_plan(full, X[:rows], y[:rows], classes, None, monitor=None, partial=partial,
                         previous=previous).device.type

    assert device() == "cpu"  # 64 rows x (6*8+8 + 8*2+2): tiny
    wide = dict(hidden_layer_sizes=(512, 512), batch_size=2048)
    # a fit's batch holds all 40 rows: 40 x 267,266 = 1.07e7 multiply-adds, below 2**24
    assert device(rows=40, **wide) == "cpu"
    # a partial_fit chunk of 40 rows counts batch_size rows (2048 x 267,266): the stream's
    # calls decide alike, whatever their chunk sizes
    assert device(rows=40, partial=True, **wide) == "cuda"
    assert device(rows=300, **wide) == "cuda"  # 300 x 267,266 = 8.0e7
    # TabM's 32 members each run the layers 6 -> 1024 -> 2: 64 x 32 x 9,218 = 1.9e7 (one MLP:
    # 5.9e5)
    assert device(hidden_layer_sizes=(1024,)) == "cpu"
    assert device(hidden_layer_sizes=(1024,), architecture="tabm") == "cuda"
    # an explicit device holds for a continued fit as for a new one
    previous = WeightedLossClassifier(**TINY).fit(X, y).plan_
    assert device(previous=previous, partial=True, device="cuda") == "cuda"
    monkeypatch.setattr(runtime, "CUDA_MIN_WORK", 0)
    assert device(previous=previous, partial=True) == "cuda"  # "auto" decides in every fit


def test_estimated_batch_work_counts_members_embeddings_and_candidates():
    from sklearn_losses.network import NCA_SAMPLE_RATE, estimate_batch_work

    mlp = 10 * 100 + 100 + 100 * 2 + 2  # 10 -> 100 -> 2, biases included
    assert estimate_batch_work("mlp", 256, 10, 2) == 256 * mlp
    assert estimate_batch_work("tabm", 256, 10, 2, n_ensemble=4) == 256 * 4 * mlp
    assert estimate_batch_work("tabm_mini", 256, 10, 2, n_ensemble=4) == 256 * 4 * mlp
    # piecewise-linear embeddings: per column 2d + bins*d, then the MLP on 10*d columns
    d, bins = 4, 8
    embedded = 10 * (2 * d + bins * d) + 10 * d * 100 + 100 + 100 * 2 + 2
    assert estimate_batch_work("mlp", 256, 10, 2, num_embeddings="piecewise_linear",
                               d_embedding=d, n_bins=bins) == 256 * embedded
    # TabM with embeddings: the embeddings once, the layers per member
    assert (estimate_batch_work("tabm", 256, 10, 2, n_ensemble=4,
                                num_embeddings="piecewise_linear", d_embedding=d, n_bins=bins)
            == 256 * (10 * (2 * d + bins * d) + 4 * (embedded - 10 * (2 * d + bins * d))))
    # the retrieval network encodes its candidates and measures a distance to each
    nca = 10 * 100 + 100 + 2  # the encoder 10 -> 100 and one bias per class
    candidates = round(NCA_SAMPLE_RATE * 1000)
    assert (estimate_batch_work("nca", 256, 10, 2, n_train=1000)
            == (256 + candidates) * nca + 256 * candidates * 100)
    assert (estimate_batch_work("nca", 256, 10, 2, n_train=1000, nca_max_candidates=50)
            == (256 + 50) * nca + 256 * 50 * 100)


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
    w = 1.0 + np.arange(len(y)) / 1000.0  # each row's weight names the row
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
    # a full batch: the same rows, in the epoch's order, each weight beside its own label
    rows = np.rint((w_batch.double().cpu().numpy() - 1.0) * 1000).astype(int)
    assert sorted(rows.tolist()) == list(range(len(y)))
    np.testing.assert_array_equal(y_batch.cpu().numpy(), y[rows])
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
