"""How large a network the estimator's parameters ask for, checked before anything is built."""

from __future__ import annotations

from .embeddings import _N_FREQUENCIES, _PIECEWISE
from .feedforward import DEFAULT_N_ENSEMBLE
from .retrieval import NCA_EMBEDDING_WIDTH, NCA_SAMPLE_RATE


#: Largest network :func:`build_network` builds, in parameters: 4 GB of float32
#: weights, about 16 GB with their gradients and Adam's two moments. Tabular
#: networks are far smaller (on 20 columns, the default MLP has about 2e3; TabM
#: with k = 32 and 3 blocks of 512 about 7e5), so a larger count is a mistyped
#: size that would otherwise reach torch's allocator.
MAX_PARAMETERS = 10**9


def estimate_parameter_count(architecture, n_features, n_outputs, *, hidden_layer_sizes=(100,),
                             n_ensemble=None, num_embeddings=None, d_embedding=16, n_bins=48,
                             n_numeric=None, n_samples=None) -> int:
    """Number of parameters of the network :func:`build_network` would build.

    Computed from the shapes alone (Python integers, no allocation), so it
    can be checked before building. Exact for the networks of this module
    when ``n_numeric`` and ``n_samples`` are given (piecewise-linear
    embeddings: an upper bound when repeated quantiles merge bins);
    otherwise an upper bound (every column embedded, ``n_bins`` bins per
    column).

    Parameters
    ----------
    architecture : {"mlp", "tabm", "tabm_mini", "nca"}
    n_features, n_outputs : int
        Input columns and output logits (one per class).
    hidden_layer_sizes : tuple of int
    n_ensemble : int or None
        TabM's ``k`` (None: 32); ignored for ``"mlp"`` and ``"nca"``.
    num_embeddings : {None, "periodic", "piecewise_linear", "piecewise_linear_tree"}
    d_embedding, n_bins : int
    n_numeric : int or None, default=None
        Columns the embeddings embed (more than two distinct training
        values); None: all ``n_features``.
    n_samples : int or None, default=None
        Training rows: piecewise-linear embeddings use at most
        ``n_samples - 1`` bins.

    Returns
    -------
    count : int
    """
    n_features, n_outputs = int(n_features), int(n_outputs)
    sizes = [int(h) for h in hidden_layer_sizes]
    count = 0
    width = n_features
    if num_embeddings is not None:
        numeric = n_features if n_numeric is None else int(n_numeric)
        d = int(d_embedding)
        if num_embeddings == "periodic":
            # frequencies (m, 48), then a per-column Linear(96, d) with bias
            count += numeric * (_N_FREQUENCIES + 2 * _N_FREQUENCIES * d + d)
        else:
            bins = int(n_bins) if n_samples is None else min(int(n_bins), int(n_samples) - 1)
            # linear0 (weight and bias, m x d), then a per-column Linear(bins, d) without bias
            count += numeric * (2 * d + max(bins, 1) * d)
        width = numeric * d + (n_features - numeric)
    if architecture == "mlp":
        for size in sizes + [n_outputs]:
            count += width * size + size
            width = size
        return count
    if architecture == "nca":  # the embedding's linear layers, then one bias per class
        for size in sizes or [NCA_EMBEDDING_WIDTH]:
            count += width * size + size
            width = size
        return count + n_outputs
    k = DEFAULT_N_ENSEMBLE if n_ensemble is None else int(n_ensemble)
    if architecture == "tabm_mini":
        count += k * width  # the members' scaling of the input
        for size in sizes:
            count += width * size + size
            width = size
    else:  # BatchEnsemble layers: shared weight, per-member r, s and bias
        for size in sizes:
            count += width * size + k * width + 2 * k * size
            width = size
    return count + k * (width * n_outputs + n_outputs)  # one output head per member


def estimate_batch_work(architecture, n_rows, n_features, n_outputs, *, hidden_layer_sizes=(100,),
                        n_ensemble=None, num_embeddings=None, d_embedding=16, n_bins=48,
                        n_train=None, nca_sample_rate=None, nca_max_candidates=None) -> int:
    """Multiply-adds of a training batch's forward pass, from the shapes alone (an estimate).

    Every weight of an MLP (its embeddings included) is one multiply-add per
    row; each of TabM's ``k`` members runs the layers after the embeddings;
    the retrieval network (``"nca"``) also encodes the candidates it draws
    for the batch (``nca_sample_rate`` of the ``n_train`` training rows, at
    most ``nca_max_candidates``) and computes one distance per row and
    candidate. ``device="auto"`` compares it with ``CUDA_MIN_WORK``.

    Returns
    -------
    work : int
    """
    n_rows = int(n_rows)
    shapes = dict(hidden_layer_sizes=hidden_layer_sizes, num_embeddings=num_embeddings,
                  d_embedding=d_embedding, n_bins=n_bins)
    if architecture in ("tabm", "tabm_mini"):
        k = DEFAULT_N_ENSEMBLE if n_ensemble is None else int(n_ensemble)
        embedding = estimate_parameter_count("mlp", n_features, 0, **{**shapes,
                                                                      "hidden_layer_sizes": ()})
        layers = estimate_parameter_count("mlp", n_features, n_outputs, **shapes) - embedding
        return n_rows * (embedding + k * layers)
    per_row = estimate_parameter_count(architecture, n_features, n_outputs, **shapes)
    if architecture != "nca" or not n_train:
        return n_rows * per_row
    rate = NCA_SAMPLE_RATE if nca_sample_rate is None else float(nca_sample_rate)
    candidates = round(rate * int(n_train))
    if nca_max_candidates is not None:
        candidates = min(candidates, int(nca_max_candidates))
    width = int(hidden_layer_sizes[-1]) if len(hidden_layer_sizes) else NCA_EMBEDDING_WIDTH
    return (n_rows + candidates) * per_row + n_rows * candidates * width


def _format_bytes(n_bytes) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB"):
        if n_bytes < 1000:
            return f"{n_bytes:.3g} {unit}"
        n_bytes /= 1000
    return f"{n_bytes:.3g} YB"


def _size_error(count, architecture, hidden_layer_sizes, n_ensemble, num_embeddings,
                d_embedding, n_bins, max_parameters, context, at_least=""):
    named = [f"hidden_layer_sizes={tuple(int(h) for h in hidden_layer_sizes)!r}"]
    if architecture in ("tabm", "tabm_mini"):
        named.append(f"n_ensemble={n_ensemble!r}")
    if num_embeddings is not None:
        named.append(f"d_embedding={d_embedding!r}")
        if num_embeddings in _PIECEWISE:
            named.append(f"n_bins={n_bins!r}")
    return ValueError(
        f"architecture={architecture!r} with {', '.join(named)} ({context}) would have "
        f"{at_least}{_sci(count)} parameters ({_format_bytes(4 * count)} of float32 weights, "
        f"before gradients and optimizer state); at most {_sci(max_parameters)} parameters "
        "are allowed (sklearn_losses.network.size.MAX_PARAMETERS). Use smaller "
        f"{' / '.join(n.split('=')[0] for n in named)}.")


def _sci(count) -> str:
    """``2.5e13``: two significant digits, exponent without sign or zeros."""
    mantissa, exponent = f"{count:.1e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def check_network_size(architecture, n_features, n_outputs, *, hidden_layer_sizes=(100,),
                       n_ensemble=None, num_embeddings=None, d_embedding=16, n_bins=48,
                       n_numeric=None, n_samples=None, max_parameters=MAX_PARAMETERS) -> int:
    """Raise ValueError if the network would have more than ``max_parameters`` parameters.

    The parameters are those of :func:`estimate_parameter_count`, checked
    before anything is allocated; the error gives the count, its size in
    float32 and the parameters that set it.

    Returns
    -------
    count : int
        The estimated number of parameters.
    """
    count = estimate_parameter_count(
        architecture, n_features, n_outputs, hidden_layer_sizes=hidden_layer_sizes,
        n_ensemble=n_ensemble, num_embeddings=num_embeddings, d_embedding=d_embedding,
        n_bins=n_bins, n_numeric=n_numeric, n_samples=n_samples)
    if count > max_parameters:
        raise _size_error(count, architecture, hidden_layer_sizes, n_ensemble, num_embeddings,
                          d_embedding, n_bins, max_parameters,
                          f"{n_features} input columns, {n_outputs} outputs")
    return count


def check_network_params(architecture, hidden_layer_sizes, n_ensemble, nca_sample_rate=None,
                         nca_max_candidates=None):
    """Raise ValueError for combinations of network parameters that do not fit together.

    Also refuses sizes whose network would exceed :data:`MAX_PARAMETERS`
    whatever the data: the count for one input column and two classes, a
    lower bound of the real one (:func:`check_network_size` checks the
    exact count when the network is built).
    """
    nca_only = {"nca_sample_rate": (nca_sample_rate, "sets the share of"),
                "nca_max_candidates": (nca_max_candidates, "bounds the")}
    for name, (value, does) in nca_only.items():
        if value is not None and architecture != "nca":
            raise ValueError(
                f"{name}={value!r} {does} training rows drawn as neighbours by "
                f"architecture='nca'; architecture={architecture!r} draws none. Use "
                f"architecture='nca', or leave {name}=None.")
    if architecture in ("mlp", "nca"):
        if n_ensemble is not None:
            raise ValueError(
                f"n_ensemble={n_ensemble!r} sets the ensemble size of TabM; "
                f"architecture={architecture!r} has no ensemble. Use architecture='tabm' or "
                "'tabm_mini', or leave n_ensemble=None.")
    else:
        sizes = tuple(hidden_layer_sizes)
        if not sizes or len(set(sizes)) != 1:
            raise ValueError(
                f"architecture={architecture!r} stacks blocks of one width: hidden_layer_sizes "
                f"must be non-empty with equal widths, e.g. (256, 256) for 2 blocks of 256; "
                f"got {sizes!r}.")
    count = estimate_parameter_count(architecture, 1, 2, hidden_layer_sizes=hidden_layer_sizes,
                                     n_ensemble=n_ensemble)
    if count > MAX_PARAMETERS:
        raise _size_error(count, architecture, hidden_layer_sizes, n_ensemble, None, None, None,
                          MAX_PARAMETERS, "for any data", at_least="at least ")
