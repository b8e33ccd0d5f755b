"""The ``sklearn-losses`` command line: which loss suits my data?

``sklearn-losses compare`` cross-validates :class:`~sklearn_losses.WeightedLossClassifier`
with every combination of the given losses and re-weighting schemes on a CSV
file, prints a leaderboard and writes it (CSV and bar chart) to a folder.

Usage
-----
::

    sklearn-losses compare data.csv --target churned
    sklearn-losses compare data.csv --target churned --losses focal poly1 \\
        --reweight none balanced class_balanced --scoring average_precision roc_auc
    sklearn-losses compare                  # the bundled demo data set
    sklearn-losses compare --quick          # a smoke test: 600 rows, 2 folds, 30 epochs
    sklearn-losses compare big.csv -t label --max-rows 5000   # a quick look at a large file
    sklearn-losses list-losses              # the registered losses, one line each
    sklearn-losses --version
    python -m sklearn_losses.cli compare ... # the same without the console script

``compare`` in detail:

- **data**: read with :func:`pandas.read_csv` (``--sep`` for other
  separators, ``--encoding`` for files that are not UTF-8, e.g. ``latin-1``
  or ``cp1252``). ``--target`` names the label column and is required with a
  file. Every other column is a feature, except those given to ``--drop``:
  numeric columns are imputed (median) and standardized, all other columns
  (strings, booleans) are one-hot encoded (missing values form a category of
  their own; categories unseen in training encode as zeros), inside the
  cross-validated pipeline. Without a file, the command runs on
  :func:`sklearn_losses.datasets.make_demo_dataset` (target ``target``).
- **sample**: ``--max-rows N`` cross-validates on a random sample of N rows,
  stratified by the target (each class keeps its share, and at least
  ``--folds`` rows), seeded by ``--random-state``: a quick look at a large
  file. The whole file is still read.
- **binary targets**: the positive class (used by ``average_precision``,
  ``f1`` ...) is ``--positive-label``, by default the minority class.
  Multiclass targets are scored with the macro averages of the scorers.
- **models**: ``WeightedLossClassifier(loss=..., reweight=..., max_epochs=...,
  device=..., random_state=...)`` with its other defaults (among them
  ``early_stopping``).
- **evaluation**: :func:`sklearn.model_selection.cross_validate` over
  ``StratifiedKFold(--folds, shuffle=True, random_state=--random-state)``, the
  same folds for every configuration, with the scorers of
  :func:`sklearn_losses.metrics.get_scorer` (greater is better). The first
  ``--scoring`` name ranks the leaderboard. A configuration that fails (e.g.
  ``reweight=dro_kl`` with a batch-level loss) is reported with its error and
  ranked last; the others still run.
- **speed**: ``--threads`` (default 1) sets torch's CPU threads; one thread
  is the fastest for these small networks, and several threads slow down a
  lot when other processes compete for the cores. ``--jobs`` fits folds in
  parallel processes instead.
- **progress** on stderr, per fold: ``--progress bar`` a progress bar over
  every (configuration, fold) fit, ``--progress lines`` one line per
  finished fold (score, epochs, seconds, fits done and an estimate of the
  time left), ``auto`` (the default) the bar on a terminal and lines
  otherwise (logs, CI). A line per configuration gives its cross-validated
  score.
- **output**: the leaderboard on stdout; progress, notes and training
  warnings on stderr (``--quiet`` keeps only failed configurations and
  skipped outputs); in
  ``--out``: ``leaderboard.csv`` and, when matplotlib is installed and
  ``--no-plot`` is not given, ``leaderboard.png`` (a dot per configuration
  with its std over the folds; metrics in [0, 1] on an axis from 0 to 1).

Exit status: 0 when at least one configuration was evaluated, 1 when every
configuration failed, 2 for a usage or data error (the message on stderr names
the problem), 130 when interrupted (the configurations finished so far are
still written).
"""

from __future__ import annotations

import argparse
import difflib
import math
import re
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np

__all__ = ["CLIError", "build_parser", "main"]

PROG = "sklearn-losses"
DEFAULT_LOSSES = ("cross_entropy", "focal", "logit_adjusted", "poly1")
DEFAULT_REWEIGHT = ("none", "balanced")
DEFAULT_SCORING = ("average_precision", "roc_auc", "balanced_accuracy", "gmean")
DEFAULT_OUT = "sklearn-losses-compare"
#: ``--quick`` settings, each used unless the option is given explicitly.
QUICK = {"folds": 2, "max_epochs": 30, "demo_rows": 600}
FULL = {"folds": 5, "max_epochs": 200, "demo_rows": 2000}
#: A categorical column with more distinct values than this gets a note.
HIGH_CARDINALITY = 100


class CLIError(Exception):
    """A usage or data error: reported on stderr without a traceback, exit status 2."""


# --------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``sklearn-losses`` (sub-commands ``compare`` and ``list-losses``)."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="scikit-learn classifiers trained with PyTorch losses for imbalanced "
                    "and noisy tabular data.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    compare = sub.add_parser(
        "compare",
        help="cross-validate losses x re-weighting schemes on a CSV file and rank them",
        description=textwrap.fill(
            "Cross-validate WeightedLossClassifier with every combination of --losses and "
            "--reweight on DATA.csv (or on a generated demo data set) and write a "
            "leaderboard ranked by the first --scoring metric.", 78),
        epilog="Examples:\n"
               f"  {PROG} compare data.csv --target label\n"
               f"  {PROG} compare data.csv --target label --losses focal poly1 "
               "--reweight none class_balanced\n"
               f"  {PROG} compare --quick      # demo data, a few seconds\n"
               f"Losses: '{PROG} list-losses'. Exit status: 0 ok, 1 every configuration "
               "failed, 2 usage or data error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_argument("data", nargs="?", metavar="DATA.csv",
                         help="CSV file with a header row; omitted: the bundled demo data set "
                              "(sklearn_losses.datasets.make_demo_dataset)")
    compare.add_argument("--target", "-t", metavar="COLUMN",
                         help="name of the label column (required with DATA.csv; "
                              "the demo's is 'target')")
    compare.add_argument("--losses", nargs="+", metavar="NAME", default=list(DEFAULT_LOSSES),
                         help="registered loss names, or 'all' (default: "
                              f"{' '.join(DEFAULT_LOSSES)}); see '{PROG} list-losses'")
    compare.add_argument("--reweight", nargs="+", metavar="SCHEME",
                         default=list(DEFAULT_REWEIGHT),
                         help="re-weighting schemes: 'none' or a registered scheme "
                              f"(default: {' '.join(DEFAULT_REWEIGHT)}; available: "
                              f"{', '.join(_reweight_names())})")
    compare.add_argument("--scoring", nargs="+", metavar="NAME", default=list(DEFAULT_SCORING),
                         help="scorer names of sklearn_losses.metrics.get_scorer (package "
                              "scorers or scikit-learn's); the first ranks the leaderboard "
                              f"(default: {' '.join(DEFAULT_SCORING)})")
    compare.add_argument("--folds", "-k", type=int, metavar="K",
                         help=f"stratified cross-validation folds (default: {FULL['folds']}, "
                              f"--quick: {QUICK['folds']})")
    compare.add_argument("--max-epochs", type=int, metavar="N",
                         help=f"max_epochs of every model (default: {FULL['max_epochs']}, "
                              f"--quick: {QUICK['max_epochs']}); early stopping may end sooner")
    compare.add_argument("--random-state", type=int, default=0, metavar="SEED",
                         help="seed of the folds and of the models (default: 0)")
    compare.add_argument("--positive-label", metavar="LABEL",
                         help="binary targets: the positive class, as written in the file "
                              "(default: the minority class)")
    compare.add_argument("--drop", nargs="+", default=[], metavar="COLUMN",
                         help="columns to leave out of the features (identifiers, leaks)")
    compare.add_argument("--sep", default=",", help="CSV field separator (default: ',')")
    compare.add_argument("--encoding", default="utf-8", metavar="NAME",
                         help="text encoding of DATA.csv (default: utf-8; e.g. latin-1, "
                              "cp1252, utf-16)")
    compare.add_argument("--max-rows", type=int, metavar="N",
                         help="a quick look at a large file: cross-validate on a stratified "
                              "random sample of N rows (the class shares kept, every class "
                              "with at least --folds rows; seeded by --random-state)")
    compare.add_argument("--out", "-o", default=DEFAULT_OUT, metavar="DIR",
                         help=f"output folder, created if needed (default: ./{DEFAULT_OUT})")
    compare.add_argument("--quick", action="store_true",
                         help=f"smoke test: {QUICK['folds']} folds, {QUICK['max_epochs']} "
                              f"epochs, {QUICK['demo_rows']} demo rows (explicit --folds / "
                              "--max-epochs win)")
    compare.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                         help="folds fitted in parallel (joblib; -1: all cores; default: 1)")
    compare.add_argument("--threads", type=int, default=1, metavar="N",
                         help="torch CPU threads of this process (default: 1, the fastest for "
                              "small MLPs, above all on a busy machine; use --jobs for more "
                              "cores)")
    compare.add_argument("--device", default="auto",
                         help="'auto' (CUDA when available, else CPU), 'cpu', 'cuda', "
                              "'cuda:1'... (default: auto)")
    compare.add_argument("--progress", choices=("auto", "bar", "lines"), default="auto",
                         help="progress on stderr: 'bar' (a progress bar over every fold "
                              "fit), 'lines' (one line per finished fold, with the time "
                              "left), 'auto' (a bar on a terminal, else lines; default)")
    compare.add_argument("--no-plot", action="store_true", help="do not write leaderboard.png")
    compare.add_argument("--quiet", "-q", action="store_true",
                         help="print only the leaderboard (and warnings about the run)")
    compare.set_defaults(func=_cmd_compare)

    list_losses = sub.add_parser(
        "list-losses", help="list the registered losses with a one-line description",
        description="List the losses registered in sklearn_losses (the names --losses "
                    "accepts), whether each is pointwise or batch-level, and a one-line "
                    "description.")
    list_losses.set_defaults(func=_cmd_list_losses)
    return parser


def _reweight_names():
    from .weighting import available_reweightings

    return ["none", *available_reweightings()]


# ----------------------------------------------------------------------- main
def main(argv=None) -> int:
    """Run the ``sklearn-losses`` command line.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        0 on success, 1 when every compared configuration failed, 2 for a
        usage or data error (message on stderr), 130 when interrupted.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, argparse usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.func(args)
    except CLIError as exc:
        cmd = f"{PROG} {args.command}"
        print(f"{cmd}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


# ---------------------------------------------------------------- list-losses
def _first_line(doc) -> str:
    """The first line of a docstring with reST markup turned into plain text."""
    lines = (doc or "").strip().splitlines()
    text = lines[0].strip() if lines else ""
    text = re.sub(r":\w+:`~?(?:[\w.]+\.)?([^`]+)`", r"\1", text)  # :math:`x`, :class:`~a.B`
    return text.replace("``", "")


def _cmd_list_losses(args) -> int:
    from .losses.base import available_losses, get_loss_class

    names = available_losses()
    batch = set(available_losses("batch"))
    width = max(len(n) for n in names)
    print(f"{'loss':<{width}}  {'kind':<9}  description")
    for name in names:
        kind = "batch" if name in batch else "pointwise"
        print(f"{name:<{width}}  {kind:<9}  {_first_line(get_loss_class(name).__doc__)}")
    print(f"\n{len(names)} losses. Batch-level losses score whole mini-batches; use them with "
          "reweight 'none'.", file=sys.stderr)
    return 0


# -------------------------------------------------------------------- compare
def _note(args, message):
    if not args.quiet:
        print(message, file=sys.stderr)


def _unknown(kind, name, valid, extra=""):
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return CLIError(f"unknown {kind} {name!r}{hint}. Valid {kind} names: "
                    f"{', '.join(valid)}{extra}.")


def _dedupe(items):
    return list(dict.fromkeys(items))


def resolve_losses(names) -> list[str]:
    """Validated loss names (``"all"`` expands to every registered loss)."""
    from .losses.base import available_losses

    valid = available_losses()
    out = []
    for name in names:
        if name == "all":
            out.extend(valid)
        elif name in valid:
            out.append(name)
        else:
            raise _unknown("loss", name, valid, extra=", or 'all'")
    return _dedupe(out)


def resolve_reweightings(names) -> list:
    """Validated schemes: None for ``none``, else the scheme name."""
    valid = _reweight_names()
    out = []
    for name in names:
        if name.lower() == "none":
            out.append(None)
        elif name in valid:
            out.append(name)
        else:
            raise _unknown("reweight", name, valid)
    return _dedupe(out)


def resolve_scoring(names) -> dict:
    """``{name: scorer}`` in the given order; CLIError for an unknown name."""
    from sklearn.metrics import get_scorer_names

    from .metrics import available_scorers, get_scorer

    scorers = {}
    for name in _dedupe(names):
        try:
            scorers[name] = get_scorer(name)
        except ValueError:
            raise _unknown(
                "scoring", name, available_scorers(),
                extra=" (or any name of sklearn.metrics.get_scorer_names(), e.g. "
                      f"{', '.join(n for n in get_scorer_names() if n.startswith('recall'))})",
            ) from None
    return scorers


def _first_undecodable(path, encoding, chunk_size=1 << 20):
    """``(line, byte_offset, byte)`` of the first byte ``encoding`` cannot decode, else None."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    offset, lines = 0, 1
    with open(path, "rb") as fh:
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
    except OSError:
        found = None
    if found is not None:
        line, offset, byte = found
        where = f" (byte 0x{byte.hex()} on line {line}, offset {offset})"
    return CLIError(f"{name} could not be decoded as {encoding}{where}: the file uses another "
                    "text encoding. Pass it with --encoding, e.g. --encoding latin-1 or "
                    "--encoding cp1252 (Excel on Windows).")


def read_table(path, sep=",", encoding="utf-8"):
    """Read a CSV file into a DataFrame; CLIError naming the problem otherwise."""
    import codecs

    import pandas as pd

    try:
        codecs.lookup(encoding)
    except LookupError:
        raise CLIError(f"--encoding {encoding!r} is not a known text encoding (e.g. utf-8, "
                       "latin-1, cp1252, utf-16).") from None
    p = Path(path)
    if not p.exists():
        raise CLIError(f"file not found: {str(path)!r}.")
    if p.is_dir():
        raise CLIError(f"{str(path)!r} is a folder, not a CSV file.")
    if p.stat().st_size == 0:
        raise CLIError(f"{str(path)!r} is empty (0 bytes); expected a CSV file with a header row.")
    try:
        df = pd.read_csv(p, sep=sep, encoding=encoding)
    except pd.errors.EmptyDataError:
        raise CLIError(f"{str(path)!r} holds no data (no columns found); expected a CSV file "
                       "with a header row.") from None
    except UnicodeDecodeError:
        raise _decode_error(p, encoding) from None
    except (pd.errors.ParserError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CLIError(f"could not parse {str(path)!r} as CSV: {detail}") from None
    except OSError as exc:
        raise CLIError(f"could not read {str(path)!r}: {exc.strerror or exc}.") from None
    if len(df) == 0:
        raise CLIError(f"{str(path)!r} has a header row but no data rows.")
    return df


def _format_label(value):
    value = value.item() if isinstance(value, np.generic) else value
    return f"{value:.4g}" if isinstance(value, float) else repr(value)


def _plural(n, word, plural=None):
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def prepare_data(df, target, *, drop=(), positive_label=None, source="the data", sep=","):
    """Split ``df`` into features and labels, checking the target.

    Returns
    -------
    X : DataFrame
        Feature columns; non-numeric ones converted to strings (missing
        values as ``"missing"``).
    y : ndarray
        Labels; for a binary target 1 for the positive class, 0 otherwise.
    info : dict
        ``classes`` (label -> count, in file order of sorting), ``positive``
        (binary only), ``numeric`` and ``categorical`` column names.
    """
    import pandas as pd
    from sklearn.utils.multiclass import type_of_target

    columns = [str(c) for c in df.columns]
    df = df.set_axis(columns, axis=1)
    if target is None:
        raise CLIError(f"--target is required with a CSV file: name the label column. "
                       f"Columns of {source}: {', '.join(columns)}.")
    if target not in columns:
        hint = ""
        if len(columns) == 1 and sep == ",":
            hint = " (a single column: is the file separated by ';' or tabs? use --sep)"
        close = difflib.get_close_matches(target, columns, n=1)
        hint += f" (did you mean {close[0]!r}?)" if close else ""
        raise CLIError(f"target column {target!r} not found in {source}{hint}. "
                       f"Available columns: {', '.join(columns)}.")
    missing_drop = [c for c in drop if c not in columns]
    if missing_drop:
        raise CLIError(f"--drop column(s) not found in {source}: {', '.join(missing_drop)}. "
                       f"Available columns: {', '.join(columns)}.")
    if target in drop:
        raise CLIError(f"--drop names the target column {target!r}.")

    y_raw = df[target]
    n_missing = int(y_raw.isna().sum())
    if n_missing:
        lines = (np.flatnonzero(y_raw.isna().to_numpy()) + 2)[:5].tolist()
        more = ", ..." if n_missing > 5 else ""
        raise CLIError(f"target column {target!r} has {n_missing} missing value(s) of "
                       f"{len(y_raw)} rows (file lines {', '.join(map(str, lines))}{more}); "
                       "drop or fill those rows.")
    y_values = y_raw.to_numpy()
    if y_raw.dtype.kind not in "biuf":
        y_values = y_raw.astype(str).to_numpy(dtype=object)
    counts = pd.Series(y_values).value_counts(sort=False).sort_index()
    if len(counts) < 2:
        raise CLIError(f"target column {target!r} has a single class "
                       f"({_format_label(counts.index[0])}, {int(counts.iloc[0])} rows); "
                       "a classifier needs at least 2 classes.")
    kind = type_of_target(y_values)
    if kind not in ("binary", "multiclass"):
        raise CLIError(f"target column {target!r} does not hold class labels "
                       f"(type {kind!r}, {len(counts)} distinct values, e.g. "
                       f"{', '.join(_format_label(v) for v in counts.index[:3])}); "
                       "compare needs a categorical target.")

    info = {"classes": {k: int(v) for k, v in counts.items()}}
    if len(counts) == 2:
        if positive_label is None:
            # the minority class; on a tie the last in sorted order
            positive = [k for k, v in counts.items() if v == counts.min()][-1]
        else:
            matches = [v for v in counts.index if str(v) == positive_label
                       or _format_label(v) == positive_label]
            if not matches:
                raise CLIError(f"--positive-label {positive_label!r} is not a class of target "
                               f"column {target!r}. Classes: "
                               f"{', '.join(str(v) for v in counts.index)}.")
            positive = matches[0]
        info["positive"] = positive
        y = (y_values == positive).astype(np.int64)
    else:
        if positive_label is not None:
            raise CLIError(f"--positive-label applies to binary targets; target column "
                           f"{target!r} has {len(counts)} classes.")
        y = y_values

    X = df.drop(columns=[target, *drop])
    if X.shape[1] == 0:
        raise CLIError(f"no feature columns left in {source} besides the target {target!r}.")
    numeric = list(X.select_dtypes(include="number").columns)
    categorical = [c for c in X.columns if c not in numeric]
    if categorical:
        X = X.copy()
        for c in categorical:
            col = X[c]
            X[c] = col.astype(object).where(col.notna(), "missing").astype(str)
    info["numeric"], info["categorical"] = numeric, categorical
    info["cardinality"] = {c: int(X[c].nunique()) for c in categorical}
    return X, y, info


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


def make_model_pipeline(numeric, categorical, classifier):
    """``Pipeline([ColumnTransformer(numeric, categorical), classifier])``.

    Numeric columns: median imputation then standardization. Categorical
    columns: one-hot encoding with ``handle_unknown="ignore"`` (dense).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    transformers = []
    if numeric:
        transformers.append(("numeric", make_pipeline(SimpleImputer(strategy="median"),
                                                      StandardScaler()), numeric))
    if categorical:
        transformers.append(("categorical", OneHotEncoder(handle_unknown="ignore",
                                                          sparse_output=False), categorical))
    return Pipeline([("preprocess", ColumnTransformer(transformers, sparse_threshold=0.0)),
                     ("classifier", classifier)])


def _config_name(loss, reweight):
    return f"{loss} + {'none' if reweight is None else reweight}"


def _cross_validate_fold(pipeline, X, y, train, test, scorers):
    """``cross_validate`` on one (train, test) split: a clone fitted and scored."""
    from sklearn.model_selection import cross_validate

    return cross_validate(pipeline, X, y, cv=[(train, test)], scoring=scorers, n_jobs=None,
                          error_score="raise", return_estimator=True)


def _folds_as_completed(pipeline, X, y, splits, scorers, n_jobs):
    """``(fold index, cross_validate result)`` per fold, as the folds finish."""
    if n_jobs in (None, 1) or len(splits) == 1:
        for k, (train, test) in enumerate(splits):
            yield k, _cross_validate_fold(pipeline, X, y, train, test, scorers)
        return
    from joblib import Parallel, delayed

    def fold(k, train, test):
        return k, _cross_validate_fold(pipeline, X, y, train, test, scorers)

    yield from Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(fold)(k, train, test) for k, (train, test) in enumerate(splits))


def evaluate_config(pipeline, X, y, cv, scorers, n_jobs, on_fold=None):
    """Cross-validate one pipeline; a result row (without the config names).

    The folds are the same as :func:`sklearn.model_selection.cross_validate`'s
    with ``cv`` (and give the same scores), run one ``cross_validate`` per
    fold so that ``on_fold(fold, n_folds, scores, fit_seconds, epochs)`` can
    report each finished fold (``scores``: ``{scorer name: score}``). With
    ``n_jobs`` other than 1 the folds run in parallel and are reported as
    they finish. The first failing fold fails the configuration.
    """
    splits = list(cv.split(X, y))
    t0 = time.perf_counter()
    results = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            for k, res in _folds_as_completed(pipeline, X, y, splits, scorers, n_jobs):
                results[k] = res
                if on_fold is not None:
                    on_fold(k, len(splits),
                            {name: float(res[f"test_{name}"][0]) for name in scorers},
                            float(res["fit_time"][0]), res["estimator"][0][-1].n_iter_)
            error = None
        except Exception as exc:  # recorded in the leaderboard; the other configs go on
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            error = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    ok = error is None
    folds = [results[k] for k in sorted(results)] if ok else []
    row = {"total_s": time.perf_counter() - t0, "error": error}
    row["warnings"] = _dedupe(str(w.message).strip() for w in caught
                              if issubclass(w.category, UserWarning))
    for name in scorers:
        scores = np.array([f[f"test_{name}"][0] for f in folds], dtype=float)
        row[f"{name}_mean"] = float(np.mean(scores)) if ok else math.nan
        row[f"{name}_std"] = float(np.std(scores)) if ok else math.nan
    row["fit_s"] = float(np.mean([f["fit_time"][0] for f in folds])) if ok else math.nan
    row["epochs"] = float(np.mean([f["estimator"][0][-1].n_iter_ for f in folds])) \
        if ok else math.nan
    return row


def rank_rows(rows, metric) -> list[dict]:
    """Rows sorted by ``<metric>_mean``, best first; failed ones last. Adds ``rank``."""
    ok = sorted((r for r in rows if r["error"] is None and not math.isnan(r[f"{metric}_mean"])),
                key=lambda r: -r[f"{metric}_mean"])
    rest = [r for r in rows if r not in ok]
    for i, r in enumerate(ok, 1):
        r["rank"] = i
    for r in rest:
        r["rank"] = None
    return ok + rest


def format_leaderboard(rows, metrics) -> str:
    """Plain-text leaderboard: rank, loss, reweight, mean ± std per metric, fit time, epochs."""
    header = ["rank", "loss", "reweight", *metrics, "fit s/fold", "epochs"]
    body = []
    for r in rows:
        cells = [str(r["rank"]) if r["rank"] else "-", r["loss"], r["reweight"]]
        if r["error"] is not None:
            cells += ["failed"] + [""] * (len(metrics) - 1) + ["", ""]
        else:
            cells += [f"{r[f'{m}_mean']:.3f} ± {r[f'{m}_std']:.3f}" for m in metrics]
            cells += [f"{r['fit_s']:.2f}", f"{r['epochs']:.0f}"]
        body.append(cells)
    widths = [max(len(h), *(len(c[i]) for c in body)) for i, h in enumerate(header)]
    right = {0, *range(3, len(header))}

    def fmt(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    lines = [fmt(header), fmt(["-" * w for w in widths])]
    lines += [fmt(c) for c in body]
    failed = [r for r in rows if r["error"] is not None]
    for r in failed:
        lines.append(f"failed: {_config_name(r['loss'], r['reweight_arg'])}: {r['error']}")
    return "\n".join(lines)


def write_csv(rows, metrics, path):
    """``leaderboard.csv``: one row per configuration, best first."""
    import pandas as pd

    cols = ["rank", "loss", "reweight"]
    for m in metrics:
        cols += [f"{m}_mean", f"{m}_std"]
    cols += ["fit_s", "epochs", "total_s", "error", "warnings"]
    table = pd.DataFrame([{**r, "warnings": " | ".join(r["warnings"])} for r in rows],
                         columns=cols)
    table["rank"] = table["rank"].astype("Int64")
    table.to_csv(path, index=False, float_format="%.6g")


def leaderboard_figure(rows, metric, n_folds):
    """The leaderboard plot: a dot per configuration (mean of ``metric``), std error bars.

    Best on top, the best in orange; each label gives ``mean ± std``. A dot
    plot rather than bars, and for a metric whose means all lie in [0, 1]
    (AUC, average precision, balanced accuracy, G-mean, F1 ...) an axis from
    0 to 1: small differences are not blown up by a zoomed axis. Other
    metrics (``neg_log_loss``, ``neg_brier`` ...) get an axis fitted to
    the data. None when matplotlib is not installed or no configuration
    succeeded.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    ok = [r for r in rows if r["error"] is None and not math.isnan(r[f"{metric}_mean"])]
    if not ok:
        return None
    means = np.array([r[f"{metric}_mean"] for r in ok])
    stds = np.array([r[f"{metric}_std"] for r in ok])
    names = [_config_name(r["loss"], r["reweight_arg"]) for r in ok]
    width = max(len(name) for name in names)
    labels = [f"{name:<{width}}  {m:.3f} ± {sd:.3f}"  # monospace: the scores align
              for name, m, sd in zip(names, means, stds)]
    fig = Figure(figsize=(7.5, 1.3 + 0.34 * len(ok)), layout="constrained")
    FigureCanvasAgg(fig)  # the Agg canvas: no display, no pyplot state
    ax = fig.add_subplot()
    pos = np.arange(len(ok))[::-1]  # best on top
    for i, (p, m, sd) in enumerate(zip(pos, means, stds)):
        ax.errorbar(m, p, xerr=sd, fmt="o", color="tab:orange" if i == 0 else "tab:blue",
                    markersize=6, capsize=3, elinewidth=1, clip_on=False, zorder=3)
    ax.set_yticks(pos, labels, fontfamily="monospace", fontsize=8)
    ax.set_ylim(-0.6, len(ok) - 0.4)
    if np.all((means >= 0) & (means <= 1)):
        ax.set_xlim(0.0, 1.0)
        ax.set_xticks(np.linspace(0, 1, 11))
    else:
        lo, hi = float(np.min(means - stds)), float(np.max(means + stds))
        span = max(hi - lo, 1e-3)
        ax.set_xlim(lo - 0.08 * span, hi + 0.08 * span)
    ax.set_xlabel(f"{metric}: mean ± std over {n_folds} folds (greater is better)")
    ax.set_title("sklearn-losses compare")
    ax.grid(axis="x", alpha=0.3)
    ax.grid(axis="y", alpha=0.15)
    return fig


def write_plot(rows, metric, n_folds, path) -> bool:
    """Write :func:`leaderboard_figure` to ``path`` (PNG).

    Returns False, writing nothing, when matplotlib is not installed or no
    configuration succeeded.
    """
    fig = leaderboard_figure(rows, metric, n_folds)
    if fig is None:
        return False
    fig.savefig(path, dpi=120)
    return True


def _check_folds(folds, info):
    if folds < 2:
        raise CLIError(f"--folds must be at least 2; got {folds}.")
    counts = info["classes"]
    smallest = min(counts, key=counts.get)
    if folds > counts[smallest]:
        raise CLIError(
            f"--folds {folds} is larger than the smallest class ({_format_label(smallest)}: "
            f"{counts[smallest]} rows): stratified cross-validation needs a row of every class "
            f"in every fold. Use --folds {max(counts[smallest], 2)} or fewer, or more data.")


def _cmd_compare(args) -> int:
    try:
        import pandas  # noqa: F401
    except ImportError:
        raise CLIError("the compare command needs pandas: pip install pandas") from None
    import torch

    from .classifier import resolve_device
    from .datasets import DEMO_TARGET, make_demo_dataset

    settings = QUICK if args.quick else FULL
    folds = settings["folds"] if args.folds is None else args.folds
    max_epochs = settings["max_epochs"] if args.max_epochs is None else args.max_epochs

    # ---- options first (cheap), then the data, then the long part
    losses = resolve_losses(args.losses)
    reweightings = resolve_reweightings(args.reweight)
    scorers = resolve_scoring(args.scoring)
    metrics = list(scorers)
    if max_epochs < 1:
        raise CLIError(f"--max-epochs must be at least 1; got {max_epochs}.")
    if args.jobs == 0:
        raise CLIError("--jobs must be a positive number or -1 (all cores); got 0.")
    if args.threads < 1:
        raise CLIError(f"--threads must be at least 1; got {args.threads}.")
    if args.max_rows is not None and args.max_rows < 2:
        raise CLIError(f"--max-rows must be at least 2; got {args.max_rows}.")
    try:
        device = resolve_device(args.device)
    except ValueError as exc:
        raise CLIError(f"--device: {exc}") from None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {str(out)!r} exists and is not a folder.")

    if args.data is None:
        target = DEMO_TARGET if args.target is None else args.target
        df = make_demo_dataset(n_samples=settings["demo_rows"], random_state=args.random_state)
        source = f"the demo data set ({settings['demo_rows']} generated rows)"
    else:
        target = args.target
        df = read_table(args.data, sep=args.sep, encoding=args.encoding)
        source = repr(str(args.data))
    X, y, info = prepare_data(df, target, drop=args.drop, positive_label=args.positive_label,
                              source=source, sep=args.sep)
    _check_folds(folds, info)
    if args.max_rows is not None and args.max_rows < len(y):
        X, y, info = _subsample(args, df, X, y, info, target, source, folds)

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"cannot create --out folder {str(out)!r}: {exc.strerror or exc}.") \
            from None

    # ---- summary
    n = len(y)
    classes = ", ".join(f"{_format_label(k)} {v} ({v / n:.1%})" for k, v in
                        info["classes"].items())
    sample = ""
    if "sampled_from" in info:
        sample = (f" (--max-rows: a random sample of the {info['sampled_from']} rows, "
                  f"stratified by the target, seed {args.random_state}; for a decision, "
                  "run on all rows)")
    _note(args, f"Data: {source}: {n} rows{sample}, {X.shape[1]} features "
                f"({len(info['numeric'])} numeric, {len(info['categorical'])} categorical "
                f"one-hot encoded); target {target!r}: {classes}.")
    if "positive" in info:
        _note(args, f"Positive class: {_format_label(info['positive'])}"
                    + ("" if args.positive_label else " (the minority class; "
                       "change with --positive-label)") + ".")
    for c, k in info["cardinality"].items():
        if k > HIGH_CARDINALITY or (k == n and n > 10):
            _note(args, f"Note: categorical column {c!r} has {k} distinct values "
                        f"(one-hot: {k} features); an identifier? leave it out with --drop {c}.")
    configs = [(loss, rw) for loss in losses for rw in reweightings]
    _note(args, f"Comparing {_plural(len(configs), 'configuration')} "
                f"({_plural(len(losses), 'loss', 'losses')} x "
                f"{_plural(len(reweightings), 're-weighting')}), {folds}-fold stratified CV, "
                f"max_epochs={max_epochs}, device={device}, threads={args.threads}, "
                f"ranked by {metrics[0]}.")

    from sklearn.model_selection import StratifiedKFold

    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=args.random_state)
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        rows, interrupted = _run_configs(args, configs, X, y, info, cv, scorers, max_epochs)
    finally:
        torch.set_num_threads(threads)
    return _report(args, rows, interrupted, metrics, folds, n, out)


def _subsample(args, df, X, y, info, target, source, folds):
    """``--max-rows``: ``prepare_data`` on a stratified sample of ``df``'s rows."""
    n_full = len(y)
    try:
        index = stratified_subsample(y, args.max_rows, min_per_class=folds,
                                     random_state=args.random_state)
    except ValueError:
        need = sum(min(c, folds) for c in info["classes"].values())
        raise CLIError(f"--max-rows {args.max_rows} is too small for {folds}-fold stratified "
                       f"cross-validation: every class needs {folds} rows "
                       f"({len(info['classes'])} classes); use --max-rows {need} or more, "
                       "or fewer --folds.") from None
    positive = info.get("positive")
    X, y, info = prepare_data(df.iloc[index].reset_index(drop=True), target, drop=args.drop,
                              positive_label=None if positive is None else str(positive),
                              source=source, sep=args.sep)
    info["sampled_from"] = n_full
    return X, y, info


def _format_seconds(seconds):
    if seconds < 1:
        return "<1 s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class _Progress:
    """Progress of the fits on stderr.

    ``mode``: ``"bar"`` (a tqdm bar over every (configuration, fold) fit;
    notes are written above it), ``"lines"`` (one line per finished fold,
    with an estimate of the time left) or ``"auto"`` (the bar when stderr is
    a terminal and tqdm is installed, else lines). ``--quiet`` shows neither.
    """

    def __init__(self, mode, total, quiet=False):
        self.total, self.done, self.quiet = total, 0, quiet
        self.t0 = time.perf_counter()
        self.bar = None
        if quiet:
            mode = "none"
        elif mode in ("auto", "bar"):
            try:
                from tqdm import tqdm
            except ImportError:  # tqdm comes with skorch, but may be missing
                tqdm = None
            is_tty = getattr(sys.stderr, "isatty", lambda: False)()
            if tqdm is not None and (mode == "bar" or is_tty):
                self.bar = tqdm(total=total, unit="fit", desc="cross-validating",
                                file=sys.stderr, dynamic_ncols=True, leave=False)
                mode = "bar"
            else:
                mode = "lines"
        self.mode = mode

    def write(self, message):
        """Print a line on stderr (above the bar, if any), even with --quiet."""
        if self.bar is not None:
            self.bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr)

    def note(self, message):
        if not self.quiet:
            self.write(message)

    def start(self, name):
        if self.bar is not None:
            self.bar.set_postfix_str(name)

    def fold_done(self, prefix, fold, n_folds, metric, score, fit_s, epochs):
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.mode == "lines":
            left = ""
            if self.done < self.total:
                elapsed = time.perf_counter() - self.t0
                left = _format_seconds(elapsed / self.done * (self.total - self.done))
                left = f", {left if left.startswith('<') else '~' + left} left"
            print(f"  {prefix}, fold {fold + 1}/{n_folds}: {metric} {score:.3f} "
                  f"({epochs} epochs, {fit_s:.1f} s); {self.done}/{self.total} fits done{left}",
                  file=sys.stderr)

    def skip(self, n):
        """Folds that will not run (their configuration failed)."""
        self.done += n
        if self.bar is not None and n:
            self.bar.update(n)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _warm_up(device):
    """One tiny fit, so that torch's one-off start-up cost (about a second: lazy imports,
    kernel set-up) is not charged to the first configuration's fit time."""
    from .classifier import WeightedLossClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 2)).astype(np.float32)
    y = np.arange(16) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            WeightedLossClassifier(hidden_layer_sizes=(4,), max_epochs=1, early_stopping=False,
                                   device=device, random_state=0).fit(X, y).predict_proba(X)
        except Exception:  # only a warm-up: the real fits report their own errors
            pass


def _run_configs(args, configs, X, y, info, cv, scorers, max_epochs):
    """Cross-validate each (loss, reweight); ``(rows, interrupted)``."""
    from .classifier import WeightedLossClassifier

    metrics = list(scorers)
    _warm_up(args.device)
    n_folds = cv.get_n_splits()
    progress = _Progress(args.progress, len(configs) * n_folds, quiet=args.quiet)
    rows = []
    interrupted = False
    try:
        for i, (loss, rw) in enumerate(configs, 1):
            clf = WeightedLossClassifier(loss=loss, reweight=rw, max_epochs=max_epochs,
                                         device=args.device,
                                         random_state=args.random_state)
            pipe = make_model_pipeline(info["numeric"], info["categorical"], clf)
            name = _config_name(loss, rw)
            prefix = f"[{i}/{len(configs)}] {name}"
            finished = []

            def on_fold(fold, n, scores, fit_s, epochs, prefix=prefix, finished=finished):
                finished.append(fold)
                progress.fold_done(prefix, fold, n, metrics[0], scores[metrics[0]], fit_s,
                                   epochs)

            progress.start(name)
            try:
                row = evaluate_config(pipe, X, y, cv, scorers, args.jobs, on_fold=on_fold)
            except KeyboardInterrupt:
                interrupted = True
                progress.write(f"{PROG}: interrupted; writing the {len(rows)} "
                               "configuration(s) finished so far.")
                break
            progress.skip(n_folds - len(finished))
            row.update(loss=loss, reweight="none" if rw is None else rw, reweight_arg=rw)
            rows.append(row)
            if row["error"] is None:
                progress.note(f"{prefix}: {metrics[0]} {row[f'{metrics[0]}_mean']:.3f} ± "
                              f"{row[f'{metrics[0]}_std']:.3f} ({row['total_s']:.1f} s)")
            else:
                progress.write(f"{prefix}: failed: {row['error']}")
            for w in row["warnings"]:
                progress.note(f"    warning: {w}")
    finally:
        progress.close()
    return rows, interrupted


def _report(args, rows, interrupted, metrics, folds, n, out) -> int:
    """Print the leaderboard, write the CSV and the plot; the exit status."""
    total = sum(r["total_s"] for r in rows)
    rows = rank_rows(rows, metrics[0])
    if rows:
        print()
        print(f"Leaderboard: {metrics[0]} (mean ± std over {folds} folds), best first; "
              f"{n} rows, {total:.1f} s in all")
        print(format_leaderboard(rows, metrics))
        csv_path = out / "leaderboard.csv"
        write_csv(rows, metrics, csv_path)
        _note(args, f"Wrote {csv_path}")
        if not args.no_plot:
            png_path = out / "leaderboard.png"
            try:
                import matplotlib  # noqa: F401
            except ImportError:
                print(f"{PROG}: matplotlib is not installed: skipped leaderboard.png "
                      f"(pip install matplotlib, or 'sklearn-losses[plot]').", file=sys.stderr)
            else:
                if write_plot(rows, metrics[0], folds, png_path):
                    _note(args, f"Wrote {png_path}")
    if interrupted:
        return 130
    n_failed = sum(r["error"] is not None for r in rows)
    if n_failed == len(rows):
        print(f"{PROG} compare: every configuration failed (see the errors above).",
              file=sys.stderr)
        return 1
    if n_failed:
        print(f"{PROG} compare: {n_failed} of {len(rows)} configurations failed "
              "(see the 'failed' lines and the error column).", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
