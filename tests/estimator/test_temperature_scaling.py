"""Temperature scaling on the losses whose probabilities are not calibrated by
construction: the metric loss ``anyloss_f1`` and the ranking losses
``auc_pairwise``, ``auc_square`` and ``ensloss``.

``calibration="temperature"`` fits one temperature on the validation split
after training; training itself is unchanged, so each test compares the same
network read with and without the temperature, on held-out rows.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from sklearn_losses import WeightedLossClassifier, get_loss
from sklearn_losses.metrics import expected_calibration_error

#: Small and fast (about 0.3 s a fit on 2 CPU cores); the estimator's defaults
#: for reweight and early stopping are pinned on purpose.
FAST = dict(hidden_layer_sizes=(32,), max_epochs=40, batch_size=128, lr=1e-3, random_state=0,
            reweight=None, early_stopping=True, validation_fraction=0.1)

#: Required ratio of the calibrated to the raw held-out ECE (at least 30% lower).
MAX_RATIO = 0.7

#: Measured ECE raw -> temperature on this data (random_state=0): anyloss_f1
#: 0.281 -> 0.033, auc_square 0.050 -> 0.029, ensloss 0.081 -> 0.016,
#: auc_pairwise 0.097 -> 0.031. Ratios over random_state 0..3 were measured
#: with Glorot initialisation, since dropped: anyloss_f1 [0.18 0.23 0.13
#: 0.36], auc_square [0.61 0.57 0.40 0.67], ensloss [0.14 0.33 0.34 0.20],
#: auc_pairwise [0.22 1.03 0.21 0.72].
CASES = [
    pytest.param("anyloss_f1", {}, id="anyloss_f1"),
    pytest.param("auc_square", {}, id="auc_square"),
    # A stochastic loss: seed its draws, and stop on a metric (its loss values
    # mean nothing, and stopping on them warns).
    pytest.param(get_loss("ensloss", random_state=0), {"scoring": "roc_auc"}, id="ensloss"),
    pytest.param(
        "auc_pairwise", {}, id="auc_pairwise",
        marks=pytest.mark.xfail(strict=False, reason=(
            "auc_pairwise is invariant to shifting all scores (the output bias gets no "
            "gradient), so their location is wherever initialisation and training left it; "
            "one temperature cannot move it. "
            "The ECE drop depends on the seed (ratio 0.22 and 0.21 for random_state 0 and 2, "
            "1.03 and 0.72 for 1 and 3). A bias-fitting calibration (Platt scaling, e.g. "
            "CalibratedClassifierCV(method='sigmoid')) is the reliable fix."))),
]


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(4000, 8, n_informative=4, weights=[0.9], flip_y=0.05,
                               class_sep=0.8, random_state=0)
    return train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)


def _fit(loss, calibration, X, y, **params):
    with warnings.catch_warnings():
        # e.g. the batch-level losses' notes on single-class batches
        warnings.simplefilter("ignore", UserWarning)
        return WeightedLossClassifier(loss=loss, calibration=calibration,
                                      **{**FAST, **params}).fit(X, y)


@pytest.mark.parametrize("loss,params", CASES)
def test_temperature_lowers_heldout_ece(imbalanced, loss, params):
    X, Xt, y, yt = imbalanced
    plain = _fit(loss, None, X, y, **params)
    scaled = _fit(loss, "temperature", X, y, **params)
    # Same training (same seed, same split): only the read-out differs.
    assert plain.temperature_ == 1.0 and scaled.temperature_ != 1.0
    np.testing.assert_allclose(scaled.decision_function(Xt) * scaled.temperature_,
                               plain.decision_function(Xt), rtol=1e-6, atol=1e-6)
    p0, p1 = plain.predict_proba(Xt), scaled.predict_proba(Xt)
    ece0, ece1 = expected_calibration_error(yt, p0), expected_calibration_error(yt, p1)
    assert ece1 <= MAX_RATIO * ece0, (ece0, ece1, scaled.temperature_)
    # The temperature minimises the validation NLL; the held-out NLL follows.
    assert log_loss(yt, p1) < log_loss(yt, p0)
