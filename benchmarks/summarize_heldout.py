"""Summarize held-out runs (``bench_heldout.py``) as issue 19's protocol asks.

From one or more per-fold CSVs, for each split present (confirm first):

- per method, the mean over tables of MCC, AP, ROC AUC and fit + predict
  seconds per fold (each table's value: the mean over its folds, then over
  the seeds);
- W/T/L against ``--reference`` (default ``catboost_balanced``) on the
  seed-averaged per-table values, a tie being ``|difference| < 0.01``
  (``_common.compare_methods``; a failed fit counts as a loss);
- the two-sided Wilcoxon signed-rank p-value over the per-table means
  (``scipy.stats.wilcoxon``, its defaults: zero differences dropped), with n,
  the tables compared;
- the same by size bucket (``size`` of ``split.csv``: <1k, 1k-5k, >5k);
- the bucket rule: the candidate (``--candidate``, default ``default``) must
  not trail ``mlp`` or ``hgb_balanced`` in mean AP in any size bucket;

and, when both splits are present, the two side by side. Only tables complete
for every method and seed shown are summarized (the others are listed).
A run that is not a protocol run (fewer than 5 folds, e.g. ``--quick``; fewer
than 3 seeds; not every table of the split) says so at the top.

    python benchmarks/summarize_heldout.py benchmarks/results/heldout/heldout.csv
    python benchmarks/summarize_heldout.py runs/*.csv --seeds 0 1 2 --write-docs
"""

from __future__ import annotations

import argparse
import shlex
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

import _common as common
from make_split import SIZE_BUCKETS, SPLIT_PATH

#: column -> label (higher is better).
METRICS = {"mcc": "MCC", "ap": "AP", "roc_auc": "ROC AUC"}
#: A table is a tie when the two seed-averaged values differ by less than this.
TIE = 0.01
#: Per-table differences are rounded to this many decimals before the Wilcoxon test: a
#: difference of float noise (1e-16) is a zero, as the test drops.
ZERO_DECIMALS = 9
SIZES = tuple(name for _, _, name in SIZE_BUCKETS)
REFERENCE = "catboost_balanced"
CANDIDATE = "default"
ANCHORS = ("mlp", "hgb_balanced")
PROTOCOL_FOLDS, PROTOCOL_SEEDS = 5, 3
DOCS_PAGE = common.DOCS_DIR / "heldout.md"
SPLIT_ORDER = ("confirm", "choose")


# ------------------------------------------------------------------- input
def load_results(paths):
    """Concatenate per-fold CSVs; a fold present in several keeps its last row."""
    frames = []
    for path in paths:
        if not Path(path).is_file():
            raise SystemExit(f"no such CSV: {path}")
        frames.append(pd.read_csv(path, dtype={"table": str, "method": str, "error": str},
                                  keep_default_na=False, na_values={
                                      c: ["", "nan", "NaN"] for c in (*METRICS, "fit_s",
                                                                      "predict_s", "epochs")}))
    if not frames:
        raise SystemExit("no CSV given")
    results = pd.concat(frames, ignore_index=True)
    missing = {"table", "split", "size", "seed", "fold", "method", "folds", "fit_s",
               "predict_s", "error", *METRICS} - set(results.columns)
    if missing:
        raise SystemExit(f"the CSVs lack the column(s) {sorted(missing)} "
                         "(written by bench_heldout.py)")
    results["error"] = results["error"].fillna("")
    results = results.drop_duplicates(["table", "seed", "method", "fold", "folds"], keep="last")
    if "config" in results.columns:  # one configuration per method name (bench_heldout.py)
        ids = results.loc[results["config"].astype(str) != "", ["method", "config"]]
        mixed = ids.groupby("method")["config"].nunique()
        mixed = mixed[mixed > 1]
        if len(mixed):
            raise SystemExit(f"rows of several configurations under one method name: "
                             f"{', '.join(mixed.index)}; summarize them under separate names")
    return results


# ------------------------------------------------------------------- math
def per_table(results, methods, seeds=None):
    """Seed-averaged per-table values of one split: ``(table, coverage)``.

    ``table``: one row per (table, method) with ``size``, the metrics (mean
    over folds, then over seeds; NaN when a fold failed), ``seconds`` (fit +
    predict per fold) and ``failed`` (folds with an error). Only tables with
    every fold of every method for every seed are kept. ``coverage``: dict of
    ``seeds``, ``folds``, ``complete`` and ``incomplete`` table names.
    """
    data = results[results["method"].isin(methods)].reset_index(drop=True)
    if seeds is not None:
        data = data[data["seed"].isin(seeds)]
    seeds = sorted(data["seed"].unique().tolist())
    folds = sorted(data["folds"].unique().tolist())
    if len(folds) > 1:
        raise SystemExit(f"results of different K-fold splits ({folds}) cannot be averaged")
    expected = len(methods) * len(seeds) * (folds[0] if folds else 0)
    counts = data.groupby("table").size()
    complete = sorted(counts.index[counts == expected])
    incomplete = sorted(set(data["table"]) - set(complete))
    data = data[data["table"].isin(complete)]
    data = data.assign(seconds=data["fit_s"] + data["predict_s"], failed=data["error"] != "")
    keys = ["table", "size", "method"]
    by_seed = data.groupby([*keys, "seed"]).agg(
        **{m: (m, lambda s: s.mean(skipna=False)) for m in METRICS},
        seconds=("seconds", "mean"), failed=("failed", "sum"))
    table = by_seed.groupby(keys).agg(
        **{m: (m, lambda s: s.mean(skipna=False)) for m in METRICS},
        seconds=("seconds", "mean"), failed=("failed", "sum")).reset_index()
    return table, {"seeds": seeds, "folds": folds[0] if folds else None,
                   "complete": complete, "incomplete": incomplete}


def wilcoxon_p(values, reference):
    """``(p, n)``: two-sided Wilcoxon signed-rank p-value of paired values, NaN pairs dropped.

    ``p`` is NaN when no pair is left or every difference is zero.
    """
    a, b = np.asarray(values, dtype=float), np.asarray(reference, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    # differences of float noise (means of the same scores summed in another order) are zeros
    d = np.round(a[keep] - b[keep], ZERO_DECIMALS)
    if len(d) == 0 or np.all(d == 0):
        return np.nan, int(len(d))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.wilcoxon(d, alternative="two-sided").pvalue), int(len(d))


def compare(table, methods, reference=REFERENCE, tie=TIE):
    """Per method: tables, the means, seconds, failed folds, W/T/L and Wilcoxon p vs reference.

    ``table`` is one split's (or one size bucket's) :func:`per_table` output.
    The tie rule is ``|difference| < tie`` (``compare_methods`` counts
    ``<= tie``: it gets the largest float below ``tie``).
    """
    frame = table.rename(columns={"table": "dataset"})
    out = pd.DataFrame(index=pd.Index([m for m in methods if m in set(frame["method"])],
                                      name="method"))
    wide = {m: frame.pivot(index="dataset", columns="method", values=m) for m in METRICS}
    out["tables"] = frame.groupby("method")["dataset"].nunique()
    strict = np.nextafter(tie, 0.0)
    has_ref = reference in out.index
    summaries = {metric: common.compare_methods(frame, metric, reference, tie=strict)
                 .set_index("method") for metric in METRICS}
    for metric, label in METRICS.items():
        out[label] = summaries[metric]["mean"]
    out["s / fold"] = frame.groupby("method")["seconds"].mean()
    out["failed folds"] = frame.groupby("method")["failed"].sum().astype(int)
    paired = {method: tables_paired(wide, method, reference) for method in out.index
              if has_ref and method != reference}
    for metric, label in METRICS.items():
        out[f"W/T/L {label}"] = summaries[metric]["wtl"] if has_ref else "n/a"
        out[f"p {label}"] = [
            wilcoxon_p(wide[metric].loc[paired[m], m], wide[metric].loc[paired[m], reference])[0]
            if m in paired else np.nan for m in out.index]
    out["n"] = [len(paired[m]) if m in paired else np.nan for m in out.index]
    return out


def tables_paired(wide, method, reference):
    """The tables of the Wilcoxon tests of ``method``: a value for both in every metric."""
    both = pd.concat([wide[m][[method, reference]] for m in METRICS], axis=1)
    return both.index[both.notna().all(axis=1)]


def bucket_rule(table, candidate=CANDIDATE, anchors=ANCHORS):
    """The protocol's rule, per size bucket: ``[(size, verdict, {method: mean AP})]``.

    ``verdict``: ``"passes"``, ``"trails a, b"`` (the anchors whose mean AP over
    the bucket's tables is higher than the candidate's) or ``"not checked: ..."``.
    """
    results = []
    for size in [s for s in SIZES if s in set(table["size"])]:
        bucket = table[table["size"] == size]
        means = bucket.groupby("method")["ap"].agg(lambda s: s.mean(skipna=False))  # failed: NaN
        missing = [m for m in (candidate, *anchors) if m not in means.index]
        if missing:
            results.append((size, f"not checked: no results for {', '.join(missing)}",
                            means.to_dict()))
            continue
        ahead = [a for a in anchors if not means[candidate] >= means[a]]  # NaN: trails
        verdict = "passes" if not ahead else f"trails {', '.join(ahead)}"
        results.append((size, verdict, means[[candidate, *anchors]].to_dict()))
    return results


# ---------------------------------------------------------------- markdown
def _cells(frame):
    """Format a :func:`compare` frame for :func:`_common.markdown_table`."""
    shown = frame.copy()
    for column in shown.columns:
        if column.startswith("p "):
            shown[column] = [("" if np.isnan(v) else f"{v:.3g}") for v in shown[column]]
        elif column in ("s / fold",):
            shown[column] = [("n/a" if np.isnan(v) else f"{v:.2f}") for v in shown[column]]
        elif column in ("tables", "failed folds", "n"):
            shown[column] = [("" if pd.isna(v) else str(int(v))) for v in shown[column]]
    shown.index = [f"`{m}`" for m in shown.index]
    return shown.rename_axis("method").reset_index()


def shown_methods(data, methods):
    """``(kept, absent, partial, seeds)`` of one split's rows: the methods its tables show.

    A method not run on the split (``absent``), or not with every seed the
    others were run with (``partial``: method -> its seeds), is named and
    left out of the split's tables, instead of leaving every table
    incomplete; ``seeds`` is the union of the methods' seeds.
    """
    ran = data.groupby("method")["seed"].unique().to_dict()
    all_seeds = {s for m in methods if m in ran for s in ran[m]}
    absent = [m for m in methods if m not in ran]
    partial = {m: sorted(ran[m]) for m in methods if m in ran and set(ran[m]) != all_seeds}
    kept = [m for m in methods if m not in absent and m not in partial]
    return kept, absent, partial, all_seeds


def split_section(results, split, methods, *, reference, candidate, anchors, seeds=None):
    """Markdown lines of one split and its ``compare`` frame (None when nothing is complete)."""
    data = results[results["split"] == split]
    if seeds is not None:
        data = data[data["seed"].isin(seeds)]
    methods, absent, partial, all_seeds = shown_methods(data, methods)
    table, coverage = per_table(data, methods, seeds)
    in_split = pd.read_csv(SPLIT_PATH)
    n_split = int((in_split["split"] == split).sum())
    lines = [f"## {split}", ""]
    if absent:
        lines += [f"Not run on {split}: " + ", ".join(f"`{m}`" for m in absent) + ".", ""]
    if partial:
        lines += [f"Left out of {split} (run with fewer seeds than the others, "
                  f"{', '.join(map(str, sorted(all_seeds)))}): "
                  + ", ".join(f"`{m}` (seeds {', '.join(map(str, v))})"
                              for m, v in partial.items()) + ".", ""]
    if not coverage["complete"]:
        return lines + [f"No table of {split} has results for every method and seed shown "
                        f"({', '.join(methods)}; choose them with --methods and --seeds).",
                        ""], None
    overall = compare(table, methods, reference)
    sizes = table.groupby("size")["table"].nunique()
    lines += [
        f"{len(coverage['complete'])} of the {n_split} {split} tables "
        f"({', '.join(f'{s}: {sizes[s]}' for s in SIZES if s in sizes.index)}); "
        f"seeds {', '.join(map(str, coverage['seeds']))}; stratified {coverage['folds']}-fold "
        "CV. Tables: " + ", ".join(coverage["complete"]) + ".",
        "",
    ]
    if coverage["incomplete"]:
        lines += ["Left out (not every method, seed and fold present yet): "
                  + ", ".join(coverage["incomplete"]) + ".", ""]
    lines += [f"### All {split} tables", "", common.markdown_table(_cells(overall)), "",
              f"### {split} by size bucket", ""]
    for size in [s for s in SIZES if s in sizes.index]:
        bucket = compare(table[table["size"] == size], methods, reference)
        lines += [f"Size {size} ({sizes[size]} tables):", "",
                  common.markdown_table(_cells(bucket)), ""]
    lines += [f"### {split}: bucket rule", "",
              f"`{candidate}` must not trail {' or '.join(f'`{a}`' for a in anchors)} in mean AP "
              "in any size bucket.", ""]
    for size, verdict, means in bucket_rule(table, candidate, anchors):
        shown = ", ".join(f"{m} {v:.3f}" for m, v in means.items())
        text = verdict if verdict in ("passes",) or verdict.startswith("not checked") else \
            f"**{candidate} {verdict} in AP**"
        lines.append(f"- {size}: {text} (mean AP: {shown})")
    return lines + [""], overall


def side_by_side(frames, methods):
    """Choose and confirm in one table: the means and W/T/L of each split, per method."""
    columns = {}
    for label in [*METRICS.values(), "s / fold", "W/T/L AP", "p AP"]:
        for split in ("choose", "confirm"):
            columns[f"{label} {split}"] = frames[split][label]
    frame = pd.DataFrame(columns).reindex([m for m in methods if m in set(
        frames["choose"].index) | set(frames["confirm"].index)])
    for column in frame.columns:
        if column.startswith("p "):
            frame[column] = [("" if pd.isna(v) else f"{v:.3g}") for v in frame[column]]
        elif column.startswith("s / fold"):
            frame[column] = [("" if pd.isna(v) else f"{v:.2f}") for v in frame[column]]
    frame.index = [f"`{m}`" for m in frame.index]
    return frame.rename_axis("method").reset_index()


def status(results, methods, seeds=None):
    """``None`` for a protocol run, else a sentence on why these numbers are not to be reported.

    A protocol run is 5-fold, with at least 3 seeds, and every table of each split
    present complete (every method, seed and fold: :func:`per_table`).
    """
    data = results if seeds is None else results[results["seed"].isin(seeds)]
    reasons = []
    folds = sorted(data["folds"].unique().tolist())
    if folds != [PROTOCOL_FOLDS]:
        reasons.append(f"{'/'.join(map(str, folds))}-fold CV"
                       + (" (a `--quick` smoke run)" if folds == [2] else ""))
    n_seeds = data["seed"].nunique()
    if n_seeds < PROTOCOL_SEEDS:
        reasons.append(f"{n_seeds} seed(s)")
    split = pd.read_csv(SPLIT_PATH)
    for name in [s for s in SPLIT_ORDER if s in set(data["split"])]:
        if len(folds) > 1:
            break
        in_split = data[data["split"] == name]
        _, coverage = per_table(in_split, shown_methods(in_split, methods)[0])
        have, total = len(coverage["complete"]), int((split["split"] == name).sum())
        if have < total:
            reasons.append(f"{have} of the {total} {name} tables complete")
    if not reasons:
        return None
    return ("**Not a protocol run** (" + "; ".join(reasons) + "): these numbers show that "
            "the script runs; they are not figures to report. The protocol asks for "
            f"stratified {PROTOCOL_FOLDS}-fold CV, at least {PROTOCOL_SEEDS} seeds and every "
            "table of the split (see *Reproduce* below).")


def describe_methods(methods):
    """``{name: description}``, from ``bench_heldout.make_methods`` where the name is known."""
    import bench_heldout

    described = {}
    for method in methods:
        try:
            described[method] = bench_heldout.make_methods([method], 0)[1][method]
        except SystemExit as exc:
            described[method] = f"(not built here: {exc})"
    return described


TITLE = "Held-out evaluation (choose / confirm protocol)"

REPRODUCE = """\
## Reproduce

Every figure comes from the per-fold CSV of `benchmarks/bench_heldout.py` (one thread per
fit; rows are appended as each table, seed and method finishes, and a run given the same
`--out` again skips them, so a long run can be continued later):

```bash
pip install -e ".[bench]"   # catboost
# the default network, the default portfolio and the anchors, seeds 0 1 2, on both splits
# (hours on one core; --jobs N runs N fits side by side)
python benchmarks/bench_heldout.py --split both --out benchmarks/results/heldout
python benchmarks/summarize_heldout.py benchmarks/results/heldout/heldout.csv \\
    --methods default catboost_balanced mlp hgb_balanced wlc_portfolio --write-docs
# screening candidates: on choose only (wlc:key=value,... or a bench_quality.py method)
python benchmarks/bench_heldout.py --split choose --seeds 0 \\
    --methods default catboost_balanced "wlc:loss=focal" --out benchmarks/results/heldout
```

A smoke run, `python benchmarks/bench_heldout.py --split both --quick --out
benchmarks/results/heldout` (2 folds, the first seed, the 3 smallest tables of each split;
written to `heldout_quick.csv`, a minute), checks that the script runs; its numbers are not
results.
"""


def render(results, sources, *, methods=None, reference=REFERENCE, candidate=CANDIDATE,
           anchors=ANCHORS, seeds=None, command=None, title=TITLE, intro=None):
    """The Markdown page of the runs in ``results`` (read from the CSVs ``sources``)."""
    methods = list(methods or dict.fromkeys(results["method"]))
    if reference not in methods and reference in set(results["method"]):
        methods.insert(0, reference)
    descriptions = describe_methods(methods)
    lines = [f"# {title}", ""] + ([intro, ""] if intro else [])
    warning = status(results[results["method"].isin(methods)], methods, seeds)
    if warning:
        lines += [warning, ""]
    lines += [
        "## Protocol",
        "",
        "Tables: the 53 development tables split once into *choose* (defaults are picked "
        "there) and *confirm* (what ships is evaluated there; only confirm figures are "
        "reported), `benchmarks/split.csv`. Each table's value is the mean over the folds, "
        "then over the seeds (the seed sets the stratified folds and the models' "
        "`random_state`); the tables below give the mean over tables. MCC from `predict`; AP "
        "and ROC AUC from `predict_proba` of the positive (minority) class; *s / fold*: fit + "
        "predict seconds per fold, one thread per fit. "
        f"W/T/L against `{reference}` on the per-table values (tie: |difference| < {TIE}; a "
        "failed fit is a loss, a failed reference a win; a method that failed on a table has no "
        "mean); *p*: two-sided Wilcoxon signed-rank test over the per-table "
        f"values against `{reference}` (`scipy.stats.wilcoxon`, zero differences dropped, "
        "differences rounded to 9 decimals first); *n*: the tables paired (the test then drops "
        "those where the two values are equal, e.g. both 1.0).",
        "",
        "| method | estimator |",
        "|---|---|",
        *[f"| `{m}` | {descriptions[m]} |" for m in methods],
        "",
        "Sources: " + ", ".join(f"`{s}`" for s in sources)
        + (f"; produced by `{command}`" if command else "") + ".",
        "",
    ]
    frames = {}
    for split in [s for s in SPLIT_ORDER if s in set(results["split"])]:
        section, frames[split] = split_section(results, split, methods, reference=reference,
                                               candidate=candidate, anchors=anchors,
                                               seeds=seeds)
        lines += section
    if all(frames.get(s) is not None for s in ("choose", "confirm")):
        lines += ["## choose and confirm side by side", "",
                  common.markdown_table(side_by_side(frames, methods)), ""]
    lines.append(REPRODUCE)
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", nargs="+", type=Path, help="per-fold CSVs of bench_heldout.py")
    parser.add_argument("--methods", nargs="+", default=None,
                        help="methods to show (default: all in the CSVs)")
    parser.add_argument("--reference", default=REFERENCE, help="W/T/L and Wilcoxon against it")
    parser.add_argument("--candidate", default=CANDIDATE, help="the default the bucket rule checks")
    parser.add_argument("--anchors", nargs="+", default=list(ANCHORS),
                        help="the candidate must not trail these in mean AP in any size bucket")
    parser.add_argument("--seeds", type=int, nargs="+", default=None,
                        help="only these seeds (default: all present)")
    parser.add_argument("--split", choices=SPLIT_ORDER, default=None,
                        help="only this split (default: every split in the CSVs)")
    parser.add_argument("--title", default=TITLE, help="the page's title")
    intro = parser.add_mutually_exclusive_group()
    intro.add_argument("--intro", default=None, help="a paragraph under the title")
    intro.add_argument("--intro-file", type=Path, default=None,
                       help="a Markdown file whose text goes under the title")
    parser.add_argument("--out", type=Path, default=None, help="also write the page here")
    parser.add_argument("--write-docs", action="store_true",
                        help="also write the page to docs/benchmarks/heldout.md")
    args = parser.parse_args(argv)
    if args.intro_file is not None:
        args.intro = args.intro_file.read_text().strip()
    results = load_results(args.csv)
    if args.split is not None:
        results = results[results["split"] == args.split]
    command = "python benchmarks/summarize_heldout.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    markdown = render(results, [str(p) for p in args.csv], methods=args.methods,
                      reference=args.reference, candidate=args.candidate,
                      anchors=tuple(args.anchors), seeds=args.seeds, command=command,
                      title=args.title, intro=args.intro)
    print(markdown)
    for path in [args.out, DOCS_PAGE if args.write_docs else None]:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(markdown)
            print(f"wrote {path}")
    return markdown


if __name__ == "__main__":
    main()
