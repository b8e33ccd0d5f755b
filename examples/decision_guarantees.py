"""Decisions with guarantees on an imbalanced table, checked over many repetitions.

The ``sklearn_losses.decisions`` tools wrap any classifier with
``predict_proba`` (here a scaled logistic regression) and change only the
decision. Their guarantees are about the distribution of the error over
data sets, so this example draws many training sets from one generated
imbalanced table (``make_classification``, 20% positives), fits each tool on
each, and measures the errors on 20,000 fresh rows:

- ``NeymanPearsonClassifier(alpha=0.05, delta=0.05)``: the false-alarm rate
  of the positive class exceeds 5% in at most 5% of the data sets;
- ``RecallControlClassifier(alpha=0.1)``: the false-negative rate of the
  minority class is at most 10% on average over the data sets;
- ``TunedOffsetsClassifierCV``: per-class offsets raise macro-F1 over the
  argmax on a 5-class imbalanced table;
- ``PriorShiftClassifier``: the class prior of 5,000 unlabelled rows whose
  prior moved is recovered by EM and by BBSE.

It prints one table per tool with the promised and the measured figures.

    python examples/decision_guarantees.py            # about 1.5 minutes on one CPU core
    python examples/decision_guarantees.py --quick    # a few seconds (used by the tests)
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_losses.decisions import (
    NeymanPearsonClassifier,
    PriorShiftClassifier,
    RecallControlClassifier,
    TunedOffsetsClassifierCV,
)


def model():
    return make_pipeline(StandardScaler(), LogisticRegression())


def imbalanced_table(seed=0):
    """60,000 rows, 20% positives: 40,000 to draw training sets from, 20,000 to test."""
    X, y = make_classification(60_000, n_features=10, n_informative=5, weights=[0.8],
                               flip_y=0.02, random_state=seed)
    return X[:40_000], y[:40_000], X[40_000:], y[40_000:]


def repeat(tool, n_reps, n_train, table):
    """Fit ``tool`` on ``n_reps`` training sets; test false-positive and false-negative rates."""
    X_pool, y_pool, X_test, y_test = table
    fpr, fnr = [], []
    for rep in range(n_reps):
        rows = np.random.default_rng(rep).choice(len(y_pool), n_train, replace=False)
        clf = tool.set_params(random_state=rep).fit(X_pool[rows], y_pool[rows])
        pred = clf.predict(X_test)
        fpr.append(np.mean(pred[y_test == 0] == 1))
        fnr.append(np.mean(pred[y_test == 1] == 0))
    return np.array(fpr), np.array(fnr)


def neyman_pearson(n_reps, table, alpha=0.05, delta=0.05):
    fpr, fnr = repeat(NeymanPearsonClassifier(model(), alpha=alpha, delta=delta),
                      n_reps, 1000, table)
    return [{"tool": "NeymanPearsonClassifier", "promise":
             f"P(type-I error > {alpha}) <= {delta}",
             "measured": f"{np.mean(fpr > alpha):.3f} of {n_reps} data sets exceed {alpha} "
                         f"(mean {fpr.mean():.3f})",
             "violation_rate": float(np.mean(fpr > alpha)), "mean_fpr": float(fpr.mean()),
             "mean_fnr": float(fnr.mean())}]


def recall_control(n_reps, table, alpha=0.1):
    fpr, fnr = repeat(RecallControlClassifier(model(), alpha=alpha), n_reps, 1000, table)
    return [{"tool": "RecallControlClassifier", "promise": f"E[FNR] <= {alpha}",
             "measured": f"mean FNR {fnr.mean():.3f} over {n_reps} data sets (FPR "
                         f"{fpr.mean():.3f})",
             "mean_fnr": float(fnr.mean()), "mean_fpr": float(fpr.mean())}]


def offsets(quick):
    X, y = make_classification(6000, n_features=20, n_informative=8, n_classes=5,
                               weights=[0.55, 0.2, 0.12, 0.08, 0.05], flip_y=0.02,
                               random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=2000, stratify=y,
                                                        random_state=0)
    estimators = {"LogisticRegression": model()}
    if not quick:
        estimators["HistGradientBoosting"] = HistGradientBoostingClassifier(random_state=0)
    rows = []
    for name, estimator in estimators.items():
        clf = TunedOffsetsClassifierCV(estimator, scoring="f1_macro").fit(X_train, y_train)
        argmax = f1_score(y_test, clf.estimator_.predict(X_test), average="macro")
        tuned = f1_score(y_test, clf.predict(X_test), average="macro")
        rows.append({"tool": f"TunedOffsetsClassifierCV({name})",
                     "promise": "none (aims at macro-F1)",
                     "measured": f"test macro-F1 {argmax:.3f} -> {tuned:.3f}",
                     "argmax_f1": float(argmax), "offsets_f1": float(tuned)})
    return rows


def prior_shift():
    X, y = make_classification(60_000, n_features=8, n_informative=5, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, random_state=1)
    rng = np.random.default_rng(0)

    def sample(rows, prior, n):
        counts = (np.asarray(prior) * n).astype(int)
        idx = np.concatenate([rng.choice(rows[y[rows] == k], c, replace=False)
                              for k, c in enumerate(counts)])
        return X[idx], y[idx]

    train_prior, new_prior = [0.6, 0.3, 0.1], np.array([0.2, 0.3, 0.5])
    X_train, y_train = sample(np.arange(30_000), train_prior, 3000)
    X_new, _ = sample(np.arange(30_000, 60_000), new_prior, 5000)
    rows = []
    for method in ("em", "bbse"):
        clf = PriorShiftClassifier(model(), test_prior=method).fit(X_train, y_train)
        estimate = clf.fit_prior(X_new).test_prior_
        error = float(np.max(np.abs(estimate - new_prior)))
        rows.append({"tool": f'PriorShiftClassifier("{method}")',
                     "promise": f"recovers the prior {new_prior.tolist()}",
                     "measured": f"estimate {np.round(estimate, 3).tolist()}, "
                                 f"max error {error:.3f}",
                     "max_error": error})
    return rows


def format_table(rows):
    lines = [f"{'tool':<46} | {'promise':<36} | measured"]
    lines += [f"{r['tool']:<46} | {r['promise']:<36} | {r['measured']}" for r in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="40 repetitions instead of 200, logistic regression only")
    args = parser.parse_args(argv)
    n_reps = 40 if args.quick else 200
    table = imbalanced_table()
    print(f"{len(table[1])} rows to draw training sets of 1000 from, {len(table[3])} test "
          f"rows, {table[1].mean():.0%} positives")
    rows = (neyman_pearson(n_reps, table) + recall_control(n_reps, table)
            + offsets(args.quick) + prior_shift())
    print(format_table(rows))
    return rows


if __name__ == "__main__":
    main()
