"""Initialisation of a network built on the meta device from a ``torch.Generator``.

The draws are those of each module's own ``reset_parameters`` (for the modules
of ``tabm`` and ``rtdl_num_embeddings``, the packages' own initialisation), in
the same order, so a generator seeded with ``s`` gives the weights the packages
give after ``torch.manual_seed(s)``.
"""

from __future__ import annotations

import math

import rtdl_num_embeddings as rtdl
import tabm
import torch
from torch import nn


def _init_from_generator(module: nn.Module, generator: torch.Generator | None) -> None:
    """Materialise ``module`` on the CPU and draw its parameters from ``generator``.

    Parameters are materialised (uninitialised) on the CPU first. Modules are visited
    in registration order (their construction order) and each is initialised
    as its own ``reset_parameters`` does, with the same draws in the same
    order. Buffers are left alone (they are computed, not drawn).
    """
    # buffers built on the CPU (column indices, the encoding of the bins) are kept
    buffers = {name: b for name, b in module.named_buffers() if not b.is_meta}
    module.to_empty(device="cpu")
    for name, b in buffers.items():
        owner, _, attr = name.rpartition(".")
        setattr(module.get_submodule(owner) if owner else module, attr, b)
    with torch.no_grad():
        for sub in module.modules():
            init = _INITIALISERS.get(type(sub))
            if init is not None:
                init(sub, generator)
            elif any(True for _ in sub.parameters(recurse=False)):
                raise TypeError(f"No generator initialisation for {type(sub).__name__}.")
        for sub in module.modules():
            if isinstance(sub, rtdl.PiecewiseLinearEmbeddings) and sub.linear0 is not None:
                # version "B": the piecewise-linear term starts at zero (after its draws)
                nn.init.zeros_(sub.linear.weight)


def _uniform_rsqrt(tensor, d, generator):
    bound = d ** -0.5
    nn.init.uniform_(tensor, -bound, bound, generator=generator)


def _scaling(tensor, distribution, chunks, generator):
    """``tabm.init_scaling_``: ones, ``N(0, 1)`` or random signs; one draw per chunk."""
    if distribution == "ones":
        nn.init.ones_(tensor)
        return

    def draw(t):
        if distribution == "normal":
            return nn.init.normal_(t, generator=generator)
        if distribution == "random-signs":
            return t.bernoulli_(0.5, generator=generator).mul_(2).add_(-1)
        raise ValueError(f"Unknown scaling initialisation {distribution!r}.")

    if chunks is None:
        draw(tensor)
        return
    start = 0
    for size in chunks:
        tensor[..., start:start + size] = draw(torch.empty(*tensor.shape[:-1], 1))
        start += size


def _reset_linear(layer: nn.Linear, generator: torch.Generator | None) -> None:
    """``nn.Linear.reset_parameters`` (PyTorch's default initialisation), drawn from ``generator``.

    Kaiming-uniform weights with ``a = sqrt(5)`` and biases in
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``. It keeps the initial logits
    small, which the batch-level metric losses need: with Glorot-uniform
    weights and biases (scikit-learn's ``MLPClassifier`` initialisation) the
    initial probabilities sit far enough from 0.5 to saturate AnyLoss's
    amplifier and ``anyloss_f1`` stalls on some tables (cross-validated F1
    0.13 instead of 0.71 on KEEL's ecoli-0-1-4-6_vs_5), for a gain of 0.006
    in mean MCC with cross-entropy (docs: benchmarks, "How the estimator's
    defaults were chosen").
    """
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    if layer.bias is not None:
        bound = 1.0 / math.sqrt(layer.in_features) if layer.in_features > 0 else 0.0
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def _reset_batch_ensemble(layer, generator):
    _uniform_rsqrt(layer.weight, layer.in_features, generator)
    _scaling(layer.r, layer._first_scaling_init, layer._first_scaling_init_chunks, generator)
    _scaling(layer.s, layer._second_scaling_init, None, generator)
    if layer.bias is not None:
        # one draw shared by the k members, as tabm does
        bias = torch.empty(layer.out_features)
        _uniform_rsqrt(bias, layer.in_features, generator)
        layer.bias.copy_(bias.expand_as(layer.bias))


def _reset_weight_bias(d_of):
    def reset(layer, generator):
        d = d_of(layer)
        _uniform_rsqrt(layer.weight, d, generator)
        if layer.bias is not None:
            _uniform_rsqrt(layer.bias, d, generator)
    return reset


def _reset_affine(layer, generator):
    _scaling(layer.weight, layer._weight_init, layer._weight_init_chunks, generator)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


def _reset_periodic(layer, generator):
    sigma = layer._sigma
    nn.init.trunc_normal_(layer.weight, 0.0, sigma, a=-3 * sigma, b=3 * sigma,
                          generator=generator)


#: module type -> initialisation from a generator (the module's own ``reset_parameters``).
_INITIALISERS = {
    nn.Linear: _reset_linear,
    tabm.LinearBatchEnsemble: _reset_batch_ensemble,
    tabm.LinearEnsemble: _reset_weight_bias(lambda m: m.in_features),
    tabm.ElementwiseAffine: _reset_affine,
    rtdl.LinearEmbeddings: _reset_weight_bias(lambda m: m.weight.shape[1]),
    rtdl._Periodic: _reset_periodic,
    rtdl._NLinear: _reset_weight_bias(lambda m: m.weight.shape[-2]),
}


def register_initialiser(module_type, initialise) -> None:
    """Initialise modules of ``module_type`` with ``initialise(module, generator)``.

    For the package's own modules with parameters (e.g. :class:`~.retrieval.ClassBias`),
    registered where they are defined.
    """
    _INITIALISERS[module_type] = initialise
