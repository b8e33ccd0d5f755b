"""The choose / confirm split of the development tables (written once, committed).

Every table of the three development folders (``keel/``, ``uci/`` and
``medium/`` under the data directory: 53 imbalanced binary tables, CSV without
a header, label ``positive``/``negative`` last) is put in one stratum by its
size (under 1,000 rows, 1,000 to 5,000, over 5,000) and its number of
positive rows (under 50, 50 to 199, 200 or more), strata of one table being
merged into the most populous stratum of the same size. Within each stratum the tables are
shuffled with a fixed seed and every third one (rounded, at least one per
stratum of three or more) goes to **confirm**, the others to **choose**.

Architectures, losses and defaults are chosen on *choose* only; a candidate
meant to ship is evaluated on *confirm*, and only confirm figures are
reported. The split is written to ``benchmarks/split.csv`` and is not to be
regenerated once results have been reported on it: ``--check`` verifies the
committed file against the tables instead.

    python benchmarks/make_split.py --data-root ../shared/data            # write split.csv
    python benchmarks/make_split.py --data-root ../shared/data --check    # compare with it
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
SPLIT_PATH = Path(__file__).with_name("split.csv")
DEFAULT_DATA_ROOT = REPO_ROOT.parent / "shared" / "data"
FOLDERS = ("keel", "uci", "medium")
SEED = 20261204
SIZE_BUCKETS = ((0, 1000, "<1k"), (1000, 5001, "1k-5k"), (5001, np.inf, ">5k"))
POSITIVE_BUCKETS = ((0, 50, "<50"), (50, 200, "50-199"), (200, np.inf, ">=200"))


def _bucket(value, buckets):
    return next(name for low, high, name in buckets if low <= value < high)


def describe(data_root) -> pd.DataFrame:
    """One row per table: folder, name, rows, positives, size and positive buckets."""
    rows = []
    for folder in FOLDERS:
        for path in sorted((Path(data_root) / folder).glob("*.csv")):
            labels = pd.read_csv(path, header=None).iloc[:, -1]
            labels = labels.astype(str).str.strip().str.lower()
            n, pos = len(labels), int((labels == "positive").sum())
            rows.append({"folder": folder, "table": path.stem, "rows": n, "positives": pos,
                         "size": _bucket(n, SIZE_BUCKETS),
                         "positive_rows": _bucket(pos, POSITIVE_BUCKETS)})
    if not rows:
        raise SystemExit(f"no tables under {data_root}/{{{','.join(FOLDERS)}}}")
    return pd.DataFrame(rows)


def make_split(tables: pd.DataFrame, seed=SEED) -> pd.DataFrame:
    """``tables`` with a ``split`` column (``choose`` / ``confirm``), about a third confirm."""
    out = tables.copy()
    out["stratum"] = out["size"] + " / " + out["positive_rows"]
    # merge single-table strata into a neighbour of the same size bucket
    for size in out["size"].unique():
        in_size = out["size"] == size
        counts = out.loc[in_size, "stratum"].value_counts()
        small = [s for s in counts.index if counts[s] < 2]
        if small and len(counts) > 1:
            target = counts.index[0]
            out.loc[in_size & out["stratum"].isin(small), "stratum"] = target
    rng = np.random.default_rng(seed)
    out["split"] = "choose"
    for _, group in out.groupby("stratum", sort=True):
        order = rng.permutation(group.index.to_numpy())
        if len(order) >= 3:
            n_confirm = int(round(len(order) / 3))
        else:  # a stratum of one or two tables: one of two tables confirms, by a coin flip
            n_confirm = int(len(order) == 2 and rng.random() < 0.5)
        out.loc[order[:n_confirm], "split"] = "confirm"
    return out.sort_values(["split", "folder", "table"]).reset_index(drop=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=str(DEFAULT_DATA_ROOT))
    parser.add_argument("--check", action="store_true",
                        help="check the committed split.csv against the tables, write nothing")
    args = parser.parse_args(argv)
    split = make_split(describe(args.data_root))
    if args.check:
        committed = pd.read_csv(SPLIT_PATH)
        columns = list(committed.columns)  # every column, the size buckets included
        same = columns == list(split.columns) and committed.equals(split[columns])
        print("split.csv matches the tables" if same else "split.csv DIFFERS from the tables")
        return 0 if same else 1
    split.to_csv(SPLIT_PATH, index=False)
    summary = split.groupby(["size", "split"]).size().unstack(fill_value=0)
    print(f"wrote {SPLIT_PATH}: {len(split)} tables")
    print(summary.to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
