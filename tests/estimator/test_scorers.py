"""Metrics and scorers: hand-computed values, agreement with scikit-learn and
imbalanced-learn, scorers inside GridSearchCV / cross_validate, early stopping
on any metric."""

import numpy as np
import pytest
import torch
from imblearn.metrics import geometric_mean_score as imb_gmean
from sklearn import metrics as skm
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from sklearn_losses import WeightedLossClassifier, get_loss
from sklearn_losses.metrics import (
    available_metrics,
    available_scorers,
    expected_calibration_error,
    geometric_mean_score,
    get_metric,
    get_scorer,
    loss_metric,
    make_fbeta_scorer,
    make_loss_scorer,
    worst_class_recall,
)

FAST = dict(hidden_layer_sizes=(16,), max_epochs=15, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(400, 6, weights=[0.8], random_state=0)
    return X, y


@pytest.fixture(scope="module")
def fitted_lr(binary):
    X, y = binary
    return LogisticRegression().fit(X, np.where(y == 1, "pos", "neg")), X, np.where(
        y == 1, "pos", "neg")


# ------------------------------------------------------------------ functions
def test_gmean_and_worst_class_recall_hand_computed():
    y = np.array([0, 0, 1, 1, 1])
    pred = np.array([0, 1, 1, 1, 0])
    # recalls: class 0 1/2, class 1 2/3
    assert geometric_mean_score(y, pred) == pytest.approx(np.sqrt(0.5 * 2 / 3))
    assert worst_class_recall(y, pred) == pytest.approx(0.5)
    assert geometric_mean_score(y, pred) == pytest.approx(imb_gmean(y, pred))


def test_worst_class_recall_ignores_a_class_that_is_only_predicted():
    # recall_score's own labels would be the union of y_true and y_pred: class 2, never in
    # y_true, would get recall 0 and be "the worst class"
    assert worst_class_recall([0, 0, 1, 1], [0, 2, 1, 1]) == pytest.approx(0.5)
    assert worst_class_recall([0, 0, 1, 1], [0, 2, 1, 1], labels=[0, 1, 2]) == 0.0  # asked for


def test_ranking_scorers_take_decision_function_with_several_scorers():
    # scikit-learn's multi-metric cache checks each scorer's response method up front: a
    # margin classifier (no predict_proba) failed as soon as two ranking scorers were used
    from sklearn.metrics import get_scorer as sklearn_scorer
    from sklearn.svm import LinearSVC

    X, y = make_classification(300, 6, weights=[0.8], random_state=0)
    ours = cross_validate(LinearSVC(), X, y, cv=3, scoring={
        "auc": get_scorer("roc_auc"), "ap": get_scorer("average_precision")})
    theirs = cross_validate(LinearSVC(), X, y, cv=3, scoring={
        "auc": sklearn_scorer("roc_auc"), "ap": sklearn_scorer("average_precision")})
    np.testing.assert_allclose(ours["test_auc"], theirs["test_auc"])
    np.testing.assert_allclose(ours["test_ap"], theirs["test_ap"])
    X3, y3 = make_classification(300, 6, n_informative=4, n_classes=3, random_state=0)
    ap = {s: cross_validate(LinearSVC(), X3, y3, cv=3, scoring=s)["test_score"]
          for s in (get_scorer("average_precision"), sklearn_scorer("average_precision"))}
    np.testing.assert_allclose(*ap.values())
    with pytest.raises(ValueError, match="'roc_auc' scorer on 3 classes needs predict_proba"):
        get_scorer("roc_auc")(LinearSVC().fit(X3, y3), X3, y3)


def test_gmean_multiclass_matches_imblearn_and_weights_equal_repeats():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 60)
    pred = np.where(rng.random(60) < 0.7, y, rng.integers(0, 3, 60))
    assert geometric_mean_score(y, pred) == pytest.approx(imb_gmean(y, pred, average="multiclass"))
    w = rng.integers(0, 4, 60)
    rep = np.repeat(np.arange(60), w)
    assert geometric_mean_score(y, pred, sample_weight=w) == pytest.approx(
        geometric_mean_score(y[rep], pred[rep]))
    assert worst_class_recall(y, pred, sample_weight=w) == pytest.approx(
        worst_class_recall(y[rep], pred[rep]))


def test_gmean_is_zero_when_a_class_is_never_predicted():
    assert geometric_mean_score([0, 0, 1, 1], [0, 0, 0, 0]) == 0.0
    assert worst_class_recall([0, 0, 1, 1], [0, 0, 0, 0]) == 0.0


def test_ece_hand_computed_and_weighted():
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    y = np.array([0, 1, 1, 1])
    # one row per bin (15 bins): |1-.9| + |0-.8| + |1-.7| + |1-.6| = 1.6, over 4 rows
    assert expected_calibration_error(y, proba) == pytest.approx(0.4)
    assert expected_calibration_error(y, proba, sample_weight=[2, 1, 1, 1]) == pytest.approx(
        1.7 / 5)
    # two rows in one bin average before the absolute value: |(1 + 0) - (.9 + .9)| / 2
    same_bin = np.array([[0.9, 0.1], [0.9, 0.1]])
    assert expected_calibration_error([0, 1], same_bin) == pytest.approx(0.4)
    assert expected_calibration_error([0, 1], same_bin, n_bins=1) == pytest.approx(0.4)
    with pytest.raises(ValueError, match="sums to zero"):
        expected_calibration_error(y, proba, sample_weight=[0, 0, 0, 0])


def test_ece_of_a_perfectly_calibrated_predictor_is_small():
    rng = np.random.default_rng(0)
    p = rng.random(200_000)
    y = (rng.random(p.shape) < p).astype(int)
    assert expected_calibration_error(y, np.column_stack([1 - p, p])) < 0.01


# ------------------------------------------------------------------ metric table
def test_metric_table_agrees_with_sklearn():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 100)
    p1 = np.clip(0.6 * y + 0.4 * rng.random(100), 0.01, 0.99)
    proba = np.column_stack([1 - p1, p1])
    pred = proba.argmax(1)
    assert get_metric("roc_auc")(y, proba) == pytest.approx(skm.roc_auc_score(y, p1))
    assert get_metric("average_precision")(y, proba) == pytest.approx(
        skm.average_precision_score(y, p1))
    assert get_metric("f1")(y, proba) == pytest.approx(skm.f1_score(y, pred))
    assert get_metric("balanced_accuracy")(y, proba) == pytest.approx(
        skm.balanced_accuracy_score(y, pred))
    assert get_metric("log_loss")(y, proba) == pytest.approx(skm.log_loss(y, proba))
    assert get_metric("brier")(y, proba) == pytest.approx(skm.brier_score_loss(y, p1))
    assert get_metric("matthews_corrcoef")(y, proba) == pytest.approx(
        skm.matthews_corrcoef(y, pred))
    for name in ("log_loss", "brier", "ece"):
        assert not get_metric(name).greater_is_better
    assert {"gmean", "worst_class_recall", "ece", "f1", "roc_auc"} <= set(available_metrics())
    with pytest.raises(ValueError, match="gmean"):
        get_metric("nope")


def test_multiclass_roc_auc_is_one_vs_rest_macro():
    rng = np.random.default_rng(2)
    y = np.repeat([0, 1, 2], 30)
    logits = rng.normal(size=(90, 3)) + 2 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    assert get_metric("roc_auc")(y, proba) == pytest.approx(
        skm.roc_auc_score(y, proba, multi_class="ovr", average="macro"))


def test_loss_metric_is_the_loss_on_log_probabilities():
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    y = np.array([0, 1, 1])
    p_y = np.array([0.9, 0.8, 0.4])
    focal = loss_metric("focal", gamma=2.0)
    assert not focal.greater_is_better
    assert focal(y, proba) == pytest.approx(np.mean(-(1 - p_y) ** 2 * np.log(p_y)))
    assert loss_metric("cross_entropy")(y, proba) == pytest.approx(skm.log_loss(y, proba))
    w = np.array([1.0, 2.0, 3.0])
    assert loss_metric("cross_entropy")(y, proba, w) == pytest.approx(
        skm.log_loss(y, proba, sample_weight=w))
    # class_counts are filled from the labels evaluated on
    la = loss_metric("logit_adjusted", tau=1.0)(y, proba)
    z = np.log(proba) + np.log(np.array([1, 2]) / 3)
    expected = -np.mean((z - np.log(np.exp(z).sum(1, keepdims=True)))[np.arange(3), y])
    assert la == pytest.approx(expected)
    with pytest.raises(ValueError, match="gamma"):
        loss_metric("focal", gamma=-1)
    with pytest.raises(ValueError, match="Unknown loss|unknown loss"):
        loss_metric("nope")


# ------------------------------------------------------------------ scorers
def test_scorers_on_a_fitted_sklearn_classifier(fitted_lr):
    clf, X, y = fitted_lr
    ce = make_loss_scorer("cross_entropy")(clf, X, y)
    assert ce == pytest.approx(skm.get_scorer("neg_log_loss")(clf, X, y), rel=1e-6)
    assert make_loss_scorer("focal", gamma=0.0)(clf, X, y) == pytest.approx(ce)
    assert make_loss_scorer("focal", gamma=2.0)(clf, X, y) > ce  # focal <= CE, negated
    pred = clf.predict(X)
    assert get_scorer("gmean")(clf, X, y) == pytest.approx(imb_gmean(y, pred))
    assert get_scorer("f1")(clf, X, y) == pytest.approx(skm.f1_score(y, pred, pos_label="pos"))
    neg_ece = get_scorer("neg_ece")(clf, X, y)
    proba = clf.predict_proba(X)
    assert neg_ece == pytest.approx(-expected_calibration_error((y == "pos").astype(int), proba))
    assert neg_ece <= 0
    assert make_fbeta_scorer(2.0)(clf, X, y) == pytest.approx(
        skm.fbeta_score(y, pred, beta=2.0, pos_label="pos"))
    # scikit-learn names pass through
    assert get_scorer("accuracy")(clf, X, y) == pytest.approx(skm.accuracy_score(y, pred))


def test_scorer_errors(fitted_lr):
    clf, X, y = fitted_lr
    with pytest.raises(ValueError, match="Unknown scorer 'nope'.*gmean"):
        get_scorer("nope")
    for name in ("log_loss", "brier", "ece"):  # metrics where lower is better: neg_ scorers
        with pytest.raises(ValueError, match=f"its scorer is 'neg_{name}'"):
            get_scorer(name)
    # a label the model was not trained on is an error for every package scorer
    # (test_every_scorer_rejects_labels_unseen_in_training)
    y3 = np.array(["neg", "pos", "other"])
    with pytest.raises(ValueError, match=r"\['other'\] that are not classes"):
        get_scorer("worst_class_recall")(clf, X[:3], y3)
    # probabilities need every class present in the fold
    with pytest.raises(ValueError, match="every class must be present"):
        get_scorer("roc_auc")(clf, X[:3], np.array(["neg", "neg", "neg"]))
    with pytest.raises(ValueError, match="beta must be a number > 0"):
        make_fbeta_scorer(0)
    assert {"gmean", "worst_class_recall", "neg_ece", "neg_brier", "neg_log_loss"} <= set(
        available_scorers())


def test_scorers_in_grid_search_and_cross_validate(binary):
    X, y = binary
    labels = np.where(y == 1, "minority", "majority")
    grid = GridSearchCV(
        WeightedLossClassifier(**FAST),
        {"loss": ["cross_entropy", "anyloss_f1"], "reweight": [None, "balanced"]},
        scoring={"gmean": get_scorer("gmean"), "focal": make_loss_scorer("focal", gamma=2.0),
                 "ece": get_scorer("neg_ece")},
        refit="gmean", cv=StratifiedKFold(2, shuffle=True, random_state=0), error_score="raise",
    )
    grid.fit(X, labels)
    res = grid.cv_results_
    gmean = res["mean_test_gmean"]
    assert np.isfinite(gmean).all() and ((gmean >= 0) & (gmean <= 1)).all()
    balanced = [i for i, p in enumerate(res["params"]) if p["reweight"] == "balanced"]
    assert (gmean[balanced] > 0.5).all()
    assert (res["mean_test_focal"] < 0).all() and (res["mean_test_ece"] <= 0).all()
    assert grid.best_params_ == grid.cv_results_["params"][int(np.argmax(res["mean_test_gmean"]))]
    out = cross_validate(WeightedLossClassifier(**FAST), X, labels, cv=2,
                         scoring={"wcr": get_scorer("worst_class_recall"),
                                  "f2": make_fbeta_scorer(2.0)})
    assert np.all((out["test_wcr"] >= 0) & (out["test_wcr"] <= 1))


# ------------------------------------------------------------------ early stopping on a metric
@pytest.mark.parametrize("scoring, key, lower", [
    ("gmean", "valid_gmean", False),
    ("ece", "valid_ece", True),
    ("worst_class_recall", "valid_worst_class_recall", False),
])
def test_early_stopping_monitors_any_metric(binary, scoring, key, lower):
    X, y = binary
    clf = WeightedLossClassifier(scoring=scoring, n_iter_no_change=3, **FAST).fit(X, y)
    values = clf.history_[:, key]
    assert len(values) == clf.n_iter_ and np.isfinite(values).all()
    best = np.argmin(values) if lower else np.argmax(values)
    # the kept epoch is the best one by the monitored metric (up to the tolerance)
    assert values[clf.best_epoch_ - 1] == pytest.approx(values[best], rel=1e-3, abs=1e-3)


def test_early_stopping_on_a_loss_metric(binary):
    X, y = binary
    metric = loss_metric("focal", gamma=2.0)
    clf = WeightedLossClassifier(loss="cross_entropy", scoring=metric, **FAST).fit(X, y)
    values = clf.history_[:, f"valid_{metric.name}"]
    assert np.isfinite(values).all()
    # a loss metric is lower-is-better: the kept epoch is the minimum
    assert values[clf.best_epoch_ - 1] == pytest.approx(min(values), rel=1e-3, abs=1e-3)


def test_scoring_rejects_unknown_names(binary):
    X, y = binary
    with pytest.raises(ValueError, match="scoring"):
        WeightedLossClassifier(scoring="nope", **FAST).fit(X, y)


def test_scorer_agrees_with_estimator_score_for_accuracy(binary):
    X, y = binary
    clf = WeightedLossClassifier(**FAST).fit(X, y)
    assert get_scorer("accuracy")(clf, X, y) == pytest.approx(clf.score(X, y))
    proba = clf.predict_proba(X)
    logits = torch.log(torch.as_tensor(proba))
    expected = float(get_loss("focal", gamma=2.0)(logits, torch.as_tensor(y)))
    assert make_loss_scorer("focal", gamma=2.0)(clf, X, y) == pytest.approx(-expected)


# ------------------------------------------------------------- unseen labels
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("name", available_scorers() + ["loss:focal", "fbeta"])
def test_every_scorer_rejects_labels_unseen_in_training(name, n_classes):
    # roc_auc, average_precision, ece and brier used to raise unrelated errors,
    # gmean returned 0.0 and f1 0.60.
    X, y = make_classification(150, 5, n_informative=3, n_classes=n_classes, random_state=0)
    labels = np.array(["a", "b", "c"])[y]
    clf = LogisticRegression().fit(X, labels)
    if name == "loss:focal":
        scorer = make_loss_scorer("focal")
    elif name == "fbeta":
        scorer = make_fbeta_scorer(2.0)
    else:
        scorer = get_scorer(name)
    y_test = labels.astype(object)
    y_test[:5] = "zz"  # a label the model never saw
    expected = r"labels \['zz'\] that are not classes .*classes_: \[" + ", ".join(
        repr(c) for c in clf.classes_.tolist()) + r"\]"
    with pytest.raises(ValueError, match=expected):
        scorer(clf, X, y_test)
    scorer(clf, X, labels)  # seen labels only: scores


def test_ece_refuses_what_is_not_labels_and_probabilities():
    proba = np.array([[0.9, 0.1], [0.3, 0.7]])
    for y, p, kw, match in [
            (["a", "b"], proba, {}, "column indices of proba"),
            ([0, 2], proba, {}, "column indices of proba"),
            ([0, 1], [[0.5, np.nan], [0.3, 0.7]], {}, "probabilities in"),
            ([0, 1], [[1.5, -0.5], [0.3, 0.7]], {}, "probabilities in"),
            ([0, 1, 1], proba, {}, "one row per label"),
            ([0, 1], proba, {"n_bins": 0}, "n_bins must be an int >= 1"),
            ([0, 1], proba, {"n_bins": 2.5}, "n_bins must be an int >= 1"),
            ([0, 1], proba, {"sample_weight": [1.0, -1.0]}, "one finite weight >= 0")]:
        with pytest.raises(ValueError, match=match):
            expected_calibration_error(y, p, **kw)


def test_every_scorer_pickles():
    import pickle

    from sklearn_losses.metrics import available_scorers, make_fbeta_scorer, make_loss_scorer

    X, y = make_classification(120, 4, weights=[0.8], random_state=0)
    model = LogisticRegression().fit(X, y)
    scorers = [get_scorer(name) for name in available_scorers()]
    scorers += [make_fbeta_scorer(2.0), make_loss_scorer("focal", gamma=2.0)]
    for scorer in scorers:
        again = pickle.loads(pickle.dumps(scorer))
        assert again(model, X, y) == pytest.approx(scorer(model, X, y)), scorer


def test_loss_scorer_refuses_nan_probabilities():
    from sklearn_losses.metrics import make_loss_scorer

    class NaNModel(LogisticRegression):
        def predict_proba(self, X):
            proba = super().predict_proba(X)
            proba[0] = np.nan
            return proba

    X, y = make_classification(60, 4, random_state=0)
    with pytest.raises(ValueError, match="NaN or infinite"):
        make_loss_scorer("cross_entropy")(NaNModel().fit(X, y), X, y)


def test_macro_f1_leaves_out_a_class_absent_from_labels_and_predictions():
    # as scikit-learn's f1_macro: class 2 is neither in y_true nor predicted here
    from sklearn_losses.metrics import get_metric

    y = np.array([0, 1, 0, 0])
    proba = np.array([[.9, .05, .05], [.1, .8, .1], [.2, .7, .1], [.8, .1, .1]])
    expected = skm.f1_score(y, proba.argmax(axis=1), average="macro")
    assert get_metric("f1").evaluate(y, proba.argmax(axis=1), None, 3) == pytest.approx(expected)


def test_ranking_scorers_take_decision_function_without_predict_proba():
    from sklearn.svm import LinearSVC

    X, y = make_classification(200, 5, weights=[0.8], random_state=0)
    names = np.where(y == 1, "fraud", "ok")  # the minority "fraud" is classes_[0]
    svc = LinearSVC().fit(X, names)
    scores = svc.decision_function(X)  # ranks classes_[1], "ok"
    assert get_scorer("roc_auc")(svc, X, names) == pytest.approx(
        skm.roc_auc_score(names == "ok", scores))
    assert get_scorer("average_precision")(svc, X, names) == pytest.approx(
        skm.average_precision_score(names == "fraud", -scores))
    assert get_scorer("average_precision", pos_label="ok")(svc, X, names) == pytest.approx(
        skm.average_precision_score(names == "ok", scores))
    # probabilities stay required where scores are not enough
    with pytest.raises(AttributeError, match="predict_proba"):
        get_scorer("neg_log_loss")(svc, X, names)


def test_a_loss_scorer_of_a_stochastic_loss_is_refused():
    # ensloss draws its loss per call: the same predictions scored 0.596, 0.583, 0.580
    from sklearn_losses.metrics import loss_metric, make_loss_scorer

    with pytest.raises(ValueError, match="'ensloss' is drawn at random on each call"):
        make_loss_scorer("ensloss")
    with pytest.raises(ValueError, match="drawn at random"):
        loss_metric("ensloss")


@pytest.mark.parametrize("beta", ["2", True, np.nan, 0, -1.0])
def test_fbeta_scorer_refuses_a_beta_that_is_not_a_positive_number(beta):
    with pytest.raises(ValueError, match="beta must be a number > 0"):
        make_fbeta_scorer(beta)
