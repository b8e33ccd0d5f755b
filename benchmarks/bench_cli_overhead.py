"""What the command line adds to the estimator's own cross-validation, on a raw CSV with an id column.

The file: ``--rows`` rows (3,000 by default) of a generated imbalanced binary
problem, written as a CSV with a unique string id per row, a few numeric
columns (one with missing cells), a text column of 5 levels and a string
target. The command line (``sklearn-losses compare FILE --target label``, one
configuration, 5 folds, every default otherwise) reads it and gives the
table, as read, to ``WeightedLossClassifier``; the reference is
``cross_validate`` of the same estimator on the same folds, on the same
DataFrame. Both run in this process, one after the other, with one torch
thread, so the ratio comes from one run under one machine load.

    python benchmarks/bench_cli_overhead.py                 # 3,000 rows
    python benchmarks/bench_cli_overhead.py --rows 600      # a quicker look
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold, cross_validate

from sklearn_losses.cli import main as cli_main
from sklearn_losses.cli.model import make_classifier
from sklearn_losses.cli.parser import FULL


def make_table(n_rows, seed=0) -> pd.DataFrame:
    """The raw table: an id column, numeric columns, a text column and a string target."""
    X, y = make_classification(n_rows, 8, n_informative=5, weights=[0.9], random_state=seed)
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(8)])
    frame.loc[rng.random(n_rows) < 0.05, "f1"] = np.nan
    frame.insert(0, "id", [f"row-{i:06d}" for i in rng.permutation(n_rows)])
    frame["shop"] = rng.choice(["north", "south", "east", "west", "online"], n_rows)
    frame["label"] = np.where(y == 1, "fraud", "ok")
    return frame


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    table = make_table(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "raw.csv"
        table.to_csv(path, index=False)
        t0 = time.perf_counter()
        status = cli_main(["compare", str(path), "--target", "label", "--losses",
                           "cross_entropy", "--reweight", "none", "--folds", str(args.folds),
                           "--out", str(Path(tmp) / "out"), "--no-plot", "--quiet"])
        cli_s = time.perf_counter() - t0
        if status != 0:
            raise SystemExit(f"the command line failed (exit status {status})")
    X = table.drop(columns="label")
    y = (table["label"] == "fraud").astype(int).to_numpy()
    clf = make_classifier("cross_entropy", None, max_epochs=FULL["max_epochs"], device="auto",
                          random_state=0)
    folds = StratifiedKFold(args.folds, shuffle=True, random_state=0)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_validate(clf, X, y, cv=folds, scoring="average_precision")
    own_s = time.perf_counter() - t0
    print(f"{args.rows} rows x {X.shape[1]} columns (an id column of {args.rows} distinct "
          f"strings), {args.folds} folds, one torch thread")
    print(f"sklearn-losses compare (read, check, cross-validate, report): {cli_s:7.2f} s")
    print(f"cross_validate(WeightedLossClassifier) on the DataFrame:      {own_s:7.2f} s "
          f"(AP {np.mean(scores['test_score']):.3f})")
    print(f"ratio: {cli_s / own_s:.2f}x (target <= 2x)")
    return {"cli_s": cli_s, "own_s": own_s}


if __name__ == "__main__":
    main()
