"""The examples of the decision tools' docstrings run and print what they show."""

import doctest
import importlib

import pytest

MODULES = ["offsets", "neyman_pearson", "recall_control", "prior_shift"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"sklearn_losses.decisions.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
