"""Formula values and identities of the imbalance family: cross_entropy, focal,
poly1, logit_adjusted, balanced_softmax, ldam, dice and tversky.

Reference values are computed independently in numpy (or by hand), not with
the package's helpers.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklearn_losses.losses import get_loss

SETTINGS = settings(max_examples=50, deadline=None)


def np_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def np_ce(z, y):
    p = np_softmax(z)
    return -np.log(p[np.arange(len(y)), y])


def per_sample(name, z, y, **params):
    loss = get_loss(name, **params)
    return loss.loss_per_sample(torch.as_tensor(z, dtype=torch.float64),
                                torch.as_tensor(y, dtype=torch.long)).numpy()


Z3 = np.array([[2.0, -1.0, 0.5], [0.0, 0.0, 0.0], [-3.0, 1.0, 4.0], [1.5, 2.5, -0.5]])
Y3 = np.array([0, 2, 1, 1])
COUNTS3 = np.array([100.0, 20.0, 5.0])

logit_rows = arrays(np.float64, (5, 3), elements=st.floats(-20, 20))
labels = st.lists(st.integers(0, 2), min_size=5, max_size=5).map(np.array)


def _close(actual, expected, **kw):
    np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-12, **kw)


# ---------------------------------------------------------------------------
# cross_entropy and focal
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("eps", [0.0, 0.1, 0.5])
def test_cross_entropy_matches_torch_with_label_smoothing(eps):
    z, y = torch.as_tensor(Z3), torch.as_tensor(Y3)
    expected = F.cross_entropy(z, y, label_smoothing=eps, reduction="none")
    torch.testing.assert_close(get_loss("cross_entropy", label_smoothing=eps).loss_per_sample(z, y),
                               expected)


def test_cross_entropy_label_smoothing_formula():
    eps, k = 0.2, 3
    q = np.full((4, k), eps / k)
    q[np.arange(4), Y3] += 1 - eps
    expected = -(q * np.log(np_softmax(Z3))).sum(axis=1)
    _close(per_sample("cross_entropy", Z3, Y3, label_smoothing=eps), expected)


def test_focal_gamma_zero_is_cross_entropy():
    z, y = torch.as_tensor(Z3), torch.as_tensor(Y3)
    torch.testing.assert_close(get_loss("focal", gamma=0.0)(z, y), F.cross_entropy(z, y))


@SETTINGS
@given(z=logit_rows, y=labels, gamma=st.floats(0, 5))
def test_focal_between_zero_and_cross_entropy(z, y, gamma):
    focal = per_sample("focal", z, y, gamma=gamma)
    assert np.all(focal >= 0)
    assert np.all(focal <= np_ce(z, y) + 1e-12)


def test_focal_hand_computed_value():
    # p_1 = 0.75 for z = (0, log 3): -(1 - 0.75)^2 log 0.75.
    z = [[0.0, math.log(3.0)]]
    expected = -(0.25 ** 2) * math.log(0.75)
    _close(per_sample("focal", z, [1], gamma=2.0), [expected])
    # gamma = 1, label 0 (p_0 = 0.25): -(0.75) log 0.25.
    _close(per_sample("focal", z, [0], gamma=1.0), [-0.75 * math.log(0.25)])


def test_focal_float_alpha_binary():
    z = np.array([[0.0, math.log(3.0)], [1.0, -1.0]])
    y = np.array([1, 0])
    base = per_sample("focal", z, y, gamma=2.0)
    _close(per_sample("focal", z, y, gamma=2.0, alpha=0.25), base * np.array([0.25, 0.75]))


def test_focal_array_alpha():
    alpha = np.array([0.2, 1.0, 3.0])
    base = per_sample("focal", Z3, Y3, gamma=1.5)
    _close(per_sample("focal", Z3, Y3, gamma=1.5, alpha=alpha), alpha[Y3] * base)


def test_focal_alpha_not_in_weighted_mean_denominator():
    alpha = np.array([0.5, 2.0, 4.0])
    loss = get_loss("focal", gamma=1.0, alpha=alpha)
    z, y = torch.as_tensor(Z3), torch.as_tensor(Y3)
    w = torch.tensor([1.0, 2.0, 0.5, 1.0], dtype=torch.float64)
    expected = (loss.loss_per_sample(z, y) * w).sum() / w.sum()
    torch.testing.assert_close(loss(z, y, w), expected)


def test_focal_float_alpha_with_three_classes_raises():
    loss = get_loss("focal", alpha=0.25)
    with pytest.raises(ValueError, match="binary"):
        loss(torch.as_tensor(Z3), torch.as_tensor(Y3))


def test_focal_alpha_wrong_length_raises():
    loss = get_loss("focal", alpha=[1.0, 2.0])
    with pytest.raises(ValueError, match="entries"):
        loss(torch.as_tensor(Z3), torch.as_tensor(Y3))


@pytest.mark.parametrize("params", [{"gamma": -0.1}, {"alpha": 0.0}, {"alpha": 1.0},
                                    {"alpha": [1.0, -1.0]}, {"alpha": [[1.0, 2.0]]},
                                    {"alpha": [np.nan, 1.0]}])
def test_focal_invalid_params_raise(params):
    with pytest.raises(ValueError):
        get_loss("focal", **params)
    with pytest.raises(ValueError):
        get_loss("focal").set_params(**params)


@pytest.mark.parametrize("eps", [-0.1, 1.0])
def test_cross_entropy_invalid_label_smoothing(eps):
    with pytest.raises(ValueError):
        get_loss("cross_entropy", label_smoothing=eps)


# ---------------------------------------------------------------------------
# poly1
# ---------------------------------------------------------------------------
def test_poly1_epsilon_zero_is_cross_entropy():
    _close(per_sample("poly1", Z3, Y3, epsilon=0.0), np_ce(Z3, Y3))


@SETTINGS
@given(z=logit_rows, y=labels, eps=st.floats(-1, 5))
def test_poly1_minus_cross_entropy_is_eps_one_minus_p(z, y, eps):
    p_y = np_softmax(z)[np.arange(5), y]
    np.testing.assert_allclose(per_sample("poly1", z, y, epsilon=eps) - np_ce(z, y),
                               eps * (1 - p_y), rtol=1e-9, atol=1e-9)


def test_poly1_hand_value():
    # p_1 = 0.75: -log 0.75 + 1 * 0.25.
    _close(per_sample("poly1", [[0.0, math.log(3.0)]], [1]), [-math.log(0.75) + 0.25])


def test_poly1_invalid_epsilon():
    with pytest.raises(ValueError):
        get_loss("poly1", epsilon=-1.5)


# ---------------------------------------------------------------------------
# logit_adjusted and balanced_softmax
# ---------------------------------------------------------------------------
def np_logit_adjusted(z, y, counts, tau):
    prior = counts / counts.sum()
    return np_ce(z + tau * np.log(prior), y)


@pytest.mark.parametrize("tau", [0.5, 1.0, 2.0])
def test_logit_adjusted_formula(tau):
    _close(per_sample("logit_adjusted", Z3, Y3, tau=tau, class_counts=COUNTS3),
           np_logit_adjusted(Z3, Y3, COUNTS3, tau))


def test_logit_adjusted_hand_value():
    # counts (1, 3), tau = 1, z = 0: softmax(log pi) = pi, so l = -log pi_y.
    _close(per_sample("logit_adjusted", [[0.0, 0.0], [0.0, 0.0]], [0, 1], class_counts=[1, 3]),
           [-math.log(0.25), -math.log(0.75)])


def test_logit_adjusted_tau_zero_is_cross_entropy():
    _close(per_sample("logit_adjusted", Z3, Y3, tau=0.0, class_counts=COUNTS3), np_ce(Z3, Y3))


@pytest.mark.parametrize("tau", [0.5, 1.0, 2.0])
def test_logit_adjusted_uniform_counts_is_cross_entropy(tau):
    _close(per_sample("logit_adjusted", Z3, Y3, tau=tau, class_counts=[7, 7, 7]), np_ce(Z3, Y3))


@SETTINGS
@given(z=logit_rows, y=labels,
       counts=arrays(np.float64, 3, elements=st.floats(1, 1e4)))
def test_balanced_softmax_is_logit_adjusted_tau_one(z, y, counts):
    _close(per_sample("balanced_softmax", z, y, class_counts=counts),
           per_sample("logit_adjusted", z, y, tau=1.0, class_counts=counts))
    # Only the prior matters: scaling all counts changes nothing.
    _close(per_sample("balanced_softmax", z, y, class_counts=counts * 13.0),
           per_sample("balanced_softmax", z, y, class_counts=counts))


def test_balanced_softmax_formula():
    # -log(n_y e^{z_y} / sum_k n_k e^{z_k}).
    num = COUNTS3[Y3] * np.exp(Z3[np.arange(4), Y3])
    den = (COUNTS3 * np.exp(Z3)).sum(axis=1)
    _close(per_sample("balanced_softmax", Z3, Y3, class_counts=COUNTS3), -np.log(num / den))


def test_balanced_softmax_has_no_tau_parameter():
    loss = get_loss("balanced_softmax", class_counts=COUNTS3)
    assert set(loss.get_params()) == {"class_counts"}
    with pytest.raises(ValueError):
        loss.set_params(tau=2.0)


@pytest.mark.parametrize("name", ["logit_adjusted", "balanced_softmax", "ldam"])
def test_missing_class_counts_raises_clear_error(name):
    loss = get_loss(name)
    assert loss.requires_class_counts
    with pytest.raises(ValueError, match="needs class_counts"):
        loss(torch.as_tensor(Z3), torch.as_tensor(Y3))


@pytest.mark.parametrize("name", ["logit_adjusted", "balanced_softmax", "ldam"])
def test_class_counts_wrong_length_raises(name):
    loss = get_loss(name, class_counts=[1.0, 2.0])
    with pytest.raises(ValueError, match="2 entries but logits have 3"):
        loss(torch.as_tensor(Z3), torch.as_tensor(Y3))


@pytest.mark.parametrize("name", ["logit_adjusted", "balanced_softmax", "ldam"])
@pytest.mark.parametrize("counts", [[1.0, 0.0, 3.0], [1.0, -2.0], [[1.0, 2.0]], [5.0],
                                    [1.0, np.inf], [np.nan, 1.0]])
def test_invalid_class_counts_raise(name, counts):
    with pytest.raises(ValueError):
        get_loss(name, class_counts=counts)
    with pytest.raises(ValueError):
        get_loss(name).set_params(class_counts=counts)


@pytest.mark.parametrize("name,params", [("logit_adjusted", {"tau": -0.5}),
                                         ("ldam", {"max_margin": -0.1}),
                                         ("ldam", {"scale": 0.0}),
                                         ("ldam", {"scale": np.inf})])
def test_invalid_prior_loss_params(name, params):
    with pytest.raises(ValueError):
        get_loss(name, **params)


# ---------------------------------------------------------------------------
# ldam
# ---------------------------------------------------------------------------
def np_ldam(z, y, counts, max_margin, scale):
    # As in kaidic/LDAM-DRW: m_j = 1 / n_j^{1/4}, rescaled so that max m_j = max_m.
    m = 1.0 / np.sqrt(np.sqrt(counts))
    m = m * (max_margin / m.max())
    shifted = np.array(z, dtype=np.float64)
    shifted[np.arange(len(y)), y] -= m[y]
    return np_ce(scale * shifted, y)


@pytest.mark.parametrize("max_margin,scale", [(0.5, 30.0), (0.5, 1.0), (1.0, 5.0)])
def test_ldam_formula(max_margin, scale):
    _close(per_sample("ldam", Z3, Y3, max_margin=max_margin, scale=scale, class_counts=COUNTS3),
           np_ldam(Z3, Y3, COUNTS3, max_margin, scale))


def test_ldam_no_margin_unit_scale_is_cross_entropy():
    _close(per_sample("ldam", Z3, Y3, max_margin=0.0, scale=1.0, class_counts=COUNTS3),
           np_ce(Z3, Y3))


def test_ldam_margins_rarest_class_gets_max_margin():
    loss = get_loss("ldam", max_margin=0.4, class_counts=[16.0, 81.0, 1.0, 256.0])
    margins = loss.margins(torch.zeros(1, 4, dtype=torch.float64)).numpy()
    # n_min = 1: (n_min / n_j)^{1/4} = 1/2, 1/3, 1, 1/4, times max_margin.
    _close(margins, 0.4 * np.array([0.5, 1.0 / 3.0, 1.0, 0.25]))
    assert margins.argmax() == 2 and margins.max() == pytest.approx(0.4)


def test_ldam_hand_value():
    # counts (1, 16): margins (0.5, 0.25); z = 0, y = 1, scale 2:
    # scaled logits (0, -0.5): l = log(1 + e^{0.5}).
    _close(per_sample("ldam", [[0.0, 0.0]], [1], scale=2.0, class_counts=[1.0, 16.0]),
           [math.log(1 + math.exp(0.5))])


# ---------------------------------------------------------------------------
# dice and tversky
# ---------------------------------------------------------------------------
def np_dice(z, y, alpha, smooth):
    p = np_softmax(z)
    onehot = np.eye(p.shape[1])[y]
    f = (1 - p) ** alpha * p
    dsc = (2 * f * onehot + smooth) / (f + onehot + smooth)
    return 1 - dsc.mean(axis=1)


def np_tversky(z, y, a, b, smooth):
    p = np_softmax(z)
    onehot = np.eye(p.shape[1])[y]
    ti = (p * onehot + smooth) / (p * onehot + a * p * (1 - onehot) + b * (1 - p) * onehot + smooth)
    return 1 - ti.mean(axis=1)


@pytest.mark.parametrize("alpha,smooth", [(0.0, 1.0), (0.5, 1.0), (1.0, 1e-2), (0.1, 3.0)])
def test_dice_formula(alpha, smooth):
    _close(per_sample("dice", Z3, Y3, alpha=alpha, smooth=smooth), np_dice(Z3, Y3, alpha, smooth))


def test_dice_hand_value():
    # K = 2, p = (0.25, 0.75), y = 1, alpha = 0, smooth = 1:
    # DSC_0 = 1 / 1.25, DSC_1 = 2.5 / 2.75.
    expected = 1 - (1 / 1.25 + 2.5 / 2.75) / 2
    _close(per_sample("dice", [[0.0, math.log(3.0)]], [1]), [expected])


@pytest.mark.parametrize("a,b,smooth", [(0.5, 0.5, 1.0), (0.3, 0.7, 1.0), (0.0, 1.0, 0.1),
                                        (2.0, 0.0, 0.5)])
def test_tversky_formula(a, b, smooth):
    _close(per_sample("tversky", Z3, Y3, alpha=a, beta=b, smooth=smooth),
           np_tversky(Z3, Y3, a, b, smooth))


@SETTINGS
@given(z=logit_rows, y=labels, s=st.floats(1e-3, 10))
def test_tversky_half_half_is_dice(z, y, s):
    np.testing.assert_allclose(per_sample("tversky", z, y, alpha=0.5, beta=0.5, smooth=s / 2),
                               per_sample("dice", z, y, alpha=0.0, smooth=s),
                               rtol=1e-9, atol=1e-12)


@SETTINGS
@given(z=logit_rows, y=labels, alpha=st.floats(0, 3), beta=st.floats(0, 3),
       smooth=st.floats(1e-4, 10))
def test_dice_and_tversky_in_unit_interval(z, y, alpha, beta, smooth):
    for value in (per_sample("dice", z, y, alpha=alpha, smooth=smooth),
                  per_sample("tversky", z, y, alpha=alpha, beta=beta, smooth=smooth)):
        assert np.all(value >= -1e-12) and np.all(value <= 1 + 1e-12)


@pytest.mark.parametrize("name,params", [("dice", {"alpha": -0.1}), ("dice", {"smooth": 0.0}),
                                         ("tversky", {"alpha": -1.0}),
                                         ("tversky", {"beta": -1.0}),
                                         ("tversky", {"smooth": -1.0})])
def test_overlap_invalid_params(name, params):
    with pytest.raises(ValueError):
        get_loss(name, **params)


# ---------------------------------------------------------------------------
# Non-default parameters on extreme logits (the protocol tests use defaults)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name,params", [
    ("focal", {"gamma": 0.5}),
    ("poly1", {"epsilon": -1.0}),
    ("dice", {"alpha": 0.5}),
    ("tversky", {"alpha": 0.3, "beta": 0.7}),
    ("logit_adjusted", {"tau": 2.0, "class_counts": [1.0, 1e4, 3.0]}),
    ("ldam", {"max_margin": 1.0, "scale": 1.0, "class_counts": [1.0, 1e4, 3.0]}),
])
def test_non_default_params_finite_on_extreme_logits(name, params):
    loss = get_loss(name, **params)
    for scale in (1e4, -1e4):
        z = (torch.tensor([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0], [1.0, 1.0, 1.0]]) * scale)
        z.requires_grad_(True)
        value = loss(z, torch.tensor([0, 1, 2]))
        value.backward()
        assert torch.isfinite(value) and torch.isfinite(z.grad).all()


def test_logit_adjustment_at_tau_0_is_no_prior_correction():
    # tau=0 is cross-entropy: the estimator and compare treated it as correcting the prior
    # (auto re-weighting off, "corrects twice" with class weights)
    import warnings

    import numpy as np

    from sklearn_losses import WeightedLossClassifier
    from sklearn_losses.cli.model import double_correction
    from sklearn_losses.losses import get_loss

    assert get_loss("logit_adjusted", tau=0.0, class_counts=[9, 1]).prior_logit_offset() is None
    assert get_loss("logit_adjusted", class_counts=[9, 1]).prior_logit_offset() is not None
    assert double_correction("logit_adjusted:tau=0", "balanced", [9, 1]) is None
    assert double_correction("logit_adjusted", "balanced", [9, 1]) is not None
    X = np.random.default_rng(0).normal(size=(60, 2))
    y = np.r_[np.zeros(50, int), np.ones(10, int)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        clf = WeightedLossClassifier(loss=get_loss("logit_adjusted", tau=0.0),
                                     reweight="balanced", max_epochs=2,
                                     early_stopping=False).fit(X, y)
    assert clf.class_weight_ is not None
