"""The leaderboard of ``compare``: as text, as CSV and as a figure (PNG)."""

from __future__ import annotations

import math
import textwrap

import numpy as np

__all__ = ["format_leaderboard", "leaderboard_figure", "verdict", "write_csv", "write_plot"]

#: Colours of the figure: the best configuration, those the test cannot tell apart from it,
#: the others.
COLORS = {"best": "tab:red", "tied": "tab:orange", "other": "tab:blue"}
#: Decimal places of the leaderboard's scores; the ranking compares means to as many.
DECIMALS = 3


def _ok(row, metric):
    return row["error"] is None and not math.isnan(row[f"{metric}_mean"])


def verdict(row) -> str:
    """The "vs best" cell: ``best``, ``≈ (p 0.43)`` (cannot be told apart) or ``p 0.012``."""
    if row["error"] is not None or row.get("rank") is None:
        return ""
    if row["rank"] == 1:
        return "best"
    p = row.get("p_vs_best", math.nan)
    if p is None or math.isnan(p):
        return "n/a"
    return f"≈ (p {p:.2f})" if row["tied_with_best"] else f"p {p:.3f}"


def format_leaderboard(rows, metrics) -> str:
    """Plain-text leaderboard: rank, loss, reweight, mean ± std per metric, vs best, time, epochs.

    Parameters
    ----------
    rows : list of dict
        Ranked rows (:func:`sklearn_losses.compare.rank_configurations`) with
        ``loss`` and ``reweight`` names.
    metrics : list of str

    Returns
    -------
    text : str
        The table, then one ``failed:`` line per failed configuration.
    """
    header = ["rank", "loss", "reweight", *metrics, "vs best", "fit s/fold", "epochs"]
    body = []
    for r in rows:
        cells = [str(r["rank"]) if r["rank"] else "-", r["loss"], r["reweight"]]
        if r["error"] is not None:
            cells += ["failed"] + [""] * (len(metrics) - 1) + ["", "", ""]
        else:
            cells += [f"{r[f'{m}_mean']:.{DECIMALS}f} ± {r[f'{m}_std']:.{DECIMALS}f}"
                      for m in metrics]
            epochs = r["epochs"]  # NaN for a model without epochs (a --baseline model)
            cells += [verdict(r), f"{r['fit_s']:.2f}",
                      "-" if epochs is None or epochs != epochs else f"{epochs:.0f}"]
        body.append(cells)
    widths = [max(len(h), *(len(c[i]) for c in body)) for i, h in enumerate(header)]
    right = {0, *range(3, len(header))}

    def fmt(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    lines = [fmt(header), fmt(["-" * w for w in widths])]
    lines += [fmt(c) for c in body]
    for r in rows:
        if r["error"] is not None:
            lines.append(f"failed: {r['config']}: {r['error']}")
    return "\n".join(lines)


def write_csv(rows, metrics, path) -> None:
    """``leaderboard.csv``: one row per configuration, best first.

    Columns: ``rank``, ``loss``, ``reweight``, ``<metric>_mean`` and
    ``<metric>_std`` per metric, ``tied_with_best``, ``p_vs_best``,
    ``<metric>_folds`` (the fold scores, ``;``-separated), ``fit_s``,
    ``epochs``, ``total_s``, ``error``, ``warnings``.
    """
    import pandas as pd

    cols = ["rank", "loss", "reweight"]
    for m in metrics:
        cols += [f"{m}_mean", f"{m}_std"]
    cols += ["tied_with_best", "p_vs_best", *(f"{m}_folds" for m in metrics),
             "fit_s", "epochs", "total_s", "error", "warnings"]
    records = []
    for r in rows:
        rec = {**r, "warnings": " | ".join(r["warnings"])}
        for m in metrics:
            rec[f"{m}_folds"] = ";".join(f"{s:.6g}" for s in r["scores"][m]) \
                if r["error"] is None else ""
        records.append(rec)
    table = pd.DataFrame(records, columns=cols)
    table["rank"] = table["rank"].astype("Int64")
    table.to_csv(path, index=False, float_format="%.6g")


def _limits(values):
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    span = max(hi - lo, 1e-3)
    return lo - 0.06 * span, hi + 0.06 * span


def leaderboard_figure(rows, metrics, n_folds, *, title="sklearn-losses compare",
                       alpha=0.05, lower_is_better=()):
    """The leaderboard figure: one panel per metric, a row per configuration.

    Each row shows the fold scores (small dots) and their mean with the
    standard deviation over the folds (error bar); best on top, in the order
    of the ranking. The best configuration is red, those that cannot be told
    apart from it orange, the others blue. Each panel's axis is fitted to
    its data (fold scores and error bars), so read the differences against
    the spread of the folds. Failed configurations are listed under the
    panels. Height and font size follow the number of configurations.

    Parameters
    ----------
    rows : list of dict
        Ranked rows (``config``, ``scores``, means, stds, ``rank``,
        ``tied_with_best``, ``error``).
    metrics : list of str
        One panel each; the first ranks.
    n_folds : int
    title : str
        The figure's title (the data set's name goes here).
    alpha : float
        The level of the test, for the legend.
    lower_is_better : collection of str
        Metrics whose smaller values are better (their axis says so).

    Returns
    -------
    fig : matplotlib.figure.Figure or None
        None when no configuration succeeded.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    ok = [r for r in rows if _ok(r, metrics[0])]
    failed = [r for r in rows if not _ok(r, metrics[0])]
    if not ok:
        return None
    n = len(ok)
    fontsize = 8 if n <= 25 else 6.5 if n <= 50 else 5
    row_h = 0.24 if n <= 25 else 0.17 if n <= 50 else 0.13
    note_lines = []
    if failed:
        text = "Failed: " + "; ".join(f"{r['config']} ({r['error']})" for r in failed)
        note_lines = textwrap.wrap(text, 150)[:12]
    label_w = max(len(r["config"]) for r in ok) * fontsize * 0.0085
    width = label_w + 2.6 * len(metrics) + 0.4
    height = 1.5 + row_h * n + 0.16 * len(note_lines)
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # the Agg canvas: no display, no pyplot state
    axes = fig.subplots(1, len(metrics), sharey=True, squeeze=False)[0]
    pos = np.arange(n)[::-1]  # best on top
    rng = np.random.default_rng(0)
    jitter = rng.uniform(-0.18, 0.18, size=(n, max(n_folds, 1)))
    colors = [COLORS["best"] if r["rank"] == 1 else COLORS["tied"] if r["tied_with_best"]
              else COLORS["other"] for r in ok]
    for ax, metric in zip(axes, metrics):
        values = []
        for i, (r, p, c) in enumerate(zip(ok, pos, colors)):
            folds = np.asarray(r["scores"][metric], dtype=float)
            m, sd = r[f"{metric}_mean"], r[f"{metric}_std"]
            ax.scatter(folds, p + jitter[i, :len(folds)], s=6, color="0.45", alpha=0.7,
                       linewidths=0, zorder=2)
            ax.errorbar(m, p, xerr=sd, fmt="o", color=c, markersize=4, capsize=2,
                        elinewidth=1, zorder=3)
            values += [*folds, m - sd, m + sd]
        ax.set_xlim(*_limits(values))
        ax.set_title(metric + (" (ranks)" if metric == metrics[0] else ""), fontsize=fontsize + 1)
        ax.tick_params(labelsize=fontsize)
        ax.grid(axis="x", alpha=0.3)
        ax.set_xlabel("lower is better" if metric in lower_is_better else "greater is better",
                      fontsize=fontsize)
    axes[0].set_yticks(pos, [r["config"] for r in ok], fontsize=fontsize)
    axes[0].set_ylim(-0.7, n - 0.3)
    fig.suptitle(f"{title}: mean ± std over {n_folds} folds, fold scores as dots",
                 fontsize=fontsize + 2)
    handles = [Line2D([], [], marker="o", ls="", color=COLORS["best"], label="best"),
               Line2D([], [], marker="o", ls="", color=COLORS["tied"],
                      label=f"cannot be told apart from the best (corrected t-test, "
                            f"p ≥ {alpha:g})"),
               Line2D([], [], marker="o", ls="", color=COLORS["other"], label="worse"),
               Line2D([], [], marker=".", ls="", color="0.45", label="fold scores")]
    # one artist below the panels, which constrained layout makes room for: the failed
    # configurations (its title) and the legend
    legend = fig.legend(handles=handles, loc="outside lower center", ncols=4,
                        fontsize=fontsize, frameon=False, title="\n".join(note_lines) or None,
                        title_fontsize=fontsize)
    legend.get_title().set_color("tab:red")
    return fig


def write_plot(rows, metrics, n_folds, path, **kwargs) -> bool:
    """Write :func:`leaderboard_figure` to ``path`` (PNG); False (nothing written) without data."""
    fig = leaderboard_figure(rows, metrics, n_folds, **kwargs)
    if fig is None:
        return False
    fig.savefig(path, dpi=120)
    return True
