"""Sphinx extension: the plots of the Decisions page (``decisions.rst``).

At ``builder-inited`` it draws, into ``<decision_plots_dir>`` (default
``_build/decision_plots``, outside the sources, like the loss plots), one
threshold or cost curve per tool of :mod:`sklearn_losses.decisions`, from
logistic regressions on generated imbalanced data (a few seconds):

- ``offsets.png``: cross-validated macro-F1 against each class's offset;
- ``neyman_pearson.png``: type-I and type-II errors against the threshold,
  and the type-I error over repeated data sets;
- ``recall_control.png``: the false-negative rate against the threshold,
  and over repeated data sets;
- ``prior_shift.png``: a cost curve, the error against the deployment prior,
  with and without the adjustment, and the estimated priors.

A plot is redrawn when it is missing or older than this file or the
``decisions`` package. A failure is a Sphinx warning (an error under ``-W``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sphinx.util import logging

logger = logging.getLogger(__name__)

PLOTS = ("offsets", "neyman_pearson", "recall_control", "prior_shift")


def _model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression())


def _binary_table():
    from sklearn.datasets import make_classification

    X, y = make_classification(60_000, n_features=10, n_informative=5, weights=[0.8],
                               flip_y=0.02, random_state=0)
    return X[:40_000], y[:40_000], X[40_000:], y[40_000:]


def _draw(table, n, seed):
    X_pool, y_pool = table[0], table[1]
    rows = np.random.default_rng(seed).choice(len(y_pool), n, replace=False)
    return X_pool[rows], y_pool[rows]


def plot_offsets(path):
    import matplotlib.pyplot as plt
    from sklearn.datasets import make_classification
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    from sklearn_losses.decisions import TunedOffsetsClassifierCV

    X, y = make_classification(2000, n_features=20, n_informative=8, n_classes=5,
                               weights=[0.55, 0.2, 0.12, 0.08, 0.05], flip_y=0.02,
                               random_state=0)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    clf = TunedOffsetsClassifierCV(_model(), cv=cv).fit(X, y)
    folds = []
    for train, test in cv.split(X, y):
        logp = np.log(_model().fit(X[train], y[train]).predict_proba(X[test]))
        folds.append((logp, y[test]))

    def score(offsets):
        return np.mean([f1_score(t, np.argmax(lp + offsets, 1), average="macro")
                        for lp, t in folds])

    grid = np.linspace(-2.5, 2.5, 41)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for k, color in zip(range(5), plt.cm.viridis(np.linspace(0, 0.9, 5))):
        curve = []
        for value in grid:
            o = clf.offsets_.copy()
            o[k] = value
            curve.append(score(o))
        ax.plot(grid, curve, color=color, label=f"class {k} ({np.mean(y == k):.0%})")
        ax.plot(clf.offsets_[k], clf.best_score_, "o", color=color)
    ax.axhline(clf.argmax_score_, color="grey", ls=":", label="argmax (all offsets 0)")
    ax.set_xlabel("offset of one class (the others at their tuned values)")
    ax.set_ylabel("cross-validated macro-F1")
    ax.set_title("TunedOffsetsClassifierCV: one coordinate at a time", fontsize=10)
    ax.legend(fontsize=7, loc="lower center", ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_neyman_pearson(path, n_reps=100, alpha=0.05, delta=0.05):
    import matplotlib.pyplot as plt

    from sklearn_losses.decisions import NeymanPearsonClassifier

    table = _binary_table()
    X_test, y_test = table[2], table[3]
    X, y = _draw(table, 1000, 0)
    clf = NeymanPearsonClassifier(_model(), alpha=alpha, delta=delta, random_state=0)
    clf.fit(X, y)
    s_test = clf.predict_proba(X_test)[:, 1]
    ts = np.linspace(0, 1, 401)
    fpr = [(s_test[y_test == 0] > t).mean() for t in ts]
    fnr = [(s_test[y_test == 1] <= t).mean() for t in ts]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    left.plot(ts, fpr, label="type-I error (false alarms)")
    left.plot(ts, fnr, label="type-II error (misses)")
    left.axhline(alpha, color="grey", ls=":", label=f"alpha = {alpha}")
    left.axvline(clf.threshold_, color="C3", label=f"threshold_ (rank {clf.rank_} of "
                                                   f"{clf.n_calibration_})")
    left.set_xlabel("threshold on P(positive)")
    left.set_ylabel("test error rate")
    left.legend(fontsize=7)
    left.set_title("one data set", fontsize=10)
    ours, naive = [], []
    for rep in range(n_reps):
        X, y = _draw(table, 1000, rep)
        neg = np.random.default_rng(rep).permutation(np.flatnonzero(y == 0))
        cal, train = neg[: len(neg) // 2], np.r_[neg[len(neg) // 2:], np.flatnonzero(y == 1)]
        model = _model().fit(X[train], y[train])
        npc = NeymanPearsonClassifier(model, alpha=alpha, delta=delta, cv="prefit")
        npc.fit(X[cal], y[cal])
        s_neg = model.predict_proba(X_test[y_test == 0])[:, 1]
        ours.append(np.mean(s_neg > npc.threshold_))
        naive.append(np.mean(s_neg > np.quantile(model.predict_proba(X[cal])[:, 1],
                                                 1 - alpha)))
    bins = np.linspace(0.01, 0.08, 36)
    right.hist(naive, bins=bins, alpha=0.6, color="grey",
               label=f"(1 - alpha) quantile: {np.mean(np.array(naive) > alpha):.0%} above")
    right.hist(ours, bins=bins, alpha=0.8, color="C3",
               label=f"umbrella order statistic: {np.mean(np.array(ours) > alpha):.0%} above")
    right.axvline(alpha, color="k", ls=":")
    right.set_xlabel("test type-I error")
    right.set_ylabel(f"data sets (of {n_reps})")
    right.legend(fontsize=7)
    right.set_title(f"over {n_reps} data sets (delta = {delta})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_recall_control(path, n_reps=100, alpha=0.1):
    import matplotlib.pyplot as plt

    from sklearn_losses.decisions import RecallControlClassifier

    table = _binary_table()
    X_test, y_test = table[2], table[3]
    X, y = _draw(table, 1000, 0)
    pos = np.random.default_rng(0).permutation(np.flatnonzero(y == 1))
    cal, train = pos[: len(pos) // 2], np.r_[pos[len(pos) // 2:], np.flatnonzero(y == 0)]
    model = _model().fit(X[train], y[train])
    clf = RecallControlClassifier(model, alpha=alpha, cv="prefit").fit(X[cal], y[cal])
    s_cal = model.predict_proba(X[cal])[:, 1]
    s_test = model.predict_proba(X_test[y_test == 1])[:, 1]
    ts = np.linspace(0, 1, 401)
    n = len(s_cal)
    bound = [(np.sum(s_cal < t) + 1) / (n + 1) for t in ts]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    left.plot(ts, bound, label="(n R_n(t) + 1) / (n + 1), held-out positives")
    left.plot(ts, [(s_test < t).mean() for t in ts], label="test false-negative rate")
    left.axhline(alpha, color="grey", ls=":", label=f"alpha = {alpha}")
    left.axvline(clf.threshold_, color="C3", label=f"threshold_ ({n} held-out positives)")
    left.set_xlim(0, 0.6)
    left.set_ylim(0, 0.4)
    left.set_xlabel("threshold on P(positive)")
    left.set_ylabel("false-negative rate")
    left.legend(fontsize=7)
    left.set_title("one data set", fontsize=10)
    fnr = []
    for rep in range(n_reps):
        X, y = _draw(table, 1000, rep)
        rc = RecallControlClassifier(_model(), alpha=alpha, random_state=rep).fit(X, y)
        fnr.append(np.mean(rc.predict(X_test[y_test == 1]) == 0))
    right.hist(fnr, bins=25, color="C3", alpha=0.8)
    right.axvline(alpha, color="k", ls=":", label=f"alpha = {alpha}")
    right.axvline(np.mean(fnr), color="C0", label=f"mean = {np.mean(fnr):.3f}")
    right.set_xlabel("test false-negative rate")
    right.set_ylabel(f"data sets (of {n_reps})")
    right.legend(fontsize=7)
    right.set_title(f"over {n_reps} data sets: the mean is bounded", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_prior_shift(path):
    import matplotlib.pyplot as plt
    from sklearn.datasets import make_classification

    from sklearn_losses.decisions import PriorShiftClassifier

    X, y = make_classification(40_000, n_features=8, n_informative=4, weights=[0.5],
                               class_sep=0.8, random_state=2)
    rng = np.random.default_rng(0)

    def sample(rows, prior1, n):
        n1 = int(round(prior1 * n))
        idx = np.r_[rng.choice(rows[y[rows] == 0], n - n1, replace=False),
                    rng.choice(rows[y[rows] == 1], n1, replace=False)]
        return X[idx], y[idx]

    X_train, y_train = sample(np.arange(20_000), 0.5, 4000)
    em = PriorShiftClassifier(_model(), "em").fit(X_train, y_train)
    bbse = PriorShiftClassifier(_model(), "bbse").fit(X_train, y_train)
    priors = np.linspace(0.05, 0.95, 19)
    err = {"unadjusted": [], "adjusted, true prior": [], "adjusted, EM estimate": []}
    est = {"EM": [], "BBSE": []}
    for p in priors:
        X_new, y_new = sample(np.arange(20_000, 40_000), p, 2000)
        err["unadjusted"].append(np.mean(em.estimator_.predict(X_new) != y_new))
        fixed = PriorShiftClassifier(em.estimator_, [1 - p, p], cv="prefit")
        fixed.fit(X_train, y_train)
        err["adjusted, true prior"].append(np.mean(fixed.predict(X_new) != y_new))
        em.fit_prior(X_new)
        err["adjusted, EM estimate"].append(np.mean(em.predict(X_new) != y_new))
        est["EM"].append(em.test_prior_[1])
        est["BBSE"].append(bbse.fit_prior(X_new).test_prior_[1])
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    for (name, values), style in zip(err.items(), ["-", "--", ":"]):
        left.plot(priors, values, style, label=name, lw=2)
    left.set_xlabel("share of positives in the deployment data")
    left.set_ylabel("error rate")
    left.set_title("cost curve (trained at 50% positives)", fontsize=10)
    left.legend(fontsize=7)
    right.plot([0, 1], [0, 1], color="grey", ls=":")
    right.plot(priors, est["EM"], "o", label="EM (Saerens et al.)")
    right.plot(priors, est["BBSE"], "x", label="BBSE (Lipton et al.)")
    right.set_xlabel("true share of positives (2000 unlabelled rows)")
    right.set_ylabel("estimated share")
    right.set_title("fit_prior", fontsize=10)
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def generate(app):
    import matplotlib

    matplotlib.use("Agg")
    import sklearn_losses.decisions as decisions

    folder = (Path(app.srcdir) / app.config.decision_plots_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    sources = [Path(__file__), *Path(decisions.__file__).parent.glob("*.py")]
    newest = max(p.stat().st_mtime for p in sources)
    for name in PLOTS:
        image = folder / f"{name}.png"
        if image.exists() and image.stat().st_mtime >= newest:
            continue
        try:
            globals()[f"plot_{name}"](image)
        except Exception as exc:  # a warning (an error under -W), not a crash
            logger.warning("decision_plots: could not draw %s: %s: %s", name,
                           type(exc).__name__, exc)


def setup(app):
    app.add_config_value("decision_plots_dir", os.path.join("_build", "decision_plots"), "env")
    app.connect("builder-inited", generate)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
