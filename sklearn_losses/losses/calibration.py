"""Calibration-minded losses: losses that change how confident the network
becomes (squentropy, encouraging loss, spherical Z-loss)."""

from __future__ import annotations

__all__: list[str] = []
