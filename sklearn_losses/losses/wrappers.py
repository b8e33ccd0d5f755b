"""Wrappers that modify any loss of the zoo (``logit_clip``)."""

from __future__ import annotations

__all__: list[str] = []
