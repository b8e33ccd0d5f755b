"""Re-weighting schemes: formulas, identities and their use in the estimator."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_losses import WeightedLossClassifier, available_reweightings, get_loss, get_reweighting
from sklearn_losses.engine.reducer import BatchReducer
from sklearn_losses.weighting import compute_class_weights

COUNTS = np.array([900.0, 90.0, 10.0])


def test_registry_names():
    assert set(available_reweightings()) >= {"balanced", "inverse_sqrt", "class_balanced", "drw",
                                             "dro_kl"}
    with pytest.raises(ValueError, match="Unknown reweight 'nope'"):
        get_reweighting("nope")


def test_balanced_matches_sklearn():
    y = np.repeat([0, 1, 2], COUNTS.astype(int))
    expected = compute_class_weight("balanced", classes=np.arange(3), y=y)
    np.testing.assert_allclose(get_reweighting("balanced").class_weights(COUNTS), expected)
    # hand value: n / (K n_j) = 1000 / (3 * 10)
    assert get_reweighting("balanced").class_weights(COUNTS)[2] == pytest.approx(1000 / 30)


def test_inverse_sqrt():
    w = get_reweighting("inverse_sqrt").class_weights(COUNTS)
    assert w.sum() == pytest.approx(3.0)
    raw = COUNTS ** -0.5
    np.testing.assert_allclose(w, raw * 3 / raw.sum())


def test_class_balanced_formula_and_limits():
    beta = 0.99
    w = get_reweighting("class_balanced", beta=beta).class_weights(COUNTS)
    raw = (1 - beta) / (1 - beta ** COUNTS)
    np.testing.assert_allclose(w, raw * 3 / raw.sum())
    np.testing.assert_allclose(get_reweighting("class_balanced", beta=0.0).class_weights(COUNTS),
                               np.ones(3))
    near_one = get_reweighting("class_balanced", beta=1 - 1e-12).class_weights(COUNTS)
    balanced = get_reweighting("balanced").class_weights(COUNTS)
    np.testing.assert_allclose(near_one / near_one.sum(), balanced / balanced.sum(), rtol=1e-6)
    with pytest.raises(ValueError, match="beta"):
        get_reweighting("class_balanced", beta=1.0).class_weights(COUNTS)


def test_drw_schedule():
    drw = get_reweighting("drw", beta=0.99, start_epoch=3)
    cb = get_reweighting("class_balanced", beta=0.99).class_weights(COUNTS)
    for epoch in range(3):
        np.testing.assert_array_equal(drw.class_weights_at_epoch(COUNTS, epoch, 10), np.ones(3))
    np.testing.assert_allclose(drw.class_weights_at_epoch(COUNTS, 3, 10), cb)
    assert get_reweighting("drw").resolved_start_epoch(50) == 40  # round(0.8 * max_epochs)
    assert drw.scheduled and not get_reweighting("class_balanced").scheduled


def test_dro_kl_instance_weights():
    losses = torch.tensor([0.1, 0.5, 2.0, 3.0], requires_grad=True)
    d = get_reweighting("dro_kl", r=1.0).instance_weights(losses)
    assert not d.requires_grad
    assert d.mean().item() == pytest.approx(1.0)
    expected = 4 * np.exp([0.1, 0.5, 2.0, 3.0]) / np.exp([0.1, 0.5, 2.0, 3.0]).sum()
    np.testing.assert_allclose(d.numpy(), expected, rtol=1e-6)
    assert torch.all(torch.diff(d) > 0)  # r > 0 up-weights hard samples
    d_neg = get_reweighting("dro_kl", r=-1.0).instance_weights(losses)
    assert torch.all(torch.diff(d_neg) < 0)  # r < 0 down-weights them
    d_flat = get_reweighting("dro_kl", r=1e9).instance_weights(losses)
    torch.testing.assert_close(d_flat, torch.ones(4))
    big = get_reweighting("dro_kl", r=1e-3).instance_weights(torch.tensor([1e4, 0.0]))
    assert torch.isfinite(big).all()


def test_dro_kl_folds_sample_weights_into_its_distribution():
    # w_i exp(l_i / r), normalised: a row of weight 0 takes none of the mass, even with the
    # largest loss (it took all of it, leaving the other rows' weights, and the gradient, 0)
    scheme = get_reweighting("dro_kl", r=1.0)
    losses = torch.tensor([300.0, 0.7, 0.6, 0.8])
    w = torch.tensor([0.0, 1.0, 2.0, 1.0])
    d = scheme.instance_weights(losses, w)
    kept = w.numpy() > 0
    expected = np.where(kept, w.numpy() * np.exp(np.where(kept, losses.numpy(), 0.0) - 0.8), 0)
    np.testing.assert_allclose(d.numpy(), 4 * expected / expected.sum(), rtol=1e-6)
    assert d[0] == 0 and torch.isfinite(d).all()
    reducer = BatchReducer(instance_weighting=scheme)
    z = torch.tensor([[150.0, -150.0], [0.1, 0.0], [0.0, 0.3], [0.2, 0.1]], requires_grad=True)
    y = torch.tensor([1, 0, 1, 0])
    value = reducer(get_loss("cross_entropy"), z, y, w, training=True)
    value.backward()
    rest = reducer(get_loss("cross_entropy"), z.detach()[1:], y[1:], w[1:], training=True)
    assert float(value) == pytest.approx(float(rest)) and z.grad[1:].abs().sum() > 0


def test_dro_kl_trains_with_a_class_of_zero_weight():
    # dro_kl has no class weights: a class of total weight 0 is no reason to refuse it
    X, y = make_classification(120, 4, n_informative=3, n_redundant=0, n_classes=3,
                               random_state=0)
    sw = np.where(y == 2, 0.0, 1.0)
    clf = WeightedLossClassifier(loss="focal", reweight="dro_kl", max_epochs=2).fit(
        X, y, sample_weight=sw)
    assert clf.class_counts_[2] == 0


def test_dict_weights_and_errors():
    classes = np.array(["a", "b", "c"])
    w = compute_class_weights({"c": 5.0}, classes, COUNTS)
    np.testing.assert_array_equal(w, [1.0, 1.0, 5.0])
    with pytest.raises(ValueError, match="not classes of y"):
        compute_class_weights({"d": 1.0}, classes, COUNTS)
    with pytest.raises(ValueError, match=">= 0"):
        compute_class_weights({"a": -1.0}, classes, COUNTS)


# ---------------------------------------------------------------- estimator
X, Y = make_classification(300, n_features=6, n_informative=4, weights=[0.85], random_state=0)
PARAMS = dict(loss="cross_entropy", hidden_layer_sizes=(16,), max_epochs=12, lr=1e-2, batch_size=64,
              random_state=0, early_stopping=False)


def _proba(**kw):
    return WeightedLossClassifier(**{**PARAMS, **kw}).fit(X, Y).predict_proba(X)


def test_drw_start_zero_equals_class_balanced_and_late_start_equals_none():
    np.testing.assert_array_equal(
        _proba(reweight=get_reweighting("drw", start_epoch=0)), _proba(reweight="class_balanced"))
    np.testing.assert_array_equal(
        _proba(reweight=get_reweighting("drw", start_epoch=12)), _proba(reweight=None))
    mixed = _proba(reweight=get_reweighting("drw", start_epoch=6))
    assert not np.array_equal(mixed, _proba(reweight=None))


def test_drw_class_weight_attribute_is_the_final_phase():
    clf = WeightedLossClassifier(reweight=get_reweighting("drw", start_epoch=4), **PARAMS).fit(X, Y)
    expected = get_reweighting("class_balanced").class_weights(np.bincount(Y))
    np.testing.assert_allclose(clf.class_weight_, expected)


def test_dro_kl_in_the_estimator():
    flat = _proba(reweight=get_reweighting("dro_kl", r=1e12))
    np.testing.assert_allclose(flat, _proba(reweight=None), atol=1e-5)
    tilted = _proba(reweight="dro_kl")
    assert np.all(np.isfinite(tilted)) and not np.allclose(tilted, flat)


def test_dro_kl_rejects_batch_losses_and_zero_temperature():
    from sklearn_losses.losses import available_losses

    batch = available_losses("batch")
    if batch:
        with pytest.raises(ValueError, match="pointwise loss"):
            WeightedLossClassifier(**{**PARAMS, "loss": batch[0], "reweight": "dro_kl"}).fit(X, Y)
    with pytest.raises(ValueError, match=r"'r' parameter of DROKL must be a float in the "
                                         r"range \[-1000000000000.0, -0.001\] or"):
        WeightedLossClassifier(reweight=get_reweighting("dro_kl", r=0.0), **PARAMS).fit(X, Y)


def test_scheme_instances_are_cloned_not_modified():
    scheme = get_reweighting("class_balanced", beta=0.9)
    clf = WeightedLossClassifier(reweight=scheme, **PARAMS)
    clf.set_params(reweight__beta=0.99)
    assert clf.reweight.beta == 0.99
    twin = clone(clf)
    assert twin.reweight is not clf.reweight and twin.reweight.beta == 0.99


def test_class_weights_beyond_float64_are_a_clear_error():
    classes = np.array([0, 1])
    with pytest.raises(ValueError, match="beyond the float64 range"):
        compute_class_weights("balanced", classes, np.array([1e300, 1e-300]))
    # finite in float64, but the frequent class's weight would be 0 in float32
    with pytest.raises(ValueError, match="leave float32's range"):
        compute_class_weights("inverse_sqrt", classes, np.array([1e300, 1e-300]))
    finite = compute_class_weights("inverse_sqrt", classes, np.array([1e30, 1e-30]))
    assert np.all(np.isfinite(finite.astype(np.float32))) and np.all(finite > 0)


def test_class_weights_are_checked_whatever_gives_them():
    from sklearn_losses.weighting import Reweighting

    classes = np.array(["a", "b"])
    with pytest.raises(ValueError, match="same length"):
        compute_class_weights("balanced", classes, [1, 2, 3])
    assert compute_class_weights({"a": 2}, ["a", "b"], [1, 2]).tolist() == [2.0, 1.0]
    for value in ("2", True, None, "x"):  # float() would read "2" as 2.0 and True as 1.0
        with pytest.raises(ValueError, match="must be numbers"):
            compute_class_weights({"a": value}, classes, [9, 1])
    with pytest.raises(ValueError, match="float32's range.*scale them into it"):
        compute_class_weights({"a": 1e39}, classes, [9, 1])
    with pytest.raises(ValueError, match="float32's range"):
        compute_class_weights({"a": 1e-46, "b": 1e-46}, classes, [9, 1])

    class Fixed(Reweighting):
        def __init__(self, w=None):
            self.w = w

        def class_weights(self, class_counts):
            return np.asarray(self.w, dtype=float)

    with pytest.raises(ValueError, match=r"shape \(3,\) for 2 classes"):
        compute_class_weights(Fixed([1.0, 1.0, 5.0]), classes, [9, 1])
    for bad in ([-1.0, 1.0], [np.nan, 1.0]):
        with pytest.raises(ValueError, match="finite and >= 0"):
            compute_class_weights(Fixed(bad), classes, [9, 1])
    with pytest.raises(ValueError, match="every class weight 0"):
        compute_class_weights(Fixed([0.0, 0.0]), classes, [9, 1])


def test_a_registered_scheme_is_taken_by_name_and_only_schemes_register():
    from sklearn_losses.weighting import Reweighting, _REWEIGHTINGS, register_reweighting

    @register_reweighting("test_log_inverse")
    class LogInverse(Reweighting):
        def class_weights(self, class_counts):
            return 1.0 / np.log1p(np.asarray(class_counts, dtype=float))

    try:
        X, y = make_classification(120, 4, weights=[0.8], random_state=0)
        clf = WeightedLossClassifier(reweight="test_log_inverse", max_epochs=2,
                                     random_state=0).fit(X, y)
        np.testing.assert_allclose(clf.class_weight_, 1.0 / np.log1p(clf.class_counts_))
    finally:
        _REWEIGHTINGS._items.pop("test_log_inverse")
    with pytest.raises(InvalidParameterError, match="available_reweightings"):
        WeightedLossClassifier(reweight="test_log_inverse").fit(X, y)
    with pytest.raises(TypeError, match="Only Reweighting subclasses"):
        register_reweighting("test_not_a_scheme")(type("NotAScheme", (), {}))


def test_class_weights_that_leave_one_class_are_an_error():
    X, y = make_classification(150, 4, n_classes=3, n_informative=3, n_redundant=0,
                               random_state=0)
    y = np.array(["a", "b", "c"])[y]
    with pytest.raises(ValueError, match=r"class\(es\) \['b', 'c'\] weight 0"):
        WeightedLossClassifier(reweight={"b": 0, "c": 0}, max_epochs=2).fit(X, y)
    weight = np.where(y == "c", 0.0, 1.0)  # c has no weight: a and b zeroed leave nothing
    with pytest.raises(ValueError, match=r"class\(es\) \['a', 'b'\] weight 0"):
        WeightedLossClassifier(reweight={"a": 0, "b": 0}, max_epochs=2).fit(
            X, y, sample_weight=weight)
    # one class zeroed of three leaves two: a choice the user may make
    WeightedLossClassifier(reweight={"c": 0}, max_epochs=2).fit(X, y)


def test_ensloss_is_a_margin_loss_for_the_class_prior():
    # batch-level only because its loss is drawn per batch: reweight="auto" gives it the
    # default class weights, and class weights raise no "handles imbalance" warning
    import warnings

    from sklearn_losses.cli.model import double_correction

    X, y = make_classification(200, 4, weights=[0.9], random_state=0)
    clf = WeightedLossClassifier(loss="ensloss", max_epochs=2, random_state=0).fit(X, y)
    assert clf.reweight_ == "inverse_sqrt" and clf.batch_sampler_ == "stratified"
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*(handles imbalance|batch estimates)")
        WeightedLossClassifier(loss="ensloss", reweight="balanced", batch_size=16,
                               max_epochs=2).fit(X, y)
    assert double_correction("ensloss", "balanced", [180, 20]) is None
    assert double_correction("ensloss", "dro_kl", [180, 20]) is not None  # cannot run
    anyloss = WeightedLossClassifier(loss="anyloss_f1", max_epochs=2).fit(X, y)
    assert anyloss.reweight_ is None
    assert double_correction("anyloss_f1", "balanced", [180, 20]) is not None


def test_dro_kl_on_a_batch_of_zero_weights_gives_a_connected_zero():
    reducer = BatchReducer(instance_weighting=get_reweighting("dro_kl", r=1.0))
    z = torch.randn(4, 2, requires_grad=True)
    value = reducer(get_loss("cross_entropy"), z, torch.tensor([0, 1, 0, 1]), torch.zeros(4),
                    training=True)
    value.backward()
    assert float(value) == 0.0 and torch.isfinite(z.grad).all()


def test_partial_fit_refuses_a_changed_class_setup_and_takes_an_equal_copy():
    X, y = make_classification(120, 4, weights=[0.8], random_state=0)
    clf = WeightedLossClassifier(loss=get_loss("focal", gamma=2.0), random_state=0)
    clf.partial_fit(X, y, classes=[0, 1])
    clf.set_params(loss=get_loss("focal", gamma=2.0))  # an equal copy: the same setup
    clf.partial_fit(X, y)
    for change in ({"loss": "cross_entropy"}, {"loss__gamma": 1.0},
                   {"reweight": "balanced"}, {"logit_clip": 2.0}):
        model = clone(clf).set_params(loss=get_loss("focal", gamma=2.0))
        model.partial_fit(X, y, classes=[0, 1])
        model.set_params(**change)
        name = next(iter(change)).split("__")[0]
        with pytest.raises(ValueError, match=f"{name} changed since the first partial_fit"):
            model.partial_fit(X, y)
    clf.set_params(lr=1e-3).partial_fit(X, y)  # the optimizer's settings may change


def test_deferred_reweighting_with_a_prior_correcting_loss_warns_of_the_double_correction():
    X, y = make_classification(200, 4, weights=[0.9], random_state=0)
    with pytest.warns(UserWarning, match="deferred class re-weighting .* corrects twice"):
        WeightedLossClassifier(loss="logit_adjusted", reweight="drw", max_epochs=2,
                               random_state=0).fit(X, y)


def test_class_setup_checks_take_equal_values_and_judge_the_product_of_the_weights():
    from decimal import Decimal

    X, y = make_classification(120, 4, weights=[0.8], random_state=0)
    # equal values of other types are no change: numpy keys, a tensor parameter
    clf = WeightedLossClassifier(reweight={0: 1.0, 1: 5.0}, max_epochs=2, random_state=0)
    clf.partial_fit(X, y, classes=[0, 1])
    clf.set_params(reweight=dict(zip(clf.classes_, [1.0, 5.0]))).partial_fit(X, y)
    clf = WeightedLossClassifier(loss=get_loss("focal", alpha=torch.tensor([0.25, 0.75])),
                                 random_state=0).partial_fit(X, y, classes=[0, 1])
    clf.set_params(loss=get_loss("focal", alpha=torch.tensor([0.25, 0.75]))).partial_fit(X, y)
    # numbers of any kind are weights; text and booleans are not
    weights = compute_class_weights({0: Decimal("1.5"), 1: np.array(2.0)}, [0, 1], [9, 1])
    assert weights.tolist() == [1.5, 2.0]
    # sample_weight times the class weights beyond float32: named, not a divergence
    with pytest.raises(ValueError, match="sample_weight times the class weights"):
        WeightedLossClassifier(reweight={1: 1e12}, max_epochs=2).fit(
            X, y, sample_weight=np.full(len(y), 1e27))  # total 1.2e29: not rescaled
    # the first partial_fit chunk need not hold every class: a class zeroed of three leaves two
    y3 = np.arange(len(y)) % 3
    WeightedLossClassifier(reweight={1: 0}, max_epochs=2).partial_fit(
        X[y3 < 2], y3[y3 < 2], classes=[0, 1, 2])
