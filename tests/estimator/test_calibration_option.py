"""Probabilities users can trust: the estimator's ``calibration`` option (prior
correction, temperature scaling) and the estimator inside scikit-learn's
calibration and threshold-tuning meta-estimators."""

import warnings

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_classification
from sklearn.metrics import log_loss
from sklearn.model_selection import TunedThresholdClassifierCV, train_test_split

from sklearn_losses import WeightedLossClassifier, get_loss
from sklearn_losses.metrics import expected_calibration_error, get_scorer

FAST = dict(hidden_layer_sizes=(32,), max_epochs=40, batch_size=128, random_state=0)
#: The comparisons below are against an unweighted model stopped on the validation loss.
BASE = dict(reweight=None, early_stopping=True)


def WLC(**params):  # noqa: N802 - reads like the class it builds
    return WeightedLossClassifier(**{**BASE, **params})


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(4000, 8, n_informative=4, weights=[0.9], flip_y=0.05,
                               class_sep=0.8, random_state=0)
    return train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)


def _ece_nll(clf, X, y):
    proba = clf.predict_proba(X)
    return expected_calibration_error(y, proba), log_loss(y, proba)


# ------------------------------------------------------------------ offsets
def test_loss_prior_offsets():
    counts = np.array([90, 10])
    log_pi = np.log(counts / 100)
    np.testing.assert_allclose(
        get_loss("logit_adjusted", tau=0.5, class_counts=counts).prior_logit_offset(),
        0.5 * log_pi)
    np.testing.assert_allclose(
        get_loss("balanced_softmax", class_counts=counts).prior_logit_offset(), log_pi)
    clipped = get_loss("logit_clip", loss=get_loss("balanced_softmax", class_counts=counts))
    np.testing.assert_allclose(clipped.prior_logit_offset(), log_pi)
    assert get_loss("logit_adjusted").prior_logit_offset() is None  # no counts yet
    assert get_loss("cross_entropy").prior_logit_offset() is None
    assert get_loss("focal").prior_logit_offset() is None


def test_estimator_offset_combines_weights_sampler_and_loss(imbalanced):
    X, _, y, _ = imbalanced
    small = dict(FAST, max_epochs=2, early_stopping=False)
    clf = WLC(reweight={0: 1.0, 1: 4.0}, calibration="prior", **small).fit(X, y)
    np.testing.assert_allclose(clf.logit_offset_, -np.log([1.0, 4.0]))
    assert clf.temperature_ == 1.0
    prior = clf.class_counts_ / clf.class_counts_.sum()
    clf = WLC(batch_sampler="balanced", calibration="prior", **small).fit(X, y)
    np.testing.assert_allclose(clf.logit_offset_, np.log(prior))
    clf = WLC(loss="logit_adjusted", calibration="prior", **small).fit(X, y)
    np.testing.assert_allclose(clf.logit_offset_, np.log(prior))
    clf = WLC(**small).fit(X, y)
    assert clf.logit_offset_ is None and clf.temperature_ == 1.0


def test_zero_class_weight_gets_no_offset():
    """A class trained with weight 0 has nothing to divide out: its logit is left as learnt
    (a log(0) offset made it the certain class of every row)."""
    rng = np.random.RandomState(0)
    X = rng.randn(300, 3)
    y = rng.choice(["a", "b", "c"], 300)
    X[y == "b"] += 1.5
    X[y == "c"] -= 1.5
    small = dict(FAST, max_epochs=5, loss="cross_entropy", reweight={"a": 1.0, "b": 2.0,
                                                                     "c": 0.0})
    for calibration in ("prior", "temperature"):
        clf = WLC(calibration=calibration, **small).fit(X, y)
        np.testing.assert_allclose(clf.logit_offset_, [0.0, -np.log(2.0), 0.0])
        assert clf.predict_proba(X)[:, 2].max() < 0.5  # was 1.0 on every row
        assert (clf.predict(X) == "c").mean() < 0.1


def test_correction_is_applied_consistently_at_predict_time(imbalanced):
    X, Xt, y, _ = imbalanced
    plain = WLC(reweight="balanced", **FAST).fit(X, y)
    corrected = WLC(reweight="balanced", calibration="prior", **FAST).fit(X, y)
    # same training (same seed), only the read-out differs
    z = plain.decision_function(Xt)
    np.testing.assert_allclose(corrected.decision_function(Xt),
                               z + corrected.logit_offset_[1] - corrected.logit_offset_[0])
    proba = corrected.predict_proba(Xt)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(corrected.predict(Xt), corrected.classes_[proba.argmax(1)])


# ------------------------------------------------------------------ calibration improves
def test_prior_correction_undoes_reweighting(imbalanced):
    X, Xt, y, yt = imbalanced
    plain = WLC(reweight="balanced", **FAST).fit(X, y)
    fixed = WLC(reweight="balanced", calibration="prior", **FAST).fit(X, y)
    ece0, nll0 = _ece_nll(plain, Xt, yt)
    ece1, nll1 = _ece_nll(fixed, Xt, yt)
    assert ece1 < 0.5 * ece0, (ece0, ece1)
    assert nll1 < nll0
    # and it lands near an unweighted model's calibration
    ref_ece, _ = _ece_nll(WLC(**FAST).fit(X, y), Xt, yt)
    assert ece1 < ref_ece + 0.03


def test_prior_correction_of_logit_adjustment(imbalanced):
    X, Xt, y, yt = imbalanced
    plain = WLC(loss="balanced_softmax", **FAST).fit(X, y)
    fixed = WLC(loss="balanced_softmax", calibration="prior", **FAST).fit(X, y)
    ece0, nll0 = _ece_nll(plain, Xt, yt)
    ece1, nll1 = _ece_nll(fixed, Xt, yt)
    assert ece1 < ece0 and nll1 < 0.8 * nll0, (ece0, ece1, nll0, nll1)


def test_temperature_scaling_fixes_focal_underconfidence(imbalanced):
    X, Xt, y, yt = imbalanced
    kw = dict(FAST, loss=get_loss("focal", gamma=4.0))
    plain = WLC(**kw).fit(X, y)
    scaled = WLC(calibration="temperature", **kw).fit(X, y)
    assert scaled.logit_offset_ is not None and scaled.temperature_ < 1.0  # sharpened
    ece0, nll0 = _ece_nll(plain, Xt, yt)
    ece1, nll1 = _ece_nll(scaled, Xt, yt)
    assert nll1 < nll0 and ece1 < ece0, (ece0, ece1, nll0, nll1)


def test_temperature_holds_out_a_split_without_early_stopping(imbalanced):
    X, _, y, _ = imbalanced
    clf = WLC(calibration="temperature", early_stopping=False,
                                 **dict(FAST, max_epochs=5)).fit(X, y)
    assert clf.n_iter_ == 5  # no early stopping ...
    assert clf.temperature_ != 1.0  # ... but a temperature fitted on the held-out rows
    assert "valid_loss" in clf.history_[-1]


def test_temperature_without_room_for_a_split_warns_and_keeps_t_1():
    X = np.arange(12, dtype=float).reshape(6, 2)
    y = np.array([0, 0, 0, 0, 0, 1])
    # BASE stops early; alone, temperature scaling names only itself
    with pytest.warns(UserWarning, match=r"early_stopping and calibration='temperature' need "
                                         r".*\(stopping on the training loss, without "
                                         r"temperature scaling\)"):
        clf = WLC(calibration="temperature", max_epochs=2).fit(X, y)
    assert clf.temperature_ == 1.0
    with pytest.warns(UserWarning, match=r"^calibration='temperature' needs .*\(without "
                                         r"temperature scaling\) instead"):
        WLC(calibration="temperature", max_epochs=2, early_stopping=False).fit(X, y)


def test_temperature_on_a_separated_validation_split_warns_and_keeps_t_1():
    # 10 validation rows of a 100-row table, all classified correctly: the log-loss keeps
    # falling as T -> 0, where a fitted T (0.016 here before) made every probability 0 or 1
    rng = np.random.RandomState(7)
    X = rng.randn(300, 4)
    y = (X[:, 0] + 0.7 * rng.randn(300) > 0).astype(int)
    with pytest.warns(UserWarning, match="classifies all 10 validation rows correctly"):
        clf = WeightedLossClassifier(calibration="temperature", random_state=7).fit(X[:100],
                                                                                    y[:100])
    assert clf.temperature_ == 1.0
    proba = clf.predict_proba(X[100:])
    assert log_loss(y[100:], proba) < 0.6 and np.median(proba.min(axis=1)) > 0.01


def test_fit_temperature_of_separated_rows_is_1():
    import torch

    from sklearn_losses.calibration import fit_temperature, separated

    logits = torch.tensor([[2.0, -1.0, 0.0], [0.0, 3.0, 1.0], [-1.0, 0.0, 0.5]],
                          dtype=torch.float64)
    target = torch.tensor([0, 1, 2])
    assert separated(logits, target) and fit_temperature(logits, target) == 1.0
    wrong = torch.tensor([0, 1, 1])  # the last row's class is second: a T fits
    assert not separated(logits, wrong) and fit_temperature(logits, wrong) != 1.0
    # a tie is not a separation; a misclassified row of weight 0 does not count
    assert not separated(torch.zeros(2, 2, dtype=torch.float64), torch.tensor([0, 1]))
    weight = torch.tensor([1.0, 1.0, 0.0], dtype=torch.float64)
    assert separated(logits, wrong, weight) and fit_temperature(logits, wrong, weight) == 1.0


def test_bad_calibration_value():
    X, y = make_classification(50, 3, n_informative=2, n_redundant=0, random_state=0)
    with pytest.raises(ValueError, match="calibration"):
        WLC(calibration="platt").fit(X, y)


# ------------------------------------------------------------------ meta-estimators
def test_inside_calibrated_classifier_cv(imbalanced):
    X, Xt, y, yt = imbalanced
    base = WLC(loss="auc_pairwise", **dict(FAST, max_epochs=15))
    cal = CalibratedClassifierCV(base, cv=3, method="sigmoid").fit(X, y)
    proba = cal.predict_proba(Xt)
    assert proba.shape == (len(Xt), 2) and np.isfinite(proba).all()
    raw = base.fit(X, y).predict_proba(Xt)
    assert expected_calibration_error(yt, proba) < expected_calibration_error(yt, raw)


def test_inside_tuned_threshold_classifier_cv(imbalanced):
    X, Xt, y, yt = imbalanced
    labels = np.where(y == 1, "yes", "no")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        tuned = TunedThresholdClassifierCV(
            WLC(**dict(FAST, max_epochs=15)),
            scoring=get_scorer("gmean"), cv=3, random_state=0,
        ).fit(X, labels)
    assert 0 < tuned.best_threshold_ < 1
    pred = tuned.predict(Xt)
    assert set(pred) <= {"yes", "no"}
    plain = WLC(**dict(FAST, max_epochs=15)).fit(X, labels)
    gm = get_scorer("gmean")
    assert gm(tuned, Xt, np.where(yt == 1, "yes", "no")) >= gm(
        plain, Xt, np.where(yt == 1, "yes", "no")) - 0.01
