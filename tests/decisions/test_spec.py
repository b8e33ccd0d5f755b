"""--decision specs: parsing, the wrapped tool and the constrained metric."""

import numpy as np
import pytest

from sklearn_losses.decisions import (NeymanPearsonClassifier, RecallControlClassifier,
                                      TunedOffsetsClassifierCV)
from sklearn_losses.decisions.spec import (false_negative_rate, parse_decision,
                                           type_i_error)


@pytest.mark.parametrize("text,kind,alpha,metric,tool", [
    ("offsets", "offsets", None, "f1_macro", TunedOffsetsClassifierCV),
    ("np:0.05", "np", 0.05, "type_i_error", NeymanPearsonClassifier),
    ("recall:0.1", "recall", 0.1, "fnr", RecallControlClassifier),
    (" NP:0.2 ", "np", 0.2, "type_i_error", NeymanPearsonClassifier),
])
def test_parse_and_wrap(text, kind, alpha, metric, tool):
    spec = parse_decision(text)
    assert (spec.kind, spec.alpha, spec.metric) == (kind, alpha, metric)
    from sklearn.linear_model import LogisticRegression

    model = spec.wrap(LogisticRegression())
    assert isinstance(model, tool)
    if alpha is not None:
        assert model.alpha == alpha and model.pos_label == 1


@pytest.mark.parametrize("text", ["np", "np:", "np:1.5", "np:0", "recall:x", "thresholds", ""])
def test_bad_specs_name_what_is_accepted(text):
    with pytest.raises(ValueError, match="'offsets', 'np:ALPHA' or 'recall:ALPHA'"):
        parse_decision(text)


def test_rates_by_hand():
    y = np.array([0, 0, 0, 0, 1, 1])
    pred = np.array([1, 0, 0, 0, 0, 1])
    assert type_i_error(y, pred) == 0.25
    assert false_negative_rate(y, pred) == 0.5
    assert np.isnan(false_negative_rate(np.zeros(3), np.zeros(3)))
