"""API parity with MLPClassifier: warm_start, partial_fit, loss_curve_, validation_scores_."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification

from sklearn_losses import WeightedLossClassifier

TINY = dict(hidden_layer_sizes=(16,), batch_size=64, lr=1e-2, random_state=0,
            early_stopping=False)


def _data(n=300, n_classes=2, n_features=6, seed=0):
    return make_classification(n, n_features=n_features, n_informative=4, n_classes=n_classes,
                               random_state=seed)


# -- partial_fit ---------------------------------------------------------------------------------
def test_partial_fit_calls_continue_training_like_one_fit():
    X, y = _data()
    whole = WeightedLossClassifier(max_epochs=3, **TINY).fit(X, y)
    step = WeightedLossClassifier(**TINY)
    for _ in range(3):
        step.partial_fit(X, y, classes=[0, 1])
    assert step.n_iter_ == 3 and len(step.loss_curve_) == 3
    # same initialisation, batch orders and optimizer moments: the same model
    np.testing.assert_allclose(step.predict_proba(X), whole.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(step.loss_curve_, whole.loss_curve_, rtol=1e-5)
    assert step.stopping_ == "none" and step.validation_scores_ is None


def test_partial_fit_needs_classes_first_and_rejects_other_labels():
    X, y = _data()
    clf = WeightedLossClassifier(**TINY)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "module_")
    with pytest.raises(ValueError, match=r"class\(es\) \[2\].*first chunk that holds every"):
        clf.partial_fit(X, y, classes=[0, 1, 2])  # reweight="auto": balanced weights
    clf.set_params(reweight=None)
    clf.partial_fit(X, y, classes=[0, 1, 2])  # a class not seen yet is allowed
    assert list(clf.classes_) == [0, 1, 2] and clf.predict_proba(X).shape == (len(X), 3)
    with pytest.raises(ValueError, match=r"label\(s\) \[5\] that are not among the classes"):
        clf.partial_fit(X, np.where(y == 1, 5, y))
    with pytest.raises(ValueError, match="continues training the fitted network"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :-1], y)
    assert clf.n_iter_ == 1
    clf.partial_fit(X[:40], y[:40])  # later chunks need neither classes nor every class
    assert clf.n_iter_ == 2


def test_partial_fit_after_fit_continues_it():
    X, y = _data()
    clf = WeightedLossClassifier(max_epochs=2, **TINY).fit(X, y)
    first = clf.predict_proba(X)
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.history_) == 3
    assert not np.allclose(clf.predict_proba(X), first)
    # continued from the fitted weights and optimizer state: the model of a 3-epoch fit
    whole = WeightedLossClassifier(max_epochs=3, **TINY).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), whole.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(clf.loss_curve_, whole.loss_curve_, rtol=1e-5)


def test_partial_fit_refuses_temperature_calibration_and_applies_prior():
    X, y = _data()
    with pytest.raises(ValueError, match="calibration='temperature'.*partial_fit"):
        WeightedLossClassifier(calibration="temperature", **TINY).partial_fit(X, y, classes=[0, 1])
    clf = WeightedLossClassifier(calibration="prior", reweight="balanced", **TINY)
    clf.partial_fit(X[y == 0][:100].tolist() + X[y == 1][:20].tolist(), [0] * 100 + [1] * 20,
                    classes=[0, 1])
    np.testing.assert_allclose(clf.logit_offset_, np.log(clf.class_counts_ / 60.0))


def test_partial_fit_state_survives_pickling():
    X, y = _data()
    clf = WeightedLossClassifier(**TINY).partial_fit(X, y, classes=[0, 1])
    copy = pickle.loads(pickle.dumps(clf))
    clf.partial_fit(X, y)
    copy.partial_fit(X, y)
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))


# -- warm_start --------------------------------------------------------------------------------
def test_warm_start_continues_training():
    X, y = _data()
    whole = WeightedLossClassifier(max_epochs=5, **TINY).fit(X, y)
    warm = WeightedLossClassifier(max_epochs=2, warm_start=True, **TINY).fit(X, y)
    warm.set_params(max_epochs=3).fit(X, y)
    assert warm.n_iter_ == 5 and len(warm.loss_curve_) == 5
    np.testing.assert_allclose(warm.predict_proba(X), whole.predict_proba(X), atol=1e-6)


def test_without_warm_start_fit_starts_again():
    X, y = _data()
    clf = WeightedLossClassifier(max_epochs=2, **TINY).fit(X, y)
    first = clf.predict_proba(X)
    clf.fit(X, y)
    assert clf.n_iter_ == 2
    np.testing.assert_array_equal(clf.predict_proba(X), first)


def test_warm_start_needs_the_same_classes_and_features():
    X, y = _data()
    clf = WeightedLossClassifier(max_epochs=2, warm_start=True, **TINY).fit(X, y)
    before = clf.predict_proba(X)
    X3, y3 = _data(n_classes=3)
    with pytest.raises(ValueError, match="continues training the fitted network"):
        clf.fit(X3, y3)
    with pytest.raises(ValueError, match="features"):
        clf.fit(np.c_[X, X[:, 0]], y)
    clf.set_params(hidden_layer_sizes=(8,))
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        clf.fit(X, y)
    clf.set_params(hidden_layer_sizes=TINY["hidden_layer_sizes"], preprocessing=None)
    with pytest.raises(ValueError, match="encoded with preprocessing='auto'; got "
                                         "preprocessing=None"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="partial_fit continues"):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 2
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    raw = WeightedLossClassifier(max_epochs=2, preprocessing=None, **TINY).fit(X, y)
    with pytest.raises(ValueError, match="preprocessing=None; got preprocessing='auto'"):
        raw.set_params(preprocessing="auto").partial_fit(X, y)


# -- loss_curve_ and validation_scores_ -------------------------------------------------------
def test_loss_curve_and_validation_scores():
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_epochs reached
        clf = WeightedLossClassifier(max_epochs=4, **{**TINY, "early_stopping": True},
                                     scoring="roc_auc").fit(X, y)
    assert clf.loss_curve_ == list(clf.history_[:, "train_loss"])
    assert clf.validation_scores_ == list(clf.history_[:, "valid_roc_auc"])
    assert len(clf.validation_scores_) == clf.n_iter_ and 0.5 < clf.validation_scores_[-1] <= 1
    plain = WeightedLossClassifier(max_epochs=2, **TINY).fit(X, y)
    assert plain.validation_scores_ is None and len(plain.loss_curve_) == 2
