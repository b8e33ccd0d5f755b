"""AnyLoss family (Han, Moniz and Chawla, KDD 2024): values against soft
confusion matrices computed independently in numpy, the identities the paper's
formulas imply, one-vs-rest (rival margins for K > 2), gradients and cost on
many classes, degenerate batches."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, recall_score

from sklearn_losses.losses import (
    AnyLossAccuracy,
    AnyLossBalancedAccuracy,
    AnyLossF1,
    AnyLossFBeta,
    AnyLossGMean,
    get_loss,
)

NAMES = ["anyloss_accuracy", "anyloss_f1", "anyloss_fbeta", "anyloss_gmean",
         "anyloss_balanced_accuracy"]


# ---------------------------------------------------------------------------
# Independent numpy reference: probabilities from a numpy softmax, the
# confusion matrix from its textbook definition, the metric formulas of the
# authors' README (N, y1, y0, TP, ... and the ratios, no eps).
# ---------------------------------------------------------------------------
def np_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def np_ovr_prob(z):
    """Per-class probability sharpened by AnyLoss: ``softmax_1`` for K = 2 (the
    paper), ``sigmoid(z_k - max_{j != k} z_j)`` (rival margin) for K > 2."""
    z = np.asarray(z, dtype=np.float64)
    if z.shape[1] == 2:
        return np_softmax(z)
    rival = np.array([[np.max(np.delete(row, k)) for k in range(len(row))] for row in z])
    return 1.0 / (1.0 + np.exp(-(z - rival)))


def np_metric(name, p, y, w, amplifier=73.0, beta=1.0):
    """Metric of one binary problem with positive probabilities ``p``."""
    a = 1.0 / (1.0 + np.exp(-amplifier * (p - 0.5)))
    n = w.sum()
    y1 = (w * y).sum()
    y0 = n - y1
    tp = (w * y * a).sum()
    fp = (w * a).sum() - tp
    fn = y1 - tp
    tn = y0 - fp
    if name == "anyloss_accuracy":
        return (tp + tn) / n
    if name in ("anyloss_f1", "anyloss_fbeta"):
        b2 = beta**2 if name == "anyloss_fbeta" else 1.0
        return (1 + b2) * tp / (b2 * y1 + (w * a).sum())
    if name == "anyloss_gmean":
        return tp * tn / (y1 * y0)
    if name == "anyloss_balanced_accuracy":
        return (y0 * tp + y1 * tn) / (2 * y1 * y0)
    raise AssertionError(name)


def np_loss(name, logits, y, w=None, **params):
    """Binary: class 1 only; K > 2: mean over classes present with both sides."""
    logits = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y)
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=np.float64)
    prob = np_ovr_prob(logits)
    k = logits.shape[1]
    classes = [1] if k == 2 else range(k)
    values = [1.0 - np_metric(name, prob[:, c], (y == c).astype(float), w, **params)
              for c in classes
              if (w * (y == c)).sum() > 0 and (w * (y != c)).sum() > 0]
    return float(np.mean(values))


def t(x, dtype=torch.float64):
    return torch.as_tensor(np.asarray(x), dtype=dtype)


def tl(x):
    return torch.as_tensor(np.asarray(x), dtype=torch.long)


LOGITS_BIN = [[0.3, -0.2], [1.0, 1.1], [-0.5, 0.4], [0.0, 0.02], [2.0, -1.0], [-0.1, 0.1]]
Y_BIN = [0, 1, 1, 0, 0, 1]
W_BIN = [1.0, 2.0, 0.5, 0.0, 3.0, 1.5]


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------
def test_all_equal_scores_hand_computed():
    # p = 0.5 for every sample => A_i = 1/2. One positive out of four:
    # TP = 1/2, TN = 3/2, n+ = 1, n- = 3, sum A = 2.
    logits, y = torch.zeros(4, 2, dtype=torch.float64), tl([1, 0, 0, 0])
    expected = {
        "anyloss_accuracy": 1 - 2.0 / 4,
        "anyloss_f1": 1 - 2 * 0.5 / (1 + 2),
        "anyloss_fbeta": 1 - 2 * 0.5 / (1 + 2),
        "anyloss_gmean": 1 - 0.5 * 1.5 / 3,
        "anyloss_balanced_accuracy": 1 - (3 * 0.5 + 1 * 1.5) / (2 * 3),
    }
    for name, value in expected.items():
        assert get_loss(name)(logits, y).item() == pytest.approx(value, abs=1e-12), name
    # F2: 5 TP / (4 n+ + sum A) = 2.5 / 6
    assert get_loss("anyloss_fbeta", beta=2.0)(logits, y).item() == pytest.approx(1 - 2.5 / 6)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("amplifier", [73.0, 5.0])
def test_binary_values_match_numpy(name, weighted, amplifier):
    w = W_BIN if weighted else None
    loss = get_loss(name, amplifier=amplifier)
    value = loss(t(LOGITS_BIN), tl(Y_BIN), None if w is None else t(w))
    assert value.item() == pytest.approx(np_loss(name, LOGITS_BIN, Y_BIN, w, amplifier=amplifier),
                                         abs=1e-12)


@pytest.mark.parametrize("beta", [0.5, 2.0, 3.0])
def test_fbeta_values_match_numpy(beta):
    value = AnyLossFBeta(beta=beta, amplifier=10.0)(t(LOGITS_BIN), tl(Y_BIN), t(W_BIN))
    ref = np_loss("anyloss_fbeta", LOGITS_BIN, Y_BIN, W_BIN, amplifier=10.0, beta=beta)
    assert value.item() == pytest.approx(ref, abs=1e-12)


def assert_mean_over_classes(name, logits, y, w, classes, amplifier):
    """The loss equals the mean of the per-class binary losses over ``classes``."""
    value = get_loss(name, amplifier=amplifier)(t(logits), tl(y), t(w))
    prob, y, w = np_ovr_prob(logits), np.asarray(y), np.asarray(w, dtype=np.float64)
    expected = np.mean([1.0 - np_metric(name, prob[:, k], (y == k).astype(float), w,
                                        amplifier=amplifier) for k in classes])
    assert value.item() == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_multiclass_is_mean_of_per_class_binary_values(name):
    rng = np.random.default_rng(3)
    logits = rng.normal(scale=0.3, size=(9, 3))
    y = np.array([0, 1, 2, 0, 1, 2, 0, 0, 1])
    w = rng.uniform(0.2, 2.0, size=9)
    assert_mean_over_classes(name, logits, y, w, range(3), 20.0)


@pytest.mark.parametrize("name", NAMES)
def test_multiclass_averages_only_classes_present_on_both_sides(name):
    logits = [[0.1, 0.5, -0.3, 0.0], [1.0, 0.2, 0.0, -1.0], [0.0, 0.0, 0.4, 0.1],
              [-0.2, 0.3, 0.1, 0.6], [0.5, -0.5, 0.2, 0.0]]
    y = [0, 1, 1, 0, 2]  # class 3 absent: averaged over classes 0, 1, 2
    w = [1.0, 1.0, 2.0, 0.5, 1.0]
    assert_mean_over_classes(name, logits, y, w, range(3), 8.0)
    # a class whose positives all have zero weight does not qualify either
    w0 = [1.0, 1.0, 2.0, 0.5, 0.0]
    assert_mean_over_classes(name, logits, y, w0, range(2), 8.0)


@pytest.mark.parametrize("name", NAMES)
def test_binary_uses_class_one_only(name):
    # Class 0's "one-vs-rest" problem is not averaged in for K = 2 (for F1 it differs).
    logits, y = t(LOGITS_BIN), tl(Y_BIN)
    prob = np_softmax(LOGITS_BIN)
    class1 = 1.0 - np_metric(name, prob[:, 1], np.array(Y_BIN, float), np.ones(6))
    assert get_loss(name)(logits, y).item() == pytest.approx(class1, abs=1e-12)


# ---------------------------------------------------------------------------
# Must-hold identities
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("k", [2, 4])
def test_fbeta_one_equals_f1(k):
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(20, k, generator=g, dtype=torch.float64)
    y = torch.arange(20) % k
    w = torch.rand(20, generator=g, dtype=torch.float64)
    for amp in (3.0, 73.0):
        torch.testing.assert_close(AnyLossFBeta(beta=1.0, amplifier=amp)(logits, y, w),
                                   AnyLossF1(amplifier=amp)(logits, y, w), rtol=0, atol=1e-15)


def _hard_metric_ovr(name, pred, y, w, k):
    classes = [1] if k == 2 else range(k)
    values = []
    for c in classes:
        yt, yp = (y == c).astype(int), (pred == c).astype(int)
        if name == "anyloss_accuracy":
            values.append(accuracy_score(yt, yp, sample_weight=w))
        elif name in ("anyloss_f1", "anyloss_fbeta"):
            values.append(f1_score(yt, yp, sample_weight=w))
        elif name == "anyloss_gmean":
            values.append(recall_score(yt, yp, sample_weight=w)
                          * recall_score(1 - yt, 1 - yp, sample_weight=w))
        else:
            values.append(balanced_accuracy_score(yt, yp, sample_weight=w))
    return 1.0 - float(np.mean(values))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("k", [2, 3])
def test_confident_predictions_equal_one_minus_hard_metric(name, k):
    rng = np.random.default_rng(k)
    n = 30
    y = np.arange(n) % k
    pred = rng.integers(0, k, size=n)
    logits = np.full((n, k), -20.0)
    logits[np.arange(n), pred] = 20.0  # p_pred ~ 1, |p - 1/2| >> 1/73
    w = rng.uniform(0.1, 3.0, size=n)
    value = get_loss(name)(t(logits), tl(y), t(w)).item()
    # K = 2: p_1 > 1/2 iff pred == 1; K > 2: the rival margin is > 0 iff pred == k
    assert value == pytest.approx(_hard_metric_ovr(name, pred, y, w, k), abs=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_perfect_and_inverted_predictions(name):
    y = tl([0, 1, 1, 0, 1])
    s = (2.0 * y.double() - 1.0) * 30.0
    logits = torch.stack([torch.zeros_like(s), s], dim=1)
    assert get_loss(name)(logits, y).item() == pytest.approx(0.0, abs=1e-9)
    assert get_loss(name)(logits.flip(1), y).item() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_improves_metric_direction(name):
    # Increasing the score of a positive near the threshold lowers the loss.
    logits = t([[0.0, 0.05], [0.0, -0.05], [0.0, 0.1], [0.0, -0.1]]).requires_grad_(True)
    y = tl([1, 1, 0, 0])
    get_loss(name, amplifier=20.0)(logits, y).backward()
    assert logits.grad[0, 1] < 0 and logits.grad[1, 1] < 0
    assert logits.grad[2, 1] > 0 and logits.grad[3, 1] > 0


# ---------------------------------------------------------------------------
# Many classes: gradients that do not vanish, learning, cost
# ---------------------------------------------------------------------------
def _mean_abs_grad(name, k, n=600):
    g = torch.Generator().manual_seed(0)
    logits = (0.1 * torch.randn(n, k, generator=g, dtype=torch.float64)).requires_grad_(True)
    get_loss(name)(logits, torch.arange(n) % k).backward()
    return logits.grad.abs().mean().item()


@pytest.mark.parametrize("name", NAMES)
def test_gradient_does_not_vanish_with_many_classes(name):
    # Small initial logits: p_k ~ 1/K, far below 1/2, so sharpening p_k
    # saturated (mean |grad| ~1e-11 at K = 5, 1e-15 at K = 10, 4e-3 at K = 2).
    binary = _mean_abs_grad(name, 2)
    for k in (5, 10):
        assert _mean_abs_grad(name, k) > 0.05 * binary


def test_rival_margins_against_numpy():
    from sklearn_losses.losses.base import BatchLoss

    rng = np.random.default_rng(0)
    z = rng.normal(scale=5.0, size=(7, 4))
    z[0, :2] = z[0].max() + 1.0  # a tie for the maximum: both margins are 0
    got = BatchLoss.rival_margins(t(z)).numpy()
    expected = [[z[i, k] - np.delete(z[i], k).max() for k in range(4)] for i in range(7)]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert got[0, 0] == got[0, 1] == 0.0
    # K = 2: the paper's score z_1 - z_0
    np.testing.assert_allclose(BatchLoss.rival_margins(t(z[:, :2])).numpy()[:, 1],
                               z[:, 1] - z[:, 0], rtol=0, atol=1e-12)


def test_anyloss_f1_learns_ten_classes():
    # One-vs-rest sharpening of p_k left this at chance (test accuracy 0.23
    # here; 0.05 on 20 classes).
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    from sklearn_losses import WeightedLossClassifier

    X, y = make_classification(3000, n_features=10, n_informative=8, n_redundant=0,
                               n_classes=10, n_clusters_per_class=1, class_sep=2.0,
                               random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    clf = WeightedLossClassifier(loss="anyloss_f1", hidden_layer_sizes=(32,), max_epochs=50,
                                 batch_size=256, early_stopping=False, random_state=0)
    assert clf.fit(X_tr, y_tr).score(X_te, y_te) > 0.6  # chance: 0.1


@pytest.mark.parametrize("name", ["anyloss_f1", "auc_pairwise", "auc_square"])
def test_thousand_classes_forward_and_backward(name):
    # The one-vs-rest rule once built an (n, K, K) tensor and looped over the
    # classes: 2000 x 1000 logits needed tens of GB. Now O(nK) (no timing here).
    g = torch.Generator().manual_seed(0)
    logits = (0.1 * torch.randn(2000, 1000, generator=g)).requires_grad_(True)
    value = get_loss(name)(logits, torch.arange(2000) % 1000)
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(logits.grad).all()
    assert logits.grad.abs().sum() > 0


# ---------------------------------------------------------------------------
# Degenerate batches
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("k", [2, 4])
def test_single_class_batch_is_degenerate(name, k):
    loss = get_loss(name)
    logits = torch.randn(6, k, dtype=torch.float64, requires_grad=True)
    y = torch.full((6,), k - 1, dtype=torch.long)
    value = loss(logits, y)
    assert value.item() == 0.0 and value.requires_grad
    value.backward()
    assert torch.equal(logits.grad, torch.zeros_like(logits))
    assert loss.n_degenerate_batches_ == 1
    loss(logits, torch.zeros(6, dtype=torch.long))
    assert loss.n_degenerate_batches_ == 2
    # a fresh clone starts without the fitted counter
    assert not hasattr(clone(loss), "n_degenerate_batches_")


def test_non_degenerate_batch_does_not_count():
    loss = get_loss("anyloss_f1")
    loss(t(LOGITS_BIN), tl(Y_BIN))
    assert getattr(loss, "n_degenerate_batches_", 0) == 0


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [AnyLossAccuracy, AnyLossF1, AnyLossGMean,
                                 AnyLossBalancedAccuracy, AnyLossFBeta])
def test_defaults(cls):
    loss = cls()
    assert loss.amplifier == 73.0
    if cls is AnyLossFBeta:
        assert loss.get_params() == {"beta": 1.0, "amplifier": 73.0}
    else:
        assert loss.get_params() == {"amplifier": 73.0}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan, "big", None])
def test_invalid_amplifier_raises(name, bad):
    with pytest.raises(ValueError):
        get_loss(name, amplifier=bad)
    with pytest.raises(ValueError):
        get_loss(name).set_params(amplifier=bad)


@pytest.mark.parametrize("bad", [0.0, -0.5, math.inf, math.nan, "one", None])
def test_invalid_beta_raises(bad):
    with pytest.raises(ValueError):
        AnyLossFBeta(beta=bad)


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------
batches = st.integers(min_value=2, max_value=4).flatmap(
    lambda k: st.tuples(
        st.just(k),
        st.lists(st.tuples(
            st.lists(st.floats(-30, 30), min_size=k, max_size=k),
            st.integers(0, k - 1),
            st.one_of(st.just(0.0), st.floats(1e-4, 5.0))), min_size=2, max_size=12)))


@settings(max_examples=50, deadline=None)
@given(batch=batches, name=st.sampled_from(NAMES), amplifier=st.floats(0.5, 150.0),
       beta=st.floats(0.1, 5.0))
def test_property_range_and_numpy_agreement(batch, name, amplifier, beta):
    k, rows = batch
    logits = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    w = np.array([r[2] for r in rows])
    params = {"amplifier": amplifier}
    if name == "anyloss_fbeta":
        params["beta"] = beta
    value = get_loss(name, **params)(t(logits), tl(y), t(w)).item()
    assert -1e-12 <= value <= 1.0 + 1e-12
    classes = [1] if k == 2 else range(k)
    sides = [((w * (y == c)).sum(), (w * (y != c)).sum()) for c in classes]
    qualifying = [min(side) for side in sides if min(side) > 0]
    # the EPS = 1e-7 denominator clamp only acts for a class with < 1e-7 of the weight
    if qualifying and min(qualifying) >= 1e-6 * w.sum():
        assert value == pytest.approx(np_loss(name, logits, y, w, **params), abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(batch=batches, name=st.sampled_from(NAMES), scale=st.floats(1e-3, 1e3))
def test_property_weight_scale_invariance(batch, name, scale):
    k, rows = batch
    logits = t([r[0] for r in rows])
    y = tl([r[1] for r in rows])
    w = t([r[2] for r in rows])
    loss = get_loss(name)
    torch.testing.assert_close(loss(logits, y, w * scale), loss(logits, y, w),
                               rtol=1e-9, atol=1e-12)
