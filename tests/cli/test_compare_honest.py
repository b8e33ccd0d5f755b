"""``sklearn-losses compare``: headerless files, the ranking, the figure, --save-best,
``--losses all``, drw, warnings with --jobs, and the faults of issue #12 (items 11-13).

Runs are tiny (60 rows, 2 folds, 2-3 epochs) so that the file stays fast on 2 CPU cores.
"""

import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

import sklearn_losses.cli.commands as commands
import sklearn_losses.compare as compare
from sklearn_losses.cli import main
from sklearn_losses.cli.report import leaderboard_figure
from tests.cli.helpers import InterruptedOnFocal, WarnsTwice

TINY = ["--quick", "--max-epochs", "2", "--folds", "2", "--baseline", "none"]


def _keel_like(path, n=60, seed=0, label_space=" "):
    """A headerless KEEL-style table: numbers, a string column, `` positive`` labels last."""
    rng = np.random.default_rng(seed)
    pos = np.arange(n) % 5 == 0
    rows = [f"{a:.3f}, {b:.3f}, {'A' if p else 'B'},{label_space}"
            f"{'positive' if p else 'negative'}"
            for a, b, p in zip(rng.normal(size=n) + 2 * pos, rng.normal(size=n), pos)]
    path.write_text("\n".join(rows) + "\n")
    return path


def _small_csv(path, n=60, **changes):
    rng = np.random.default_rng(0)
    y = np.where(np.arange(n) % 5 == 0, "yes", "no")
    df = pd.DataFrame({"num": rng.normal(size=n) + 2.0 * (y == "yes"),
                       "num2": rng.normal(size=n),
                       "color": np.where(y == "yes", "red", "blue"), "label": y})
    for col, values in changes.items():
        df[col] = values
    df.to_csv(path, index=False)
    return path


def _run(capsys, *argv):
    rc = main(list(argv))
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


# ------------------------------------------------------------- --no-header
def test_no_header_with_target_position_and_stripped_labels(tmp_path, capsys):
    data = _keel_like(tmp_path / "keel.csv")
    out = tmp_path / "res"
    rc, stdout, err = _run(capsys, "compare", str(data), "--no-header", "--target", "-1",
                           *TINY, "--losses", "cross_entropy", "--reweight", "none",
                           "--out", str(out), "--no-plot")
    assert rc == 0, err
    assert "target '3': 'negative' 48 (80.0%), 'positive' 12 (20.0%)" in err
    assert "Positive class: 'positive'" in err
    assert "2 numeric, 1 categorical" in err
    board = pd.read_csv(out / "leaderboard.csv")
    assert board.loc[0, "rank"] == 1
    # a position counted from the start names the same column
    rc, _, err = _run(capsys, "compare", str(data), "--no-header", "-t", "3", "--drop", "2",
                      *TINY, "--losses", "cross_entropy", "--reweight", "none",
                      "--out", str(out), "--no-plot")
    assert rc == 0 and "target '3'" in err and "2 numeric, 0 categorical" in err


def test_target_not_found_on_a_headerless_file_hints_at_no_header(tmp_path, capsys):
    data = _keel_like(tmp_path / "keel.csv")
    rc, stdout, err = _run(capsys, "compare", str(data), "--target", "class", *TINY,
                           "--out", str(tmp_path / "res"))
    assert rc == 2 and stdout == ""
    assert "target column 'class' not found" in err
    assert "the first row looks like data" in err and "--no-header" in err
    assert "--target -1" in err
    rc, _, err = _run(capsys, "compare", str(data), "--no-header", "-t", "7", *TINY,
                      "--out", str(tmp_path / "res"))
    assert rc == 2 and "--target position 7 is out of range" in err and "4 columns" in err


# -------------------------------------------------------------- item 13: inf
def test_infinite_feature_is_a_data_error_naming_the_column(tmp_path, capsys):
    num2 = np.zeros(60)
    num2[[4, 9]] = [np.inf, -np.inf]
    data = _small_csv(tmp_path / "inf.csv", num2=num2)
    rc, stdout, err = _run(capsys, "compare", str(data), "-t", "label", *TINY,
                           "--out", str(tmp_path / "res"))
    assert rc == 2, err
    assert err.startswith("sklearn-losses compare: error: ")
    assert "'num2' (2 rows)" in err and "infinite" in err and "'num'" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "res" / "leaderboard.csv").exists()


# ---------------------------------------------------- item 11: output paths
def _no_training(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("training started before the output paths were checked")

    monkeypatch.setattr(compare, "cross_validate_configs", fail)


@pytest.mark.parametrize("case", ["folder in place of leaderboard.csv", "out parent is a file",
                                  "folder in place of --save-best", "save-best folder missing",
                                  "folder in place of leaderboard.png"])
def test_unwritable_output_is_a_one_line_error_before_training(case, tmp_path, capsys,
                                                                 monkeypatch):
    _no_training(monkeypatch)
    out = tmp_path / "res"
    extra = []
    if case == "folder in place of leaderboard.csv":
        (out / "leaderboard.csv").mkdir(parents=True)
        named = str(out / "leaderboard.csv")
    elif case == "folder in place of leaderboard.png":
        (out / "leaderboard.png").mkdir(parents=True)
        named = str(out / "leaderboard.png")
    elif case == "out parent is a file":
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" / "res"
        named = str(out)
    elif case == "folder in place of --save-best":
        (tmp_path / "model.joblib").mkdir()
        extra = ["--save-best", str(tmp_path / "model.joblib")]
        named = str(tmp_path / "model.joblib")
    else:
        extra = ["--save-best", str(tmp_path / "nowhere" / "model.joblib")]
        named = str(tmp_path / "nowhere")
    rc, stdout, err = _run(capsys, "compare", *TINY, "--out", str(out), *extra)
    assert rc == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("sklearn-losses compare: error: cannot ") and named in err
    assert stdout == ""


def test_plot_skipped_cleanly_is_not_silent_without_matplotlib(tmp_path, capsys, monkeypatch):
    _no_training(monkeypatch)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    rc, _, err = _run(capsys, "compare", *TINY, "--out", str(tmp_path / "res"))
    assert rc == 2 and "needs matplotlib" in err and "--no-plot" in err


def test_matplotlib_is_a_core_dependency_of_a_version_the_plot_runs_on():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml")
                            .read_text())["project"]
    deps = [dep.split("#")[0].strip() for dep in project["dependencies"]]
    # the plot's legend (loc="outside lower center", ncols) needs matplotlib 3.7
    assert "matplotlib>=3.7" in deps


def _train_with(monkeypatch, classifier_class):
    """Make the CLI build every configuration's model as ``classifier_class``."""
    def make_classifier(loss, reweight, **params):
        return classifier_class(loss=loss, reweight=reweight, **params)

    monkeypatch.setattr("sklearn_losses.cli.model.make_classifier", make_classifier)


# ---------------------------------------------------- item 12: interruption
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_inside_a_fit_exits_130_and_writes_no_leaderboard(jobs, tmp_path, capsys,
                                                                 monkeypatch):
    _train_with(monkeypatch, InterruptedOnFocal)
    out = tmp_path / "res"
    rc, stdout, err = _run(capsys, "compare", *TINY, "--losses", "cross_entropy", "focal",
                           "poly1", "--reweight", "none", "--jobs", jobs, "--out", str(out),
                           "--progress", "lines")
    assert rc == 130, err
    assert "interrupted" in err and "Nothing was written" in err
    assert not (out / "leaderboard.csv").exists() and not (out / "leaderboard.png").exists()
    if jobs == "1":  # cross_entropy finished both folds; focal was cut short; poly1 never ran
        assert "1 of 3 configurations finished all their folds" in err
        assert "PARTIAL leaderboard" in stdout
        table = [line.split() for line in stdout.splitlines() if line.strip()[:1].isdigit()]
        assert [row[1] for row in table] == ["cross_entropy"]
    assert "focal" not in stdout.split("PARTIAL")[-1] if "PARTIAL" in stdout else True


# -------------------------------------------------------- ranking and figure
def test_tie_on_the_ranking_metric_goes_to_the_second_metric(tmp_path, capsys, monkeypatch):
    """Every configuration scores AP 1.000 here; the winner must be the best on bal. acc."""
    real = compare.fit_and_score
    bal = {"cross_entropy": 0.6, "focal": 0.9, "poly1": 0.7}

    def fit_and_score(estimator, *args, **kwargs):
        result = real(estimator, *args, **kwargs)
        loss = estimator.loss
        result["scores"] = {"average_precision": 1.0, "balanced_accuracy": bal[loss]}
        return result

    monkeypatch.setattr(compare, "fit_and_score", fit_and_score)
    out = tmp_path / "res"
    rc, stdout, err = _run(capsys, "compare", *TINY, "--losses", "cross_entropy", "poly1",
                           "focal", "--reweight", "none", "--scoring", "average_precision",
                           "balanced_accuracy", "--out", str(out))
    assert rc == 0, err
    board = pd.read_csv(out / "leaderboard.csv")
    assert board["loss"].tolist() == ["focal", "poly1", "cross_entropy"]
    assert board["tied_with_best"].all()
    assert "ties broken by balanced_accuracy" in err
    assert "best" in stdout and "≈" in stdout


def _ranked_rows(n, metrics=("ap", "bal"), failed=1):
    rows = []
    rng = np.random.default_rng(0)
    for i in range(n):
        scores = {m: list(0.9 - 0.002 * i + rng.normal(0, 0.01, 5)) for m in metrics}
        row = {"config": f"loss{i:02d} + scheme", "folds": list(range(5)), "error": None,
               "scores": scores}
        for m in metrics:
            row[f"{m}_mean"], row[f"{m}_std"] = np.mean(scores[m]), np.std(scores[m])
        rows.append(row)
    for i in range(failed):
        rows.append({"config": f"broken{i} + none", "folds": [], "error": "ValueError: boom",
                     "scores": {m: [] for m in metrics},
                     **{f"{m}_{s}": float("nan") for m in metrics for s in ("mean", "std")}})
    return compare.rank_configurations(rows, list(metrics), n_folds=5)


def test_figure_has_a_zoomed_panel_per_metric_fold_points_title_and_failures():
    rows = _ranked_rows(6)
    fig = leaderboard_figure(rows, ["ap", "bal"], 5, title="sklearn-losses compare: glass1")
    axes = fig.axes
    assert len(axes) == 2 and [ax.get_title() for ax in axes] == ["ap (ranks)", "bal"]
    lo, hi = axes[0].get_xlim()
    assert 0.8 < lo < hi < 0.95  # zoomed to the data, not 0..1
    assert "glass1" in fig._suptitle.get_text()
    points = sum(len(c.get_offsets()) for c in axes[0].collections if c.get_offsets().size)
    assert points >= 6 * 5  # every fold score drawn
    ticks = sorted((t.get_position()[1], t.get_text()) for t in axes[0].get_yticklabels())
    assert ticks[-1][1] == rows[0]["config"]  # best on top
    note = fig.legends[0].get_title().get_text()  # under the panels, above the legend
    assert "broken0 + none" in note and "boom" in note


def test_figure_stays_readable_with_80_configurations(tmp_path):
    small = leaderboard_figure(_ranked_rows(5, failed=0), ["ap", "bal"], 5)
    big = leaderboard_figure(_ranked_rows(80, failed=0), ["ap", "bal"], 5)
    assert big.get_figheight() > 2.5 * small.get_figheight()
    size = big.axes[0].get_yticklabels()[0].get_fontsize()
    assert 4 <= size < small.axes[0].get_yticklabels()[0].get_fontsize()
    big.savefig(tmp_path / "big.png", dpi=120)
    assert (tmp_path / "big.png").stat().st_size > 10_000


# ------------------------------------------------------------- --save-best
def test_save_best_refits_and_predicts_labels_from_the_feature_columns(tmp_path, capsys):
    data = _small_csv(tmp_path / "d.csv")
    model_path = tmp_path / "best.joblib"
    rc, _, err = _run(capsys, "compare", str(data), "-t", "label", *TINY, "--losses",
                      "cross_entropy", "focal", "--reweight", "balanced", "--out",
                      str(tmp_path / "res"), "--no-plot", "--save-best", str(model_path))
    assert rc == 0, err
    board = pd.read_csv(tmp_path / "res" / "leaderboard.csv")
    assert "Saved the best configuration" in err and "all 60 rows" in err
    model = joblib.load(model_path)
    features = pd.read_csv(data).drop(columns="label")
    pred = model.predict(features)
    assert set(pred) <= {"yes", "no"} and len(pred) == 60
    assert list(model.classes_) == ["no", "yes"]
    assert model.predict_proba(features).shape == (60, 2)
    clf = model.estimator_
    assert clf.loss == board.loc[0, "loss"] and clf.reweight == "balanced"
    # the refit saw every row of the file: the class counts it recorded are the file's
    labels = pd.read_csv(data)["label"]
    assert list(clf.class_counts_) == [int((labels == "no").sum()), int((labels == "yes").sum())]


# ----------------------------------------------- --losses all, drw, default grid
@pytest.fixture
def grid(monkeypatch):
    """The configurations a run would cross-validate (the run stops before fitting)."""
    seen = {}

    def stop(models, *args, **kwargs):
        seen.update(models)
        raise compare.Interrupted([])

    monkeypatch.setattr(compare, "cross_validate_configs", stop)
    return seen


def test_losses_all_skips_those_that_do_not_apply_with_a_note(capsys, grid):
    seen = grid
    rc, _, err = _run(capsys, "compare", *TINY, "--losses", "all", "--reweight", "none",
                      "--no-plot", "--out", "/tmp/sklearn-losses-test-all")
    assert rc == 130
    assert "--losses all skips zloss_spherical (3+ classes)" in err
    losses = {m.loss for m in seen.values()}
    assert "zloss_spherical" not in losses and "focal" in losses
    # named explicitly, a loss that does not apply is an error
    rc, _, err = _run(capsys, "compare", *TINY, "--losses", "zloss_spherical",
                      "--out", "/tmp/sklearn-losses-test-all")
    assert rc == 2 and "'zloss_spherical' handles 3+ classes; the target has 2" in err


def test_default_grid_leaves_out_logit_adjusted_with_balanced(capsys, grid):
    seen = grid
    rc, _, err = _run(capsys, "compare", *TINY, "--no-plot", "--out",
                      "/tmp/sklearn-losses-test-grid")
    assert rc == 130
    assert "logit_adjusted + balanced" not in seen and "logit_adjusted + none" in seen
    assert len(seen) == 7 and "leaves out 1 configuration" in err
    assert "logit_adjusted + balanced (the loss already corrects for the class prior)" in err
    seen.clear()
    _run(capsys, "compare", *TINY, "--no-plot", "--losses", "logit_adjusted", "--reweight",
         "balanced", "--out", "/tmp/sklearn-losses-test-grid")
    assert list(seen) == ["logit_adjusted + balanced"]  # asked for explicitly


def test_drw_switches_its_class_weights_on(tmp_path, capsys):
    data = _small_csv(tmp_path / "d.csv")
    model_path = tmp_path / "drw.joblib"
    rc, _, err = _run(capsys, "compare", str(data), "-t", "label", "--folds", "2",
                      "--max-epochs", "5", "--losses", "cross_entropy", "--reweight", "drw",
                      "--out", str(tmp_path / "res"), "--no-plot", "--save-best",
                      str(model_path))
    assert rc == 0, err
    assert "before reweight='drw' switched" not in err
    clf = joblib.load(model_path).estimator_
    assert clf.early_stopping is False and clf.n_iter_ == 5
    assert clf.class_weight_ is not None
    assert not np.allclose(clf.class_weight_, 1.0)  # the deferred weights are on


# --------------------------------------------------- warnings with --jobs
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_warnings_are_printed_once_per_configuration_also_with_jobs(jobs, tmp_path, capsys,
                                                                    monkeypatch):
    _train_with(monkeypatch, WarnsTwice)
    rc, _, err = _run(capsys, "compare", *TINY, "--losses", "cross_entropy", "--reweight",
                      "none", "--jobs", jobs, "--out", str(tmp_path / "res"), "--no-plot",
                      "--progress", "lines")
    assert rc == 0, err
    assert err.count("the same tidy warning") == 1
    assert "    warning: UserWarning: the same tidy warning" in err
    assert "warnings.warn" not in err


# ------------------------------------------------------------------ start-up
def test_help_imports_neither_torch_nor_matplotlib():
    code = ("import sys; from sklearn_losses.cli import build_parser; "
            "build_parser().format_help(); "
            "print(sorted(m for m in ('torch', 'matplotlib', 'sklearn', 'skorch') "
            "if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"
