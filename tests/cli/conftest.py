"""Fixtures of the command-line tests."""

import pytest


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """One torch thread per test (the fastest for tiny MLPs), restored afterwards."""
