"""What the dataset benchmarks share: command-line options, dataset selection,
result rows, summaries and markdown output.

A benchmark script defines its methods (name -> unfitted estimator), an
``evaluate(name, X, y)`` that returns result rows through :func:`cv_rows`, and
formats the summary with :func:`compare_methods` and :func:`markdown_table`.
The preprocessing, the fit-and-score loop over the folds, the scorers and the
sign test are the package's (:mod:`sklearn_losses.compare`), the same code as
``sklearn-losses compare``.
"""

from __future__ import annotations

import argparse
import functools
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedKFold

from _data import DEFAULT_KEEL_DIR, REPO_ROOT, keel_datasets, load_bundled, load_keel
from sklearn_losses.compare import cross_validate_configs, make_model

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
DOCS_DIR = REPO_ROOT / "docs" / "benchmarks"

#: Three of the smallest KEEL tables (lymphography has categorical columns): ``--quick``.
QUICK_KEEL = ("glass-0-4_vs_5", "lymphography-normal-fibrosis", "zoo-3")


# ------------------------------------------------------------------ options
def base_parser(doc, *, folds, max_epochs):
    """The options every dataset benchmark takes (its own ones are added by the script)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_KEEL_DIR,
                        help="folder of the KEEL CSV files")
    parser.add_argument("--datasets", type=int, default=None, metavar="N",
                        help="use only the first N datasets (KEEL alphabetical, then sklearn's)")
    parser.add_argument("--only", nargs="+", default=None, metavar="NAME",
                        help="use only these datasets (KEEL file stems or sklearn names)")
    parser.add_argument("--folds", type=int, default=folds, help="stratified CV folds")
    parser.add_argument("--max-epochs", type=int, default=max_epochs,
                        help="max_epochs of every model (capped further by --quick)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the folds, the label noise and the estimators")
    parser.add_argument("--jobs", type=int, default=1, help="datasets run in parallel (joblib)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads per job (1 is fastest for these small MLPs, and "
                             "avoids oversubscribing the cores when other work runs)")
    parser.add_argument("--out", type=Path, default=None,
                        help="write the CSV and the markdown here instead of "
                             "benchmarks/results/ and docs/benchmarks/")
    parser.add_argument("--tie", type=float, default=0.005,
                        help="metric difference below which a dataset counts as a tie (W/T/L)")
    parser.add_argument("--no-early-stopping", action="store_true",
                        help="train every model for max_epochs (early stopping is on by default)")
    parser.add_argument("--quick", action="store_true",
                        help="3 small datasets, 2 folds, few epochs (for the tests)")
    return parser


def apply_quick(args, *, max_epochs=5):
    """``--quick``: 2 folds and ``max_epochs`` epochs."""
    if args.quick:
        args.folds = 2
        args.max_epochs = min(args.max_epochs, max_epochs)
    return args


def estimator_params(args, **params):
    """The ``WeightedLossClassifier`` settings from the options, plus ``params``.

    Re-weighting and early stopping are pinned (``reweight=None`` unless
    given; early stopping on the validation loss unless
    ``--no-early-stopping``) rather than left to the estimator's defaults, so
    that these comparisons of losses mean the same when the defaults move.
    """
    return {"reweight": None, **params, "max_epochs": args.max_epochs,
            "early_stopping": not args.no_early_stopping, "random_state": args.seed}


def describe_estimator(args, **params):
    """Markdown: the estimator call of :func:`estimator_params` and what early stopping does."""
    shown = ", ".join(f"{k}={v!r}" for k, v in estimator_params(args, **params).items())
    stopping = ("early stopping on the validation loss of a stratified 10% of the training rows "
                "(the best epoch is kept)" if not args.no_early_stopping
                else "no early stopping (every model trains for max_epochs)")
    return (f"`WeightedLossClassifier(loss=..., {shown})` after one-hot encoding / "
            f"standardization; {stopping}")


def output_paths(args, stem):
    """``(csv, markdown)`` paths: under ``--out`` if given, else the defaults."""
    if args.out is not None:
        return args.out / f"{stem}.csv", args.out / f"{stem}.md"
    return RESULTS_DIR / f"{stem}.csv", DOCS_DIR / f"{stem}.md"


# ----------------------------------------------------------------- datasets
def dataset_loaders(args, *, bundled=(), quick=QUICK_KEEL, keel_required=True):
    """Loaders (``() -> (X, y, name)``) of the datasets the options select.

    The KEEL tables (alphabetical) come first, then the scikit-learn tables
    ``bundled``. ``--quick`` keeps the datasets named in ``quick``,
    ``--only`` the named datasets, ``--datasets N`` the first N. A missing
    KEEL folder is an error with ``keel_required``, else a printed note.
    """
    paths = keel_datasets(args.data_dir)
    if not paths:
        message = f"no KEEL CSV files in {args.data_dir} (set --data-dir)"
        if keel_required:
            raise SystemExit(message)
        print(f"note: {message}; using the scikit-learn datasets only")
    loaders = {p.stem: functools.partial(load_keel, p) for p in paths}
    loaders.update({name: functools.partial(load_bundled, name) for name in bundled})
    return [loaders[n] for n in select_datasets(list(loaders), args, quick)]


def select_datasets(names, args, quick=()):
    """The dataset names the options keep, in order.

    ``--quick`` keeps those in ``quick``, ``--only`` the named ones (an
    unknown name is an error listing the available ones), ``--datasets N``
    the first N.
    """
    if args.quick:
        names = [n for n in names if n in quick]
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            raise SystemExit(f"unknown dataset(s) {unknown}; available: {', '.join(names)}")
        names = [n for n in names if n in args.only]
    if args.datasets is not None:
        names = names[:args.datasets]
    return names


# ------------------------------------------------------------ fit and score
#: Scores of every fit (``sklearn_losses.metrics.get_scorer`` names; binary: of the positive
#: class 1; multiclass: macro one-vs-rest AUC and AP, macro F1).
SCORING = ("roc_auc", "average_precision", "balanced_accuracy", "f1")


def cv_rows(name, X, y, methods, *, folds, seed, variants=None, scoring=SCORING, warm=None,
            fold_info=None):
    """Stratified K-fold results: one row per label variant x method x fold.

    The fits run through :func:`sklearn_losses.compare.cross_validate_configs`
    (each method after :func:`sklearn_losses.compare.make_model`'s
    preprocessing), one call per label variant.

    Parameters
    ----------
    methods : dict of str -> estimator
        Unfitted estimators (cloned for each fit, preprocessing prepended).
    variants : list of (dict, callable or None), optional
        Versions of the training labels to train on (e.g. with label noise):
        the dict's items are added to the rows, the callable
        ``(fold, y_train) -> y_train`` gives the labels (None: unchanged).
        Test labels are never changed. Default: the training labels as they are.
    scoring : list of str or dict
        Scorers (``sklearn_losses.compare.resolve_scoring``); one column each.
    warm : list of estimator, optional
        Fitted once per process before timing (``sklearn_losses.compare.warm_up``).
    fold_info : callable, optional
        ``(fold, train, test) -> dict`` of further columns.

    Returns
    -------
    rows : list of dict
        ``dataset``, ``n_samples``, ``n_classes``, ``minority_share``,
        ``fold``, the variant's items, ``method``, one column per scorer,
        ``fit_s``, ``score_s``, ``epochs``, ``error`` (``""`` when none) and
        ``warnings`` (`` | ``-separated).
    """
    y = np.asarray(y)
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y))
    # the anchors' preprocessing of every recorded run: one-hot ("onehot"), not the encoder
    models = {method: make_model(estimator, X, preprocessing="onehot")
              for method, estimator in methods.items()}
    base = {"dataset": name, "n_samples": len(y), "n_classes": len(np.unique(y)),
            "minority_share": np.bincount(y).min() / len(y)}
    rows = []
    for variant, train_labels in variants or [({}, None)]:
        results = cross_validate_configs(models, X, y, splits, scoring,
                                         train_labels=train_labels, warm=warm)
        for r in results:
            row = {**base, "fold": r["fold"], **variant, "method": r["config"]}
            if fold_info is not None:
                row.update(fold_info(r["fold"], *splits[r["fold"]]))
            row.update(r["scores"])
            row.update(fit_s=r["fit_s"], score_s=r["score_s"], epochs=r["epochs"],
                       error=r["error"] or "", warnings=" | ".join(r["warnings"]))
            rows.append(row)
    return rows


def _evaluate_one(loader, evaluate, threads):
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        X, y, name = loader()
        t0 = time.perf_counter()
        rows = evaluate(name, X, y)
    finally:
        torch.set_num_threads(previous)
    return name, time.perf_counter() - t0, rows


def run_datasets(loaders, evaluate, *, jobs=1, threads=1):
    """``evaluate(name, X, y) -> rows`` on every dataset (joblib over datasets); one DataFrame."""
    t0 = time.perf_counter()
    tasks = (delayed(_evaluate_one)(loader, evaluate, threads) for loader in loaders)
    rows = []
    results = Parallel(n_jobs=jobs, return_as="generator_unordered")(tasks)
    for i, (name, seconds, dataset_rows) in enumerate(results, 1):
        errors = sum(bool(r["error"]) for r in dataset_rows)
        note = f", {errors} failed fits" if errors else ""
        print(f"[{i}/{len(loaders)}] {name}: {len(dataset_rows)} fits in {seconds:.1f}s{note}",
              flush=True)
        rows.extend(dataset_rows)
    frame = pd.DataFrame(rows)
    frame.attrs["seconds"] = time.perf_counter() - t0
    return frame


# ---------------------------------------------------------------- summaries
def per_dataset(results, metrics, keys=()):
    """Mean over folds of each metric, per (keys..., dataset, method)."""
    groups = results.groupby([*keys, "dataset", "method"], sort=False)
    return groups[list(metrics)].mean().reset_index()


def compare_methods(table, metric, reference, *, keys=(), tie=0.005):
    """Per (keys..., method): mean over datasets, mean rank (1 = best) and W/T/L vs ``reference``.

    ``table`` is :func:`per_dataset`'s output. A dataset is a tie when the
    two fold-means differ by at most ``tie``. Failed fits (NaN) rank last and
    count as losses; where the reference failed and the method did not, a win.
    A method that failed on a dataset has no mean (NaN): a mean over the
    datasets it finished would leave out the ones it failed on.
    """
    keys = list(keys)
    ranks = table.groupby([*keys, "dataset"])[metric].rank(ascending=False, na_option="bottom")
    table = table.assign(rank=ranks)
    ref = table[table["method"] == reference].set_index([*keys, "dataset"])[metric]
    ref = ref.rename("ref")
    table = table.join(ref, on=[*keys, "dataset"])
    diff = (table[metric].fillna(-np.inf) - table["ref"].fillna(-np.inf)).fillna(0.0)
    table = table.assign(win=diff > tie, tie=diff.abs() <= tie, loss=diff < -tie)
    summary = table.groupby([*keys, "method"], sort=False).agg(
        mean=(metric, lambda s: s.mean(skipna=False)), mean_rank=("rank", "mean"),
        wins=("win", "sum"),
        ties=("tie", "sum"), losses=("loss", "sum"), datasets=("dataset", "nunique"))
    summary["wtl"] = [f"{w}/{t}/{l}" for w, t, l in
                      zip(summary["wins"], summary["ties"], summary["losses"])]
    summary.loc[summary.index.get_level_values("method") == reference, "wtl"] = "ref"
    return summary.reset_index()


def markdown_table(frame, floatfmt=".3f"):
    """A DataFrame as a GitHub markdown table (floats with ``floatfmt``)."""
    def cell(value):
        if isinstance(value, (float, np.floating)):
            return "n/a" if np.isnan(value) else format(value, floatfmt)
        return str(value)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |",
             "|" + "|".join("---" for _ in frame.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def run_description(args, results, script, argv):
    """Markdown lines: how the results were produced (``script`` run with ``argv``)."""
    argv = sys.argv[1:] if argv is None else argv
    command = " ".join(["python", f"benchmarks/{Path(script).name}", *map(str, argv)])
    n_failed = int((results["error"] != "").sum())
    return [
        f"Produced by `{command}` in {results.attrs.get('seconds', float('nan')) / 60:.1f} min "
        f"({len(results)} fits, {n_failed} failed; Python {platform.python_version()}, "
        f"torch {torch.__version__}, {args.jobs} job(s) x {args.threads} torch thread(s)).",
        f"Stratified {args.folds}-fold CV (seed {args.seed}), "
        f"{results['dataset'].nunique()} datasets, max_epochs={args.max_epochs}.",
    ]


def run_benchmark(args, argv, loaders, evaluate, render_markdown, stem):
    """Run ``evaluate`` on the datasets, print the markdown summary and write it with the CSV.

    ``render_markdown(results, args, argv) -> str``; the outputs are
    ``<stem>.csv`` and ``<stem>.md`` (see :func:`output_paths`).
    """
    results = run_datasets(loaders, evaluate, jobs=args.jobs, threads=args.threads)
    markdown = render_markdown(results, args, argv)
    print(markdown)
    write_outputs(results, markdown, *output_paths(args, stem))
    return results


def write_outputs(results, markdown, csv_path, md_path):
    """Write the per-fit CSV and the markdown summary (creating folders); print where."""
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    md_path.parent.mkdir(parents=True, exist_ok=True)
    results.to_csv(csv_path, index=False, float_format="%.6g")
    md_path.write_text(markdown + "\n")
    print(f"wrote {csv_path} and {md_path}")
