"""The commands of ``sklearn-losses``: ``main``, ``compare`` and ``list-losses``.

Nothing heavy is imported at module level: torch, scikit-learn and
matplotlib load inside the commands that need them.
"""

from __future__ import annotations

import os
import shlex
import sys
import warnings
from pathlib import Path

from .._utils import dedupe, format_warning
from .._warnings import SILENT_CATEGORIES
from ._base import PROG, CLIError, error, format_label, plural, unknown
from .parser import (DEFAULT_BASELINE, DEFAULT_LOSSES, DEFAULT_REWEIGHT, FULL, QUICK,
                     build_parser)
from .report import DECIMALS

__all__ = ["cmd_compare", "cmd_list_losses", "main", "resolve_losses",
           "resolve_reweightings", "resolve_scoring"]

#: A categorical column with more distinct values than this gets a note.
HIGH_CARDINALITY = 100
#: Level of the test that marks the configurations that cannot be told apart from the best.
ALPHA = 0.05
#: ``--out`` files.
CSV_NAME, PNG_NAME = "leaderboard.csv", "leaderboard.png"


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
        usage or data error (message on stderr), 130 when interrupted
        (SIGINT, Ctrl-C), 143 when terminated (SIGTERM), 141 when the reader
        of the output closed it (``| head``); no worker process outlives an
        interrupted run.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, argparse usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    from .signals import exit_status, interruptible, received, stop_children

    try:
        with interruptible():  # SIGTERM takes the path of Ctrl-C
            status = COMMANDS[args.command](args)
    except CLIError as exc:
        error(f"{PROG} {args.command}: error: {exc}")
        return 2
    except KeyboardInterrupt:
        error(f"{PROG} {args.command}: interrupted by {received() or 'SIGINT'}.")
        status = exit_status()
    except BrokenPipeError:
        # the reader of stdout went away (``sklearn-losses list-losses | head``): stop
        # quietly, as other command-line tools do, and let no flush at exit fail again
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # a stdout with no file descriptor (captured)
            pass
        status = 141  # 128 + SIGPIPE
    if status > 128:  # interrupted: no worker process outlives the command
        stop_children()
    return status


# ---------------------------------------------------------------- list-losses
def _classes(min_classes, max_classes) -> str:
    """The numbers of classes a loss handles: ``"2+"``, ``"3+"``, ``"binary only"``, ``"2-5"``."""
    if max_classes is None:
        return f"{min_classes}+"
    if min_classes == max_classes:
        return "binary only" if max_classes == 2 else f"{max_classes} only"
    return f"{min_classes}-{max_classes}"


def _classes_in_words(min_classes, max_classes) -> str:
    text = _classes(min_classes, max_classes)
    return text if text.endswith("only") else f"{text} classes"


def cmd_list_losses(args) -> int:
    """``sklearn-losses list-losses``: the losses, then the re-weighting schemes.

    Read from the static table of :mod:`sklearn_losses.cli.catalog` (kept in
    sync with the registries by a test), so that it imports neither the
    losses nor torch.
    """
    from .catalog import LOSSES, REWEIGHTINGS

    rows = [(name, family, kind, _classes(low, high), description)
            for name, family, kind, low, high, description in LOSSES]
    header = ("loss", "family", "kind", "classes", "description")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        print("  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths)) + "  " + row[4])
    print()
    schemes = [("none", "No re-weighting: every class weighs the same."), *REWEIGHTINGS]
    width = max(len(n) for n, _ in [("reweight", ""), *schemes])
    print(f"{'reweight':<{width}}  description")
    for name, description in schemes:
        print(f"{name:<{width}}  {description}")
    print(f"\n{len(rows)} losses, {len(REWEIGHTINGS)} re-weighting schemes. Batch-level losses "
          "score whole mini-batches; use them with reweight 'none'.", file=sys.stderr)
    return 0


# ---------------------------------------------------------------- the options
#: Losses whose default parameters make them cross-entropy: (parameter, value at which).
SAME_AS_CROSS_ENTROPY = {"comp_sum": ("tau", 1.0)}


def resolve_losses(names, n_classes=None, *, note=error) -> list[str]:
    """Validated ``--losses`` entries; ``"all"`` expands to every registered loss that applies.

    An entry is a registered name or ``NAME:key=value,...`` (the loss's
    parameters, :func:`~sklearn_losses.cli.model.parse_loss_spec`), returned
    in canonical form; a loss that is cross-entropy at the parameters given
    (``comp_sum`` at its default ``tau=1``) gets a note.

    Parameters
    ----------
    names : list of str
    n_classes : int, optional
        Classes of the target: ``all`` skips the losses that cannot handle
        that many (``min_classes`` / ``max_classes``), with a note; a loss
        named explicitly that cannot is an error.
    note : callable
        Prints the note on the skipped losses.
    """
    from ..losses.base import available_losses, get_loss_class
    from .model import build_loss, parse_loss_spec, spec_text

    valid = available_losses()
    out, skipped = [], []

    def applies(name):
        cls = get_loss_class(name)
        return n_classes is None or (cls.min_classes <= n_classes and (
            cls.max_classes is None or n_classes <= cls.max_classes))

    for entry in names:
        if entry == "all":
            out.extend(n for n in valid if applies(n))
            skipped.extend(n for n in valid if not applies(n))
            continue
        try:
            name, params = parse_loss_spec(entry)
        except ValueError as exc:
            raise CLIError(f"--losses {exc}") from None
        if name not in valid:
            raise unknown("loss", name, valid, extra=", or 'all'; parameters as "
                          "NAME:key=value,... (e.g. comp_sum:tau=1.5)")
        if not applies(name):
            cls = get_loss_class(name)
            raise CLIError(f"the loss {name!r} handles "
                           f"{_classes_in_words(cls.min_classes, cls.max_classes)}; the "
                           f"target has {n_classes} classes.")
        try:  # the parameters checked now, not after the other configurations trained
            loss = build_loss(entry)
            if n_classes is not None and not isinstance(loss, str):
                loss.check_n_classes(n_classes)  # a wrapped loss's classes too
        except (ValueError, TypeError) as exc:
            raise CLIError(f"--losses {entry}: {exc}") from None
        same = SAME_AS_CROSS_ENTROPY.get(name)
        if same is not None:
            value = params.get(same[0], get_loss_class(name)().get_params()[same[0]])
            if value == same[1]:
                note(f"Note: {spec_text(name, params)} is cross-entropy ({same[0]}={value:g}); "
                     f"give {name}:{same[0]}=... for another loss (e.g. "
                     f"{name}:{same[0]}=1.5).")
        out.append(spec_text(name, params))
    skipped = [n for n in dedupe(skipped) if n not in out]
    if skipped:
        classes = {n: (get_loss_class(n).min_classes, get_loss_class(n).max_classes)
                   for n in skipped}
        listed = ", ".join(f"{n} ({_classes_in_words(*classes[n])})" for n in skipped)
        note(f"Note: --losses all skips {listed}: the target has {n_classes} classes.")
    return dedupe(out)


def resolve_reweightings(names) -> list:
    """Validated schemes: None for ``none``, else the scheme name."""
    from ..weighting import available_reweightings

    valid = ["none", *available_reweightings()]
    out = []
    for name in names:
        if name.lower() == "none":
            out.append(None)
        elif name in valid:
            out.append(name)
        else:
            raise unknown("reweight", name, valid)
    return dedupe(out)


def resolve_baselines(names) -> list[str]:
    """``--baseline``: the reference models, in order, once each; ``none`` alone for none."""
    names = list(dict.fromkeys(DEFAULT_BASELINE if names is None else names))
    if "none" in names:
        if len(names) > 1:
            raise CLIError("--baseline none runs no reference model; it cannot be given with "
                           f"{' '.join(n for n in names if n != 'none')}.")
        return []
    return list(dict.fromkeys(names))


def resolve_scoring(names, *, binary=False) -> dict:
    """``{name: scorer}`` in the given order; CLIError for an unknown name.

    ``binary``: the target is coded 1 for the positive class (``--positive-label``,
    by default the minority class), so the package's scorers score class 1, also
    when the user's positive class is the majority.
    """
    from sklearn.metrics import get_scorer_names

    from ..metrics import available_scorers, get_scorer

    ours = set(available_scorers())
    scorers = {}
    for name in dedupe(names):
        try:
            scorers[name] = get_scorer(name, pos_label=1 if binary and name in ours else None)
        except ValueError:
            raise unknown(
                "scoring", name, available_scorers(),
                extra=" (or any name of sklearn.metrics.get_scorer_names(), e.g. "
                      f"{', '.join(n for n in get_scorer_names() if n.startswith('recall'))})",
            ) from None
    return scorers


def _check_folds(folds, info):
    if folds < 2:
        raise CLIError(f"--folds must be at least 2; got {folds}.")
    counts = info["classes"]
    smallest = min(counts, key=counts.get)
    if counts[smallest] < 2:
        raise CLIError(
            f"the class {format_label(smallest)} has a single row: stratified "
            "cross-validation needs at least 2 rows of every class (one to train on, one to "
            "test). Drop or merge that class, or add rows of it.")
    if folds > counts[smallest]:
        raise CLIError(
            f"--folds {folds} is larger than the smallest class ({format_label(smallest)}: "
            f"{counts[smallest]} rows): stratified cross-validation needs a row of every class "
            f"in every fold. Use --folds {counts[smallest]} or fewer, or more data.")


def _parse_decision(text):
    """``--decision``: the parsed spec (:func:`sklearn_losses.decisions.spec.parse_decision`)."""
    if text is None:
        return None
    from ..decisions.spec import parse_decision

    try:
        return parse_decision(text)
    except ValueError as exc:
        raise CLIError(f"--decision: {exc}") from None


def _decision_metrics(names, decision):
    """The scorer names to resolve: ``--scoring``, plus MCC and AP with ``--decision``.

    The constrained metric itself (``f1_macro``, ``type_i_error``, ``fnr``) is
    added after the data are read, as the decision tool's own scorer.
    """
    names = list(names)
    if decision is None:
        return names
    extra = ["matthews_corrcoef", "average_precision"]
    return names + [n for n in extra if n not in names and n != decision.metric]


def _check_options(args, folds, max_epochs):
    if max_epochs < 1:
        raise CLIError(f"--max-epochs must be at least 1; got {max_epochs}.")
    if args.jobs == 0:
        raise CLIError("--jobs must be a positive number or -1 (all cores); got 0.")
    if args.threads < 1:
        raise CLIError(f"--threads must be at least 1; got {args.threads}.")
    if args.max_rows is not None and args.max_rows < 2:
        raise CLIError(f"--max-rows must be at least 2; got {args.max_rows}.")
    if not args.no_plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise CLIError("writing leaderboard.png needs matplotlib, a dependency of "
                           "sklearn-losses that is missing here: pip install matplotlib, or "
                           "pass --no-plot.") from None


# -------------------------------------------------------------------- compare
def cmd_compare(args) -> int:
    """``sklearn-losses compare``: cross-validate, rank, report; the exit status."""
    try:
        import pandas  # noqa: F401
    except ImportError:
        raise CLIError("the compare command needs pandas: pip install pandas") from None
    from .io import check_output_paths, prepare_data, read_table, unnamed_note

    settings = QUICK if args.quick else FULL
    folds = settings["folds"] if args.folds is None else args.folds
    max_epochs = settings["max_epochs"] if args.max_epochs is None else args.max_epochs
    say = (lambda message: None) if args.quiet else error

    # ---- options and output paths first (cheap), then the data, then the long part
    _check_options(args, folds, max_epochs)
    out = Path(args.out)
    files = [CSV_NAME] + ([] if args.no_plot else [PNG_NAME])
    extra = [] if args.save_best is None else [(Path(args.save_best), "--save-best")]
    check_output_paths(out, files, extra)
    reweightings = resolve_reweightings(args.reweight or DEFAULT_REWEIGHT)
    baselines = resolve_baselines(args.baseline)
    decision = _parse_decision(args.decision)
    scorers = resolve_scoring(_decision_metrics(args.scoring, decision))
    metrics = list(scorers)
    from ..classifier import resolve_device

    try:
        device = resolve_device(args.device)
    except ValueError as exc:
        raise CLIError(f"--device: {exc}") from None

    if args.data is None:
        from ..datasets import DEMO_TARGET, make_demo_dataset

        target = DEMO_TARGET if args.target is None else args.target
        df = make_demo_dataset(n_samples=settings["demo_rows"], random_state=args.random_state)
        source = f"the demo data set ({settings['demo_rows']} generated rows)"
        title = "demo data"
    else:
        target = args.target
        df = read_table(args.data, sep=args.sep, encoding=args.encoding,
                        header=not args.no_header, decimal=args.decimal,
                        thousands=args.thousands)
        for note in df.attrs.get("read_notes", ()):  # what reading the header found
            (error if note.startswith("Warning") else say)(note)
        source = repr(str(args.data))
        title = Path(args.data).stem
    X, y, info = prepare_data(df, target, drop=args.drop, positive_label=args.positive_label,
                              source=source, sep=args.sep)
    note = unnamed_note(X, df.attrs.get("unnamed_columns", ()))
    if note:
        say(note)
    X_all, y_all = X, y
    if args.data is not None:
        # the cells as read (not the columns read_table turned into numbers, whose cells
        # are floats now); those columns get no "an identifier?" note
        parsed = set(df.attrs.get("decimal_columns", ()))
        as_read = df[[c for c in X.columns if c not in parsed]]
        if args.decimal in ".,":
            info["decimal_marks"] = _warn_decimal_marks(as_read, args.decimal, args.thousands)
        info["number_formats"] = _warn_number_formats(
            as_read[[c for c in as_read.columns if c in set(info["categorical"])
                     and c not in info.get("decimal_marks", {})]], args.decimal,
            args.thousands)
    if decision is not None and decision.kind != "offsets" and "positive" not in info:
        raise CLIError(f"--decision {args.decision} caps an error rate of the positive class "
                       f"of a binary target; target {info['target']!r} has "
                       f"{len(info['classes'])} classes. Use --decision offsets.")
    if "positive" in info:  # binary, coded 1 for the positive class
        scorers = resolve_scoring(_decision_metrics(args.scoring, decision), binary=True)
    else:  # a binary-only scorer fails every fold, after all the training: say so now
        _check_multiclass_scorers(scorers, y)
    if decision is not None:
        scorers[decision.metric] = decision.scorer(pos_label=1)
        metrics = list(scorers)
    _check_folds(folds, info)
    if args.max_rows is not None and args.max_rows < len(y):
        X, y, info = _subsample(args, df, y, info, source, folds)
    losses = resolve_losses(args.losses or DEFAULT_LOSSES, len(info["classes"]), note=say)

    configs, grid_note = _leave_out_double_corrections(args, losses, reweightings, info)
    _summary(args, say, source, X, y, info, configs, losses, reweightings, folds, max_epochs,
             device, metrics, notes=[grid_note] if grid_note else [], baselines=baselines)

    import torch
    from sklearn.model_selection import StratifiedKFold

    shown = {}  # warning -> the configuration that printed it first
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=args.random_state)
    splits = list(cv.split(X, y))
    from joblib import parallel_config
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        # --threads for the reference models' OpenMP and BLAS pools too, here and in the
        # worker processes of --jobs (joblib would give each cpu_count // jobs)
        with threadpool_limits(limits=args.threads), parallel_config(
                backend="loky", inner_max_num_threads=args.threads):
            rows, interrupted = _run_configs(args, configs, X, y, info, splits, scorers,
                                             max_epochs, device, shown, baselines)
    finally:
        torch.set_num_threads(threads)
    status = _report(args, rows, interrupted, metrics, folds, len(y), out, title,
                     len(configs) + len(baselines))
    if status == 0 and args.save_best is not None:
        with threadpool_limits(limits=args.threads):  # the refit as the folds were fitted
            _save_best(args, rows, X_all, y_all, info, max_epochs, say, shown, metrics[0])
    return status


def _leave_out_double_corrections(args, losses, reweightings, info):
    """``(configurations, note)``: the grid without the pairs that correct for the imbalance
    twice, and the note that lists them (None when none is left out).

    :func:`~sklearn_losses.cli.model.double_correction` says which (the
    pairs the estimator warns about, and ``dro_kl`` with a batch-level
    loss, which cannot run). A pair stays when the user asked for it: its
    loss named in ``--losses`` (not through ``all`` or the default) and its
    scheme in ``--reweight``.
    """
    from .model import double_correction, parse_loss_spec, spec_text

    named_losses = {spec_text(*parse_loss_spec(e)) for e in args.losses or () if e != "all"}
    counts = list(info["classes"].values())
    configs, left_out = [], {}  # reason -> {loss: [schemes]}
    for loss in losses:
        for rw in reweightings:
            reason = double_correction(loss, rw, counts)
            if reason is None or (loss in named_losses and args.reweight is not None):
                configs.append((loss, rw))
            else:
                left_out.setdefault(reason, {}).setdefault(loss, []).append(rw)
    note = None
    if left_out:
        n = sum(len(v) for by_loss in left_out.values() for v in by_loss.values())
        groups = []
        for reason, by_loss in left_out.items():
            same = {}  # the losses left out with the same schemes, listed together
            for loss, schemes in by_loss.items():
                same.setdefault(tuple(schemes), []).append(loss)
            pairs = ", ".join(f"{', '.join(names)} + {' or '.join(schemes)}"
                              for schemes, names in same.items())
            groups.append(f"{pairs} ({reason})")
        note = (f"Note: the grid leaves out {plural(n, 'configuration')} that would correct "
                f"for the class imbalance twice or cannot run: {'; '.join(groups)}. Name the "
                "loss in --losses and the scheme in --reweight to run one.")
    return configs, note


def _check_multiclass_scorers(scorers, y):
    """Raise CLIError for a scorer that cannot score the multiclass target ``y`` (e.g.
    scikit-learn's binary ``f1`` or ``precision``), tried on a stand-in model first."""
    import numpy as np
    from sklearn.dummy import DummyClassifier

    labels = np.unique(np.asarray(y))
    y_try = np.repeat(labels, 3)
    X_try = np.zeros((len(y_try), 1))
    model = DummyClassifier(strategy="stratified", random_state=0).fit(X_try, y_try)
    for name, scorer in scorers.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scorer(model, X_try, y_try)
        except (ValueError, TypeError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CLIError(f"--scoring {name} cannot score this target of {len(labels)} "
                           f"classes: {first} Use a multiclass scorer (e.g. f1_macro, "
                           "precision_macro, or the package's f1, a macro average).") from None


def _warn_decimal_marks(X, decimal, thousands=None):
    """One line on stderr (also with --quiet) for text columns that hold numbers written
    with the other decimal mark (a comma without ``--decimal ,``, a point with it)."""
    from .io import decimal_mark_columns

    mark = "." if decimal == "," else ","
    found = decimal_mark_columns(X, mark=mark)
    if not found:
        return found
    one = len(found) == 1
    columns = ("column " if one else "columns ") + ", ".join(repr(str(c)) for c in found)
    example = ", ".join(repr(v) for v in list(found.values())[:3])
    if mark == ",":
        advice = (f"pass --decimal , to read {'it' if one else 'them'} as numbers"
                  if thousands != "," else "--thousands , takes commas as thousands "
                  "separators, so rewrite those numbers or leave the column(s) out with "
                  "--drop")
        error(f"Warning: {columns} {'looks' if one else 'look'} numeric with a decimal "
              f"comma (e.g. {example}) but {'is' if one else 'are'} read as text and encoded "
              f"as categories; {advice}.")
    else:  # the column rule reads them as numbers, the point as the decimal mark
        error(f"Warning: {columns} {'holds' if one else 'hold'} numbers written with a "
              f"decimal point under --decimal , (e.g. {example}); they are read with the "
              "point as the decimal mark, not as a thousands separator. Drop --decimal if "
              "every number of the file uses a point, or fix a file that mixes both marks.")
    return found


def _warn_number_formats(X, decimal=".", thousands=None):
    """One line on stderr (also with --quiet) per text column of numbers written with
    thousands separators, or with a currency sign, percent sign or unit
    (:func:`sklearn_losses.columns.number_like_example`), which the column rule reads as
    text: categories, each number a level of its own. The advice fits the ``--decimal``
    and ``--thousands`` given (never an option they rule out). Returns ``{column:
    example}``."""
    from ..columns import WORD_SHARE, _number_format, _share

    found = {}
    for c in X.columns:
        form = _number_format(X[c])
        if form is None or (form["kind"] == "decimal_comma" and not form["affix"]):
            continue  # decimal commas: _warn_decimal_marks
        example, drop = form["example"], f"--drop {shlex.quote(str(c))}"
        if form["kind"] == "words":
            error(f"Warning: column {str(c)!r} holds numbers but for words such as "
                  f"{example!r} in {_share(form['share'])} of its cells, more than the "
                  f"{WORD_SHARE:.0%} read as missing values, so it is read as text and encoded "
                  "as categories, each number a level of its own; empty those cells (missing "
                  f"values are imputed) to read it as numbers, or leave the column out with "
                  f"{drop}.")
        elif form["affix"]:
            separators = {"thousands": " and the thousands separators (with --thousands ,)",
                          "decimal_comma": " (with --decimal , for its decimal commas)",
                          "thousands_point": " and the points grouping the thousands",
                          "plain": ""}[form["kind"]]
            error(f"Warning: column {str(c)!r} holds numbers written with "
                  f"{form['affix']!r} (e.g. {example!r}) but is read as text and encoded as "
                  f"categories, each number a level of its own; remove the "
                  f"{form['affix']!r} from its cells{separators} to read them as numbers, "
                  f"or leave the column out with {drop}.")
        elif form["kind"] == "thousands" and decimal == ",":
            error(f"Warning: column {str(c)!r} looks numeric with a decimal point and commas "
                  f"grouping the thousands (e.g. {example!r}), unlike the --decimal , of the "
                  "file, so it is read as text and encoded as categories; rewrite its "
                  f"numbers, or leave the column out with {drop}.")
        elif form["kind"] == "thousands":
            other = (" (or --decimal , if its commas are decimal marks)"
                     if form["ambiguous"] and thousands is None else "")
            error(f"Warning: column {str(c)!r} looks numeric with thousands separators "
                  f"(e.g. {example!r}) but is read as text and encoded as categories; pass "
                  f"--thousands , to read it as numbers{other}.")
        else:  # points grouping the thousands: only with a decimal comma
            advice = ("pass --thousands . to read it as numbers" if decimal == "," else
                      "pass --decimal , --thousands . if the file writes its numbers so "
                      f"(1.716,77), or leave the column out with {drop}")
            error(f"Warning: column {str(c)!r} looks numeric with points grouping the "
                  f"thousands (e.g. {example!r}) but is read as text and encoded as "
                  f"categories; {advice}.")
        found[c] = example
    return found


def _summary(args, say, source, X, y, info, configs, losses, reweightings, folds, max_epochs,
             device, metrics, notes=(), baselines=()):
    n = len(y)
    classes = ", ".join(f"{format_label(k)} {v} ({v / n:.1%})" for k, v in
                        info["classes"].items())
    sample = ""
    if "sampled_from" in info:
        sample = (f" (--max-rows: a random sample of the {info['sampled_from']} rows, "
                  f"stratified by the target, seed {args.random_state}; for a decision, "
                  "run on all rows)")
    say(f"Data: {source}: {n} rows{sample}, {X.shape[1]} features "
        f"({len(info['numeric'])} numeric, {len(info['categorical'])} categorical or text"
        + (f", {len(info['datetime'])} date" if info.get("datetime") else "")
        + f", encoded by the model); target {info['target']!r}: {classes}.")
    if "positive" in info:
        say(f"Positive class: {format_label(info['positive'])}"
            + ("" if args.positive_label else " (the minority class; "
               "change with --positive-label)") + ".")
    for c, words in info.get("numeric_words", {}).items():
        shown = ", ".join(f"{w!r} ({plural(k, 'cell')})" for w, k in list(words.items())[:3])
        more = f" and {len(words) - 3} other word(s)" if len(words) > 3 else ""
        say(f"Note: numeric column {c!r} holds words ({shown}{more}), read as missing values "
            "(imputed). Empty those cells, or leave the column out with "
            f"--drop {shlex.quote(str(c))}, if they mean something else.")
    for c, stray in info.get("mostly_numbers", {}).items():
        say(f"Note: column {c!r} holds numbers but for {', '.join(map(repr, stray))}, so it "
            "is read as text, each value a category of its own. Replace such cells by empty "
            "ones (missing values are imputed) for the numbers to count as numbers, or leave "
            f"the column out with --drop {shlex.quote(str(c))}.")
    for c, found in info.get("date_like", {}).items():
        if found.startswith("times"):  # a time of day or a duration: a number of seconds
            say(f"Note: column {c!r} holds {found}, so it is read as categories, each value "
                "a level of its own. Rewrite it as numbers (e.g. seconds), or leave it out "
                f"with --drop {shlex.quote(str(c))}.")
            continue
        advice = ("Correct or empty the cells that are not dates" if found.startswith("ISO")
                  else "Rewrite the column in that form")
        say(f"Note: column {c!r} holds {found}, so it is read as categories, each date a "
            "level of its own: only columns of ISO 8601 dates (2024-05-31; empty cells and "
            f"missing-value markers allowed) are read as dates. {advice}, or leave it out "
            f"with --drop {shlex.quote(str(c))}.")
    for c, k in info["cardinality"].items():
        if (c in info.get("mostly_numbers", {}) or c in info.get("decimal_marks", {})
                or c in info.get("date_like", {}) or c in info.get("number_formats", {})):
            continue
        if k > HIGH_CARDINALITY or (k == n and n > 10):
            say(f"Note: categorical column {c!r} has {k} distinct values (the model "
                f"target-encodes columns of more than 16 levels); an identifier? leave it out "
                f"with --drop {shlex.quote(str(c))}.")
    if "drw" in reweightings:
        say(f"Note: the drw configurations train without early stopping, for all {max_epochs} "
            f"epochs, so that their class weights switch on (at epoch "
            f"{round(0.8 * max_epochs)}).")
    for note in notes:
        say(note)
    from .model import BASELINES

    reference = ""
    if baselines:
        reference = (" and " + plural(len(baselines), "reference model") + " on the same "
                     "folds (" + ", ".join(f"{b}: {BASELINES[b][0]}" for b in baselines)
                     + "; --baseline none leaves " + ("it" if len(baselines) == 1 else "them")
                     + " out)")
    say(f"Comparing {plural(len(configs), 'configuration')} "
        f"({plural(len(losses), 'loss', 'losses')} x "
        f"{plural(len(reweightings), 're-weighting')}){reference}, {folds}-fold stratified CV, "
        f"max_epochs={max_epochs}, device={_device_note(args.device, device)}, "
        f"threads={args.threads}, "
        f"ranked by {metrics[0]}" + (f" (ties broken by {', then '.join(metrics[1:])})"
                                     if len(metrics) > 1 else "") + ".")


def _device_note(requested, device):
    """The device of the summary line: ``--device auto`` is decided in each fit."""
    if requested != "auto" or device.type == "cpu":
        return str(device)
    from ..engine.runtime import CUDA_MIN_WORK

    return (f"auto (each fit on CUDA from {CUDA_MIN_WORK:.1e} multiply-adds per batch, "
            "else on the CPU)")


def _subsample(args, df, y, info, source, folds):
    """``--max-rows``: ``prepare_data`` on a stratified sample of ``df``'s rows."""
    from .io import prepare_data, stratified_subsample

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
    X, y, info = prepare_data(df.iloc[index].reset_index(drop=True), info["target"],
                              drop=args.drop,
                              positive_label=None if positive is None else str(positive),
                              source=source, sep=args.sep)
    info["sampled_from"] = n_full
    return X, y, info


def _print_warnings(messages, where, shown, note):
    """A configuration's warnings: in full the first time in the run, then by reference.

    ``shown`` maps each warning printed so far to the ``[i/n]`` of the
    configuration that printed it (updated); warnings already shown get one
    line naming their categories, so that a warning every fit raises (on
    the data, say) does not fill the screen once per configuration.
    """
    repeated = []
    for message in messages:
        if message in shown:
            repeated.append(f"{message.split(':', 1)[0]} {shown[message]}")
        else:
            shown[message] = where
            note(f"    warning: {message}")
    if repeated:
        note(f"    (warning{'s' if len(repeated) > 1 else ''} as above: "
             f"{', '.join(repeated)})")


def _run_configs(args, configs, X, y, info, splits, scorers, max_epochs, device, shown,
                 baselines=()):
    """Cross-validate each (loss, reweight) and each ``--baseline`` model; ``(ranked rows,
    interrupted)``.

    ``shown`` collects the warnings printed (:func:`_print_warnings`).
    """
    from ..compare import (Interrupted, cross_validate_configs, rank_configurations,
                           summarize, warm_up)
    from ..decisions.spec import RATE_METRICS
    from .model import (baseline_label, coded_pos_label, complexity, config_name,
                        make_baseline, make_classifier)
    from .progress import Progress

    metrics = list(scorers)
    n_folds = len(splits)
    names = {config_name(loss, rw): (loss, rw) for loss, rw in configs}
    # the table as read: the classifier's own encoder (one column rule) is the only one
    models = {name: make_classifier(loss, rw, max_epochs=max_epochs, device=args.device,
                                    random_state=args.random_state,
                                    pos_label=coded_pos_label(info))
              for name, (loss, rw) in names.items()}
    reference = {}  # config name -> --baseline name
    for b in baselines:  # after the networks, in the order given
        name = config_name(baseline_label(b), "balanced")
        reference[name] = b
        names[name] = (baseline_label(b), "balanced")
        models[name] = make_baseline(b, random_state=args.random_state)
    decision = _parse_decision(args.decision)
    if decision is not None:  # the decision tool decides inside each fold
        models = {name: decision.wrap(model, pos_label=1, random_state=args.random_state)
                  for name, model in models.items()}
    index = {name: i for i, name in enumerate(names, 1)}
    warm = [make_classifier("cross_entropy", None, max_epochs=1, device=args.device,
                            random_state=0).set_params(hidden_layer_sizes=(4,),
                                                       early_stopping=False)]
    warm_up(warm)
    progress = Progress(args.progress, len(names) * n_folds, quiet=args.quiet)
    done = {name: [] for name in names}

    def on_fold(result):
        name = result["config"]
        prefix = f"[{index[name]}/{len(names)}] {name}"
        done[name].append(result)
        if result["error"] is None:
            progress.fold_done(prefix, result["fold"], n_folds, metrics[0],
                               result["scores"][metrics[0]], result["fit_s"],
                               None if name in reference else result["epochs"])
        else:
            progress.skip(1)
        if len(done[name]) == n_folds:
            row = summarize(done[name], metrics)[0]
            if row["error"] is None:
                progress.note(f"{prefix}: {metrics[0]} {row[f'{metrics[0]}_mean']:.3f} ± "
                              f"{row[f'{metrics[0]}_std']:.3f} ({row['total_s']:.1f} s)")
            else:
                progress.write(f"{prefix}: failed: {row['error']}")
            messages = _drop_noted_formats(row["warnings"], info)
            _print_warnings(messages, f"[{index[name]}/{len(names)}]", shown, progress.note)

    interrupted = False
    try:
        results = cross_validate_configs(models, X, y, splits, scorers, n_jobs=args.jobs,
                                         on_fold=on_fold, warm=warm)
    except Interrupted as exc:
        interrupted = True
        results = exc.results
    finally:
        progress.close()
    complete = [r for r in results if len(done[r["config"]]) == n_folds]
    rows = summarize(complete, metrics)
    for row in rows:
        row["loss"], rw = names[row["config"]]
        row["reweight"] = "none" if rw is None else rw
        row["baseline"] = reference.get(row["config"])
        if row["baseline"]:  # boosting iterations or solver steps, not epochs
            row["epochs"] = float("nan")
    rank_configurations(rows, metrics, n_folds=n_folds, alpha=ALPHA,
                        # a reference model counts as simple as plain cross-entropy
                        complexity=lambda name: (0 if name in reference
                                                 else complexity(*names[name])),
                        lower_is_better=RATE_METRICS, decimals=DECIMALS)
    return rows, interrupted


def _report(args, rows, interrupted, metrics, folds, n, out, title, n_configs) -> int:
    """Print the leaderboard, write the CSV and the plot; the exit status."""
    from ..decisions.spec import RATE_METRICS
    from .report import format_leaderboard, write_csv, write_plot
    from .signals import exit_status, received

    total = sum(r["total_s"] for r in rows)
    if interrupted:
        finished = (f"{len(rows)} of {n_configs} configurations finished all their folds; the "
                    "leaderboard below ranks only those (the others, and any fold cut short, "
                    "are left out)" if rows else
                    f"none of the {n_configs} configurations finished all their folds")
        stopped = "" if args.jobs == 1 else "; its worker processes were stopped"
        error(f"{PROG} compare: interrupted by {received() or 'SIGINT'}{stopped}. {finished}. "
              f"Nothing was written to {str(out)!r}"
              + (" (its files are from an earlier run)" if (out / CSV_NAME).exists() else "")
              + ".")
        if rows:
            print()
            print(f"PARTIAL leaderboard (interrupted; {len(rows)} of {n_configs} "
                  f"configurations): {metrics[0]} (mean ± std over {folds} folds)")
            print(format_leaderboard(rows, metrics))
        return exit_status()
    if rows:
        print()
        print(f"Leaderboard: {metrics[0]} (mean ± std over {folds} folds), best first; "
              f"{n} rows, {total:.1f} s of fitting in all")
        print(format_leaderboard(rows, metrics))
        ranked = sum(1 for r in rows if r["rank"])
        tied = sum(bool(r["tied_with_best"]) for r in rows if r["rank"] and r["rank"] > 1)
        if ranked > 1:  # one ranked configuration: nothing to tell apart
            print(f"vs best: ≈ cannot be told apart from the best on {metrics[0]} "
                  f"(Nadeau-Bengio corrected resampled t-test over the {folds} shared folds, "
                  f"p ≥ {ALPHA:g}; {tied} of {ranked - 1}). Means equal as shown "
                  f"({DECIMALS} decimals) "
                  + (f"are ordered by {', then '.join(metrics[1:])}, then "
                     if len(metrics) > 1 else "are ordered by ")
                  + "the simpler configuration (cross_entropy, no re-weighting), then the "
                  "name.")
        csv_path = out / CSV_NAME
        write_csv(rows, metrics, csv_path)
        if not args.quiet:
            error(f"Wrote {csv_path}")
        if not args.no_plot:
            png_path = out / PNG_NAME
            if write_plot(rows, metrics, folds, png_path, title=f"{PROG} compare: {title}",
                          alpha=ALPHA, lower_is_better=RATE_METRICS):
                if not args.quiet:
                    error(f"Wrote {png_path}")
            elif png_path.exists():  # an earlier run's plot beside this run's CSV
                png_path.unlink()
                if not args.quiet:
                    error(f"Removed {png_path}, an earlier run's plot: no configuration has "
                          "scores to plot.")
    n_failed = sum(r["error"] is not None for r in rows)
    networks = [r for r in rows if not r.get("baseline")]
    if all(r["error"] is not None for r in networks):  # a reference model alone: no comparison
        error(f"{PROG} compare: every "
              + ("network " if n_failed < len(rows) else "")
              + "configuration failed (see the errors above).")
        return 1
    if n_failed:
        error(f"{PROG} compare: {n_failed} of {len(rows)} configurations failed "
              "(see the 'failed' lines and the error column).")
    return 0


def _drop_noted_formats(messages, info):
    """``messages`` without the DateFormatWarnings, NumberFormatWarnings and
    IdentifierWarnings of the columns the run already named (each fold's model, and the
    refit, says it again with its own example value)."""
    from ..columns import DateFormatWarning, IdentifierWarning, NumberFormatWarning

    noted = tuple(f"{kind.__name__}: Column {c!r} {verb} "
                  for kind, key, verb in ((DateFormatWarning, "date_like", "holds"),
                                          (NumberFormatWarning, "number_formats", "holds"),
                                          (NumberFormatWarning, "decimal_marks", "holds"),
                                          # the summary's "an identifier?" note says it
                                          (IdentifierWarning, "cardinality", "has"))
                  for c in info.get(key, {}))
    return [m for m in messages if not (noted and m.startswith(noted))]


def _save_best(args, rows, X, y, info, max_epochs, say, shown, ranked_by):
    """``--save-best``: refit the best configuration on all rows and save it with joblib."""
    import joblib

    from .model import RelabeledClassifier, coded_pos_label, make_baseline, make_classifier

    best = rows[0]
    if best.get("baseline"):  # a reference model ranked first: it is the best configuration
        model = make_baseline(best["baseline"], random_state=args.random_state)
    else:
        model = make_classifier(best["loss"],
                                None if best["reweight"] == "none" else best["reweight"],
                                max_epochs=max_epochs, device=args.device,
                                random_state=args.random_state,
                                pos_label=coded_pos_label(info))
    decision = _parse_decision(args.decision)
    if decision is not None:  # the model saved decides as the compared ones did
        model = decision.wrap(model, pos_label=1, random_state=args.random_state)
    headerless = args.data is not None and args.no_header
    model = RelabeledClassifier(model, labels=info.get("labels"), headerless=headerless,
                                file_columns=info.get("file_columns"), target=info["target"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    messages = dedupe(format_warning(w) for w in caught
                      if not issubclass(w.category, SILENT_CATEGORIES))
    messages = _drop_noted_formats(messages, info)
    _print_warnings(messages, "(refit)", shown, lambda line: say(
        line.replace("    warning: ", "    warning (refit): ", 1)))
    try:
        joblib.dump(model, args.save_best)
    except OSError as exc:
        raise CLIError(f"cannot write --save-best {args.save_best!r}: "
                       f"{exc.strerror or exc}.") from None
    if args.data is None:
        how = "a DataFrame with the demo's feature columns"
    else:
        how = (f"{_read_call(args, headerless, 'new_rows.csv')} (new rows in a file laid "
               "out as this one, read as compare read it")
        how += ("; the target column left in or out, columns matched by position)"
                if headerless else "; columns matched by name, the target and other extra "
                "columns ignored)")
        if any(k > HIGH_CARDINALITY for k in info["cardinality"].values()):
            how += (". The training rows themselves are no test: the model target-encodes "
                    "its columns of many levels in-sample for them, cross-fitted in training")
    say(f"Saved the best configuration ({best['config']}), refitted on all {len(y)} rows, to "
        f"{args.save_best}: joblib.load({str(args.save_best)!r}).predict(X) with X = {how}.")
    never = _never_positive(best, model, X, info)
    if never:
        error(f"Warning: the saved configuration ({best['config']}) {never}: its "
              f"probabilities rank the rows ({ranked_by} {best[f'{ranked_by}_mean']:.3f}), "
              "but its decision at 0.5 "
              f"never says {format_label(info['positive'])}. Rank by a decision metric "
              "(--scoring matthews_corrcoef ...), choose the threshold with --decision, or "
              "use predict_proba with a threshold of your own.")


def _never_positive(best, model, X, info):
    """Why the saved binary model never predicts the positive class, else None: it
    predicts no positive on its own training rows (in-sample, where a network errs towards
    the rows it learned), and its cross-validated G-mean, when scored, says why."""
    if "positive" not in info:
        return None
    if any(label == info["positive"] for label in model.predict(X)):
        return None
    gmean = best.get("gmean_mean")
    if gmean is not None and gmean == gmean and gmean <= 1e-12:  # not NaN
        return ("missed a class entirely in every fold of the cross-validation (gmean "
                f"0.000) and predicts none of its {len(X)} training rows positive")
    return f"predicts none of its {len(X)} training rows positive"


def _read_call(args, headerless, path=None):
    """The call that reads ``args.data`` as ``compare`` did:
    :func:`sklearn_losses.cli.io.read_table` with the options given (separator, decimal
    and thousands marks, encoding). It reads every cell as text, for the column rule to
    decide each column's kind as in training (``pd.read_csv`` reads a code ``"07000"`` as 7000 and a
    level ``"NA"`` as missing), skips spaces after a separator and reads decimal-comma
    numbers."""
    path = repr(str(args.data if path is None else path))
    options = {"sep": args.sep, "decimal": args.decimal, "thousands": args.thousands,
               "encoding": args.encoding}
    defaults = {"sep": ",", "decimal": ".", "thousands": None, "encoding": "utf-8"}
    extra = "".join(f", {k}={v!r}" for k, v in options.items() if v != defaults[k])
    return (f"sklearn_losses.cli.io.read_table({path}{extra}"
            f"{', header=False' if headerless else ''})")


#: The function running each sub-command of :func:`~sklearn_losses.cli.parser.build_parser`.
COMMANDS = {"compare": cmd_compare, "list-losses": cmd_list_losses}
