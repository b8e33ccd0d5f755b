"""``sklearn-losses compare``: the faults of issue 21 (items 9, 11, 23, 28).

- item 9: decimal commas (``--decimal``, and a note when a text column looks
  numeric under a decimal comma);
- item 11: SIGTERM / Ctrl-C with ``--jobs 2`` leaves no worker process behind;
- item 23: the model ``--save-best`` writes for a headerless file predicts on
  ``pd.read_csv(path, header=None)``;
- item 28: warnings are not repeated per fold or per configuration, and the
  grid leaves out the configurations that correct the class prior twice.

Runs are tiny (a few dozen rows, 2-3 folds, 2-3 epochs) so that the file
stays fast on 2 CPU cores; the signal tests run the command in a subprocess.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sklearn_losses.compare as compare
from sklearn_losses.cli import main
from sklearn_losses.cli.io import decimal_mark_columns, read_table
from sklearn_losses.columns import column_kinds

TINY = ["--quick", "--max-epochs", "2", "--folds", "2", "--baseline", "none"]


def _run(capsys, *argv):
    rc = main(list(argv))
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


@pytest.fixture
def grid(monkeypatch):
    """The configurations a run would cross-validate and their data (the run stops there)."""
    seen = {}

    def stop(models, X, y, *args, **kwargs):
        seen.update(models)
        seen["X"] = X
        raise compare.Interrupted([])

    monkeypatch.setattr(compare, "cross_validate_configs", stop)
    return seen


# ------------------------------------------------------- item 9: decimal commas
def _decimal_comma_csv(path, n=40, seed=0):
    """``;``-separated, decimal commas in ``price`` (a ``?`` among its values) and ``size``."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 4 == 0
    price = [f"{v:.2f}".replace(".", ",") for v in rng.normal(size=n) + 3 * y]
    price[7] = "?"
    price[8] = "12"  # an integer among them
    rows = ["price;size;city;label"]
    rows += [f"{p};{s:.3f};{'Oslo' if i % 3 else 'Rome'};{'yes' if t else 'no'}".replace(".", ",")
             for i, (p, s, t) in enumerate(zip(price, rng.normal(size=n), y))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_decimal_option_reads_decimal_commas_as_numbers(tmp_path, capsys, grid):
    data = _decimal_comma_csv(tmp_path / "d.csv")
    rc, _, err = _run(capsys, "compare", str(data), "-t", "label", "--sep", ";",
                      "--decimal", ",", *TINY, "--losses", "focal", "--reweight", "none",
                      "--no-plot", "--out", str(tmp_path / "res"))
    assert rc == 130  # stopped by the fixture before fitting
    assert "2 numeric, 1 categorical or text" in err
    X = grid["X"]
    assert X["price"].dtype == np.float64 and X.loc[0, "price"] != 0
    assert X["price"].isna().sum() == 1 and X.loc[8, "price"] == 12.0
    assert "--decimal" not in err  # no note once the column is numeric


def test_decimal_commas_without_the_option_get_a_one_line_note(tmp_path, capsys, grid):
    data = _decimal_comma_csv(tmp_path / "d.csv")
    rc, _, err = _run(capsys, "compare", str(data), "-t", "label", "--sep", ";", *TINY,
                      "--losses", "focal", "--reweight", "none", "--no-plot", "--quiet",
                      "--out", str(tmp_path / "res"))
    assert rc == 130
    notes = [line for line in err.splitlines() if "decimal comma" in line]
    assert len(notes) == 1, err
    assert "columns 'price', 'size' look numeric" in notes[0]
    assert "--decimal ," in notes[0] and "'city'" not in notes[0]


def test_decimal_points_under_decimal_comma_get_a_note(tmp_path, capsys, grid):
    data = tmp_path / "points.csv"
    rows = [f"{i / 7:.3f};{i % 3};{'yes' if i % 4 == 0 else 'no'}" for i in range(24)]
    data.write_text("a;b;label\n" + "\n".join(rows) + "\n")
    rc, _, err = _run(capsys, "compare", str(data), "-t", "label", "--sep", ";", "--decimal",
                      ",", *TINY, "--losses", "focal", "--reweight", "none", "--no-plot",
                      "--out", str(tmp_path / "res"))
    assert rc == 130
    notes = [line for line in err.splitlines() if "decimal point" in line]
    assert len(notes) == 1 and "column 'a' holds numbers written with a decimal point" \
        in notes[0], err
    assert "Drop --decimal" in notes[0] and "categor" not in notes[0]
    assert "1 numeric" not in err and "(2 numeric" in err  # the column is read as numbers


def test_decimal_mark_columns_only_flags_numbers_with_a_comma():
    df = pd.DataFrame({
        "comma": ["3,14", "-2,5", "7", None, "NA"],
        "integers": ["1", "2", "3", "4", "5"],          # numbers, no comma: another rule's
        "words": ["a,b", "c", "d", "e", "f"],
        "mixed": ["3,14", "x", "1,0", "2,0", "1,5"],
        "lists": ["1,2,3", "4,5,6", "7,8,9", "1,1,1", "2,2,2"],
        "numeric": [1.5, 2.5, 3.5, 4.5, 5.5],
    })
    assert decimal_mark_columns(df) == {"comma": "3,14"}


def _thousands_csv(path, n=40, seed=0):
    """Comma-separated and quoted: ``amount`` with commas grouping thousands ("1,275.22"),
    ``price`` with a dollar sign, ``city`` text."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 4 == 0
    amount = rng.uniform(0, 3000, n) + 2000 * y
    rows = ["amount,price,city,label"]
    rows += [f'"{a:,.2f}",${i + 3},{"Oslo" if i % 3 else "Rome"},{"yes" if t else "no"}'
             for i, (a, t) in enumerate(zip(amount, y))]
    rows[5] = '"?",$12,Oslo,no'  # a missing value among them
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, amount


def test_thousands_separators_get_a_warning_and_no_identifier_note(tmp_path, capsys):
    data, _ = _thousands_csv(tmp_path / "t.csv")
    rc, out, err = _run(capsys, "compare", str(data), "-t", "label", *TINY, "--losses",
                        "focal", "--reweight", "none", "--no-plot", "--out",
                        str(tmp_path / "res"))
    assert rc == 0, err
    (note,) = [line for line in err.splitlines() if "'amount'" in line]
    assert note.startswith("Warning: column 'amount' looks numeric with thousands separators "
                           "(e.g. '")
    assert "pass --thousands , to read it as numbers." in note
    (sign,) = [line for line in err.splitlines() if "'price'" in line]
    assert "holds numbers written with '$' (e.g. '$" in sign and "--drop price" in sign
    assert "an identifier?" not in out + err  # not what such a column is
    # each fold's model warns too; the run said it once, at the start
    assert "NumberFormatWarning" not in out + err


def test_thousands_option_reads_grouped_numbers(tmp_path, capsys, grid):
    data, amount = _thousands_csv(tmp_path / "t.csv")
    rc, _, err = _run(capsys, "compare", str(data), "-t", "label", "--thousands", ",", *TINY,
                      "--losses", "focal", "--reweight", "none", "--no-plot", "--out",
                      str(tmp_path / "res"))
    assert rc == 130  # stopped by the fixture before fitting
    assert "(1 numeric, 2 categorical or text" in err and "--thousands" not in err
    X = grid["X"]
    assert X["amount"].dtype == np.float64 and np.isnan(X.loc[4, "amount"])
    kept = np.arange(len(amount)) != 4
    np.testing.assert_allclose(X["amount"].to_numpy()[kept], np.round(amount[kept], 2))
    df = read_table(data, thousands=",")  # as a saved model's new rows are read
    np.testing.assert_allclose(df["amount"].to_numpy()[kept], np.round(amount[kept], 2))
    assert df["price"].iloc[0] == "$3"  # not grouped numbers: as written


def test_number_format_advice_fits_the_options_given(tmp_path, capsys, grid):
    # never an option the others rule out: --thousands , with --decimal , is refused
    data = tmp_path / "dots.csv"
    rows = ["big;amt;dec;label"] + [
        f"{b};{a};{d};{'x' if i % 2 else 'y'}" for i, (b, a, d) in enumerate(
            [("237.881.623", "1,275.22", "3,14"), ("12.345", "935.87", "2,5"),
             ("7", "12.5", "1"), ("1.234.567", "2,000.00", "1,25")] * 3)]
    data.write_text("\n".join(rows) + "\n")

    def warnings_of(*options):
        rc, _, err = _run(capsys, "compare", str(data), "--sep", ";", "-t", "label",
                          *options, *TINY, "--losses", "focal", "--reweight", "none",
                          "--no-plot", "--out", str(tmp_path / "res"))
        assert rc == 130, err  # stopped by the fixture before fitting
        return {line.split("'")[1]: line for line in err.splitlines()
                if line.startswith("Warning: column")}

    plain = warnings_of()
    assert "pass --decimal , --thousands . if the file writes its numbers so" in plain["big"]
    assert "pass --thousands , to read it as numbers." in plain["amt"]
    assert "pass --decimal , to read it as numbers" in plain["dec"]
    european = warnings_of("--decimal", ",")
    assert "pass --thousands . to read it as numbers." in european["big"]
    assert "unlike the --decimal , of the file" in european["amt"]
    assert "--thousands" not in european["amt"] and "dec" not in european
    assert grid["X"]["dec"].dtype == np.float64  # read as numbers under --decimal ,
    us = warnings_of("--thousands", ",")
    assert "amt" not in us and grid["X"]["amt"].dtype == np.float64
    assert "--thousands , takes commas as thousands separators" in us["dec"]
    assert "pass --decimal ," not in us["dec"]
    assert set(warnings_of("--decimal", ",", "--thousands", ".")) == {"amt"}
    assert grid["X"]["big"].tolist()[:2] == [237881623.0, 12345.0]


def test_read_table_thousands_mark_is_checked(tmp_path):
    from sklearn_losses.cli import CLIError

    data, _ = _thousands_csv(tmp_path / "t.csv")
    for bad in (",,", ".", "1", "-"):
        with pytest.raises(CLIError, match="--thousands must be a single character other "
                                           "than the decimal mark '.'"):
            read_table(data, thousands=bad)
    # under --decimal , points grouping the thousands are read without it; ' ' is allowed
    eu = tmp_path / "eu.csv"
    eu.write_text("a;b\n1 234,5;x\n12;y\n3,25;z\n")
    df = read_table(eu, sep=";", decimal=",", thousands=" ")
    assert df["a"].tolist() == [1234.5, 12.0, 3.25]


def test_read_table_takes_the_target_by_position_as_compare_does(tmp_path):
    from sklearn_losses.cli import CLIError

    data, _ = _thousands_csv(tmp_path / "t.csv")
    assert read_table(data, target=-1)["label"].tolist() == read_table(
        data, target="label")["label"].tolist()
    assert read_table(data, target=3)["label"].iloc[0] == "yes"
    with pytest.raises(CLIError, match="target position 4 is out of range"):
        read_table(data, target=4)
    with pytest.raises(CLIError, match="target column 'labl' not found .*did you mean 'label'"):
        read_table(data, target="labl")
    # read without a header: no advice to pass --no-header (it was the first row's hint)
    with pytest.raises(CLIError, match=r"not found in .* \(the file is read without a header "
                                       r"row: its columns are positions") as info:
        read_table(data, header=False, target="label")
    assert "--no-header" not in str(info.value)


def test_read_table_decimal_must_be_one_character(tmp_path):
    from sklearn_losses.cli import CLIError

    data = _decimal_comma_csv(tmp_path / "d.csv")
    with pytest.raises(CLIError, match="--decimal must be a single character"):
        read_table(data, sep=";", decimal=",,")
    df = read_table(data, sep=";", decimal=",")
    assert df["price"].dtype == np.float64


# ------------------------------------------ item 11: SIGTERM / Ctrl-C with --jobs
def _stat(pid):
    """``(session id, cpu seconds)`` of a live process from /proc, or None when it is gone
    or a zombie."""
    import os

    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    if fields[0] in "ZX":  # zombie or dead
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[3]), (int(fields[11]) + int(fields[12])) / ticks  # session, utime+stime


def _session_processes(sid):
    """The live processes of session ``sid`` (the command runs as a session leader)."""
    import os

    pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    return {pid: st for pid in pids if (st := _stat(pid)) is not None and st[0] == sid}


def _workers_busy(sid, cli_pid, n=2, cpu_s=1.0):
    """Whether ``n`` processes of the session besides the command have used ``cpu_s``."""
    procs = _session_processes(sid)
    return sum(1 for pid, (_, cpu) in procs.items() if pid != cli_pid and cpu >= cpu_s) >= n


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def _default_signals():
    """In the child before exec: SIGINT and SIGTERM at their default dispositions.

    A command started as a background job of a non-interactive shell (``pytest ... &``)
    inherits SIGINT ignored, and the CLI rightly leaves an ignored signal ignored; the
    test plays a foreground command, which Ctrl-C reaches, whatever ran pytest."""
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)


@pytest.mark.parametrize("signame, status", [("SIGTERM", 143), ("SIGINT", 130)])
def test_signal_during_parallel_compare_stops_every_worker(signame, status, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    rng = np.random.default_rng(0)
    n = 120
    y = np.where(np.arange(n) % 4 == 0, "yes", "no")
    pd.DataFrame({"a": rng.normal(size=n) + (y == "yes"), "b": rng.normal(size=n),
                  "label": y}).to_csv(tmp_path / "d.csv", index=False)
    # drw trains without early stopping: every fit runs until the signal
    cmd = [sys.executable, "-m", "sklearn_losses.cli", "compare", str(tmp_path / "d.csv"),
           "-t", "label", "--folds", "2", "--max-epochs", "1000000", "--losses",
           "cross_entropy", "focal", "--reweight", "drw", "--jobs", "2", "--no-plot",
           "--progress", "lines", "--out", str(tmp_path / "res")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_default_signals,
                            cwd=Path(__file__).resolve().parents[2])
    sid = proc.pid
    try:
        deadline = time.monotonic() + 90
        while not _workers_busy(sid, proc.pid) and proc.poll() is None:
            assert time.monotonic() < deadline, "the worker processes did not start"
            time.sleep(0.2)
        assert proc.poll() is None, proc.communicate()
        before = set(_session_processes(sid)) - {proc.pid}
        sent = time.monotonic()
        proc.send_signal(getattr(signal, signame))  # to the command only, not its workers
        _, err = proc.communicate(timeout=30)
        exit_s = time.monotonic() - sent
        while _session_processes(sid) and time.monotonic() - sent < 15:
            time.sleep(0.1)
        left = _session_processes(sid)
        gone_s = time.monotonic() - sent
    finally:
        for pid in _session_processes(sid):
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert len(before) >= 2
    assert proc.returncode == status, err
    assert exit_s < 15, f"exited {exit_s:.1f} s after {signame}"
    assert not left, f"{len(left)} processes left {gone_s:.1f} s after {signame}"
    assert "Traceback" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("sklearn-losses compare: interrupted by " + signame), err
    assert not (tmp_path / "res" / "leaderboard.csv").exists()


# ------------------------------------------- item 23: --save-best and headerless files
def _headerless_csv(path, target_first, n=60, seed=0):
    """No header row: two numbers, a text column and ``yes``/``no`` labels (first or last)."""
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 4 == 0, "yes", "no")
    df = pd.DataFrame({"a": rng.normal(size=n) + 2 * (y == "yes"), "b": rng.normal(size=n),
                       "c": np.where(rng.random(n) < 0.5, "u", "v"), "label": y})
    if target_first:
        df = df[["label", "a", "b", "c"]]
    df.to_csv(path, header=False, index=False)
    return path


@pytest.mark.parametrize("target", ["0", "-1"])
def test_save_best_on_a_headerless_file_predicts_on_read_csv_header_none(target, tmp_path,
                                                                         capsys):
    import warnings

    import joblib

    data = _headerless_csv(tmp_path / "d.csv", target_first=target == "0")
    model_path = tmp_path / "best.joblib"
    rc, _, err = _run(capsys, "compare", str(data), "--no-header", "-t", target, *TINY,
                      "--losses", "cross_entropy", "--reweight", "none", "--no-plot",
                      "--out", str(tmp_path / "res"), "--save-best", str(model_path))
    assert rc == 0, err
    # the saved message says how to read the file: as compare read it
    assert "read_table('new_rows.csv', header=False)" in err
    model = joblib.load(model_path)
    table = pd.read_csv(data, header=None)
    position = 0 if target == "0" else 3
    X = table.drop(columns=position)  # integer column names, as pandas reads them
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        pred = model.predict(X)
        proba = model.predict_proba(X)
    assert set(pred) <= {"yes", "no"} and len(pred) == 60 and proba.shape == (60, 2)
    # the CLI's own column names give the same predictions
    named = X.set_axis([str(c) for c in X.columns], axis=1)
    np.testing.assert_allclose(model.predict_proba(named), proba)
    # columns are matched by name, not by position: reordering them changes nothing
    np.testing.assert_allclose(model.predict_proba(X[X.columns[::-1]]), proba)
    # the whole file, target column included: the target is left out
    np.testing.assert_allclose(model.predict_proba(table), proba)
    # the feature columns alone, numbered 0, 1, 2 (a file of new rows without the target)
    np.testing.assert_allclose(model.predict_proba(X.set_axis(range(3), axis=1)), proba)
    # a mismatch is a clear error naming the expected columns
    with pytest.raises(ValueError, match=r"expects the feature columns .*missing"):
        model.predict(X.iloc[:, :2])
    assert list(model.feature_names_in_) == [str(c) for c in X.columns]


def test_save_best_on_a_file_with_a_header_matches_columns_by_name(tmp_path, capsys):
    import joblib

    data = tmp_path / "d.csv"
    rng = np.random.default_rng(1)
    y = np.where(np.arange(60) % 4 == 0, "yes", "no")
    pd.DataFrame({"id": np.arange(60), "x1": rng.normal(size=60) + (y == "yes"),
                  "x2": rng.normal(size=60), "label": y}).to_csv(data, index=False)
    model_path = tmp_path / "best.joblib"
    rc, _, err = _run(capsys, "compare", str(data), "-t", "label", "--drop", "id", *TINY,
                      "--losses", "cross_entropy", "--reweight", "none", "--no-plot",
                      "--out", str(tmp_path / "res"), "--save-best", str(model_path))
    assert rc == 0, err
    model = joblib.load(model_path)
    table = pd.read_csv(data)
    proba = model.predict_proba(table[["x1", "x2"]])
    np.testing.assert_allclose(model.predict_proba(table), proba)  # id, label ignored
    np.testing.assert_allclose(model.predict_proba(table[["x2", "x1"]]), proba)
    with pytest.raises(ValueError, match=r"'x1', 'x2'.*missing: 'x2'"):
        model.predict(table[["x1", "id"]])


# ------------------------------------ item 28: repeated warnings, prior corrected twice
def test_no_warning_is_repeated_per_fold_or_per_configuration(tmp_path, capsys, monkeypatch):
    from tests.cli.helpers import WarnsTwice

    def make_classifier(loss, reweight, **params):
        return WarnsTwice(loss=loss, reweight=reweight, **params)

    monkeypatch.setattr("sklearn_losses.cli.model.make_classifier", make_classifier)
    rng = np.random.default_rng(0)
    n = 60
    y = np.where(np.arange(n) % 4 == 0, "yes", "no")
    num = rng.normal(size=n) + (y == "yes")
    num[::3] = np.nan  # missing values in every fold: imputed by the model's encoder
    pd.DataFrame({"num": num, "empty": np.full(n, np.nan), "label": y}).to_csv(
        tmp_path / "d.csv", index=False)
    rc, _, err = _run(capsys, "compare", str(tmp_path / "d.csv"), "-t", "label", "--folds",
                      "3", "--max-epochs", "2", "--losses", "cross_entropy", "focal",
                      "--reweight", "none", "--baseline", "none", "--progress", "lines",
                      "--no-plot",
                      "--out", str(tmp_path / "res"))
    assert rc == 0, err
    # each warning in full once: not per fold (3 folds), not per configuration (2)
    assert err.count("the same tidy warning") == 1, err
    repeats = [line for line in err.splitlines() if line.startswith("    (warning")]
    assert len(repeats) == 1 and "as above: " in repeats[0], err  # for [2/2]
    assert "UserWarning [1/2]" in repeats[0]
    assert "imput" not in err.lower()  # no imputer warning, per fold or otherwise
    full = [line for line in err.splitlines() if line.startswith("    warning: ")]
    assert len(full) == len(set(full))


def test_losses_all_leaves_out_configurations_that_correct_the_prior_twice(capsys, grid):
    rc, _, err = _run(capsys, "compare", *TINY, "--losses", "all", "--reweight", "none",
                      "balanced", "drw", "--no-plot", "--out", "/tmp/sklearn-losses-test-prior")
    assert rc == 130
    run = set(grid) - {"X"}
    for config in ("logit_adjusted + balanced", "balanced_softmax + balanced",
                   "logit_adjusted + drw", "anyloss_f1 + balanced", "auc_pairwise + drw"):
        assert config not in run, config
    for config in ("logit_adjusted + none", "focal + balanced", "anyloss_f1 + none",
                   "ldam + drw"):
        assert config in run, config
    notes = [line for line in err.splitlines() if "twice" in line]
    assert len(notes) == 1, err
    assert ("balanced_softmax, logit_adjusted + balanced or drw (the loss already corrects"
            in notes[0])
    assert "anyloss_f1, anyloss_fbeta" in notes[0] and "+ balanced or drw (batch-level" in notes[0]
    # named explicitly, both in --losses and in --reweight, they run
    grid.clear()
    rc, _, err = _run(capsys, "compare", *TINY, "--losses", "logit_adjusted",
                      "balanced_softmax", "--reweight", "balanced", "--no-plot",
                      "--out", "/tmp/sklearn-losses-test-prior")
    assert set(grid) - {"X"} == {"logit_adjusted + balanced", "balanced_softmax + balanced"}
    assert "twice" not in err


@pytest.mark.parametrize("loss, reweight", [
    ("logit_adjusted", "class_balanced"), ("balanced_softmax", "balanced"),
    ("anyloss_f1", "drw"), ("logit_adjusted", "drw"), ("focal", "balanced"),
    ("logit_clip", "inverse_sqrt")])
def test_double_correction_agrees_with_the_estimators_warning(loss, reweight):
    import warnings

    from sklearn_losses import WeightedLossClassifier
    from sklearn_losses.cli.model import double_correction

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(80, 2)), (np.arange(80) % 4 == 0).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        WeightedLossClassifier(loss=loss, reweight=reweight, max_epochs=1, early_stopping=False,
                               random_state=0).fit(X, y)
    warned = any("corrects twice" in str(w.message) for w in caught)
    assert (double_correction(loss, reweight, [60, 20]) is not None) == warned


def test_interruptible_takes_the_signals_and_leaves_an_ignored_one_ignored():
    import signal

    from sklearn_losses.cli import signals

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # as for a background job of a shell
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with signals.interruptible():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is signals._handler
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        signal.signal(signal.SIGINT, signal.default_int_handler)
        with signals.interruptible():
            assert signal.getsignal(signal.SIGINT) is signals._handler
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def test_save_best_headerless_with_a_dropped_column_reads_new_rows_by_position(tmp_path,
                                                                               capsys):
    # the label first and column 3 dropped: a file of new rows without the label is numbered
    # 0..3, and its columns after the label sit one place left (they were matched by name,
    # silently taking the wrong columns)
    import joblib

    data = _headerless_csv(tmp_path / "d.csv", target_first=True)
    model_path = tmp_path / "best.joblib"
    rc, _, err = _run(capsys, "compare", str(data), "--no-header", "-t", "0", "--drop", "3",
                      *TINY, "--losses", "cross_entropy", "--reweight", "none", "--no-plot",
                      "--out", str(tmp_path / "res"), "--save-best", str(model_path))
    assert rc == 0, err
    model = joblib.load(model_path)
    table = pd.read_csv(data, header=None)
    new_rows = table.drop(columns=0).set_axis(range(3), axis=1)  # as read from such a file
    np.testing.assert_allclose(model.predict_proba(new_rows), model.predict_proba(table))
    assert list(model.feature_names_in_) == ["1", "2"]
    # and read as compare advises, read_table(header=False): columns named "0", "1", ...
    # (they were matched by name, one place off: P(yes) off by up to 0.38)
    new_file = tmp_path / "new.csv"
    new_rows.to_csv(new_file, header=False, index=False)
    whole = read_table(data, header=False)
    np.testing.assert_allclose(model.predict_proba(read_table(new_file, header=False)),
                               model.predict_proba(whole), atol=1e-6)
    np.testing.assert_allclose(model.predict_proba(whole), model.predict_proba(table), atol=1e-6)


def test_text_labels_lose_their_spaces_also_as_pandas_str_dtype(tmp_path, capsys, grid):
    rng = np.random.default_rng(0)
    labels = np.array(["no"] * 30 + ["yes"] * 5 + ["yes "] * 5, dtype=object)
    df = pd.DataFrame({"a": rng.normal(size=40), "label": labels})
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    rc, _, err = _run(capsys, "compare", str(path), "-t", "label", *TINY, "--no-plot",
                      "--out", str(tmp_path / "res"))
    assert "'yes' 10" in err and "'yes '" not in err


def test_bad_seed_single_row_class_and_missing_target_rows_are_named(tmp_path, capsys):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=20), "label": ["no"] * 19 + ["yes"]})
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    rc, _, err = _run(capsys, "compare", str(path), "-t", "label", "--random-state", "-1")
    assert rc == 2 and "[0, 2**32 - 1]" in err  # argparse's usage error
    rc, _, err = _run(capsys, "compare", str(path), "-t", "label", *TINY)
    assert rc == 2 and "'yes' has a single row" in err and "Use --folds" not in err
    df["label"] = ["no", None] * 10
    df.loc[0, "label"] = "yes"
    df.to_csv(path, index=False)
    rc, _, err = _run(capsys, "compare", str(path), "-t", "label", *TINY)
    assert rc == 2 and "data rows 2, 4, 6, 8, 10, ..." in err


def test_save_best_message_reads_the_file_with_the_options_compare_used(tmp_path, capsys):
    # ';' and decimal commas with '-' as missing, spaces after separators in a text column:
    # pd.read_csv reproduces neither; the printed read_table call reads it as compare did
    import joblib

    from sklearn_losses.cli.io import read_table

    data = _decimal_comma_csv(tmp_path / "eu.csv")
    text = data.read_text().replace(";Oslo;", "; Oslo;").replace("12;", "-;", 1)
    data.write_text(text)
    model_path = tmp_path / "best.joblib"
    rc, _, err = _run(capsys, "compare", str(data), "-t", "label", "--sep", ";", "--decimal",
                      ",", *TINY, "--losses", "cross_entropy", "--reweight", "none",
                      "--no-plot", "--out", str(tmp_path / "res"), "--save-best",
                      str(model_path))
    assert rc == 0, err
    call = "read_table('new_rows.csv', sep=';', decimal=',')"
    assert call in err
    model = joblib.load(model_path)
    X = read_table(data, sep=";", decimal=",")
    assert set(model.predict(X)) <= {"yes", "no"}
    assert not (X["city"].str.startswith(" ")).any()


def test_the_summary_counts_date_columns_as_dates(tmp_path, capsys, grid):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=40), "label": ["no"] * 30 + ["yes"] * 10,
                       "day": pd.date_range("2024-01-01", periods=40).strftime("%Y-%m-%d")})
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    rc, _, err = _run(capsys, "compare", str(path), "-t", "label", *TINY, "--no-plot",
                      "--out", str(tmp_path / "res"))
    assert "(1 numeric, 0 categorical or text, 1 date, encoded by the model)" in err
    assert "identifier" not in err  # 40 distinct dates are not a categorical id column


def test_a_number_column_with_a_stray_text_cell_gets_a_note(tmp_path, capsys, grid):
    rng = np.random.default_rng(0)
    income = [str(round(v)) for v in rng.normal(50000, 9000, size=40)]
    income[5] = "50 000"
    df = pd.DataFrame({"a": rng.normal(size=40), "income": income,
                       "label": ["no"] * 30 + ["yes"] * 10})
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    _, _, err = _run(capsys, "compare", str(path), "-t", "label", *TINY, "--no-plot",
                     "--out", str(tmp_path / "res"))
    assert "column 'income' holds numbers but for '50 000'" in err
    assert "--drop income" in err and "identifier" not in err
    # a word (no digit) is a missing value of the numeric column (the column rule; the
    # estimator's test_columns fits every fold of such a column): a note
    income[5] = "unknown"
    df["income"] = income
    df.to_csv(path, index=False)
    _, _, err = _run(capsys, "compare", str(path), "-t", "label", *TINY, "--no-plot",
                     "--out", str(tmp_path / "res"))
    assert "(2 numeric, 0 categorical or text" in err
    assert "numeric column 'income' holds words ('unknown' (1 cell)), read as missing" in err
    assert "holds numbers but for" not in err
    assert column_kinds(grid["X"]) == ["numeric", "numeric"]
    df["income"] = [f"level{i % 3}" for i in range(40)]  # real text: no note
    df.to_csv(path, index=False)
    _, _, err = _run(capsys, "compare", str(path), "-t", "label", *TINY, "--no-plot",
                     "--out", str(tmp_path / "res"))
    assert "holds numbers but for" not in err


def test_the_file_is_read_by_the_column_rule_not_by_pandas_inference(tmp_path):
    # read_csv's own inference turned the code "07000" into the number 7000 (a numeric
    # column), and the levels "NA" and "None" of a text column into one missing value
    from sklearn_losses.cli import CLIError
    from sklearn_losses.cli.io import prepare_data
    from sklearn_losses.columns import category_strings

    rows = ["zip,region,size,label"] + [
        f"0{7000 + i},{['NA', 'EU', 'None'][i % 3]},{'' if i == 4 else i * 1.5},{i % 2}"
        for i in range(12)]
    path = tmp_path / "codes.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    X, y, info = prepare_data(read_table(path), "label")
    assert info["numeric"] == ["size"] and info["categorical"] == ["zip", "region"]
    assert X["zip"].tolist()[:2] == ["07000", "07001"]
    assert sorted(set(category_strings(X["region"]))) == ["EU", "NA", "None"]
    # the target's numbers are numbers, as before; pandas' missing strings are missing there
    assert y.dtype.kind == "i" and sorted(set(y)) == [0, 1]
    path.write_text("\n".join(rows[:5] + ["07100,EU,3.0,NA"]) + "\n", encoding="utf-8")
    with pytest.raises(CLIError, match="1 missing value"):
        prepare_data(read_table(path), "label")


def test_decimal_commas_with_a_word_among_them_are_numbers(tmp_path):
    # with --decimal "," one "unknown" among 40 numbers kept the column text (36 levels,
    # target encoded), while the same column with "." decimals was numeric
    from sklearn_losses.cli.io import prepare_data

    rng = np.random.default_rng(0)
    comma = [f"{v:.2f}".replace(".", ",") for v in rng.normal(size=40)]
    comma[7], comma[9] = "unknown", "?"
    path = tmp_path / "d.csv"
    path.write_text("price;label\n" + "\n".join(f"{c};{i % 2}" for i, c in enumerate(comma))
                    + "\n", encoding="utf-8")
    X, _, info = prepare_data(read_table(path, sep=";", decimal=","), "label", sep=";")
    assert info["numeric"] == ["price"] and info["numeric_words"] == {"price": {"unknown": 1}}
    # the file's kinds are fixed for the folds: numbers, the word and the marker missing
    assert X["price"].dtype == np.float64 and X["price"][0] == float(comma[0].replace(",", "."))
    assert np.isnan(X["price"][7]) and np.isnan(X["price"][9])


def test_new_rows_with_a_word_read_as_the_training_file_was(tmp_path):
    # a prediction file of a few rows, one of them a word: the word was more than 5% of its
    # cells, so read_table left the decimal-comma column text and the saved model refused it
    rng = np.random.default_rng(0)
    train = [f"{v:.2f}".replace(".", ",") for v in rng.normal(size=40)]
    path = tmp_path / "train.csv"
    path.write_text("a;label\n" + "\n".join(f"{c};{i % 2}" for i, c in enumerate(train)) + "\n",
                    encoding="utf-8")
    new = tmp_path / "new.csv"
    new.write_text("a\n1,5\n2,5\nunknown\n", encoding="utf-8")
    X = read_table(new, sep=";", decimal=",")
    assert X["a"].tolist() == [1.5, 2.5, "unknown"]
    from sklearn_losses import WeightedLossClassifier
    from sklearn_losses.cli.io import prepare_data

    X_train, y, _ = prepare_data(read_table(path, sep=";", decimal=","), "label", sep=";")
    model = WeightedLossClassifier(max_epochs=2, hidden_layer_sizes=(4,)).fit(X_train, y)
    with pytest.warns(UserWarning, match="'a' was a column of numbers in fit"):
        assert model.predict(X).shape == (3,)


def test_the_file_kinds_are_fixed_for_every_fold(tmp_path):
    # each fold's encoder decided the kinds again on its rows: a column of 5% words was text
    # in one fold and numeric in another, a text column whose odd cell ("12 kg") a fold
    # lacked failed on it, and every fit parsed the text again
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    from sklearn_losses import WeightedLossClassifier
    from sklearn_losses.cli.io import prepare_data

    rng = np.random.default_rng(0)
    n = 60
    calls = [str(v) for v in rng.integers(50, 150, size=n)]
    calls[3] = "12 kg"
    rows = ["calls,income,when,city,label"] + [
        f"{calls[i]},{'unknown' if i == 5 else round(rng.normal(5e4, 9e3))},"
        f"2024-01-{1 + i % 28:02d},{['Oslo', 'Rome'][i % 2]},{'yes' if i % 4 == 0 else 'no'}"
        for i in range(n)]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    X, y, info = prepare_data(read_table(path), "label")
    assert info["numeric"] == ["income"] and info["datetime"] == ["when"]
    assert X["income"].dtype == np.float64 and np.isnan(X["income"][5])
    assert str(X["when"].dtype).startswith("datetime64")
    assert str(X["calls"].dtype) == "category" and str(X["city"].dtype) == "category"
    clf = WeightedLossClassifier(max_epochs=2, hidden_layer_sizes=(4,), random_state=0)
    scores = cross_val_score(clf, X, y, cv=StratifiedKFold(3), error_score="raise")
    assert np.isfinite(scores).all()
    # a model fitted on the typed table predicts on the file's text as read_table gives it
    model = clf.fit(X, y)
    text = read_table(path).drop(columns="label")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the word read as missing
        np.testing.assert_allclose(model.predict_proba(text), model.predict_proba(X), atol=1e-6)


def test_thousands_separators_are_not_advised_as_decimal_commas():
    # "41,895" among "740": --decimal , would have read 41.895
    df = pd.DataFrame({"amount": ["41,895", "740", "1,234,567", "12"],
                       "price": ["3,14", "2,5", "7", "1,0"]})
    assert decimal_mark_columns(df) == {"price": "3,14"}


def test_summary_says_auto_device_is_decided_per_fit(monkeypatch):
    # with a GPU, "--device auto" is not "cuda": each fit takes the GPU only for enough work
    import torch

    from sklearn_losses.cli.commands import _device_note

    assert _device_note("auto", torch.device("cpu")) == "cpu"
    assert _device_note("cuda", torch.device("cuda")) == "cuda"
    note = _device_note("auto", torch.device("cuda"))
    assert note.startswith("auto (each fit on CUDA from 1.7e+07 multiply-adds per batch")


def test_warm_up_warms_cuda_for_auto_estimators_when_there_is_a_gpu(monkeypatch):
    # the tiny warm-up fit of a device="auto" estimator trains on the CPU; a fit large enough
    # for the GPU would pay CUDA's start-up in its first fold: warm a CUDA clone too
    import torch

    from sklearn_losses import WeightedLossClassifier

    monkeypatch.setattr(compare, "_WARMED", set())
    fitted = []
    monkeypatch.setattr(WeightedLossClassifier, "fit",
                        lambda self, X, y: fitted.append(self.device) or self)
    tiny = WeightedLossClassifier(hidden_layer_sizes=(4,), max_epochs=1)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    compare.warm_up([tiny])
    assert fitted == ["auto"]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    compare.warm_up([tiny, WeightedLossClassifier(device="cpu")])
    assert fitted == ["auto", "cpu", "cuda"]  # "auto" was warmed already


@pytest.mark.parametrize("positive", [None, "0"])
def test_saved_model_classes_are_sorted_so_sklearn_scores_it_right(positive, tmp_path, capsys):
    # the codes put the positive class second: with a positive label that sorts first
    # ("0", or the minority 'False' of 'True'/'False') classes_ was [positive, negative], and
    # scikit-learn's scorers, which take predict_proba's columns in sorted label order,
    # scored the model inverted (ROC AUC 1 - the truth)
    import joblib
    from sklearn.metrics import get_scorer as sklearn_scorer
    from sklearn.metrics import roc_auc_score

    from sklearn_losses.cli.io import CLIError

    data = tmp_path / "d.csv"
    rng = np.random.default_rng(0)
    y = (np.arange(80) % 4 != 0).astype(int)  # 0 is the minority: the positive by default
    pd.DataFrame({"x1": rng.normal(size=80) + 2 * y, "x2": rng.normal(size=80),
                  "label": y}).to_csv(data, index=False)
    model_path = tmp_path / "best.joblib"
    extra = [] if positive is None else ["--positive-label", positive]
    rc, _, err = _run(capsys, "compare", str(data), "-t", "label", *TINY, *extra,
                      "--losses", "cross_entropy", "--reweight", "none", "--no-plot",
                      "--out", str(tmp_path / "res"), "--save-best", str(model_path))
    assert rc == 0, err
    model = joblib.load(model_path)
    assert list(model.classes_) == [0, 1]
    X = read_table(data, target="label")
    assert X["label"].dtype == np.int64  # as compare read the target, not text
    proba = model.predict_proba(X)
    assert roc_auc_score(X["label"], proba[:, 1]) > 0.9  # column 1 is P(label == 1)
    assert sklearn_scorer("roc_auc")(model, X, X["label"]) > 0.9
    assert model.score(X, X["label"]) > 0.8
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    with pytest.raises(CLIError, match="target column 'nope' not found in .*Available columns: x1, x2, label"):
        read_table(data, target="nope")


def test_a_column_of_day_first_dates_gets_one_note_not_an_identifier_note(tmp_path, capsys):
    data = tmp_path / "d.csv"
    rng = np.random.default_rng(0)
    y = (np.arange(60) % 4 == 0).astype(int)
    pd.DataFrame({"x": rng.normal(size=60) + y,
                  "when": [f"{d % 28 + 1:02d}-{d % 12 + 1:02d}-{1950 + d}" for d in range(60)],
                  "label": y}).to_csv(data, index=False)
    rc, out, err = _run(capsys, "compare", str(data), "-t", "label", *TINY,
                        "--losses", "cross_entropy", "--reweight", "none", "--no-plot",
                        "--out", str(tmp_path / "res"), "--save-best",
                        str(tmp_path / "best.joblib"))
    assert rc == 0, err
    text = out + err
    assert text.count("Note: column 'when' holds dates written as '01-01-1950'") == 1
    # neither the folds' models nor the refit of --save-best say it again
    assert "an identifier?" not in text and "Column 'when' holds" not in text
    # durations (call lengths): a note of their own, asking for numbers, not ISO dates
    frame = pd.read_csv(data).assign(when=[f"0{d % 9}:{d % 60:02d}:00" for d in range(60)])
    frame.to_csv(data, index=False)
    rc, out, err = _run(capsys, "compare", str(data), "-t", "label", *TINY,
                        "--losses", "cross_entropy", "--reweight", "none", "--no-plot",
                        "--out", str(tmp_path / "res2"))
    assert rc == 0, err
    text = out + err
    assert text.count("Note: column 'when' holds times or durations written as '00:00:00', "
                      "so it is read as categories, each value a level of its own. Rewrite "
                      "it as numbers (e.g. seconds)") == 1
    assert "Column 'when' holds" not in text


@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2", ".xz", ".zip"])
def test_a_compressed_file_in_another_encoding_is_diagnosed_inside_the_archive(suffix,
                                                                               tmp_path):
    import bz2
    import gzip
    import lzma
    import zipfile

    from sklearn_losses.cli.io import CLIError

    raw = "x,café,label\n1,2,yes\n3,4,no\n".encode("latin-1")
    path = tmp_path / f"t.csv{suffix}"
    if suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("t.csv", raw)
    else:
        opener = {"": open, ".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[suffix]
        with opener(path, "wb") as fh:
            fh.write(raw)
    # it used to read the compressed bytes: "not a text CSV file (... NUL bytes)"
    with pytest.raises(CLIError, match=r"could not be decoded as utf-8 \(byte 0xe9 on line 1, "
                                       r"offset 5\).*--encoding latin-1"):
        read_table(path)
    assert list(read_table(path, encoding="latin-1").columns) == ["x", "café", "label"]


def test_drop_hints_are_shell_quoted(tmp_path, capsys):
    data = tmp_path / "d.csv"
    rng = np.random.default_rng(0)
    y = (np.arange(60) % 4 == 0).astype(int)
    pd.DataFrame({"x": rng.normal(size=60) + y, "Term (id)": [f"t{i}" for i in range(60)],
                  "label": y}).to_csv(data, index=False)
    rc, out, err = _run(capsys, "compare", str(data), "-t", "label", *TINY,
                        "--losses", "cross_entropy", "--reweight", "none", "--no-plot",
                        "--out", str(tmp_path / "res"))
    assert rc == 0, err
    assert "leave it out with --drop 'Term (id)'." in out + err  # pastes into a shell


def test_a_saved_index_column_is_pointed_out_and_not_noted_once_dropped(tmp_path, capsys):
    rng = np.random.default_rng(0)
    y = (np.arange(60) % 4 == 0).astype(int)
    data = tmp_path / "indexed.csv"
    pd.DataFrame({"x": rng.normal(size=60) + y, "label": y}).to_csv(data)  # index written
    common = ["-t", "label", *TINY, "--losses", "cross_entropy", "--reweight", "none",
              "--no-plot", "--out", str(tmp_path / "res")]
    rc, out, err = _run(capsys, "compare", str(data), *common)
    assert rc == 0, err
    text = out + err
    assert ("'Unnamed: 0' holds the row numbers 0 to 59 in order (a saved DataFrame index?)"
            in text and "--drop 'Unnamed: 0'" in text)
    # one configuration: no "vs best" legend (nothing to tell apart, "0 of 0")
    assert "vs best: ≈" not in text
    rc, out, err = _run(capsys, "compare", str(data), *common, "--drop", "Unnamed: 0")
    assert rc == 0, err
    assert "Unnamed" not in out + err  # dropped: not a feature, no note
    # a column with no name that is not the row numbers: noted as a feature, no hint
    frame = pd.read_csv(data)
    frame["Unnamed: 0"] = rng.permutation(60)
    frame.to_csv(data, index=False, header=["", "x", "label"])
    rc, out, err = _run(capsys, "compare", str(data), *common)
    assert rc == 0, err
    assert "column(s) 'Unnamed: 0' have no name in the header row" in out + err
    assert "row numbers" not in out + err
    # a table read and saved again: its old index is a column named 'Unnamed: 0' in the
    # header, and the new one a blank name ('Unnamed: 0.1'); both hold the row numbers
    pd.DataFrame({"x": rng.normal(size=60), "label": y}).to_csv(data)
    pd.read_csv(data).to_csv(data)
    rc, out, err = _run(capsys, "compare", str(data), *common, "--drop", "Unnamed: 0.1")
    assert rc == 0, err
    assert "Note: 'Unnamed: 0' holds the row numbers 0 to 59 in order" in out + err
    assert "have no name" not in out + err  # the blank one was dropped


def test_a_closed_output_pipe_ends_the_command_quietly(monkeypatch, capsys):
    import sklearn_losses.cli.commands as commands

    def closed(args):
        raise BrokenPipeError(32, "Broken pipe")  # `sklearn-losses list-losses | head`

    monkeypatch.setitem(commands.COMMANDS, "list-losses", closed)
    assert main(["list-losses"]) == 141
    assert "Traceback" not in capsys.readouterr().err


def test_rows_ending_with_a_separator_the_header_lacks_keep_their_columns(tmp_path, capsys,
                                                                          grid):
    # pandas made the first field the index: 'label' read the 'flag' column, silently
    rows = [f"{'pos' if i % 3 == 0 else 'neg'},{i % 2},{i / 7:.3f}," for i in range(30)]
    data = tmp_path / "trailing.csv"
    data.write_text("label,flag,x\n" + "\n".join(rows) + "\n")
    df = read_table(data)
    assert list(df.columns) == ["label", "flag", "x"] and df["label"].iloc[0] == "pos"
    assert df["x"].iloc[1] == "0.143"
    assert df.attrs["read_notes"] == ["Note: the data rows end with a separator that the header "
                                      "row lacks; their empty last field is left out."]
    rc, _, err = _run(capsys, "compare", str(data), "-t", "label", *TINY, "--losses", "focal",
                      "--reweight", "none", "--no-plot", "--out", str(tmp_path / "res"))
    assert rc == 130 and "their empty last field is left out" in err
    assert "target 'label': 'neg' 20 (66.7%), 'pos' 10 (33.3%)" in err
    assert list(grid["X"].columns) == ["flag", "x"]


def test_rows_with_a_value_beyond_the_header_are_an_error(tmp_path):
    from sklearn_losses.cli import CLIError

    data = tmp_path / "extra.csv"
    data.write_text("label,flag,x\npos,0,1.5,\nneg,1,2.5,7\npos,1,3.5,\n")
    with pytest.raises(CLIError, match=r"the data rows have 4 fields but the header row names "
                                       r"3 columns \(the first row with a value in the last "
                                       r"field is data row 2, and the first fields are not row "
                                       r"names"):
        read_table(data)


def test_row_names_a_multi_character_separator_and_headerless_trailing_fields(tmp_path):
    # R's write.table: row names with no header field; pandas reads them as the index
    r = tmp_path / "r.csv"
    r.write_text('"a","b","label"\n"1",1.5,2,"x"\n"2",3.5,4,"y"\n"3",5.5,6,"x"\n')
    df = read_table(r)
    assert df.to_dict("list") == {"a": ["1.5", "3.5", "5.5"], "b": ["2", "4", "6"],
                                  "label": ["x", "y", "x"]}
    assert "read as row names (as R's write.table writes them)" in df.attrs["read_notes"][0]
    # a separator of two characters (pandas' python engine) ending each line
    m = tmp_path / "m.csv"
    m.write_text("id::b::label\n0::2::x::\n1::4::y::\n2::6::x::\n")
    assert read_table(m, sep="::").to_dict("list") == {
        "id": ["0", "1", "2"], "b": ["2", "4", "6"], "label": ["x", "y", "x"]}
    # no header: the empty last field is no column (-t -1 found an empty target)
    h = tmp_path / "h.csv"
    h.write_text("1,2,x,\n3,4,y,\n5,6,x,\n")
    df = read_table(h, header=False)
    assert list(df.columns) == ["0", "1", "2"] and df["2"].tolist() == ["x", "y", "x"]
    assert df.attrs["read_notes"] == ["Note: every line ends with a separator; the empty last "
                                      "field is left out."]


def test_save_best_warns_when_the_saved_model_never_predicts_the_positive_class(tmp_path,
                                                                               capsys):
    # ranked by AP, an unweighted model that never says "yes" at 0.5 was saved silently
    rng = np.random.default_rng(0)
    n = 200
    y = np.where(np.arange(n) % 20 == 0, "yes", "no")
    data = tmp_path / "rare.csv"
    pd.DataFrame({"x": rng.normal(size=n) + 0.3 * (y == "yes"), "z": rng.normal(size=n),
                  "label": y}).to_csv(data, index=False)
    trained = ["--quick", "--max-epochs", "100", "--folds", "2"]
    rc, out, err = _run(capsys, "compare", str(data), "-t", "label", *trained, "--losses",
                        "cross_entropy", "--reweight", "none", "--no-plot", "--out",
                        str(tmp_path / "res"), "--save-best", str(tmp_path / "best.joblib"))
    assert rc == 0, err
    import joblib

    assert not (joblib.load(tmp_path / "best.joblib").predict(
        pd.read_csv(data)) == "yes").any()
    (line,) = [line for line in err.splitlines() if line.startswith("Warning: the saved")]
    assert line.startswith("Warning: the saved configuration (cross_entropy + none) ")
    assert "its decision at 0.5 never says 'yes'. Rank by a decision metric" in line
    # a model that does predict positives gets no such line
    rc, out, err = _run(capsys, "compare", str(data), "-t", "label", *trained, "--losses",
                        "cross_entropy", "--reweight", "balanced", "--no-plot", "--out",
                        str(tmp_path / "res2"), "--save-best", str(tmp_path / "b2.joblib"))
    assert rc == 0 and "Warning: the saved" not in err


def test_a_number_beyond_float64_is_a_one_line_data_error(tmp_path, capsys):
    # "1e400" in a numeric column ended the command with a traceback and exit status 1
    # ("every configuration failed"); "inf" in the same cell got the one-line error
    rows = ["a,b,label"] + [f"{i},{i % 7}.5,{'yes' if i % 4 == 0 else 'no'}"
                            for i in range(1, 41)]
    rows[4] = "1e400," + rows[4].split(",", 1)[1]
    path = tmp_path / "overflow.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    rc, _, err = _run(capsys, "compare", str(path), "-t", "label", *TINY, "--no-plot",
                      "--out", str(tmp_path / "res"))
    assert rc == 2
    assert "Traceback" not in err and "'a'" in err and "float64 range" in err
    assert "'1e400'" in err and "overflow.csv" in err


def test_a_headerless_file_whose_first_row_repeats_a_value_gets_the_no_header_hint(tmp_path):
    # the first row of a headerless numeric file (wdbc, mammographic) read as a header
    # repeated names ('5.0' twice): the error said "Rename the repeats"
    from sklearn_losses.cli import CLIError

    path = tmp_path / "noheader.csv"
    path.write_text("5.0,67.0,3.0,5.0,3.0,positive\n4.0,43.0,1.0,1.0,3.0,negative\n"
                    "5.0,58.0,4.0,5.0,3.0,positive\n", encoding="utf-8")
    with pytest.raises(CLIError, match="looks like data.*pass --no-header"):
        read_table(path)
    path.write_text("a,b,a,label\n1,2,3,x\n", encoding="utf-8")  # a real header: rename
    with pytest.raises(CLIError, match="Rename the repeats"):
        read_table(path)
