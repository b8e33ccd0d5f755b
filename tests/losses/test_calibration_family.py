"""Formula values and identities of the calibration family: squentropy,
encouraging and zloss_spherical (formulas from the papers cited in their
docstrings).

Reference values are computed independently in numpy (or by hand).
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklearn_losses.losses import SphericalZLoss, get_loss

# numpy references and helpers shared with the imbalance tests
from .test_imbalance import SETTINGS, _close, np_ce, np_softmax, per_sample


Z4 = np.array([[2.0, -1.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0], [-3.0, 1.0, 4.0, 2.0],
               [1.5, 2.5, -0.5, -2.0], [0.3, -0.2, 0.1, 5.0]])
Y4 = np.array([0, 2, 1, 1, 3])
rows = arrays(np.float64, (5, 4), elements=st.floats(-20, 20))
labels = st.lists(st.integers(0, 3), min_size=5, max_size=5).map(np.array)


# ---------------------------------------------------------------------------
# squentropy
# ---------------------------------------------------------------------------
def test_squentropy_formula():
    onehot = np.eye(4)[Y4]
    expected = np_ce(Z4, Y4) + ((Z4 ** 2) * (1 - onehot)).sum(axis=1) / 3
    _close(per_sample("squentropy", Z4, Y4), expected)


def test_squentropy_binary_form():
    z = np.array([[0.5, -1.5], [2.0, 3.0], [-4.0, 0.0]])
    y = np.array([0, 0, 1])
    _close(per_sample("squentropy", z, y), np_ce(z, y) + z[np.arange(3), 1 - y] ** 2)


def test_squentropy_hand_value():
    # z = (0, log 3, 2), y = 1: -log(3 / (1 + 3 + e^2)) + (0 + 4) / 2.
    z = [[0.0, math.log(3.0), 2.0]]
    _close(per_sample("squentropy", z, [1]), [-math.log(3 / (4 + math.e ** 2)) + 2.0])


def test_squentropy_large_but_finite_on_extreme_logits():
    z = torch.tensor([[1e4, -1e4, 1e4]], requires_grad=True)
    value = get_loss("squentropy")(z, torch.tensor([0]))
    value.backward()
    assert torch.isfinite(value) and value.item() > 1e7
    assert torch.isfinite(z.grad).all()
    # d/dz_k of z_k^2 / (K - 1) for the wrong classes; the target's gradient is CE only.
    assert z.grad[0, 1].item() == pytest.approx(-1e4, rel=1e-5)


def test_squentropy_has_no_parameters():
    assert get_loss("squentropy").get_params() == {}


# ---------------------------------------------------------------------------
# encouraging
# ---------------------------------------------------------------------------
def np_bonus(p, log_end):
    p = np.asarray(p, dtype=np.float64)
    bonus = np.log(np.maximum(1 - p, 1e-5))
    if log_end < 1:
        tangent = np.log(1 - log_end) + (p - log_end) / (log_end - 1)
        bonus = np.where(p > log_end, tangent, bonus)
    return bonus


def binary_logits_with_p(p):
    """Logits (0, logit p) for label 1, so that p_y = p."""
    p = np.asarray(p, dtype=np.float64)
    return np.stack([np.zeros_like(p), np.log(p) - np.log1p(-p)], axis=1)


@pytest.mark.parametrize("log_end", [0.5, 0.75, 0.9, 1.0])
def test_encouraging_formula(log_end):
    expected = np_ce(Z4, Y4) + np_bonus(np_softmax(Z4)[np.arange(5), Y4], log_end)
    _close(per_sample("encouraging", Z4, Y4, log_end=log_end), expected)


def test_encouraging_hand_values():
    # p = 0.5 <= LE = 0.75: -log 0.5 + log 0.5 = 0.
    _close(per_sample("encouraging", binary_logits_with_p([0.5]), [1]), [0.0])
    # p = 0.9 > 0.75: -log 0.9 + log 0.25 + (0.9 - 0.75) / (0.75 - 1).
    _close(per_sample("encouraging", binary_logits_with_p([0.9]), [1]),
           [-math.log(0.9) + math.log(0.25) - 0.6])


def _bonus_of(p, log_end):
    """b(p) recovered from the loss: loss + log p."""
    p = np.asarray(p, dtype=np.float64)
    return per_sample("encouraging", binary_logits_with_p(p), np.ones(len(p), dtype=int),
                      log_end=log_end) + np.log(p)


@pytest.mark.parametrize("log_end", [0.3, 0.5, 0.75, 0.95])
def test_encouraging_bonus_and_slope_continuous_at_log_end(log_end):
    h = 1e-6
    below, at, above = _bonus_of([log_end - h, log_end, log_end + h], log_end)
    assert abs(above - below) < 10 * h / (1 - log_end)
    slope_left, slope_right = (at - below) / h, (above - at) / h
    assert slope_left == pytest.approx(1 / (log_end - 1), rel=1e-4)
    assert slope_right == pytest.approx(1 / (log_end - 1), rel=1e-4)


def test_encouraging_gradient_continuous_at_log_end():
    # Autograd slope of the bonus w.r.t. the target logit on both sides of LE.
    log_end, h = 0.75, 1e-7
    grads = []
    for p in (log_end - h, log_end + h):
        s = torch.tensor(math.log(p / (1 - p)), dtype=torch.float64, requires_grad=True)
        z = torch.stack([torch.zeros((), dtype=torch.float64), s]).unsqueeze(0)
        get_loss("encouraging", log_end=log_end)(z, torch.tensor([1])).backward()
        grads.append(s.grad.item())
    assert grads[0] == pytest.approx(grads[1], abs=1e-5)


@SETTINGS
@given(z=rows, y=labels, log_end=st.floats(0.01, 1.0))
def test_encouraging_at_most_cross_entropy(z, y, log_end):
    assert np.all(per_sample("encouraging", z, y, log_end=log_end) <= np_ce(z, y) + 1e-12)


@pytest.mark.parametrize("log_end", [0.5, 1.0])
def test_encouraging_finite_on_extreme_logits(log_end):
    loss = get_loss("encouraging", log_end=log_end)
    for scale in (1e4, -1e4):
        z = (torch.tensor([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]]) * scale).requires_grad_(True)
        value = loss(z, torch.tensor([0, 2]))
        value.backward()
        assert torch.isfinite(value) and torch.isfinite(z.grad).all()


@pytest.mark.parametrize("log_end", [0.0, -0.5, 1.01, np.nan])
def test_encouraging_invalid_log_end(log_end):
    with pytest.raises(ValueError):
        get_loss("encouraging", log_end=log_end)
    with pytest.raises(ValueError):
        get_loss("encouraging").set_params(log_end=log_end)


# ---------------------------------------------------------------------------
# zloss_spherical
# ---------------------------------------------------------------------------
def np_zloss(z, y, a, b):
    z = np.asarray(z, dtype=np.float64)
    z_hat = (z - z.mean(axis=1, keepdims=True)) / (z.std(axis=1, keepdims=True) + 1e-7)
    return np.log1p(np.exp(a * (b - z_hat[np.arange(len(y)), y]))) / a


@pytest.mark.parametrize("a,b", [(1.0, 1.0), (0.1, 0.0), (5.0, 2.0), (2.0, -1.0)])
def test_zloss_formula(a, b):
    _close(per_sample("zloss_spherical", Z4, Y4, a=a, b=b), np_zloss(Z4, Y4, a, b))


def test_zloss_hand_value():
    # z = (1, 2, 3): mean 2, population std sqrt(2/3); y = 2 gives z_hat = sqrt(3/2).
    z_hat = math.sqrt(1.5) * (math.sqrt(2 / 3) / (math.sqrt(2 / 3) + 1e-7))
    _close(per_sample("zloss_spherical", [[1.0, 2.0, 3.0]], [2]),
           [math.log1p(math.exp(1.0 - z_hat))])


@SETTINGS
@given(z=rows, y=labels, c=st.floats(0.1, 10), d=st.floats(-50, 50),
       a=st.floats(0.1, 5), b=st.floats(-2, 2))
def test_zloss_shift_and_scale_invariant(z, y, c, d, a, b):
    # Invariance holds up to eps: z_hat moves by about |z_hat| eps / std |1 - 1/c| < 4e-6.
    assume(z.std(axis=1).min() > 0.5)
    np.testing.assert_allclose(per_sample("zloss_spherical", c * z + d, y, a=a, b=b),
                               per_sample("zloss_spherical", z, y, a=a, b=b),
                               rtol=1e-6, atol=1e-5)


def test_zloss_needs_three_classes():
    assert SphericalZLoss.min_classes == 3
    loss = get_loss("zloss_spherical")
    with pytest.raises(ValueError, match="at least 3"):
        loss(torch.zeros(4, 2, dtype=torch.float64), torch.tensor([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="at least 3"):
        loss.check_n_classes(2)
    loss.check_n_classes(3)


def test_zloss_constant_logits_finite_gradient():
    z = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    value = get_loss("zloss_spherical")(z, torch.tensor([0, 2]))
    value.backward()
    assert value.item() == pytest.approx(math.log1p(math.e))
    assert torch.isfinite(z.grad).all()


@pytest.mark.parametrize("params", [{"a": 0.0}, {"a": -1.0}, {"a": np.inf}, {"b": np.nan},
                                    {"b": np.inf}])
def test_zloss_invalid_params(params):
    with pytest.raises(ValueError):
        get_loss("zloss_spherical", **params)
