"""Raw tables: fit a mixed-type DataFrame with no preprocessing.

Builds an imbalanced churn-like table with text, ``category``, bool and
numeric columns holding missing values, then cross-validates
``WeightedLossClassifier()`` on the DataFrame as it is (its
``preprocessing="auto"`` encodes it inside every fit) next to scikit-learn's
``HistGradientBoostingClassifier(categorical_features="from_dtype",
class_weight="balanced")``, which also takes raw tables. Finally the fitted
estimator predicts on new rows with a category it never saw and NaN.

    python examples/raw_dataframe.py            # about 15 s on 2 CPU cores
    python examples/raw_dataframe.py --quick    # a few seconds (used by the tests)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_validate

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.metrics import get_scorer

SCORING = {"average_precision": get_scorer("average_precision"),
           "matthews_corrcoef": get_scorer("matthews_corrcoef"),
           "balanced_accuracy": get_scorer("balanced_accuracy")}


def make_raw_table(n_samples=3000, random_state=0):
    """An imbalanced table as a user has it: ``(DataFrame, labels)``.

    The labels are ``"churned"`` / ``"active"``; ``"churned"``, the minority,
    is the positive class of the package scorers (they measure the minority
    class unless given ``pos_label``).

    Columns: ``plan`` (text, 4 levels, some missing), ``region`` (pandas
    ``category``, 30 levels: target encoded), ``autopay`` (bool), ``tenure``
    and ``spend`` (numeric, some missing, ``spend`` heavy-tailed) and three
    more numeric columns. About 8% of the rows churn.
    """
    rng = np.random.default_rng(random_state)
    X, y = make_classification(n_samples, n_features=6, n_informative=4, n_redundant=0,
                               weights=[0.92], flip_y=0.01, random_state=random_state)
    plans = np.array(["basic", "plus", "pro", "family"])
    plan = plans[np.digitize(X[:, 0], [-0.7, 0.0, 0.7])].astype(object)
    plan[rng.random(n_samples) < 0.05] = None
    region = pd.Categorical([f"r{int(v)}" for v in np.clip((X[:, 1] + 3) * 5, 0, 29)])
    frame = pd.DataFrame({
        "plan": plan,
        "region": region,
        "autopay": X[:, 2] > 0,
        "tenure": np.where(rng.random(n_samples) < 0.1, np.nan, np.round(24 + 12 * X[:, 3])),
        "spend": np.exp(1.5 + 0.8 * X[:, 4]),
        "x5": X[:, 5],
        "support_calls": rng.poisson(2, n_samples).astype(float),
        "age_days": rng.integers(30, 3000, n_samples),
    })
    frame.loc[rng.random(n_samples) < 0.05, "spend"] = np.nan
    return frame, np.where(y == 1, "churned", "active")


def compare(X, y, *, folds=5, max_epochs=500, random_state=0):
    """Cross-validated rows ``{model, metric means, fit_s}`` on the raw table."""
    models = {
        "WeightedLossClassifier()": WeightedLossClassifier(max_epochs=max_epochs,
                                                           random_state=random_state),
        "HistGradientBoosting (from_dtype, balanced)": HistGradientBoostingClassifier(
            categorical_features="from_dtype", class_weight="balanced",
            random_state=random_state),
    }
    cv = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    rows = []
    for name, model in models.items():
        X_model = X
        if isinstance(model, HistGradientBoostingClassifier):
            # HGB takes numbers and `category` columns: its users convert text columns first
            X_model = X.assign(plan=X["plan"].astype("category"))
        res = cross_validate(model, X_model, y, cv=cv, scoring=SCORING)
        rows.append({"model": name, **{m: float(np.mean(res[f"test_{m}"])) for m in SCORING},
                     "fit_s": float(np.mean(res["fit_time"]))})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, 2 folds, 30 epochs")
    args = parser.parse_args(argv)
    n, folds, epochs = (600, 2, 30) if args.quick else (3000, 5, 500)
    X, y = make_raw_table(n)
    print(f"{len(X)} rows, {int((y == 'churned').sum())} churned; dtypes: "
          + ", ".join(f"{c}={t}" for c, t in X.dtypes.astype(str).items()))
    print(f"missing values per column: {X.isna().sum().to_dict()}")

    t0 = time.perf_counter()
    rows = compare(X, y, folds=folds, max_epochs=epochs)
    print(f"\n{folds}-fold CV on the raw DataFrame ({time.perf_counter() - t0:.0f} s)")
    print(f"{'model':45s} | {'AP':>6s} | {'MCC':>6s} | {'bal.acc':>7s} | {'fit s':>6s}")
    for r in rows:
        print(f"{r['model']:45s} | {r['average_precision']:6.3f} | "
              f"{r['matthews_corrcoef']:6.3f} | {r['balanced_accuracy']:7.3f} | "
              f"{r['fit_s']:6.2f}")

    clf = WeightedLossClassifier(max_epochs=epochs, random_state=0).fit(X, y)
    new = X.head(3).copy()
    new.loc[new.index[0], "plan"] = "enterprise"  # a level never seen in training
    new.loc[new.index[1], "spend"] = np.nan
    proba = clf.predict_proba(new)[:, list(clf.classes_).index("churned")]
    print(f"\nencoded width: {clf.n_features_in_} columns in, "
          f"{len(clf.encoder_.get_feature_names_out())} network inputs")
    print("P(churned) for new rows (unseen plan 'enterprise', missing spend):",
          np.round(proba, 3).tolist())
    return {"rows": rows, "model": clf, "new_proba": proba}


if __name__ == "__main__":
    main()
