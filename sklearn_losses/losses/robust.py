"""Noise-robust losses: bounded or symmetric losses that limit the pull of
mislabelled samples (GCE, MAE, comp-sum, SCE, NCE, active-passive, LDR)."""

from __future__ import annotations

__all__: list[str] = []
