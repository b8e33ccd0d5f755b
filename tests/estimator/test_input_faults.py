"""Column values read right (issue 21): numbers stored as text, decimals, fractions, lists,
huge integers, values whose type changes between fit and predict, padded text."""

import decimal
import fractions
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import roc_auc_score

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.columns import MISSING_MARKERS, column_kind, column_kinds
from sklearn_losses.preprocessing import TabularEncoder

TINY = dict(hidden_layer_sizes=(16,), max_epochs=15, batch_size=64, random_state=0,
            early_stopping=False)


def _informative(n=400, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.randn(n) > 0).astype(int)
    return X, y


def _auc(clf, X, y):
    return roc_auc_score(y, clf.predict_proba(X)[:, 1])


# -- item 6: numbers stored as text --------------------------------------------------------
def test_numbers_as_text_with_missing_markers_are_numeric():
    # item 6: one "?" in 5% of the rows made the column a 400-level category
    X, y = _informative()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    text = frame.copy()
    a = frame["a"].map(repr).astype(object)
    rng = np.random.RandomState(1)
    markers = rng.rand(len(a)) < 0.05
    a[markers] = rng.choice(["?", "", "NA", " n/a ", "null"], markers.sum())
    text["a"] = a
    assert column_kind(text["a"], "a") == "numeric"
    enc = TabularEncoder().fit(text, y)
    assert enc.numeric_features_ == [0, 1, 2]
    names = list(enc.get_feature_names_out())
    assert "missing__missingindicator_a" in names
    out = dict(zip(names, enc.transform(text).T))
    np.testing.assert_array_equal(out["missing__missingindicator_a"], markers.astype(float))
    assert np.all(out["num__a"][markers] == 0.0)  # imputed by the median
    # the same numbers as the float column where present
    ref = TabularEncoder().fit(frame.assign(a=np.where(markers, np.nan, frame["a"])), y)
    np.testing.assert_allclose(enc.transform(text), ref.transform(
        frame.assign(a=np.where(markers, np.nan, frame["a"]))))
    clf = WeightedLossClassifier(**TINY).fit(text, y)
    assert _auc(clf, text, y) > 0.9


def test_object_array_of_numeric_strings_keeps_its_signal():
    X, y = _informative()
    A = X.astype(str).astype(object)
    assert column_kinds(A) == ["numeric"] * 3
    clf = WeightedLossClassifier(**TINY).fit(A, y)
    ref = WeightedLossClassifier(**TINY).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(A), ref.predict_proba(X), atol=1e-6)
    assert _auc(clf, A, y) > 0.9


def test_the_number_rule_for_text():
    s = pd.Series
    assert column_kind(s(["1", "2.5", "-3e4", ".5", "+7", " 8 "]), "x") == "numeric"
    assert column_kind(s(["1", "2", None, "?"], dtype="string"), "x") == "numeric"
    assert column_kind(s([1, "2.5", "?"], dtype=object), "x") == "numeric"  # numbers and text
    # codes with leading zeros, words, only markers: text
    assert column_kind(s(["007", "12", "3"]), "x") == "text"
    assert column_kind(s(["1", "2", "two"]), "x") == "text"
    assert column_kind(s(["?", "NA", ""]), "x") == "text"
    assert column_kind(s(["1,5", "2"]), "x") == "text"
    assert {"", "?", "NA", "N/A", "n/a", "nan", "NaN", "null", "NULL", "None", "..."} \
        <= MISSING_MARKERS


def test_a_text_level_that_is_a_marker_stays_a_level_in_a_text_column():
    # markers only mean "missing" in a column of numbers; text columns keep their values
    X = pd.DataFrame({"t": ["a", "?", "b", "a"]})
    enc = TabularEncoder().fit(X)
    assert "onehot__t_?" in list(enc.get_feature_names_out())


def test_non_numbers_at_predict_in_a_numeric_column_name_the_column():
    X, y = _informative(60)
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).astype(str)
    clf = WeightedLossClassifier(**TINY).fit(frame, y)
    bad = frame.copy()
    bad.loc[3, "a"] = "12 kg"
    with pytest.raises(ValueError, match=r"'a' was numeric in fit.*'12 kg'"):
        clf.predict(bad)
    word = frame.copy()
    word.loc[3, "a"] = "twelve"  # a word: a missing value, with a warning naming it
    with pytest.warns(DataConversionWarning, match=r"'a' was a column of numbers.*'twelve'"):
        assert np.isfinite(clf.predict_proba(word)).all()
    ok = frame.copy()
    ok.loc[3, "a"] = "?"  # a marker: missing, imputed
    assert np.isfinite(clf.predict_proba(ok)).all()


# -- item 4: decimals, item 15: fractions ------------------------------------------------------
@pytest.mark.parametrize("convert", [lambda v: decimal.Decimal(repr(float(v))),
                                     lambda v: fractions.Fraction(float(v))],
                         ids=["decimal", "fraction"])
def test_decimal_and_fraction_columns_are_numeric(convert):
    X, y = _informative()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    exact = frame.copy()
    exact["a"] = pd.Series([convert(v) for v in X[:, 0]], dtype=object)
    exact.loc[5, "a"] = None
    assert column_kind(exact["a"], "a") == "numeric"
    enc = TabularEncoder().fit(exact, y)
    assert enc.numeric_features_ == [0, 1, 2] and not enc.target_features_
    ref = frame.copy()
    ref.loc[5, "a"] = np.nan
    np.testing.assert_allclose(enc.transform(exact), TabularEncoder().fit(ref, y).transform(ref))


# -- item 15: lists and huge integers ---------------------------------------------------------
def test_a_list_valued_column_is_refused_by_name():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "tags": [[1, 2], [3], []]})
    with pytest.raises(ValueError, match=r"'tags' holds list values.*numbers, strings"):
        column_kinds(frame)
    with pytest.raises(ValueError, match=r"'tags' holds list values"):
        WeightedLossClassifier(**TINY).fit(frame, [0, 1, 0])


def test_an_integer_beyond_float64_is_refused_by_name():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0],
                          "big": pd.Series([1, 2, 10**400, 4], dtype=object)})
    with pytest.raises(ValueError, match=r"'big' holds a number beyond the float64 range"):
        WeightedLossClassifier(**TINY).fit(frame, [0, 1, 0, 1])
    frame["big"] = pd.Series([decimal.Decimal("1e400"), 1, 2, 3], dtype=object)
    with pytest.raises(ValueError, match=r"'big' holds a number beyond the float64 range"):
        TabularEncoder().fit(frame)


# -- item 3: types that change between fit and predict ------------------------------------------
def _coded(n=300, seed=0):
    rng = np.random.RandomState(seed)
    code = rng.choice(["1", "2", "3", "x"], n)
    flag = rng.rand(n) > 0.5
    y = ((code == "1") | flag).astype(int) ^ (rng.rand(n) < 0.1)
    return pd.DataFrame({"code": code, "flag": flag, "noise": rng.randn(n)}), y


def test_string_codes_at_fit_match_numbers_at_predict():
    X, y = _coded()
    clf = WeightedLossClassifier(**TINY).fit(X, y)
    expected = clf.predict_proba(X)
    as_numbers = X.copy()
    as_numbers["code"] = pd.Series([float(c) if c != "x" else "x" for c in X["code"]],
                                   dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(clf.predict_proba(as_numbers), expected)


def test_booleans_at_fit_match_zero_and_one_at_predict():
    X, y = _coded()
    clf = WeightedLossClassifier(**TINY).fit(X, y)
    expected = clf.predict_proba(X)
    for flag in (X["flag"].astype(int), X["flag"].astype(float),
                 X["flag"].map({True: "True", False: "False"})):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            np.testing.assert_array_equal(clf.predict_proba(X.assign(flag=flag)), expected)


def test_numbers_at_fit_match_booleans_and_strings_at_predict():
    X, y = _coded()
    X = X.assign(flag=pd.Categorical(X["flag"].astype(int)))  # categories 0 and 1
    clf = WeightedLossClassifier(**TINY).fit(X, y)
    expected = clf.predict_proba(X)
    for flag in (X["flag"].astype(int) == 1, X["flag"].astype(str) + ".0"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            np.testing.assert_array_equal(clf.predict_proba(X.assign(flag=flag)), expected)


def test_values_of_another_type_that_match_nothing_warn_naming_the_column():
    X, y = _coded()
    clf = WeightedLossClassifier(**TINY).fit(X, y)
    bad = X.assign(code=np.linspace(10.5, 20.5, len(X)))
    with pytest.warns(UserWarning, match=r"'code'.*float.*match no level seen in fit"):
        clf.predict_proba(bad)
    # an unseen level of the same type is the usual unseen category: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.predict_proba(X.assign(code="zz"))


# -- item 22: padded text ------------------------------------------------------------------------
def test_padded_text_matches_the_level_seen_in_fit():
    X, y = _coded()
    X = X.assign(word=np.where(X["noise"] > 0, "hi", "lo"))
    clf = WeightedLossClassifier(**TINY).fit(X, y)
    expected = clf.predict_proba(X)
    padded = X.assign(word=[f"  {w} " for w in X["word"]],
                      code=[f"{c}\t" for c in X["code"]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(clf.predict_proba(padded), expected)


def test_padding_is_stripped_at_fit_too():
    # "a" and "a " are one level (documented): the strings are compared stripped
    enc = TabularEncoder().fit(pd.DataFrame({"t": ["a", "a ", " b", "b"]}))
    assert list(enc.get_feature_names_out()) == ["onehot__t_a", "onehot__t_b"]


def test_the_callers_table_is_not_modified():
    X, y = _coded()
    X = X.assign(word=[" hi", "lo "] * (len(X) // 2), num=X["noise"].map(repr))
    X.loc[::7, "num"] = "?"
    before = X.copy()
    clf = WeightedLossClassifier(**TINY).fit(X, y)
    clf.predict_proba(X)
    pd.testing.assert_frame_equal(X, before)
