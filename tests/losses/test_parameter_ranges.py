"""Every numeric hyper-parameter of a loss or re-weighting scheme has a finite,
documented range, checked before training (issue 21, item 19).

Before, ``focal.gamma``, ``ldam.scale``, ``tversky.alpha``,
``logit_clip.delta`` (and 26 more) at 1e300 were accepted when the loss was
built and failed in training with torch's "value cannot be converted to type
float without overflow", an ``OverflowError`` or the divergence error; some
tiny positive values (``gce.q``, ``ldr_kl.lam``, ``zloss_spherical.a``,
``dice.smooth``) gave NaN.
"""

import math
import re
from numbers import Integral, Real

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.utils._param_validation import Interval, InvalidParameterError

import sklearn_losses.classifier as classifier_module
from sklearn_losses import WeightedLossClassifier
from sklearn_losses.losses import available_losses, get_loss, get_loss_class
from sklearn_losses.weighting import available_reweightings, get_reweighting

from ..conftest import make_loss, n_classes_for

#: (loss, parameter) pairs whose range may include +inf (documented: no clipping).
_INF_ALLOWED = {("logit_clip", "delta")}


def _intervals(cls, param):
    return [c for c in cls._parameter_constraints.get(param, []) if isinstance(c, Interval)]


def _numeric_params(cls):
    """Parameters of ``cls.__init__`` with a numeric default or a numeric constraint."""
    out = []
    for name in cls._get_param_names():
        default = cls().get_params(deep=False)[name] if name != "loss" else None
        numeric_default = isinstance(default, Real) and not isinstance(default, bool)
        if numeric_default or _intervals(cls, name):
            out.append(name)
    return out


LOSS_PARAMS = [(name, p) for name in available_losses()
               for p in _numeric_params(get_loss_class(name))]


def test_every_registered_loss_is_covered():
    assert len(available_losses()) >= 28
    # 30 numeric parameters over the 28 losses (the AnyLoss amplifier counted once per loss)
    assert len(LOSS_PARAMS) >= 30
    assert ("focal", "gamma") in LOSS_PARAMS and ("logit_clip", "delta") in LOSS_PARAMS


@pytest.mark.parametrize("name,param", LOSS_PARAMS)
def test_every_numeric_parameter_has_a_finite_range(name, param):
    intervals = _intervals(get_loss_class(name), param)
    assert intervals, f"{name}.{param} has no Interval constraint"
    for interval in intervals:
        assert interval.left is not None and interval.right is not None, (name, param)
        assert math.isfinite(interval.left) and math.isfinite(interval.right), (name, param)


def _documented_range(cls, param):
    """``(low, high, closed_left, closed_right)`` from the ``param : type`` docstring line."""
    line = re.search(rf"^\s+{re.escape(param)} : (.*)$", cls.__doc__, re.M)
    assert line, f"{cls.__name__} documents no parameter {param}"
    found = re.search(r"([\[(])\s*(-?[\d.e+-]+|-?2\*\*\d+ - 1)\s*,\s*(-?[\d.e+-]+|2\*\*\d+ - 1)"
                      r"\s*([\])])", line.group(1))
    assert found, f"{cls.__name__}.{param}: no range in {line.group(1)!r}"
    low, high = (float(eval(v)) for v in found.group(2, 3))  # noqa: S307 (our docstrings)
    return low, high, found.group(1) == "[", found.group(4) == "]"


@pytest.mark.parametrize("name,param", LOSS_PARAMS)
def test_the_range_is_documented(name, param):
    cls = get_loss_class(name)
    interval = _intervals(cls, param)[0]
    low, high, closed_left, closed_right = _documented_range(cls, param)
    assert (low, high) == (interval.left, interval.right), (name, param)
    assert closed_left == (interval.closed in ("left", "both")), (name, param)
    assert closed_right == (interval.closed in ("right", "both")), (name, param)


BAD_VALUES = [1e300, -1e300, float("nan"), float("inf"), -float("inf")]


@pytest.mark.parametrize("name,param", LOSS_PARAMS)
@pytest.mark.parametrize("value", BAD_VALUES, ids=str)
def test_out_of_range_values_are_refused_naming_the_parameter(name, param, value):
    if (name, param) in _INF_ALLOWED and value == float("inf"):
        loss = make_loss(name, 2, **{param: value})  # documented: clipping off
        logits = torch.randn(8, 2, requires_grad=True)
        loss(logits, torch.arange(8) % 2).backward()
        assert torch.isfinite(logits.grad).all()
        return
    pattern = rf"'{param}' parameter of {get_loss_class(name).__name__} must be"
    with pytest.raises(ValueError, match=pattern):
        get_loss(name, **{param: value})
    loss = get_loss(name)
    with pytest.raises(ValueError, match=pattern):
        loss.set_params(**{param: value})


def _bounds(name, param):
    """The admitted extremes of the range: the closed ends, or 1e-300 next to an open 0."""
    out = []
    for interval in _intervals(get_loss_class(name), param):
        if interval.type is Integral:
            out += [end for end in (interval.left, interval.right) if end is not None]
            continue
        for end, closed, side in ((interval.left, interval.closed in ("left", "both"), 1),
                                  (interval.right, interval.closed in ("right", "both"), -1)):
            if end is None:
                continue
            if closed:
                out.append(float(end))
            elif end == 0:
                out.append(side * 1e-300)
    return out


def _batch(n, k, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, k, generator=g, dtype=torch.float64) * 2.0, torch.arange(n) % k


BOUND_CASES = [(name, p, v, k) for name, p in LOSS_PARAMS for v in _bounds(name, p)
               for k in n_classes_for(name)
               if not (name == "focal" and p == "alpha" and k > 2)]  # float alpha: binary only


@pytest.mark.parametrize("name,param,value,k", BOUND_CASES)
def test_losses_at_the_ends_of_their_ranges_stay_finite_and_accurate_in_float32(
        name, param, value, k):
    extra = {"random_state": 0} if get_loss_class(name).stochastic and param != "random_state" \
        else {}
    # extreme float32 logits: finite value and gradient
    for scale in (1e4, -1e4):
        logits, target = _batch(16, k)
        logits = (logits.sign() * scale).float().requires_grad_(True)
        value_ = make_loss(name, k, **{param: value}, **extra)(logits, target)
        value_.backward()
        assert torch.isfinite(value_) and torch.isfinite(logits.grad).all(), scale
    # ordinary logits: float32 agrees with float64 (no underflow to 0 or overflow)
    logits, target = _batch(32, k)
    logits = logits.float().double()
    results = {}
    for dtype in (torch.float64, torch.float32):
        z = logits.to(dtype).clone().requires_grad_(True)
        v = make_loss(name, k, **{param: value}, **extra)(z, target)
        v.backward()
        results[dtype] = v.detach().double(), z.grad.double()
    (v64, g64), (v32, g32) = results[torch.float64], results[torch.float32]
    assert torch.isfinite(v32) and torch.isfinite(g32).all()
    torch.testing.assert_close(v32, v64, rtol=1e-4, atol=1e-6 * max(1.0, abs(v64.item())))
    torch.testing.assert_close(g32, g64, rtol=1e-2, atol=1e-2 * g64.abs().max().item() + 1e-30)


# ------------------------------------------------------------------ per-class arrays
def test_per_class_arrays_out_of_range_are_refused():
    with pytest.raises(ValueError, match=r"focal alpha.*each a finite number in \[0, 1e6\]"):
        get_loss("focal", alpha=[1e300, 1.0])
    with pytest.raises(ValueError, match="focal alpha"):
        get_loss("focal", alpha=[float("nan"), 1.0])
    for name in ("logit_adjusted", "balanced_softmax", "ldam"):
        with pytest.raises(ValueError, match="class_counts.*total"):
            get_loss(name, class_counts=[1e308, 1e308])
        with pytest.raises(ValueError, match="class_counts"):
            get_loss(name, class_counts=[float("inf"), 1.0])
    # extreme but finite counts keep the prior finite
    logits = torch.zeros(4, 2, requires_grad=True)
    loss = get_loss("logit_adjusted", tau=100.0, class_counts=[1e-300, 1e300])
    value = loss(logits, torch.tensor([0, 1, 0, 1]))
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(logits.grad).all()


# ------------------------------------------------------------------ re-weighting schemes
def _scheme_params():
    for name in available_reweightings():
        cls = type(get_reweighting(name))
        for p, constraints in cls._parameter_constraints.items():
            if any(isinstance(c, Interval) and c.type is Real for c in constraints):
                yield name, p


@pytest.mark.parametrize("name,param", list(_scheme_params()))
@pytest.mark.parametrize("value", BAD_VALUES + [1e-300, -1e-300, 0.0], ids=str)
def test_reweighting_parameters_out_of_range_are_refused(name, param, value):
    scheme = get_reweighting(name, **{param: value})
    cls = type(scheme)
    intervals = [c for c in cls._parameter_constraints[param] if isinstance(c, Interval)]
    assert all(c.left is not None and c.right is not None for c in intervals)
    if any(value in c for c in intervals):
        return  # inside the documented range (e.g. beta=0)
    with pytest.raises(ValueError, match=f"'{param}' parameter of {cls.__name__}"):
        scheme.class_weights(np.array([10.0, 90.0]))


def test_dro_kl_range_is_documented_and_finite_at_its_ends():
    from sklearn_losses.weighting import DROKL

    assert re.search(r"r : float in \[-1e12, -1e-3\] or \[1e-3, 1e12\]", DROKL.__doc__)
    losses = torch.tensor([0.0, 2e4, 1.0, 5.0])
    for r in (-1e12, -1e-3, 1e-3, 1e12):
        weights = get_reweighting("dro_kl", r=r).instance_weights(losses)
        assert torch.isfinite(weights).all() and weights.sum().item() == pytest.approx(4.0)


# ------------------------------------------------------------------ through the estimator
@pytest.fixture(scope="module")
def data():
    return make_classification(80, 4, weights=[0.7], random_state=0)


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if fit gets as far as building the training loop."""
    def refuse(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(classifier_module, "train", refuse)


@pytest.mark.parametrize("name,param", [("focal", "gamma"), ("ldam", "scale"),
                                        ("tversky", "alpha"), ("logit_clip", "delta"),
                                        ("nce_rce", "beta"), ("ldr_kl", "lam")])
def test_the_estimator_refuses_before_training(data, no_training, name, param):
    X, y = data
    loss = get_loss(name)
    setattr(loss, param, 1e300)  # plain assignment skips set_params' validation
    clf = WeightedLossClassifier(loss=loss, max_epochs=2)
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        clf.fit(X, y)
    assert not hasattr(clf, "module_")
    with pytest.raises(ValueError, match=f"'{param}' parameter"):
        WeightedLossClassifier(loss=get_loss(name)).set_params(**{f"loss__{param}": 1e300})
    with pytest.raises(ValueError, match=f"'{param}' parameter"):
        WeightedLossClassifier(loss=name).set_params(**{f"loss__{param}": -1e300})


def test_the_estimator_refuses_a_reweighting_parameter_before_training(data, no_training):
    X, y = data
    clf = WeightedLossClassifier(reweight=get_reweighting("dro_kl", r=1e300), max_epochs=2)
    with pytest.raises(InvalidParameterError, match="'r' parameter of DROKL"):
        clf.fit(X, y)


@pytest.mark.parametrize("name,params,n_classes", [
    ("focal", {"gamma": 100.0}, 2),
    ("ldam", {"scale": 1e4, "max_margin": 100.0}, 2),
    ("logit_adjusted", {"tau": 100.0}, 2),
    ("tversky", {"alpha": 1e3, "beta": 1e3, "smooth": 1e-12}, 2),
    ("nce_rce", {"alpha": 1e3, "beta": 1e3, "A": -1e3}, 2),
    ("ldr_kl", {"lam": 1e-6, "margin": 1e3}, 2),
    ("anyloss_fbeta", {"beta": 100.0, "amplifier": 500.0}, 2),
    ("zloss_spherical", {"a": 1e3, "b": -100.0}, 3),
    ("logit_clip", {"delta": 1e4}, 2),
])
def test_the_ends_of_the_ranges_train_to_finite_probabilities(one_torch_thread, name, params,
                                                              n_classes):
    X, y = make_classification(120, 5, n_informative=3, n_classes=n_classes,
                               weights=None if n_classes > 2 else [0.7], random_state=0)
    clf = WeightedLossClassifier(loss=get_loss(name, **params), hidden_layer_sizes=(8,),
                                 max_epochs=5, early_stopping=False, random_state=0)
    clf.fit(X, y)
    assert np.isfinite(clf.predict_proba(X)).all()
