"""Held-out evaluation (issue 19's protocol): named methods on the choose / confirm tables.

The 53 development tables (``keel/``, ``uci/`` and ``medium/`` under the data
root, default ``../shared/data``) are split once into *choose* and *confirm*
(``benchmarks/split.csv``, made by ``make_split.py``). Defaults are chosen on
*choose*; what is meant to ship is evaluated on *confirm*, and only confirm
figures are reported.

Every method runs on every selected table with stratified 5-fold CV for each
seed (the seed sets the folds and the models' ``random_state``), one thread
per fit (torch, BLAS and OpenMP capped at 1; CatBoost ``thread_count=1``),
through the benchmarks' one fit-and-score loop (``_common.cv_rows``: the
package's ``cross_validate_configs``, every model through ``make_model``: the
package's estimators take the table as read, the others get the preprocessing
of the package's column rule). Scores per fold: MCC from ``predict``, AP and
ROC AUC from ``predict_proba`` of the positive (minority) class, fit and
predict seconds.

Each (table, seed, method) is appended to ``DIR/heldout.csv`` (``--quick``:
``heldout_quick.csv``) as soon as its folds are done; rows already there are
skipped, so an interrupted run continues where it stopped when run again with
the same ``--out``. At the end the summary (``summarize_heldout.py``) of the
whole CSV is printed and written to ``DIR/heldout.md``.

Methods: ``default`` (``WeightedLossClassifier()``), ``catboost_balanced``,
``mlp`` (``MLPClassifier()``), ``realmlp`` / ``realmlp_ce`` (pytabkit's
``RealMLP_TD_Classifier()``, and with the settings its authors advise for AUC-like metrics),
``hgb_balanced``, any method of
``bench_quality.py``'s registry, or ``wlc:key=value,...`` for any
``WeightedLossClassifier`` configuration (the package defaults otherwise).

    python benchmarks/bench_heldout.py --split confirm --out benchmarks/results/heldout
    python benchmarks/bench_heldout.py --split choose --methods default "wlc:loss=focal" \\
        catboost_balanced --out benchmarks/results/heldout
    python benchmarks/bench_heldout.py --split both --quick --out /tmp/heldout     # a minute
    python benchmarks/summarize_heldout.py benchmarks/results/heldout/heldout.csv --write-docs
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

import pandas as pd
import torch
from joblib import Parallel, delayed
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

import _common as common
import bench_quality
from _data import load_keel
from make_split import DEFAULT_DATA_ROOT, SPLIT_PATH
from sklearn_losses import WeightedLossClassifier

#: CSV column -> scorer name (``sklearn_losses.metrics.get_scorer``; positive class: the minority).
SCORING = {"mcc": "matthews_corrcoef", "ap": "average_precision", "roc_auc": "roc_auc"}
#: The per-fold CSV's columns, in order. ``folds``: the K of the K-fold split (5; 2 with
#: ``--quick``); ``epochs``: the fitted ``n_iter_`` where the model has one.
COLUMNS = ("table", "folder", "split", "size", "seed", "fold", "method", *SCORING,
           "fit_s", "predict_s", "error", "folds", "epochs", "warnings", "config")
#: A fold's result is identified by these (with ``folds``, which one CSV holds one value of).
KEY = ("table", "seed", "method", "fold")
SPLITS = ("choose", "confirm")
DEFAULT_METHODS = ("default", "catboost_balanced", "mlp", "hgb_balanced", "wlc_portfolio")
DEFAULT_SEEDS = (0, 1, 2)
FOLDS, QUICK_FOLDS = 5, 2


def _realmlp(seed, **params):
    from pytabkit import RealMLP_TD_Classifier  # the bench extra

    return RealMLP_TD_Classifier(random_state=seed, n_threads=1, device="cpu", verbosity=0,
                                 **params)


#: Method names of this script: name -> (description, factory ``seed -> estimator``).
OWN_METHODS = {
    "mlp": ("`MLPClassifier()` (scikit-learn's defaults: one hidden layer of 100, Adam, "
            "max_iter=200)", lambda seed: MLPClassifier(random_state=seed)),
    "realmlp": ("`RealMLP_TD_Classifier()` (pytabkit's RealMLP with its tuned defaults, "
                "Holzmüller et al., NeurIPS 2024; 1 thread, CPU): best epoch by "
                "validation classification error, label smoothing 0.1", _realmlp),
    "realmlp_ce": ("`RealMLP_TD_Classifier(val_metric_name=\"cross_entropy\", use_ls=False)`: "
                   "`realmlp` as its authors advise for AUC-like metrics (best epoch by "
                   "validation cross-entropy, no label smoothing)",
                   lambda seed: _realmlp(seed, val_metric_name="cross_entropy", use_ls=False)),
}
#: Other names of ``bench_quality.py``'s methods (``wlc:`` alone: the package defaults).
ALIASES = {"default": "wlc:"}


# ----------------------------------------------------------------- methods
def make_methods(names, seed):
    """``({name: unfitted estimator}, {name: description})`` for the method names, seeded.

    ``mlp`` is this script's; ``default`` is ``wlc:`` (``WeightedLossClassifier()``);
    every other name (``catboost_balanced``, ``hgb_balanced``, ``logreg_balanced``,
    ``wlc:key=value,...``) is built by ``bench_quality.make_methods`` with the package's
    own ``max_epochs`` and early stopping, so a ``wlc:`` spec changes only what it names.
    Every ``n_jobs`` left at None is set to 1 (one thread per fit).
    """
    if not names:
        raise SystemExit("--methods: name at least one method")
    if "all" in names:
        raise SystemExit("--methods: name the methods ('all' is bench_quality.py's)")
    if len(set(names)) != len(names):
        raise SystemExit(f"--methods: a method is named twice in {list(names)}")
    known = [*ALIASES, *OWN_METHODS, *bench_quality.METHODS]
    unknown = [n for n in names if n not in known and not n.startswith("wlc:")]
    if unknown:
        raise SystemExit(f"--methods: unknown {unknown}; known: {', '.join(known)} "
                         "or wlc:key=value,...")
    delegated = [ALIASES.get(n, n) for n in names if n not in OWN_METHODS]
    defaults = WeightedLossClassifier().get_params()
    quality_args = argparse.Namespace(methods=delegated, seed=seed,
                                      max_epochs=defaults["max_epochs"],
                                      no_early_stopping=False, sklearn_mlp_max_iter=500)
    built, described = bench_quality.make_methods(quality_args)
    methods, descriptions = {}, {}
    for name in names:
        if name in OWN_METHODS:
            descriptions[name], factory = OWN_METHODS[name]
            methods[name] = factory(seed)
        else:
            methods[name] = built[ALIASES.get(name, name)]
            descriptions[name] = described[ALIASES.get(name, name)]
        one_thread(methods[name])
    return methods, descriptions


#: the nested parameters of a portfolio's entries, which :func:`one_thread` leaves as they are
_PORTFOLIO_ENTRIES = ("configs", "extra_estimators")


def one_thread(estimator):
    """Set every ``n_jobs`` parameter left at None (nested ones too) to 1.

    Not those of a portfolio's configurations and extra estimators
    (``configs__<name>__n_jobs``): they keep the package's thread rule (one
    thread in a joblib worker, as under ``--jobs 2``), as in every run
    recorded before ``get_params(deep=True)`` listed them, so that the
    methods' configuration ids (:func:`config_id`) stay those of the rows
    recorded.
    """
    params = estimator.get_params()
    unset = {k: 1 for k, v in params.items() if k.rpartition("__")[2] == "n_jobs" and v is None
             and not set(k.split("__")[:-1]) & set(_PORTFOLIO_ENTRIES)}
    return estimator.set_params(**unset) if unset else estimator


def warm_estimators():
    """Fitted once per process before timing: the network trainers and CatBoost (imports)."""
    warm = bench_quality.warm_estimators()
    if importlib.util.find_spec("catboost") is not None:
        warm.append(bench_quality._catboost(0, iterations=2))
    return warm


# ------------------------------------------------------------------ tables
def select_tables(split, tables=None, *, quick=False, split_path=SPLIT_PATH):
    """The rows of ``split.csv`` to run, smallest first.

    ``split``: ``choose``, ``confirm`` or ``both``; ``tables``: names to keep (a
    name of the other split or an unknown one is an error); ``quick``: the 3
    smallest tables of each split kept.
    """
    frame = pd.read_csv(split_path)
    wanted = SPLITS if split == "both" else (split,)
    chosen = frame[frame["split"].isin(wanted)]
    if tables:
        unknown = sorted(set(tables) - set(frame["table"]))
        if unknown:
            raise SystemExit(f"--tables: unknown table(s) {unknown}; see {split_path}")
        elsewhere = frame[frame["table"].isin(tables) & ~frame["split"].isin(wanted)]
        if len(elsewhere):
            found = ", ".join(f"{t} ({s})" for t, s in zip(elsewhere["table"],
                                                           elsewhere["split"]))
            raise SystemExit(f"--tables: not in --split {split}: {found}")
        chosen = chosen[chosen["table"].isin(tables)]
    chosen = chosen.sort_values(["rows", "table"], kind="stable")
    if quick:
        chosen = chosen.groupby("split", sort=False).head(3)
    return chosen.reset_index(drop=True)


# ---------------------------------------------------------------- the runs
def csv_path(out, quick):
    return Path(out) / ("heldout_quick.csv" if quick else "heldout.csv")


def config_id(estimator) -> str:
    """A short hash of what ``estimator`` is: its class and every parameter (nested
    estimators described the same way), and the package's version.

    Rows of one method name must come from one configuration: a changed default or
    registry entry gives another id, and :func:`run` refuses to add its rows to those of
    the old one. It covers parameters, not code: a fix that changes what the same
    parameters fit keeps the id (name such reruns apart, as ``wlc_portfolio_shr0``).
    """
    import hashlib

    import sklearn_losses

    def describe(obj):
        if hasattr(obj, "get_params") and not isinstance(obj, type):
            params = obj.get_params(deep=False)
            return (type(obj).__module__, type(obj).__qualname__,
                    tuple(sorted((str(k), describe(v)) for k, v in params.items())))
        if isinstance(obj, dict):
            return tuple(sorted((str(k), describe(v)) for k, v in obj.items()))
        if isinstance(obj, (list, tuple)):
            return tuple(describe(v) for v in obj)
        if callable(obj):
            return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', repr(obj))}"
        return repr(obj)

    text = repr((sklearn_losses.__version__, describe(estimator)))
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def method_config_ids(methods) -> dict:
    """``{method: config_id}``, each built with seed 0 (the seed is not part of a method)."""
    built, _ = make_methods(list(methods), 0)
    return {name: config_id(estimator) for name, estimator in built.items()}


def read_done(path, folds):
    """``(keys, configs)``: the keys (:data:`KEY`) of the folds already in the CSV at
    ``path`` (empty if none) and ``{method: set of config ids}`` its rows record (``""``
    for rows written before ids were recorded).

    A CSV of another K (``folds``) is an error: its folds are other row sets.
    """
    if not Path(path).is_file() or Path(path).stat().st_size == 0:
        return set(), {}
    add_config_column(path)
    done = pd.read_csv(path, usecols=[*KEY, "folds", "config"],
                       dtype={"table": str, "method": str, "config": str},
                       keep_default_na=False)
    other = sorted(set(done["folds"]) - {folds})
    if other:
        raise SystemExit(f"{path} holds {'/'.join(map(str, other))}-fold results, this run "
                         f"is {folds}-fold; use another --out")
    recorded = done.groupby("method")["config"].agg(set).to_dict()
    return set(zip(done["table"], done["seed"].astype(int), done["method"],
                   done["fold"].astype(int))), recorded


def add_config_column(path):
    """Give a CSV written before rows recorded their configuration an empty ``config``
    column (every other cell kept as written)."""
    header = pd.read_csv(path, nrows=0).columns
    if "config" in header:
        return
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["config"] = ""
    frame.to_csv(path, index=False)


def check_configs(methods, ids, recorded, path):
    """Refuse to add a method's rows to rows of another configuration under its name; note
    the methods whose earlier rows record none (their configuration cannot be checked)."""
    unknown = [m for m in methods if "" in recorded.get(m, ())]
    if unknown:
        print(f"note: {path} holds rows of {', '.join(unknown)} written before rows recorded "
              "their configuration; new rows are added to them unchecked", flush=True)
    changed = {m: sorted(recorded[m] - {ids[m], ""}) for m in methods
               if recorded.get(m, set()) - {ids[m], ""}}
    if changed:
        found = "; ".join(f"{m}: {', '.join(old)} in the CSV, {ids[m]} now"
                          for m, old in changed.items())
        raise SystemExit(f"{path} holds rows of another configuration under the same method "
                         f"name ({found}): the method's parameters or the package version "
                         "changed. Give the new configuration a new method name, or use "
                         "another --out.")


def pending_units(tables, seeds, methods, folds, done):
    """``(table row, seed, method)`` still to run, seed by seed, smallest table first."""
    units = []
    for seed in seeds:
        for row in tables.itertuples(index=False):
            for method in methods:
                if any((row.table, seed, method, k) not in done for k in range(folds)):
                    units.append((row, seed, method))
    return units


def run_unit(row, seed, method, *, folds, data_root, done=frozenset(), config=""):
    """One method on one table for one seed: its per-fold rows (those not in ``done``),
    each recording ``config`` (:func:`config_id`)."""
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        X, y, name = load_keel(Path(data_root) / row.folder / f"{row.table}.csv")
        estimators, _ = make_methods([method], seed)
        t0 = time.perf_counter()
        fits = common.cv_rows(name, X, y, estimators, folds=folds, seed=seed, scoring=SCORING,
                              warm=warm_estimators())
        seconds = time.perf_counter() - t0
    rows = [{"table": row.table, "folder": row.folder, "split": row.split, "size": row.size,
             "seed": seed, "fold": r["fold"], "method": method,
             **{metric: r[metric] for metric in SCORING}, "fit_s": r["fit_s"],
             "predict_s": r["score_s"], "error": r["error"], "folds": folds,
             "epochs": r["epochs"], "warnings": r["warnings"], "config": config} for r in fits]
    return [r for r in rows if (r["table"], seed, method, r["fold"]) not in done], seconds


def append_rows(path, rows):
    """Append per-fold rows to the CSV (header written when the file is new)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.is_file() or path.stat().st_size == 0
    pd.DataFrame(rows, columns=list(COLUMNS)).to_csv(path, mode="a", header=new, index=False,
                                                     float_format="%.6g")


def run(tables, seeds, methods, *, folds, out_csv, data_root=DEFAULT_DATA_ROOT, jobs=1):
    """Run every pending (table, seed, method), appending each to ``out_csv`` as it finishes.

    Returns the number of units run.
    """
    for seed in seeds:  # unknown names and missing packages fail here, before any fit
        make_methods(methods, seed)
    done, recorded = read_done(out_csv, folds)
    ids = method_config_ids(methods)
    check_configs(methods, ids, recorded, out_csv)
    units = pending_units(tables, seeds, methods, folds, done)
    skipped = len(tables) * len(seeds) * len(methods) - len(units)
    print(f"{len(tables)} tables x {len(seeds)} seed(s) x {len(methods)} method(s) x "
          f"{folds} folds: {len(units)} to run, {skipped} already in {out_csv}", flush=True)
    tasks = (delayed(run_unit)(row, seed, method, folds=folds, data_root=data_root, done=done,
                               config=ids[method])
             for row, seed, method in units)
    for i, (rows, seconds) in enumerate(
            Parallel(n_jobs=jobs, return_as="generator_unordered")(tasks), 1):
        append_rows(out_csv, rows)
        head = rows[0] if rows else {}
        failed = sum(bool(r["error"]) for r in rows)
        note = f", {failed} failed" if failed else ""
        ap = pd.Series([r["ap"] for r in rows], dtype=float).mean()
        print(f"[{i}/{len(units)}] {head.get('table')} seed {head.get('seed')} "
              f"{head.get('method')}: {len(rows)} folds in {seconds:.1f}s, AP {ap:.3f}{note}",
              flush=True)
    return len(units)


# --------------------------------------------------------------------- main
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--split", choices=[*SPLITS, "both"], default="confirm",
                        help="which tables of benchmarks/split.csv")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(DEFAULT_SEEDS),
                        help="seeds of the folds and the models (--quick: the first only)")
    parser.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS),
                        help="default, catboost_balanced, mlp, realmlp, realmlp_ce, "
                             "hgb_balanced, a bench_quality.py method, or 'wlc:key=value,...'")
    parser.add_argument("--tables", nargs="+", default=None, metavar="NAME",
                        help="only these tables (of the chosen split)")
    parser.add_argument("--out", type=Path, required=True,
                        help="folder of the per-fold CSV (appended to, resumable) and summary")
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT,
                        help="folder holding keel/, uci/ and medium/")
    parser.add_argument("--jobs", type=int, default=1,
                        help="fits of different (table, seed, method) in parallel processes "
                             "(1 thread each); fit times compare only within one setting")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2 folds, the first seed, the 3 smallest tables of each "
                             "split (written to heldout_quick.csv)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds = args.seeds[:1]
    if len(set(args.seeds)) != len(args.seeds):
        parser.error("--seeds: a seed is given twice")
    return args


def main(argv=None):
    import summarize_heldout

    args = parse_args(argv)
    tables = select_tables(args.split, args.tables, quick=args.quick)
    if tables.empty:
        raise SystemExit("no table selected")
    out_csv = csv_path(args.out, args.quick)
    run(tables, args.seeds, args.methods, folds=QUICK_FOLDS if args.quick else FOLDS,
        out_csv=out_csv, data_root=args.data_root, jobs=args.jobs)
    results = summarize_heldout.load_results([out_csv])
    markdown = summarize_heldout.render(results, [out_csv])
    print(markdown)
    md_path = out_csv.with_suffix(".md")
    md_path.write_text(markdown)
    print(f"wrote {out_csv} and {md_path}")
    return results


if __name__ == "__main__":
    main()
