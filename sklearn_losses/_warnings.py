"""User-facing warnings that point at the user's code.

A warning raised deep inside a fit (the training plan, the engine, a
callback run by skorch) would, with a fixed ``stacklevel``, point at a line
of this package or of skorch, and the stack depth changes with the call path
(``fit``, ``partial_fit``, a ``Pipeline``). :func:`warn_user` instead walks
up the stack past every frame of this package and of the libraries it calls
back through (skorch, torch, contextlib, joblib, and scikit-learn and
imbalanced-learn: their ``Pipeline``, ``GridSearchCV``, ``cross_validate``
and meta-estimators), so the warning is attributed to the first caller
outside them: the user's line that called ``fit``, ``grid.fit`` or
``cross_validate``. In a worker process or thread (``n_jobs=2``) no such
line is above them: the warning then points at the meta-estimator's line
that called ``fit``.
"""

from __future__ import annotations

import sys
import threading
import warnings
from contextlib import contextmanager

__all__ = ["SILENT_CATEGORIES", "each_warning_once", "warn_user"]

#: Warning categories that code run on the user's behalf (fits in folds, members of an
#: ensemble) records but does not pass on: meant for developers, not users, and hidden by
#: Python's default filters outside ``__main__``.
SILENT_CATEGORIES = (DeprecationWarning, PendingDeprecationWarning)

#: Modules whose frames are passed over: this package and what it calls back through.
_INTERNAL = ("sklearn_losses", "skorch", "torch", "contextlib", "functools", "joblib",
             "sklearn.base", "sklearn.utils._set_output")
#: Modules of the meta-estimators that call ``fit`` on the user's behalf: passed over too,
#: unless nothing but a worker's start is above them (then the warning points at the first).
_META = ("sklearn", "imblearn")
#: The start of a worker process or thread (no user code above it).
_WORKER = ("multiprocessing", "concurrent", "threading", "queue", "runpy")


def _in(frame, modules) -> bool:
    name = frame.f_globals.get("__name__", "")
    return any(name == m or name.startswith(m + ".") for m in modules)


_ONCE = threading.local()


@contextmanager
def each_warning_once():
    """Within the block (in this thread), :func:`warn_user` gives a warning of one category
    and text once: for work done in parts (a prediction by chunks of rows) that would
    repeat it. Python's warning filters are left alone (changing them is not
    thread-safe)."""
    previous = getattr(_ONCE, "seen", None)
    _ONCE.seen = set() if previous is None else previous
    try:
        yield
    finally:
        _ONCE.seen = previous


def warn_user(message, category=UserWarning):
    """``warnings.warn(message, category)`` attributed to the first frame outside the package
    and the meta-estimators calling it: the user's line. In a worker process or thread,
    where no such line is above them, the first meta-estimator frame (the line of
    ``cross_validate``'s or ``GridSearchCV``'s that called ``fit``)."""
    seen = getattr(_ONCE, "seen", None)
    if seen is not None:
        if (category, str(message)) in seen:
            return
        seen.add((category, str(message)))
    level, first_meta = 1, None
    frame = sys._getframe(0)
    while frame.f_back is not None and (_in(frame, _INTERNAL) or _in(frame, _META)):
        if first_meta is None and not _in(frame, _INTERNAL):
            first_meta = level
        frame = frame.f_back  # the outermost frame at most
        level += 1
    if first_meta is not None and (_in(frame, _WORKER) or _in(frame, _INTERNAL)
                                   or _in(frame, _META)):
        level = first_meta
    warnings.warn(message, category, stacklevel=level)
