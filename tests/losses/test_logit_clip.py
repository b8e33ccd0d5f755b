"""The ``logit_clip`` wrapper (Wei et al., ICML 2023): clipping identities, use around
every registered loss, nested parameters and the scikit-learn protocol."""

import math
import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import clone

from sklearn_losses.losses import LogitClip, available_losses, get_loss, get_loss_class
from sklearn_losses.losses.wrappers import clip_logits

from ..conftest import make_loss, n_classes_for

SETTINGS = settings(max_examples=50, deadline=None)
INNER_CASES = [(name, k) for name in available_losses() for k in n_classes_for(name)]


def _batch(n, k, scale=3.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, k, generator=g, dtype=torch.float64) * scale
    target = (torch.arange(n) % k)[torch.randperm(n, generator=g)]
    return logits, target


def np_clip(z, delta):
    z = np.asarray(z, dtype=np.float64)
    norm = np.linalg.norm(z, axis=1, keepdims=True)
    return z * np.minimum(1.0, delta / np.where(norm > 0, norm, 1.0))


def wrap(name, k, **params):
    return get_loss("logit_clip", loss=make_loss(name, k), **params)


# ---------------------------------------------------------------------------
# The clipping map
# ---------------------------------------------------------------------------
@SETTINGS
# subnormal inputs excluded: scaling -5e-324 by delta / |z| < 1 underflows to -0.0,
# which ties with a 0 and moves the argmax (a float artefact, not the map's)
@given(z=arrays(np.float64, (6, 3), elements=st.floats(-1e3, 1e3, allow_subnormal=False)),
       delta=st.floats(1e-2, 1e2))
def test_clipped_norm_bounded_argmax_kept(z, delta):
    clipped = clip_logits(torch.as_tensor(z), delta).numpy()
    assert np.all(np.linalg.norm(clipped, axis=1) <= delta * (1 + 1e-12))
    np.testing.assert_allclose(clipped, np_clip(z, delta), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(clipped.argmax(axis=1), z.argmax(axis=1))


@SETTINGS
@given(z=arrays(np.float64, (6, 2), elements=st.floats(-1e3, 1e3)),
       delta=st.floats(1e-2, 10))
def test_binary_logit_gap_at_most_sqrt2_delta(z, delta):
    clipped = clip_logits(torch.as_tensor(z), delta).numpy()
    assert np.all(np.abs(clipped[:, 1] - clipped[:, 0]) <= math.sqrt(2) * delta * (1 + 1e-12))


def test_clip_hand_values():
    z = torch.tensor([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]], dtype=torch.float64)
    expected = torch.tensor([[0.6, 0.8], [0.3, 0.4], [0.0, 0.0]], dtype=torch.float64)
    torch.testing.assert_close(clip_logits(z, 1.0), expected)
    assert clip_logits(z, math.inf) is z


def test_clip_zero_row_has_finite_gradient():
    z = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    get_loss("logit_clip", delta=1.0)(z, torch.tensor([0, 1])).backward()
    assert torch.isfinite(z.grad).all()


# ---------------------------------------------------------------------------
# Around every registered loss
# ---------------------------------------------------------------------------
def _seeded(name):
    """Fixed random_state for stochastic losses, so that two copies draw alike."""
    return {"random_state": 0} if get_loss_class(name).stochastic else {}


@pytest.mark.parametrize("name,k", INNER_CASES)
def test_delta_inf_leaves_wrapped_loss_unchanged(name, k):
    logits, target = _batch(12, k)
    w = torch.rand(12, dtype=torch.float64) + 0.1
    inner = make_loss(name, k, **_seeded(name))
    wrapped = get_loss("logit_clip", loss=make_loss(name, k, **_seeded(name)), delta=math.inf)
    for _ in range(2):  # stochastic losses: the same sequence of draws
        torch.testing.assert_close(wrapped(logits, target, w), inner(logits, target, w))


@pytest.mark.parametrize("name,k", INNER_CASES)
def test_wrapped_value_is_inner_on_clipped_logits(name, k):
    logits, target = _batch(12, k)
    inner = make_loss(name, k, **_seeded(name))
    expected = inner(torch.as_tensor(np_clip(logits.numpy(), 2.0)), target)
    wrapped = get_loss("logit_clip", loss=make_loss(name, k, **_seeded(name)), delta=2.0)
    torch.testing.assert_close(wrapped(logits, target), expected)


@pytest.mark.parametrize("name,k", INNER_CASES)
def test_works_around_every_loss(name, k):
    loss = wrap(name, k, delta=1.5)
    assert loss.pointwise == get_loss_class(name).pointwise
    assert loss.stochastic == get_loss_class(name).stochastic
    assert loss.requires_class_counts == get_loss_class(name).requires_class_counts
    for dtype, scale in ((torch.float64, 3.0), (torch.float32, 1e4), (torch.float32, -1e4)):
        logits, target = _batch(16, k, scale=1.0)
        logits = (logits.sign() * scale if abs(scale) > 100 else logits * scale).to(dtype)
        logits.requires_grad_(True)
        value = loss(logits, target)
        value.backward()
        assert value.ndim == 0 and value.dtype == dtype
        assert torch.isfinite(value) and torch.isfinite(logits.grad).all(), (name, scale)


@pytest.mark.parametrize("name", ["focal", "ldam", "poly1", "dice", "encouraging", "squentropy"])
def test_gradcheck_around_pointwise_losses(name):
    k = 3
    loss = wrap(name, k, delta=1.0)
    logits, target = _batch(6, k, scale=2.0)
    logits.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda z: loss(z, target), (logits,), eps=1e-6, atol=1e-5)


def test_loss_per_sample_delegates_for_pointwise_inner():
    logits, target = _batch(9, 3)
    loss = get_loss("logit_clip", loss=get_loss("focal", gamma=1.0), delta=2.0)
    expected = get_loss("focal", gamma=1.0).loss_per_sample(clip_logits(logits, 2.0), target)
    torch.testing.assert_close(loss.loss_per_sample(logits, target), expected)


def test_batch_inner_is_batch_level():
    loss = get_loss("logit_clip", loss="auc_pairwise")
    assert not loss.pointwise
    assert "logit_clip" in available_losses("pointwise")  # default inner: cross_entropy
    logits, target = _batch(8, 2)
    with pytest.raises(TypeError, match="batch-level"):
        loss.loss_per_sample(logits, target)


def test_class_level_attributes_are_those_of_the_default_inner_loss():
    assert LogitClip.pointwise is True
    assert LogitClip.requires_class_counts is False
    assert LogitClip.stochastic is False
    assert LogitClip.min_classes == 2 and LogitClip.max_classes is None


def test_focal_hand_value_on_clipped_logits():
    # z = (3, 4), delta = 1: clipped (0.6, 0.8); focal gamma = 2, label 1.
    p1 = 1 / (1 + math.exp(-0.2))
    expected = -(1 - p1) ** 2 * math.log(p1)
    loss = get_loss("logit_clip", loss=get_loss("focal"), delta=1.0)
    value = loss(torch.tensor([[3.0, 4.0]], dtype=torch.float64), torch.tensor([1]))
    assert value.item() == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------
# Parameters: nested loss__<param>, clone, pickle, class counts
# ---------------------------------------------------------------------------
def test_nested_params_set_params_and_clone():
    focal = get_loss("focal", gamma=1.0)
    loss = get_loss("logit_clip", loss=focal, delta=2.0)
    params = loss.get_params(deep=True)
    assert params["loss__gamma"] == 1.0 and params["delta"] == 2.0
    logits, target = _batch(10, 3)
    loss.set_params(loss__gamma=3.0)
    assert loss.get_params()["loss__gamma"] == 3.0
    expected = get_loss("focal", gamma=3.0)(clip_logits(logits, 2.0), target)
    torch.testing.assert_close(loss(logits, target), expected)

    twin = clone(loss)
    assert twin.loss is not loss.loss and twin.get_params()["loss__gamma"] == 3.0
    torch.testing.assert_close(twin(logits, target), expected)
    twin.set_params(loss__gamma=0.0, delta=math.inf)
    torch.testing.assert_close(loss(logits, target), expected)  # original untouched
    torch.testing.assert_close(twin(logits, target), get_loss("cross_entropy")(logits, target))

    restored = pickle.loads(pickle.dumps(loss))
    torch.testing.assert_close(restored(logits, target), expected)


def test_string_and_instance_inner_loss_can_be_swapped():
    loss = get_loss("logit_clip", loss=get_loss("focal"))
    loss.set_params(loss="poly1")
    assert loss.loss == "poly1" and loss.get_params() == {"loss": "poly1", "delta": 1.0}
    logits, target = _batch(6, 3)
    torch.testing.assert_close(loss(logits, target),
                               get_loss("poly1")(clip_logits(logits, 1.0), target))
    loss.set_params(loss=get_loss("focal", gamma=0.5))
    assert loss.get_params()["loss__gamma"] == 0.5


def test_get_loss_clones_the_inner_instance():
    focal = get_loss("focal", gamma=1.0)
    loss = get_loss("logit_clip", loss=focal)
    focal.gamma = 4.0  # mutating the caller's object does not change the wrapper
    logits, target = _batch(6, 3)
    expected = get_loss("focal", gamma=1.0)(clip_logits(logits, 1.0), target)
    torch.testing.assert_close(loss(logits, target), expected)


def test_class_counts_are_routed_to_the_inner_loss():
    loss = get_loss("logit_clip", loss="ldam", delta=3.0)
    assert loss.requires_class_counts and loss.class_counts is None
    logits, target = _batch(9, 3)
    with pytest.raises(ValueError, match="needs class_counts"):
        loss(logits, target)
    counts = [10.0, 20.0, 40.0]
    loss.set_params(class_counts=counts)
    assert list(loss.class_counts) == counts
    expected = get_loss("ldam", class_counts=counts)(clip_logits(logits, 3.0), target)
    torch.testing.assert_close(loss(logits, target), expected)
    with pytest.raises(ValueError):
        get_loss("logit_clip", loss="focal").set_params(class_counts=counts)


def test_check_n_classes_uses_the_inner_loss():
    loss = get_loss("logit_clip", loss="zloss_spherical")
    assert loss.min_classes == 3
    with pytest.raises(ValueError, match="at least 3"):
        loss.check_n_classes(2)
    loss.check_n_classes(3)


@pytest.mark.parametrize("delta", [0.0, -1.0, np.nan, "1"])
def test_invalid_delta_raises(delta):
    with pytest.raises(ValueError):
        get_loss("logit_clip", delta=delta)
    with pytest.raises(ValueError):
        get_loss("logit_clip").set_params(delta=delta)


@pytest.mark.parametrize("inner", ["not_a_loss", 3, None])
def test_invalid_inner_loss_raises(inner):
    with pytest.raises(ValueError):
        get_loss("logit_clip", loss=inner)


def test_delta_inf_allowed():
    assert get_loss("logit_clip", delta=float("inf")).delta == math.inf


def test_the_wrapper_passes_handles_imbalance_and_random_state_on():
    from sklearn.datasets import make_classification

    from sklearn_losses import WeightedLossClassifier

    assert get_loss("logit_clip", loss="anyloss_f1").handles_imbalance
    assert not get_loss("logit_clip", loss="focal").handles_imbalance
    X, y = make_classification(200, 5, weights=[0.8], random_state=0)
    fast = dict(max_epochs=2, hidden_layer_sizes=(8,), early_stopping=False)
    # a loss that corrects for imbalance gets no class weights from reweight="auto", clipped
    # or not (clipped, it got inverse_sqrt weights on top)
    for clip in (None, 2.0):
        clf = WeightedLossClassifier(loss="anyloss_f1", logit_clip=clip, **fast).fit(X, y)
        assert clf.reweight_ is None
    # an unseeded ensloss follows the estimator's random_state, wrapped or not
    clipped = get_loss("logit_clip", loss="ensloss", delta=50.0)
    assert clipped.random_state is None and get_loss("logit_clip").random_state == 0
    clipped.set_params(random_state=3)
    assert clipped.inner.random_state == 3 and clipped.random_state == 3
    for loss in ("ensloss", get_loss("logit_clip", loss="ensloss", delta=50.0)):
        probas = [WeightedLossClassifier(loss=loss, random_state=0, **fast).fit(X, y)
                  .predict_proba(X) for _ in range(2)]
        np.testing.assert_array_equal(*probas)
