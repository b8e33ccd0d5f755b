"""The ``sklearn-losses`` command line (``sklearn_losses.cli``) and the demo data set.

Runs are tiny (a few dozen rows, 2 folds, 3 epochs, 1-2 losses) so that the
file stays fast on 2 CPU cores.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_losses import __version__
from sklearn_losses.cli import main
from sklearn_losses.cli.io import _first_undecodable, prepare_data, stratified_subsample
from sklearn_losses.compare import make_model
from sklearn_losses.datasets import DEMO_TARGET, make_demo_dataset

TINY = ["--quick", "--max-epochs", "3", "--folds", "2", "--baseline", "none"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _small_frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = np.array(["no"] * (n - n // 5) + ["yes"] * (n // 5), dtype=object)
    rng.shuffle(y)
    num = rng.normal(size=n) + 2.0 * (y == "yes")
    num2 = rng.normal(size=n)
    num2[:3] = np.nan
    color = np.where(y == "yes", rng.choice(["red", "blue"], n),
                     rng.choice(["green", "blue"], n)).astype(object)
    color[5] = None
    return pd.DataFrame({"num": num, "num2": num2, "color": color, "label": y})


@pytest.fixture
def small_csv(tmp_path):
    path = tmp_path / "small.csv"
    _small_frame().to_csv(path, index=False)
    return path


def _read_board(out):
    return pd.read_csv(Path(out) / "leaderboard.csv")


# --------------------------------------------------------------------- runs
def test_demo_run_writes_leaderboard_csv_and_png(tmp_path, capsys):
    out = tmp_path / "res"
    rc = main(["compare", *TINY, "--losses", "cross_entropy", "focal",
               "--reweight", "none", "balanced", "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    board = _read_board(out)
    assert len(board) == 4
    assert set(zip(board["loss"], board["reweight"])) == {
        (loss, rw) for loss in ("cross_entropy", "focal") for rw in ("none", "balanced")}
    # ranked by the first default scorer, best first
    ap = board["average_precision_mean"].to_numpy()
    assert np.all(np.diff(ap) <= 0)
    assert board["rank"].tolist() == [1, 2, 3, 4]
    assert np.all((ap > 0) & (ap <= 1))
    for metric in ("roc_auc", "balanced_accuracy", "gmean"):
        assert board[f"{metric}_std"].ge(0).all()
    # each mean and std is that of the metric's fold scores (which differ between folds)
    for metric in ("average_precision", "roc_auc", "balanced_accuracy", "gmean"):
        folds = board[f"{metric}_folds"].map(lambda s: [float(v) for v in s.split(";")])
        assert (folds.map(lambda v: max(v) - min(v)) > 1e-3).any(), metric
        np.testing.assert_allclose(board[f"{metric}_mean"], folds.map(np.mean), atol=1e-5)
        np.testing.assert_allclose(board[f"{metric}_std"], folds.map(np.std), atol=1e-5)
    assert (board["epochs"] <= 3).all() and board["error"].isna().all()
    assert board["tied_with_best"].iloc[0]
    assert board["average_precision_folds"].str.count(";").eq(1).all()  # 2 fold scores
    # the table on stdout, in the CSV's order
    assert "Leaderboard: average_precision" in captured.out
    table_rows = [line.split() for line in captured.out.splitlines()
                  if line.strip()[:1].isdigit()]
    assert [(r[1], r[2]) for r in table_rows] == list(zip(board["loss"], board["reweight"]))
    assert "±" in captured.out
    # progress on stderr, one line per configuration
    progress = [line for line in captured.err.splitlines() if line.startswith("[")]
    assert len(progress) == 4 and progress[-1].startswith("[4/4] focal + balanced: "
                                                           "average_precision ")
    assert "demo data set" in captured.err
    assert (out / "leaderboard.png").read_bytes()[:8] == PNG_MAGIC


def test_csv_with_categorical_column_and_string_target(small_csv, tmp_path, capsys):
    out = tmp_path / "res"
    # 30 epochs: 3 steps of 30 rows (TINY) leave the network near its initialisation,
    # where the fold AUC is a coin toss
    rc = main(["compare", str(small_csv), "--target", "label", "--quick", "--max-epochs", "30",
               "--folds", "2", "--losses", "cross_entropy", "--reweight", "none",
               "--scoring", "roc_auc", "f1", "--out", str(out), "--no-plot"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    board = _read_board(out)
    assert list(board.columns[:7]) == ["rank", "loss", "reweight", "roc_auc_mean",
                                       "roc_auc_std", "f1_mean", "f1_std"]
    assert board.loc[0, "roc_auc_mean"] > 0.5
    assert "1 categorical or text, encoded by the model" in captured.err
    assert "Positive class: 'yes' (the minority class" in captured.err
    assert not (out / "leaderboard.png").exists()


def test_categorical_columns_are_one_hot_encoded():
    X, y, info = prepare_data(_small_frame(), "label")
    assert info["numeric"] == ["num", "num2"] and info["categorical"] == ["color"]
    assert info["positive"] == "yes" and set(np.unique(y)) == {0, 1}
    assert y.sum() == 12
    assert X["color"].isna().sum() == 1  # kept as read; the pipeline encodes it
    pipe = make_model("passthrough", numeric=info["numeric"], categorical=info["categorical"],
                      preprocessing="onehot")
    Z = pipe.fit_transform(X, y)
    assert Z.shape == (60, 2 + 4)  # 2 numeric + red/green/blue/missing
    assert np.isfinite(Z).all()
    # unseen categories encode as zeros instead of failing
    new = X.head(2).assign(color=["purple", "purple"])
    assert np.all(pipe.transform(new)[:, 2:] == 0)


def test_positive_label_option_and_integer_target():
    df = _small_frame()
    _, y, info = prepare_data(df, "label", positive_label="no")
    assert info["positive"] == "no" and y.sum() == 48
    df["label"] = (df["label"] == "yes").astype(int)
    _, y, info = prepare_data(df, "label", positive_label="1")
    assert info["positive"] == 1 and y.sum() == 12


def test_failed_configuration_is_recorded_and_others_run(small_csv, tmp_path, capsys):
    out = tmp_path / "res"
    rc = main(["compare", str(small_csv), "-t", "label", *TINY, "--losses", "cross_entropy",
               "anyloss_f1", "--reweight", "dro_kl", "--out", str(out), "--no-plot"])
    captured = capsys.readouterr()
    assert rc == 0
    board = _read_board(out)
    assert board["loss"].tolist() == ["cross_entropy", "anyloss_f1"]  # failed ones last
    assert pd.isna(board.loc[1, "rank"]) and "batch-level loss" in board.loc[1, "error"]
    assert "failed: anyloss_f1 + dro_kl: ValueError" in captured.out
    assert "1 of 2 configurations failed" in captured.err


def test_every_configuration_failing_exits_1(small_csv, tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["compare", str(small_csv), "-t", "label", *TINY, "--losses",
                 "cross_entropy", "--reweight", "none", "--out", str(out)]) == 0
    assert (out / "leaderboard.png").exists()
    capsys.readouterr()
    rc = main(["compare", str(small_csv), "-t", "label", *TINY, "--losses", "anyloss_f1",
               "--reweight", "dro_kl", "--out", str(out)])
    assert rc == 1
    captured = capsys.readouterr()
    assert "every configuration failed" in captured.err
    assert "vs best: " not in captured.out
    # the earlier run's plot does not stay beside this run's leaderboard
    assert not (out / "leaderboard.png").exists()
    assert "Removed" in captured.err and "earlier run's plot" in captured.err
    assert _read_board(out)["loss"].tolist() == ["anyloss_f1"]


# --------------------------------------------------------------- reference models
def test_the_reference_model_is_ranked_with_the_networks_by_default(small_csv, tmp_path,
                                                                      capsys):
    # compare ranked only networks: on a reviewer's churn table balanced HGB reached AP 0.891
    # against the networks' 0.851 at best, and nothing said so
    tiny = [a for a in TINY if a not in ("--baseline", "none")]
    out = tmp_path / "res"
    rc = main(["compare", str(small_csv), "-t", "label", *tiny, "--losses", "cross_entropy",
               "--reweight", "none", "--progress", "lines", "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    board = _read_board(out)
    assert sorted(board["loss"]) == ["cross_entropy", "hgb (baseline)"]
    row = board[board["loss"] == "hgb (baseline)"].iloc[0]
    assert row["reweight"] == "balanced" and np.isnan(row["epochs"]) and row["rank"] >= 1
    assert 0 < row["average_precision_mean"] <= 1 and pd.isna(row["error"])
    assert ("and 1 reference model on the same folds (hgb: HistGradientBoostingClassifier("
            "class_weight='balanced'); --baseline none leaves it out)") in captured.err
    # its progress lines count no epochs (boosting rounds are not epochs)
    lines = [line for line in captured.err.splitlines() if "hgb (baseline)" in line
             and ", fold " in line]
    assert len(lines) == 2 and not any("epochs" in line for line in lines)
    table = [line for line in captured.out.splitlines() if "hgb (baseline)" in line]
    assert len(table) == 1 and table[0].split()[-1] == "-"  # no epochs
    # the same folds and seed as --baseline hgb alone: the same scores
    rc = main(["compare", str(small_csv), "-t", "label", *tiny, "--losses", "cross_entropy",
               "--reweight", "none", "--baseline", "hgb", "logistic", "--no-plot",
               "--out", str(tmp_path / "two")])
    assert rc == 0
    two = _read_board(tmp_path / "two")
    assert sorted(two["loss"]) == ["cross_entropy", "hgb (baseline)", "logistic (baseline)"]
    assert two.loc[two["loss"] == "hgb (baseline)", "average_precision_folds"].item() == \
        row["average_precision_folds"]


def test_baseline_none_with_another_is_a_usage_error(small_csv, tmp_path, capsys):
    rc = main(["compare", str(small_csv), "-t", "label", "--baseline", "none", "hgb",
               "--out", str(tmp_path / "res")])
    assert rc == 2
    assert "--baseline none runs no reference model" in capsys.readouterr().err
    rc = main(["compare", str(small_csv), "-t", "label", "--baseline", "catboost"])
    assert rc == 2
    assert "invalid choice: 'catboost'" in capsys.readouterr().err


def test_save_best_saves_the_reference_model_when_it_ranks_first(small_csv, tmp_path, capsys):
    import joblib
    from sklearn.linear_model import LogisticRegression

    from sklearn_losses.cli.io import read_table

    tiny = [a for a in TINY if a not in ("--baseline", "none")]
    saved = tmp_path / "best.joblib"
    # unweighted cross-entropy for 3 epochs never finds "yes": balanced accuracy 0.5
    rc = main(["compare", str(small_csv), "-t", "label", *tiny, "--losses", "cross_entropy",
               "--reweight", "none", "--baseline", "logistic", "--scoring",
               "balanced_accuracy", "--no-plot", "--out", str(tmp_path / "res"),
               "--save-best", str(saved)])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert _read_board(tmp_path / "res")["loss"].iloc[0] == "logistic (baseline)"
    assert "Saved the best configuration (logistic (baseline) + balanced)" in err
    model = joblib.load(saved)
    assert isinstance(model.estimator_[-1], LogisticRegression)
    assert set(model.predict(read_table(small_csv))) <= {"yes", "no"}


def test_every_network_failing_exits_1_even_when_the_reference_model_ran(small_csv, tmp_path,
                                                                          capsys):
    tiny = [a for a in TINY if a not in ("--baseline", "none")]
    rc = main(["compare", str(small_csv), "-t", "label", *tiny, "--losses", "anyloss_f1",
               "--reweight", "dro_kl", "--no-plot", "--out", str(tmp_path / "res")])
    assert rc == 1
    assert "every network configuration failed" in capsys.readouterr().err
    board = _read_board(tmp_path / "res")
    assert board.set_index("loss")["error"].isna().to_dict() == {
        "hgb (baseline)": True, "anyloss_f1": False}


def test_quiet_prints_only_the_leaderboard(small_csv, tmp_path, capsys):
    rc = main(["compare", str(small_csv), "-t", "label", *TINY, "--losses", "focal",
               "--reweight", "balanced", "--out", str(tmp_path / "res"), "-q", "--no-plot"])
    captured = capsys.readouterr()
    assert rc == 0
    assert captured.err == ""
    assert "focal" in captured.out and "Leaderboard" in captured.out


# ------------------------------------------------------------ --encoding
def test_encoding_option_reads_a_latin1_file(tmp_path, capsys):
    df = _small_frame()
    df["color"] = df["color"].replace({"red": "rouge foncé", "green": "vert pâle"})
    path = tmp_path / "latin1.csv"
    df.to_csv(path, index=False, encoding="latin-1")
    out = tmp_path / "res"
    # read as UTF-8 (the default): a data error that names the line and suggests --encoding
    rc = main(["compare", str(path), "-t", "label", *TINY, "--losses", "focal",
               "--reweight", "none", "--out", str(out), "--no-plot"])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    first_bad = next(i for i, line in enumerate(path.read_bytes().split(b"\n"), 1)
                     if b"\xe9" in line or b"\xe2" in line)
    assert "could not be decoded as utf-8" in err
    assert f"on line {first_bad}," in err
    assert "--encoding latin-1" in err
    assert not (out / "leaderboard.csv").exists()
    # with the right encoding, the accented categories are read as such
    rc = main(["compare", str(path), "-t", "label", *TINY, "--losses", "focal",
               "--reweight", "none", "--out", str(out), "--no-plot", "--encoding", "latin-1"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert len(_read_board(out)) == 1
    from sklearn_losses.cli.io import read_table
    assert "rouge foncé" in set(read_table(path, encoding="latin-1")["color"])


def test_first_undecodable_locates_the_byte_across_chunks(tmp_path):
    path = tmp_path / "mixed.csv"
    # a valid two-byte UTF-8 character straddles every chunk boundary; then a bad byte
    path.write_bytes("a,b\n".encode() + "é,1\n".encode() * 40 + b"x,\xff\n" + b"y,2\n")
    line, offset, byte = _first_undecodable(path, "utf-8", chunk_size=7)
    assert (line, byte) == (42, b"\xff")
    assert path.read_bytes()[offset:offset + 1] == b"\xff"
    assert _first_undecodable(path, "latin-1", chunk_size=7) is None


# ---------------------------------------------------------------- the plot
# ----------------------------------------------------- progress per fold
def _progress_run(tmp_path, capsys, *extra):
    rc = main(["compare", *TINY, "--losses", "cross_entropy", "focal", "--reweight", "none",
               "--out", str(tmp_path / "res"), "--no-plot", *extra])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    return captured.err.splitlines()


def test_progress_lines_one_per_finished_fold(tmp_path, capsys):
    err = _progress_run(tmp_path, capsys, "--progress", "lines")
    folds = [line for line in err if ", fold " in line]
    assert [line.split(":")[0] for line in folds] == [
        "  [1/2] cross_entropy + none, fold 1/2", "  [1/2] cross_entropy + none, fold 2/2",
        "  [2/2] focal + none, fold 1/2", "  [2/2] focal + none, fold 2/2"]
    assert all("average_precision 0." in line or "average_precision 1." in line
               for line in folds)
    assert [line.split("; ")[1].split(" fits")[0] for line in folds] == ["1/4", "2/4", "3/4",
                                                                         "4/4"]
    assert all(" left" in line for line in folds[:-1]) and " left" not in folds[-1]
    # a line per configuration after its folds, as before
    configs = [line for line in err if line.startswith("[")]
    assert len(configs) == 2 and err.index(configs[0]) > err.index(folds[1])
    # auto (stderr is not a terminal here) is lines
    assert [line for line in _progress_run(tmp_path, capsys) if ", fold " in line]


def test_progress_bar_counts_every_fold(tmp_path, capsys):
    pytest.importorskip("tqdm")
    err = "\n".join(_progress_run(tmp_path, capsys, "--progress", "bar"))
    assert "cross-validating" in err and "/4" in err and "fit" in err
    assert ", fold " not in err  # the bar replaces the fold lines
    assert "[2/2] focal + none: average_precision" in err  # notes above the bar


def test_quiet_shows_no_progress(tmp_path, capsys):
    err = _progress_run(tmp_path, capsys, "--progress", "bar", "-q")
    assert err == []


# ---------------------------------------------------------------- --max-rows
def test_stratified_subsample_keeps_shares_and_a_floor_per_class():
    y = np.array([0] * 900 + [1] * 97 + [2] * 3)
    idx = stratified_subsample(y, 100, min_per_class=5, random_state=0)
    assert len(idx) == 100 and len(np.unique(idx)) == 100 and np.all(np.diff(idx) > 0)
    counts = np.bincount(y[idx], minlength=3)
    assert counts[2] == 3  # all of the rare class (fewer than the floor)
    assert counts[1] == 9 and counts[0] == 88  # shares kept, the floor's rows from the largest
    assert np.array_equal(idx, stratified_subsample(y, 100, min_per_class=5, random_state=0))
    assert not np.array_equal(idx, stratified_subsample(y, 100, min_per_class=5,
                                                        random_state=1))
    assert np.array_equal(stratified_subsample(y, 5000), np.arange(1000))
    strings = np.array(["a", "b"] * 50, dtype=object)
    assert np.bincount(strings[stratified_subsample(strings, 11)] == "b").tolist() in (
        [5, 6], [6, 5])
    with pytest.raises(ValueError, match="at least 13 rows"):
        stratified_subsample(y, 12, min_per_class=5)


def test_max_rows_cross_validates_a_stratified_sample(small_csv, tmp_path, capsys):
    out = tmp_path / "res"
    rc = main(["compare", str(small_csv), "-t", "label", *TINY, "--losses", "focal",
               "--reweight", "none", "--max-rows", "30", "--out", str(out), "--no-plot"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert ("30 rows (--max-rows: a random sample of the 60 rows, stratified by the target, "
            "seed 0" in captured.err)
    assert "'no' 24 (80.0%), 'yes' 6 (20.0%)" in captured.err  # the shares of the 60 rows
    assert "Positive class: 'yes'" in captured.err
    assert "30 rows" in captured.out.split("Leaderboard:")[1].splitlines()[0]
    # more rows than the file: all rows, no sample
    rc = main(["compare", str(small_csv), "-t", "label", *TINY, "--losses", "focal",
               "--reweight", "none", "--max-rows", "1000", "--out", str(out), "--no-plot"])
    err = capsys.readouterr().err
    assert rc == 0 and "--max-rows" not in err and "60 rows," in err


# ------------------------------------------------------------------- errors
def _write(path, content):
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return path


def _frame_csv(tmp_path, name, **changes):
    df = _small_frame()
    for col, values in changes.items():
        df[col] = values
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


def _error_cases(tmp_path):
    """(argv, text the message must contain) for each usage or data error."""
    nan_target = _small_frame()
    nan_target.loc[[3, 7, 9], "label"] = np.nan
    nan_target.to_csv(tmp_path / "nan.csv", index=False)
    rare = ["no"] * 57 + ["yes"] * 3
    return {
        "file not found": (["compare", str(tmp_path / "nope.csv"), "-t", "y"],
                           ["file not found", "nope.csv"]),
        "folder": (["compare", str(tmp_path), "-t", "y"], ["is a folder"]),
        "empty file": (["compare", str(_write(tmp_path / "empty.csv", "")), "-t", "y"],
                       ["empty.csv", "is empty"]),
        "blank lines only": (["compare", str(_write(tmp_path / "blank.csv", "\n\n")), "-t", "y"],
                             ["blank.csv", "no data"]),
        "header only": (["compare", str(_write(tmp_path / "header.csv", "a,b,y\n")), "-t", "y"],
                        ["no data rows"]),
        "binary file": (["compare", str(_write(tmp_path / "img.csv", PNG_MAGIC + bytes(range(256))
                                               * 4)), "-t", "y"],
                        ["img.csv", "not a text CSV", "--encoding"]),
        "unparseable": (["compare", str(_write(tmp_path / "bad.csv", "a,b,y\n1,2,x\n1,2,3,4\n")),
                         "-t", "y"], ["could not parse", "bad.csv", "Expected 3 fields"]),
        "target missing": (["compare", str(_frame_csv(tmp_path, "t.csv")), "-t", "lable"],
                           ["target column 'lable' not found", "did you mean 'label'",
                            "Available columns: num, num2, color, label"]),
        "no --target": (["compare", str(_frame_csv(tmp_path, "t2.csv"))],
                        ["--target is required", "num, num2, color, label"]),
        "wrong separator": (["compare", str(_write(tmp_path / "semi.csv", "a;b;y\n1;2;x\n")),
                             "-t", "y"], ["not found", "--sep"]),
        "one class": (["compare", str(_frame_csv(tmp_path, "one.csv", label="no")), "-t",
                       "label"], ["single class", "'no'", "at least 2 classes"]),
        "NaN target": (["compare", str(tmp_path / "nan.csv"), "-t", "label"],
                       ["target column 'label' has 3 missing value(s)", "data rows 4, 8, 10"]),
        "continuous target": (["compare", str(_frame_csv(tmp_path, "cont.csv",
                                                         label=np.linspace(0, 1, 60))),
                               "-t", "label"], ["continuous", "categorical target"]),
        "unknown loss": (["compare", *TINY, "--losses", "focal", "focall"],
                         ["unknown loss 'focall'", "did you mean 'focal'", "cross_entropy",
                          "poly1", "zloss_spherical"]),
        "unknown reweight": (["compare", *TINY, "--reweight", "balance"],
                             ["unknown reweight 'balance'", "none, balanced, class_balanced"]),
        "unknown scoring": (["compare", *TINY, "--scoring", "aucroc"],
                            ["unknown scoring 'aucroc'", "average_precision", "gmean"]),
        "folds > minority": (["compare", str(_frame_csv(tmp_path, "rare.csv", label=rare)),
                              "-t", "label"],
                             ["--folds 5 is larger than the smallest class", "'yes': 3 rows",
                              "--folds 3 or fewer"]),
        "folds < 2": (["compare", *TINY, "--folds", "1"], ["--folds must be at least 2"]),
        "positive label": (["compare", str(_frame_csv(tmp_path, "p.csv")), "-t", "label",
                            "--positive-label", "maybe"],
                           ["--positive-label 'maybe' is not a class", "no, yes"]),
        "drop unknown": (["compare", *TINY, "--drop", "zz"],
                         ["--drop column 'zz' not found", "segment"]),
        "out is a file": (["compare", *TINY, "--out", str(_write(tmp_path / "f.txt", "x"))],
                          ["--out", "is not a folder"]),
        "bad device": (["compare", *TINY, "--device", "nonsense"], ["--device", "nonsense"]),
        "threads < 1": (["compare", *TINY, "--threads", "0"], ["--threads must be at least 1"]),
        "unknown encoding": (["compare", str(_frame_csv(tmp_path, "e.csv")), "-t", "label",
                              "--encoding", "klingon"],
                             ["--encoding 'klingon' is not a known text encoding", "latin-1"]),
        "max-rows < 2": (["compare", *TINY, "--max-rows", "1"], ["--max-rows must be at least 2"]),
        "max-rows too small": (["compare", str(_frame_csv(tmp_path, "m.csv")), "-t", "label",
                                "--folds", "3", "--max-rows", "5"],
                               ["--max-rows 5 is too small for 3-fold", "--max-rows 6 or more"]),
    }


ERROR_CASES = ["file not found", "folder", "empty file", "blank lines only", "header only",
               "binary file", "unparseable", "target missing", "no --target", "wrong separator",
               "one class", "NaN target", "continuous target", "unknown loss",
               "unknown reweight", "unknown scoring", "folds > minority", "folds < 2",
               "positive label", "drop unknown", "out is a file", "bad device", "threads < 1",
               "unknown encoding", "max-rows < 2", "max-rows too small"]


@pytest.mark.parametrize("case", ERROR_CASES)
def test_errors_exit_2_with_a_message_naming_the_problem(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cases = _error_cases(tmp_path)
    assert set(cases) == set(ERROR_CASES)
    argv, expected = cases[case]
    rc = main([*argv, "--out", str(tmp_path / "out")] if "--out" not in argv else argv)
    captured = capsys.readouterr()
    assert rc == 2, captured
    assert captured.err.startswith("sklearn-losses compare: error: "), captured.err
    for text in expected:
        assert text in captured.err, (text, captured.err)
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert not (tmp_path / "out" / "leaderboard.csv").exists()


def test_no_command_and_unknown_option_exit_2(capsys):
    assert main([]) == 2
    assert "compare" in capsys.readouterr().err
    assert main(["compare", "--bogus"]) == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


# ------------------------------------------------------------------ version
def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"sklearn-losses {__version__}"


def test_console_script_entry_point():
    script = Path(sys.executable).parent / "sklearn-losses"
    assert script.exists(), ("console script missing: run `pip install -e . --no-deps` to "
                             "register [project.scripts]")
    res = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"sklearn-losses {__version__}"


def test_python_dash_m_runs_the_cli():
    res = subprocess.run([sys.executable, "-m", "sklearn_losses.cli", "compare", "--losses",
                          "nope"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "unknown loss 'nope'" in res.stderr and "Traceback" not in res.stderr


# ---------------------------------------------------------------- datasets
def test_demo_dataset_shape_types_and_determinism():
    df = make_demo_dataset(n_samples=300, random_state=3)
    assert df.shape == (300, 10)
    assert list(df.columns) == [*(f"x{i}" for i in range(1, 8)), "segment", "channel",
                                DEMO_TARGET]
    assert all(df[f"x{i}"].dtype.kind == "f" for i in range(1, 8))
    assert set(df["segment"]) == {"bronze", "silver", "gold", "platinum"}
    assert set(df["channel"]) <= {"web", "store", "phone"}
    counts = df[DEMO_TARGET].value_counts()
    assert set(counts.index) == {"positive", "negative"}
    assert 0.02 < counts["positive"] / 300 < 0.12
    assert df["x7"].isna().any() and not df.drop(columns="x7").isna().any().any()
    pd.testing.assert_frame_equal(df, make_demo_dataset(n_samples=300, random_state=3))
    assert not df.equals(make_demo_dataset(n_samples=300, random_state=4))


def test_demo_dataset_segment_carries_signal_and_noise_flips_labels():
    clean = make_demo_dataset(n_samples=4000, weights=0.2, label_noise=0.0)
    noisy = make_demo_dataset(n_samples=4000, weights=0.2, label_noise=0.1)
    rate = (clean[DEMO_TARGET] == "positive").groupby(clean["segment"]).mean()
    assert rate.max() - rate.min() > 0.1
    assert (clean[DEMO_TARGET] != noisy[DEMO_TARGET]).sum() == 400


@pytest.mark.parametrize("kwargs", [dict(n_samples=5), dict(weights=0.0), dict(weights=1.5),
                                    dict(label_noise=0.5), dict(random_state=None),
                                    dict(random_state=-1), dict(random_state=2**40)])
def test_demo_dataset_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        make_demo_dataset(**kwargs)


def test_positive_label_of_the_majority_class_is_the_scored_class(small_csv, tmp_path, capsys):
    # the package's scorers default to the minority class; the CLI codes the positive
    # class as 1 and must score that class, also when it is the majority
    from sklearn_losses.cli.commands import resolve_scoring

    scorer = resolve_scoring(["average_precision"], binary=True)["average_precision"]
    assert "pos_label=1" in repr(scorer)
    out = tmp_path / "res"
    rc = main(["compare", str(small_csv), "--target", "label", "--positive-label", "no",
               *TINY, "--losses", "cross_entropy", "--reweight", "none",
               "--scoring", "average_precision", "--out", str(out), "--no-plot"])
    assert rc == 0, capsys.readouterr().err
    # 48 of 60 rows are "no": an AP near its 0.8 prevalence, not near the 0.2 of "yes"
    assert _read_board(out).loc[0, "average_precision_mean"] > 0.6


@pytest.mark.parametrize("positive", [None, "no"])
def test_losses_measuring_one_class_train_on_the_positive_label(positive, small_csv, tmp_path,
                                                                 capsys):
    # the target is coded 1 for the positive class (--positive-label, else the minority
    # "yes"): the networks get pos_label=1, so anyloss_f1 measures the class the scorers do,
    # the majority "no" too when it is the positive label
    import joblib

    model_path = tmp_path / "best.joblib"
    args = ["compare", str(small_csv), "--target", "label", *TINY, "--losses", "anyloss_f1",
            "--reweight", "none", "--out", str(tmp_path / "res"), "--no-plot",
            "--save-best", str(model_path)]
    if positive is not None:
        args += ["--positive-label", positive]
    assert main(args) == 0, capsys.readouterr().err
    net = joblib.load(model_path).estimator_
    assert net.pos_label == 1 and net.loss_positive_class_ == 1
    assert net.plan_.loss_positive == 1  # coded 1: no swap, whichever class it is


def test_numbers_with_question_marks_are_a_numeric_column(tmp_path, capsys):
    # the column rule reads "?" as a missing number; the CLI's data checks must too
    frame = _small_frame()
    frame["num"] = frame["num"].round(3).astype(object)
    frame.loc[[3, 9, 20], "num"] = "?"
    path = tmp_path / "marks.csv"
    frame.to_csv(path, index=False)
    X, y, info = prepare_data(pd.read_csv(path), "label")
    assert "num" in info["numeric"]
    rc = main(["compare", str(path), "--target", "label", *TINY, "--losses", "cross_entropy",
               "--reweight", "none", "--out", str(tmp_path / "res"), "--no-plot"])
    assert rc == 0, capsys.readouterr().err


# ------------------------------------------------------------------ loss parameters
def test_parse_loss_spec_reads_literals_and_text():
    from sklearn_losses.cli.model import parse_loss_spec, spec_text

    assert parse_loss_spec("focal") == ("focal", {})
    assert parse_loss_spec(" comp_sum : tau = 1.5 ") == ("comp_sum", {"tau": 1.5})
    assert parse_loss_spec("logit_clip:loss=gce,delta=2") == ("logit_clip",
                                                              {"loss": "gce", "delta": 2})
    assert parse_loss_spec("focal:alpha=None") == ("focal", {"alpha": None})
    assert spec_text(*parse_loss_spec(" comp_sum : tau = 1.5 ")) == "comp_sum:tau=1.5"
    # lists (commas inside brackets), and one canonical text whatever the order of the keys
    spec = parse_loss_spec("focal:gamma=1,alpha=[0.25, 0.75]")
    assert spec == ("focal", {"gamma": 1, "alpha": [0.25, 0.75]})
    assert spec_text(*spec) == "focal:alpha=[0.25, 0.75],gamma=1"
    assert parse_loss_spec(spec_text(*spec)) == spec
    for bad in ("comp_sum:tau", "comp_sum:", "comp_sum:=1", "comp_sum:tau=1.5,"):
        with pytest.raises(ValueError, match="NAME:key=value"):
            parse_loss_spec(bad)
    with pytest.raises(ValueError, match="'q' is given twice"):
        parse_loss_spec("gce:q=0.5,q=0.7")


def test_losses_take_their_parameters(small_csv, tmp_path, capsys):
    # compare took bare names only: the documented noise settings (comp_sum at tau=1.5,
    # logit_clip at delta=2) could not be written, and comp_sum by name is cross-entropy
    import joblib

    saved = tmp_path / "best.joblib"
    rc = main(["compare", str(small_csv), "-t", "label", *TINY, "--losses", "comp_sum",
               "comp_sum:tau=1.5", "logit_clip:loss=gce,delta=2", "--reweight", "none",
               "--scoring", "neg_log_loss", "--no-plot", "--out", str(tmp_path / "res"),
               "--save-best", str(saved)])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "Note: comp_sum is cross-entropy (tau=1); give comp_sum:tau=..." in err
    board = _read_board(tmp_path / "res").set_index("loss")
    assert set(board.index) == {"comp_sum", "comp_sum:tau=1.5", "logit_clip:delta=2,loss=gce"}
    # tau changes the model: its fold scores differ from tau=1's
    assert board.loc["comp_sum", "neg_log_loss_folds"] != \
        board.loc["comp_sum:tau=1.5", "neg_log_loss_folds"]
    best = board.index[board["rank"] == 1][0]
    loss = joblib.load(saved).estimator_.loss
    if best == "comp_sum":
        assert loss == "comp_sum"
    else:  # the saved model trains the loss with the parameters compared
        assert {k: v for k, v in loss.get_params().items() if k in ("tau", "delta")} in (
            {"tau": 1.5}, {"delta": 2})


@pytest.mark.parametrize("entry, message", [
    ("comp_sum(tau=1.5)", "parameters as NAME:key=value"),
    ("gce:bogus=1", "--losses gce:bogus=1: Unknown parameter"),
    ("gce:q=-1", "--losses gce:q=-1: "),
    ("gce:q", "'q' is not key=value"),
])
def test_bad_loss_parameters_are_usage_errors(small_csv, tmp_path, capsys, entry, message):
    rc = main(["compare", str(small_csv), "-t", "label", *TINY, "--losses", entry,
               "--out", str(tmp_path / "res")])
    assert rc == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "res" / "leaderboard.csv").exists()  # refused before training


def test_a_double_correction_with_parameters_is_left_out_unless_named_in_both(
        small_csv, tmp_path, capsys):
    rc = main(["compare", str(small_csv), "-t", "label", *TINY, "--losses",
               "logit_adjusted:tau=0.5", "--no-plot", "--out", str(tmp_path / "a")])
    err = capsys.readouterr().err
    assert rc == 0 and "logit_adjusted:tau=0.5 + balanced" in err  # the note
    assert _read_board(tmp_path / "a")["reweight"].tolist() == ["none"]
    rc = main(["compare", str(small_csv), "-t", "label", *TINY, "--losses",
               "logit_adjusted: tau=0.5", "--reweight", "none", "balanced", "--no-plot",
               "--out", str(tmp_path / "b")])
    assert rc == 0
    assert sorted(_read_board(tmp_path / "b")["reweight"]) == ["balanced", "none"]


def test_a_wrapped_loss_that_cannot_handle_the_classes_is_refused_before_training(tmp_path,
                                                                                  capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=60), "label": np.arange(60) % 3})
    frame.to_csv(tmp_path / "m.csv", index=False)
    rc = main(["compare", str(tmp_path / "m.csv"), "-t", "label", *TINY, "--losses",
               "cross_entropy", "logit_clip:loss=ensloss", "--out", str(tmp_path / "res")])
    assert rc == 2
    assert "--losses logit_clip:loss=ensloss: The 'ensloss' loss handles binary problems " \
        "only" in capsys.readouterr().err


def test_quiet_silences_the_cross_entropy_note_and_repeated_baselines_are_one(small_csv,
                                                                               tmp_path,
                                                                               capsys):
    rc = main(["compare", str(small_csv), "-t", "label", "--quick", "--max-epochs", "2",
               "--folds", "2", "--losses", "comp_sum", "--reweight", "none", "--baseline",
               "none", "none", "-q", "--no-plot", "--out", str(tmp_path / "res")])
    captured = capsys.readouterr()
    assert rc == 0 and captured.err == ""
    assert _read_board(tmp_path / "res")["loss"].tolist() == ["comp_sum"]
