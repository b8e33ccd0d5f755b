"""The calibration warning names label smoothing as a cause of under-confident
probabilities (issue 21, item 29).

``loss="auto"`` is cross-entropy with ``label_smoothing=0.1``, which trains
the network towards ``(1 - eps) p + eps / K``: probabilities that are
under-confident, which ``calibration="prior"`` does not undo. The warning
used to list "cross-entropy without label smoothing" among the proper
losses and say nothing of what the smoothing does.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification

from sklearn_losses import WeightedLossClassifier, _checks, get_loss


def _message(loss, class_weight=np.array([1.0, 3.0]), balanced=False):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _checks.warn_improper_prior_calibration(loss, class_weight, balanced)
    assert len(caught) == 1
    return str(caught[0].message)


@pytest.mark.parametrize("loss", [
    get_loss("cross_entropy", label_smoothing=0.1),
    get_loss("logit_clip", loss=get_loss("cross_entropy", label_smoothing=0.1), delta=5.0),
])
def test_warning_names_label_smoothing_as_a_cause_of_under_confidence(loss):
    message = _message(loss)
    assert "label_smoothing=0.1" in message
    assert "under-confident" in message
    assert "loss='auto'" in message  # the default uses it
    # what to do about it
    assert "calibration='temperature'" in message
    assert "loss__label_smoothing=0.0" in message
    # the largest probability the smoothed loss aims at: 1 - 0.1 + 0.1 / 2
    assert "0.95" in message


def test_warning_without_label_smoothing_does_not_blame_it():
    message = _message(get_loss("focal"))
    assert "under-confident" not in message and "label_smoothing=" not in message


def test_the_default_loss_with_prior_calibration_warns_about_label_smoothing():
    X, y = make_classification(120, 5, weights=[0.8], random_state=0)
    with pytest.warns(UserWarning, match=r"label_smoothing=0\.1.*under-confident"):
        WeightedLossClassifier(calibration="prior", hidden_layer_sizes=(8,), max_epochs=2,
                               random_state=0).fit(X, y)
