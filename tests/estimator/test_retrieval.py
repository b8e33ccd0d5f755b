"""``architecture="nca"``: soft nearest neighbours among the training rows (issue 19, lever a).

The network's logits against the formula computed by hand, the guard for
classes without a neighbour, self-exclusion during training, chunked
prediction and its memory bound, and the estimator around it (scikit-learn's
checks, pickling, every loss, ``warm_start``, what is refused).
"""

import pickle
import re
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_losses import WeightedLossClassifier, network
from sklearn_losses.engine import DeviceTensorDataset, TensorBatchIterator, predict_float64
from sklearn_losses.losses import available_losses
from sklearn_losses.network import NCA, NCA_BLOCK, NCA_FLOOR, build_network, retrieval

from ..conftest import n_classes_for
from .test_classifier import _expected_failed_checks

TINY_NCA = dict(architecture="nca", hidden_layer_sizes=(8,))
FAST = dict(max_epochs=10, lr=1e-2, batch_size=64, early_stopping=False, random_state=0,
            n_jobs=1)


@pytest.fixture(autouse=True)
def _one_torch_thread(one_torch_thread):
    """Tiny networks: one thread is faster, and the machine is shared."""


def _data(n=200, n_classes=2, seed=0, weights=None):
    X, y = make_classification(n, n_features=6, n_informative=4, n_classes=n_classes,
                               n_clusters_per_class=1,
                               weights=weights or ([0.8] if n_classes == 2 else None),
                               random_state=seed)
    return X, y


def _rows(rng, n, d):
    """Normal rows that float32 holds exactly (the candidates are stored in float32)."""
    return rng.normal(size=(n, d)).astype(np.float32).astype(np.float64)


def _nca(X, y, sizes=(3,), rate=1.0, seed=0, n_classes=None):
    X = np.asarray(X, dtype=np.float32)
    k = int(np.max(y)) + 1 if n_classes is None else n_classes
    return NCA(X.shape[1], k, X, y, sizes, sample_rate=rate,
               generator=torch.Generator().manual_seed(seed))


def _by_hand(net, X, candidates, labels, n_classes, exclude=None):
    """``log p(y=k|x)`` of the formula, in numpy float64, for a linear embedding ``f``."""
    W = net.encoder[0].weight.detach().double().numpy()
    b = net.encoder[0].bias.detach().double().numpy()
    f = np.asarray(X, dtype=np.float64) @ W.T + b
    fc = np.asarray(candidates, dtype=np.float64) @ W.T + b
    d = np.sqrt(((f[:, None, :] - fc[None, :, :]) ** 2).sum(-1))
    w = np.exp(-d)
    if exclude is not None:
        w[np.arange(len(X)), exclude] = 0.0
    per_class = np.stack([w[:, labels == k].sum(1) for k in range(n_classes)], axis=1)
    with np.errstate(divide="ignore"):  # log 0 for a class without a neighbour
        return np.log(per_class / w.sum(1, keepdims=True))


# --------------------------------------------------------------------------
# the network
# --------------------------------------------------------------------------
def test_logits_equal_the_formula_by_hand():
    rng = np.random.default_rng(0)
    C = _rows(rng, 7, 4)
    labels = np.array([0, 2, 1, 0, 2, 2, 1])
    net = _nca(C, labels).double().eval()
    X = rng.normal(size=(5, 4))
    got = net(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(got, _by_hand(net, X, C, labels, 3), rtol=1e-12, atol=1e-12)
    # logits: their softmax is the distribution itself
    np.testing.assert_allclose(np.exp(got).sum(1), 1.0, rtol=1e-12)


def test_the_class_offsets_add_to_the_logits_and_learn_at_their_rate():
    rng = np.random.default_rng(3)
    C = _rows(rng, 7, 4)
    labels = np.array([0, 2, 1, 0, 2, 2, 1])
    net = _nca(C, labels).double().eval()
    assert net.class_bias.rate == network.NCA_BIAS_RATE
    torch.testing.assert_close(net.class_bias.bias, torch.zeros(3, dtype=torch.float64))
    with torch.no_grad():
        net.class_bias.theta.copy_(torch.tensor([0.01, -0.02, 0.03], dtype=torch.float64))
    X = rng.normal(size=(5, 4))
    got = net(torch.from_numpy(X)).detach().numpy()
    offset = network.NCA_BIAS_RATE * np.array([0.01, -0.02, 0.03])
    np.testing.assert_allclose(got, _by_hand(net, X, C, labels, 3) + offset, rtol=1e-12)
    # the offset's gradient is rate times the logits' (summed over the rows)
    net.zero_grad()
    net(torch.from_numpy(X)).sum().backward()
    np.testing.assert_allclose(net.class_bias.theta.grad.numpy(), network.NCA_BIAS_RATE * 5)


def test_a_weighted_loss_moves_the_decision_towards_the_minority():
    # with 5% positives the neighbour vote alone rarely reaches the minority; the
    # class offsets let the balanced class weights move the decision, as an MLP's bias does
    X, y = make_classification(600, n_features=6, n_informative=3, weights=[0.95],
                               class_sep=0.8, flip_y=0.02, random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    fits = {}
    for reweight in (None, "balanced"):
        fits[reweight] = WeightedLossClassifier(
            architecture="nca", hidden_layer_sizes=(16,), loss="cross_entropy", reweight=reweight,
            max_epochs=60, early_stopping=False, random_state=0, n_jobs=1).fit(X_tr, y_tr)
    offset = {k: clf.module_.class_bias.bias.detach().cpu().numpy() for k, clf in fits.items()}
    assert offset["balanced"][1] - offset["balanced"][0] > 1.0
    assert offset["balanced"][1] - offset["balanced"][0] > offset[None][1] - offset[None][0] + 1.0
    predicted = {k: clf.predict(X_te).mean() for k, clf in fits.items()}
    assert predicted["balanced"] > 2 * predicted[None]
    assert predicted["balanced"] > 0.5 * y_te.mean()


def test_training_forward_is_the_formula_without_the_row_itself():
    # sample_rate=1 draws every candidate: the training forward of the training
    # rows is the formula over all the other rows
    rng = np.random.default_rng(1)
    C = _rows(rng, 9, 3)
    labels = np.array([1, 0, 1, 1, 0, 2, 2, 0, 1])
    net = _nca(C, labels).double().train()
    order = np.array([4, 0, 8, 2])
    got = net(torch.from_numpy(C[order]), index=torch.from_numpy(order)).detach().numpy()
    np.testing.assert_allclose(got, _by_hand(net, C[order], C, labels, 3, exclude=order),
                               rtol=1e-12, atol=1e-12)
    # without index the rows are not candidates of themselves' concern: nothing excluded
    got = net(torch.from_numpy(C[order])).detach().numpy()
    np.testing.assert_allclose(got, _by_hand(net, C[order], C, labels, 3), rtol=1e-12)


def test_a_class_without_a_neighbour_gets_the_floor_and_finite_gradients():
    # class 2 has a single training row: excluded from its own neighbours, it has none
    rng = np.random.default_rng(2)
    C = _rows(rng, 6, 3)
    labels = np.array([0, 1, 0, 1, 0, 2])
    net = _nca(C, labels).double().train()
    logits = net(torch.from_numpy(C), index=torch.arange(6))
    assert torch.isfinite(logits).all()
    assert logits[5, 2].item() == pytest.approx(np.log(NCA_FLOOR))
    assert (logits[:5, 2] > np.log(NCA_FLOOR)).all()  # the other rows have it as a neighbour
    # the present classes keep the formula over the other rows
    expected = _by_hand(net, C[5:], C, labels, 3, exclude=[5])[0, :2]
    np.testing.assert_allclose(logits[5, :2].detach().numpy(), expected, rtol=1e-12)
    torch.nn.functional.cross_entropy(logits, torch.from_numpy(labels)).backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


def test_sampled_sets_keep_every_class():
    # 1% of 300 rows: a draw keeps round(0.01 n_k) rows of each class but at least
    # min(n_k, 2), so no row of a class with 2 or more rows is ever left without one
    y = np.r_[np.zeros(290, int), np.ones(8, int), np.full(2, 2)]
    X = np.random.default_rng(3).normal(size=(300, 4))
    net = _nca(X, y, rate=0.01).train()
    assert net.sample_bounds == (0, 3, 5, 7)
    idx = torch.arange(300)
    for _ in range(20):
        logits = net(torch.from_numpy(X).float(), index=idx)
        assert torch.isfinite(logits).all() and (logits > np.log(NCA_FLOOR) - 1e-3).all()
        assert not (logits == np.float32(np.log(NCA_FLOOR))).any()


def test_max_candidates_scales_every_class_down_in_proportion():
    # 0.3 of 1,000 + 60 + 3 rows draws 300 + 18 + 2 (at least 2 of a class); a
    # bound of 100 scales each by 100 / 320, rounded down (93 and 5), a class
    # keeping at least 2 rows
    y = np.r_[np.zeros(1000, int), np.ones(60, int), np.full(3, 2)]
    X = np.random.default_rng(4).normal(size=(y.shape[0], 4)).astype(np.float32)
    gen = torch.Generator().manual_seed(0)
    free = NCA(4, 3, X, y, (3,), sample_rate=0.3, generator=gen)
    assert free.sample_bounds == (0, 300, 318, 320)
    capped = NCA(4, 3, X, y, (3,), sample_rate=0.3, generator=gen, max_candidates=100)
    assert capped.sample_bounds == (0, 93, 98, 100)
    # a bound above the draw changes nothing; the draw is what a forward embeds
    assert NCA(4, 3, X, y, (3,), sample_rate=0.3, generator=gen,
               max_candidates=320).sample_bounds == free.sample_bounds
    embedded = []
    capped.encoder.register_forward_hook(lambda m, i, o: embedded.append(o.shape[0]))
    capped.train()(torch.from_numpy(X[:7]), index=torch.arange(7))
    assert embedded == [7, 100]
    # prediction uses every candidate
    embedded.clear()
    capped.eval()(torch.from_numpy(X[:7]))
    assert embedded == [y.shape[0], 7]  # the candidates, then the block of rows predicted


def test_the_estimator_bounds_the_draw_on_request():
    X, y = _data(400)
    fits = {cap: WeightedLossClassifier(**TINY_NCA, **FAST, nca_max_candidates=cap).fit(X, y)
            for cap in (None, 50, 400)}
    n = {cap: clf.module_.sample_bounds[-1] for cap, clf in fits.items()}
    assert n[None] == n[400] == sum(round(0.3 * c) for c in np.bincount(y))
    assert n[50] <= 50 < n[None]
    assert fits[50].module_.max_candidates == 50 and fits[None].module_.max_candidates is None
    # a bound above the draw gives the same model as none
    np.testing.assert_array_equal(fits[None].predict_proba(X), fits[400].predict_proba(X))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_row_is_never_its_own_neighbour_when_training(monkeypatch):
    # the engine passes each batch row's position among the training rows: the
    # module's candidate of that position is the row itself (so the exclusion
    # tested above removes the row), with a validation split and repeated rows
    X, y = _data(150)
    seen = []
    forward = NCA.forward

    def spy(self, rows, index=None):
        if self.training:
            assert index is not None
            torch.testing.assert_close(self.candidate_x[self.candidate_rank[index]], rows,
                                       rtol=0, atol=0)
            seen.append(len(index))
        return forward(self, rows, index)

    monkeypatch.setattr(NCA, "forward", spy)
    for sampler in ("random", "balanced"):
        seen.clear()
        clf = WeightedLossClassifier(**TINY_NCA, **{**FAST, "max_epochs": 2,
                                                    "early_stopping": True},
                                     batch_sampler=sampler)
        clf.fit(X, y)
        n_train = len(clf.plan_.train_index)
        assert clf.module_.candidate_x.shape[0] == n_train < 150
        assert sum(seen) == 2 * n_train


def test_the_batch_iterator_gives_the_rows_positions():
    X = torch.arange(40, dtype=torch.float32).reshape(20, 2)
    y = torch.arange(20) % 3
    for sampler in ("random", "stratified", "balanced"):
        it = TensorBatchIterator(DeviceTensorDataset(X, y), 6, sampler=sampler,
                                 generator=torch.Generator().manual_seed(0))
        for batch, yb in it:
            torch.testing.assert_close(batch["X"], X[batch["index"]])
            torch.testing.assert_close(yb, y[batch["index"]])


# --------------------------------------------------------------------------
# prediction in blocks, and its memory
# --------------------------------------------------------------------------
def test_chunked_prediction_equals_an_unchunked_computation(monkeypatch):
    rng = np.random.default_rng(4)
    C = _rows(rng, 30, 5)
    labels = rng.integers(0, 3, 30)
    X = rng.normal(size=(11, 5))
    net = _nca(C, labels, sizes=(6, 4)).double().eval()
    whole = net(torch.from_numpy(X)).detach().numpy()
    # one unchunked computation: every distance at once, a logsumexp per class
    with torch.no_grad():
        z, E = net.embed(torch.from_numpy(X)), net.embed(torch.from_numpy(C))
        d = torch.cdist(z, E)
        lse = torch.stack([torch.logsumexp(-d[:, torch.from_numpy(labels == k)], 1)
                           for k in range(3)], 1)
        direct = (lse - torch.logsumexp(-d, 1, keepdim=True)).numpy()
    np.testing.assert_allclose(whole, direct, rtol=1e-12, atol=1e-12)
    # blocks of 7 elements: single query rows against 7 candidates at a time,
    # classes cut across blocks and merged with logaddexp; encoder chunks of 1 row
    blocks = []
    original = retrieval._distance_block

    def spy(z, E):
        blocks.append(tuple(z.shape[:1] + E.shape[:1]))
        return original(z, E)

    monkeypatch.setattr(retrieval, "NCA_BLOCK", 7)
    monkeypatch.setattr(retrieval, "_distance_block", spy)
    chunked = net(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(chunked, direct, rtol=1e-12, atol=1e-12)
    assert max(r * c for r, c in blocks) <= 7 and sum(r * c for r, c in blocks) == 11 * 30


def _peak_rss_mib(fn):
    """``(result, peak resident memory during fn() above the memory before, in MiB)``."""
    def status(key):
        with open("/proc/self/status") as f:
            return int(re.search(rf"{key}:\s+(\d+)", f.read()).group(1)) / 1024

    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets the high-water mark VmHWM to the current resident size
    before = status("VmRSS")
    result = fn()
    return result, status("VmHWM") - before


def test_prediction_with_20k_training_rows_stays_within_the_memory_bound(monkeypatch):
    # 20,000 candidates, 2,000 rows to predict: all distances at once would be
    # 2,000 x 20,000 float64 values (305 MiB); the blocks hold at most NCA_BLOCK
    # (2**22) values, and a forward at most two blocks at once (64 MiB)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 6))
    y = (X[:, 0] + 0.5 * rng.normal(size=20_000) > 1.2).astype(int)
    clf = WeightedLossClassifier(**TINY_NCA, nca_sample_rate=0.01, max_epochs=1,
                                 batch_size=4096, early_stopping=False, random_state=0,
                                 n_jobs=1).fit(X, y)
    assert clf.module_.candidate_x.shape[0] == 20_000
    X_test = rng.normal(size=(2_000, 6))
    expected = clf.predict_proba(X_test[:50])
    blocks = []
    original = retrieval._distance_block

    def spy(z, E):
        blocks.append(z.shape[0] * E.shape[0])
        return original(z, E)

    monkeypatch.setattr(retrieval, "_distance_block", spy)
    proba = clf.predict_proba(X_test)
    assert max(blocks) <= NCA_BLOCK and sum(blocks) == 2_000 * 20_000
    np.testing.assert_allclose(proba[:50], expected, rtol=1e-12, atol=1e-15)
    if sys.platform.startswith("linux"):
        # what torch really allocates: the peak resident memory of the process
        _, peak = _peak_rss_mib(lambda: clf.predict_proba(X_test))
        two_blocks = 2 * NCA_BLOCK * 8 / 2**20
        # the blocks, plus predict's float64 copy of the network with its candidates and
        # their embeddings, and the allocator's slack (91 MiB seen in a full test run; the
        # process's other allocations move the high-water mark): twice the blocks is still
        # far below the 305 MiB of one unchunked distance matrix (567 MiB measured)
        assert peak < 2 * two_blocks + 24, peak


def test_the_rows_predicted_are_embedded_block_by_block(monkeypatch):
    # the rows predicted were embedded a whole inference chunk (65,536 rows) at once, which
    # the memory bound did not count (347 MiB predicting 70,000 rows with a 512-wide layer)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] > 0.8).astype(int)
    clf = WeightedLossClassifier(**TINY_NCA, max_epochs=2, random_state=0).fit(X, y)
    X_test = rng.normal(size=(300, 4))
    expected = clf.predict_proba(X_test)
    monkeypatch.setattr(retrieval, "NCA_BLOCK", 2_000)  # 10 rows against the 200 candidates
    seen = []
    original = NCA.embed

    def spy(self, rows):
        seen.append(rows.shape[0])
        return original(self, rows)

    monkeypatch.setattr(NCA, "embed", spy)
    np.testing.assert_allclose(clf.predict_proba(X_test), expected, rtol=1e-12, atol=1e-15)
    assert max(seen) <= 200 and seen.count(10) == 30  # the candidates' chunks, then 30 blocks


# --------------------------------------------------------------------------
# the estimator
# --------------------------------------------------------------------------
def _expected_failed_nca_checks(estimator):
    reason = ("mini-batch SGD is not invariant to repeating rows (the loss is, tested "
              "separately), and NCA's neighbours are unweighted: a row of weight 0 still votes")
    return {check: reason for check in _expected_failed_checks(estimator)}


@parametrize_with_checks([WeightedLossClassifier(**TINY_NCA, max_epochs=60, lr=1e-2)],
                         expected_failed_checks=_expected_failed_nca_checks)
def test_sklearn_estimator_checks_nca(estimator, check):
    check(estimator)


def test_pickling_round_trip_predicts_the_same():
    X, y = _data()
    clf = WeightedLossClassifier(**TINY_NCA, **FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.module_.candidate_x.shape == clf.module_.candidate_x.shape
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_an_imbalanced_table_is_ranked_well_above_chance():
    X, y = make_classification(400, n_features=10, n_informative=5, weights=[0.9],
                               random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    clf = WeightedLossClassifier(architecture="nca", max_epochs=40, early_stopping=False,
                                 random_state=0, n_jobs=1).fit(X_tr, y_tr)
    assert roc_auc_score(y_te, clf.predict_proba(X_te)[:, 1]) > 0.8


def test_the_same_random_state_gives_the_same_model_and_leaves_the_global_rng():
    X, y = _data()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a = WeightedLossClassifier(**TINY_NCA, **FAST).fit(X, y).predict_proba(X)
    torch.testing.assert_close(torch.rand(3), expected)
    b = WeightedLossClassifier(**TINY_NCA, **FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", available_losses())
def test_every_loss_trains_the_retrieval_network(name):
    k = n_classes_for(name, preferred=(2, 3))[0]
    X, y = _data(120, k)
    clf = WeightedLossClassifier(loss=name, **TINY_NCA, **{**FAST, "max_epochs": 3})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # batch-loss advisories
        clf.fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (120, k) and np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-9)
    assert np.all(np.isfinite(clf.loss_curve_))


@pytest.mark.parametrize("option", [dict(num_embeddings="periodic", d_embedding=4),
                                    dict(hidden_layer_sizes=(), nca_sample_rate=0.5),
                                    dict(hidden_layer_sizes=(16, 8), dropout=0.1),
                                    dict(calibration="temperature"),
                                    dict(early_stopping=True, scoring="average_precision"),
                                    dict(batch_sampler="balanced", reweight=None)])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_options_work_with_the_retrieval_network(option):
    X, y = _data()
    clf = WeightedLossClassifier(**{**TINY_NCA, **FAST, **option}).fit(X, y)
    proba = clf.predict_proba(X)
    assert np.all(np.isfinite(proba)) and clf.score(X, y) > 0.7
    if option.get("hidden_layer_sizes") == ():
        assert clf.module_.encoder[-1].out_features == network.NCA_EMBEDDING_WIDTH


def test_sample_weight_weights_the_loss_not_the_neighbours():
    X, y = _data()
    w = np.random.default_rng(0).uniform(0, 2, len(y))
    w[:20] = 0.0
    clf = WeightedLossClassifier(**TINY_NCA, **FAST).fit(X, y, sample_weight=w)
    assert clf.module_.candidate_x.shape[0] == len(y)  # zero-weight rows are neighbours too
    assert np.all(np.isfinite(clf.predict_proba(X)))
    # the weights do reach the loss: without class weights or preprocessing in between, the
    # weighted fit differs from the unweighted one (the same draws otherwise)
    plain = dict(**TINY_NCA, **FAST, preprocessing=None, reweight=None)
    weighted = WeightedLossClassifier(**plain).fit(X, y, sample_weight=w).predict_proba(X)
    unweighted = WeightedLossClassifier(**plain).fit(X, y).predict_proba(X)
    assert np.abs(weighted - unweighted).max() > 1e-3


def test_warm_start_continues_with_the_new_rows_as_neighbours():
    X, y = _data(200)
    clf = WeightedLossClassifier(**TINY_NCA, **{**FAST, "max_epochs": 2}, warm_start=True)
    clf.fit(X[:120], y[:120])
    weight = clf.module_.encoder[0].weight.detach().clone()
    clf.fit(X, y)
    assert clf.module_.candidate_x.shape[0] == 200 and clf.n_iter_ == 4
    assert not torch.equal(weight, clf.module_.encoder[0].weight)
    assert np.all(np.isfinite(clf.predict_proba(X)))


def test_there_is_no_partial_fit_and_sparse_input_is_refused():
    X, y = _data(60)
    clf = WeightedLossClassifier(**TINY_NCA, **FAST)
    assert not hasattr(clf, "partial_fit")  # what scikit-learn's checks look for
    with pytest.raises(AttributeError, match="partial_fit") as err:
        clf.partial_fit(X, y, classes=[0, 1])
    assert "warm_start=True" in str(err.value.__cause__)
    with pytest.raises(ValueError, match="does not take sparse X"):
        clf.fit(sp.csr_matrix(X), y)
    assert not hasattr(clf, "module_")
    assert hasattr(WeightedLossClassifier(), "partial_fit")


@pytest.mark.parametrize("params, match", [
    (dict(nca_sample_rate=0.5), "nca_sample_rate=0.5 sets the share"),
    (dict(architecture="tabm", nca_sample_rate=0.5), "architecture='tabm' draws none"),
    (dict(architecture="nca", n_ensemble=4), "architecture='nca' has no ensemble"),
    (dict(architecture="nca", nca_sample_rate=0.0), "nca_sample_rate"),
    (dict(architecture="nca", nca_sample_rate=1.5), "nca_sample_rate"),
    (dict(nca_max_candidates=500), "nca_max_candidates=500 bounds the training rows"),
    (dict(architecture="nca", nca_max_candidates=0), "nca_max_candidates"),
    (dict(architecture="nca", nca_max_candidates=2.5), "nca_max_candidates"),
])
def test_bad_retrieval_parameters(params, match):
    X, y = _data(40)
    with pytest.raises(ValueError, match=re.escape(match)):
        WeightedLossClassifier(max_epochs=1, **params).fit(X, y)


def test_build_network_and_the_parameter_count():
    X, y = _data(50)
    X = X.astype(np.float32)
    net = build_network("nca", 6, 2, X_train=X, y_train=y, hidden_layer_sizes=(16, 8),
                        generator=torch.Generator().manual_seed(0))
    assert isinstance(net, NCA) and net.sample_rate == network.NCA_SAMPLE_RATE
    assert sum(p.numel() for p in net.parameters()) == network.estimate_parameter_count(
        "nca", 6, 2, hidden_layer_sizes=(16, 8)) == 6 * 16 + 16 + 16 * 8 + 8 + 2  # + one bias per class
    # the candidates are buffers outside state_dict: a continued fit may change them
    assert "candidate_x" not in net.state_dict()
    logits = predict_float64(net, X[:5].astype(np.float64), torch.device("cpu"))
    assert logits.shape == (5, 2) and logits.dtype == torch.float64
    with pytest.raises(ValueError, match="needs y_train"):
        build_network("nca", 6, 2, X_train=X)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_on_cuda_the_prediction_matches_the_cpu_and_stays_within_the_memory_bound():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 6))
    y = (X[:, 0] + 0.5 * rng.normal(size=20_000) > 1.2).astype(int)
    gpu = WeightedLossClassifier(**TINY_NCA, nca_sample_rate=0.05, max_epochs=2,
                                 batch_size=1024, early_stopping=False, random_state=0,
                                 device="cuda").fit(X, y)
    X_test = rng.normal(size=(2_000, 6))
    gpu.predict_proba(X_test[:10])
    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    proba = gpu.predict_proba(X_test)
    peak = (torch.cuda.max_memory_allocated() - before) / 2**20
    assert peak < 2 * NCA_BLOCK * 8 / 2**20 + 16, peak
    cpu = pickle.loads(pickle.dumps(gpu))
    cpu.module_, cpu.device_ = cpu.module_.cpu(), torch.device("cpu")
    np.testing.assert_allclose(cpu.predict_proba(X_test), proba, rtol=1e-9, atol=1e-12)
