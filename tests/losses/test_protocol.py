"""Protocol checks run on every registered loss (parametrized over the registry).

Formula values and special cases live in the per-family test modules; these
tests make sure every loss honours the common contract: scalar output,
float32 and float64 (with agreeing values and gradients), finite values and gradients on extreme logits,
``sample_weight`` equal to repeating rows, zero total weight, permutation
invariance, scikit-learn parameter handling and pickling.
"""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone

from sklearn_losses.losses import Loss, available_losses, get_loss, get_loss_class

from ..conftest import make_loss, n_classes_for

CASES = [(name, k) for name in available_losses() for k in n_classes_for(name)]


def _batch(n, k, dtype=torch.float64, scale=2.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    logits = (torch.randn(n, k, generator=g, dtype=dtype) * scale)
    target = torch.arange(n) % k  # every class present
    target = target[torch.randperm(n, generator=g)]
    return logits, target


@pytest.mark.parametrize("name,k", CASES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_scalar_finite_output(name, k, dtype):
    loss = make_loss(name, k)
    logits, target = _batch(12, k, dtype)
    value = loss(logits, target)
    assert value.ndim == 0
    assert value.dtype == dtype
    assert torch.isfinite(value)


@pytest.mark.parametrize("name,k", CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_float32_agrees_with_float64(name, k, seed):
    """Same inputs in float32 and float64: same value and gradient up to float32 rounding.

    The inputs are float32 numbers (rounded once, then also used in float64),
    so any gap comes from the loss's float32 arithmetic. Float32 carries about
    7 significant digits: values must agree to 1e-5 relative, gradients to
    1e-3 of their largest entry (the AnyLoss amplifier L = 73 multiplies
    rounding errors; the other losses agree to about 1e-6). A stochastic loss
    gets the same ``random_state`` in both dtypes: its draws are made in
    float64 and cast, so both see the same derivatives.
    """
    logits, target = _batch(32, k, torch.float64, scale=2.0, seed=seed)
    logits = logits.float().double()
    g = torch.Generator().manual_seed(seed)
    weight = (torch.rand(32, generator=g, dtype=torch.float64) + 0.5).float().double()
    extra = {"random_state": 0} if get_loss_class(name).stochastic else {}
    results = {}
    for dtype in (torch.float64, torch.float32):
        z = logits.to(dtype).clone().requires_grad_(True)
        value = make_loss(name, k, **extra)(z, target, weight.to(dtype))
        value.backward()
        assert value.dtype == dtype and z.grad.dtype == dtype
        results[dtype] = value.detach().double(), z.grad.double()
    (v64, g64), (v32, g32) = results[torch.float64], results[torch.float32]
    torch.testing.assert_close(v32, v64, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(g32, g64, rtol=1e-3, atol=1e-3 * g64.abs().max().item())


@pytest.mark.parametrize("name,k", CASES)
def test_extreme_logits_finite_value_and_grad(name, k):
    loss = make_loss(name, k)
    for scale in (1e4, -1e4):
        logits, target = _batch(16, k, torch.float32, scale=1.0)
        logits = (logits.sign() * scale).requires_grad_(True)
        value = loss(logits, target)
        value.backward()
        assert torch.isfinite(value), (name, scale, value)
        assert torch.isfinite(logits.grad).all(), (name, scale)


@pytest.mark.parametrize("name,k", CASES)
def test_sample_weight_equals_repeated_rows(name, k):
    if get_loss_class(name).stochastic:
        pytest.skip("stochastic loss: repeated rows change the random draw")
    loss = make_loss(name, k)
    logits, target = _batch(10, k)
    counts = torch.tensor([1, 2, 0, 3, 1, 1, 2, 1, 1, 4])
    weighted = loss(logits, target, sample_weight=counts.double())
    repeated = loss(logits.repeat_interleave(counts, 0), target.repeat_interleave(counts, 0))
    torch.testing.assert_close(weighted, repeated)


@pytest.mark.parametrize("name,k", CASES)
def test_uniform_weights_equal_no_weights(name, k):
    if get_loss_class(name).stochastic:
        pytest.skip("stochastic loss")
    loss = make_loss(name, k)
    logits, target = _batch(10, k)
    torch.testing.assert_close(loss(logits, target, sample_weight=torch.full((10,), 3.0,
                                                                            dtype=torch.float64)),
                               loss(logits, target))


@pytest.mark.parametrize("name,k", CASES)
def test_zero_total_weight_gives_connected_zero(name, k):
    loss = make_loss(name, k)
    logits, target = _batch(8, k)
    logits.requires_grad_(True)
    value = loss(logits, target, sample_weight=torch.zeros(8, dtype=torch.float64))
    value.backward()
    assert value.item() == 0.0
    assert torch.isfinite(logits.grad).all()


@pytest.mark.parametrize("name,k", CASES)
def test_permutation_invariance(name, k):
    if get_loss_class(name).stochastic:
        pytest.skip("stochastic loss")
    loss = make_loss(name, k)
    logits, target = _batch(12, k)
    w = torch.rand(12, dtype=torch.float64) + 0.1
    perm = torch.randperm(12)
    torch.testing.assert_close(loss(logits, target, w), loss(logits[perm], target[perm], w[perm]))


@pytest.mark.parametrize("name,k", CASES)
def test_gradcheck_float64(name, k):
    if get_loss_class(name).stochastic:
        pytest.skip("stochastic loss")
    loss = make_loss(name, k)
    logits, target = _batch(6, k, scale=1.0)
    logits.requires_grad_(True)
    w = torch.rand(6, dtype=torch.float64) + 0.5
    assert torch.autograd.gradcheck(lambda z: loss(z, target, w), (logits,), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", available_losses())
def test_sklearn_parameter_protocol(name):
    k = n_classes_for(name)[0]
    loss = make_loss(name, k)
    assert isinstance(loss, Loss) and isinstance(loss, torch.nn.Module)
    params = loss.get_params()
    twin = clone(loss)
    assert twin is not loss and type(twin) is type(loss)
    assert repr(twin) == repr(loss)
    assert type(loss)(**params).get_params().keys() == params.keys()
    restored = pickle.loads(pickle.dumps(loss))
    logits, target = _batch(8, k)
    if not get_loss_class(name).stochastic:
        torch.testing.assert_close(restored(logits, target), loss(logits, target))
    with pytest.raises(ValueError, match="Unknown parameter"):
        get_loss(name, not_a_parameter=1)


@pytest.mark.parametrize("name", available_losses(kind="pointwise"))
def test_pointwise_loss_per_sample_matches_forward(name):
    k = n_classes_for(name)[-1]
    loss = make_loss(name, k)
    logits, target = _batch(9, k)
    per_sample = loss.loss_per_sample(logits, target)
    assert per_sample.shape == (9,)
    w = torch.rand(9, dtype=torch.float64)
    torch.testing.assert_close(loss(logits, target, w), (per_sample * w).sum() / w.sum())


@pytest.mark.parametrize("name", available_losses(kind="pointwise"))
def test_loss_per_sample_checks_and_converts_its_inputs_as_a_call_does(name):
    # it skipped the call's checks: a target of half the rows gave half the values, integer
    # dtypes other than int64 failed for some losses, float16 logits overflowed to inf
    k = n_classes_for(name)[-1]
    loss = make_loss(name, k)
    logits, target = _batch(8, k, dtype=torch.float32)
    with pytest.raises(ValueError, match=r"target must have shape \(8,\)"):
        loss.loss_per_sample(logits, target[:4])
    expected = loss.loss_per_sample(logits, target)
    for dtype in (torch.int32, torch.uint8, torch.int8):
        torch.testing.assert_close(loss.loss_per_sample(logits, target.to(dtype)), expected)
    with pytest.raises(TypeError, match="integer class indices"):
        loss.loss_per_sample(logits, target.float())
    big = logits * 300  # beyond float16's range once squared or exponentiated
    half = loss.loss_per_sample(big.half(), target)
    assert half.dtype == torch.float32 and torch.isfinite(half).all()
    torch.testing.assert_close(half, loss.loss_per_sample(big.half().float(), target))


def test_a_pointwise_loss_implements_the_terms_not_the_checked_call():
    from sklearn_losses.losses import PointwiseLoss

    with pytest.raises(TypeError, match="implement _loss_per_sample instead"):
        class OldStyle(PointwiseLoss):
            def loss_per_sample(self, logits, target):
                return logits[:, 0]
    # nor below a concrete loss, where the loss's call would have ignored the override
    from sklearn_losses.losses.standard import CrossEntropyLoss

    with pytest.raises(TypeError, match="implement _loss_per_sample instead"):
        class Doubled(CrossEntropyLoss):
            def loss_per_sample(self, logits, target):
                return 2 * super().loss_per_sample(logits, target)


@pytest.mark.parametrize("name", ["logit_adjusted", "ldam"])
def test_the_class_prior_losses_compile(name):
    # the cached build of log(prior) failed inside torch.compile unless an eager call of the
    # same counts had filled the cache (numpy's frombuffer in the traced function)
    loss = get_loss(name, class_counts=[90, 13])
    logits, target = _batch(8, 2, dtype=torch.float32)
    compiled = torch.compile(loss, backend="eager")
    torch.testing.assert_close(compiled(logits, target), loss(logits, target))


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown loss 'nope'.*cross_entropy"):
        get_loss("nope")


def test_bad_inputs_raise_clear_errors():
    loss = get_loss("cross_entropy")
    with pytest.raises(ValueError, match="logits must have shape"):
        loss(torch.zeros(3), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="target must have shape"):
        loss(torch.zeros(3, 2), torch.zeros(4, dtype=torch.long))
    with pytest.raises(TypeError, match="integer class indices"):
        loss(torch.zeros(3, 2), torch.zeros(3))
    with pytest.raises(ValueError, match="sample_weight must have shape"):
        loss(torch.zeros(3, 2), torch.zeros(3, dtype=torch.long), torch.ones(2))


def test_available_losses_kinds():
    names = available_losses()
    assert names == sorted(names)
    assert set(available_losses("pointwise")) | set(available_losses("batch")) == set(names)
    with pytest.raises(ValueError):
        available_losses("other")


def test_every_registered_loss_class_is_exported_by_the_losses_package():
    import sklearn_losses.losses as losses

    for name in available_losses():
        cls = get_loss_class(name)
        assert getattr(losses, cls.__name__, None) is cls, name
        assert cls.__name__ in losses.__all__, name


def test_get_loss_clones_instances():
    focal = get_loss("focal", gamma=1.0)
    twin = get_loss(focal, gamma=3.0)
    assert focal.gamma == 1.0 and twin.gamma == 3.0


@pytest.mark.parametrize("name", [n for n in available_losses() if 2 in n_classes_for(n)])
def test_measures_positive_class_says_whether_swapping_the_classes_changes_the_loss(name):
    """Binary: ``loss(z, y)`` equals ``loss(z[:, ::-1], 1 - y)`` (counts swapped too) exactly
    when the loss is symmetric in the classes; ``measures_positive_class`` says which."""
    logits, target = _batch(16, 2, scale=1.5, seed=3)
    weight = torch.linspace(0.5, 2.0, 16, dtype=torch.float64)
    counts = np.array([30.0, 10.0])
    kw = {"random_state": 0} if get_loss_class(name).stochastic else {}

    def value(z, t, c):
        cnt = {"class_counts": c} if get_loss_class(name).requires_class_counts else {}
        return make_loss(name, 2, **kw, **cnt)(z, t, sample_weight=weight)

    same = torch.allclose(value(logits, target, counts),
                          value(logits.flip(1), 1 - target, counts[::-1].copy()), atol=1e-10)
    assert same != get_loss_class(name).measures_positive_class


@pytest.mark.parametrize("name,k", CASES)
@pytest.mark.parametrize("bad", [-100, -1, "K"])
def test_a_target_out_of_range_is_an_error(name, k, bad):
    # -100 is PyTorch's ignore_index: the cross-entropy family dropped such a row silently
    # (counting it in the weighted denominator), ensloss read any integer as a sign
    loss = make_loss(name, k)
    logits, target = _batch(12, k)
    target = target.clone()
    target[3] = k if bad == "K" else bad
    for w in (None, torch.ones(12, dtype=logits.dtype)):
        # one message for every loss (it was an IndexError or RuntimeError of the indexing,
        # ldam's about its margin vector)
        with pytest.raises(ValueError, match=rf"class indices in \[0, {k - 1}\].*got "
                                             rf"{k if bad == 'K' else bad}\."):
            loss(logits, target, sample_weight=w)
    if loss.pointwise:
        with pytest.raises(ValueError, match="class indices in"):
            loss.loss_per_sample(logits, target)


def test_a_failed_set_params_leaves_the_parameters_as_they_were():
    focal = get_loss("focal", gamma=2.0)
    with pytest.raises(ValueError, match="gamma"):
        focal.set_params(gamma=-5.0)
    assert focal.gamma == 2.0
    clip = get_loss("logit_clip", loss=get_loss("focal", gamma=2.0), delta=5.0)
    with pytest.raises(ValueError):
        clip.set_params(loss="nope")
    with pytest.raises(ValueError, match="gamma"):
        clip.set_params(loss__gamma=-1.0, delta=3.0)
    assert clip.delta == 5.0 and clip.get_params()["loss__gamma"] == 2.0
    assert clone(clip).get_params()["loss__gamma"] == 2.0


@pytest.mark.parametrize("name", ["cross_entropy", "focal", "anyloss_f1", "auc_pairwise"])
def test_large_weights_on_float16_logits_do_not_overflow(name):
    # the weights were cast to float16, whose largest value is 65504: a batch of 256 rows of
    # weight 300 (a balanced weight at 1:600) gave NaN or exactly 0
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(256, 2, generator=g)
    target = (torch.arange(256) % 3 == 0).long()
    w = torch.full((256,), 300.0)
    loss = get_loss(name)
    expected = loss(logits, target, w).item()
    value = loss(logits.half(), target, w)
    assert torch.isfinite(value) and value.item() == pytest.approx(expected, rel=2e-2)


@pytest.mark.parametrize("name", ["auc_pairwise", "comp_sum", "squentropy", "ldam", "dice",
                                  "cross_entropy"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_logits_are_computed_in_float32(name, dtype):
    """auc_pairwise's pair weights (1/n^2) summed in float16 gave NaN at n=8000; comp_sum's
    1/1e-7 floor, squentropy's squares and LDAM's scale overflowed 65504."""
    g = torch.Generator().manual_seed(0)
    n = 8000 if name == "auc_pairwise" else 64
    logits = 20.0 * torch.randn(n, 2, generator=g)
    target = (torch.arange(n) % 3 == 0).long()
    params = {"comp_sum": {"tau": 0.0}, "ldam": {"class_counts": [90, 10]}}.get(name, {})
    loss = get_loss(name, **params)
    half = logits.to(dtype).requires_grad_()
    value = loss(half, target)
    value.backward()
    assert value.dtype == torch.float32 and torch.isfinite(value)
    if name != "comp_sum":  # tau=0's gradient itself, ~1/p at the 1e-7 floor, exceeds float16
        assert torch.isfinite(half.grad).all()
    expected = loss(half.detach().float(), target)  # the same rounded inputs in float32
    assert value.item() == pytest.approx(expected.item(), rel=1e-6)


def test_negative_or_nan_weights_are_refused_and_an_empty_batch_is_zero():
    logits, target = torch.randn(4, 2), torch.tensor([0, 1, 0, 1])
    for bad in ([1.0, -1.0, 1.0, 1.0], [1.0, float("nan"), 1.0, 1.0]):
        for name in ("cross_entropy", "anyloss_f1"):
            with pytest.raises(ValueError, match="finite and non-negative"):
                get_loss(name)(logits, target, torch.tensor(bad))
    empty = torch.zeros(0, 2, requires_grad=True)
    for name in ("focal", "cross_entropy", "logit_clip"):
        value = get_loss(name)(empty, torch.zeros(0, dtype=torch.long))
        assert value.item() == 0.0, name


def test_trusted_inputs_skips_the_value_checks_in_its_thread_only():
    import threading

    from sklearn_losses.losses.base import trusted_inputs

    loss = get_loss("cross_entropy")
    logits, target = torch.zeros(3, 2), torch.tensor([0, 1, 0])
    negative = torch.tensor([1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="finite and non-negative"):
        loss(logits, target, negative)
    seen = []
    with trusted_inputs():
        loss(logits, target, negative)  # the caller checked its weights: no scan
        with pytest.raises(ValueError, match="shape"):  # shapes are still checked
            loss(logits, target[:2])
        thread = threading.Thread(target=lambda: seen.append(_raises(loss, logits, negative)))
        thread.start()
        thread.join()
    assert seen == [True]  # another thread still checks
    with pytest.raises(ValueError, match=r"class indices in \[0, 1\]"):
        loss(logits, torch.tensor([0, 2, 0]))  # checked again after the block


def _raises(loss, logits, weight):
    try:
        loss(logits, torch.tensor([0, 1, 0]), weight)
    except ValueError:
        return True
    return False
