"""Batch-level metric losses: differentiable confusion-matrix metrics (AnyLoss)."""

from __future__ import annotations

__all__: list[str] = []
