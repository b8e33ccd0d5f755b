"""The networks the estimators train on tabular data.

- :class:`MLP`: a multi-layer perceptron (the default);
- :class:`TabM`: TabM, a parameter-efficient ensemble of ``k`` MLPs trained
  in one network (Gorishniy, Kotelnikov and Babenko, "TabM: Advancing
  Tabular Deep Learning with Parameter-Efficient Ensembling", ICLR 2025),
  built from the authors' package ``tabm``;
- :class:`NCA`: a retrieval network in the style of ModernNCA (Ye, Yin, Zhan
  and Chao, "Revisiting Nearest Neighbor for Tabular Data: A Deep Tabular
  Baseline Two Decades Later", ICLR 2025): soft nearest neighbours among the
  training rows in a learned embedding;
- :class:`NumEmbeddings`: embeddings of the numeric columns that any
  network can put in front of its first layer (Gorishniy, Rubachev and
  Babenko, "On Embeddings for Numerical Features in Tabular Deep Learning",
  NeurIPS 2022), from the authors' package ``rtdl_num_embeddings``.

:func:`build_network` assembles one from the estimator's parameters.

Every network is built on the meta device (no random draws, no memory),
then initialised once from a ``torch.Generator``: a fit is reproducible,
also in parallel threads, and the global torch RNG is not changed (the
piecewise-linear embeddings alone are built on the CPU, their throwaway
draws under ``torch.random.fork_rng``, which restores the global state).
For the modules of ``tabm`` and ``rtdl_num_embeddings``
(``_init_from_generator``) the draws are those of the packages' own
initialisation, in the same order, so a generator seeded with ``s`` gives
the weights the packages give after ``torch.manual_seed(s)`` (tested).

Modules: ``feedforward`` (MLP, TabM), ``retrieval`` (NCA),
``embeddings`` (NumEmbeddings and their bins), ``_init`` (initialisation
from a generator), ``size`` (parameter counts and size checks) and
``build`` (:func:`build_network`).
"""

# The package re-exports its modules' constants for reading; they are read where they are
# defined (e.g. sklearn_losses.network.retrieval.NCA_BLOCK, network.size.MAX_PARAMETERS):
# to change one, set it there.
from .build import build_network
from .embeddings import NUM_EMBEDDINGS, NumEmbeddings
from .feedforward import ACTIVATIONS, ARCHITECTURES, MLP, TabM
from .retrieval import (
    NCA,
    NCA_BIAS_RATE,
    NCA_BLOCK,
    NCA_EMBEDDING_WIDTH,
    NCA_FLOOR,
    NCA_SAMPLE_RATE,
    ClassBias,  # noqa: F401 - models pickled when it lived in network.py find it here
)
from .size import (
    MAX_PARAMETERS,
    check_network_params,
    check_network_size,
    estimate_batch_work,
    estimate_parameter_count,
)

__all__ = [
    "ACTIVATIONS",
    "ARCHITECTURES",
    "MAX_PARAMETERS",
    "MLP",
    "NCA",
    "NCA_BIAS_RATE",
    "NCA_BLOCK",
    "NCA_EMBEDDING_WIDTH",
    "NCA_FLOOR",
    "NCA_SAMPLE_RATE",
    "NUM_EMBEDDINGS",
    "NumEmbeddings",
    "TabM",
    "build_network",
    "check_network_params",
    "check_network_size",
    "estimate_batch_work",
    "estimate_parameter_count",
]
