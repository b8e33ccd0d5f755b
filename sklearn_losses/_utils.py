"""Small helpers shared by the comparison loop and the command line (no heavy imports)."""

from __future__ import annotations

__all__ = ["dedupe", "format_warning"]


def dedupe(items) -> list:
    """The items in order, each once."""
    return list(dict.fromkeys(items))


def format_warning(w) -> str:
    """A caught warning (``warnings.WarningMessage``) as ``"Category: message"``."""
    return f"{w.category.__name__}: {str(w.message).strip()}"
