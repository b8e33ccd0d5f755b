"""The network the estimators train: a multi-layer perceptron for tabular data."""

from __future__ import annotations

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
    """

    def __init__(self, n_features, n_outputs, hidden_layer_sizes=(128, 128), activation="relu",
                 dropout=0.0):
        super().__init__()
        layers = []
        width = n_features
        for size in hidden_layer_sizes:
            layers.append(nn.Linear(width, size))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_outputs))
        self.layers = nn.Sequential(*layers)

    def forward(self, X):
        return self.layers(X)
