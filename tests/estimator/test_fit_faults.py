"""Fit-time faults of issue 21: labels, weights, metadata routing and the convergence warning."""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.datasets import load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GroupKFold, cross_validate

from sklearn_losses import WeightedLossClassifier

TINY = dict(hidden_layer_sizes=(8,), batch_size=64, lr=1e-2, random_state=0, max_epochs=3)


def _mixed(n=100, seed=0):
    rng = np.random.RandomState(seed)
    X = pd.DataFrame({"a": rng.randn(n), "shop": [f"s{i % 30}" for i in range(n)]})
    return X, rng.randint(0, 2, n)


# -- item 12: metadata routing with groups, and sample_weight with a target-encoded column --
def test_sample_weight_with_a_target_encoded_column_fits():
    X, y = _mixed()  # 30 levels: target encoded
    clf = WeightedLossClassifier(early_stopping=False, **TINY)
    clf.fit(X, y, sample_weight=np.linspace(0.5, 2.0, len(y)))
    assert clf.encoder_.target_features_ == [1]


def test_groups_routed_to_the_splitter_with_sample_weight_routed_to_fit():
    X, y = _mixed()
    with sklearn.config_context(enable_metadata_routing=True):
        clf = WeightedLossClassifier(early_stopping=False, **TINY)
        clf.set_fit_request(sample_weight=True).set_score_request(sample_weight=False)
        scores = cross_validate(clf, X, y, cv=GroupKFold(5),
                                params={"groups": np.arange(len(y)) % 5,
                                        "sample_weight": np.ones(len(y))})
    assert np.isfinite(scores["test_score"]).all()


# -- item 13: extreme sample weights ---------------------------------------------------------
@pytest.mark.parametrize("reweight", ["balanced", "class_balanced", "inverse_sqrt"])
@pytest.mark.parametrize("weight", [1e38, 3e38, 1e-300, 1e-320])
def test_extreme_uniform_weights_train_finite(weight, reweight):
    X, y = make_classification(200, 5, weights=[0.8], random_state=0)
    clf = WeightedLossClassifier(reweight=reweight, early_stopping=False, **TINY)
    clf.fit(X, y, sample_weight=np.full(len(y), weight))
    assert np.isfinite(clf.predict_proba(X)).all()
    assert np.isfinite(clf.class_weight_).all()


def test_weights_whose_total_overflows_are_refused_naming_sample_weight():
    X, y = make_classification(100, 5, random_state=0)
    with pytest.raises(ValueError, match="sample_weight is too large: its total overflows"):
        WeightedLossClassifier(**TINY).fit(X, y, sample_weight=np.full(len(y), 1e308))


# -- items 17 and 21: missing labels ----------------------------------------------------------
@pytest.mark.parametrize("y", [
    pd.Series([1, 0, pd.NA, 1] * 25, dtype="Int64"),
    np.array(["a", "b", None, "a"] * 25, dtype=object),
    np.array([1.0, 0.0, np.nan, 1.0] * 25),
], ids=["pd.NA", "None among strings", "NaN"])
def test_missing_labels_are_named(y):
    X = np.random.RandomState(0).randn(100, 3)
    with pytest.raises(ValueError, match=r"y has 25 missing label\(s\).*row\(s\) 2, 6, 10"):
        WeightedLossClassifier(**TINY).fit(X, y)
    with pytest.raises(ValueError, match="missing label"):
        WeightedLossClassifier(**TINY).partial_fit(X, y, classes=[0, 1])


# -- item 21: messages that name the parameter ------------------------------------------------
def test_reweight_dict_of_strings_is_named():
    X, y = make_classification(100, 5, random_state=0)
    with pytest.raises(ValueError, match=r"reweight dict values must be numbers.*\{0: 'a'\}"):
        WeightedLossClassifier(reweight={0: "a"}, **TINY).fit(X, y)


# -- item 25: the convergence warning ---------------------------------------------------------
def test_no_convergence_warning_when_the_loss_has_levelled_off():
    X, y = load_wine(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = WeightedLossClassifier(random_state=0).fit(X, y)
    assert clf.n_iter_ == clf.max_epochs  # the rule never fired, yet nothing to warn about


def test_convergence_warning_while_still_improving_names_real_options():
    X, y = make_classification(300, 6, random_state=0)
    with pytest.warns(ConvergenceWarning, match="still improving") as record:
        WeightedLossClassifier(**{**TINY, "max_epochs": 15}).fit(X, y)
    message = str(record[0].message)
    assert "Increase max_epochs (--max-epochs on the command line)" in message
    assert "early_stopping=False" in message


def test_class_counts_of_strings_are_named():
    from sklearn_losses import get_loss

    with pytest.raises(ValueError, match=r"class_counts must hold numbers.*\['a', 'b'\]"):
        get_loss("logit_adjusted", class_counts=["a", "b"])


# -- item 20: a device this machine does not have -------------------------------------------
def test_a_missing_backend_is_a_clear_error_naming_the_device():
    import torch

    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        pytest.skip("this machine has MPS")
    X, y = make_classification(60, 4, random_state=0)
    with pytest.raises(ValueError, match="device='mps' was requested but"):
        WeightedLossClassifier(device="mps", **TINY).fit(X, y)


def test_convergence_warning_after_fewer_epochs_than_the_rule_compares_says_so():
    # with 5 epochs the warning said the loss improved "over the last 10 epochs": nothing
    # had been measured
    X, y = make_classification(300, 6, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"before the stopping rule could judge the "
                      r"training loss \(it compares its values of the last 10 epochs with "
                      r"those before them, and there were 5\)") as record:
        WeightedLossClassifier(max_epochs=5, random_state=0).fit(X, y)
    assert "still improving" not in str(record[0].message)
