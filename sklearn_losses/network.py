"""The network the estimators train: a multi-layer perceptron for tabular data."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["ACTIVATIONS", "MLP"]

#: Hidden-layer activations accepted by ``activation=``.
ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "silu": nn.SiLU}


class MLP(nn.Module):
    """Fully connected network ``n_features -> hidden... -> n_outputs``.

    Parameters
    ----------
    n_features : int
        Input width.
    n_outputs : int
        Output width; one logit per class (2 for binary problems).
    hidden_layer_sizes : tuple of int
        Width of each hidden layer; ``()`` gives a linear model.
    activation : {"relu", "gelu", "tanh", "silu"}
        Hidden-layer non-linearity.
    dropout : float in [0, 1)
        Dropout probability after each hidden activation.
    generator : torch.Generator or None, default=None
        Draw the initial weights from this generator (PyTorch's default
        ``nn.Linear`` initialisation, on the CPU) instead of the global RNG,
        which is then neither used nor changed.
    """

    def __init__(self, n_features, n_outputs, hidden_layer_sizes=(128, 128), activation="relu",
                 dropout=0.0, generator=None):
        super().__init__()
        device = None if generator is None else "meta"  # meta: no global RNG draws
        layers = []
        width = n_features
        for size in hidden_layer_sizes:
            layers.append(nn.Linear(width, size, device=device))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_outputs, device=device))
        self.layers = nn.Sequential(*layers)
        if generator is not None:
            self.to_empty(device="cpu")
            with torch.no_grad():
                for layer in self.layers:
                    if isinstance(layer, nn.Linear):
                        _reset_linear(layer, generator)

    def forward(self, X):
        return self.layers(X)


def _reset_linear(layer: nn.Linear, generator: torch.Generator) -> None:
    """``nn.Linear.reset_parameters`` drawing from ``generator``."""
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    bound = 1.0 / math.sqrt(layer.in_features) if layer.in_features > 0 else 0.0
    nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
