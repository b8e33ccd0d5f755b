"""Networks too large to build are refused with their parameter count (issue 21, item 20).

``hidden_layer_sizes``, ``n_ensemble`` or ``d_embedding`` of 2**40 used to
reach torch's allocator. The parameter count is now estimated first (exactly,
for the networks the package builds) and anything above
``MAX_PARAMETERS`` is refused with the number.
"""

import numpy as np
import pytest
import torch

from sklearn_losses.network import (
    MAX_PARAMETERS,
    build_network,
    check_network_params,
    check_network_size,
    estimate_parameter_count,
)

HUGE = 2**40


def _data(n=60, n_features=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features)).astype(np.float32)
    X[:, -1] = X[:, -1] > 0  # a binary column: passed through by the embeddings
    return X


@pytest.mark.parametrize("architecture", ["mlp", "tabm", "tabm_mini"])
@pytest.mark.parametrize("num_embeddings", [None, "periodic", "piecewise_linear"])
@pytest.mark.parametrize("sizes", [(7,), (6, 6, 6)])
def test_estimate_is_the_parameter_count_of_the_built_network(architecture, num_embeddings,
                                                              sizes):
    X = _data()
    n_ensemble = None if architecture == "mlp" else 3
    net = build_network(architecture, X.shape[1], 3, X_train=X, hidden_layer_sizes=sizes,
                        n_ensemble=n_ensemble, num_embeddings=num_embeddings, d_embedding=4,
                        n_bins=8, generator=torch.Generator().manual_seed(0))
    actual = sum(p.numel() for p in net.parameters())
    estimate = estimate_parameter_count(
        architecture, X.shape[1], 3, hidden_layer_sizes=sizes, n_ensemble=n_ensemble,
        num_embeddings=num_embeddings, d_embedding=4, n_bins=8,
        n_numeric=None if num_embeddings is None else X.shape[1] - 1, n_samples=X.shape[0])
    assert estimate == actual


def test_estimate_without_the_data_is_an_upper_bound():
    X = _data()
    kw = dict(hidden_layer_sizes=(8,), num_embeddings="piecewise_linear", d_embedding=4,
              n_bins=8)
    exact = estimate_parameter_count("mlp", 5, 2, n_numeric=4, n_samples=60, **kw)
    assert estimate_parameter_count("mlp", 5, 2, **kw) >= exact
    net = build_network("mlp", 5, 2, X_train=X, generator=None, **kw)
    assert sum(p.numel() for p in net.parameters()) == exact


@pytest.mark.parametrize("architecture, params, named", [
    ("mlp", dict(hidden_layer_sizes=(HUGE,)), "hidden_layer_sizes=(1099511627776,)"),
    ("mlp", dict(hidden_layer_sizes=(2**20, 2**20)), "hidden_layer_sizes=(1048576, 1048576)"),
    ("tabm", dict(hidden_layer_sizes=(256, 256), n_ensemble=HUGE), "n_ensemble=1099511627776"),
    ("mlp", dict(hidden_layer_sizes=(64,), num_embeddings="periodic", d_embedding=HUGE),
     "d_embedding=1099511627776"),
    ("tabm_mini", dict(hidden_layer_sizes=(64,), num_embeddings="piecewise_linear",
                       d_embedding=2**16, n_bins=2**16, n_ensemble=4), "n_bins=65536"),
])
def test_too_large_networks_are_refused_with_the_count(architecture, params, named):
    with pytest.raises(ValueError) as err:
        check_network_size(architecture, 20, 2, **params)
    message = str(err.value)
    count = estimate_parameter_count(architecture, 20, 2, **params)
    mantissa, exponent = f"{count:.1e}".split("e")
    assert f"would have {mantissa.rstrip('0').rstrip('.')}e{int(exponent)} parameters" in message
    assert named in message
    assert "at most 1e9 parameters" in message and "float32" in message


def test_the_message_gives_the_size_in_bytes():
    # 20 * w + w + 2 * w + 2 parameters for w = 2**40
    with pytest.raises(ValueError, match=r"would have 2\.5e13 parameters \(101 TB of float32"):
        check_network_size("mlp", 20, 2, hidden_layer_sizes=(HUGE,))


def test_networks_up_to_the_cap_pass():
    assert MAX_PARAMETERS == 10**9
    assert check_network_size("mlp", 20, 2, hidden_layer_sizes=(512, 512, 512)) < 10**6
    # a (20 -> w -> 2) MLP has 23 w + 2 parameters: the largest w under the cap passes
    width = (MAX_PARAMETERS - 2) // 23
    assert check_network_size("mlp", 20, 2, hidden_layer_sizes=(width,)) <= MAX_PARAMETERS
    with pytest.raises(ValueError, match="at most 1e9"):
        check_network_size("mlp", 20, 2, hidden_layer_sizes=(width + 1,))


@pytest.mark.parametrize("architecture, sizes, n_ensemble", [
    ("mlp", (HUGE,), None),
    ("mlp", (2**20, 2**20), None),
    ("tabm", (256,), HUGE),
    ("tabm_mini", (2**16, 2**16), None),
])
def test_check_network_params_refuses_what_no_data_can_make_small(architecture, sizes,
                                                                  n_ensemble):
    # the estimator calls it first in fit, before the data are encoded: a lower
    # bound (one input column, two classes, no embeddings)
    with pytest.raises(ValueError, match="at least .* parameters.*at most 1e9"):
        check_network_params(architecture, sizes, n_ensemble)
    check_network_params(architecture, (256, 256), None if architecture == "mlp" else 8)


@pytest.mark.parametrize("params", [dict(hidden_layer_sizes=(HUGE,)),
                                    dict(hidden_layer_sizes=(64,), num_embeddings="periodic",
                                         d_embedding=HUGE),
                                    dict(hidden_layer_sizes=(64,), num_embeddings="periodic",
                                         d_embedding=2**20),
                                    dict(hidden_layer_sizes=(64,),
                                         num_embeddings="piecewise_linear", d_embedding=2**22,
                                         n_bins=2**12)])
def test_build_network_refuses_before_allocating(params):
    X = _data(n=2**13, n_features=20)
    with pytest.raises(ValueError, match=r"parameters \(.* of float32.*at most 1e9"):
        build_network("mlp", 20, 2, X_train=X, **params)


def test_the_estimator_refuses_before_allocating():
    from sklearn_losses import WeightedLossClassifier

    X = _data(n=40, n_features=4)
    y = np.arange(40) % 2
    for params in (dict(hidden_layer_sizes=(HUGE,)),
                   dict(architecture="tabm", hidden_layer_sizes=(64,), n_ensemble=HUGE),
                   dict(hidden_layer_sizes=(16,), num_embeddings="periodic", d_embedding=HUGE)):
        clf = WeightedLossClassifier(max_epochs=1, **params)
        with pytest.raises(ValueError, match="parameters.*at most 1e9"):
            clf.fit(X, y)
        assert not hasattr(clf, "module_")
