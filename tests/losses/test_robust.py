"""Formula values and identities of the noise-robust losses (comp_sum, gce, mae,
sce, nce, nce_rce, nfl_rce, ldr_kl).

Expected values are computed independently in numpy (or written out by
hand), never through the package's own helpers. The generic protocol
(finite values and gradients at default parameters, weights, pickling) is
covered by ``test_loss_protocol.py``.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_losses.losses import get_loss

ROBUST = ["gce", "mae", "comp_sum", "sce", "nce", "nce_rce", "nfl_rce", "ldr_kl"]

# Two small explicit samples: K = 3, labels 0 and 2.
Z = np.array([[2.0, 0.0, -1.0], [0.5, 1.5, -0.5]])
Y = np.array([0, 2])


def _t(z=Z, y=Y):
    return torch.tensor(z, dtype=torch.float64), torch.tensor(y, dtype=torch.long)


def _per_sample(name, z=Z, y=Y, **params):
    logits, target = _t(z, y)
    return get_loss(name, **params).loss_per_sample(logits, target).numpy()


def _random_logits(n=20, k=4, scale=3.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, k, generator=g, dtype=torch.float64) * scale
    target = torch.randint(0, k, (n,), generator=g)
    return logits, target


def _all_labels(name, logits, **params):
    """Matrix ``L[i, j] = loss(z_i, j)`` over every label ``j``."""
    loss = get_loss(name, **params)
    n, k = logits.shape
    cols = [loss.loss_per_sample(logits, torch.full((n,), j, dtype=torch.long)) for j in range(k)]
    return torch.stack(cols, dim=1)


def _ce(logits, target):
    return F.cross_entropy(logits, target, reduction="none")


# ---------------------------------------------------------------------------
# numpy references
# ---------------------------------------------------------------------------
def _np_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _np_py(z, y):
    return _np_softmax(z)[np.arange(len(y)), y]


def _np_comp_sum(z, y, tau):
    # Paper form: u = sum_{k != y} exp(z_k - z_y), Phi_tau(u).
    zy = z[np.arange(len(y)), y][:, None]
    u = np.exp(z - zy).sum(axis=1) - 1.0
    if tau == 1:
        return np.log1p(u)
    return ((1.0 + u) ** (1.0 - tau) - 1.0) / (1.0 - tau)


def _np_nfl(z, y, gamma):
    p = _np_softmax(z)
    terms = (1.0 - p) ** gamma * np.log(p)
    return terms[np.arange(len(y)), y] / terms.sum(axis=1)


def _np_rce(z, y, A):
    # -sum_k p_k log(e_{y,k}) with log 0 := A, log 1 = 0.
    p = _np_softmax(z)
    log_onehot = np.full_like(z, A)
    log_onehot[np.arange(len(y)), y] = 0.0
    return -(p * log_onehot).sum(axis=1)


def _np_ldr_kl(z, y, lam, margin):
    k = z.shape[1]
    zy = z[np.arange(len(y)), y][:, None]
    v = margin * (np.arange(k)[None, :] != y[:, None]) + z - zy
    return lam * np.log(np.mean(np.exp(v / lam), axis=1))


def _np_ce(z, y):
    return -np.log(_np_py(z, y))


REFERENCES = [
    ("gce", {}, lambda z, y: (1 - _np_py(z, y) ** 0.7) / 0.7),
    ("gce", {"q": 0.3}, lambda z, y: (1 - _np_py(z, y) ** 0.3) / 0.3),
    ("mae", {}, lambda z, y: 0.5 * np.abs(_np_softmax(z) - np.eye(3)[y]).sum(axis=1)),
    ("comp_sum", {}, lambda z, y: _np_comp_sum(z, y, 1.0)),
    ("comp_sum", {"tau": 0.0}, lambda z, y: _np_comp_sum(z, y, 0.0)),
    ("comp_sum", {"tau": 0.5}, lambda z, y: _np_comp_sum(z, y, 0.5)),
    ("comp_sum", {"tau": 1.5}, lambda z, y: _np_comp_sum(z, y, 1.5)),
    ("comp_sum", {"tau": 2.0}, lambda z, y: _np_comp_sum(z, y, 2.0)),
    ("comp_sum", {"tau": 3.0}, lambda z, y: _np_comp_sum(z, y, 3.0)),
    ("sce", {}, lambda z, y: 0.1 * _np_ce(z, y) + 1.0 * _np_rce(z, y, -4.0)),
    ("sce", {"alpha": 0.5, "beta": 2.0, "A": math.log(1e-4)},
     lambda z, y: 0.5 * _np_ce(z, y) + 2.0 * _np_rce(z, y, math.log(1e-4))),
    ("nce", {}, lambda z, y: np.log(_np_py(z, y)) / np.log(_np_softmax(z)).sum(axis=1)),
    ("nce_rce", {}, lambda z, y: _np_nfl(z, y, 0.0) + _np_rce(z, y, -4.0)),
    ("nce_rce", {"alpha": 10.0, "beta": 0.1, "A": -2.0},
     lambda z, y: 10.0 * _np_nfl(z, y, 0.0) + 0.1 * _np_rce(z, y, -2.0)),
    ("nfl_rce", {}, lambda z, y: _np_nfl(z, y, 0.5) + _np_rce(z, y, -4.0)),
    ("nfl_rce", {"alpha": 2.0, "beta": 0.5, "gamma": 2.0},
     lambda z, y: 2.0 * _np_nfl(z, y, 2.0) + 0.5 * _np_rce(z, y, -4.0)),
    ("ldr_kl", {}, lambda z, y: _np_ldr_kl(z, y, 1.0, 0.1)),
    ("ldr_kl", {"lam": 0.3, "margin": 1.0}, lambda z, y: _np_ldr_kl(z, y, 0.3, 1.0)),
]


@pytest.mark.parametrize("name,params,reference", REFERENCES)
def test_values_match_numpy_reference(name, params, reference):
    np.testing.assert_allclose(_per_sample(name, **params), reference(Z, Y), rtol=1e-10)


def test_values_written_out_by_hand():
    # logits [2, 0, -1], label 0: p_0 = e^2 / (e^2 + 1 + e^-1) = 0.84379473448,
    # -log p_0 = 0.16984601956.
    z, y = np.array([[2.0, 0.0, -1.0]]), np.array([0])
    p0, ce = 0.84379473448, 0.16984601956
    np.testing.assert_allclose(_per_sample("mae", z, y), [1 - p0], rtol=1e-9)
    np.testing.assert_allclose(_per_sample("gce", z, y, q=0.5), [(1 - p0 ** 0.5) / 0.5], rtol=1e-9)
    np.testing.assert_allclose(_per_sample("comp_sum", z, y, tau=0.0), [1 / p0 - 1], rtol=1e-9)
    np.testing.assert_allclose(_per_sample("comp_sum", z, y), [ce], rtol=1e-9)
    np.testing.assert_allclose(_per_sample("sce", z, y), [0.1 * ce + 4 * (1 - p0)], rtol=1e-9)
    # log p = [-0.16985, -2.16985, -3.16985], sum -5.50953805867; NCE = 0.16985 / 5.50954.
    np.testing.assert_allclose(_per_sample("nce", z, y), [ce / 5.50953805867], rtol=1e-9)
    # margin 0.1: v = [0, -1.9, -2.9]; ldr = log((1 + e^-1.9 + e^-2.9) / 3).
    np.testing.assert_allclose(_per_sample("ldr_kl", z, y),
                               [math.log((1 + math.exp(-1.9) + math.exp(-2.9)) / 3)], rtol=1e-10)


# ---------------------------------------------------------------------------
# "Must hold" identities
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("q", [0.1, 0.5, 0.7, 1.0])
def test_gce_equals_comp_sum_one_plus_q(q):
    logits, target = _random_logits()
    torch.testing.assert_close(get_loss("gce", q=q).loss_per_sample(logits, target),
                               get_loss("comp_sum", tau=1 + q).loss_per_sample(logits, target))


def test_gce_one_equals_mae_equals_comp_sum_two():
    logits, target = _random_logits()
    mae = get_loss("mae").loss_per_sample(logits, target)
    torch.testing.assert_close(get_loss("gce", q=1.0).loss_per_sample(logits, target), mae)
    torch.testing.assert_close(get_loss("comp_sum", tau=2.0).loss_per_sample(logits, target), mae)
    torch.testing.assert_close(mae, 1 - torch.softmax(logits, 1)[torch.arange(20), target])


def test_gce_tends_to_cross_entropy():
    logits, target = _random_logits()
    torch.testing.assert_close(get_loss("gce", q=1e-4).loss_per_sample(logits, target),
                               _ce(logits, target), rtol=1e-3, atol=1e-6)


def test_comp_sum_tau_one_is_cross_entropy():
    logits, target = _random_logits()
    torch.testing.assert_close(get_loss("comp_sum", tau=1.0).loss_per_sample(logits, target),
                               _ce(logits, target))


def test_comp_sum_tau_zero_is_sum_exponential():
    logits, target = _random_logits()
    p_y = torch.softmax(logits, 1)[torch.arange(20), target]
    torch.testing.assert_close(get_loss("comp_sum", tau=0.0).loss_per_sample(logits, target),
                               1 / p_y - 1)


def test_comp_sum_continuous_at_one():
    logits, target = _random_logits()
    ce = _ce(logits, target)
    for tau in (1 - 1e-7, 1 + 1e-7):  # CE branch
        torch.testing.assert_close(get_loss("comp_sum", tau=tau).loss_per_sample(logits, target),
                                   ce)
    for tau in (1 - 2e-6, 1 + 2e-6, 1 - 1e-4, 1 + 1e-4):  # power branch, near CE
        value = get_loss("comp_sum", tau=tau).loss_per_sample(logits, target)
        torch.testing.assert_close(value, ce, rtol=2e-3, atol=1e-8)
    # Monotone in tau on either side (p_y^s is monotone in s): no jump at 1.
    below = get_loss("comp_sum", tau=1 - 2e-6).loss_per_sample(logits, target)
    above = get_loss("comp_sum", tau=1 + 2e-6).loss_per_sample(logits, target)
    assert torch.all(below >= ce) and torch.all(ce >= above)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_mae_is_symmetric(k):
    logits, _ = _random_logits(k=k)
    torch.testing.assert_close(_all_labels("mae", logits).sum(1),
                               torch.full((20,), k - 1.0, dtype=torch.float64))


def test_sce_special_cases():
    logits, target = _random_logits()
    torch.testing.assert_close(get_loss("sce", alpha=1.0, beta=0.0).loss_per_sample(logits, target),
                               _ce(logits, target))
    torch.testing.assert_close(
        get_loss("sce", alpha=0.0, beta=1.0, A=-4.0).loss_per_sample(logits, target),
        4 * get_loss("mae").loss_per_sample(logits, target))


@pytest.mark.parametrize("k", [2, 3, 5])
def test_nce_sums_to_one_over_labels(k):
    logits, _ = _random_logits(k=k)
    torch.testing.assert_close(_all_labels("nce", logits).sum(1),
                               torch.ones(20, dtype=torch.float64))


@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("k", [2, 4])
def test_nfl_sums_to_one_over_labels(gamma, k):
    logits, _ = _random_logits(k=k)
    nfl = _all_labels("nfl_rce", logits, alpha=1.0, beta=0.0, gamma=gamma)
    torch.testing.assert_close(nfl.sum(1), torch.ones(20, dtype=torch.float64))


def test_nce_rce_without_rce_is_nce():
    logits, target = _random_logits()
    torch.testing.assert_close(
        get_loss("nce_rce", alpha=1.0, beta=0.0).loss_per_sample(logits, target),
        get_loss("nce").loss_per_sample(logits, target))


@pytest.mark.parametrize("alpha,beta", [(1.0, 1.0), (10.0, 0.1), (0.0, 1.0), (1.0, 0.0)])
def test_nfl_rce_gamma_zero_is_nce_rce(alpha, beta):
    logits, target = _random_logits()
    torch.testing.assert_close(
        get_loss("nfl_rce", alpha=alpha, beta=beta, gamma=0.0).loss_per_sample(logits, target),
        get_loss("nce_rce", alpha=alpha, beta=beta).loss_per_sample(logits, target))


def test_rce_terms_share_A():
    logits, target = _random_logits()
    mae = get_loss("mae").loss_per_sample(logits, target)
    for name in ("nce_rce", "nfl_rce", "sce"):
        rce = get_loss(name, alpha=0.0, beta=1.0, A=-2.5).loss_per_sample(logits, target)
        torch.testing.assert_close(rce, 2.5 * mae)


@pytest.mark.parametrize("k", [2, 3, 6])
def test_ldr_kl_lam_one_no_margin_is_cross_entropy_minus_log_k(k):
    logits, target = _random_logits(k=k)
    torch.testing.assert_close(
        get_loss("ldr_kl", lam=1.0, margin=0.0).loss_per_sample(logits, target),
        _ce(logits, target) - math.log(k))


@pytest.mark.parametrize("margin", [0.0, 0.1, 1.0])
def test_ldr_kl_small_lam_is_crammer_singer_hinge(margin):
    logits, target = _random_logits(k=4)
    v = logits - logits.gather(1, target[:, None]) + margin
    v.scatter_(1, target[:, None], 0.0)
    hinge = v.max(dim=1).values
    value = get_loss("ldr_kl", lam=1e-3, margin=margin).loss_per_sample(logits, target)
    # lam * log(mean exp(v / lam)) lies in [max v - lam log K, max v].
    assert torch.all(value <= hinge + 1e-12)
    assert torch.all(value >= hinge - 1e-3 * math.log(4) - 1e-12)


def test_ldr_kl_large_lam_is_mean_violation():
    logits, target = _random_logits(k=4)
    v = logits - logits.gather(1, target[:, None]) + 0.1
    v.scatter_(1, target[:, None], 0.0)
    # lam is at most 1e3 (float32 precision of the value): compare with the
    # expansion lam (log mean_k e^{v_k / lam}) = mean(v) + var(v) / (2 lam) + O(lam^-2)
    lam = 1e3
    torch.testing.assert_close(get_loss("ldr_kl", lam=lam).loss_per_sample(logits, target),
                               v.mean(1) + v.var(1, unbiased=False) / (2 * lam),
                               rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------
def test_contract_defaults():
    assert get_loss("gce").get_params() == {"q": 0.7}
    assert get_loss("mae").get_params() == {}
    assert get_loss("comp_sum").get_params() == {"tau": 1.0}
    assert get_loss("sce").get_params() == {"alpha": 0.1, "beta": 1.0, "A": -4.0}
    assert get_loss("nce").get_params() == {}
    assert get_loss("nce_rce").get_params() == {"alpha": 1.0, "beta": 1.0, "A": -4.0}
    assert get_loss("nfl_rce").get_params() == {"alpha": 1.0, "beta": 1.0, "gamma": 0.5,
                                                "A": -4.0}
    assert get_loss("ldr_kl").get_params() == {"lam": 1.0, "margin": 0.1}


INVALID = [
    ("gce", {"q": 0.0}), ("gce", {"q": 1.5}), ("gce", {"q": -0.1}), ("gce", {"q": "a"}),
    ("comp_sum", {"tau": -0.1}), ("comp_sum", {"tau": None}),
    ("sce", {"A": 0.0}), ("sce", {"A": 1.0}), ("sce", {"alpha": 0.0, "beta": 0.0}),
    ("sce", {"alpha": -1.0}), ("sce", {"beta": -0.5}),
    ("nce_rce", {"alpha": 0.0, "beta": 0.0}), ("nce_rce", {"A": 0.0}),
    ("nce_rce", {"alpha": -1.0}),
    ("nfl_rce", {"gamma": -1.0}), ("nfl_rce", {"alpha": 0.0, "beta": 0.0}),
    ("nfl_rce", {"A": 2.0}),
    ("ldr_kl", {"lam": 0.0}), ("ldr_kl", {"lam": -1.0}), ("ldr_kl", {"margin": -0.1}),
]


@pytest.mark.parametrize("name,params", INVALID)
def test_invalid_parameters_raise(name, params):
    with pytest.raises(ValueError):
        get_loss(name, **params)


def test_set_params_revalidates():
    loss = get_loss("sce", alpha=0.0, beta=1.0)
    with pytest.raises(ValueError, match="alpha > 0 or beta > 0"):
        loss.set_params(beta=0.0)
    with pytest.raises(ValueError):
        get_loss("gce").set_params(q=2.0)


# ---------------------------------------------------------------------------
# Numerics beyond the default parameters
# ---------------------------------------------------------------------------
NON_DEFAULT = [
    ("comp_sum", {"tau": 0.0}), ("comp_sum", {"tau": 0.5}), ("comp_sum", {"tau": 1.5}),
    ("comp_sum", {"tau": 2.0}), ("gce", {"q": 0.05}), ("sce", {"alpha": 0.0}),
    ("nce_rce", {"alpha": 10.0, "beta": 0.1}), ("nfl_rce", {"gamma": 0.0}),
    ("nfl_rce", {"gamma": 2.0}), ("ldr_kl", {"lam": 1e-3, "margin": 1.0}),
    ("ldr_kl", {"lam": 10.0, "margin": 0.0}),
]


@pytest.mark.parametrize("name,params", NON_DEFAULT)
def test_extreme_logits_finite_non_default(name, params):
    loss = get_loss(name, **params)
    g = torch.Generator().manual_seed(1)
    signs = torch.randn(16, 4, generator=g).sign()
    target = torch.arange(16) % 4
    for scale in (1e4, -1e4):
        logits = (signs * scale).requires_grad_(True)
        value = loss(logits, target)
        value.backward()
        assert torch.isfinite(value), (name, params, scale)
        assert torch.isfinite(logits.grad).all(), (name, params, scale)


@pytest.mark.parametrize("name,params", NON_DEFAULT)
def test_gradcheck_non_default(name, params):
    if params.get("lam") == 1e-3:  # a kink-like hinge: finite differences are unreliable
        params = {**params, "lam": 0.1}
    logits, target = _random_logits(n=5, k=3, scale=1.0)
    logits.requires_grad_(True)
    loss = get_loss(name, **params)
    assert torch.autograd.gradcheck(lambda z: loss(z, target), (logits,), eps=1e-6, atol=1e-5)


def test_comp_sum_below_one_is_floored_not_infinite():
    # p_y ~ e^-40: the exact 1/p_y - 1 overflows nothing in float64, but the
    # documented floor p_y >= 1e-7 caps the loss at 1e7 - 1.
    logits = torch.tensor([[-40.0, 0.0]], dtype=torch.float64)
    value = get_loss("comp_sum", tau=0.0).loss_per_sample(logits, torch.tensor([0]))
    torch.testing.assert_close(value, torch.tensor([1e7 - 1], dtype=torch.float64))


def test_nce_sums_to_one_on_saturated_float32_logits():
    logits = torch.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]])
    nce = _all_labels("nce", logits)
    nfl = _all_labels("nfl_rce", logits, alpha=1.0, beta=0.0)
    for matrix in (nce, nfl):
        assert torch.isfinite(matrix).all()
        torch.testing.assert_close(matrix.sum(1), torch.ones(2))


# ---------------------------------------------------------------------------
# Property tests: bounds on random logits
# ---------------------------------------------------------------------------
@st.composite
def _logits_and_target(draw):
    k = draw(st.integers(2, 5))
    n = draw(st.integers(1, 4))
    values = draw(st.lists(st.floats(-30, 30), min_size=n * k, max_size=n * k))
    target = draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    return (torch.tensor(values, dtype=torch.float64).reshape(n, k),
            torch.tensor(target, dtype=torch.long))


@settings(max_examples=50, deadline=None)
@given(data=_logits_and_target(), q=st.floats(0.01, 1.0))
def test_gce_bounds(data, q):
    value = get_loss("gce", q=q).loss_per_sample(*data)
    assert torch.all(value >= 0) and torch.all(value <= 1 / q + 1e-12)


@settings(max_examples=50, deadline=None)
@given(data=_logits_and_target(), gamma=st.floats(0.0, 3.0))
def test_mae_nce_nfl_in_unit_interval(data, gamma):
    for name, params in (("mae", {}), ("nce", {}),
                         ("nfl_rce", {"alpha": 1.0, "beta": 0.0, "gamma": gamma})):
        value = get_loss(name, **params).loss_per_sample(*data)
        assert torch.all(value >= 0) and torch.all(value <= 1 + 1e-12), (name, value)


@settings(max_examples=50, deadline=None)
@given(data=_logits_and_target(), tau=st.floats(1.0, 2.0))
def test_comp_sum_between_mae_and_cross_entropy(data, tau):
    # p_y^s decreases in s, so (1 - p_y^s)/s decreases in s: MAE <= l_tau <= CE on [1, 2].
    logits, target = data
    value = get_loss("comp_sum", tau=tau).loss_per_sample(logits, target)
    assert torch.all(value <= _ce(logits, target) + 1e-9)
    assert torch.all(value >= get_loss("mae").loss_per_sample(logits, target) - 1e-9)


@settings(max_examples=50, deadline=None)
@given(data=_logits_and_target(), lam=st.floats(0.05, 20.0), margin=st.floats(0.0, 2.0))
def test_ldr_kl_between_mean_violation_and_hinge(data, lam, margin):
    logits, target = data
    v = logits - logits.gather(1, target[:, None]) + margin
    v.scatter_(1, target[:, None], 0.0)
    value = get_loss("ldr_kl", lam=lam, margin=margin).loss_per_sample(logits, target)
    # Jensen: mean_k v_k <= lam log mean exp(v / lam) <= max_k v_k.
    assert torch.all(value >= v.mean(1) - 1e-9) and torch.all(value <= v.max(1).values + 1e-9)
