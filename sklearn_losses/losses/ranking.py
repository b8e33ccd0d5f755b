"""Batch-level ranking losses: AUC surrogates and stochastic margin-loss ensembles."""

from __future__ import annotations

__all__: list[str] = []
