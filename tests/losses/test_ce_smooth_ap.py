"""ce_smooth_ap: cross-entropy plus the Smooth-AP surrogate (Brown et al., ECCV 2020)."""

import math

import numpy as np
import pytest
import torch

from sklearn_losses import get_loss
from sklearn_losses.losses.ranking import smooth_average_precision


def _sig(x):
    return 1.0 / (1.0 + math.exp(-x))


def t64(values):
    return torch.tensor(values, dtype=torch.float64)


def test_smooth_ap_by_hand():
    # positives at scores 2 and 0, a negative at 1, tau = 1; a row ranks itself at 1/2
    scores, y = t64([[2.0], [1.0], [0.0]]), t64([[1.0], [0.0], [1.0]])
    r0, rp0 = 0.5 + _sig(-1) + _sig(-2), 0.5 + _sig(-2)
    r2, rp2 = 0.5 + _sig(2) + _sig(1), 0.5 + _sig(2)
    expected = (rp0 / r0 + rp2 / r2) / 2
    got = smooth_average_precision(scores, y, torch.ones(3, dtype=torch.float64), 1.0)
    assert got.item() == pytest.approx(expected, rel=1e-12)


def test_small_temperature_gives_the_mid_rank_average_precision():
    rng = np.random.default_rng(0)
    s, y = rng.normal(size=40), rng.integers(0, 2, 40)
    pos = s[y == 1]
    expected = np.mean([(0.5 + np.sum(pos > v)) / (0.5 + np.sum(s > v)) for v in pos])
    got = smooth_average_precision(t64(s[:, None]), t64(y[:, None].astype(float)),
                                   torch.ones(40, dtype=torch.float64), 1e-4)
    assert got.item() == pytest.approx(expected, abs=1e-6)


def test_weighted_by_hand_scale_free_and_repeated_rows():
    scores, y = t64([[2.0], [1.0], [0.0]]), t64([[1.0], [0.0], [1.0]])
    w = t64([2.0, 1.0, 3.0])
    r0, rp0 = 1 + 1 * _sig(-1) + 3 * _sig(-2), 1 + 3 * _sig(-2)
    r2, rp2 = 1.5 + 2 * _sig(2) + 1 * _sig(1), 1.5 + 2 * _sig(2)
    expected = (2 * rp0 / r0 + 3 * rp2 / r2) / 5
    assert smooth_average_precision(scores, y, w, 1.0).item() == pytest.approx(expected,
                                                                             rel=1e-12)
    assert smooth_average_precision(scores, y, 1e6 * w, 1.0).item() == pytest.approx(
        expected, rel=1e-12)
    rep = [0, 0, 1, 2, 2, 2]
    repeated = smooth_average_precision(scores[rep], y[rep], torch.ones(6, dtype=torch.float64),
                                        1.0)
    assert repeated.item() == pytest.approx(expected, rel=1e-12)


def test_loss_is_the_mix_of_cross_entropy_and_one_minus_ap():
    z = torch.randn(12, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    t = torch.tensor([0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1])
    w = torch.rand(12, dtype=torch.float64, generator=torch.Generator().manual_seed(1)) + 0.5
    ce = get_loss("cross_entropy")(z, t, sample_weight=w)
    ap = smooth_average_precision((z[:, 1] - z[:, 0])[:, None], t[:, None].double(), w, 1.0)
    got = get_loss("ce_smooth_ap", ap_weight=0.3)(z, t, sample_weight=w)
    torch.testing.assert_close(got, 0.7 * ce + 0.3 * (1 - ap[0]))
    torch.testing.assert_close(get_loss("ce_smooth_ap", ap_weight=0.0)(z, t, sample_weight=w), ce)


def test_multiclass_is_the_one_vs_rest_mean():
    z = torch.randn(30, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    t = torch.arange(30) % 3
    loss = get_loss("ce_smooth_ap", ap_weight=1.0)
    scores = loss.ovr_scores(z)
    onehot = torch.nn.functional.one_hot(t, 3).double()
    ap = smooth_average_precision(scores, onehot, torch.ones(30, dtype=torch.float64), 1.0)
    torch.testing.assert_close(loss(z, t), (1 - ap).mean())


def test_finite_gradients_on_extreme_logits():
    z = torch.tensor([[1e4, -1e4], [-1e4, 1e4], [3e4, 0.0], [0.0, -3e4]],
                     requires_grad=True)
    value = get_loss("ce_smooth_ap")(z, torch.tensor([0, 1, 1, 0]))
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(z.grad).all()


def test_ranking_the_positives_first_lowers_the_ap_term():
    t = torch.tensor([1, 1, 0, 0, 0, 0])
    good = torch.tensor([[0.0, 3.0], [0.0, 2.0], [0.0, -1.0], [0.0, -2.0], [0.0, -3.0],
                         [0.0, -4.0]])
    bad = good.flip(0)
    loss = get_loss("ce_smooth_ap", ap_weight=1.0)
    assert loss(good, t) < loss(bad, t)


@pytest.mark.parametrize("gap, temperature", [(200.0, 0.1), (0.5, 1e-3)])
def test_a_zero_weight_positive_far_ahead_counts_for_nothing(gap, temperature):
    # its rank R(i) underflows to 0 (weight 0, every other sigmoid 0): the value and the
    # gradient were NaN (0 / 0) instead of those without the row
    loss = get_loss("ce_smooth_ap", temperature=temperature)
    z = torch.zeros(4, 2)
    z[0, 1] = gap
    z[1:, 1] = torch.tensor([0.0, -0.5, 0.1]) if gap < 1 else 0.0
    z.requires_grad_(True)
    y = torch.tensor([1, 1, 0, 0])
    value = loss(z, y, torch.tensor([0.0, 1.0, 1.0, 1.0]))
    value.backward()
    assert torch.isfinite(z.grad).all() and z.grad[0].abs().max() == 0
    without = loss(z.detach()[1:], y[1:], torch.ones(3))
    assert float(value) == pytest.approx(float(without), rel=1e-6)


def test_the_loss_depends_on_relative_weights_only_at_any_scale():
    # the AP term took the raw weights, whose positive total fell under its 1e-7 floor at a
    # scale of 1e-8: the value moved from 0.763 to 0.909
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(40, 2, generator=g, dtype=torch.float64)
    target = (torch.arange(40) % 4 == 0).long()
    w = torch.rand(40, generator=g, dtype=torch.float64) + 0.5
    loss = get_loss("ce_smooth_ap")
    base = loss(logits, target, w).item()
    for scale in (1e-6, 1e-9, 1e-12, 1e6):
        assert loss(logits, target, scale * w).item() == pytest.approx(base, rel=1e-9)
