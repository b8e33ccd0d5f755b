"""Network options of WeightedLossClassifier: TabM ensembles and numeric embeddings."""

import pickle
import re
import warnings

import numpy as np
import pytest
import rtdl_num_embeddings as rtdl
import tabm
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_losses import WeightedLossClassifier, get_loss
from sklearn_losses.engine import BatchReducer
from sklearn_losses.losses import available_losses
from sklearn_losses.network import MLP, NumEmbeddings, TabM, build_network
from sklearn_losses.weighting import available_reweightings, get_reweighting

from ..conftest import make_loss, n_classes_for
from .test_classifier import _expected_failed_checks

TINY_TABM = dict(architecture="tabm", n_ensemble=4, hidden_layer_sizes=(16, 16),
                 num_embeddings="piecewise_linear", d_embedding=4, n_bins=8)
FAST = dict(max_epochs=10, lr=1e-2, batch_size=64, random_state=0)


@pytest.fixture(autouse=True)
def _one_torch_thread(one_torch_thread):
    """Tiny networks: one thread is faster, and the machine is shared."""


def _data(n=200, n_classes=2, seed=0):
    """Numeric columns plus a binary and a constant column (passed through by embeddings)."""
    X, y = make_classification(n, n_features=5, n_informative=3, n_classes=n_classes,
                               n_clusters_per_class=1,
                               weights=[0.8] if n_classes == 2 else None, random_state=seed)
    return np.c_[X, (X[:, 0] > 0).astype(float), np.ones(n)], y


# --------------------------------------------------------------------------
# the networks against the authors' packages
# --------------------------------------------------------------------------
@pytest.mark.parametrize("arch_type", ["tabm", "tabm-mini"])
@pytest.mark.parametrize("embedding", [None, "periodic", "piecewise_linear"])
def test_initialisation_from_a_generator_is_the_packages_own(arch_type, embedding):
    # A generator seeded with s gives the weights tabm.TabM.make gives after
    # torch.manual_seed(s): same distributions, same draws, same order.
    X = np.random.RandomState(0).randn(100, 4).astype(np.float32)
    emb = None if embedding is None else NumEmbeddings(embedding, X, d_embedding=8, n_bins=10)
    ours = TabM(4 if emb is None else emb.n_outputs, 3, k=5, n_blocks=2, d_block=16,
                arch_type=arch_type, generator=torch.Generator().manual_seed(11), embeddings=emb)
    torch.manual_seed(11)
    if embedding == "periodic":
        ref_emb = rtdl.PeriodicEmbeddings(4, 8, lite=False)
    elif embedding == "piecewise_linear":
        ref_emb = rtdl.PiecewiseLinearEmbeddings(rtdl.compute_bins(torch.from_numpy(X), n_bins=10),
                                                 8, activation=False, version="B")
    else:
        ref_emb = None
    ref = tabm.TabM.make(n_num_features=4, d_out=3, k=5, n_blocks=2, d_block=16, dropout=0.0,
                         arch_type=arch_type, num_embeddings=ref_emb)
    ours_params, ref_params = list(ours.parameters()), list(ref.parameters())
    assert [p.shape for p in ours_params] == [p.shape for p in ref_params]
    for a, b in zip(ours_params, ref_params):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    x = torch.from_numpy(X[:7])
    torch.testing.assert_close(ours.train()(x), ref.train()(x))


def test_mlp_initialisation_is_pytorch_default_from_the_generator():
    ours = MLP(6, 2, (8, 4), generator=torch.Generator().manual_seed(3))
    torch.manual_seed(3)
    ref = [torch.nn.Linear(6, 8), torch.nn.Linear(8, 4), torch.nn.Linear(4, 2)]
    for a, b in zip(ours.parameters(), [p for layer in ref for p in layer.parameters()]):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_tabm_eval_output_is_the_log_of_the_mean_probability():
    X = torch.randn(9, 4)
    net = TabM(4, 3, k=6, n_blocks=1, d_block=8, generator=torch.Generator().manual_seed(0))
    members = torch.softmax(net.train()(X), dim=-1)  # (9, 6, 3)
    assert members.shape == (9, 6, 3)
    mean = torch.softmax(net.eval()(X), dim=1)
    torch.testing.assert_close(mean, members.mean(1))
    assert not torch.allclose(members[:, 0], members[:, 1])  # the members differ


def test_embeddings_embed_numeric_columns_and_pass_binary_ones():
    X, _ = _data()
    X = X.astype(np.float32)
    emb = NumEmbeddings("piecewise_linear", X, d_embedding=4, n_bins=8)
    assert emb.numeric_index.tolist() == [0, 1, 2, 3, 4]
    assert emb.other_index.tolist() == [5, 6]
    assert emb.feature_dims == [4] * 5 + [1, 1]
    # the bins are the training quantiles
    expected = rtdl.compute_bins(torch.from_numpy(X[:, :5]), n_bins=8)
    ref = rtdl.PiecewiseLinearEmbeddings(expected, 4, activation=False, version="B")
    torch.testing.assert_close(emb.embedding.impl.weight, ref.impl.weight)
    net = MLP(emb.n_outputs, 2, (8,), generator=torch.Generator().manual_seed(0), embeddings=emb)
    out = net.embeddings(torch.from_numpy(X[:3]))
    assert out.shape == (3, 22)
    torch.testing.assert_close(out[:, -2:], torch.from_numpy(X[:3, 5:]))


def test_no_numeric_column_means_no_embeddings():
    X = np.random.RandomState(0).randint(0, 2, (50, 3)).astype(np.float32)
    with pytest.warns(UserWarning, match="num_embeddings='periodic' embeds no column"):
        net = build_network("tabm", 3, 2, X_train=X, hidden_layer_sizes=(8,), n_ensemble=2,
                            num_embeddings="periodic")
    assert net.embeddings is None
    # columns are told apart as the embeddings see them, in float32: two float64 values that
    # round to one float32 value are one value (this used to fail inside rtdl's compute_bins)
    X64 = np.c_[np.r_[np.zeros(25), np.full(24, 1e-9), 1.0], np.linspace(0, 1, 50)]
    net = build_network("mlp", 2, 2, X_train=X64 + 1.0, hidden_layer_sizes=(8,),
                        num_embeddings="piecewise_linear", n_bins=4)
    assert net.embeddings.numeric_index.tolist() == [1]


def test_weighted_bins_span_the_weighted_rows():
    """With weights that are not whole the ends are still the minimum and maximum (the top
    edge was interpolated between the last two rows: 5.1 for a maximum of 10)."""
    X = np.array([[0.0], [1.0], [2.0], [3.0], [10.0]], dtype=np.float32)
    emb = NumEmbeddings("piecewise_linear", X, d_embedding=2, n_bins=4,
                        weight=np.array([1.3, 1, 1, 1, 1]), numeric=[0])
    encoded = emb.embedding.impl(torch.from_numpy(X))  # the piecewise-linear encoding
    assert encoded.min() >= 0 and encoded.max() <= 1 + 1e-6
    from sklearn_losses.network.embeddings import _weighted_bins

    edges = _weighted_bins(X, np.array([1.3, 1, 1, 1, 1]), 4)[0]
    assert edges[0] == 0 and edges[-1] == 10


# --------------------------------------------------------------------------
# the training loss of an ensemble
# --------------------------------------------------------------------------
def _reducer(scheme=None):
    """A reducer without class weights, with ``scheme`` as its instance weighting."""
    return BatchReducer(instance_weighting=scheme)


def loss_classes(loss):
    return n_classes_for(loss.name, preferred=(3, 4))[0]


def _members(n, k, n_classes, seed=0):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, k, n_classes, generator=g, dtype=torch.float64)
    y = torch.arange(n) % n_classes
    w = torch.rand(n, generator=g, dtype=torch.float64) + 0.1
    return z, y, w


@pytest.mark.parametrize("name", [n for n in available_losses() if n != "ensloss"])
def test_ensemble_loss_is_the_mean_of_the_members_losses(name):
    # ensloss draws a random loss per call: one draw per batch, not comparable member by member
    loss = make_loss(name, n_classes_for(name, preferred=(3, 4))[0]).double()
    reducer = _reducer()
    z, y, w = _members(24, 5, loss_classes(loss))
    got = reducer(loss, z, y, w, training=True)
    expected = torch.stack([loss(z[:, j], y, sample_weight=w) for j in range(5)]).mean()
    torch.testing.assert_close(got, expected)


def test_ensemble_instance_weights_are_drawn_per_member():
    loss = get_loss("focal").double()
    scheme = get_reweighting("dro_kl")
    reducer = _reducer(scheme)
    z, y, w = _members(24, 4, 3)
    got = reducer(loss, z, y, w, training=True)
    per_member = []
    for j in range(4):
        per_sample = loss.loss_per_sample(z[:, j], y)
        d = scheme.instance_weights(per_sample)
        per_member.append((per_sample * w * d).sum() / (w * d).sum())
    torch.testing.assert_close(got, torch.stack(per_member).mean())


# --------------------------------------------------------------------------
# every option keeps working with the ensemble and the embeddings
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", available_losses())
def test_every_loss_fits_a_tabm_with_embeddings(name):
    k = n_classes_for(name, preferred=(2, 3))[0]
    X, y = _data(120, k)
    clf = WeightedLossClassifier(loss=name, max_epochs=3, batch_size=64, random_state=0,
                                 **TINY_TABM)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # batch-loss advisories
        clf.fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (120, k) and np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-9)
    assert clf.module_.k == 4


OPTIONS = ([dict(reweight=r) for r in available_reweightings()]
           + [dict(batch_sampler=s) for s in ("random", "stratified", "balanced")]
           + [dict(calibration=c) for c in ("prior", "temperature")]
           + [dict(early_stopping=True, scoring="average_precision"), dict(logit_clip=1.0),
              dict(dropout=0.1), dict(num_embeddings="periodic"), dict(num_embeddings=None)])


@pytest.mark.parametrize("architecture, option", (
    [("tabm", option) for option in OPTIONS]
    + [("tabm_mini", option) for option in (dict(reweight="dro_kl"), dict(batch_sampler="balanced"),
                                            dict(calibration="temperature"))]))
def test_options_work_with_tabm(architecture, option):
    X, y = _data()
    params = {**TINY_TABM, **FAST, "architecture": architecture, **option}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # drw that never starts, double corrections
        clf = WeightedLossClassifier(**params).fit(X, y)
    proba = clf.predict_proba(X)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-9)
    assert clf.score(X, y) > 0.5
    if option.get("calibration") == "temperature":
        assert clf.temperature_ != 1.0


@pytest.mark.parametrize("embedding", ["periodic", "piecewise_linear", "piecewise_linear_tree"])
def test_mlp_with_embeddings_learns(embedding):
    X, y = _data()
    clf = WeightedLossClassifier(num_embeddings=embedding, hidden_layer_sizes=(16,), d_embedding=4,
                                 **FAST).fit(X, y)
    assert isinstance(clf.module_.embeddings, NumEmbeddings)
    assert clf.score(X, y) > 0.8


def test_degenerate_batches_are_counted_once_per_batch():
    # a batch-level loss evaluated per member must not count a batch k times
    X, y = _data(200)
    y = np.zeros_like(y)
    y[:4] = 1
    clf = WeightedLossClassifier(loss="auc_pairwise", batch_sampler="random", batch_size=16,
                                 max_epochs=2, early_stopping=False, random_state=0, **TINY_TABM)
    with pytest.warns(UserWarning, match="training batches had no class") as record:
        clf.fit(X, y)
    message = next(str(r.message) for r in record if "training batches" in str(r.message))
    n = int(re.match(r"(\d+) training batches", message).group(1))
    assert 0 < n <= 2 * int(np.ceil(200 / 16))


# --------------------------------------------------------------------------
# reproducibility, pickling, errors
# --------------------------------------------------------------------------
def test_same_random_state_gives_identical_probabilities():
    X, y = _data()
    params = {**TINY_TABM, **FAST, "dropout": 0.1}
    a = WeightedLossClassifier(**params).fit(X, y).predict_proba(X)
    b = WeightedLossClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = WeightedLossClassifier(**{**params, "random_state": 1}).fit(X, y).predict_proba(X)
    assert not np.array_equal(a, c)


def test_fit_does_not_touch_global_torch_rng():
    X, y = _data()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    WeightedLossClassifier(**TINY_TABM, **FAST).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


@pytest.mark.parametrize("embedding", ["periodic", "piecewise_linear", "piecewise_linear_tree"])
def test_fits_in_threads_are_reproducible(embedding):
    from joblib import Parallel, delayed

    X, y = _data()
    params = {**TINY_TABM, "num_embeddings": embedding, "max_epochs": 3, "random_state": 3}
    ref = WeightedLossClassifier(**params).fit(X, y).predict_proba(X)
    outs = Parallel(n_jobs=4, backend="threading")(
        delayed(lambda: WeightedLossClassifier(**params).fit(X, y).predict_proba(X))()
        for _ in range(4))
    for out in outs:
        np.testing.assert_array_equal(out, ref)


def test_pickle_and_clone():
    X, y = _data()
    clf = WeightedLossClassifier(**TINY_TABM, **FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    cloned = clone(clf)
    assert cloned.get_params() == clf.get_params() and not hasattr(cloned, "module_")


@pytest.mark.parametrize("params, match", [
    (dict(n_ensemble=4), "n_ensemble=4 sets the ensemble size of TabM; architecture='mlp'"),
    (dict(architecture="tabm", hidden_layer_sizes=(32, 16)), "equal widths"),
    (dict(architecture="tabm_mini", hidden_layer_sizes=()), "equal widths"),
    (dict(architecture="resnet"), "architecture"),
    (dict(num_embeddings="linear"), "num_embeddings"),
    (dict(architecture="tabm", n_ensemble=0), "n_ensemble"),
])
def test_bad_network_parameters(params, match):
    X, y = _data(40)
    with pytest.raises(ValueError, match=re.escape(match) if "=" in match else match):
        WeightedLossClassifier(**params).fit(X, y)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_tabm_on_cuda_matches_cpu():
    X, y = _data()
    params = {**TINY_TABM, **FAST, "max_epochs": 2}
    cpu = WeightedLossClassifier(device="cpu", **params).fit(X, y).predict_proba(X)
    gpu = WeightedLossClassifier(device="cuda", **params).fit(X, y)
    np.testing.assert_allclose(gpu.predict_proba(X), cpu, atol=1e-4)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(gpu)).predict_proba(X),
                                  gpu.predict_proba(X))


# --------------------------------------------------------------------------
# scikit-learn's own estimator checks, with the ensemble and the embeddings
# --------------------------------------------------------------------------
@parametrize_with_checks([WeightedLossClassifier(**TINY_TABM, max_epochs=100, lr=1e-2)],
                         expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks_tabm(estimator, check):
    check(estimator)


def test_warm_start_and_partial_fit_keep_the_fitted_embeddings():
    X, y = _data()
    clf = WeightedLossClassifier(**TINY_TABM, **FAST).fit(X, y)
    bins = [b.clone() for b in clf.module_.buffers()]  # the encoding of the fitted bins
    assert bins
    # the next chunk has other quantiles: the fitted bins must stay (new bins would not fit)
    clf.set_params(warm_start=True, max_epochs=2).fit(X[:80] * 3.0, y[:80])
    assert clf.n_iter_ == FAST["max_epochs"] + 2
    assert all(torch.equal(a, b) for a, b in zip(bins, clf.module_.buffers()))
    clf.partial_fit(X[80:160], y[80:160])
    assert clf.n_iter_ == FAST["max_epochs"] + 3


def test_changed_network_parameters_refuse_further_training():
    X, y = _data()
    clf = WeightedLossClassifier(**TINY_TABM, **FAST).fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(n_bins=4, warm_start=True)
    with pytest.raises(ValueError, match=r"n_bins: 8 -> 4"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match=r"n_bins: 8 -> 4"):
        clf.partial_fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)  # the fitted model is kept


def test_embeddings_refuse_sparse_input():
    import scipy.sparse as sp

    X, y = _data()
    with pytest.raises(ValueError, match="num_embeddings='piecewise_linear'.*sparse"):
        WeightedLossClassifier(**TINY_TABM, **FAST).fit(sp.csr_matrix(X), y)


# --------------------------------------------------------------------------
# piecewise-linear embeddings on tree bins (PLE-T)
# --------------------------------------------------------------------------
def test_tree_bins_are_the_splits_of_a_class_balanced_tree_on_each_column():
    from sklearn.tree import DecisionTreeClassifier

    from sklearn_losses.network.embeddings import _tree_bins

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 10, size=(400, 2)).astype(np.float32)
    y = ((X[:, 0] > 7.0) & (rng.uniform(size=400) < 0.3)).astype(int)  # about 9% positives
    bins = _tree_bins(X, y, None, n_bins=8)
    for j, edges in enumerate(bins):
        tree = DecisionTreeClassifier(max_leaf_nodes=8, min_samples_leaf=25,  # 400 // 16
                                      min_impurity_decrease=1e-4, class_weight="balanced",
                                      random_state=0).fit(X[:, j:j + 1], y).tree_
        split = tree.children_left != tree.children_right
        expected = np.unique(np.r_[X[:, j].min(), X[:, j].max(), tree.threshold[split]]
                             .astype(np.float32))
        np.testing.assert_array_equal(edges.numpy(), expected)
        assert len(edges) <= 8 + 1
    # the informative column gets an edge where the positives start
    assert np.min(np.abs(bins[0].numpy() - 7.0)) < 0.2
    # one class: no split, the column's range
    np.testing.assert_array_equal(_tree_bins(X, np.zeros(400, int), None, 8)[0].numpy(),
                                  [X[:, 0].min(), X[:, 0].max()])


def test_tree_bins_need_the_labels_and_ignore_rows_of_weight_zero():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 3)).astype(np.float32)
    y = (X[:, 0] + 0.3 * rng.normal(size=300) > 1.0).astype(int)
    with pytest.raises(ValueError, match="piecewise_linear_tree.*needs the classes"):
        NumEmbeddings("piecewise_linear_tree", X, d_embedding=4, n_bins=8)
    weight = np.ones(320)
    weight[300:] = 0.0
    far = np.r_[X, 50.0 * X[:20]]  # rows far out, of weight 0: they would stretch the bins
    a = NumEmbeddings("piecewise_linear_tree", X, 4, 8, y=y)
    b = NumEmbeddings("piecewise_linear_tree", far, 4, 8, y=np.r_[y, 1 - y[:20]], weight=weight)
    # the same bins and the same initial weights: the same embedding of every row
    torch.testing.assert_close(a(torch.from_numpy(X)), b(torch.from_numpy(X)))


def test_the_estimator_trains_on_tree_bins_binary_and_multiclass():
    X, y = _data()
    clf = WeightedLossClassifier(num_embeddings="piecewise_linear_tree", d_embedding=4,
                                 hidden_layer_sizes=(16,), **FAST).fit(X, y)
    assert clf.score(X, y) > 0.8
    X3, y3 = _data(n_classes=3)
    assert clf.fit(X3, y3).predict_proba(X3).shape == (len(y3), 3)


def test_hidden_layer_sizes_may_be_a_numpy_array_as_in_mlpclassifier():
    from sklearn.datasets import make_classification

    X, y = make_classification(60, 4, random_state=0)
    params = dict(max_epochs=2, random_state=0, early_stopping=False)
    a = WeightedLossClassifier(hidden_layer_sizes=np.array([8, 4]), **params).fit(X, y)
    b = WeightedLossClassifier(hidden_layer_sizes=(8, 4), **params).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.plan_.network.hidden_layer_sizes == (8, 4)  # Python ints in the record
    with pytest.raises(ValueError, match="hidden_layer_sizes must be a tuple of positive ints"):
        WeightedLossClassifier(hidden_layer_sizes=np.array([[8, 4]]), **params).fit(X, y)
