"""The retrieval network's bound on neighbours drawn per batch (``nca_max_candidates``).

``architecture="nca"`` draws ``nca_sample_rate`` (0.3) of the training rows as
neighbours for every training batch and embeds them, so an unbounded epoch
costs ``0.3 n`` embedded rows per batch: it grows with the square of the
training rows ``n``. ``nca_max_candidates`` bounds the draw. This script
measures both sides of that trade on a synthetic table
(``make_classification``: 20 columns, 8 informative, 5% positives, 2% of
labels flipped), one torch thread:

- seconds per epoch: 2 epochs without a stopping rule, for each bound and
  for no bound, at each ``--rows``;
- quality: a fit with the estimator's defaults (its own stopping rule) on
  ``--quality-rows`` training rows, scored on 10,000 held-out rows (average
  precision, ROC AUC, MCC), for each seed.

Bounds, rows and seeds run in one process, so the ratios of one run compare.

    python benchmarks/bench_nca_candidates.py
    python benchmarks/bench_nca_candidates.py --rows 20000 --bounds 1024 2048 4096 --seeds 0 1
    python benchmarks/bench_nca_candidates.py --quick
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from sklearn.datasets import make_classification
from sklearn.metrics import average_precision_score, matthews_corrcoef, roc_auc_score
from sklearn.model_selection import train_test_split

from sklearn_losses import WeightedLossClassifier


def make_table(n_rows, seed):
    """The synthetic table: ``n_rows`` rows, 20 columns, about 5% positives."""
    return make_classification(n_rows, 20, n_informative=8, n_redundant=4, weights=[0.95],
                               flip_y=0.02, class_sep=0.8, random_state=seed)


def _label(bound):
    return "none" if bound is None else str(bound)


def epoch_seconds(n_rows, bound, epochs=2):
    """Seconds per epoch of ``epochs`` epochs without a stopping rule."""
    X, y = make_table(n_rows, 0)
    clf = WeightedLossClassifier(architecture="nca", nca_max_candidates=bound,
                                 max_epochs=epochs, early_stopping=False, random_state=0,
                                 n_jobs=1)
    start = time.perf_counter()
    clf.fit(X, y)
    drawn = clf.module_.sample_bounds[-1]
    return (time.perf_counter() - start) / epochs, drawn


def quality(n_train, bound, seed, n_test=10_000):
    """``(AP, ROC AUC, MCC, epochs, fit seconds)`` of a default fit, on held-out rows."""
    X, y = make_table(n_train + n_test, seed)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_size=n_train, stratify=y,
                                              random_state=seed)
    clf = WeightedLossClassifier(architecture="nca", nca_max_candidates=bound,
                                 random_state=seed, n_jobs=1)
    start = time.perf_counter()
    clf.fit(X_tr, y_tr)
    seconds = time.perf_counter() - start
    proba = clf.predict_proba(X_te)[:, 1]
    return (average_precision_score(y_te, proba), roc_auc_score(y_te, proba),
            matthews_corrcoef(y_te, clf.predict(X_te)), len(clf.history_), seconds)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000, 50_000],
                        help="training rows of the per-epoch timings")
    parser.add_argument("--bounds", type=int, nargs="+", default=[1024, 2048, 4096],
                        help="values of nca_max_candidates (no bound is always run)")
    parser.add_argument("--quality-rows", type=int, default=20_000,
                        help="training rows of the quality fits (0: skip them)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 3,000 rows, bound 256, one seed")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.bounds, args.quality_rows, args.seeds = [3_000], [256], 3_000, [0]
    torch.set_num_threads(1)
    bounds = [None, *args.bounds]
    timings = []
    print("| training rows | nca_max_candidates | rows drawn per batch | s / epoch | vs none |")
    print("|---|---|---|---|---|")
    for n_rows in args.rows:
        base = None
        for bound in bounds:
            seconds, drawn = epoch_seconds(n_rows, bound)
            base = seconds if bound is None else base
            timings.append((n_rows, bound, drawn, seconds))
            print(f"| {n_rows:,} | {_label(bound)} | {drawn:,} | {seconds:.2f} | "
                  f"{seconds / base:.2f} |", flush=True)
    scores = []
    if args.quality_rows:
        print(f"\nquality, {args.quality_rows:,} training rows, 10,000 held out, seeds "
              f"{args.seeds}:\n")
        print("| nca_max_candidates | AP | ROC AUC | MCC | epochs | fit s |")
        print("|---|---|---|---|---|---|")
        for bound in bounds:
            runs = np.array([quality(args.quality_rows, bound, seed) for seed in args.seeds])
            scores.append((bound, *runs.mean(axis=0)))
            ap, auc, mcc, epochs, seconds = runs.mean(axis=0)
            print(f"| {_label(bound)} | {ap:.3f} | {auc:.3f} | {mcc:.3f} | {epochs:.0f} | "
                  f"{seconds:.0f} |", flush=True)
    return timings, scores


if __name__ == "__main__":
    main()
