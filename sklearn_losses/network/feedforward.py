"""Feed-forward networks: :class:`MLP` (the default) and :class:`TabM`.

TabM (Gorishniy, Kotelnikov and Babenko, ICLR 2025) is a parameter-efficient
ensemble of ``k`` MLPs trained in one network, built from the authors'
package ``tabm``.
"""

from __future__ import annotations

import math

import tabm
import torch
from torch import nn

from ._init import _init_from_generator


#: Hidden-layer activations accepted by ``activation=``.
ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "silu": nn.SiLU}

#: ``architecture=`` -> the ``arch_type`` of :func:`tabm.make_tabm_backbone` (None: not TabM).
ARCHITECTURES = {"mlp": None, "tabm": "tabm", "tabm_mini": "tabm-mini", "nca": None}


#: Ensemble size ``k`` of TabM when ``n_ensemble`` is None (the paper's default).
DEFAULT_N_ENSEMBLE = 32


class MLP(nn.Module):
    """Fully connected network from ``n_features`` inputs through the hidden layers to ``n_outputs`` logits.

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
        The initial weights (PyTorch's default ``nn.Linear`` initialisation,
        on the CPU) are drawn from this generator, and the global RNG is then
        neither used nor changed; None draws from the global RNG.
    embeddings : NumEmbeddings or None, default=None
        Embeddings applied to the input first (their parameters are drawn
        first); ``n_features`` is then their output width.
    """

    def __init__(self, n_features, n_outputs, hidden_layer_sizes=(100,), activation="relu",
                 dropout=0.0, generator=None, embeddings=None):
        super().__init__()
        self.embeddings = embeddings
        layers = []
        width = n_features
        for size in hidden_layer_sizes:
            layers.append(nn.Linear(width, size, device="meta"))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_outputs, device="meta"))
        self.layers = nn.Sequential(*layers)
        # Built on the meta device (no draws, no memory), then initialised once.
        _init_from_generator(self, generator)

    def forward(self, X):
        if self.embeddings is not None:
            X = self.embeddings(X)
        return self.layers(X)


class TabM(nn.Module):
    """TabM: ``k`` MLPs sharing most of their weights, trained together.

    The backbone is ``tabm.make_tabm_backbone`` (``n_blocks`` blocks of
    ``Linear(d_block) -> activation -> Dropout``) between ``tabm.EnsembleView``
    and a ``tabm.LinearEnsemble`` output layer (one head per member), as in
    ``tabm.TabM``; :class:`NumEmbeddings` may come first (shared by the
    members).

    Parameters
    ----------
    n_features : int
        Input width (the embeddings' output width when ``embeddings`` is set).
    n_outputs : int
        Logits per member (one per class).
    k : int
        Number of members.
    n_blocks, d_block : int
        Depth and width of the backbone.
    activation : {"relu", "gelu", "tanh", "silu"}
    dropout : float in [0, 1)
    arch_type : {"tabm", "tabm-mini"}
        ``"tabm"``: BatchEnsemble adapters (non-shared ``r``, ``s`` scalings
        and biases) in every linear layer, ``r`` of the first one random, the
        others ones (the paper's initialisation); ``"tabm-mini"``: one
        non-shared random scaling of the input only, every layer shared.
    generator : torch.Generator or None
        Source of the initial weights (see the module docstring).
    embeddings : NumEmbeddings or None
        With embeddings the first scaling is drawn from ``N(0, 1)`` per
        feature (one value per embedded column, the paper's "chunks"),
        without them it is random signs.

    Notes
    -----
    Outputs:

    - training mode: the logits of every member, shape ``(batch, k,
      n_outputs)``; the engine trains each member with the loss and
      averages the ``k`` losses (as the paper does);
    - evaluation mode: ``log(mean_k softmax(z_k))``, shape ``(batch,
      n_outputs)``: "logits" whose softmax is the mean of the members'
      probabilities, the paper's prediction. Prediction, validation scores
      and calibration use them as any network's logits.
    """

    def __init__(self, n_features, n_outputs, *, k=DEFAULT_N_ENSEMBLE, n_blocks=3, d_block=512,
                 activation="relu", dropout=0.0, arch_type="tabm", generator=None,
                 embeddings=None):
        super().__init__()
        self.k = int(k)
        self.embeddings = embeddings
        chunks = [1] * n_features if embeddings is None else list(embeddings.feature_dims)
        with torch.device("meta"):
            self.ensemble_view = tabm.EnsembleView(k=self.k)
            self.backbone = tabm.make_tabm_backbone(
                d_in=n_features, n_blocks=n_blocks, d_block=d_block, dropout=dropout,
                activation=ACTIVATIONS[activation].__name__, k=self.k, arch_type=arch_type,
                start_scaling_init="random-signs" if embeddings is None else "normal",
                start_scaling_init_chunks=chunks)
            self.output = tabm.LinearEnsemble(d_block, n_outputs, k=self.k)
        _init_from_generator(self, generator)

    def forward(self, X):
        if self.embeddings is not None:
            X = self.embeddings(X)
        z = self.output(self.backbone(self.ensemble_view(X)))
        if self.training:
            return z
        return torch.logsumexp(torch.log_softmax(z, dim=-1), dim=1) - math.log(self.k)
