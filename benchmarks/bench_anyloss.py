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
from sklearn_losses.compare import sign_test

METRICS = ("f1", "average_precision")
ANYLOSS = "anyloss_f1"
REFERENCES = ("cross_entropy", "cross_entropy+balanced")


def make_methods(args):
    """The two cross-entropy references and ``anyloss_f1``, all with the same batch size."""
    if ANYLOSS not in available_losses():
        raise SystemExit(f"the '{ANYLOSS}' loss is not registered in sklearn_losses")

    def estimator(loss, reweight=None):
        return WeightedLossClassifier(loss=loss, **common.estimator_params(
            args, reweight=reweight, batch_size=args.batch_size))

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


#: Sign-test level under which the reading calls a difference clear.
ALPHA = 0.05


def _versus(table, metric, reference, tie):
    """``anyloss_f1`` against ``reference`` on ``metric``: means, W/T/L, p, verdict."""
    summary = common.compare_methods(table, metric, reference, tie=tie).set_index("method")
    row, ref = summary.loc[ANYLOSS], summary.loc[reference]
    wins, ties, losses = int(row["wins"]), int(row["ties"]), int(row["losses"])
    p = sign_test(wins, losses)
    if p < ALPHA:
        verdict = "better" if wins > losses else "worse"
    else:
        verdict = "no clear difference"
    return {"mean": row["mean"], "ref_mean": ref["mean"], "wtl": f"{wins}/{ties}/{losses}",
            "p": p, "verdict": verdict, "reference": reference, "metric": metric}


def _describe(v):
    """One clause: 'mean 0.555 vs 0.473, W/T/L 21/4/9, sign test p = 0.04'."""
    return (f"mean {v['mean']:.3f} vs {v['ref_mean']:.3f}, W/T/L {v['wtl']}, "
            f"sign test p = {v['p']:.2g}")


def reading(table, tie):
    """The "Reading" section: the published claim against what the tables show.

    Computed from the per-dataset table, so that a re-run states its own
    result: a difference is called clear when the sign test over the datasets'
    wins and losses gives p < ``ALPHA``.
    """
    n = table["dataset"].nunique()
    plain, balanced = REFERENCES
    f1 = {ref: _versus(table, "f1", ref, tie) for ref in REFERENCES}
    ap = {ref: _versus(table, "average_precision", ref, tie) for ref in REFERENCES}
    words = {"better": "AnyLoss is clearly better", "worse": "AnyLoss is clearly worse",
             "no clear difference": "no clear difference"}

    def line(v, label):
        return f"- {label}: {words[v['verdict']]} ({_describe(v)})."

    if f1[plain]["verdict"] == "better" and f1[balanced]["verdict"] != "better":
        rel = ("higher" if f1[balanced]["ref_mean"] > f1[balanced]["mean"] else "lower")
        headline = (
            "The claim holds against plain cross-entropy and not against cross-entropy "
            "with `reweight=\"balanced\"`, whose mean F1 is "
            f"{rel} ({f1[balanced]['ref_mean']:.3f} vs {f1[balanced]['mean']:.3f}; AnyLoss "
            f"W/T/L {f1[balanced]['wtl']}): on these tables the F1 that AnyLoss gains over "
            "cross-entropy at the 0.5 decision is about what class re-weighting gains too.")
    elif f1[plain]["verdict"] == "better":
        headline = ("The claim holds on these tables: AnyLoss beats both plain and "
                    "class-balanced cross-entropy on F1.")
    else:
        headline = ("The claim is not confirmed on these tables: AnyLoss does not clearly beat "
                    "plain cross-entropy on F1.")
    ap_bad = [v for v in ap.values() if v["verdict"] != "better"]
    if len(ap_bad) == len(REFERENCES):
        balanced_best = ap[balanced]["ref_mean"] > max(ap[plain]["ref_mean"], ap[plain]["mean"])
        headline += (" It does not improve the ranking either: its mean average precision "
                     f"is {ap[plain]['mean']:.3f}, against {ap[plain]['ref_mean']:.3f} for "
                     f"cross-entropy and {ap[balanced]['ref_mean']:.3f} for balanced "
                     "cross-entropy" + (" (the best of the three)" if balanced_best else "")
                     + ".")
    if sign_test(n, 0) >= ALPHA:
        headline += (f" With {n} dataset{'' if n == 1 else 's'} no difference can reach "
                     f"p < {ALPHA}: a smoke run, not a result.")
    return [
        "## Reading",
        "",
        "**The claim.** The AnyLoss paper (Han, Moniz and Chawla, KDD 2024, "
        "arXiv:2405.14745) reports that training on a differentiable version of the "
        "metric beats cross-entropy on F1 on imbalanced tabular data.",
        "",
        f"**What {'this table shows' if n == 1 else f'these {n} tables show'}** (sign test over the datasets' wins and losses, "
        f"ties within {tie} left out; a difference is called clear when p < {ALPHA}):",
        "",
        line(f1[plain], "F1 vs `cross_entropy`"),
        line(f1[balanced], "F1 vs `cross_entropy+balanced`"),
        line(ap[plain], "average precision vs `cross_entropy`"),
        line(ap[balanced], "average precision vs `cross_entropy+balanced`"),
        "",
        f"**Headline.** {headline} The reference here is cross-entropy at the default "
        "decision, untuned: a threshold tuned for F1 (`TunedThresholdClassifierCV`) would be "
        "a stronger one, and is not run.",
    ]


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
        *reading(table, args.tie),
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
