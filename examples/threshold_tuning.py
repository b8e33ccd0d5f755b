"""Tune the decision threshold instead of (or after) re-weighting the loss.

``predict`` takes the most probable class, i.e. thresholds the positive-class
probability at 0.5, which is rarely what an imbalanced problem needs. This
example trains on an imbalanced binary problem (10% positives) and compares,
on a held-out test set:

- cross-entropy with the default 0.5 threshold;
- ``reweight="balanced"``: the weights shift the probabilities (and so the
  0.5 decision) towards the minority class;
- ``reweight="balanced", calibration="prior"``: the prior correction divides
  the class weights back out, so the probabilities estimate the real
  posterior again - and the 0.5 decision favours the majority class again,
  as the unweighted model's does;
- ``TunedThresholdClassifierCV``: the threshold on the predicted probability
  is chosen by cross-validation to maximise F1, or the G-mean
  (``sklearn_losses.metrics.get_scorer("gmean")``).

It prints the threshold each model uses with its held-out F1, G-mean and
balanced accuracy.

    python examples/threshold_tuning.py            # about 30 s on 2 CPU cores
    python examples/threshold_tuning.py --quick    # a few seconds (used by the tests)
"""

from __future__ import annotations

import argparse

from sklearn.datasets import make_classification
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.metrics import geometric_mean_score, get_scorer


def make_models(n_splits=5, random_state=0, **clf_params):
    """``{name: estimator}``: five ways to set the decision, on the same network."""
    def model(**kw):
        # plain cross-entropy (no label smoothing, reweight=None) unless a config asks
        # for weights: the estimator's defaults (loss="auto", reweight="auto") would
        # smooth the labels and weight the classes
        params = {"loss": "cross_entropy", "reweight": None, **clf_params, **kw}
        return make_pipeline(StandardScaler(),
                             WeightedLossClassifier(random_state=random_state, **params))

    cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    return {
        "cross_entropy": model(),
        'reweight="balanced"': model(reweight="balanced"),
        'reweight="balanced" + calibration="prior"': model(reweight="balanced",
                                                           calibration="prior"),
        "cross_entropy + threshold tuned for F1": TunedThresholdClassifierCV(
            model(), scoring="f1", cv=cv),
        "cross_entropy + threshold tuned for G-mean": TunedThresholdClassifierCV(
            model(), scoring=get_scorer("gmean"), cv=cv),
    }


def compare(X_train, y_train, X_test, y_test, **kw):
    rows = []
    for name, est in make_models(**kw).items():
        est.fit(X_train, y_train)
        pred = est.predict(X_test)
        rows.append({
            "model": name,
            # TunedThresholdClassifierCV thresholds predict_proba[:, 1]; the others use 0.5
            "threshold": float(getattr(est, "best_threshold_", 0.5)),
            "f1": f1_score(y_test, pred),
            "gmean": geometric_mean_score(y_test, pred),
            "balanced_acc": balanced_accuracy_score(y_test, pred),
        })
    return rows


def format_table(rows):
    cols = ["threshold", "f1", "gmean", "balanced_acc"]
    lines = [f"{'model':<44}" + "".join(f" | {c:>12}" for c in cols)]
    for r in rows:
        lines.append(f"{r['model']:<44}" + "".join(f" | {r[c]:>12.3f}" for c in cols))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, 3 folds, few epochs")
    args = parser.parse_args(argv)
    if args.quick:
        n, folds = 1000, 3
        clf_params = dict(max_epochs=30, batch_size=64, hidden_layer_sizes=(32,))
    else:
        n, folds, clf_params = 4000, 5, {}
    X, y = make_classification(n_samples=n, n_features=20, n_informative=6, weights=[0.9],
                               flip_y=0.02, class_sep=0.8, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                        random_state=0)
    print(f"{len(y_train)} training / {len(y_test)} test rows, {y.mean():.1%} positives")
    rows = compare(X_train, y_train, X_test, y_test, n_splits=folds, **clf_params)
    print(format_table(rows))
    return rows


if __name__ == "__main__":
    main()
