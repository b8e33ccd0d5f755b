"""The committed choose / confirm split of the development tables."""

import sys
from pathlib import Path

import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import make_split  # noqa: E402


def test_committed_split_holds_every_table_once_a_third_confirm():
    split = pd.read_csv(make_split.SPLIT_PATH)
    assert len(split) == 53 and not split.duplicated(["folder", "table"]).any()
    assert set(split["split"]) == {"choose", "confirm"}
    share = (split["split"] == "confirm").mean()
    assert 0.28 <= share <= 0.4
    for size, group in split.groupby("size"):
        if len(group) >= 3:  # every size bucket is represented on both sides
            assert set(group["split"]) == {"choose", "confirm"}, size


def test_split_is_deterministic_and_stratified():
    tables = pd.DataFrame({"folder": "keel", "table": [f"t{i}" for i in range(12)],
                           "rows": [100] * 6 + [2000] * 6, "positives": [20] * 12})
    tables["size"] = ["<1k"] * 6 + ["1k-5k"] * 6
    tables["positive_rows"] = "<50"
    a, b = make_split.make_split(tables), make_split.make_split(tables)
    pd.testing.assert_frame_equal(a, b)
    assert a.groupby("size")["split"].apply(lambda s: (s == "confirm").sum()).tolist() == [2, 2]


@pytest.mark.skipif(not make_split.DEFAULT_DATA_ROOT.is_dir(), reason="development tables absent")
def test_committed_split_matches_the_tables():
    assert make_split.main(["--check"]) == 0
