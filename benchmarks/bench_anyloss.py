"""AnyLoss F1 vs cross-entropy on the KEEL imbalanced tables: F1 at the default decision.

Stratified K-fold CV (5 folds, fixed seed) of ``anyloss_f1`` (a soft-F1
batch loss, stratified batches), cross-entropy, and cross-entropy with
``reweight="balanced"``. Scores: F1 of the positive class from ``predict``
(the default 0.5 / argmax decision) and average precision. Writes the
per-fit CSV to benchmarks/results/anyloss.csv and the tables to
docs/benchmarks/anyloss.md.

    python benchmarks/bench_anyloss.py                       # all KEEL tables
    python benchmarks/bench_anyloss.py --datasets 5 --out /tmp/anyloss
    python benchmarks/bench_anyloss.py --quick --out /tmp/anyloss   # seconds
"""

from __future__ import annotations

import functools

import pandas as pd

import _common as common
from sklearn_losses import WeightedLossClassifier, available_losses

METRICS = ("f1", "average_precision")
ANYLOSS = "anyloss_f1"
REFERENCES = ("cross_entropy", "cross_entropy+balanced")


def make_methods(args):
    """The two cross-entropy references and ``anyloss_f1``, all with the same batch size."""
    if ANYLOSS not in available_losses():
        raise SystemExit(f"the '{ANYLOSS}' loss is not registered in sklearn_losses")

    def estimator(loss, reweight=None):
        return WeightedLossClassifier(loss=loss, reweight=reweight,
                                      **common.estimator_params(args, batch_size=args.batch_size))

    return {REFERENCES[0]: estimator("cross_entropy"),
            REFERENCES[1]: estimator("cross_entropy", "balanced"),
            ANYLOSS: estimator(ANYLOSS)}


def evaluate(name, X, y, *, methods, folds, seed):
    return common.cv_rows(name, X, y, methods, folds=folds, seed=seed)


def dataset_table(results, table):
    """Per-dataset rows (size, positives, each metric per method) and a mean row."""
    wide = table.pivot(index="dataset", columns="method", values=list(METRICS))
    wide = wide.reindex(columns=[(m, method) for m in METRICS for method in
                                 (*REFERENCES, ANYLOSS)])
    wide.columns = [f"{metric} {method}" for metric, method in wide.columns]
    sizes = results.groupby("dataset")[["n_samples", "minority_share"]].first()
    wide.insert(0, "positives", sizes["minority_share"].map(lambda s: f"{s:.1%}"))
    wide.insert(0, "rows", sizes["n_samples"])
    wide = wide.reset_index()
    mean = {c: (wide[c].mean() if c.startswith(METRICS) else "") for c in wide.columns}
    mean["dataset"] = "**mean**"
    return pd.concat([wide, pd.DataFrame([mean])], ignore_index=True)


def summary_table(table, tie):
    """Per method: mean, mean rank and W/T/L vs each reference, for each metric."""
    columns = {}
    for metric in METRICS:
        for i, reference in enumerate(REFERENCES):
            summary = common.compare_methods(table, metric, reference, tie=tie).set_index("method")
            if i == 0:
                columns[f"mean {metric}"] = summary["mean"]
                columns[f"rank {metric}"] = summary["mean_rank"].map(lambda r: f"{r:.2f}")
            columns[f"W/T/L {metric} vs {reference}"] = summary["wtl"]
    return pd.DataFrame(columns).reset_index()


def render_markdown(results, args, argv):
    table = common.per_dataset(results, METRICS)
    return "\n".join([
        "# AnyLoss F1 vs cross-entropy: F1 at the default decision",
        "",
        *common.run_description(args, results, __file__, argv),
        "",
        f"**Setup.** {common.describe_estimator(args, batch_size=args.batch_size)}. "
        "Three methods: "
        "`cross_entropy`; `cross_entropy` with `reweight=\"balanced\"`; `anyloss_f1` (default "
        "amplifier, `batch_sampler=\"auto\"`, i.e. stratified batches so that each batch holds "
        "the positives in proportion; the batch size is capped at the training rows, so small "
        "tables train full-batch). Same batch size for all three. Nothing is tuned.",
        "",
        "**What the numbers mean.** *f1* is the F1 score of the positive (minority) class of "
        "`predict`, i.e. at the default decision p(positive) > 0.5, with no threshold tuning; "
        "this is what AnyLoss optimizes (a soft F1 of the decisions at 0.5) and where unweighted "
        "cross-entropy is weak on imbalanced data (it predicts few positives). "
        "*average_precision* does not depend on a threshold: it measures the ranking, which "
        "AnyLoss is not designed to improve. Test folds hold few positives (some tables have "
        "under 10 in all), so per-dataset F1 values are noisy; look at the counts over "
        "datasets. "
        "The F1 of cross-entropy at 0.5 also depends on how long it trains: early stopping "
        "on the validation loss can stop it before it fits the minority class, so compare "
        "with a run with `--no-early-stopping` before concluding. "
        f"*W/T/L*: datasets where the method beats / ties (within {args.tie}) / loses to the "
        "reference; *rank*: mean rank of the three methods per dataset (1 = best).",
        "",
        "## Summary",
        "",
        common.markdown_table(summary_table(table, args.tie)),
        "",
        "## Per dataset (mean over folds)",
        "",
        common.markdown_table(dataset_table(results, table)),
    ])


def main(argv=None):
    parser = common.base_parser(__doc__, folds=5, max_epochs=200)
    parser.add_argument("--batch-size", type=int, default=512,
                        help="batch size of every method (large: AnyLoss estimates F1 per batch)")
    args = common.apply_quick(parser.parse_args(argv), max_epochs=10)
    loaders = common.dataset_loaders(args)
    methods = make_methods(args)
    print(f"{len(loaders)} datasets x {args.folds} folds x {len(methods)} methods")
    evaluate_dataset = functools.partial(evaluate, methods=methods, folds=args.folds,
                                         seed=args.seed)
    return common.run_benchmark(args, argv, loaders, evaluate_dataset, render_markdown,
                                "anyloss")


if __name__ == "__main__":
    main()
