"""What the modules of the command line share: the program name, the error type, formatting."""

from __future__ import annotations

import difflib
import sys

PROG = "sklearn-losses"


class CLIError(Exception):
    """A usage or data error: reported on stderr without a traceback, exit status 2."""


def format_label(value) -> str:
    """A class label as the messages show it: floats short, strings quoted."""
    np = sys.modules.get("numpy")  # not imported here: list-losses and --help do without it
    if np is not None and isinstance(value, np.generic):
        value = value.item()
    return f"{value:.4g}" if isinstance(value, float) else repr(value)


def plural(n, word, plural_form=None) -> str:
    """``"1 fold"``, ``"3 folds"``."""
    return f"{n} {word if n == 1 else (plural_form or word + 's')}"


def unknown(kind, name, valid, extra="") -> CLIError:
    """The error for an unknown name, with the closest valid one."""
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return CLIError(f"unknown {kind} {name!r}{hint}. Valid {kind} names: "
                    f"{', '.join(valid)}{extra}.")


def error(message) -> None:
    """A line on stderr, whatever ``--quiet`` says."""
    print(message, file=sys.stderr)
