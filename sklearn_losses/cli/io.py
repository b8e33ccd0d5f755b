"""Reading the CSV file, preparing features and labels, and checking the output paths."""

from __future__ import annotations

import difflib
import re
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ._base import CLIError, format_label

__all__ = ["check_output_paths", "decimal_mark_columns", "prepare_data", "read_table",
           "resolve_column", "stratified_subsample"]

_POSITION = re.compile(r"[+-]?\d+")


def _number_pattern(decimal):
    """A number written with ``decimal`` as its decimal mark (no thousands separator)."""
    d = re.escape(decimal)
    return re.compile(rf"[+-]?(?:\d+(?:{d}\d*)?|{d}\d+)(?:[eE][+-]?\d+)?")


def _grouped_pattern(decimal, thousands=None):
    """A number with ``thousands`` grouping its digits by three and ``decimal`` as its
    decimal mark, such as ``1,716.77`` (``thousands=","``) or ``1.716,77``; None without a
    thousands mark. Under ``--decimal ,`` the point is one unless said otherwise: a point
    cannot be the decimal mark there, so grouped digits are thousands. A group has no
    leading zero."""
    if thousands is None:
        thousands = "." if decimal == "," else None
    if thousands is None:
        return None
    t, d = re.escape(thousands), re.escape(decimal)
    return re.compile(rf"[+-]?[1-9]\d{{0,2}}(?:{t}\d{{3}})+(?:{d}\d*)?(?:[eE][+-]?\d+)?")


def _text_cells(column, *, few_words=False):
    """The stripped cells of a text column that are neither markers (``""``, ``"?"``,
    ``"NA"``, ...) nor words (no digit, such as ``"unknown"``; None for other columns): the
    cells that decide whether it holds numbers. ``few_words``: words are left out only when
    the column rule reads them as missing, at most ``WORD_SHARE`` of the cells (for advice on
    the whole file); otherwise always, so that a file of a few new rows with a word reads
    as the training file did (the words stay in the column, for the column rule)."""
    import pandas as pd

    from ..columns import _WORD, MISSING_MARKERS, WORD_SHARE

    if isinstance(column.dtype, pd.CategoricalDtype):  # a text column typed by prepare_data
        column = column.astype(object)
    dtype = column.dtype
    if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
        return None
    cells = [c for c in (str(v).strip() for v in column.dropna()) if c not in MISSING_MARKERS]
    numbers = [c for c in cells if not _WORD.fullmatch(c)]
    if few_words and len(cells) - len(numbers) > WORD_SHARE * len(cells):
        return cells
    return numbers


def decimal_mark_columns(df, mark=",") -> dict:
    """The text columns of ``df`` that hold numbers written with the decimal mark ``mark``.

    A column qualifies when every cell apart from missing values (the
    markers of :data:`sklearn_losses.columns.MISSING_MARKERS`, such as
    ``?``, and a few words such as ``unknown``, as the column rule reads
    them) is a number with
    ``mark`` as its decimal mark (``3,14``, ``-2,5``, ``7``, ``1,5e3`` for
    ``","``) and at least one cell has the mark, not every such cell
    looking like a thousands separator (``41,895``, ``1,234,567``). Read with
    ``decimal=mark``, they would be numbers.

    Returns
    -------
    columns : dict
        ``{column: an example cell with the mark}``, in the order of ``df``.
    """
    pattern = _number_pattern(mark)
    # "41,895" or "1,234,567": thousands separators, not decimal commas (--decimal , would
    # read 41.895); a group of thousands has no leading zero ("0,125" is a decimal)
    thousands = re.compile(rf"[+-]?[1-9]\d{{0,2}}(?:{re.escape(mark)}\d{{3}})+")
    found = {}
    for name in df.columns:
        cells = _text_cells(df[name], few_words=True)
        if cells and all(pattern.fullmatch(c) for c in cells):
            marked = [c for c in cells if mark in c]
            if marked and not all(thousands.fullmatch(c) for c in marked):
                found[name] = marked[0]
    return found


def _parse_number_columns(df, decimal, thousands=None):
    """With ``--decimal`` or ``--thousands``: the text columns that are numbers written with
    those marks apart from missing values (:func:`_text_cells`) become numeric, the markers
    and words missing values (a note names the words,
    :func:`sklearn_losses.columns.numeric_words`). A column qualifies when one of its
    cells at least has the decimal mark (other than a point) or thousands groups."""
    import pandas as pd

    from ..columns import MISSING_MARKERS

    pattern, grouped = _number_pattern(decimal), _grouped_pattern(decimal, thousands)

    def is_number(c):
        return bool(pattern.fullmatch(c) or (grouped is not None and grouped.fullmatch(c)))

    parsed = []
    for name in df.columns:
        cells = _text_cells(df[name])
        marked = any((decimal != "." and decimal in c)
                     or (thousands is not None and grouped.fullmatch(c)) for c in cells)
        if cells and marked and all(is_number(c) for c in cells):
            parsed.append(name)
            text = df[name].astype("string").str.strip()
            plain = text.str.fullmatch(pattern.pattern).fillna(False).astype(bool)
            number = plain.copy()
            digits = text.where(plain)
            if grouped is not None:  # 1.716,77: the thousands marks go, then the comma
                mark = thousands or "."
                is_grouped = text.str.fullmatch(grouped.pattern).fillna(False).astype(bool)
                number |= is_grouped
                digits = digits.where(~is_grouped, text.str.replace(mark, "", regex=False))
            values = pd.to_numeric(digits.where(number).str.replace(decimal, ".", regex=False),
                                   errors="coerce").astype(np.float64)
            # the rest are markers (missing) and words, which stay as text beside the
            # numbers: the column rule reads them as missing and the run reports them
            word = ~number & ~text.isin(MISSING_MARKERS).fillna(True).astype(bool)
            if word.any():
                values = values.astype(object)
                values[word] = text[word].astype(object)
            df[name] = values
    df.attrs["decimal_columns"] = parsed  # read as numbers: no longer the cells as written
    return df


# ---------------------------------------------------------------- decoding
@contextmanager
def _open_bytes(path):
    """The file's bytes as :func:`pandas.read_csv` reads them: decompressed by pandas' own
    handle when the name says the file is compressed (``.gz``, ``.zip``, ...)."""
    from pandas.io.common import get_handle

    with get_handle(path, "rb", compression="infer", is_text=False) as handles:
        yield handles.handle


def _first_undecodable(path, encoding, chunk_size=1 << 20):
    """``(line, byte_offset, byte)`` of the first byte ``encoding`` cannot decode, else None."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    offset, lines = 0, 1
    with _open_bytes(path) as fh:
        while True:
            chunk = fh.read(chunk_size)
            final = not chunk
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                # the decoder may hold back an incomplete sequence from the previous chunk
                held = len(exc.object) - len(chunk)
                pos = max(exc.start - held, 0)
                lines += chunk[:pos].count(b"\n")
                bad = chunk[pos:pos + 1] or exc.object[exc.start:exc.start + 1]
                return lines, offset + pos, bad
            if final:
                return None
            lines += chunk.count(b"\n")
            offset += len(chunk)


def _decode_error(path, encoding) -> CLIError:
    """The message for a file that ``encoding`` cannot decode: where, and what to try."""
    import zipfile

    unreadable = (OSError, EOFError, ValueError, zipfile.BadZipFile)  # not a readable archive
    try:
        with _open_bytes(path) as fh:
            head = fh.read(4096)
    except unreadable:  # its raw bytes
        with open(path, "rb") as fh:
            head = fh.read(4096)
    name = repr(str(path))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return CLIError(f"{name} could not be decoded as {encoding}: it starts with a UTF-16 "
                        "byte-order mark; pass --encoding utf-16.")
    if b"\x00" in head:
        return CLIError(f"{name} is not a text CSV file (it could not be decoded as "
                        f"{encoding} and holds NUL bytes: a binary file?). If it is text in "
                        "another encoding, pass that with --encoding (e.g. --encoding utf-16).")
    where = ""
    try:
        found = _first_undecodable(path, encoding)
    except unreadable:
        found = None
    if found is not None:
        line, offset, byte = found
        where = f" (byte 0x{byte.hex()} on line {line}, offset {offset})"
    return CLIError(f"{name} could not be decoded as {encoding}{where}: the file uses another "
                    "text encoding. Pass it with --encoding, e.g. --encoding latin-1 or "
                    "--encoding cp1252 (Excel on Windows).")


def read_table(path, sep=",", encoding="utf-8", *, header=True, decimal=".", thousands=None,
               target=None):
    """Read a CSV file into a DataFrame; CLIError naming the problem otherwise.

    Parameters
    ----------
    path : str or Path
    sep, encoding : str
        As :func:`pandas.read_csv` takes them.
    decimal : str, default="."
        The decimal mark of the numbers (``","`` for ``3,14``), one character.
        With another mark than ``"."``, a column of such numbers (with
        missing-value markers such as ``?`` and a few words such as
        ``unknown`` among them, as the column rule allows) is read as
        numbers.
    thousands : str or None, default=None
        The character that groups the thousands of the numbers (``","`` for
        ``1,275.22``), one character other than ``decimal``: a column of
        numbers some of which are grouped with it is read as numbers. With
        ``decimal=","`` points grouping the thousands (``1.716,77``) are read
        without it.
    header : bool, default=True
        False: the first row is data, and the columns are named ``"0"``,
        ``"1"``, ... by position.
    target : str, int or None, default=None
        A column to read as ``compare`` reads the target: its labels as
        numbers when every label is one, text otherwise (stripped, pandas'
        missing-value markers missing). Then it compares with a saved
        model's ``predict`` and scores (``model.score(X, X[name])``). As
        ``compare --target`` takes it: a column's name, else its position
        (``0`` the first, ``-1`` the last; a column named by the same text
        wins).

    Returns
    -------
    df : DataFrame
        Every cell as it is written, as text (spaces after a separator
        skipped): the package's column rule (:mod:`sklearn_losses.columns`)
        decides what each column is, as it does for a DataFrame given to
        the estimator. So ``"07000"`` stays a code, and ``"NA"`` in a text
        column stays a level; in a column of numbers or dates the
        missing-value markers (``""``, ``"?"``, ``"NA"``, ...) are missing
        values. Columns of numbers written with the ``decimal`` mark are
        read as numbers; with ``decimal=","`` their cells may group
        thousands with points (``1.716,77``).
    """
    import codecs

    import pandas as pd

    try:
        codecs.lookup(encoding)
    except LookupError:
        raise CLIError(f"--encoding {encoding!r} is not a known text encoding (e.g. utf-8, "
                       "latin-1, cp1252, utf-16).") from None
    if not isinstance(decimal, str) or len(decimal) != 1:
        raise CLIError(f"--decimal must be a single character (e.g. ',' for 3,14); got "
                       f"{decimal!r}.")
    if thousands is not None and (not isinstance(thousands, str) or len(thousands) != 1
                                  or thousands == decimal or thousands in "0123456789+-eE"):
        raise CLIError(f"--thousands must be a single character other than the decimal mark "
                       f"{decimal!r} and not a digit or sign (e.g. ',' for 1,275.22); got "
                       f"{thousands!r}.")
    sep = {"\\t": "\t", "tab": "\t"}.get(sep, sep)  # --sep '\t' as typed in a shell
    if not isinstance(sep, str) or sep == "":
        raise CLIError(f"--sep must be a character (e.g. ';', or '\\t' for tabs); got {sep!r}.")
    p = Path(path)
    expected = "a CSV file" + (" with a header row" if header else "")
    if not p.exists():
        raise CLIError(f"file not found: {str(path)!r}.")
    if p.is_dir():
        raise CLIError(f"{str(path)!r} is a folder, not a CSV file.")
    if p.stat().st_size == 0:
        raise CLIError(f"{str(path)!r} is empty (0 bytes); expected {expected}.")
    try:
        # every cell as text: the package's column rule decides each column's kind (pandas'
        # own inference read the code "07000" as the number 7000 and the level "NA" as missing)
        read = dict(sep=sep, encoding=encoding, skipinitialspace=True, dtype=str,
                    keep_default_na=False,
                    # a separator of several characters is a regular expression, which only
                    # pandas' python engine reads (it would say so in a warning)
                    **({"engine": "python"} if len(sep) > 1 else {}))
        df = pd.read_csv(p, header=0 if header else None, **read)
        names = (pd.read_csv(p, header=None, nrows=1, **read).iloc[0].tolist()
                 if header and len(df.columns) else [])
        notes = []
        if header and len(df):
            # the data rows' fields (the first rows say whether to look at them all)
            if pd.read_csv(p, header=None, skiprows=1, nrows=100, **read).shape[1] == \
                    len(names) + 1:
                # pandas makes the first field the index: right for row names (R's
                # write.table), every column one place off for a separator ending each line
                rows = pd.read_csv(p, header=None, skiprows=1, **read)
                df, notes = _extra_field(p, rows, read, str(path))
        elif not header and df.shape[1] > 1 and _empty(df.iloc[:, -1]).all():
            df = df.iloc[:, :-1]  # each line ends with a separator: no column, no value
            notes = ["Note: every line ends with a separator; the empty last field is left "
                     "out."]
    except pd.errors.EmptyDataError:
        raise CLIError(f"{str(path)!r} holds no data (no columns found); expected "
                       f"{expected}.") from None
    except UnicodeDecodeError:
        raise _decode_error(p, encoding) from None
    except (pd.errors.ParserError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CLIError(f"could not parse {str(path)!r} as CSV: {detail}") from None
    except OSError as exc:
        raise CLIError(f"could not read {str(path)!r}: {exc.strerror or exc}.") from None
    if not header:
        df.columns = [str(i) for i in range(df.shape[1])]
    df, header_notes = _check_header(df, names, str(path)) if header else (df, [])
    notes += header_notes
    if decimal != "." or thousands is not None:
        df = _parse_number_columns(df, decimal, thousands)
    if target is not None:  # a name, else a position (-1 the last), as compare --target
        column = resolve_column(str(target), [str(c) for c in df.columns], option="target",
                                source=repr(str(path)), sep=sep, header=header)
        df[column] = _labels(df[column])
    df.attrs["read_notes"] = notes
    df.attrs["headerless"] = not header
    if len(df) == 0:
        raise CLIError(f"{str(path)!r} has a header row but no data rows"
                       + ("" if header else " (with --no-header: no rows at all)") + ".")
    return df


def _empty(column):
    """Whether each cell of a column read as text is missing or blank."""
    return column.isna() | (column.astype(str).str.strip() == "")


def _extra_field(path, rows, read, source):
    """``(df, notes)`` for a file whose data ``rows`` have one more field than its header
    row names columns: when the last field is empty in every row (each line ends with a
    separator the header lacks), the file without it; when the first field is unique (row
    names, as R's ``write.table`` writes them), the file without it; each with a note.
    Otherwise CLIError: the columns cannot be told apart."""
    import warnings

    import pandas as pd

    if _empty(rows.iloc[:, -1]).all():
        with warnings.catch_warnings():  # "loss of data with index_col=False": the empty field
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            df = pd.read_csv(path, header=0, index_col=False, **read)
        return df, ["Note: the data rows end with a separator that the header row lacks; "
                    "their empty last field is left out."]
    if rows.iloc[:, 0].is_unique and not _empty(rows.iloc[:, 0]).any():
        df = pd.read_csv(path, header=0, **read).reset_index(drop=True)
        return df, ["Note: the data rows have one field more than the header row names: "
                    "the first field of each row, all different, is read as row names (as "
                    "R's write.table writes them) and left out."]
    row = int(np.flatnonzero(~_empty(rows.iloc[:, -1]))[0])
    raise CLIError(
        f"{source}: the data rows have {rows.shape[1]} fields but the header row names "
        f"{rows.shape[1] - 1} columns (the first row with a value in the last field is data "
        f"row {row + 1}, and the first fields are not row names, being repeated or empty): "
        "name every column in the header, or remove the extra field.")


def _check_header(df, names, source):
    """``(df, notes)``: ``df`` checked against its header row ``names`` as written.

    A name given twice is an error (pandas would read the repeat as ``name.1``, another
    feature: a copy of the target would leak it). A column with no name and no value (a
    separator at the end of every line) is left out; one with no name but values is kept
    as pandas names it (``Unnamed: k``) and listed in ``df.attrs["unnamed_columns"]``
    (:func:`unnamed_note` says so once ``--drop`` and the target are known). The first, and
    a header row that looks like data, get a note.
    """
    notes = []
    if len(names) != df.shape[1]:
        return df, notes
    names = ["" if n is None else str(n) for n in names]
    repeated = {n: [j for j, m in enumerate(names) if m == n] for n in names
                if n != "" and names.count(n) > 1}
    if repeated:
        shown = "; ".join(f"{n!r} at positions {', '.join(map(str, at))}"
                          for n, at in list(repeated.items())[:5])
        if _looks_like_data(names):  # a headerless file read with a header: its first row?
            raise CLIError(f"{source}: the header row names a column more than once "
                           f"({shown}) and looks like data (half or more of its names are "
                           "numbers). If the file has no header row, pass --no-header "
                           "(read_table(..., header=False)) and give columns by position; if "
                           "it has one, rename the repeats: each would be read as another "
                           "column.")
        raise CLIError(f"{source}: the header names a column more than once ({shown}). "
                       "Rename the repeats: each would be read as another column (pandas' "
                       "'name.1'), and a copy of the target would become a feature.")
    blank = [df.columns[j] for j, n in enumerate(names) if n.strip() == ""]
    empty = [c for c in blank if (df[c].str.strip() == "").all()]
    if empty:
        df = df.drop(columns=empty)
        notes.append(f"Note: {len(empty)} column(s) with no name and no value (a separator "
                     "at the end of every line?) left out.")
    # columns with no name but values: noted by unnamed_note once --drop and the target
    # are known (a saved DataFrame index, 'Unnamed: 0', is usually dropped)
    df.attrs["unnamed_columns"] = [c for c in blank if c not in empty]
    if _looks_like_data([str(c) for c in df.columns]):
        notes.append("Warning: the header row looks like data (mostly numbers), and is read "
                     "as the column names, not as a row: if the file has no header row, pass "
                     "--no-header (read_table(..., header=False)) and give columns by "
                     "position.")
    return df, notes


# ---------------------------------------------------------------- columns
def _labels(column):
    """The target column's labels: text stripped of surrounding spaces, pandas' missing-value
    strings (``""``, ``"NA"``, ``"null"``, ...; not ``"?"``) missing, and numbers when every
    label is one (as :func:`pandas.read_csv` would type them: ``1`` and ``1.0`` are one
    class)."""
    import pandas as pd

    from ..columns import _NUMBER, MISSING_MARKERS

    if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
        return column
    text = column.where(column.isna(), column.astype(str).str.strip()).astype(object)
    text = text.mask(text.isin(MISSING_MARKERS - {"?", "..."}))  # pandas' own markers
    present = text.dropna()
    if len(present) and present.str.fullmatch(_NUMBER).all():
        numbers = pd.to_numeric(text)
        whole = numbers.dropna()
        if (whole == np.round(whole)).all() and not present.str.contains(r"[.eE]").any():
            return numbers.astype("Int64") if numbers.isna().any() else numbers.astype(np.int64)
        return numbers
    return text


def unnamed_note(X, columns):
    """The note on the features with no name in the header row (pandas' ``Unnamed: k``).

    ``columns``: those read (``read_table``'s ``df.attrs["unnamed_columns"]``); the
    ones still in ``X`` (not the target, not dropped) are named. A column holding the
    row numbers in order (0 or 1 up: a saved DataFrame index?), among those or named
    ``Unnamed: k`` in the header itself (a table read and saved again), is pointed out,
    with the ``--drop`` that leaves it out. None when there is nothing to say.
    """
    import shlex

    import pandas as pd

    kept = [c for c in columns if c in X.columns]
    notes = []
    if kept:
        notes.append(f"Note: column(s) {', '.join(map(repr, kept))} have no name in the "
                     "header row; they are features under these names.")
    saved = [c for c in X.columns if c not in kept and _UNNAMED.fullmatch(str(c))]
    for c in kept + saved:
        values = pd.to_numeric(X[c], errors="coerce").to_numpy(dtype=float)
        n = len(values)
        for start in (0, 1):
            if n > 1 and np.array_equal(values, np.arange(start, start + n)):
                notes.append(("" if notes else "Note: ")
                             + f"{c!r} holds the row numbers {start} to {start + n - 1} in "
                             "order (a saved DataFrame index?), which say nothing about a row "
                             "and follow the file's order: leave it out with --drop "
                             f"{shlex.quote(str(c))}.")
    return " ".join(notes) or None


#: pandas' name for a column with no name in the header (``Unnamed: 0``, ``Unnamed: 0.1``)
_UNNAMED = re.compile(r"Unnamed: [0-9]+(?:\.[0-9]+)?")


def _looks_like_data(columns) -> bool:
    """Whether half the column names or more are numbers: a first row of data read as header."""
    def number(text):
        try:
            float(text)
        except ValueError:
            return False
        return True

    return sum(number(c) for c in columns) >= len(columns) / 2


def resolve_column(name, columns, *, option, source, sep=",", header=True):
    """The column ``name`` stands for: a column name, else a position (``-1`` the last).

    ``header=False``: the file was read without a header row (its columns are positions),
    so the error suggests no ``--no-header``.

    Raises
    ------
    CLIError
        Naming the columns, with a hint when the file looks headerless or
        separated by another character.
    """
    if name in columns:
        return name
    if _POSITION.fullmatch(name.strip()):
        i = int(name)
        if -len(columns) <= i < len(columns):
            return columns[i]
        raise CLIError(f"{option} position {i} is out of range: {source} has "
                       f"{len(columns)} columns (positions 0 to {len(columns) - 1}, or -1 "
                       f"to -{len(columns)} from the end).")
    hint = ""
    if len(columns) == 1 and sep == ",":
        hint = " (a single column: is the file separated by ';' or tabs? use --sep)"
    close = difflib.get_close_matches(name, columns, n=1)
    hint += f" (did you mean {close[0]!r}?)" if close else ""
    if not header:
        hint += (" (the file is read without a header row: its columns are positions, "
                 "0 the first, -1 the last)")
    elif _looks_like_data(columns):
        hint += (" (the first row looks like data, mostly numbers: if the file has no header "
                 "row, pass --no-header and give the column's position, e.g. --target -1 for "
                 "the last one)")
    shown = ", ".join(columns[:30]) + (", ..." if len(columns) > 30 else "")
    what = "target column" if option == "--target" else f"{option} column"
    return _raise(CLIError(f"{what} {name!r} not found in {source}{hint}. "
                           f"Available columns: {shown}."))


def _raise(exc):
    raise exc


# ------------------------------------------------------------- preparation
def prepare_data(df, target, *, drop=(), positive_label=None, source="the data", sep=","):
    """Split ``df`` into features and labels, checking the target and the features.

    Parameters
    ----------
    df : DataFrame
    target : str
        The label column: a name, or a position (``"-1"``: the last column).
    drop : list of str
        Columns (names or positions) left out of the features.
    positive_label : str, optional
        Binary targets: the positive class; default the minority class.
    source, sep : str
        For the messages.

    Returns
    -------
    X : DataFrame
        Feature columns, as read (the model's preprocessing encodes them).
    y : ndarray
        Labels (string labels without surrounding spaces); for a binary
        target 1 for the positive class, 0 otherwise.
    info : dict
        ``target`` (the column's name), ``classes`` (label -> count, sorted),
        ``labels`` (the label of each code of ``y`` for a binary target),
        ``positive`` (binary only), ``numeric`` and ``categorical`` column
        names, ``cardinality`` (distinct values of each categorical column).

    Raises
    ------
    CLIError
        For a missing or unusable target, unknown ``drop`` columns, no
        features left, or infinite values in a numeric column.
    """
    import pandas as pd
    from sklearn.utils.multiclass import type_of_target

    columns = [str(c) for c in df.columns]
    header = not df.attrs.get("headerless", False)
    df = df.set_axis(columns, axis=1)
    if target is None:
        raise CLIError(f"--target is required with a CSV file: name the label column (or give "
                       f"its position, e.g. --target -1). Columns of {source}: "
                       f"{', '.join(columns[:30])}{', ...' if len(columns) > 30 else ''}.")
    target = resolve_column(str(target), columns, option="--target", source=source, sep=sep,
                            header=header)
    drop = [resolve_column(str(c), columns, option="--drop", source=source, sep=sep,
                           header=header) for c in drop]
    if target in drop:
        raise CLIError(f"--drop names the target column {target!r}.")

    y_raw = _labels(df[target])
    n_missing = int(y_raw.isna().sum())
    if n_missing:
        rows = (np.flatnonzero(y_raw.isna().to_numpy()) + 1)[:5].tolist()
        more = ", ..." if n_missing > 5 else ""
        raise CLIError(f"target column {target!r} has {n_missing} missing value(s) of "
                       f"{len(y_raw)} rows (data rows {', '.join(map(str, rows))}{more}, "
                       "counted from 1 after any header, blank lines not counted); drop or "
                       "fill those rows.")
    y_values = y_raw.to_numpy()
    if y_raw.dtype.kind not in "biuf":
        y_values = y_raw.astype(str).to_numpy(dtype=object)
    counts = pd.Series(y_values).value_counts(sort=False).sort_index()
    if len(counts) < 2:
        raise CLIError(f"target column {target!r} has a single class "
                       f"({format_label(counts.index[0])}, {int(counts.iloc[0])} rows); "
                       "a classifier needs at least 2 classes.")
    kind = type_of_target(y_values)
    if kind not in ("binary", "multiclass"):
        raise CLIError(f"target column {target!r} does not hold class labels "
                       f"(type {kind!r}, {len(counts)} distinct values, e.g. "
                       f"{', '.join(format_label(v) for v in counts.index[:3])}); "
                       "compare needs a categorical target.")

    info = {"target": target, "classes": {k: int(v) for k, v in counts.items()},
            "file_columns": list(columns)}
    if len(counts) == 2:
        if positive_label is None:
            # the minority class; on a tie the last in sorted order
            positive = [k for k, v in counts.items() if v == counts.min()][-1]
        else:
            matches = [v for v in counts.index if str(v) == positive_label.strip()
                       or format_label(v) == positive_label]
            if not matches:
                raise CLIError(f"--positive-label {positive_label!r} is not a class of target "
                               f"column {target!r}. Classes: "
                               f"{', '.join(str(v) for v in counts.index)}.")
            positive = matches[0]
        info["positive"] = positive
        info["labels"] = [next(k for k in counts.index if k != positive), positive]
        y = (y_values == positive).astype(np.int64)
    else:
        if positive_label is not None:
            raise CLIError(f"--positive-label applies to binary targets; target column "
                           f"{target!r} has {len(counts)} classes.")
        y = y_values

    X = df.drop(columns=[target, *drop])
    if X.shape[1] == 0:
        raise CLIError(f"no feature columns left in {source} besides the target {target!r}.")
    from ..columns import (DATETIME, NUMERIC, column_kinds, date_like_example, numeric_words,
                           to_numeric)

    kinds = list(zip(X.columns, column_kinds(X)))  # the package's column rule
    numeric = [c for c, k in kinds if k == NUMERIC]
    dates = [c for c, k in kinds if k == DATETIME]
    categorical = [c for c, k in kinds if k not in (NUMERIC, DATETIME)]

    # numbers as text, "?" as NaN; words ("unknown") as NaN, in a note rather than a warning
    try:
        values = {c: to_numeric(X[c], str(c), warn=False) for c in numeric}
    except ValueError as exc:  # a number beyond float64's range: a data error, named
        raise CLIError(f"{source}: {exc}") from None
    infinite = [c for c in numeric if np.isinf(values[c]).any()]
    if infinite:
        counts_inf = ", ".join(f"{c!r} ({int(np.isinf(values[c]).sum())} "
                               "rows)" for c in infinite)
        raise CLIError(f"numeric column(s) {counts_inf} of {source} hold infinite values "
                       "(inf or -inf); replace them (e.g. by an empty cell, which is imputed) "
                       "or leave the column(s) out with --drop.")
    info["numeric"], info["categorical"], info["datetime"] = numeric, categorical, dates
    info["mostly_numbers"] = _mostly_numbers(X, categorical)
    info["numeric_words"] = {c: words for c in numeric if (words := numeric_words(X[c]))}
    info["cardinality"] = {c: int(X[c].nunique(dropna=False)) for c in categorical}
    info["date_like"] = {c: found for c in categorical
                         if (found := date_like_example(X[c])) is not None}
    return _typed(X, values, dates, categorical), y, info


def _typed(X, numbers, dates, categorical):
    """``X`` with the kinds the column rule gave the whole file fixed in its dtypes: numeric
    columns as the float64 values read (markers and words missing), dates as datetime64, the
    others as ``category``. Every fold's model then sees the file's kinds (each fold decided
    them again on its own rows, so a column of 5% words could be numeric in one fold and text
    in another, and a text column whose odd cell a fold lacked failed on it), and no fit
    parses text again (7 to 10 times slower on a 5,822-row table). A saved model still takes
    the file's text: its encoder reads each kind from strings."""
    from ..columns import to_datetime

    X = X.copy()
    for c, values in numbers.items():
        X[c] = values
    for c in dates:
        X[c] = to_datetime(X[c], str(c))
    for c in categorical:
        X[c] = X[c].astype("category")
    return X


def _mostly_numbers(X, columns) -> dict:
    """``{column: [its non-numeric values, up to 3]}`` for the text columns of ``X`` whose
    values are numbers but for a few (at most ``WORD_SHARE`` of the present ones): a stray
    cell such as ``"1,234"`` or ``"12 kg"`` makes the whole column text, each value a
    category, so its numbers do not count as numbers. (Words such as ``"unknown"`` are read
    as missing values by the column rule: the column stays numeric.)"""
    import pandas as pd

    from ..columns import _LENIENT_NUMBER, MISSING_MARKERS, WORD_SHARE

    out = {}
    for c in columns:
        present = X[c].dropna()
        if len(present) == 0 or not (present.dtype == object
                                     or pd.api.types.is_string_dtype(present.dtype)):
            continue
        # read as the column rule reads text: stripped, missing-value markers left out
        text = present.astype(str).str.strip()
        text = text[~text.isin(MISSING_MARKERS)]
        stray = text[~text.str.fullmatch(_LENIENT_NUMBER.pattern)]
        if 0 < len(stray) <= WORD_SHARE * len(text):
            out[c] = list(pd.unique(stray)[:3])
    return out


def stratified_subsample(y, n_rows, *, min_per_class=0, random_state=0) -> np.ndarray:
    """Indices (in file order) of a stratified random subsample of ``n_rows`` rows.

    Each class keeps its share of the rows (largest remainders), and at least
    ``min(its count, min_per_class)`` rows, so that stratified K-fold still
    has a row of every class in every fold when ``min_per_class=K``. All rows
    when ``n_rows >= len(y)``.

    Raises
    ------
    ValueError
        When ``n_rows`` cannot hold ``min_per_class`` rows of every class.
    """
    y = np.asarray(y)
    n = len(y)
    if n_rows >= n:
        return np.arange(n)
    _, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    floor = np.minimum(counts, min_per_class)
    if n_rows < floor.sum():
        raise ValueError(f"{n_rows} rows cannot hold {min_per_class} rows of each of the "
                         f"{len(counts)} classes (at least {int(floor.sum())} rows needed)")
    target = n_rows * counts / n
    alloc = np.maximum(floor, np.floor(target).astype(np.int64))
    while alloc.sum() > n_rows:  # the floors took rows: take them where it costs least
        spare = np.where(alloc > floor, (alloc - target) / target, -np.inf)
        alloc[np.argmax(spare)] -= 1
    while alloc.sum() < n_rows:  # largest remainders first
        room = np.where(alloc < counts, target - alloc, -np.inf)
        alloc[np.argmax(room)] += 1
    rng = np.random.default_rng(random_state)
    picked = [rng.choice(np.flatnonzero(codes == k), size=int(a), replace=False)
              for k, a in enumerate(alloc)]
    return np.sort(np.concatenate(picked))


# ---------------------------------------------------------------- outputs
def _probe_file(path: Path, option: str) -> None:
    """Open ``path`` for appending (creating it only for the probe); CLIError if impossible."""
    if path.is_dir():
        raise CLIError(f"cannot write {option} {str(path)!r}: a folder is in the way.")
    existed = path.exists()
    try:
        with open(path, "a"):
            pass
    except OSError as exc:
        raise CLIError(f"cannot write {option} {str(path)!r}: "
                       f"{exc.strerror or exc}.") from None
    if not existed:
        path.unlink()


def check_output_paths(out, files, extra=()) -> None:
    """Create the ``--out`` folder and check that every output file can be written.

    Called before any training, so that a run does not fail at its end.

    Parameters
    ----------
    out : Path
        The output folder (created with its parents).
    files : list of str
        File names inside ``out``.
    extra : list of (Path, str)
        Other output files with the option that names them (e.g. ``--save-best``).

    Raises
    ------
    CLIError
        Naming the path that cannot be created or written.
    """
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {str(out)!r} exists and is not a folder.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"cannot create --out folder {str(out)!r}: "
                       f"{exc.strerror or exc}.") from None
    for name in files:
        _probe_file(out / name, "--out file")
    for path, option in extra:
        path = Path(path)
        if not path.parent.is_dir():
            raise CLIError(f"cannot write {option} {str(path)!r}: folder "
                           f"{str(path.parent)!r} does not exist.")
        _probe_file(path, option)
