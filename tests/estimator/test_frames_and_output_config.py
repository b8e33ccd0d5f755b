"""polars frames and scikit-learn's ``transform_output`` (issue 21, items 7, 10 and 14)."""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.preprocessing import TabularEncoder

TINY = dict(hidden_layer_sizes=(8,), max_epochs=4, batch_size=64, random_state=0)


def _frame(n=200, seed=0):
    rng = np.random.RandomState(seed)
    X = pd.DataFrame({
        "a": rng.randn(n),
        "b": rng.randn(n) * 3 + 1,
        "colour": rng.choice(["red", "green", "blue"], n).astype(object),
        "city": [f"c{i}" for i in rng.randint(0, 30, n)],
        "flag": rng.rand(n) > 0.5,
    })
    X.loc[::11, "a"] = np.nan
    y = (X["b"] + 2 * X["flag"] + rng.randn(n) > 2).astype(int).to_numpy()
    return X, y


def _polars(frame):
    pl = pytest.importorskip("polars")
    return pl.DataFrame({c: frame[c].tolist() for c in frame.columns})


# -- item 7: polars frames are read by name -------------------------------------------------
def test_polars_frame_records_feature_names_and_checks_them_at_predict():
    X, y = _frame()
    P = _polars(X)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*feature names")
        clf = WeightedLossClassifier(**TINY).fit(P, y)
        assert list(clf.feature_names_in_) == list(X.columns)
        # the same model and predictions as from the pandas frame
        ref = WeightedLossClassifier(**TINY).fit(X, y)
        np.testing.assert_array_equal(clf.predict_proba(P), ref.predict_proba(X))
        np.testing.assert_array_equal(clf.predict_proba(X), ref.predict_proba(X))
    with pytest.raises(ValueError, match="feature names"):
        clf.predict_proba(P.select(list(reversed(P.columns))))


def test_polars_labels_as_a_series_or_a_one_column_frame():
    pl = pytest.importorskip("polars")
    X, y = _frame()
    names = np.where(y == 1, "yes", "no")
    ref = WeightedLossClassifier(**TINY).fit(X, names)
    for labels in (pl.Series("y", names.tolist()), pl.DataFrame({"y": names.tolist()})):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sklearn.exceptions.DataConversionWarning)
            clf = WeightedLossClassifier(**TINY).fit(X, labels)
        assert list(clf.classes_) == ["no", "yes"]
        np.testing.assert_array_equal(clf.predict_proba(X), ref.predict_proba(X))
    with pytest.raises(ValueError, match="1 missing label"):
        WeightedLossClassifier(**TINY).fit(X, pl.Series("y", [None, *names[1:].tolist()]))


def test_polars_frame_with_preprocessing_none():
    X, y = _frame()
    P = _polars(X[["a", "b"]].fillna(0.0))
    clf = WeightedLossClassifier(preprocessing=None, **TINY).fit(P, y)
    assert list(clf.feature_names_in_) == ["a", "b"]
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(P.select(["b", "a"]))


def test_polars_dtypes_follow_the_column_rule():
    pl = pytest.importorskip("polars")
    P = pl.DataFrame({
        "i": pl.Series([1, None, 3], dtype=pl.Int64),
        "s": pl.Series(["x", None, "z"]),
        "cat": pl.Series(["u", "v", "u"], dtype=pl.Categorical),
        "b": pl.Series([True, None, False]),
        "n": pl.Series(["1.5", "?", "2"]),
    })
    enc = TabularEncoder().fit(P)
    assert list(enc.feature_names_in_) == ["i", "s", "cat", "b", "n"]
    assert enc.numeric_features_ == [0, 4] and enc.onehot_features_ == [1, 2, 3]
    Z = enc.transform(P)
    assert Z.shape[0] == 3 and np.all(np.isfinite(Z))


# -- item 14 --------------------------------------------------------------------------------
def test_polars_text_column_with_preprocessing_none_is_a_clear_error():
    X, y = _frame()
    with pytest.raises(ValueError, match=r"needs numeric features.*\['colour', 'city'\]"):
        WeightedLossClassifier(preprocessing=None, **TINY).fit(
            _polars(X[["b", "colour", "city"]]), y)


# -- item 10: transform_output ------------------------------------------------------------------
@pytest.mark.parametrize("output", ["pandas", "polars"])
@pytest.mark.parametrize("kind", ["frame", "numeric", "sparse"])
def test_fit_and_predict_under_any_transform_output(output, kind):
    if output == "polars":
        pytest.importorskip("polars")
    X, y = _frame()
    if kind == "numeric":
        X = X[["b"]].to_numpy()
    elif kind == "sparse":
        import scipy.sparse as sp

        X = sp.csr_matrix(np.c_[X["b"].to_numpy(), np.zeros(len(X))])
    expected = WeightedLossClassifier(**TINY).fit(X, y).predict_proba(X)
    with sklearn.config_context(transform_output=output):
        clf = WeightedLossClassifier(**TINY).fit(X, y)
        proba = clf.predict_proba(X)
        clf.predict(X)
    np.testing.assert_array_equal(proba, expected)
    with sklearn.config_context(transform_output=output):
        np.testing.assert_array_equal(clf.predict_proba(X), expected)


def test_set_config_pandas_with_calibration_and_early_stopping():
    X, y = _frame()
    expected = WeightedLossClassifier(calibration="temperature", **TINY).fit(X, y)
    previous = sklearn.get_config()["transform_output"]
    sklearn.set_config(transform_output="pandas")
    try:
        clf = WeightedLossClassifier(calibration="temperature", **TINY).fit(X, y)
        np.testing.assert_array_equal(clf.predict_proba(X), expected.predict_proba(X))
    finally:
        sklearn.set_config(transform_output=previous)


def test_the_encoder_alone_follows_set_output():
    X, y = _frame()
    enc = TabularEncoder(random_state=0).set_output(transform="pandas").fit(X, y)
    out = enc.transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(enc.get_feature_names_out())
    np.testing.assert_array_equal(out.to_numpy(),
                                  TabularEncoder(random_state=0).fit(X, y).transform(X))
