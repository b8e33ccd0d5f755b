"""One small name registry shared by losses, re-weighting schemes and metrics.

Each registry maps a name to an object (a class for losses and re-weighting
schemes, an instance for metrics). Unknown names raise one ``ValueError``
that suggests the closest registered name and lists them all.
"""

from __future__ import annotations

import difflib
from typing import Any, Callable, Iterator

__all__ = ["Registry"]


class Registry:
    """Named objects of one kind, with a register decorator and helpful lookups.

    Parameters
    ----------
    kind : str
        What the registry holds, in words ("loss", "re-weighting scheme",
        "metric"); used in error messages.
    unknown_message : str, optional
        Start of the error for an unknown name, formatted with ``name``
        (its repr); default ``"Unknown {kind} {name}."``.
    listing : str, optional
        Text before the list of valid names; default
        ``"Available {kind} names:"``.
    """

    def __init__(self, kind: str, unknown_message: str | None = None,
                 listing: str | None = None):
        self.kind = kind
        self._unknown = unknown_message or f"Unknown {kind} {{name}}."
        self._listing = listing or f"Available {kind} names:"
        self._items: dict[str, Any] = {}

    # -- registration ------------------------------------------------------
    def add(self, name: str, obj: Any) -> Any:
        """Register ``obj`` under ``name``; ValueError if the name is taken by another."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"A {self.kind} name must be a non-empty string; got {name!r}.")
        if name in self._items and self._items[name] is not obj:
            raise ValueError(f"A {self.kind} named {name!r} is already registered.")
        self._items[name] = obj
        return obj

    def register(self, name: str, check: Callable[[Any], None] | None = None):
        """Class decorator: register the class under ``name`` and set ``cls.name``.

        ``check(cls)`` runs first and may raise (e.g. TypeError for a class
        of the wrong base).
        """

        def decorator(cls):
            if check is not None:
                check(cls)
            self.add(name, cls)
            cls.name = name
            return cls

        return decorator

    # -- lookups -------------------------------------------------------------
    def names(self) -> list[str]:
        """Sorted registered names."""
        return sorted(self._items)

    def unknown_error(self, name: Any, extra: str = "") -> ValueError:
        """The ValueError for an unknown ``name``: closest match, then all names."""
        hint = ""
        if isinstance(name, str):
            close = difflib.get_close_matches(name, self.names(), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
        return ValueError(
            f"{self._unknown.format(name=repr(name))}{hint} {self._listing} "
            f"{', '.join(self.names())}{extra}."
        )

    def get(self, name: Any, extra: str = "") -> Any:
        """The object registered under ``name``; :meth:`unknown_error` otherwise.

        ``extra`` is appended to the list of valid names in the error (e.g.
        other accepted values).
        """
        try:
            return self._items[name]
        except (KeyError, TypeError):  # TypeError: unhashable name
            raise self.unknown_error(name, extra) from None

    def __contains__(self, name: Any) -> bool:
        try:
            return name in self._items
        except TypeError:
            return False

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)

    def values(self):
        """Registered objects, in name order."""
        return [self._items[n] for n in self.names()]
