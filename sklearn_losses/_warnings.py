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
``cross_validate``.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["SILENT_CATEGORIES", "warn_user"]

#: Warning categories that code run on the user's behalf (fits in folds, members of an
#: ensemble) records but does not pass on: meant for developers, not users, and hidden by
#: Python's default filters outside ``__main__``.
SILENT_CATEGORIES = (DeprecationWarning, PendingDeprecationWarning)

#: Modules whose frames are passed over: this package and what it calls back through.
_INTERNAL = ("sklearn_losses", "skorch", "torch", "contextlib", "functools", "joblib",
             "sklearn", "imblearn")


def _internal(frame) -> bool:
    name = frame.f_globals.get("__name__", "")
    return any(name == m or name.startswith(m + ".") for m in _INTERNAL)


def warn_user(message, category=UserWarning):
    """``warnings.warn(message, category)`` attributed to the first frame outside the package."""
    level = 1
    frame = sys._getframe(0)
    while frame.f_back is not None and _internal(frame):  # the outermost frame at most
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
