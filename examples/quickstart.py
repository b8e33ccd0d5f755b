"""Quickstart: which loss wins on an imbalanced problem? A cross-validated leaderboard.

Generates an imbalanced binary problem (about 5% positives, some label noise),
cross-validates WeightedLossClassifier with several losses and re-weighting
schemes inside a StandardScaler pipeline, and prints a leaderboard sorted by
average precision.

    python examples/quickstart.py            # about 30 s on 2 CPU cores
    python examples/quickstart.py --quick    # a few seconds (used by the tests)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_losses import WeightedLossClassifier

CONFIGS = [
    ("cross_entropy", None),
    ("cross_entropy", "balanced"),
    ("cross_entropy", "class_balanced"),
    ("focal", None),
    ("focal", "class_balanced"),
]
SCORING = ["average_precision", "roc_auc", "balanced_accuracy", "f1"]


def leaderboard(X, y, configs=CONFIGS, n_splits=5, max_epochs=200, random_state=0):
    """Cross-validate each (loss, reweight) pair; rows sorted by mean average precision."""
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    rows = []
    for loss, reweight in configs:
        clf = WeightedLossClassifier(loss=loss, reweight=reweight, max_epochs=max_epochs,
                                     random_state=random_state)
        t0 = time.perf_counter()
        res = cross_validate(make_pipeline(StandardScaler(), clf), X, y, cv=cv, scoring=SCORING,
                             error_score="raise")
        row = {"loss": loss, "reweight": str(reweight), "seconds": time.perf_counter() - t0}
        row.update({m: float(np.mean(res[f"test_{m}"])) for m in SCORING})
        rows.append(row)
    return sorted(rows, key=lambda r: -r["average_precision"])


def format_table(rows):
    cols = ["loss", "reweight", *SCORING, "seconds"]
    lines = [" | ".join(f"{c:>17}" for c in cols)]
    for r in rows:
        lines.append(" | ".join(f"{r[c]:>17.3f}" if isinstance(r[c], float) else f"{r[c]:>17}"
                                for c in cols))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, 3 folds, few epochs")
    args = parser.parse_args(argv)
    n, folds, epochs = (600, 3, 20) if args.quick else (4000, 5, 200)
    X, y = make_classification(n_samples=n, n_features=20, n_informative=8, weights=[0.95],
                               flip_y=0.02, class_sep=0.8, random_state=0)
    print(f"{n} rows, {X.shape[1]} features, {y.mean():.1%} positives; "
          f"{folds}-fold stratified CV")
    rows = leaderboard(X, y, n_splits=folds, max_epochs=epochs)
    print(format_table(rows))
    return rows


if __name__ == "__main__":
    main()
