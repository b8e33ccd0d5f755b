"""Batch-level ranking losses: auc_pairwise, auc_square and ensloss, against
hand / numpy computations and the identities their formulas imply; one-vs-rest
as in docs/design.rst (section "One-vs-rest for binary-only batch losses")."""

import math
import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from sklearn_losses.losses import AUCPairwiseLoss, AUCSquareLoss, EnsLoss, get_loss

from .test_metric import np_softmax, t, tl


def binary_logits(scores):
    """Two-column logits whose score z_1 - z_0 is ``scores``."""
    s = t(scores)
    return torch.stack([torch.zeros_like(s), s], dim=1)


# ---------------------------------------------------------------------------
# numpy references (explicit loops / textbook moments, independent of the
# package's one-vs-rest code path)
# ---------------------------------------------------------------------------
def np_ovr_scores(logits):
    p = np_softmax(logits)
    return np.log(p) - np.log1p(-p)  # log(p_k / (1 - p_k)), fine for moderate logits


def np_mw(s, y, w):
    num = den = 0.0
    for i in range(len(s)):
        for j in range(len(s)):
            if y[i] == 1 and y[j] == 0:
                num += w[i] * w[j] * math.log1p(math.exp(-(s[i] - s[j])))
                den += w[i] * w[j]
    return num / den


def np_auc_square(s, y, w, margin):
    h = 1.0 / (1.0 + np.exp(-np.asarray(s, dtype=np.float64)))
    y, w = np.asarray(y), np.asarray(w, dtype=np.float64)
    mp = np.average(h[y == 1], weights=w[y == 1])
    mn = np.average(h[y == 0], weights=w[y == 0])
    vp = np.average((h[y == 1] - mp) ** 2, weights=w[y == 1])
    vn = np.average((h[y == 0] - mn) ** 2, weights=w[y == 0])
    return vp + vn + max(0.0, margin - (mp - mn)) ** 2


def np_ovr(binary, logits, y, w, **kw):
    scores = np_ovr_scores(logits)
    y, w = np.asarray(y), np.asarray(w, dtype=np.float64)
    k = scores.shape[1]
    classes = [1] if k == 2 else range(k)
    values = [binary(scores[:, c], (y == c).astype(int), w, **kw) for c in classes
              if (w * (y == c)).sum() > 0 and (w * (y != c)).sum() > 0]
    return float(np.mean(values))


S_BIN = [0.4, -1.2, 2.0, 0.0, 0.7, -0.3, 1.1]
Y_BIN = [1, 0, 1, 0, 0, 1, 0]
W_BIN = [1.0, 2.0, 0.5, 1.5, 0.0, 3.0, 1.0]


# ===========================================================================
# auc_pairwise
# ===========================================================================
def test_auc_pairwise_hand_computed():
    # one positive at 1, one negative at 0: log(1 + e^-1)
    value = AUCPairwiseLoss()(binary_logits([1.0, 0.0]), tl([1, 0]))
    assert value.item() == pytest.approx(math.log1p(math.exp(-1.0)), abs=1e-14)
    # weights 2 (pos at 0) and 1, 3 (negs at 0 and 1): pairs (0-0) w=2, (0-1) w=6
    value = AUCPairwiseLoss()(binary_logits([0.0, 0.0, 1.0]), tl([1, 0, 0]), t([2.0, 1.0, 3.0]))
    expected = (2 * math.log(2.0) + 6 * math.log1p(math.exp(1.0))) / 8
    assert value.item() == pytest.approx(expected, abs=1e-14)


@pytest.mark.parametrize("weighted", [False, True])
def test_auc_pairwise_binary_matches_numpy(weighted):
    w = W_BIN if weighted else [1.0] * len(S_BIN)
    value = AUCPairwiseLoss()(binary_logits(S_BIN), tl(Y_BIN), t(w) if weighted else None)
    assert value.item() == pytest.approx(np_mw(S_BIN, Y_BIN, w), abs=1e-12)


@pytest.mark.parametrize("k", [2, 4])
def test_auc_pairwise_equal_scores_is_log2(k):
    y = torch.arange(8) % k
    value = AUCPairwiseLoss()(torch.full((8, k), 0.7, dtype=torch.float64), y)
    assert value.item() == pytest.approx(math.log(2.0), abs=1e-14)


@pytest.mark.parametrize("shift", [-5.0, 0.3, 40.0])
def test_auc_pairwise_shift_invariance(shift):
    loss = AUCPairwiseLoss()
    s = t(S_BIN)
    torch.testing.assert_close(loss(binary_logits(s + shift), tl(Y_BIN), t(W_BIN)),
                               loss(binary_logits(s), tl(Y_BIN), t(W_BIN)))


def test_auc_pairwise_multiclass_is_mean_of_per_class_values():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(10, 3))
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 1, 0])
    w = rng.uniform(0.1, 2.0, size=10)
    value = AUCPairwiseLoss()(t(logits), tl(y), t(w))
    assert value.item() == pytest.approx(np_ovr(np_mw, logits, y, w), abs=1e-12)
    # class 3 absent: the average runs over classes 0, 1, 2 only
    logits4 = np.concatenate([logits, rng.normal(size=(10, 1))], axis=1)
    value = AUCPairwiseLoss()(t(logits4), tl(y), t(w))
    assert value.item() == pytest.approx(np_ovr(np_mw, logits4, y, w), abs=1e-12)


auc_batches = st.lists(st.tuples(st.floats(-20, 20), st.integers(0, 1), st.floats(0.01, 5.0)),
                       min_size=2, max_size=14).filter(
    lambda rows: 0 < sum(r[1] for r in rows) < len(rows))


@settings(max_examples=50, deadline=None)
@given(rows=auc_batches)
def test_auc_pairwise_bounds_one_minus_auc(rows):
    s, y, w = (np.array(c) for c in zip(*rows))
    value = AUCPairwiseLoss()(binary_logits(s), tl(y), t(w)).item()
    # ties count as errors here, as half in sklearn: both bounds hold
    pos, neg = y == 1, y == 0
    pair_w = np.outer(w[pos], w[neg])
    auc_ties_as_errors = (pair_w * (s[pos][:, None] > s[neg][None, :])).sum() / pair_w.sum()
    assert value / math.log(2.0) >= 1.0 - auc_ties_as_errors - 1e-12
    assert value / math.log(2.0) >= 1.0 - roc_auc_score(y, s, sample_weight=w) - 1e-12
    assert value == pytest.approx(np_mw(s, y, w), rel=1e-9, abs=1e-12)


# ===========================================================================
# auc_square
# ===========================================================================
def test_auc_square_hand_computed():
    # scores 0 => h = 1/2 everywhere: no variance, gap 0, loss = margin^2
    y = tl([1, 0, 0, 1])
    for margin in (0.3, 1.0):
        value = AUCSquareLoss(margin=margin)(torch.zeros(4, 2, dtype=torch.float64), y)
        assert value.item() == pytest.approx(margin**2, abs=1e-14)
    # positives h in {0.5, s(1)}, negative h = 0.5: Var+ = (s(1)-0.5)^2/4, gap = (s(1)-0.5)/2
    h1 = 1.0 / (1.0 + math.exp(-1.0))
    value = AUCSquareLoss(margin=1.0)(binary_logits([0.0, 1.0, 0.0]), tl([1, 1, 0]))
    expected = (h1 - 0.5) ** 2 / 4 + (1.0 - (h1 - 0.5) / 2) ** 2
    assert value.item() == pytest.approx(expected, abs=1e-14)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("margin", [0.6, 1.0])
def test_auc_square_binary_matches_numpy(weighted, margin):
    w = W_BIN if weighted else [1.0] * len(S_BIN)
    value = AUCSquareLoss(margin=margin)(binary_logits(S_BIN), tl(Y_BIN),
                                         t(w) if weighted else None)
    assert value.item() == pytest.approx(np_auc_square(S_BIN, Y_BIN, w, margin), abs=1e-12)


def test_auc_square_multiclass_is_mean_of_per_class_values():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(11, 4))
    y = np.array([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2])
    w = rng.uniform(0.1, 2.0, size=11)
    value = AUCSquareLoss(margin=0.8)(t(logits), tl(y), t(w))
    assert value.item() == pytest.approx(np_ovr(np_auc_square, logits, y, w, margin=0.8),
                                         abs=1e-12)


def test_auc_square_zero_only_for_constant_separated_classes():
    y = tl([1, 1, 0, 0, 0])
    separated = binary_logits([5.0, 5.0, -5.0, -5.0, -5.0])  # gap 0.987
    assert AUCSquareLoss(margin=0.5)(separated, y).item() == pytest.approx(0.0, abs=1e-20)
    # not constant within a class, or gap below the margin: positive
    assert AUCSquareLoss(margin=0.5)(binary_logits([5.0, 4.0, -5.0, -5.0, -5.0]), y).item() > 0
    assert AUCSquareLoss(margin=0.99)(separated, y).item() > 0
    # margin 1 can never be reached since 0 < h < 1
    assert AUCSquareLoss(margin=1.0)(separated, y).item() > 0


@settings(max_examples=50, deadline=None)
@given(rows=auc_batches, margin=st.floats(0.05, 2.0))
def test_auc_square_nonnegative_and_label_swap_symmetric(rows, margin):
    s, y, w = (np.array(c) for c in zip(*rows))
    loss = AUCSquareLoss(margin=margin)
    value = loss(binary_logits(s), tl(y), t(w))
    assert value.item() >= 0.0
    # swap the labels and h -> 1 - h (i.e. s -> -s)
    swapped = loss(binary_logits(-s), tl(1 - y), t(w))
    torch.testing.assert_close(swapped, value, rtol=1e-9, atol=1e-12)
    assert value.item() == pytest.approx(np_auc_square(s, y, w, margin), rel=1e-9, abs=1e-12)


# ===========================================================================
# shared: degenerate batches, parameters
# ===========================================================================
@pytest.mark.parametrize("cls", [AUCPairwiseLoss, AUCSquareLoss])
@pytest.mark.parametrize("k", [2, 3])
def test_single_class_batch_is_degenerate(cls, k):
    loss = cls()
    logits = torch.randn(5, k, dtype=torch.float64, requires_grad=True)
    value = loss(logits, torch.zeros(5, dtype=torch.long))
    assert value.item() == 0.0 and value.requires_grad
    value.backward()
    assert torch.equal(logits.grad, torch.zeros_like(logits))
    assert loss.n_degenerate_batches_ == 1
    # all positives with zero weight: degenerate too
    loss(logits.detach(), tl([1, 0, 0, 0, 0]), t([0.0, 1.0, 1.0, 1.0, 1.0]))
    assert loss.n_degenerate_batches_ == 2


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan, "wide", None])
def test_invalid_margin_raises(bad):
    with pytest.raises(ValueError):
        AUCSquareLoss(margin=bad)
    with pytest.raises(ValueError):
        get_loss("auc_square").set_params(margin=bad)


def test_defaults():
    assert AUCPairwiseLoss().get_params() == {}
    assert AUCSquareLoss().get_params() == {"margin": 1.0}
    assert EnsLoss().get_params() == {"lam": 0.0, "random_state": None}


# ===========================================================================
# ensloss
# ===========================================================================
def np_ensloss(scores, y, w, lam, draws):
    """Steps 1-4 of EnsLoss (its class docstring) in numpy, with given N(0, 1) draws."""
    m = (2.0 * np.asarray(y) - 1.0) * np.asarray(scores, dtype=np.float64)
    if lam == 0:
        g = -np.exp(draws)
    else:
        with np.errstate(divide="ignore"):
            g = -np.maximum(1.0 + lam * draws, 0.0) ** (1.0 / lam)
    g = np.maximum(np.sort(g), -1.0)
    assigned = np.empty_like(g)
    assigned[np.argsort(m, kind="stable")] = g
    assigned = np.where(m > 1.0, assigned / np.where(m > 1.0, m, 1.0), assigned) - 1e-6
    w = np.asarray(w, dtype=np.float64)
    return (w * assigned * m).sum() / w.sum()


def seeded_draws(seed, n):
    return torch.randn(n, generator=torch.Generator().manual_seed(seed),
                       dtype=torch.float64).numpy()


SCORES_ENS = [0.4, -1.2, 3.0, 0.0, 0.7, -2.5, 1.1, 5.0]
Y_ENS = [1, 0, 1, 0, 0, 1, 0, 1]
W_ENS = [1.0, 2.0, 0.5, 1.5, 0.0, 3.0, 1.0, 1.0]


@pytest.mark.parametrize("lam", [0.0, 0.5, -0.5, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_ensloss_matches_numpy_algorithm(lam, weighted):
    w = W_ENS if weighted else [1.0] * len(Y_ENS)
    loss = EnsLoss(lam=lam, random_state=7)
    value = loss(binary_logits(SCORES_ENS), tl(Y_ENS), t(w) if weighted else None)
    expected = np_ensloss(SCORES_ENS, Y_ENS, w, lam, seeded_draws(7, len(Y_ENS)))
    assert value.item() == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("lam", [0.0, 0.7, -0.7])
def test_ensloss_gradient_sign_and_convexity(lam):
    rng = np.random.default_rng(0)
    scores = rng.normal(scale=2.0, size=40)
    y = rng.integers(0, 2, size=40)
    w = rng.uniform(0.1, 2.0, size=40)
    logits = binary_logits(scores).requires_grad_(True)
    EnsLoss(lam=lam, random_state=3)(logits, tl(y), t(w)).backward()
    ds = logits.grad[:, 1]  # d l / d s_i (z_0 = 0 is a leaf too: d/dz_0 = -d/ds)
    torch.testing.assert_close(logits.grad[:, 0], -ds)
    ytilde = 2.0 * t(y) - 1.0
    assert torch.equal(torch.sign(ds), -ytilde)
    # derivative w.r.t. the margin, per unit weight: in [-1, 0) and non-decreasing in m
    dm = (ds * ytilde / t(w) * t(w).sum()).numpy()
    assert np.all(dm < 0) and np.all(dm >= -1.0 - 1e-6 - 1e-12)
    m = scores * (2 * y - 1)
    assert np.all(np.diff(dm[np.argsort(m)]) >= -1e-12)


def test_ensloss_reproducible_sequences():
    logits, y = binary_logits(SCORES_ENS), tl(Y_ENS)
    a, b = EnsLoss(random_state=11), EnsLoss(random_state=11)
    seq_a = [a(logits, y) for _ in range(3)]
    seq_b = [b(logits, y) for _ in range(3)]
    assert all(torch.equal(u, v) for u, v in zip(seq_a, seq_b))
    assert not torch.equal(seq_a[0], seq_a[1])  # a new draw per call
    assert not torch.equal(EnsLoss(random_state=12)(logits, y), seq_a[0])
    # a fresh clone restarts the sequence, even after the original was used
    twin = clone(a)
    assert all(torch.equal(twin(logits, y), v) for v in seq_a)
    # set_params restarts it too
    a.set_params(random_state=11)
    assert torch.equal(a(logits, y), seq_a[0])
    # a pickled loss resumes where it stopped
    restored = pickle.loads(pickle.dumps(a))
    assert torch.equal(restored(logits, y), a(logits, y))
    # the draws do not depend on dtype
    v32 = EnsLoss(random_state=11)(logits.float(), y)
    assert v32.dtype == torch.float32
    assert v32.item() == pytest.approx(seq_a[0].item(), rel=1e-5)


def test_ensloss_random_state_none_uses_torch_global_rng():
    logits, y = binary_logits(SCORES_ENS), tl(Y_ENS)
    torch.manual_seed(5)
    first = EnsLoss()(logits, y)
    torch.manual_seed(5)
    assert torch.equal(EnsLoss()(logits, y), first)
    # the global generator's draws, not a private fixed seed: the reference on them, and
    # another global seed draws otherwise
    torch.manual_seed(5)
    draws = torch.randn(len(Y_ENS), dtype=torch.float64).numpy()
    assert first.item() == pytest.approx(
        np_ensloss(SCORES_ENS, Y_ENS, [1.0] * len(Y_ENS), 0.0, draws), abs=1e-12)
    torch.manual_seed(6)
    assert not torch.equal(EnsLoss()(logits, y), first)


def test_ensloss_binary_only():
    assert EnsLoss.max_classes == 2 and EnsLoss.stochastic
    with pytest.raises(ValueError, match="binary problems only"):
        EnsLoss(random_state=0)(torch.zeros(4, 3, dtype=torch.float64), tl([0, 1, 2, 0]))
    with pytest.raises(ValueError):
        EnsLoss.check_n_classes(3)


def test_ensloss_single_class_batch_is_not_degenerate():
    loss = EnsLoss(random_state=0)
    logits = binary_logits([0.5, -0.2, 1.5]).requires_grad_(True)
    value = loss(logits, tl([1, 1, 1]))
    value.backward()
    assert value.item() < 0 and torch.all(logits.grad[:, 1] < 0)
    assert getattr(loss, "n_degenerate_batches_", 0) == 0


def test_ensloss_extreme_margins_finite():
    logits = binary_logits([1e4, -1e4, 3e4, -3e4]).float().requires_grad_(True)
    for lam in (0.0, -1.0, 2.0):
        value = EnsLoss(lam=lam, random_state=1)(logits, tl([1, 1, 0, 0]))
        value.backward()
        assert torch.isfinite(value) and torch.isfinite(logits.grad).all()


@pytest.mark.parametrize("params", [{"lam": math.nan}, {"lam": math.inf}, {"lam": "x"},
                                    {"random_state": -1}, {"random_state": 1.5},
                                    {"random_state": "seed"}, {"random_state": 2**32}])
def test_ensloss_invalid_parameters_raise(params):
    with pytest.raises(ValueError):
        EnsLoss(**params)
    with pytest.raises(ValueError):
        EnsLoss().set_params(**params)


def test_ovr_scores_match_the_dense_masked_logsumexp():
    # O(nK) computation against the (n, K, K) definition, on logits whose
    # softmax saturates (p_k = 1 to machine precision) and with tied maxima.
    from sklearn_losses.losses.base import BatchLoss

    g = torch.Generator().manual_seed(0)
    z = torch.randn(6, 5, generator=g, dtype=torch.float64) * torch.tensor(
        [[1.0], [50.0], [500.0], [1.0], [1e4], [3.0]], dtype=torch.float64)
    z[3, 1:3] = z[3].max() + 2.0
    eye = torch.eye(5, dtype=torch.bool)
    dense = z - torch.logsumexp(z.unsqueeze(1).masked_fill(eye, float("-inf")), dim=2)
    zg = z.clone().requires_grad_(True)
    got = BatchLoss.ovr_scores(zg)
    torch.testing.assert_close(got, dense, rtol=1e-12, atol=1e-9)
    got.sum().backward()
    assert torch.isfinite(zg.grad).all()


def test_a_binary_only_loss_on_more_classes_says_so_and_how_to_go_on():
    # it said "needs at least 2 and at most 2 classes"
    with pytest.raises(ValueError, match=r"'ensloss' loss handles binary problems only \(2 "
                                         r"classes\); got 4\. .*OneVsRestClassifier"):
        EnsLoss.check_n_classes(4)
    EnsLoss.check_n_classes(2)
