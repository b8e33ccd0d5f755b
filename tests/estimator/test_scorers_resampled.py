"""Binary scorers measure the minority class also behind a resampler."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, make_scorer
from sklearn.model_selection import StratifiedKFold, cross_val_score

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.metrics import get_scorer


def test_equal_training_counts_leave_the_minority_to_the_scored_labels():
    # behind RandomOverSampler the estimator records equal counts, which gave classes_[1]:
    # with the minority "fraud" sorting first, F1 and AP measured the majority "ok"
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import make_pipeline

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = np.where(X[:, 0] + 0.8 * rng.normal(size=200) > 1.0, "fraud", "ok")
    model = make_pipeline(RandomOverSampler(random_state=0),
                          WeightedLossClassifier(hidden_layer_sizes=(8,), max_epochs=20,
                                                 random_state=0)).fit(X, y)
    counts = model[-1].class_row_counts_
    assert counts[0] == counts[1] and list(model.classes_) == ["fraud", "ok"]
    pred, proba = model.predict(X), model.predict_proba(X)[:, 0]
    assert get_scorer("f1")(model, X, y) == pytest.approx(f1_score(y, pred, pos_label="fraud"))
    assert get_scorer("average_precision")(model, X, y) == pytest.approx(
        average_precision_score(y == "fraud", proba))
    # in cross-validation too (the scored folds are stratified: their minority is "fraud")
    cv = StratifiedKFold(3)
    scores = cross_val_score(model, X, y, cv=cv, scoring=get_scorer("f1"))
    fraud = cross_val_score(model, X, y, cv=cv, scoring=make_scorer(f1_score, pos_label="fraud"))
    np.testing.assert_allclose(scores, fraud)
