"""Shared fixtures and helpers for the test suite."""

import numpy as np
import pytest
import torch

from sklearn_losses.losses import get_loss, get_loss_class


def make_loss(name, n_classes, **params):
    """A loss ready for ``n_classes`` classes (class counts filled in when needed)."""
    cls = get_loss_class(name)
    if cls.requires_class_counts and "class_counts" not in params:
        params["class_counts"] = np.arange(1, n_classes + 1) * 10.0
    return get_loss(name, **params)


def n_classes_for(name, preferred=(2, 4)):
    """The class counts of ``preferred`` that the loss supports."""
    cls = get_loss_class(name)
    return [k for k in preferred if k >= cls.min_classes and (cls.max_classes is None or k <= cls.max_classes)]


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    np.random.seed(0)


@pytest.fixture
def torch_threads():
    """``torch_threads(n)``: run the test at ``n`` torch threads; the count is restored after."""
    previous = torch.get_num_threads()

    def set_threads(n):
        torch.set_num_threads(n)

    yield set_threads
    torch.set_num_threads(previous)


@pytest.fixture
def one_torch_thread(torch_threads):
    """One torch thread: tiny networks train fastest on one, above all on a busy machine."""
    torch_threads(1)
