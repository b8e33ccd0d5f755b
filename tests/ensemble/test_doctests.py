"""The examples of the ensembles' docstrings run and print what they show."""

import doctest
import importlib
import warnings

import pytest


@pytest.mark.parametrize("name", ["ensemble.cross_fit", "ensemble.thresholds", "portfolio"])
def test_docstring_examples(name):
    module = importlib.import_module(f"sklearn_losses.{name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the examples' short trainings warn
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
