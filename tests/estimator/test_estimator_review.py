"""Defects a review of the estimator's sklearn contract found, each pinned by its own test:
what ``fit`` checks and in which order, and what the fitted model keeps."""

import numpy as np
import pandas as pd
import pytest

from sklearn_losses import WeightedLossClassifier, get_reweighting

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(4,), max_epochs=3, random_state=0, device="cpu")


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3)
    y = (X[:, 0] + 0.5 * rng.randn(40) > 0).astype(int)
    return X, y


def test_sample_weight_with_eval_set_is_checked_against_the_training_rows(data):
    X, y = data
    # a single number is every row's weight, with eval_set as without it
    clf = WeightedLossClassifier(**SMALL).fit(X, y, sample_weight=2.0, eval_set=(X, y))
    assert clf.n_iter_ >= 1
    # a wrong length names the training rows' count (it used to count the eval rows too)
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(30,\), expected \(40,\)"):
        WeightedLossClassifier(preprocessing=None, **SMALL).fit(
            X, y, sample_weight=np.ones(30), eval_set=(X, y))


def test_the_fitted_reweighting_is_a_copy(data):
    X, y = data
    scheme = get_reweighting("class_balanced", beta=0.999)
    clf = WeightedLossClassifier(reweight=scheme, **SMALL).fit(X, y)
    weights = clf.class_weight_.copy()
    clf.set_params(reweight__beta=0.5)  # changes the user's object, not the fitted record
    assert scheme.beta == 0.5
    assert clf.reweight_.beta == 0.999 and clf.plan_.reweight.beta == 0.999
    with pytest.raises(ValueError, match="reweight changed since the first partial_fit"):
        clf.partial_fit(X, y)  # it would continue with what the fit trained with
    clf.set_params(reweight__beta=0.999)
    clf.partial_fit(X, y)
    np.testing.assert_allclose(clf.class_weight_, weights)
    as_dict = {0: 1.0, 1: 3.0}
    clf = WeightedLossClassifier(reweight=as_dict, **SMALL).fit(X, y)
    as_dict[1] = 10.0
    assert clf.reweight_ == {0: 1.0, 1: 3.0}


def test_missing_labels_of_eval_set_are_named_as_such(data):
    X, y = data
    y_valid = np.r_[np.nan, y[1:]]
    with pytest.raises(ValueError, match=r"eval_set's y_valid has 1 missing label\(s\)"):
        WeightedLossClassifier(**SMALL).fit(X, y.astype(float), eval_set=(X, y_valid))


def test_a_bad_target_gets_the_classifiers_message_before_any_target_encoding():
    rng = np.random.RandomState(0)
    # a text column of more than 16 levels is target-encoded, reading y
    df = pd.DataFrame({"a": rng.randn(60), "b": rng.choice(list("abcdefghijklmnopqrstuvwxyz"),
                                                           60)})
    for y, match in ((np.array([1, "a"] * 30, dtype=object), "Unknown label type"),
                     (rng.randn(60), "Unknown label type: continuous")):
        with pytest.raises(ValueError, match=match) as info:
            WeightedLossClassifier(**SMALL).fit(df, y)
        assert "continuous') are supported" not in str(info.value)  # TargetEncoder's words


def test_test_prior_names_a_class_without_training_weight(data):
    X, y = data
    y3 = np.where(np.arange(40) < 20, y, 1)
    clf = WeightedLossClassifier(reweight=None, **SMALL)
    clf.partial_fit(X, y3, classes=[0, 1, 2])  # class 2 has no rows yet
    with pytest.raises(ValueError, match=r"class\(es\) \[2\] had no training weight"):
        clf.predict_proba(X, test_prior=[1 / 3] * 3)


@pytest.mark.parametrize("kind", ["numpy", "pandas", "polars", "sparse", "coo", "list"])
def test_a_prediction_in_chunks_equals_the_whole_table_and_warns_once(monkeypatch, kind):
    import warnings

    import pandas as pd
    import scipy.sparse as sp

    import sklearn_losses.classifier as classifier_module

    rng = np.random.RandomState(0)
    X = rng.normal(size=(70, 3))
    y = (X[:, 0] > 0.5).astype(int)
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(
        colour=rng.choice(["red", "blue"], 70))
    train = frame if kind in ("pandas", "polars") else X
    clf = WeightedLossClassifier(**SMALL).fit(train, y)
    if kind == "pandas":
        test = frame.assign(colour=["red", "blue", 7, 8, 9] * 14)  # ints: no level of fit
    elif kind == "polars":
        pl = pytest.importorskip("polars")
        test = pl.DataFrame({c: frame[c].tolist() for c in frame.columns})
    else:
        test = {"numpy": X, "sparse": sp.csr_matrix(X), "coo": sp.coo_matrix(X),
                "list": X.tolist()}[kind]
    whole = clf.predict_proba(test)
    bad = frame.iloc[:, :2] if kind in ("pandas", "polars") else X[:, :2]
    with pytest.raises(ValueError) as whole_error:
        clf.predict(bad)
    monkeypatch.setattr(classifier_module, "INFERENCE_CHUNK", 16)  # 5 chunks of 70 rows
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        filters = list(warnings.filters)
        chunked = clf.predict_proba(test)
        assert warnings.filters == filters  # Python's filters left alone (not thread-safe)
    np.testing.assert_array_equal(chunked, whole)
    unseen = [w for w in caught if "match no level seen in fit" in str(w.message)]
    assert len(unseen) == (1 if kind == "pandas" else 0)
    assert not [w for w in caught if w not in unseen]
    with pytest.raises(ValueError) as chunked_error:  # errors as for the whole table
        clf.predict(bad)
    assert str(chunked_error.value) == str(whole_error.value)
