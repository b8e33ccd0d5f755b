"""Predictions stay what they were: restructuring the fit path must not change them.

The reference probabilities (``data/golden_predictions.npz``) were written by
``golden_configs.py`` with the code of commit d32acff; each configuration is
refitted here with the same seed on one torch thread and must predict the same
probabilities within 1e-6.
"""

import warnings

import numpy as np
import pytest

from .golden_configs import CONFIGS, GOLDEN_PATH, fit_config


@pytest.fixture(scope="module")
def golden():
    with np.load(GOLDEN_PATH) as data:
        return dict(data)


def test_golden_file_covers_every_configuration(golden):
    assert sorted(golden) == sorted(CONFIGS)
    assert len(CONFIGS) >= 10


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_predictions_match_the_reference(name, golden, one_torch_thread):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf, X = fit_config(name)
        proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, golden[name], rtol=0, atol=1e-6)
