"""The one column-type rule: is a column numeric, categorical, datetime or text?

Every part of the package that looks at a raw table asks this module: the
estimator's :class:`~sklearn_losses.preprocessing.TabularEncoder`, the
command line (``sklearn-losses compare``), :mod:`sklearn_losses.compare` and
the benchmarks. The rule, for a column of a pandas DataFrame (or of an
array):

1. a pandas ``category`` column is **categorical**, whatever the type of its
   categories (numbers too: a category dtype says the values are labels);
2. a bool column is **categorical**;
3. a datetime (``datetime64``, timezone-aware) or period column is
   **datetime**;
4. a real numeric column (integers, floats, nullable ``Int64`` /
   ``Float64``) is **numeric**;
5. an ``object`` or ``string`` column is read value by value, missing values
   (None, NaN, ``pd.NA``, ``NaT``) and surrounding spaces left aside:

   a. only real numbers (``int``, ``float``, :class:`decimal.Decimal`,
      :class:`fractions.Fraction`, numpy numbers; not bools), or numbers
      written as text (``"3.14"``, ``"-2e5"``, ``" 7 "``) among them and
      :data:`MISSING_MARKERS` (``"?"``, ``""``, ``"NA"``, ``"n/a"``,
      ``"null"``, ...), with at least one number: **numeric**, the markers
      being missing values. Words too (text without a digit, such as
      ``"unknown"`` or ``"-"``), when they are at most :data:`WORD_SHARE`
      (5%) of the present values and markers aside: a few such cells in a
      column of numbers say that a value is unknown, and are read as missing
      values, with a :class:`~sklearn.exceptions.DataConversionWarning` naming
      the column and the words. (Without this a column of numbers would be
      text, or numeric in a cross-validation fold whose training rows lack
      the words and then fail on them.) A number written as text is an optional sign,
      digits with an optional decimal point, and an optional exponent; a
      leading zero before another digit (``"007"``, ``"01234"``) marks a code,
      not a number, and makes the column text, as do thousands separators,
      decimal commas, currency signs and units (:func:`number_like_example`
      names such columns, and the estimator's encoder warns in ``fit`` with
      a :class:`NumberFormatWarning`). ``"inf"`` / ``"-Infinity"`` (any case) are numbers
      too, so that their column is numeric and refuses them as it refuses a
      float infinity;
   b. only dates or times (``datetime``, ``date``, ``pd.Timestamp``), or ISO
      8601 dates written as text (``"2024-05-31"``, ``"2024-05-31 14:30"``,
      ``"2024-05-31T14:30:00+02:00"``) among them and the markers, with at
      least one date: **datetime**;
   c. a list, tuple, dict, set or array in a cell: an error naming the
      column (a cell holds one value);
   d. anything else (words, codes, mixed values): **text**; its values are
      compared as strings (:func:`category_strings`). Dates written
      otherwise than in ISO 8601, or ISO dates with other words among them,
      are text too: :func:`date_like_example` names them, and the
      estimator's encoder warns in ``fit``.

Complex numbers, durations (``timedelta64``) and other dtypes are refused
with an error naming the column. A scipy sparse matrix has numeric columns
only; a numeric array's columns are numeric, an object array's columns follow
rule 5.

The kind is decided on the training table; :func:`to_numeric`,
:func:`to_datetime` and :func:`category_strings` then read the column of that
kind, at fit and at predict alike: a numeric column takes numbers, numbers
written as text and the markers (missing), and reads words as missing values
with a warning (at predict whatever their share, so that each row is read on
its own; other text, such as ``"1,234"`` or ``"12 kg"``, is an error); a
datetime column takes dates,
ISO date strings and the markers; a text or categorical column compares
values as strings, stripped of surrounding spaces, numbers written without a
trailing ``.0`` when whole and bools as ``"True"`` / ``"False"``.

The markers are the strings :func:`pandas.read_csv` reads as missing by
default, plus ``"?"`` and ``"..."``, as in skrub's ``TableVectorizer``
(``CleanNullStrings``). In a text column they stay values of their own:
only a column of numbers or dates reads them as missing.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import numbers
import re

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["CATEGORICAL", "DATETIME", "KINDS", "MISSING_MARKERS", "NUMERIC", "TEXT",
           "WORD_SHARE", "DateFormatWarning", "IdentifierWarning", "NumberFormatWarning",
           "category_strings",
           "column_kind", "column_kinds", "date_like_example", "number_like_example",
           "numeric_words", "split_columns",
           "to_datetime", "to_numeric"]

NUMERIC, CATEGORICAL, DATETIME, TEXT = "numeric", "categorical", "datetime", "text"
KINDS = (NUMERIC, CATEGORICAL, DATETIME, TEXT)


class DateFormatWarning(UserWarning):
    """A text column holds dates the rule does not read (see :func:`date_like_example`).

    The column is read as categories; convert it to dates (or ISO 8601 strings) or
    drop it. A column of the pandas ``category`` dtype gets no such warning. Filter it
    by class, e.g.
    ``warnings.filterwarnings("ignore", category=DateFormatWarning)``.
    """


class NumberFormatWarning(UserWarning):
    """A text column holds numbers the rule does not read (see :func:`number_like_example`).

    Numbers with thousands separators (``"1,275.22"``) or a decimal comma
    (``"3,14"``) make a column text, read as categories; convert the column
    (or read the file with :func:`pandas.read_csv`'s ``thousands`` /
    ``decimal``) or drop it. Numbers with more words among them than rule 5a
    reads as missing values make a column text too. A column of the pandas
    ``category`` dtype gets no such warning: it holds categories by the user's
    choice. Filter it by class, e.g.
    ``warnings.filterwarnings("ignore", category=NumberFormatWarning)``.
    """


class IdentifierWarning(UserWarning):
    """A text column holds a different value in every row: an identifier, most likely.

    As categories such a column carries nothing a model can learn from (each
    level is seen once; the estimator's encoder target-encodes it); drop it.
    Filter it by class, e.g.
    ``warnings.filterwarnings("ignore", category=IdentifierWarning)``.
    """


#: A text column with a different value in each of at least this many rows is named as a
#: likely identifier.
IDENTIFIER_ROWS = 50


#: Strings that mean "missing" in a column of numbers or dates (compared after
#: stripping surrounding spaces, so a blank cell is ``""``): those of
#: :func:`pandas.read_csv`, plus ``"?"`` and ``"..."``.
MISSING_MARKERS = frozenset({
    "", "?", "...", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
    "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
})

#: Infinity written as text (``"inf"``, ``"-Infinity"``, any case): a number, so that its
#: column is numeric and refuses it as it refuses a float infinity.
_INFINITY = r"[+-]?(?i:inf(?:inity)?)"
#: A number written as text (rule 5a); no leading zero before another digit.
_NUMBER = (r"[+-]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
           rf"|{_INFINITY}")
#: An ISO 8601 date, optionally with a time and an offset (rule 5b).
_ISO_DATE = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
             r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,9})?)?"
             r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?")
_INFINITY_TEXT = re.compile(_INFINITY)
_LENIENT_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
                             rf"|{_INFINITY}")
#: Text without a digit (``"unknown"``, ``"-"``, ``"n.a."``): in a column of numbers, a cell
#: saying that the value is unknown (rule 5a).
_WORD = re.compile(r"\D*")  # no decimal digit of any script (not "１２", "٣")
#: The largest share of words among the present values of a numeric column (markers aside).
WORD_SHARE = 0.05
_CONTAINERS = (list, tuple, dict, set, frozenset, np.ndarray, pd.Series, pd.Index)
_DATES = (_dt.date, np.datetime64)  # datetime.datetime and pd.Timestamp are dates too


def _is_number(v) -> bool:
    return ((isinstance(v, numbers.Real) or isinstance(v, decimal.Decimal))
            and not isinstance(v, (bool, np.bool_)))


def _series(values) -> pd.Series:
    return values if isinstance(values, pd.Series) else pd.Series(values)


def _refuse_containers(values, name):
    for v in values:
        if isinstance(v, _CONTAINERS):
            raise ValueError(
                f"Column {name!r} holds {type(v).__name__} values (e.g. {_short(v)}); a cell "
                "must hold one value: numbers, strings, booleans, dates or missing values. "
                "Split or convert the column first.")


def _short(v, limit=40) -> str:
    text = repr(v)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def _stripped(strings: pd.Series) -> pd.Series:
    """Strings stripped of surrounding spaces, markers left out."""
    t = strings.astype(object).map(str.strip)
    return t[~t.isin(MISSING_MARKERS)]


def _parses_as_dates(strings: pd.Series) -> bool:
    try:
        _parse_dates(strings)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def _parse_dates(values):
    try:
        return pd.to_datetime(values, format="ISO8601")
    except ValueError as exc:
        try:  # mixed offsets or time zones: read in UTC
            return pd.to_datetime(values, format="ISO8601", utc=True)
        except (ValueError, TypeError, OverflowError):
            raise exc from None


def _valid_dates(strings: pd.Series) -> np.ndarray:
    """Which of ``strings`` (written as ISO 8601 dates) are dates (``"2024-02-30"`` is not)."""
    try:
        parsed = pd.to_datetime(strings, format="ISO8601", errors="coerce", utc=True)
    except (ValueError, TypeError, OverflowError):
        return np.ones(len(strings), dtype=bool)  # undecided: no cell singled out
    return np.asarray(pd.notna(parsed), dtype=bool)


def _numbers_and_words(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Rule 5a's reading of the distinct stripped text ``cells``: which are numbers it
    reads, and which are words (no digit, and not such a number: ``"inf"`` is a number)."""
    number = cells.str.fullmatch(_NUMBER).astype(bool).to_numpy()
    word = ~number & cells.str.fullmatch(_WORD.pattern).astype(bool).to_numpy()
    return number, word


def _kind_of_strings(strings: pd.Series, n_numbers: int = 0) -> str:
    """Rule 5 for strings; ``n_numbers`` numbers (not strings) are in the column beside them."""
    codes, uniques = pd.factorize(strings.to_numpy(dtype=object))
    counts = pd.Series(np.bincount(codes[codes >= 0], minlength=len(uniques)))
    t = pd.Series([u.strip() for u in uniques], dtype=object)
    keep = ~t.isin(MISSING_MARKERS)
    t, counts = t[keep], counts[keep]
    if t.empty:
        return NUMERIC if n_numbers else TEXT  # markers only
    number, word = _numbers_and_words(t)
    if number.all():
        return NUMERIC
    if ((number | word).all() and (number.any() or n_numbers)
            and counts[word].sum() <= WORD_SHARE * (counts.sum() + n_numbers)):
        return NUMERIC  # a column of numbers with a few words ("unknown") in it
    if not n_numbers and t.str.fullmatch(_ISO_DATE).all() and _parses_as_dates(t):
        return DATETIME
    return TEXT


def _kind_of_objects(present: pd.Series, name) -> str:
    """Rule 5 for the non-missing values of an object or string column."""
    inferred = pd.api.types.infer_dtype(present, skipna=True)
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return NUMERIC
    if inferred in ("datetime", "datetime64", "date"):
        return DATETIME
    if inferred in ("timedelta", "timedelta64", "complex"):
        _refuse_dtype(name, "timedelta64" if inferred.startswith("timedelta") else "complex")
    if inferred == "string":
        return _kind_of_strings(present)
    if inferred not in ("mixed", "mixed-integer"):
        return TEXT
    values = present.to_numpy(dtype=object)
    _refuse_containers(values, name)
    strings = [v for v in values if isinstance(v, str)]
    others = [v for v in values if not isinstance(v, str)]
    for kind, test in ((NUMERIC, _is_number), (DATETIME, lambda v: isinstance(v, _DATES))):
        if others and all(test(v) for v in others):
            if not strings:
                return kind
            k = _kind_of_strings(pd.Series(strings, dtype=object),
                                 len(others) if kind == NUMERIC else 0)
            if k == kind or _stripped(pd.Series(strings, dtype=object)).empty:
                return kind
    return TEXT


def column_kind(values, name="x0") -> str:
    """The kind of one column: ``"numeric"``, ``"categorical"``, ``"datetime"`` or ``"text"``.

    Parameters
    ----------
    values : pandas Series or 1-D array
    name : str
        The column's name, for the error message.

    Raises
    ------
    ValueError
        For a dtype that is none of the four (complex numbers, durations,
        ...), or a column holding lists, dicts or arrays; the message names
        the column.
    """
    s = _series(values)
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
        return CATEGORICAL
    if (pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype)):
        return DATETIME
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return NUMERIC
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        present = s[~s.isna()]
        return _kind_of_objects(present, name) if len(present) else TEXT
    _refuse_dtype(name, dtype)


def _refuse_dtype(name, dtype):
    """The error for a column of durations, complex numbers or another unsupported dtype."""
    durations = str(dtype).startswith("timedelta")
    advice = " (e.g. with .dt.total_seconds())" if durations else ""
    held = f"holds {dtype} values" if isinstance(dtype, str) else f"has dtype {dtype}"
    raise ValueError(
        f"Column {name!r} {held}, which is neither numeric, categorical "
        f"(category, bool), datetime nor text; convert it first{advice}.")


def _names(X):
    columns = getattr(X, "columns", None)
    if columns is not None:
        return list(columns)
    return list(range(X.shape[1]))


def _is_polars(X) -> bool:
    return type(X).__module__.split(".")[0] == "polars" and hasattr(X, "get_columns")


def _from_polars(X) -> pd.DataFrame:
    """A polars DataFrame as a new pandas DataFrame, column by column (no pyarrow needed).

    Numbers (nulls as NaN), strings (object), ``Categorical`` / ``Enum``
    (``category``), ``Boolean`` (nullable ``boolean``), ``Datetime`` (time
    zone kept), ``Date``; anything else (decimals, lists, ...) as an object
    column of Python values, for the column rule to judge.
    """
    import polars as pl

    data = {}
    for s in X.get_columns():
        dt = s.dtype
        if dt == pl.Boolean:
            col = pd.array(s.to_list(), dtype="boolean")
        elif dt == pl.Categorical or dt == pl.Enum:
            col = pd.Categorical(s.to_list())
        elif dt == pl.Datetime:
            tz = getattr(dt, "time_zone", None)
            if tz is not None:
                s = s.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            col = pd.Series(s.to_numpy())
            if tz is not None:
                col = col.dt.tz_localize("UTC").dt.tz_convert(tz)
        elif dt == pl.Date or dt == pl.Duration or (dt.is_numeric() and dt != pl.Decimal):
            col = s.to_numpy()
        else:
            col = pd.Series(s.to_list(), dtype=object)
        data[s.name] = col
    return pd.DataFrame(data, columns=list(X.columns))


def column_kinds(X) -> list[str]:
    """The kind of every column of ``X`` (:func:`column_kind`), in column order.

    Parameters
    ----------
    X : DataFrame (pandas or polars), ndarray (2-D) or scipy sparse matrix
    """
    if sp.issparse(X):
        return [NUMERIC] * X.shape[1]
    if _is_polars(X):
        X = _from_polars(X)
    if isinstance(X, pd.DataFrame):
        return [column_kind(X.iloc[:, j], str(c)) for j, c in enumerate(X.columns)]
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D table; got an array of shape {X.shape}.")
    if X.dtype.kind in "iuf":  # bool columns are categorical (rule 2), as in a DataFrame
        return [NUMERIC] * X.shape[1]
    return [column_kind(pd.Series(X[:, j], dtype=object if X.dtype.kind == "O" else None),
                        f"x{j}") for j in range(X.shape[1])]


def split_columns(X) -> tuple[list, list]:
    """The numeric columns of ``X`` and the others (categorical, datetime, text).

    Returns
    -------
    numeric, other : list
        Column names (DataFrame) or positions (array), in the order of ``X``.
    """
    names = _names(X)
    kinds = column_kinds(X)
    numeric = [c for c, k in zip(names, kinds) if k == NUMERIC]
    return numeric, [c for c, k in zip(names, kinds) if k != NUMERIC]


# ---------------------------------------------------------------- reading a column
def _beyond_float64(name, value):
    return ValueError(
        f"Column {name!r} holds a number beyond the float64 range (|x| < 1.8e308): "
        f"{_short(value)}. A numeric column takes real numbers within that range; scale the "
        "column first (e.g. take its logarithm).")


def _float(v, name) -> float:
    try:
        out = float(v)
    except OverflowError:
        raise _beyond_float64(name, v) from None
    if np.isinf(out) and (
            (isinstance(v, (decimal.Decimal, numbers.Rational))
             and not (isinstance(v, decimal.Decimal) and v.is_infinite()))
            or (isinstance(v, str) and not _INFINITY_TEXT.fullmatch(v.strip()))):
        raise _beyond_float64(name, v)  # e.g. "1e400": a finite number float64 cannot hold
    return out


def to_numeric(values, name="x0", *, fitted=False, warn=True) -> np.ndarray:
    """The values of a numeric column as float64, missing values and markers as NaN.

    Numbers of any type (bools as 0 and 1), numbers written as text and
    :data:`MISSING_MARKERS` are read; ``inf`` stays ``inf``. Words (text
    without a digit, such as ``"unknown"``) are read as missing values too,
    with a :class:`~sklearn.exceptions.DataConversionWarning` naming the
    column and the words (see rule 5a of the module).

    Parameters
    ----------
    values : pandas Series or 1-D array
    name : str
        The column's name, for the messages.
    fitted : bool, default=False
        Whether the column was found numeric in a fit (the messages then
        say so).
    warn : bool, default=True
        Whether to warn about words read as missing values
        (:func:`numeric_words` lists them).

    Raises
    ------
    ValueError
        For other text (``"1,234"``, ``"12 kg"``) or a value of another type
        (naming the column and the value), or a number beyond the float64
        range.
    """
    s = _series(values)
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        s = s.astype(object)
        dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype) or (pd.api.types.is_numeric_dtype(dtype)
                                             and not pd.api.types.is_complex_dtype(dtype)):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    out = np.full(len(s), np.nan)
    missing = s.isna().to_numpy()
    present = s[~missing]
    bad, words = [], []
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        if len(present) and pd.api.types.infer_dtype(present, skipna=True) == "string":
            t = present.astype(object).map(str.strip)
            keep = ~t.isin(MISSING_MARKERS).to_numpy()
            number = t[keep].str.fullmatch(_LENIENT_NUMBER.pattern).to_numpy(dtype=bool)
            parsed = pd.to_numeric(t[keep][number], errors="coerce").to_numpy(dtype=np.float64)
            texts = t[keep][number]
            for text in texts[np.isinf(parsed)]:
                _float(text, name)  # "1e400" is beyond float64; "inf" is infinity
            filled = np.full(keep.sum(), np.nan)
            filled[number] = parsed
            vals = np.full(len(t), np.nan)
            vals[keep] = filled
            out[~missing] = vals
            other = t[keep][~number]
            is_word = other.str.fullmatch(_WORD.pattern).to_numpy(dtype=bool)
            words, bad = list(other[is_word]), list(other[~is_word].iloc[:3])
        else:
            vals = []
            for v in present.to_numpy(dtype=object):
                if isinstance(v, str):
                    t = v.strip()
                    if t in MISSING_MARKERS:
                        vals.append(np.nan)
                    elif _LENIENT_NUMBER.fullmatch(t):
                        vals.append(_float(t, name))
                    elif _WORD.fullmatch(t):
                        words.append(t)
                        vals.append(np.nan)
                    else:
                        bad.append(v)
                        vals.append(np.nan)
                elif _is_number(v) or isinstance(v, (bool, np.bool_)):
                    vals.append(_float(v, name))
                else:
                    bad.append(v)
                    vals.append(np.nan)
            out[~missing] = vals
    else:
        bad = list(present.iloc[:3])
    if bad:
        start = (f"Column {name!r} was numeric in fit but holds non-numeric values now"
                 if fitted else f"Column {name!r} holds values that are not numbers")
        # the few values shown, repeated: _number_format looks at 3 cells at least
        form = _number_format(pd.Series([v for v in bad if isinstance(v, str)] * 3,
                                        dtype=object))
        hint = ""
        if form is not None:
            how = {"thousands": "pd.read_csv(..., thousands=','), compare --thousands ,",
                   "decimal_comma": "pd.read_csv(..., decimal=','), compare --decimal ,",
                   "thousands_point": "pd.read_csv(..., thousands='.')",
                   "plain": None, "words": None}[form["kind"]]
            hint = f" They look like {_describe(form)}: " + (
                f"take {form['affix']!r} off the cells." if form["affix"] or how is None else
                f"read them as the training rows were read ({how} and read_table with the "
                "same option), or convert the column.")
        raise ValueError(
            f"{start} (e.g. {', '.join(_short(v) for v in bad[:3])}). A numeric column takes "
            "numbers, numbers written as text, and missing values (None, NaN or a marker "
            "such as '?', '', 'NA', 'null'; see sklearn_losses.columns.MISSING_MARKERS)."
            + hint)
    if words and warn:
        from sklearn.exceptions import DataConversionWarning

        from ._warnings import warn_user

        start = (f"Column {name!r} was a column of numbers in fit" if fitted
                 else f"Column {name!r} is a column of numbers")
        # no cell count: the message is the same in every fold of a cross-validation, and
        # ensembles show it once
        warn_user(f"{start}; its cells {_word_summary(words)} hold words, read as missing "
                  "values. Empty those cells to silence this, or give the column a 'category' "
                  "dtype if its words and numbers are labels.", DataConversionWarning)
    return out


def _word_summary(words) -> str:
    counts = pd.Series(words, dtype=object).value_counts()
    shown = ", ".join(repr(w) for w in counts.index[:3])
    return shown + (f" and {len(counts) - 3} other word(s)" if len(counts) > 3 else "")


def numeric_words(values) -> dict:
    """``{word: count}`` of the words that :func:`to_numeric` reads as missing in a column.

    Words are text without a digit (``"unknown"``, ``"-"``), markers aside;
    most frequent first. Empty for a column of another dtype than object
    or string.
    """
    s = _series(values)
    if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
        return {}
    text = pd.Series([v.strip() for v in s[~s.isna()] if isinstance(v, str)], dtype=object)
    text = text[~text.isin(MISSING_MARKERS)]
    if len(text):  # a number ("inf" too) is not a word
        text = text[~text.str.fullmatch(_LENIENT_NUMBER.pattern).astype(bool)
                    & text.str.fullmatch(_WORD.pattern).astype(bool)]
    return {str(k): int(v) for k, v in text.value_counts().items()}


def _present_text(values):
    """The distinct present cells of a column of strings, stripped, missing-value markers
    left out, with their counts (a Series: cell -> rows, in the order of first
    appearance); None for a column of another dtype or of other values (the first 100
    looked at). Counted once, so that the format checks run on distinct cells, not rows."""
    values = pd.Series(values)
    if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)
            or isinstance(values.dtype, pd.CategoricalDtype)):
        return None
    present = values.dropna()
    if not len(present) or not all(isinstance(v, str) for v in present.iloc[:100]):
        return None
    # as text first: 1, 1.0 and True are one value to factorize but three cells
    codes, uniques = pd.factorize(present.astype(str).to_numpy(dtype=object))
    cells = pd.Series(uniques, dtype=object).str.strip()
    # cells equal once stripped are one cell
    stripped, cells = pd.factorize(cells.to_numpy(dtype=object))
    counts = np.bincount(stripped, weights=np.bincount(codes, minlength=len(uniques)),
                         minlength=len(cells)).astype(np.int64)
    counts = pd.Series(counts, index=pd.Index(cells, dtype=object))
    return counts[~counts.index.isin(MISSING_MARKERS)]


#: A number with commas grouping the thousands and an optional decimal point (``1,275.22``,
#: ``-12,500``); a group has no leading zero.
_COMMA_GROUPED = r"[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?"
#: A number with a decimal comma (``3,14``, ``-0,5``), optionally with points grouping the
#: thousands (``1.716,77``).
_DECIMAL_COMMA = (r"[+-]?(?:(?:0|[1-9][0-9]*),[0-9]*|,[0-9]+"
                  r"|[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]*)?)")
#: A whole number with points grouping the thousands (``237.881.623``).
_POINT_GROUPED = r"[+-]?[1-9][0-9]{0,2}(?:\.[0-9]{3})+"
#: ISO 4217 codes of the currencies most often written before an amount (``USD 12``).
_CURRENCY_CODES = ("USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "CNY", "HKD",
                   "SGD", "INR", "KRW", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "BRL",
                   "MXN", "ZAR", "TRY", "RUB")
#: Cells longer than this are not numbers written by hand (and the patterns need not run).
_LONGEST_NUMBER = 40


#: A number with a currency sign before it (``$12``, ``USD 12``) or a percent sign or a
#: unit after it (``12%``, ``12 kg``): ``pre``, ``num`` and ``suf`` (a unit of letters
#: follows a space, so that codes such as ``12A`` are not read as numbers with a unit). The
#: digits come in groups split by one point or comma: no nested repetition, so a long cell
#: that fails costs linear time.
_AFFIXED = re.compile(rf"(?P<pre>[$€£¥₹]|(?:{'|'.join(_CURRENCY_CODES)})\s)?\s*"
                      r"(?P<num>[+-]?(?:[0-9]+(?:[.,][0-9]+)*|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?)"
                      r"\s*(?P<suf>%|‰|[$€£¥₹]|(?<=\s)[^\W\d_]{1,4}(?:/[^\W\d_]{1,3})?)?")


def _number_format(values):
    """How a text column writes numbers the rule does not read, else None (see
    :func:`number_like_example`): a dict with ``kind`` (``"thousands"``,
    ``"decimal_comma"``, ``"thousands_point"`` or ``"plain"``, the form of the numbers
    once a sign or unit is taken off), ``affix`` (that sign or unit, or None), ``example``
    (a cell), ``ambiguous`` (commas that could be decimal marks: ``"1,234"`` only) and
    ``point_groups`` (decimal commas with points grouping the thousands, ``1.716,77``)."""
    counts = _present_text(values)
    if counts is None:
        return None
    number, word = _numbers_and_words(pd.Series(counts.index, dtype=object))
    n_words, total = counts[word].sum(), counts.sum()
    if n_words <= WORD_SHARE * total:  # a few words ("unknown") say a value is unknown
        counts = counts[~word]
    elif n_words < total / 2 and counts[~word].sum() >= 3 and number[~word].all():
        # numbers the rule reads, but more words among them than it reads as missing
        words = counts[word].sort_values(ascending=False, kind="stable")
        return {"kind": "words", "affix": None, "example": words.index[0],
                "share": float(n_words / total), "ambiguous": False, "point_groups": False}
    if counts.sum() < 3:
        return None
    cells = pd.Series(counts.index, dtype=object)
    if (not (cells.str.contains(r"[0-9]", regex=True)
             | cells.str.fullmatch(_INFINITY).astype(bool)).all()
            or cells.str.fullmatch(_NUMBER).astype(bool).all()):
        return None  # words, or numbers the rule reads
    if len(cells) > 200 and _classify_numbers(cells.iloc[:200]) is None:
        return None  # every cell must qualify: the first ones say no already
    found = _classify_numbers(cells)
    return None if found is None or found["kind"] is None else found


def _classify_numbers(cells):
    """:func:`_number_format` of the distinct stripped cells of a column; ``kind`` None
    for numbers the rule reads."""
    if (cells.str.len() > _LONGEST_NUMBER).any():
        return None
    numbers, affix = cells, None
    parts = cells.str.extract(f"^(?:{_AFFIXED.pattern})$")
    if parts["num"].notna().all():
        signs = {a.strip() for side in ("pre", "suf") for a in parts[side].dropna()}
        one_side = parts["pre"].dropna().nunique() <= 1 and parts["suf"].dropna().nunique() <= 1
        if len(signs) == 1 and one_side:
            numbers, affix = parts["num"], signs.pop()
    plain = numbers.str.fullmatch(_NUMBER).astype(bool)
    grouped = numbers.str.fullmatch(_COMMA_GROUPED).astype(bool)
    comma = numbers.str.fullmatch(_DECIMAL_COMMA).astype(bool)
    points = numbers.str.fullmatch(_POINT_GROUPED).astype(bool)
    # integers ("7") read alike with either mark
    integer = plain & ~numbers.str.contains(r"[.eE]", regex=True)
    if plain.all() and affix is None:
        return {"kind": None}
    if plain.all():
        kind, marked = "plain", cells[numbers != cells]
    elif (plain | grouped).all():
        kind, marked = "thousands", cells[grouped]
    elif (comma | integer).all() and (with_comma := numbers.str.contains(
            ",", regex=False)).any():
        kind, marked = "decimal_comma", cells[comma & with_comma]
    elif (points | integer).all():  # 237.881.623: no decimal mark at all
        kind, marked = "thousands_point", cells[points]
    else:
        return None
    shown = numbers[grouped] if kind == "thousands" else numbers
    # "1,234" alone could be a decimal comma; "1,275.22" or "1,234,567" cannot
    ambiguous = kind == "thousands" and not (
        shown.str.contains(".", regex=False).any() or (shown.str.count(",") > 1).any()
        or numbers[plain].str.contains(".", regex=False).any())
    point_groups = kind == "decimal_comma" and numbers.str.contains(
        r"[0-9]\.[0-9]{3}", regex=True).any()
    return {"kind": kind, "affix": affix, "example": marked.iloc[0], "ambiguous": ambiguous,
            "point_groups": bool(point_groups)}


def number_like_example(values):
    """What makes a text column look like numbers the rule does not read, else None.

    The column's present values (stripped; missing-value markers, and words
    such as ``"unknown"`` when they are at most :data:`WORD_SHARE` of them,
    left out) are all numbers, written with commas grouping the thousands
    (``"numbers written with thousands separators, e.g. '1,275.22'"``), with
    a decimal comma (``"3,14"``, points grouping the thousands allowed:
    ``1.716,77``), or with one currency sign, percent sign or unit
    (``"$12"``, ``"12%"``, ``"12 kg"``). Rule 5a reads none of them
    (``"1,234"`` is 1234 or 1.234 depending on the writer), so the column is
    text: categories, each number a level of its own. Also numbers the rule
    reads with words among them (``"unknown"``) in more than
    :data:`WORD_SHARE` of the present values but fewer than half (``"numbers
    but for words such as 'unknown' in 6% of its values ..."``): the words
    are too many to be read as missing values, so the column is text too.
    Callers warn with the
    description, so that the user converts the column. A column of fewer
    than 3 present values is too little to tell: None.
    """
    found = _number_format(values)
    return None if found is None else _describe(found)


def _share(share) -> str:
    """A share above :data:`WORD_SHARE` as a percentage that reads above it ("5.1%", "6%")."""
    for digits in range(4):
        text = f"{share:.{digits}%}"
        if float(text[:-1]) > WORD_SHARE * 100:
            return text
    return f"{share:.4%}"


def _describe(found) -> str:
    """``"numbers written with ..., e.g. ..."`` for what :func:`_number_format` found."""
    if found["kind"] == "words":
        return (f"numbers but for words such as {found['example']!r} in "
                f"{_share(found['share'])} of its values (words are read as missing values "
                f"only up to {WORD_SHARE:.0%} of them)")
    what = [f"{found['affix']!r}"] if found["affix"] else []
    what += {"thousands": ["thousands separators"],
             "decimal_comma": ["a decimal comma" + (" and points grouping the thousands"
                                                   if found.get("point_groups") else "")],
             "thousands_point": ["points grouping the thousands"], "plain": []}[found["kind"]]
    return f"numbers written with {' and '.join(what)}, e.g. {found['example']!r}"


#: Dates in a form the rule does not read (rule 5b reads ISO 8601 only): day or month
#: first (``17-08-1984``, ``8/17/84``, ``17.08.1984``), year first with slashes or points
#: (``1984/08/17``), or a month (``1984-08``), optionally followed by a time.
_OTHER_DATE = re.compile(r"(?:[0-9]{1,2}[-/.][0-9]{1,2}[-/.](?:[0-9]{4}|[0-9]{2})"
                         r"|[0-9]{4}[/.][0-9]{1,2}[/.][0-9]{1,2}|[0-9]{4}-(?:0[1-9]|1[0-2]))"
                         r"(?:[T ][0-9:.]+)?")


#: A time of day or a duration (``14:30``, ``01:30:00``, ``0 days 01:00:00``, Python's
#: ``1 day, 2:03:04``): read as text by the rule.
_CLOCK = re.compile(r"(?:[0-9]+ days?,? )?[0-9]{1,3}:[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?")


def date_like_example(values):
    """What makes a text column look like dates the rule does not read, else None.

    The column's present values (stripped, missing-value markers left out)
    are dates written otherwise than in ISO 8601 (``"dates written as
    '17-08-1984'"``), times of day or durations (``"times or durations
    written as '01:30:00'"``), or ISO dates but for a few other values (at most
    :data:`WORD_SHARE` of them, which make the whole column text: ``"ISO
    dates but for 'unknown'"``). The column is then categories, each date a
    level of its own, an unseen level at prediction; a cell written as an ISO
    date that is not one (``"2024-02-30"``) counts as such a value. Callers warn with the
    description, so that the user converts the column. A column of fewer
    than 3 present values is too little to tell: None.
    """
    counts = _present_text(values)
    if counts is None or counts.sum() < 3:
        return None
    text = pd.Series(counts.index, dtype=object)  # the distinct cells
    if text.str.fullmatch(_OTHER_DATE.pattern).all():
        return f"dates written as {text.iloc[0]!r}"
    if text.str.fullmatch(_CLOCK.pattern).all():
        return f"times or durations written as {text.iloc[0]!r}"
    iso = text.str.fullmatch(_ISO_DATE).astype(bool).to_numpy().copy()
    if iso.any():  # written as ISO dates but not dates ("2024-02-30")
        iso[iso] = _valid_dates(text[iso])
    if iso.any() and 0 < counts[~iso].sum() <= WORD_SHARE * counts.sum():
        return f"ISO dates but for {text[~iso].iloc[0]!r}"  # what keeps them from being dates
    return None


def to_datetime(values, name="x0", *, fitted=False) -> pd.Series:
    """The values of a datetime column as a datetime64 Series (timezone kept), NaT for missing.

    Takes datetime and period dtypes, date and time objects, ISO 8601 strings
    and :data:`MISSING_MARKERS`. Numbers are refused: an epoch in
    seconds, milliseconds or days cannot be told apart.

    Raises
    ------
    ValueError
        Naming the column, for a value that is not a date.
    """
    s = _series(values)
    dtype = s.dtype
    if isinstance(dtype, pd.PeriodDtype):
        return s.dt.to_timestamp()
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return s
    if isinstance(dtype, pd.CategoricalDtype):
        s = s.astype(object)
    start = (f"Column {name!r} was a date or time in fit but holds" if fitted
             else f"Column {name!r} holds")
    accepted = ("A datetime column takes dates and times (datetime64, datetime objects, "
                "ISO 8601 strings such as '2024-05-31' or '2024-05-31T14:30:00') and missing "
                "values (None, NaT or a marker such as '?', '', 'NA').")
    if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
        if s.isna().all():  # no value at all: pandas types an all-missing column float64 (NaN)
            return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
        raise ValueError(f"{start} {s.dtype} values now. {accepted}")
    cleaned = s.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
    cleaned = cleaned.where(~cleaned.isin(MISSING_MARKERS), None)
    present = cleaned[~cleaned.isna()]
    wrong = [v for v in present if not isinstance(v, (str,) + _DATES)]
    wrong += [v for v in present if isinstance(v, str) and not re.fullmatch(_ISO_DATE, v)]
    if wrong:
        raise ValueError(f"{start} values that are not dates (e.g. "
                         f"{', '.join(_short(v) for v in wrong[:3])}). {accepted}")
    try:
        return pd.Series(_parse_dates(cleaned), index=s.index)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"{start} values that are not valid dates ({exc}). {accepted}") \
            from exc


def _canonical(v) -> str:
    """The string a categorical value is compared as."""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, (numbers.Real, decimal.Decimal)):
        try:
            f = float(v)
        except OverflowError:
            return str(v)
        if np.isfinite(f) and f.is_integer() and abs(f) < 1e16:
            return str(int(f))
        return str(v) if isinstance(v, np.floating) else repr(f)
    return str(v)


def category_strings(values) -> np.ndarray:
    """The values of a text or categorical column as the strings they are compared as.

    Strings stripped of surrounding spaces; bools ``"True"`` / ``"False"``;
    whole numbers without a decimal part (``1``, ``1.0``, ``np.int8(1)`` and
    ``Decimal("1.0")`` are all ``"1"``), other numbers as Python prints them
    (``"2.5"``); other objects by ``str``. Missing values are NaN.

    Returns
    -------
    strings : ndarray of object
        A new array (the caller's data is never modified).
    """
    s = _series(values)
    missing = s.isna().to_numpy()
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        table = np.array([_canonical(c) for c in dtype.categories] + [np.nan], dtype=object)
        return table[s.cat.codes.to_numpy()]  # code -1 (missing): the last entry, NaN
    out = np.empty(len(s), dtype=object)
    out[missing] = np.nan
    present = s[~missing]
    if pd.api.types.is_bool_dtype(dtype):
        out[~missing] = np.where(present.to_numpy(dtype=bool), "True", "False")
    elif len(present) and pd.api.types.infer_dtype(present, skipna=True) == "string":
        codes, uniques = pd.factorize(present.to_numpy(dtype=object))
        out[~missing] = np.array([u.strip() for u in uniques], dtype=object)[codes]
    elif len(present):
        out[~missing] = [_canonical(v) for v in present.to_numpy(dtype=object)]
    return out
