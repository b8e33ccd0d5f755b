"""Binary losses that measure one class (soft F-scores, average precision) train on the minority.

The loss protocol's positive class is index 1 (``classes_[1]``), but the
minority of a binary problem is often ``classes_[0]`` (``"bad" < "good"``,
``0 = fraud``). The package's binary scorers measure the minority; the
estimator gives such a loss the classes swapped in that case, so that the
loss and the scorer measure the same class (``loss_positive_class_``).
"""

import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.engine.reducer import BatchReducer
from sklearn_losses.losses import get_loss
from sklearn_losses.losses.imbalance import LogitAdjustedLoss
from sklearn_losses.plan import loss_positive_index

FAST = dict(hidden_layer_sizes=(16,), max_epochs=60, early_stopping=False, random_state=0)


def _table(n=600, minority="a_minor", majority="b_major", seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    score = X[:, 0] + 0.5 * X[:, 1] + 0.8 * rng.normal(size=n)
    return X, np.where(score > 1.3, minority, majority)  # about 15% minority


@pytest.mark.parametrize("loss", ["anyloss_f1", "anyloss_fbeta", "ce_smooth_ap"])
@pytest.mark.parametrize("minority, majority", [("a_minor", "b_major"), ("z_minor", "b_major")])
def test_the_loss_measures_the_minority_whatever_its_index(loss, minority, majority,
                                                           one_torch_thread):
    X, y = _table(minority=minority, majority=majority)
    clf = WeightedLossClassifier(loss=loss, **FAST).fit(X, y)
    assert clf.loss_positive_class_ == minority
    assert clf.plan_.loss_positive == list(clf.classes_).index(minority)
    if loss.startswith("anyloss"):
        # trained on the majority's F-score (the index-1 class), anyloss_f1 predicted no
        # minority row at all on this table (F1 0.0); on the minority it learns it
        assert f1_score(y, clf.predict(X), pos_label=minority) > 0.5


def test_symmetric_losses_and_multiclass_problems_have_no_positive_class(one_torch_thread):
    X, y = _table()
    for loss in ("cross_entropy", "focal", "auc_pairwise", "anyloss_balanced_accuracy"):
        clf = WeightedLossClassifier(loss=loss, **dict(FAST, max_epochs=2)).fit(X, y)
        assert clf.loss_positive_class_ is None and clf.plan_.loss_positive is None
    y3 = np.where(X[:, 2] > 1.0, "c", y)
    clf = WeightedLossClassifier(loss="anyloss_f1", **dict(FAST, max_epochs=2)).fit(X, y3)
    assert clf.loss_positive_class_ is None  # one-vs-rest over every class


def test_equal_counts_keep_the_second_class_and_wrappers_pass_the_flag_on():
    f1 = get_loss("anyloss_f1")
    assert loss_positive_index(f1, np.array([10, 30])) == 0
    assert loss_positive_index(f1, np.array([30, 10])) == 1
    assert loss_positive_index(f1, np.array([20, 20])) == 1  # the scorers' tie rule
    assert loss_positive_index(f1, np.array([5, 10, 20])) is None
    assert loss_positive_index(get_loss("focal"), np.array([10, 30])) is None
    clipped = get_loss("logit_clip", loss="anyloss_f1", delta=3.0)
    assert loss_positive_index(clipped, np.array([10, 30])) == 0


def test_the_reducer_gives_the_loss_the_classes_swapped_and_keeps_the_rows_weights():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(20, 2, generator=g, dtype=torch.float64)
    target = torch.tensor([0] * 5 + [1] * 15)
    weight = torch.linspace(0.5, 2.0, 20, dtype=torch.float64)
    class_weight = torch.tensor([3.0, 1.0], dtype=torch.float64)
    loss = get_loss("anyloss_f1")
    got = BatchReducer(class_weight, swap_classes=True)(loss, logits, target, weight)
    row_weight = weight * class_weight[target]  # each row keeps its own class's weight
    expected = loss(logits.flip(1), 1 - target, sample_weight=row_weight)
    torch.testing.assert_close(got, expected)
    assert not torch.allclose(got, loss(logits, target, sample_weight=row_weight))
    # a TabM output (batch, k, K): every member's classes are swapped
    members = torch.stack([logits, 2 * logits], dim=1)
    got = BatchReducer(swap_classes=True)(loss, members, target)
    expected = (loss(logits.flip(1), 1 - target) + loss(2 * logits.flip(1), 1 - target)) / 2
    torch.testing.assert_close(got, expected)


class PositiveLogitAdjusted(LogitAdjustedLoss):
    """A loss with class counts that measures one class (none in the registry does)."""

    measures_positive_class = True


def test_a_swapped_loss_gets_its_class_counts_swapped(one_torch_thread):
    X, y = _table()
    clf = WeightedLossClassifier(loss=PositiveLogitAdjusted(), reweight=None,
                                 **dict(FAST, max_epochs=2)).fit(X, y)
    assert clf.loss_positive_class_ == "a_minor" and clf.plan_.loss_positive == 0
    np.testing.assert_array_equal(clf.loss_.class_counts, clf.class_counts_[::-1])


def test_partial_fit_keeps_the_positive_class_of_its_first_call(one_torch_thread):
    X, y = _table()
    clf = WeightedLossClassifier(loss="anyloss_f1", **FAST)
    clf.partial_fit(X, y, classes=np.unique(y))
    assert clf.loss_positive_class_ == "a_minor"
    majority_only = y == "b_major"
    with pytest.warns(UserWarning, match="no class with both positive and negative rows"):
        clf.partial_fit(X[majority_only][:50], y[majority_only][:50])  # one class only
    assert clf.loss_positive_class_ == "a_minor" and clf.plan_.loss_positive == 0


def test_a_scoring_with_a_pos_label_fixes_the_class_the_loss_measures(one_torch_thread):
    from sklearn_losses.metrics import get_scorer

    X, y = _table()
    clf = WeightedLossClassifier(loss="anyloss_f1", scoring=get_scorer("f1", pos_label="b_major"),
                                 **dict(FAST, max_epochs=3, early_stopping=True)).fit(X, y)
    assert clf.loss_positive_class_ == "b_major" and clf.plan_.loss_positive == 1
    clf = WeightedLossClassifier(loss="anyloss_f1", scoring="f1",
                                 **dict(FAST, max_epochs=3, early_stopping=True)).fit(X, y)
    assert clf.loss_positive_class_ == "a_minor"  # no pos_label: the minority


def test_pos_label_sets_the_class_the_loss_measures(one_torch_thread):
    X, y = _table()
    fast = dict(FAST, max_epochs=2)
    clf = WeightedLossClassifier(loss="anyloss_f1", pos_label="b_major", **fast).fit(X, y)
    assert clf.loss_positive_class_ == "b_major" and clf.plan_.loss_positive == 1
    # pos_label wins over the scorer's
    from sklearn_losses.metrics import get_scorer

    clf = WeightedLossClassifier(loss="anyloss_f1", pos_label="a_minor",
                                 scoring=get_scorer("f1", pos_label="b_major"),
                                 **dict(fast, early_stopping=True)).fit(X, y)
    assert clf.loss_positive_class_ == "a_minor"
    # a symmetric loss takes it and ignores it
    clf = WeightedLossClassifier(loss="focal", pos_label="b_major", **fast).fit(X, y)
    assert clf.loss_positive_class_ is None


def test_a_bad_pos_label_is_an_error_naming_the_classes():
    X, y = _table()
    fast = dict(FAST, max_epochs=2)
    with pytest.raises(ValueError, match=r"pos_label='c' is not one of the classes "
                                         r"\['a_minor', 'b_major'\]"):
        WeightedLossClassifier(loss="anyloss_f1", pos_label="c", **fast).fit(X, y)
    y3 = np.where(X[:, 2] > 1.0, "c", y)
    with pytest.raises(ValueError,
                       match="pos_label='c' applies to binary problems only; there are 3"):
        WeightedLossClassifier(loss="focal", pos_label="c", **fast).fit(X, y3)
    with pytest.raises(ValueError, match="pos_label"):
        WeightedLossClassifier(pos_label=[1]).fit(X, y)  # not a label: parameter validation


def test_focal_with_a_float_alpha_weighs_the_positive_class_in_training_and_scoring(
        one_torch_thread):
    # a float alpha weighs class 1 against class 0: the estimator trains it with the minority
    # as class 1, as loss_metric("focal", alpha=...) scores it (they weighed opposite classes
    # when the minority had index 0)
    from sklearn_losses.metrics import loss_metric

    assert get_loss("focal", alpha=0.25).measures_positive_class
    assert not get_loss("focal").measures_positive_class
    assert not get_loss("focal", alpha=[0.25, 0.75]).measures_positive_class
    X, y = _table(minority="a_minor", majority="b_major")
    clf = WeightedLossClassifier(loss=get_loss("focal", alpha=0.25), **dict(FAST, max_epochs=2))
    clf.fit(X, y)
    assert clf.loss_positive_class_ == "a_minor" and clf.plan_.loss_positive == 0
    # the metric's value is the loss with the minority as class 1
    proba = clf.predict_proba(X)
    y01 = (y == "a_minor").astype(np.int64)
    swapped = torch.log(torch.as_tensor(proba[:, ::-1].copy()))
    expected = float(get_loss("focal", alpha=0.25)(swapped, torch.as_tensor(y01)))
    y_enc = (y == "b_major").astype(np.int64)  # classes_ order: a_minor 0, b_major 1
    assert loss_metric("focal", alpha=0.25)(y_enc, proba) == pytest.approx(expected, rel=1e-6)
