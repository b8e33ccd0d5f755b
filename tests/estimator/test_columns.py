"""The one column-type rule (sklearn_losses.columns) and who uses it."""

import warnings
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.columns import column_kind, column_kinds, date_like_example, split_columns
from sklearn_losses.compare import make_model
from sklearn_losses.compare import split_columns as compare_split
from sklearn_losses.preprocessing import TabularEncoder


def _frame():
    return pd.DataFrame({
        "num": [1.0, 2.0, np.nan, 4.0],
        "int": pd.array([1, None, 3, 4], dtype="Int64"),
        "numbers_as_objects": pd.Series([1, 2.5, None, 4], dtype=object),
        "text": ["a", "b", None, "a"],
        "string": pd.array(["x", "y", "x", None], dtype="string"),
        "flag": [True, False, True, True],
        "cat_text": pd.Categorical(["u", "v", "u", "v"]),
        "cat_numbers": pd.Categorical([1, 2, 1, 3]),
        "when": pd.to_datetime(["2024-01-01", "2024-02-01", None, "2024-03-01"]),
    })


def test_kinds_of_every_column_type():
    assert column_kinds(_frame()) == ["numeric", "numeric", "numeric", "text", "text",
                                      "categorical", "categorical", "categorical", "datetime"]


def test_arrays_and_sparse():
    assert column_kinds(np.zeros((3, 2))) == ["numeric", "numeric"]
    assert column_kinds(sp.csr_matrix(np.eye(3))) == ["numeric"] * 3
    mixed = np.array([[1, "a"], [2.5, "b"]], dtype=object)
    assert column_kinds(mixed) == ["numeric", "text"]


def test_unknown_dtype_is_named():
    with pytest.raises(ValueError, match="Column 'z' has dtype complex128"):
        column_kind(pd.Series([1j, 2j]), "z")


def test_split_columns_is_the_rule():
    numeric, other = split_columns(_frame())
    assert numeric == ["num", "int", "numbers_as_objects"]
    assert compare_split(_frame()) == (numeric, other)


def test_numeric_categories_are_encoded_as_categories_not_scaled():
    # a category dtype says the values are labels, whatever their type
    X = pd.DataFrame({"code": pd.Categorical([10, 20, 30, 10, 20, 30] * 5)})
    enc = TabularEncoder().fit(X)
    assert enc.numeric_features_ == [] and enc.onehot_features_ == [0]
    assert enc.transform(X).shape == (30, 3)


def test_the_package_estimator_takes_the_table_as_read():
    clf = WeightedLossClassifier()
    assert make_model(clf, _frame()) is clf
    assert make_model(WeightedLossClassifier(preprocessing=None), _frame()).steps[0][0] == \
        "preprocess"


def test_numbers_written_as_text_are_numeric_for_compare_too():
    # issue 21 item 6: the rule reads "?" as missing in a column of numbers written as text,
    # and compare's preprocessing for other classifiers reads the column the same way
    from sklearn_losses.compare import as_numbers, make_preprocessor

    X = pd.DataFrame({"a": ["1.5", "?", "2", " 3 "] * 5, "t": ["x", "y", "x", "y"] * 5})
    numeric, other = compare_split(X)
    assert (numeric, other) == (["a"], ["t"])
    np.testing.assert_array_equal(as_numbers(X[["a"]])[:4, 0], [1.5, np.nan, 2.0, 3.0])
    out = make_preprocessor(numeric, other).fit_transform(X)
    assert out.shape == (20, 3) and np.isfinite(out).all()


@pytest.mark.parametrize("written", ["inf", "-inf", "Infinity", "+INF"])
def test_infinity_written_as_text_makes_a_numeric_column_that_refuses_it(written):
    # a column of numbers written as text with one "inf" is numeric, refused as a float
    # infinity is (it was one-hot encoded as text, losing the numbers without a word)
    assert column_kind(pd.Series(["1.5", "2", written], dtype=object)) == "numeric"
    assert column_kind(pd.Series(["Info", "inference"], dtype=object)) == "text"
    X = pd.DataFrame({"a": ["1.5", "2", written] * 10, "b": np.arange(30.0)})
    with pytest.raises(ValueError, match=r"\['a'\] contain infinite values"):
        WeightedLossClassifier(max_epochs=2).fit(X, np.arange(30) % 2)


def test_polars_frames_and_bool_arrays_follow_the_rule():
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"a": [1.0, 2.0, 3.0], "flag": [True, False, True],
                          "level": pl.Series(["1", "2", "1"], dtype=pl.Categorical),
                          "when": [pd.Timestamp("2020-01-01"), pd.Timestamp("2021-01-01"),
                                   pd.Timestamp("2022-01-01")]})
    assert column_kinds(frame) == ["numeric", "categorical", "categorical", "datetime"]
    assert split_columns(frame) == (["a"], ["flag", "level", "when"])
    # a bool array's columns are categorical, as a bool column of a DataFrame (rule 2)
    assert column_kinds(np.array([[True], [False]])) == ["categorical"]
    assert column_kinds(np.array([[True, 0.5], [False, 1.5]])) == ["numeric", "numeric"]


def test_numbers_beyond_float64_written_as_text_are_named():
    from sklearn_losses.columns import to_numeric

    for values in (["1e400", "1"], ["1", "-1e400"], pd.Series(["1e400", 2.5], dtype=object)):
        with pytest.raises(ValueError, match="beyond the float64 range.*1e400"):
            to_numeric(pd.Series(values, dtype=object))
    np.testing.assert_array_equal(to_numeric(pd.Series(["inf", "1"], dtype=object)),
                                  [np.inf, 1.0])  # infinity itself is refused by the encoder


# ------------------------------------------------ words in a column of numbers (rule 5a)
def _numbers_with(words, n=40, dtype=object):
    values = [str(v) for v in np.round(np.linspace(-3, 3, n), 3)]
    values[:len(words)] = words
    return pd.Series(values, dtype=dtype)


@pytest.mark.parametrize("dtype", [object, "string"])
def test_a_few_words_in_a_column_of_numbers_keep_it_numeric(dtype):
    from sklearn_losses.columns import WORD_SHARE

    assert WORD_SHARE == 0.05
    # 2 words in 40 values is 5%: numeric; 3 in 40 is 7.5%: text
    assert column_kind(_numbers_with(["unknown", "-"], dtype=dtype)) == "numeric"
    assert column_kind(_numbers_with(["unknown"] * 3, dtype=dtype)) == "text"
    # markers are not counted: 2 words among 40 numbers and 20 "?" is still 5%
    s = pd.concat([_numbers_with(["unknown", "n.a."], 42, dtype), pd.Series(["?"] * 20)])
    assert column_kind(s.astype(dtype)) == "numeric"
    # text with a digit is not a word: a thousands separator, a unit, a code with a
    # leading zero keep the column text, as before
    for other in ("1,234", "12 kg", "007"):
        assert column_kind(_numbers_with([other], dtype=dtype)) == "text"
    # words alone, or words with markers only, are text
    assert column_kind(pd.Series(["unknown", "?", "yes"], dtype=dtype)) == "text"


def test_words_among_numbers_of_an_object_column_count_the_numbers_too():
    values = [float(v) for v in np.linspace(0, 1, 39)] + ["unknown"]
    assert column_kind(pd.Series(values, dtype=object)) == "numeric"
    assert column_kind(pd.Series(values[:10] + ["unknown"], dtype=object)) == "text"
    mixed = np.array([[v, "a"] for v in values], dtype=object)
    assert column_kinds(mixed) == ["numeric", "text"]


def test_to_numeric_reads_words_as_missing_with_a_warning_naming_them():
    from sklearn.exceptions import DataConversionWarning

    from sklearn_losses.columns import numeric_words, to_numeric

    s = pd.Series(["1.5", "unknown", None, "?", " - ", "unknown", "2"], dtype=object)
    with pytest.warns(DataConversionWarning,
                      match=r"Column 'a' is a column of numbers; its cells "
                            r"'unknown', '-' hold words, read as missing values"):
        out = to_numeric(s, "a")
    np.testing.assert_array_equal(out, [1.5, np.nan, np.nan, np.nan, np.nan, np.nan, 2.0])
    assert numeric_words(s) == {"unknown": 2, "-": 1}
    assert numeric_words(pd.Series([1.0, 2.0])) == {}
    with pytest.warns(DataConversionWarning, match="'b' was a column of numbers in fit"):
        to_numeric(pd.Series([1.0, "n/k"], dtype=object), "b", fitted=True)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(to_numeric(s, "a", warn=False), out)
    # other text is still an error naming the column and the value
    with pytest.raises(ValueError, match=r"'a' holds values that are not numbers.*'12 kg'"):
        to_numeric(pd.Series(["1", "12 kg"], dtype=object), "a")


def test_a_word_in_a_column_of_numbers_does_not_fail_a_cross_validation_fold():
    # before: the column was text when the training rows held the word, numeric when they
    # did not, and the fold whose test rows held it failed at predict
    from sklearn.exceptions import DataConversionWarning
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    rng = np.random.default_rng(0)
    income = rng.normal(50_000, 9_000, size=60)
    y = (income + rng.normal(0, 6_000, size=60) > 52_000).astype(int)
    column = pd.Series([str(round(v)) for v in income], dtype=object)
    column[7] = "unknown"
    X = pd.DataFrame({"income": column, "b": rng.normal(size=60)})
    clf = WeightedLossClassifier(max_epochs=30, random_state=0)
    with pytest.warns(DataConversionWarning, match="'income'"):
        scores = cross_val_score(clf, X, y, cv=StratifiedKFold(3), error_score="raise")
    assert np.isfinite(scores).all()
    with pytest.warns(DataConversionWarning, match=r"'income' is a column of numbers"):
        clf.fit(X, y)
    assert clf.encoder_.numeric_features_ == [0, 1]
    # the word is a missing value: the same prediction as an empty cell
    empty = X.copy()
    empty.loc[7, "income"] = ""
    with pytest.warns(DataConversionWarning, match="was a column of numbers in fit"):
        proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, clf.predict_proba(empty))


def test_digits_of_other_scripts_are_not_words_and_objects_of_other_kinds_are_refused():
    # "１２" and "٣" were "words" read as missing; they are text with digits: the column is text
    values = ["１２", "٣"] + [str(i) for i in range(40)]
    assert column_kind(pd.Series(values, dtype=object)) == "text"
    # durations and complex numbers in an object column were text (target encoded); refused
    # as their own dtypes are
    for name, values in (("wait", [pd.Timedelta(minutes=i) for i in range(3)]),
                         ("z", [1 + 2j, 3j, 2 + 0j])):
        with pytest.raises(ValueError, match=f"Column '{name}' holds .* convert it first"):
            column_kind(pd.Series(values, dtype=object), name)


def test_compare_reads_categories_as_the_estimator_does():
    import decimal

    from sklearn_losses.columns import category_strings
    from sklearn_losses.compare import as_category_strings

    X = pd.DataFrame({"a": pd.Series([1, 1.0, "1", decimal.Decimal("1.0"), None], dtype=object),
                      "b": [" x", "x", True, np.nan, "y"]})
    out = as_category_strings(X)
    for j, column in enumerate(X.columns):
        expected = category_strings(X[column])
        assert [str(v) for v in out[:, j]] == [str(v) for v in expected]
    assert set(out[:4, 0]) == {"1"}  # one level, as the estimator has it (was '1' and '1.0')


def test_numeric_words_leaves_infinity_out():
    from sklearn_losses.columns import numeric_words

    s = pd.Series(["1.5", "2", "inf", "-Infinity", "unknown"], dtype=object)
    assert numeric_words(s) == {"unknown": 1}  # to_numeric reads inf and -Infinity as numbers


def test_dates_the_rule_does_not_read_are_named():
    from sklearn_losses.columns import date_like_example

    assert date_like_example(pd.Series(["17-08-1984", "01/02/85", "3.4.1999", None])) == (
        "dates written as '17-08-1984'")
    assert date_like_example(pd.Series(["1984-08", "1985-12", "1986-01"])) == (
        "dates written as '1984-08'")
    iso = [f"2020-01-{d:02d}" for d in range(1, 28)]
    assert date_like_example(pd.Series(iso + ["unknown"])) == "ISO dates but for 'unknown'"
    assert date_like_example(pd.Series(iso)) is None  # ISO dates: the rule reads them
    # written as an ISO date but not a date: named as a stray value (it made the column text)
    assert date_like_example(pd.Series(iso + ["2024-02-30"])) == (
        "ISO dates but for '2024-02-30'")
    assert date_like_example(pd.Series(iso[:5] + ["a", "b"])) is None  # words, not dates
    # times of day and durations (a CSV's call lengths): text too
    assert date_like_example(pd.Series(["01:30:00", "12:00:05", "3:04:05"])) == (
        "times or durations written as '01:30:00'")
    assert date_like_example(pd.Series(["0 days 01:00:00", "2 days 03:04:05", None,
                                        "1 day 00:00:01"])) == (
        "times or durations written as '0 days 01:00:00'")
    assert date_like_example(pd.Series(["3:1", "2:2", "0:0"])) is None  # scores, not times
    for other in (["2019-20", "2020-21", "2021-22"],  # seasons, not months
                  ["1.5", "2.25", "3.10"], ["red", "blue", "green"], [1, 2, 3]):
        assert date_like_example(pd.Series(other)) is None, other


def test_the_estimator_warns_about_a_column_of_dates_it_reads_as_categories():
    from sklearn_losses import WeightedLossClassifier
    from sklearn_losses.columns import DateFormatWarning

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=40),
                      "when": [f"{d % 28 + 1:02d}-08-1984" for d in range(40)]})
    assert issubclass(DateFormatWarning, UserWarning)
    with pytest.warns(DateFormatWarning,
                      match=r"Column 'when' holds dates written as '01-08-1984', "
                            r"so it is read as categories"):
        WeightedLossClassifier(max_epochs=2, hidden_layer_sizes=(4,)).fit(
            X, (X["x"] > 0).astype(int))


def test_the_estimator_warns_about_a_column_of_durations_it_reads_as_categories():
    from sklearn_losses import WeightedLossClassifier
    from sklearn_losses.columns import DateFormatWarning

    X = pd.DataFrame({"x": np.linspace(-1, 1, 40),
                      "call": [f"0{d % 9}:{d % 60:02d}:00" for d in range(40)]})
    with pytest.warns(DateFormatWarning,
                      match=r"Column 'call' holds times or durations written as '00:00:00', "
                            r"so it is read as categories, each value a level of its own .*"
                            r"pd\.to_timedelta\(column\)\.dt\.total_seconds\(\)"):
        WeightedLossClassifier(max_epochs=2, hidden_layer_sizes=(4,)).fit(
            X, (X["x"] > 0).astype(int))


def test_duplicate_column_names_are_refused_by_name():
    # split_columns listed the name twice and the fit failed deep in narwhals
    from sklearn_losses import WeightedLossClassifier

    X = pd.DataFrame(np.random.default_rng(0).normal(size=(20, 3)), columns=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"column names must be unique; 'a' name\(s\) several"):
        WeightedLossClassifier(max_epochs=1).fit(X, np.arange(20) % 2)


@pytest.mark.parametrize("cells, expected", [
    (["1,275.22", "935.87", "12.5", "?"], "numbers written with thousands separators, e.g. '1,275.22'"),
    (["1,234,567", "12", "13"], "numbers written with thousands separators, e.g. '1,234,567'"),
    (["3,14", "2", "0,5", None], "numbers written with a decimal comma, e.g. '3,14'"),
    (["1.716,77", "3,5", "12"],
     "numbers written with a decimal comma and points grouping the thousands, e.g. '1.716,77'"),
    (["237.881.623", "12.345", "7"],
     "numbers written with points grouping the thousands, e.g. '237.881.623'"),
    (["ABC 123", "ABC 124", "ABC 1"], None),  # a code, not a currency
    (["9" * 50 + "x", "1", "2"], None),  # no number is that long (nor worth a slow pattern)
    (["$12", "$1,200.50", "$7"], "numbers written with '$' and thousands separators, e.g. '$1,200.50'"),
    (["12%", "5%", "0.5%"], "numbers written with '%', e.g. '12%'"),
    (["12 kg", "3 kg", "4.5 kg", "unknown"] * 10,  # 25% words: not a few
     None),
    (["12 kg", "3 kg", "4.5 kg"], "numbers written with 'kg', e.g. '12 kg'"),
    (["1.5", "2.5", "3"], None),  # numbers the rule reads
    (["007", "1,234", "5"], None),  # a code
    (["A123", "A124", "A125"], None), (["12A", "13A", "14A"], None),  # codes
    (["12 kg", "3 lb", "4"], None),  # two units: not one quantity
    (["2024-05-31", "2024-06-01", "2024-07-01"], None), (["a", "b", "c"], None),
    # numbers the rule reads, with more words than it reads as missing (5%): text, named
    ([f"{i}.5" for i in range(94)] + ["unknown"] * 5 + ["none"],
     "numbers but for words such as 'unknown' in 6% of its values (words are read as "
     "missing values only up to 5% of them)"),
    ([f"{i}.5" for i in range(94)] + ["unknown"] * 5 + ["n/a"],  # "n/a" is a marker: 5.1%
     "numbers but for words such as 'unknown' in 5.1% of its values (words are read as "
     "missing values only up to 5% of them)"),
    ([f"{i}.5" for i in range(95)] + ["unknown"] * 5, None),  # 5%: numeric, words missing
    # "inf" is a number the rule reads, not a word (it counted as one: 10% here)
    ([f"{i}.5" for i in range(90)] + ["inf"] * 4 + ["unknown"] * 6,
     "numbers but for words such as 'unknown' in 6% of its values (words are read as "
     "missing values only up to 5% of them)"),
    (["1.5", "2.5", "3", "x", "y", "z"], None),  # half words: text
])
def test_numbers_the_rule_does_not_read_are_named(cells, expected):
    from sklearn_losses.columns import column_kind, number_like_example

    assert number_like_example(pd.Series(cells, dtype=object)) == expected
    if expected is not None:  # the rule reads them as text: the reason for the warning
        assert column_kind(pd.Series(cells, dtype=object)) == "text"


@pytest.mark.parametrize("cells, numbers", [
    (["1,275.22", "935.87", "-12,500", "?"], [1275.22, 935.87, -12500.0, np.nan]),
    (["3,14", "2", "1.716,77"], [3.14, 2.0, 1716.77]),
    (["237.881.623", "12.345", "7"], [237881623.0, 12345.0, 7.0]),
    (["$12", "$1,200.50", "$7"], [12.0, 1200.5, 7.0]),
    (["€ 12,50", "€ 3", "€ 1.234,50"], [12.5, 3.0, 1234.5]),
    (["12%", "5%", "0.5%"], [12.0, 5.0, 0.5]),
])
def test_the_estimator_warns_about_numbers_it_reads_as_text_with_a_conversion_that_works(
        cells, numbers):
    from sklearn_losses import WeightedLossClassifier
    from sklearn_losses.columns import NumberFormatWarning

    n = 30
    X = pd.DataFrame({"x": np.linspace(-1, 1, n), "amount": (cells * n)[:n]})
    with pytest.warns(NumberFormatWarning, match=r"Column 'amount' holds numbers written with"
                      r".*so it is read as text, each number a category") as record:
        WeightedLossClassifier(max_epochs=2, hidden_layer_sizes=(4,)).fit(
            X, (X["x"] > 0).astype(int))
    (message,) = [str(w.message) for w in record if w.category is NumberFormatWarning]
    # the advice converts the column: run the call it quotes
    start = message.index("e.g. pd.to_numeric(") + len("e.g. ")
    depth, end = 0, start
    for end, char in enumerate(message[start:], start):  # to the call's closing parenthesis
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ")" and depth == 0:
            break
    call = message[start:end + 1]
    converted = eval(call, {"pd": pd, "column": pd.Series(cells)})  # noqa: S307
    np.testing.assert_allclose(converted.to_numpy(dtype=float), numbers)


def test_a_numeric_column_given_decimal_commas_at_predict_says_how_to_read_them():
    from sklearn_losses.columns import to_numeric

    with pytest.raises(ValueError, match=r"They look like numbers written with a decimal comma,"
                                         r" e\.g\. '181,5': read them as the training rows "
                                         r"were read \(pd\.read_csv\(\.\.\., decimal=','\)"):
        to_numeric(pd.Series(["181,5", "273,7"], dtype=object), "day_min", fitted=True)
    with pytest.raises(ValueError, match=r"written with 'kg', e\.g\. '12 kg': take 'kg' off"):
        to_numeric(pd.Series(["12 kg", "3"], dtype=object), "w", fitted=True)
    with pytest.raises(ValueError) as info:  # other text: no guess
        to_numeric(pd.Series(["12x3", "3"], dtype=object), "w", fitted=True)
    assert "look like" not in str(info.value)


def test_the_estimator_names_a_column_with_a_different_value_in_every_row():
    from sklearn_losses import WeightedLossClassifier
    from sklearn_losses.columns import IdentifierWarning

    X = pd.DataFrame({"x": np.linspace(-1, 1, 60), "loan_id": [f"L{i:04d}" for i in range(60)],
                      "grade": list("ABC") * 20})
    y = (X["x"] > 0).astype(int)
    with pytest.warns(IdentifierWarning, match=r"Column 'loan_id' has a different value in "
                                               r"each of its 60 rows: an identifier\?") as rec:
        WeightedLossClassifier(max_epochs=2, hidden_layer_sizes=(4,)).fit(X, y)
    assert [str(w.message).split("'")[1] for w in rec
            if w.category is IdentifierWarning] == ["loan_id"]  # not grade
    with warnings.catch_warnings():  # fewer rows than 50: no warning
        warnings.simplefilter("error", IdentifierWarning)
        WeightedLossClassifier(max_epochs=2, hidden_layer_sizes=(4,)).fit(X.head(40),
                                                                          y.head(40))


def test_format_checks_count_distinct_cells_as_text():
    from sklearn_losses.columns import _present_text

    # 1, 1.0 and True are equal to Python but three cells of text; stripped cells are one
    column = pd.Series(["a"] * 100 + [1, 1.0, True, " a", "?"], dtype=object)
    assert _present_text(column).to_dict() == {"a": 101, "1": 1, "1.0": 1, "True": 1}
    # a share of words decided by rows, not by distinct cells: 2 words in 60 rows is 3%
    dates = pd.Series(["2024-01-01", "2024-01-02"] * 29 + ["unknown", "unknown"])
    assert date_like_example(dates) == "ISO dates but for 'unknown'"
    assert date_like_example(dates.iloc[-6:]) is None  # 2 of 6 rows: words, not dates


def test_a_share_of_words_above_the_limit_never_reads_as_the_limit():
    from sklearn_losses.columns import _share

    assert [_share(x) for x in (0.0502, 0.0504, 0.0505, 0.051, 0.06)] == [
        "5.02%", "5.04%", "5.1%", "5.1%", "6%"]
