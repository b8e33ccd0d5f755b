"""Grid search over losses, re-weighting and loss hyper-parameters.

``WeightedLossClassifier`` is an ordinary scikit-learn estimator, so the loss
is just another hyper-parameter: ``GridSearchCV`` can search over loss names,
re-weighting schemes and, when the loss is given as an instance, over the
loss's own hyper-parameters through nested names such as
``clf__loss__gamma``. This example runs one search over three grids inside a
``Pipeline(StandardScaler, WeightedLossClassifier)``:

1. loss names x re-weighting schemes;
2. a ``focal`` loss instance, tuning its ``gamma`` (and ``reweight``);
3. a ``logit_adjusted`` loss instance, tuning its ``tau`` (no re-weighting:
   the loss already corrects for the class prior).

Models are ranked by the G-mean (geometric mean of the per-class recalls,
``sklearn_losses.metrics.get_scorer("gmean")``) and also scored by average
precision; the best one is refit on all the training rows. Loss values are not
comparable across losses, so the selection always uses a metric.

    python examples/grid_search_losses.py            # ~30 s to 1 minute on 2 CPU cores
    python examples/grid_search_losses.py --quick    # a few seconds (used by the tests)
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_losses import WeightedLossClassifier, get_loss
from sklearn_losses.metrics import get_scorer


def make_search(n_splits=5, random_state=0, **clf_params):
    """GridSearchCV over loss names and over two loss instances' hyper-parameters."""
    pipe = Pipeline([
        ("scale", StandardScaler()),
        ("clf", WeightedLossClassifier(random_state=random_state, **clf_params)),
    ])
    param_grid = [
        # 1. losses by name, with and without class re-weighting
        {"clf__loss": ["cross_entropy", "focal", "poly1"],
         "clf__reweight": [None, "balanced"]},
        # 2. a loss instance: its hyper-parameters become searchable as clf__loss__<name>
        {"clf__loss": [get_loss("focal")],
         "clf__loss__gamma": [0.5, 1.0, 3.0],
         "clf__reweight": [None, "class_balanced"]},
        # 3. logit adjustment already corrects for the class prior: no re-weighting
        #    on top (that would correct twice), tune its strength tau instead
        {"clf__loss": [get_loss("logit_adjusted")],
         "clf__loss__tau": [0.5, 1.0],
         "clf__reweight": [None]},
    ]
    scoring = {"gmean": get_scorer("gmean"), "average_precision": "average_precision"}
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    return GridSearchCV(pipe, param_grid, scoring=scoring, refit="gmean", cv=cv,
                        error_score="raise")


def top_rows(search, k=5):
    """The ``k`` best candidates of ``search.cv_results_`` (by the refit metric)."""
    res = search.cv_results_
    order = np.argsort(res["rank_test_gmean"], kind="stable")[:k]
    rows = []
    for i in order:
        params = res["params"][i]
        loss = params["clf__loss"]
        name = loss if isinstance(loss, str) else loss.name
        nested = [f"{k[len('clf__loss__'):]}={v:g}" for k, v in params.items()
                  if k.startswith("clf__loss__")]
        if nested:
            name += f"({', '.join(nested)})"
        rows.append({
            "rank": int(res["rank_test_gmean"][i]),
            "loss": name,
            "reweight": str(params["clf__reweight"]),
            "gmean": float(res["mean_test_gmean"][i]),
            "gmean_std": float(res["std_test_gmean"][i]),
            "average_precision": float(res["mean_test_average_precision"][i]),
        })
    return rows


def format_table(rows):
    lines = [f"{'rank':>4} | {'loss':<24} | {'reweight':<14} | {'gmean':>14} | "
             f"{'avg precision':>13}"]
    for r in rows:
        lines.append(f"{r['rank']:>4} | {r['loss']:<24} | {r['reweight']:<14} | "
                     f"{r['gmean']:>6.3f} ± {r['gmean_std']:.3f} | "
                     f"{r['average_precision']:>13.3f}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, 3 folds, few epochs")
    args = parser.parse_args(argv)
    if args.quick:
        n, folds, clf_params = 600, 3, dict(max_epochs=30, batch_size=64, hidden_layer_sizes=(32,))
    else:
        n, folds, clf_params = 3000, 5, dict(max_epochs=200)
    X, y = make_classification(n_samples=n, n_features=20, n_informative=6, weights=[0.9],
                               flip_y=0.02, class_sep=0.8, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    search = make_search(n_splits=folds, **clf_params)
    n_candidates = sum(int(np.prod([len(v) for v in g.values()])) for g in search.param_grid)
    print(f"{len(y_train)} training rows, {y.mean():.1%} positives; "
          f"{n_candidates} candidates x {folds} folds")
    search.fit(X_train, y_train)

    rows = top_rows(search)
    print(format_table(rows))
    gmean = get_scorer("gmean")(search, X_test, y_test)
    print(f"best: {search.best_params_}\nheld-out G-mean of the refit model: {gmean:.3f}")
    return {"rows": rows, "search": search, "test_gmean": gmean}


if __name__ == "__main__":
    main()
