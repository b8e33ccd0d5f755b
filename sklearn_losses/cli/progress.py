"""Progress of the fits on stderr: a bar on a terminal, one line per fold otherwise."""

from __future__ import annotations

import sys
import time

__all__ = ["Progress", "format_seconds"]


def format_seconds(seconds) -> str:
    """``"<1 s"``, ``"42 s"``, ``"3.5 min"``, ``"1.2 h"``."""
    if seconds < 1:
        return "<1 s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """Progress of the fits on stderr.

    Parameters
    ----------
    mode : {"auto", "bar", "lines"}
        ``"bar"``: a tqdm bar over every (configuration, fold) fit, notes
        written above it; ``"lines"``: one line per finished fold, with an
        estimate of the time left; ``"auto"``: the bar when stderr is a
        terminal and tqdm is installed, else lines.
    total : int
        Number of (configuration, fold) fits.
    quiet : bool, default=False
        Show neither (``--quiet``); :meth:`write` still prints.
    """

    def __init__(self, mode, total, quiet=False):
        self.total, self.done, self.quiet = total, 0, quiet
        self.t0 = time.perf_counter()
        self.bar = None
        if quiet:
            mode = "none"
        elif mode in ("auto", "bar"):
            try:
                from tqdm import tqdm
            except ImportError:  # tqdm comes with skorch, but may be missing
                tqdm = None
            is_tty = getattr(sys.stderr, "isatty", lambda: False)()
            if tqdm is not None and (mode == "bar" or is_tty):
                self.bar = tqdm(total=total, unit="fit", desc="cross-validating",
                                file=sys.stderr, dynamic_ncols=True, leave=False)
                mode = "bar"
            else:
                mode = "lines"
        self.mode = mode

    def write(self, message):
        """Print a line on stderr (above the bar, if any), even with --quiet."""
        if self.bar is not None:
            self.bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr)

    def note(self, message):
        """Print a line on stderr unless --quiet."""
        if not self.quiet:
            self.write(message)

    def fold_done(self, prefix, fold, n_folds, metric, score, fit_s, epochs):
        """A fold finished: advance the bar, or print its line."""
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.mode == "lines":
            left = ""
            if self.done < self.total:
                elapsed = time.perf_counter() - self.t0
                left = format_seconds(elapsed / self.done * (self.total - self.done))
                left = f", {left if left.startswith('<') else '~' + left} left"
            ran = "" if epochs is None else f"{epochs:.0f} epochs, "  # None: no epochs
            print(f"  {prefix}, fold {fold + 1}/{n_folds}: {metric} {score:.3f} "
                  f"({ran}{fit_s:.1f} s); {self.done}/{self.total} fits done{left}",
                  file=sys.stderr)

    def skip(self, n=1):
        """Fits that will not run (their configuration failed)."""
        self.done += n
        if self.bar is not None and n:
            self.bar.update(n)

    def close(self):
        """Remove the bar."""
        if self.bar is not None:
            self.bar.close()
