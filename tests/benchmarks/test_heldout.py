"""The held-out evaluation, choose / confirm (benchmarks/bench_heldout.py, summarize_heldout.py).

The summary math runs on small synthetic result frames; the resumability
check fits a tiny table written here; the ``--quick`` run end to end needs
the KEEL tables (``../shared/data/keel`` from the repository root) and is
skipped without them.
"""

import importlib
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

_data = importlib.import_module("_data")
bench = importlib.import_module("bench_heldout")
summary = importlib.import_module("summarize_heldout")

HAS_KEEL = bool(_data.keel_datasets(_data.DEFAULT_KEEL_DIR))
needs_keel = pytest.mark.skipif(not HAS_KEEL, reason=f"no KEEL data in {_data.DEFAULT_KEEL_DIR}")
HAS_CATBOOST = importlib.util.find_spec("catboost") is not None


def folds_of(table, size, method, values, *, seeds=(0, 1), folds=2, split="confirm",
             error=""):
    """Per-fold rows of one (table, method): ``values`` (mcc, ap, roc_auc) in every fold/seed."""
    mcc, ap, auc = values
    return [{"table": table, "folder": "keel", "split": split, "size": size, "seed": s,
             "fold": k, "method": method, "mcc": mcc, "ap": ap, "roc_auc": auc, "fit_s": 1.0,
             "predict_s": 0.5, "error": error, "folds": folds, "epochs": np.nan,
             "warnings": ""} for s in seeds for k in range(folds)]


def synthetic():
    """Reference ``ref``, candidate ``default`` and anchor ``mlp`` on five tables."""
    rows = []
    ref = {"a": (0.0, 0.50, 0.8), "b": (0.5, 0.50, 0.8), "c": (0.5, 0.50, 0.8),
           "d": (0.5, 0.60, 0.8), "e": (0.5, 0.70, 0.8)}
    new = {"a": (0.01, 0.52, 0.8),    # MCC +0.01 exactly: a win (the tie is |d| < 0.01)
           "b": (0.5099, 0.55, 0.8),  # MCC +0.0099: a tie
           "c": (0.47, 0.40, 0.8),    # MCC -0.03: a loss
           "d": (0.6, 0.605, 0.9),
           "e": (0.8, 0.65, 0.7)}
    mlp = {"a": (0.1, 0.60, 0.8), "b": (0.1, 0.50, 0.8), "c": (0.1, 0.50, 0.8),
           "d": (0.1, 0.50, 0.8), "e": (0.1, 0.60, 0.8)}
    sizes = {"a": "<1k", "b": "<1k", "c": "<1k", "d": "1k-5k", "e": "1k-5k"}
    for method, values in (("ref", ref), ("default", new), ("mlp", mlp)):
        for table, v in values.items():
            rows += folds_of(table, sizes[table], method, v)
    return pd.DataFrame(rows)


# -------------------------------------------------------------- the math
def test_per_table_averages_folds_then_seeds_and_keeps_complete_tables():
    results = synthetic()
    # seed 1 of table "e" gets other values for "default": the seed mean is their average
    late = (results["table"] == "e") & (results["method"] == "default") & (results["seed"] == 1)
    results.loc[late, "ap"] = [0.59, 0.61]
    # table "f" lacks seed 1 of "mlp": left out
    results = pd.concat([results, pd.DataFrame(
        folds_of("f", "<1k", "ref", (0.5, 0.5, 0.5)) + folds_of("f", "<1k", "default", (
            0.5, 0.5, 0.5)) + folds_of("f", "<1k", "mlp", (0.5, 0.5, 0.5), seeds=(0,)))])
    table, coverage = summary.per_table(results, ["ref", "default", "mlp"])
    assert coverage["complete"] == list("abcde") and coverage["incomplete"] == ["f"]
    assert coverage["seeds"] == [0, 1] and coverage["folds"] == 2
    row = table.set_index(["table", "method"]).loc[("e", "default")]
    assert row["ap"] == pytest.approx((0.65 + 0.60) / 2)
    assert row["seconds"] == pytest.approx(1.5) and row["failed"] == 0


def test_wtl_uses_the_strict_tie_rule_and_wilcoxon_matches_scipy():
    table, _ = summary.per_table(synthetic(), ["ref", "default", "mlp"])
    wide = table.pivot(index="table", columns="method", values="mcc")
    assert wide.loc["a", "default"] - wide.loc["a", "ref"] == 0.01  # the boundary, exactly
    out = summary.compare(table, ["ref", "default", "mlp"], reference="ref")
    assert out.loc["default", "W/T/L MCC"] == "3/1/1"   # a (+0.01), d, e win; b ties; c loses
    assert out.loc["default", "W/T/L AP"] == "2/1/2"    # a, b win; d ties; c, e lose
    assert out.loc["default", "W/T/L ROC AUC"] == "1/3/1"
    assert out.loc["ref", "W/T/L MCC"] == "ref"
    assert out.loc["default", "MCC"] == pytest.approx(np.mean([0.01, 0.5099, 0.47, 0.6, 0.8]))
    assert out.loc["default", "s / fold"] == pytest.approx(1.5)
    assert out.loc["default", "tables"] == 5 and out.loc["default", "n"] == 5
    for metric, label in summary.METRICS.items():
        wide = table.pivot(index="table", columns="method", values=metric)
        if (wide["default"] == wide["ref"]).all():
            assert np.isnan(out.loc["default", f"p {label}"])   # no difference: no test
            continue
        # the differences as the test sees them: float noise rounded away (in ROC AUC,
        # 0.9 - 0.8 and 0.7 - 0.8 are a tie of +-0.1, not 0.09999999999999998 and -0.1000...9)
        d = np.round(wide["default"] - wide["ref"], summary.ZERO_DECIMALS)
        expected = stats.wilcoxon(d, alternative="two-sided").pvalue
        assert out.loc["default", f"p {label}"] == pytest.approx(expected)
    assert np.isnan(out.loc["ref", "p AP"])


def test_a_failed_fold_loses_and_leaves_the_wilcoxon_test():
    results = synthetic()
    failed = (results["table"] == "d") & (results["method"] == "default") & (results["fold"] == 0)
    results.loc[failed, ["mcc", "ap", "roc_auc"]] = np.nan
    results.loc[failed, "error"] = "ValueError: boom"
    table, _ = summary.per_table(results, ["ref", "default"])
    out = summary.compare(table, ["ref", "default"], reference="ref")
    assert out.loc["default", "W/T/L MCC"] == "2/1/2"   # d is now a loss
    assert out.loc["default", "failed folds"] == 2      # fold 0 of both seeds
    assert out.loc["default", "n"] == 4
    wide = table.pivot(index="table", columns="method", values="mcc").drop("d")
    expected = stats.wilcoxon(wide["default"], wide["ref"]).pvalue
    assert out.loc["default", "p MCC"] == pytest.approx(expected)


def test_a_failed_table_leaves_no_mean_and_a_failed_reference_is_a_win():
    """A mean over the tables a method finished would leave out the ones it failed on."""
    results = synthetic()
    failed = (results["table"] == "d") & (results["method"] == "default")
    results.loc[failed, ["mcc", "ap", "roc_auc"]] = np.nan
    results.loc[failed, "error"] = "ValueError: boom"
    ref_failed = (results["table"] == "e") & (results["method"] == "ref")
    results.loc[ref_failed, ["mcc", "ap", "roc_auc"]] = np.nan
    results.loc[ref_failed, "error"] = "ValueError: boom"
    table, _ = summary.per_table(results, ["ref", "default"])
    out = summary.compare(table, ["ref", "default"], reference="ref")
    assert np.isnan(out.loc["default", "MCC"]) and np.isnan(out.loc["ref", "MCC"])
    assert out.loc["default", "W/T/L MCC"] == "2/1/2"   # d a loss, e a win
    rule = dict((size, verdict) for size, verdict, _ in summary.bucket_rule(
        table.assign(method=table["method"].replace({"ref": "mlp"})), anchors=("mlp",)))
    assert rule["1k-5k"] == "trails mlp"                # a failed candidate does not pass


def test_float_noise_is_no_difference_in_the_wilcoxon_test():
    base = np.array([0.8376470000000001, 0.5, 0.6, 0.7, 0.9, 0.4, 0.3])
    other = np.array([0.8376469999999999, 0.45, 0.52, 0.61, 0.8, 0.33, 0.2])
    p, _ = summary.wilcoxon_p(base, other)
    assert p == pytest.approx(stats.wilcoxon(base[1:], other[1:]).pvalue)


def test_wilcoxon_p_edge_cases():
    assert np.isnan(summary.wilcoxon_p([0.5, 0.6], [0.5, 0.6])[0])
    assert summary.wilcoxon_p([], [])[1] == 0
    p, n = summary.wilcoxon_p([0.1, 0.2, np.nan, 0.4], [0.2, 0.4, 0.1, 0.1])
    assert n == 3 and p == pytest.approx(stats.wilcoxon([0.1, 0.2, 0.4], [0.2, 0.4, 0.1]).pvalue)


def test_bucket_rule_by_size():
    table, _ = summary.per_table(synthetic(), ["ref", "default", "mlp"])
    verdicts = {size: (verdict, means) for size, verdict, means in
                summary.bucket_rule(table, "default", ("mlp", "ref"))}
    # <1k: default AP (0.52 + 0.55 + 0.40) / 3 = 0.49 < mlp 0.533 and ref 0.50
    assert verdicts["<1k"][0] == "trails mlp, ref"
    assert verdicts["<1k"][1]["default"] == pytest.approx(0.49)
    # 1k-5k: default (0.605 + 0.65) / 2 = 0.6275, above mlp 0.55, below ref 0.65
    assert verdicts["1k-5k"][0] == "trails ref"
    only_mlp = {size: verdict for size, verdict, _ in summary.bucket_rule(table, "default",
                                                                            ("mlp",))}
    assert only_mlp == {"<1k": "trails mlp", "1k-5k": "passes"}
    missing = summary.bucket_rule(table, "default", ("hgb_balanced",))
    assert all(v.startswith("not checked: no results for hgb_balanced") for _, v, _ in missing)


def test_status_names_what_makes_a_run_not_a_protocol_run():
    split = pd.read_csv(summary.SPLIT_PATH)
    confirm = split.loc[split["split"] == "confirm", ["table", "size"]]
    full = pd.DataFrame([row for t, s in confirm.itertuples(index=False) for m in ("ref", "new")
                         for row in folds_of(t, s, m, (0.5, 0.5, 0.5), seeds=(0, 1, 2),
                                             folds=5)])
    assert summary.status(full, ["ref", "new"]) is None
    # one fold missing: its table is not complete
    text = summary.status(full.iloc[:-1], ["ref", "new"])
    assert f"({len(confirm) - 1} of the {len(confirm)} confirm tables complete)" in text
    assert summary.status(full, ["ref", "new"], seeds=[0, 1]).startswith(
        "**Not a protocol run** (2 seed(s))")
    quick = full[(full["seed"] == 0) & (full["fold"] < 2)].assign(folds=2)
    text = summary.status(quick, ["ref", "new"])
    assert "2-fold CV (a `--quick` smoke run); 1 seed(s)" in text


def test_render_and_write_docs(tmp_path, monkeypatch, capsys):
    results = pd.concat([synthetic(), synthetic().assign(split="choose",
                                                         table=lambda f: "c" + f["table"])])
    path = tmp_path / "heldout.csv"
    results.to_csv(path, index=False)
    page = tmp_path / "docs" / "heldout.md"
    monkeypatch.setattr(summary, "DOCS_PAGE", page)
    summary.main([str(path), "--reference", "ref", "--anchors", "mlp"])
    assert not page.exists()                   # only with --write-docs
    markdown = summary.main([str(path), "--reference", "ref", "--anchors", "mlp",
                             "--write-docs"])
    assert page.read_text() == markdown
    for needle in ("## confirm", "## choose", "### confirm by size bucket",
                   "## choose and confirm side by side", "**Not a protocol run**",
                   "- <1k: **default trails mlp in AP**", "- 1k-5k: passes",
                   "| `default` | 5 | 0.478 |", "## Reproduce", "seeds 0, 1"):
        assert needle in markdown, needle
    assert markdown.index("## confirm") < markdown.index("## choose")


def test_load_results_keeps_the_last_row_of_a_fold(tmp_path):
    first = pd.DataFrame(folds_of("a", "<1k", "ref", (0.1, 0.1, 0.1)))
    again = pd.DataFrame(folds_of("a", "<1k", "ref", (0.2, 0.2, 0.2), seeds=(1,)))
    first.to_csv(tmp_path / "one.csv", index=False)
    again.to_csv(tmp_path / "two.csv", index=False)
    results = summary.load_results([tmp_path / "one.csv", tmp_path / "two.csv"])
    assert len(results) == 4
    assert results.loc[results["seed"] == 1, "mcc"].tolist() == [0.2, 0.2]
    assert (results["error"] == "").all()
    with pytest.raises(SystemExit, match="no such CSV"):
        summary.load_results([tmp_path / "missing.csv"])


# ----------------------------------------------------------- the methods
def test_method_specs():
    names = ["default", "mlp", "hgb_balanced", "wlc:loss=focal,hidden_layer_sizes=(64, 32)"]
    if HAS_CATBOOST:
        names.append("catboost_balanced")
    methods, descriptions = bench.make_methods(names, seed=3)
    assert list(methods) == names
    default = methods["default"]
    assert type(default).__name__ == "WeightedLossClassifier"
    assert descriptions["default"] == "`WeightedLossClassifier()`"
    changed = {k: v for k, v in default.get_params().items()
               if v != type(default)().get_params()[k]}
    assert changed == {"random_state": 3, "n_jobs": 1}   # the package defaults otherwise
    spec = methods["wlc:loss=focal,hidden_layer_sizes=(64, 32)"].get_params()
    assert spec["loss"] == "focal" and spec["hidden_layer_sizes"] == (64, 32)
    assert spec["random_state"] == 3 and spec["n_jobs"] == 1
    assert methods["mlp"].get_params()["random_state"] == 3
    assert methods["mlp"].get_params()["max_iter"] == 200         # MLPClassifier()
    hgb = methods["hgb_balanced"].get_params()
    assert hgb["class_weight"] == "balanced" and hgb["random_state"] == 3
    if HAS_CATBOOST:
        cat = methods["catboost_balanced"].get_params()
        assert cat == {"auto_class_weights": "Balanced", "thread_count": 1, "verbose": 0,
                       "allow_writing_files": False, "random_seed": 3}
    for bad, match in ((["nope"], "unknown"), (["all"], "all"), (["mlp", "mlp"], "twice"),
                       (["wlc:loss"], "key=value"), ([], "at least one")):
        with pytest.raises(SystemExit, match=match):
            bench.make_methods(bad, seed=0)


def test_realmlp_anchors_run_on_one_cpu_thread():
    pytest.importorskip("pytabkit")  # the bench extra
    methods, descriptions = bench.make_methods(["realmlp", "realmlp_ce"], seed=4)
    for name, model in methods.items():
        assert type(model).__name__ == "RealMLP_TD_Classifier"
        params = model.get_params()
        assert (params["random_state"], params["n_threads"], params["device"]) == (4, 1, "cpu")
    assert methods["realmlp"].get_params()["val_metric_name"] is None  # its own default
    ce = methods["realmlp_ce"].get_params()
    assert (ce["val_metric_name"], ce["use_ls"]) == ("cross_entropy", False)
    assert "RealMLP" in descriptions["realmlp"] and "cross_entropy" in descriptions["realmlp_ce"]


def test_select_tables():
    quick = bench.select_tables("both", quick=True)
    assert len(quick) == 6 and quick.groupby("split").size().tolist() == [3, 3]
    split = pd.read_csv(bench.SPLIT_PATH)
    for name, group in quick.groupby("split"):
        smallest = split[split["split"] == name].nsmallest(3, "rows")["rows"]
        assert sorted(group["rows"]) == sorted(smallest)
    confirm = bench.select_tables("confirm")
    assert set(confirm["split"]) == {"confirm"} and confirm["rows"].is_monotonic_increasing
    one = bench.select_tables("confirm", ["glass-0-4_vs_5"])
    assert one["table"].tolist() == ["glass-0-4_vs_5"]
    with pytest.raises(SystemExit, match=r"not in --split choose: glass-0-4_vs_5 \(confirm\)"):
        bench.select_tables("choose", ["glass-0-4_vs_5"])
    with pytest.raises(SystemExit, match="unknown table"):
        bench.select_tables("both", ["no-such-table"])


# ---------------------------------------------------------- resumability
def test_rows_present_are_skipped(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    (tmp_path / "keel").mkdir()
    lines = [f"{a:.3f}, {b:.3f}, {'positive' if i % 4 == 0 else 'negative'}"
             for i, (a, b) in enumerate(rng.normal(size=(40, 2)))]
    (tmp_path / "keel" / "toy.csv").write_text("\n".join(lines) + "\n")
    tables = pd.DataFrame([{"folder": "keel", "table": "toy", "rows": 40, "split": "choose",
                            "size": "<1k"}])
    calls = []
    real = bench.run_unit

    def spy(row, seed, method, **kwargs):
        calls.append((row.table, seed, method))
        return real(row, seed, method, **kwargs)

    monkeypatch.setattr(bench, "run_unit", spy)
    out = tmp_path / "out" / "heldout.csv"
    run = dict(folds=2, out_csv=out, data_root=tmp_path)
    assert bench.run(tables, [0, 1], ["hgb_balanced", "mlp"], **run) == 4
    first = pd.read_csv(out)
    assert len(first) == 8 and list(first.columns) == list(bench.COLUMNS)
    assert bench.run(tables, [0, 1], ["hgb_balanced", "mlp"], **run) == 0   # all present
    assert len(calls) == 4
    # drop one fold: only its unit runs again, and only that fold is appended
    first.drop(index=first.index[(first["seed"] == 1) & (first["method"] == "mlp")
                                 & (first["fold"] == 1)]).to_csv(out, index=False)
    assert bench.run(tables, [0, 1], ["hgb_balanced", "mlp"], **run) == 1
    assert calls[-1] == ("toy", 1, "mlp")
    again = pd.read_csv(out)
    assert len(again) == 8 and not again.duplicated(list(bench.KEY)).any()
    # a new seed adds its units only
    assert bench.run(tables, [0, 1, 2], ["hgb_balanced", "mlp"], **run) == 2
    with pytest.raises(SystemExit, match="2-fold"):
        bench.run(tables, [0], ["mlp"], folds=5, out_csv=out, data_root=tmp_path)
    # every row records its configuration; another one under the same name is refused
    assert again["config"].nunique() == 2 and (again["config"] != "").all()
    real_make = bench.make_methods

    def changed(names, seed):
        built, described = real_make(names, seed)
        return {n: e.set_params(max_iter=7) if n == "hgb_balanced" else e
                for n, e in built.items()}, described

    monkeypatch.setattr(bench, "make_methods", changed)
    with pytest.raises(SystemExit, match="another configuration under the same method name "
                                         r"\(hgb_balanced: "):
        bench.run(tables, [0, 1, 2, 3], ["hgb_balanced", "mlp"], **run)
    monkeypatch.setattr(bench, "make_methods", real_make)
    # a CSV written before rows recorded their configuration gets an empty column, kept as is
    old = tmp_path / "old.csv"
    again.drop(columns="config").to_csv(old, index=False)
    bench.add_config_column(old)
    migrated = pd.read_csv(old, keep_default_na=False)
    assert list(migrated.columns) == list(bench.COLUMNS) and (migrated["config"] == "").all()
    # the summary refuses rows of two configurations under one name
    mixed = again.assign(config=np.where(again["seed"] == 0, "aaaa", again["config"]))
    mixed.to_csv(old, index=False)
    with pytest.raises(SystemExit, match="several configurations under one method name"):
        summary.load_results([old])


# ------------------------------------------------------------ end to end
@needs_keel
def test_quick_run_end_to_end(tmp_path, monkeypatch, capsys):
    methods = list(bench.DEFAULT_METHODS) if HAS_CATBOOST else ["default", "mlp",
                                                                "hgb_balanced"]
    argv = ["--quick", "--split", "both", "--tables", "glass-0-4_vs_5", "zoo-3",
            "--methods", *methods, "--out", str(tmp_path)]
    bench.main(argv)
    results = pd.read_csv(tmp_path / "heldout_quick.csv")
    assert len(results) == 2 * len(methods) * 2
    assert set(results["split"]) == {"choose", "confirm"} and set(results["folds"]) == {2}
    assert results["error"].isna().all(), results["error"].dropna().unique()
    assert results[["ap", "roc_auc"]].stack().between(0, 1).all()
    assert results["mcc"].between(-1, 1).all() and (results["fit_s"] > 0).all()
    markdown = (tmp_path / "heldout_quick.md").read_text()
    for needle in ("**Not a protocol run**", "`--quick` smoke run", "## confirm", "## choose",
                   "bucket rule", "| `default` |"):
        assert needle in markdown, needle
    calls = []
    real = bench.run_unit
    monkeypatch.setattr(bench, "run_unit", lambda *a, **k: calls.append(a) or real(*a, **k))
    capsys.readouterr()
    assert bench.main(argv) is not None
    assert calls == []                                         # a second run fits nothing
    assert f"0 to run, {2 * len(methods)} already in" in capsys.readouterr().out
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "heldout_quick.csv"), results)


def test_a_method_not_run_on_a_split_is_named_and_leaves_the_others_complete():
    confirm = synthetic()
    extra = pd.DataFrame(folds_of("a", "<1k", "portfolio", (0.2, 0.6, 0.8)))
    choose = synthetic().assign(split="choose", table=lambda f: "c" + f["table"])
    results = pd.concat([confirm, extra[extra["table"] == "a"], choose])
    markdown = summary.render(results, ["x.csv"], methods=["ref", "default", "mlp", "portfolio"],
                              reference="ref", anchors=("mlp",))
    choose_part = markdown[markdown.index("## choose"):]
    assert "Not run on choose: `portfolio`." in choose_part
    assert "5 of the" in choose_part          # the choose tables stay complete
    confirm_part = markdown[markdown.index("## confirm"):markdown.index("## choose")]
    assert "Not run on confirm" not in confirm_part
    assert "Left out (not every method, seed and fold present yet): b, c, d, e." in confirm_part


def test_a_method_run_with_fewer_seeds_is_named_and_left_out_of_that_split():
    choose = synthetic().assign(split="choose", table=lambda f: "c" + f["table"])
    one_seed = pd.DataFrame(folds_of("ca", "<1k", "portfolio", (0.2, 0.6, 0.8), seeds=(0,),
                                     split="choose"))
    markdown = summary.render(pd.concat([synthetic(), choose, one_seed]), ["x.csv"],
                              methods=["ref", "default", "mlp", "portfolio"],
                              reference="ref", anchors=("mlp",))
    choose_part = markdown[markdown.index("## choose"):]
    assert ("Left out of choose (run with fewer seeds than the others, 0, 1): `portfolio` "
            "(seeds 0).") in choose_part
    assert "5 of the" in choose_part
    # with --seeds 0 it is complete where it ran
    markdown = summary.render(pd.concat([synthetic(), choose, one_seed]), ["x.csv"],
                              methods=["ref", "default", "mlp", "portfolio"],
                              reference="ref", anchors=("mlp",), seeds=[0])
    choose_part = markdown[markdown.index("## choose"):]
    assert "Left out of choose" not in choose_part and "1 of the" in choose_part


def test_split_option_keeps_one_split(tmp_path):
    results = pd.concat([synthetic(), synthetic().assign(split="choose",
                                                         table=lambda f: "c" + f["table"])])
    path = tmp_path / "heldout.csv"
    results.to_csv(path, index=False)
    markdown = summary.main([str(path), "--reference", "ref", "--anchors", "mlp",
                             "--split", "choose", "--title", "Screening", "--intro", "Why."])
    assert markdown.startswith("# Screening\n\nWhy.\n")
    assert "## choose" in markdown and "## confirm" not in markdown


def test_intro_file_goes_under_the_title_before_the_protocol(tmp_path, capsys):
    path = tmp_path / "heldout.csv"
    synthetic().to_csv(path, index=False)
    intro = tmp_path / "intro.md"
    intro.write_text("## What ships\n\n- a list\n\n")
    markdown = summary.main([str(path), "--reference", "ref", "--anchors", "mlp",
                             "--title", "Held out", "--intro-file", str(intro)])
    assert markdown.startswith("# Held out\n\n## What ships\n\n- a list\n\n")
    assert markdown.index("- a list") < markdown.index("## Protocol\n\nTables:")
    with pytest.raises(SystemExit):  # one intro or the other
        summary.main([str(path), "--intro", "Why.", "--intro-file", str(intro)])
    assert "not allowed with argument" in capsys.readouterr().err


def test_one_thread_pins_nested_n_jobs_but_not_a_portfolios_entries():
    from sklearn.ensemble import BaggingClassifier
    from sklearn.pipeline import make_pipeline

    from sklearn_losses import LossPortfolioClassifier, WeightedLossClassifier

    pipe = bench.one_thread(make_pipeline(BaggingClassifier(WeightedLossClassifier())))
    params = pipe.get_params()
    assert params["baggingclassifier__n_jobs"] == 1
    assert params["baggingclassifier__estimator__n_jobs"] == 1
    # a portfolio's configurations keep the thread rule, as in the runs recorded before
    # get_params(deep=True) listed them: their configuration ids are unchanged
    portfolio = bench.one_thread(LossPortfolioClassifier(configs={"a": {"lr": 0.1}}))
    assert portfolio.n_jobs == 1 and portfolio.configs == {"a": {"lr": 0.1}}
    assert portfolio.get_params()["configs__a__n_jobs"] is None
