"""Assembly of a network from the estimator's parameters."""

from __future__ import annotations

import numpy as np
from torch import nn

from .._warnings import warn_user
from .embeddings import NUM_EMBEDDINGS, NumEmbeddings, _numeric_columns
from .feedforward import ARCHITECTURES, DEFAULT_N_ENSEMBLE, MLP, TabM
from .retrieval import NCA, NCA_SAMPLE_RATE
from .size import check_network_size


def build_network(architecture, n_features, n_outputs, *, X_train, hidden_layer_sizes=(100,),
                  activation="relu", dropout=0.0, n_ensemble=None, num_embeddings=None,
                  d_embedding=16, n_bins=48, generator=None, y_train=None,
                  weight_train=None, nca_sample_rate=None,
                  nca_max_candidates=None) -> nn.Module:
    """The network of ``architecture`` (see :class:`MLP`, :class:`TabM`, :class:`NCA`).

    Parameters
    ----------
    architecture : {"mlp", "tabm", "tabm_mini", "nca"}
    n_features, n_outputs : int
    X_train : ndarray of shape (n_samples, n_features)
        Training rows, for the embeddings (numeric columns, bins) and the
        candidates of :class:`NCA`.
    hidden_layer_sizes : tuple of int
        The MLP's layers; for TabM, ``len`` blocks of the (common) width; for
        NCA, the embedding's layers (the last width is its dimension).
    activation, dropout
    n_ensemble : int or None
        TabM's ``k`` (None: 32).
    num_embeddings : {None, "periodic", "piecewise_linear", "piecewise_linear_tree"}
    d_embedding, n_bins : int
        See :class:`NumEmbeddings`.
    generator : torch.Generator or None
        Source of the initial weights.
    y_train : ndarray of int of shape (n_samples,) or None
        Classes of ``X_train`` (in ``[0, n_outputs)``): the candidates' labels,
        required by ``"nca"``.
    weight_train : ndarray of shape (n_samples,) or None
        Sample weights of ``X_train``, for the embeddings (see
        :class:`NumEmbeddings`).
    nca_sample_rate : float or None
        :class:`NCA`'s ``sample_rate`` (None: :data:`NCA_SAMPLE_RATE`).
    nca_max_candidates : int or None
        :class:`NCA`'s ``max_candidates`` (None: no bound).

    Raises
    ------
    ValueError
        For a network of more than :data:`MAX_PARAMETERS` parameters
        (:func:`check_network_size`), before anything is allocated.

    Notes
    -----
    The combination of parameters is checked by the estimator
    (:func:`check_network_params`, once per fit, before the data are encoded).
    """
    embeddings = None
    numeric = []
    if num_embeddings is not None:
        if num_embeddings not in NUM_EMBEDDINGS:
            raise ValueError(
                f"num_embeddings must be one of {NUM_EMBEDDINGS} or None; got {num_embeddings!r}.")
        # as the embeddings see them: values distinct in float64 may be one value in float32
        X_train = np.asarray(X_train, dtype=np.float32)
        seen = X_train if weight_train is None else X_train[np.asarray(weight_train) > 0]
        numeric = _numeric_columns(seen)
        if not numeric:
            warn_user(f"num_embeddings={num_embeddings!r} embeds no column: no column has more "
                      "than two distinct values in the training rows, so the network is built "
                      "without embeddings.")
    n_numeric = len(numeric)
    # before anything is allocated (the piecewise-linear embeddings are built on the CPU)
    check_network_size(architecture, n_features, n_outputs,
                       hidden_layer_sizes=hidden_layer_sizes, n_ensemble=n_ensemble,
                       num_embeddings=num_embeddings if n_numeric else None,
                       d_embedding=d_embedding, n_bins=n_bins, n_numeric=n_numeric,
                       n_samples=None if X_train is None else np.shape(X_train)[0])
    if n_numeric:
        embeddings = NumEmbeddings(num_embeddings, X_train, int(d_embedding), int(n_bins),
                                   weight=weight_train, numeric=numeric, y=y_train)
        n_features = embeddings.n_outputs
    if architecture == "mlp":
        return MLP(n_features, n_outputs, tuple(hidden_layer_sizes), activation, float(dropout),
                   generator=generator, embeddings=embeddings)
    if architecture == "nca":
        if y_train is None:
            raise ValueError("architecture='nca' needs y_train: the labels of its candidates.")
        return NCA(n_features, n_outputs, X_train, y_train, tuple(hidden_layer_sizes), activation,
                   float(dropout), NCA_SAMPLE_RATE if nca_sample_rate is None
                   else float(nca_sample_rate), generator=generator, embeddings=embeddings,
                   max_candidates=nca_max_candidates)
    return TabM(n_features, n_outputs,
                k=DEFAULT_N_ENSEMBLE if n_ensemble is None else int(n_ensemble),
                n_blocks=len(hidden_layer_sizes), d_block=int(hidden_layer_sizes[0]),
                activation=activation, dropout=float(dropout),
                arch_type=ARCHITECTURES[architecture], generator=generator,
                embeddings=embeddings)
