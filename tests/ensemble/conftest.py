"""One thread for torch, BLAS and OpenMP: the tests' models are tiny and the 2 cores shared."""

import pytest


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield
