"""The argument parser of ``sklearn-losses`` and the defaults of ``compare``.

Building the parser imports nothing heavy (no torch, scikit-learn or
matplotlib), so that ``--help`` and ``--version`` answer at once.
"""

from __future__ import annotations

import argparse
import textwrap

from ._base import PROG

__all__ = ["BASELINE_NAMES", "DEFAULT_BASELINE", "DEFAULT_LOSSES", "DEFAULT_REWEIGHT",
           "DEFAULT_SCORING", "FULL", "QUICK", "build_parser"]

DEFAULT_LOSSES = ("cross_entropy", "focal", "logit_adjusted", "poly1")
DEFAULT_REWEIGHT = ("none", "balanced")
#: ``--baseline`` names (``sklearn_losses.cli.model.BASELINES`` builds them) and the default.
BASELINE_NAMES = ("hgb", "logistic", "none")
DEFAULT_BASELINE = ("hgb",)
DEFAULT_SCORING = ("average_precision", "roc_auc", "balanced_accuracy", "gmean")
DEFAULT_OUT = "sklearn-losses-compare"
#: ``--quick`` settings, each used unless the option is given explicitly.
QUICK = {"folds": 2, "max_epochs": 30, "demo_rows": 600}
FULL = {"folds": 5, "max_epochs": 200, "demo_rows": 2000}


def _seed(text):
    """``--random-state``: an integer in [0, 2**32 - 1] (numpy's seeds)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if not 0 <= value <= 2**32 - 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**32 - 1]; got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``sklearn-losses`` (sub-commands ``compare`` and ``list-losses``).

    Returns
    -------
    parser : argparse.ArgumentParser
        ``command`` names the sub-command (``commands.COMMANDS`` maps it to
        the function that runs it).
    """
    from .. import __version__

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
            "leaderboard ranked by the first --scoring metric (ties broken by the next ones), "
            "marking the configurations that cannot be told apart from the best.", 78),
        epilog="Examples:\n"
               f"  {PROG} compare data.csv --target label\n"
               f"  {PROG} compare data.csv --target label --losses focal poly1 "
               "--reweight none class_balanced\n"
               f"  {PROG} compare table.csv --no-header --target -1   # label in the last "
               "column\n"
               f"  {PROG} compare data.csv -t label --save-best model.joblib\n"
               f"  {PROG} compare --quick      # demo data, a few seconds\n"
               f"Losses and re-weighting schemes: '{PROG} list-losses'. Exit status: 0 ok, "
               "1 every network configuration failed, 2 usage or data error, 130 interrupted "
               "(Ctrl-C), 143 terminated (SIGTERM), 141 output closed by its reader (| head).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_argument("data", nargs="?", metavar="DATA.csv",
                         help="CSV file (with a header row unless --no-header); omitted: the "
                              "generated demo data set (sklearn_losses.datasets."
                              "make_demo_dataset)")
    compare.add_argument("--target", "-t", metavar="COLUMN",
                         help="the label column: its name, or its position (0 first, -1 "
                              "last; a column name wins over a position) (required with "
                              "DATA.csv; the demo's is 'target')")
    compare.add_argument("--no-header", action="store_true",
                         help="DATA.csv has no header row: the first row is data and the "
                              "columns are named by position (0, 1, ...)")
    compare.add_argument("--losses", nargs="+", metavar="NAME", default=None,
                         help="registered loss names, each with its parameters if wanted "
                              "(NAME:key=value,...: comp_sum:tau=1.5, "
                              "logit_clip:loss=gce,delta=2), or 'all' (every loss that "
                              "applies to the number of classes, at its defaults; the others "
                              "are skipped with a note) "
                              f"(default: {' '.join(DEFAULT_LOSSES)}); see '{PROG} "
                              "list-losses'. Pairs with --reweight that would correct for "
                              "the imbalance twice (logit_adjusted + balanced, a batch-level "
                              "loss with class weights) are left out with a note, unless "
                              "named in both options")
    compare.add_argument("--reweight", nargs="+", metavar="SCHEME", default=None,
                         help="re-weighting schemes: 'none' or a registered scheme "
                              f"(default: {' '.join(DEFAULT_REWEIGHT)}; the names: '{PROG} "
                              "list-losses'); 'drw' configurations train without early "
                              "stopping, so that the deferred weights switch on")
    compare.add_argument("--baseline", nargs="+", metavar="MODEL", default=None,
                         choices=BASELINE_NAMES,
                         help="reference models cross-validated on the same folds and ranked "
                              "with the networks, so that the leaderboard says whether a "
                              "network is worth it on this table: 'hgb' "
                              "(HistGradientBoostingClassifier(class_weight='balanced')), "
                              "'logistic' (LogisticRegression(class_weight='balanced')), each "
                              "after the package's encoder; 'none' for the networks alone "
                              f"(default: {' '.join(DEFAULT_BASELINE)})")
    compare.add_argument("--scoring", nargs="+", metavar="NAME", default=list(DEFAULT_SCORING),
                         help="scorer names of sklearn_losses.metrics.get_scorer (package "
                              "scorers or scikit-learn's); the first ranks the leaderboard, "
                              "the next ones break ties in turn "
                              f"(default: {' '.join(DEFAULT_SCORING)})")
    compare.add_argument("--folds", "-k", type=int, metavar="K",
                         help=f"stratified cross-validation folds (default: {FULL['folds']}, "
                              f"--quick: {QUICK['folds']})")
    compare.add_argument("--max-epochs", type=int, metavar="N",
                         help=f"max_epochs of every model (default: {FULL['max_epochs']}, "
                              f"--quick: {QUICK['max_epochs']}); early stopping may end sooner")
    compare.add_argument("--random-state", type=_seed, default=0, metavar="SEED",
                         help="seed of the folds and of the models, in [0, 2**32 - 1] "
                              "(default: 0)")
    compare.add_argument("--positive-label", metavar="LABEL",
                         help="binary targets: the positive class, as written in the file "
                              "(default: the minority class)")
    compare.add_argument("--decision", metavar="SPEC", default=None,
                         help="apply a decision tool of sklearn_losses.decisions inside each "
                              "fold: 'offsets' (per-class offsets tuned for macro-F1), "
                              "'np:ALPHA' (Neyman-Pearson cap ALPHA on the false alarms of the "
                              "positive class, binary) or 'recall:ALPHA' (expected false-"
                              "negative rate of the positive class at most ALPHA, binary); the "
                              "leaderboard adds MCC and the constrained metric (f1_macro, "
                              "type_i_error or fnr)")
    compare.add_argument("--drop", nargs="+", default=[], metavar="COLUMN",
                         help="columns (names or positions) to leave out of the features "
                              "(identifiers, leaks)")
    compare.add_argument("--sep", default=",", help="CSV field separator (default: ',')")
    compare.add_argument("--decimal", default=".", metavar="CHAR",
                         help="decimal mark of the numbers in DATA.csv (default: '.'; "
                              "--sep ';' --decimal , for 3,14 in European exports); a text "
                              "column that looks like decimal-comma numbers gets a warning "
                              "suggesting it")
    compare.add_argument("--thousands", default=None, metavar="CHAR",
                         help="the mark grouping the thousands of the numbers in DATA.csv "
                              "(--thousands , for 1,275.22; none by default; with --decimal , "
                              "points grouping the thousands, 1.716,77, are read without it); "
                              "a text column that looks like such numbers gets a warning "
                              "suggesting it")
    compare.add_argument("--encoding", default="utf-8", metavar="NAME",
                         help="text encoding of DATA.csv (default: utf-8; e.g. latin-1, "
                              "cp1252, utf-16)")
    compare.add_argument("--max-rows", type=int, metavar="N",
                         help="a quick look at a large file: cross-validate on a stratified "
                              "random sample of N rows (the class shares kept, every class "
                              "with at least --folds rows; seeded by --random-state)")
    compare.add_argument("--out", "-o", default=DEFAULT_OUT, metavar="DIR",
                         help=f"output folder, created if needed (default: ./{DEFAULT_OUT})")
    compare.add_argument("--save-best", metavar="PATH",
                         help="refit the best configuration on all rows and save it with "
                              "joblib: joblib.load(PATH).predict(X), X read as compare read "
                              "the file: sklearn_losses.cli.io.read_table(DATA.csv, ...) with "
                              "the same --sep, --decimal, --thousands, --encoding and "
                              "--no-header "
                              "(header=False), as the final message says (every cell as text, "
                              "the column rule deciding each column's kind, as in training); "
                              "the feature columns are found by name, the target and other "
                              "columns ignored")
    compare.add_argument("--quick", action="store_true",
                         help=f"smoke test: {QUICK['folds']} folds, {QUICK['max_epochs']} "
                              f"epochs, {QUICK['demo_rows']} demo rows (explicit --folds / "
                              "--max-epochs win)")
    compare.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                         help="fits run in parallel processes (joblib; -1: all cores; "
                              "default: 1)")
    compare.add_argument("--threads", type=int, default=1, metavar="N",
                         help="torch CPU threads of this process, and the OpenMP and BLAS "
                              "threads of the --baseline models (default: 1, the fastest for "
                              "small MLPs, above all on a busy machine; use --jobs for more "
                              "cores)")
    compare.add_argument("--device", default="auto",
                         help="'auto' (CUDA when available and the network's work per "
                              "batch is large enough to gain from it, else CPU), 'cpu', "
                              "'cuda', "
                              "'cuda:1'... (default: auto)")
    compare.add_argument("--progress", choices=("auto", "bar", "lines"), default="auto",
                         help="progress on stderr: 'bar' (a progress bar over every fold "
                              "fit), 'lines' (one line per finished fold, with the time "
                              "left), 'auto' (a bar on a terminal, else lines; default)")
    compare.add_argument("--no-plot", action="store_true", help="do not write leaderboard.png")
    compare.add_argument("--quiet", "-q", action="store_true",
                         help="print only the leaderboard (and warnings about the run)")

    list_losses = sub.add_parser(
        "list-losses", help="list the registered losses and re-weighting schemes",
        description="List the losses registered in sklearn_losses (the names --losses "
                    "accepts) with their family, whether each is pointwise or batch-level, "
                    "the numbers of classes it handles ('2+', '3+', 'binary only') and a "
                    "one-line description; then the re-weighting schemes (the names "
                    "--reweight accepts). Read from a static table, so it answers at once.")
    return parser
