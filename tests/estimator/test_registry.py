"""The registry shared by losses, re-weighting schemes and metrics, and the one
class-count check shared by losses and re-weighting schemes."""

import inspect

import numpy as np
import pytest

from sklearn_losses import get_loss
from sklearn_losses._registry import Registry
from sklearn_losses.losses.base import check_class_counts, register_loss
from sklearn_losses.metrics import get_metric, metric_of
from sklearn_losses.weighting import (
    Balanced,
    ClassBalanced,
    DeferredReweighting,
    InverseSqrt,
    compute_class_weights,
    get_reweighting,
    register_reweighting,
)


@pytest.mark.parametrize("lookup, typo, expected", [
    (get_loss, "focall", "Unknown loss 'focall'. Did you mean 'focal'?.*cross_entropy"),
    (get_reweighting, "balancd",
     "Unknown reweight 'balancd'. Did you mean 'balanced'?.*inverse_sqrt"),
    (get_metric, "gmaen", "Unknown metric 'gmaen'. Did you mean 'gmean'?.*roc_auc"),
    (metric_of, "gmaen", "Unknown metric 'gmaen'. Did you mean 'gmean'?.*neg_ece"),
])
def test_unknown_names_suggest_the_closest_and_list_all(lookup, typo, expected):
    with pytest.raises(ValueError, match=expected):
        lookup(typo)


def test_unknown_name_without_close_match_lists_names_only():
    with pytest.raises(ValueError, match=r"Unknown reweight 'zzz'\. Use None") as info:
        get_reweighting("zzz")
    assert "Did you mean" not in str(info.value)
    with pytest.raises(ValueError, match="Unknown metric"):
        get_metric(["unhashable"])


def test_registry_rejects_a_second_object_under_a_taken_name():
    reg = Registry("widget")

    @reg.register("a")
    class A:
        pass

    assert A.name == "a" and reg.get("a") is A and reg.names() == ["a"] and "a" in reg
    reg.register("a")(A)  # re-registering the same object is harmless
    with pytest.raises(ValueError, match="A widget named 'a' is already registered"):
        reg.register("a")(type("B", (), {}))
    with pytest.raises(ValueError, match="already registered"):
        register_reweighting("balanced")(type("Other", (Balanced,), {}))
    with pytest.raises(TypeError, match="Only Loss subclasses"):
        register_loss("not_a_loss")(int)


@pytest.mark.parametrize("scheme", [Balanced(), InverseSqrt(), ClassBalanced(),
                                    DeferredReweighting(start_epoch=5)])
@pytest.mark.parametrize("bad", [[1.0, np.inf], [1.0, np.nan], [3.0], [[1.0, 2.0]], [0.0, 2.0]])
def test_reweighting_counts_use_the_shared_check(scheme, bad):
    # the same check (and message) as the losses' class_counts
    with pytest.raises(ValueError) as ours:
        check_class_counts(bad, name="class counts")
    with pytest.raises(ValueError) as theirs:
        scheme.class_weights_at_epoch(bad, epoch=0, max_epochs=10)
    assert str(theirs.value) == str(ours.value)


def test_compute_class_weights_has_no_unused_schedule_parameters():
    assert list(inspect.signature(compute_class_weights).parameters) == [
        "reweight", "classes", "class_counts"]
    counts = np.array([30.0, 10.0])
    np.testing.assert_allclose(compute_class_weights("drw", np.array([0, 1]), counts),
                               ClassBalanced().class_weights(counts))
