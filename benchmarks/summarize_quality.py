"""Summarize quality runs over seeds: the table that decides a default against an anchor.

Reads one or more per-fit CSVs of ``bench_quality.py`` (each run is one seed;
runs of other methods on the same seed may be separate files) and prints, per
method, over the seeds present for every method:

- the mean over datasets of the fold means, averaged over seeds (and each
  seed's own mean, to show the spread);
- the mean rank among the methods shown (per dataset, on the seed-averaged
  values; 1 = best; a failed fit, NaN, ranks last and counts as a loss);
- W/T/L against ``--reference`` on the seed-averaged per-dataset values (a
  tie is a difference of at most ``--tie``);
- the mean seconds per fold and its ratio to the reference's.

Fit times compare only between methods measured in the same conditions (the
same machine, idle, the same ``--jobs``); ``--time-from`` names the CSV(s)
whose fit times are used, the others' are left out.

    python benchmarks/summarize_quality.py benchmarks/results/quality_anchors.csv \\
        benchmarks/results/quality_default_seed*.csv --reference catboost_balanced
    python benchmarks/summarize_quality.py runs/*.csv --methods wlc_default catboost_balanced \\
        --out docs/benchmarks/summary.md
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import _common as common

#: column -> label, in table order (higher is better).
METRICS = {"mcc": "MCC", "average_precision": "AP", "roc_auc": "ROC AUC"}


def load_runs(paths):
    """Concatenate per-fit CSVs (each with the ``seed`` column ``bench_quality.py`` writes)."""
    frames = []
    for path in paths:
        frame = pd.read_csv(path)
        if "seed" not in frame:
            raise SystemExit(f"{path} has no 'seed' column (written by bench_quality.py since "
                             "it ran several seeds); add one for an older run")
        frame["source"] = str(path)
        frames.append(frame)
    if not frames:
        raise SystemExit("no CSV given")
    results = pd.concat(frames, ignore_index=True)
    missing = {"dataset", "fold", "method", "fit_s", *METRICS} - set(results.columns)
    if missing:
        raise SystemExit(f"the CSVs lack the column(s) {sorted(missing)}")
    return results


def common_seeds(results, methods):
    """The seeds every method in ``methods`` has results for (sorted)."""
    seeds = None
    for method in methods:
        mine = set(results.loc[results["method"] == method, "seed"])
        if not mine:
            raise SystemExit(f"no results for method {method!r}; present: "
                             f"{sorted(results['method'].unique())}")
        seeds = mine if seeds is None else seeds & mine
    if not seeds:
        raise SystemExit(f"no seed has results for all of {methods}")
    return sorted(seeds)


def summarize(results, methods, reference, *, tie=0.005, time_sources=None):
    """The summary table (one row per method) and the per-seed means (method x seed).

    Rows of the same (method, seed, dataset, fold) from several files are
    averaged (a method run twice on a seed counts once). Datasets missing for
    some method on some seed are dropped for all methods, so that every mean
    is over the same tables.
    """
    if reference not in methods:
        methods = [reference, *methods]
    seeds = common_seeds(results, methods)
    data = results[results["method"].isin(methods) & results["seed"].isin(seeds)]
    folds = data.groupby(["method", "seed", "dataset", "fold"])[list(METRICS)].mean()
    per_seed = folds.groupby(["method", "seed", "dataset"]).mean()
    counts = per_seed.groupby("dataset").size()
    complete = counts.index[counts == len(methods) * len(seeds)]
    per_seed = per_seed[per_seed.index.get_level_values("dataset").isin(complete)]
    seed_means = per_seed.groupby(["method", "seed"]).mean()
    per_dataset = per_seed.groupby(["method", "dataset"]).mean()  # averaged over seeds

    # mean, mean rank and W/T/L per metric: the benchmarks' one comparison
    # (a failed fit, NaN, ranks last and loses)
    frame = per_dataset.reset_index()
    compared = {metric: common.compare_methods(frame, metric, reference, tie=tie)
                .set_index("method").reindex(methods) for metric in METRICS}
    table = pd.DataFrame(index=pd.Index(methods, name="method"))
    for metric, label in METRICS.items():
        table[label] = compared[metric]["mean"]
    for metric, label in METRICS.items():
        table[f"rank {label}"] = compared[metric]["mean_rank"]
    for metric, label in list(METRICS.items())[:2]:
        c = compared[metric]
        table[f"W/T/L {label}"] = [f"{w}/{t}/{l}" for w, t, l in
                                   zip(c["wins"], c["ties"], c["losses"])]

    timed = data if time_sources is None else data[data["source"].isin(time_sources)]
    timed = timed[timed["dataset"].isin(complete)]
    fit = timed.groupby(["method", "seed", "dataset"])["fit_s"].mean()
    seconds = fit.groupby("method").mean()
    table["fit s / fold"] = seconds.reindex(table.index)
    # ratio on the (seed, dataset) pairs both were timed on
    ratios = []
    for method in table.index:
        if method not in seconds.index or reference not in seconds.index:
            ratios.append(np.nan)
            continue
        both = fit.loc[method].index.intersection(fit.loc[reference].index)
        ratios.append(fit.loc[method].loc[both].sum() / fit.loc[reference].loc[both].sum())
    table[f"fit time / {reference}"] = ratios
    return table, seed_means, seeds, len(complete)


def to_markdown(table, seed_means, seeds, n_datasets, reference, tie, *, title=None,
                command=None, intro=None):
    """Markdown of :func:`summarize`'s output (``title``: a heading; ``intro``: a paragraph
    after it; ``command``: how the page was made)."""
    lines = []
    if title:
        lines += [f"# {title}", ""]
    if intro:
        lines += [intro.strip(), ""]
    if command:
        lines += [f"Produced by `{command}`.", ""]
    lines += [f"{n_datasets} datasets, seeds {', '.join(map(str, seeds))}; means of the fold "
             f"means over datasets, averaged over seeds; ranks and W/T/L (vs `{reference}`, "
             f"tie = |difference| <= {tie}) on the seed-averaged per-dataset values.", ""]
    header = ["method", *table.columns]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for method, row in table.iterrows():
        cells = [f"`{method}`"]
        for column, value in row.items():
            if isinstance(value, str):
                cells.append(value)
            elif np.isnan(value):
                cells.append("n/a")
            elif column.startswith(("rank", "fit")):
                cells.append(f"{value:.2f}")
            else:
                cells.append(f"{value:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Per seed (mean over datasets):", "",
              "| method | seed | " + " | ".join(METRICS.values()) + " |",
              "|---|---|" + "---|" * len(METRICS)]
    for (method, seed), row in seed_means.iterrows():
        values = " | ".join(f"{row[m]:.3f}" for m in METRICS)
        lines.append(f"| `{method}` | {seed} | {values} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", nargs="+", type=Path, help="per-fit CSVs of bench_quality.py")
    parser.add_argument("--reference", default="catboost_balanced",
                        help="the method W/T/L and time ratios are against")
    parser.add_argument("--methods", nargs="+", default=None,
                        help="methods to show (default: every method in the CSVs)")
    parser.add_argument("--tie", type=float, default=0.005)
    parser.add_argument("--time-from", nargs="+", type=Path, default=None,
                        help="CSVs whose fit times are used (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="also write the markdown here")
    parser.add_argument("--title", default=None, help="a heading for the markdown page")
    parser.add_argument("--intro", type=Path, default=None,
                        help="a markdown file whose text goes under the heading")
    args = parser.parse_args(argv)
    for path in args.csv:
        if not path.is_file():
            raise SystemExit(f"no such CSV: {path}")
    results = load_runs(args.csv)
    methods = args.methods or list(dict.fromkeys(results["method"]))
    time_sources = None if args.time_from is None else [str(p) for p in args.time_from]
    table, seed_means, seeds, n = summarize(results, methods, args.reference, tie=args.tie,
                                            time_sources=time_sources)
    command = "python benchmarks/summarize_quality.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    intro = None if args.intro is None else args.intro.read_text()
    markdown = to_markdown(table, seed_means, seeds, n, args.reference, args.tie,
                           title=args.title, command=command, intro=intro)
    print(markdown)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(markdown)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
