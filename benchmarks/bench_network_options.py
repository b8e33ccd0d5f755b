"""Network options: the MLP vs TabM, with and without numeric embeddings, on KEEL.

A quick check, not the full benchmark: stratified 3-fold CV on a few KEEL
imbalanced tables of different sizes (categorical columns one-hot encoded,
numeric ones imputed and standardized inside each fold), every network with
the estimator's default loss and re-weighting, against CatBoost with
balanced class weights. One torch (and CatBoost) thread. Prints, per method,
the mean over tables of the average precision, MCC and seconds per fit, and
the per-table MCC.

    python benchmarks/bench_network_options.py
    python benchmarks/bench_network_options.py --only glass1 yeast4 --methods mlp tabm_k16
    python benchmarks/bench_network_options.py --max-epochs 100 --csv /tmp/net.csv
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import torch
from sklearn.base import clone
from sklearn.metrics import average_precision_score, matthews_corrcoef
from sklearn.model_selection import StratifiedKFold

from _data import DEFAULT_KEEL_DIR, load_keel
from sklearn_losses import WeightedLossClassifier
from sklearn_losses.compare import make_model

#: Six tables from 92 to 1599 rows (flare-F has categorical columns).
TABLES = ("glass-0-4_vs_5", "ecoli-0-1-4-6_vs_5", "yeast-2_vs_8", "vehicle0", "flare-F",
          "winequality-red-4")

TABM = dict(architecture="tabm", n_ensemble=16, hidden_layer_sizes=(128, 128), dropout=0.1,
            max_epochs=100)

#: name -> estimator parameters (None: CatBoost).
METHODS = {
    "mlp": {},
    "tabm_k16": TABM,
    "tabm_k16_ple": {**TABM, "num_embeddings": "piecewise_linear"},
    "tabm_k16_plr": {**TABM, "num_embeddings": "periodic"},
    "tabm_mini_k16_ple": {**TABM, "architecture": "tabm_mini",
                          "num_embeddings": "piecewise_linear"},
    "mlp_ple": {"num_embeddings": "piecewise_linear"},
    "catboost_balanced": None,
}


def make_estimator(params, max_epochs, seed):
    if params is None:
        from catboost import CatBoostClassifier

        return CatBoostClassifier(auto_class_weights="Balanced", thread_count=1, verbose=0,
                                  allow_writing_files=False,
                                  random_seed=seed)
    if max_epochs is not None:
        params = {**params, "max_epochs": max_epochs}
    return WeightedLossClassifier(random_state=seed, device="cpu", **params)


def evaluate(name, X, y, methods, *, max_epochs, folds, seed):
    rows = []
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y)
    for fold, (train, test) in enumerate(splits):
        for method in methods:
            # the package's estimators take the table as read; CatBoost gets it encoded
            model = make_model(clone(make_estimator(METHODS[method], max_epochs, seed)),
                               X.iloc[train], preprocessing="onehot")
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X.iloc[train], y[train])
            fit_s = time.perf_counter() - t0
            proba = model.predict_proba(X.iloc[test])[:, 1]
            pred = np.asarray(model.predict(X.iloc[test])).astype(int).ravel()
            rows.append({"dataset": name, "fold": fold, "method": method, "fit_s": fit_s,
                         "average_precision": average_precision_score(y[test], proba),
                         "mcc": matthews_corrcoef(y[test], pred),
                         "epochs": getattr(model[-1], "n_iter_", np.nan)})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DEFAULT_KEEL_DIR)
    parser.add_argument("--only", nargs="+", default=list(TABLES), metavar="NAME")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="max_epochs of every network (default: each method's own)")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", default=None, help="also write the per-fit rows here")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    # the first fit of a process pays one-off costs (imports, kernel set-up): not timed
    warm_X, warm_y = np.random.RandomState(0).randn(64, 3), np.arange(64) % 2
    WeightedLossClassifier(max_epochs=2).fit(warm_X, warm_y)
    make_estimator(METHODS["tabm_k16"], 2, 0).fit(warm_X, warm_y)
    rows = []
    for table in args.only:
        X, y, name = load_keel(f"{args.data_dir}/{table}.csv")
        rows += evaluate(name, X, y, args.methods, max_epochs=args.max_epochs,
                         folds=args.folds, seed=args.seed)
        print(f"done {name} ({len(y)} rows)", flush=True)
        if args.csv:  # after every table, so that an interrupted run keeps its results
            pd.DataFrame(rows).to_csv(args.csv, index=False)
    results = pd.DataFrame(rows)
    per_table = results.groupby(["method", "dataset"], sort=False).mean(numeric_only=True)
    summary = per_table.groupby("method", sort=False)[
        ["average_precision", "mcc", "fit_s", "epochs"]].mean()
    pd.set_option("display.width", 200)
    print(summary.round(3).to_string())
    print("\nMCC per table")
    print(per_table["mcc"].unstack("dataset").round(3).to_string())


if __name__ == "__main__":
    main()
