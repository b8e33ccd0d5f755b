"""Which class the binary scorers measure (issue 21, items 1 and 16).

The package's scorers used to take ``classes_[1]`` as the positive class:
with a minority label that sorts first ("fraud" / "ok", or 0 for the rare
class) F1, F-beta and average precision silently measured the majority
class. They now take ``pos_label``; without it they score the minority
class (of the training rows when the estimator records them in
``class_row_counts_``, else of the scored labels), say so in their repr, and
their errors show the user's labels, never internal codes.
"""

import re

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.metrics import (
    available_scorers,
    get_metric,
    get_scorer,
    loss_metric,
    make_fbeta_scorer,
    make_loss_scorer,
    metric_of,
)


@pytest.fixture(scope="module")
def fraud():
    """Binary data whose minority label ("fraud", 20%) sorts first."""
    X, y = make_classification(400, 6, weights=[0.8], flip_y=0.05, random_state=0)
    labels = np.where(y == 1, "fraud", "ok")  # y == 1 is the minority
    clf = LogisticRegression().fit(X, labels)
    assert clf.classes_.tolist() == ["fraud", "ok"]
    return clf, X, labels


def _expected(name, clf, X, y, pos):
    pred = clf.predict(X)
    proba = clf.predict_proba(X)[:, clf.classes_.tolist().index(pos)]
    return {
        "f1": skm.f1_score(y, pred, pos_label=pos),
        "fbeta": skm.fbeta_score(y, pred, beta=2.0, pos_label=pos),
        "average_precision": skm.average_precision_score(y, proba, pos_label=pos),
    }[name]


def _scorer(name, **kw):
    return make_fbeta_scorer(2.0, **kw) if name == "fbeta" else get_scorer(name, **kw)


# ------------------------------------------------------------------ the default class
@pytest.mark.parametrize("name", ["f1", "fbeta", "average_precision"])
def test_minority_label_sorting_first_is_the_scored_class(fraud, name):
    # before the fix: F1 0.95 / AP 0.98 of "ok" instead of the "fraud" values
    clf, X, y = fraud
    score = _scorer(name)(clf, X, y)
    assert score == pytest.approx(_expected(name, clf, X, y, "fraud"))
    assert score != pytest.approx(_expected(name, clf, X, y, "ok"))


@pytest.mark.parametrize("name", ["f1", "fbeta", "average_precision"])
def test_rare_class_coded_zero_is_the_scored_class(fraud, name):
    clf, X, labels = fraud
    y = (labels == "ok").astype(int)  # 0 is the rare class
    clf = LogisticRegression().fit(X, y)
    assert _scorer(name)(clf, X, y) == pytest.approx(_expected(name, clf, X, y, 0))


def test_minority_sorting_second_is_unchanged(fraud):
    clf, X, labels = fraud
    y = np.where(labels == "fraud", "yes", "no")  # the minority sorts second
    clf = LogisticRegression().fit(X, y)
    assert get_scorer("f1")(clf, X, y) == pytest.approx(_expected("f1", clf, X, y, "yes"))


def test_default_reads_the_training_counts_the_estimator_records(fraud):
    clf, X, y = fraud
    # a test set where "ok" is the rarer class: the training minority still wins
    rows = np.r_[np.flatnonzero(y == "fraud")[:40], np.flatnonzero(y == "ok")[:10]]
    fitted = LogisticRegression().fit(X, y)
    fitted.class_row_counts_ = np.array([80, 320])  # aligned with classes_
    score = get_scorer("f1")(fitted, X[rows], y[rows])
    assert score == pytest.approx(_expected("f1", fitted, X[rows], y[rows], "fraud"))
    # without recorded counts the scored labels decide: "ok" is their minority
    plain = LogisticRegression().fit(X, y)
    assert get_scorer("f1")(plain, X[rows], y[rows]) == pytest.approx(
        _expected("f1", plain, X[rows], y[rows], "ok"))
    # a Pipeline: the counts of its last step
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    pipe[-1].class_row_counts_ = np.array([80, 320])
    assert get_scorer("average_precision")(pipe, X[rows], y[rows]) == pytest.approx(
        _expected("average_precision", pipe, X[rows], y[rows], "fraud"))


def test_weighted_loss_classifier_scores_its_training_minority(fraud):
    clf, X, y = fraud
    model = WeightedLossClassifier(hidden_layer_sizes=(8,), max_epochs=3,
                                   random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.class_row_counts_, [np.sum(y == "fraud"),
                                                            np.sum(y == "ok")])
    rows = np.r_[np.flatnonzero(y == "fraud")[:40], np.flatnonzero(y == "ok")[:10]]
    assert get_scorer("f1")(model, X[rows], y[rows]) == pytest.approx(
        _expected("f1", model, X[rows], y[rows], "fraud"))


def test_ties_score_the_second_class(fraud):
    clf, X, y = fraud
    rows = np.r_[np.flatnonzero(y == "fraud")[:30], np.flatnonzero(y == "ok")[:30]]
    assert get_scorer("f1")(clf, X[rows], y[rows]) == pytest.approx(
        _expected("f1", clf, X[rows], y[rows], "ok"))


# ------------------------------------------------------------------ pos_label given
@pytest.mark.parametrize("name", ["f1", "fbeta", "average_precision"])
def test_explicit_pos_label(fraud, name):
    clf, X, y = fraud
    for pos in ("fraud", "ok"):
        assert _scorer(name, pos_label=pos)(clf, X, y) == pytest.approx(
            _expected(name, clf, X, y, pos))


@pytest.mark.parametrize("name", ["f1", "fbeta", "roc_auc", "gmean", "loss"])
def test_pos_label_not_a_class_is_refused_listing_the_classes(fraud, name):
    clf, X, y = fraud
    scorer = make_loss_scorer("anyloss_f1", pos_label="Fraud") if name == "loss" else _scorer(
        name, pos_label="Fraud")
    with pytest.raises(ValueError, match=re.escape(
            "pos_label='Fraud' is not one of the classes ['fraud', 'ok']")):
        scorer(clf, X, y)


def test_pos_label_with_a_multiclass_estimator_is_refused():
    X, y = make_classification(150, 5, n_informative=3, n_classes=3, random_state=0)
    labels = np.array(["a", "b", "c"])[y]
    clf = LogisticRegression().fit(X, labels)
    with pytest.raises(ValueError, match=r"pos_label='a'.*binary.*3 classes \['a', 'b', 'c'\]"):
        get_scorer("f1", pos_label="a")(clf, X, labels)


def test_pos_label_for_a_scikit_learn_scorer_name_is_refused():
    with pytest.raises(ValueError, match="pos_label.*package's scorers.*make_scorer"):
        get_scorer("precision", pos_label="fraud")


def test_symmetric_metrics_do_not_depend_on_pos_label(fraud):
    clf, X, y = fraud
    for name in available_scorers():
        base = get_scorer(name)(clf, X, y)
        if name in ("f1", "average_precision"):
            continue
        for pos in ("fraud", "ok"):
            assert get_scorer(name, pos_label=pos)(clf, X, y) == pytest.approx(base), name


# ------------------------------------------------------------------ repr
def test_repr_names_the_scored_class(fraud):
    assert repr(get_scorer("average_precision", pos_label="fraud")) == (
        "make_scorer(average_precision, response_method=('predict_proba', 'decision_function'), "
        "pos_label='fraud')")
    assert repr(get_scorer("f1")) == (
        "make_scorer(f1, response_method='predict', pos_label=<minority class>)")
    assert "pos_label=1" in repr(make_fbeta_scorer(2.0, pos_label=1))
    assert "pos_label=<minority class>" in repr(make_loss_scorer("anyloss_f1"))
    # metrics that do not depend on the positive class say nothing about it
    assert repr(get_scorer("gmean")) == "make_scorer(gmean, response_method='predict')"
    assert repr(get_scorer("neg_ece")) == (
        "make_scorer(ece, greater_is_better=False, response_method='predict_proba')")


# ------------------------------------------------------------------ model selection
def test_cross_validate_with_a_pipeline_and_mixed_pos_labels(fraud):
    _, X, y = fraud
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scoring = {
        # scikit-learn's scorer with another positive class first: its cached
        # one-column predict_proba must not leak into the package's scorers
        "sk_ap_ok": skm.make_scorer(skm.average_precision_score, pos_label="ok",
                                    response_method="predict_proba"),
        "ap": get_scorer("average_precision"),
        "f1": get_scorer("f1"),
        "ap_ok": get_scorer("average_precision", pos_label="ok"),
        "neg_brier": get_scorer("neg_brier"),
    }
    out = cross_validate(pipe, X, y, cv=cv, scoring=scoring, return_estimator=True,
                         return_indices=True)
    for i, est in enumerate(out["estimator"]):
        test = out["indices"]["test"][i]
        assert out["test_ap"][i] == pytest.approx(
            _expected("average_precision", est, X[test], y[test], "fraud"))
        assert out["test_f1"][i] == pytest.approx(_expected("f1", est, X[test], y[test], "fraud"))
        assert out["test_ap_ok"][i] == pytest.approx(out["test_sk_ap_ok"][i])


def test_grid_search_with_string_labels(fraud):
    _, X, y = fraud
    grid = GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression()),
                        {"logisticregression__C": [0.01, 1.0]},
                        scoring={"f1": get_scorer("f1"), "ap": get_scorer("average_precision")},
                        refit="ap", cv=StratifiedKFold(3, shuffle=True, random_state=0))
    grid.fit(X, y)
    manual = cross_validate(make_pipeline(StandardScaler(), LogisticRegression(C=1.0)), X, y,
                            cv=StratifiedKFold(3, shuffle=True, random_state=0),
                            scoring=skm.make_scorer(skm.f1_score, pos_label="fraud"))
    idx = [p["logisticregression__C"] for p in grid.cv_results_["params"]].index(1.0)
    assert grid.cv_results_["mean_test_f1"][idx] == pytest.approx(manual["test_score"].mean())


def test_tuned_threshold_classifier_uses_the_explicit_pos_label(fraud):
    _, X, y = fraud
    tuned = TunedThresholdClassifierCV(LogisticRegression(), scoring=get_scorer(
        "f1", pos_label="fraud"), cv=3, store_cv_results=True).fit(X, y)
    reference = TunedThresholdClassifierCV(
        LogisticRegression(), scoring=skm.make_scorer(skm.f1_score, pos_label="fraud"), cv=3,
        store_cv_results=True).fit(X, y)
    assert tuned.best_threshold_ == pytest.approx(reference.best_threshold_)
    assert tuned.best_score_ == pytest.approx(reference.best_score_)
    # without pos_label the thresholds move the probability of classes_[1] (as
    # scikit-learn does) and the thresholded labels are scored on the minority
    default = TunedThresholdClassifierCV(LogisticRegression(), scoring=get_scorer("f1"), cv=3,
                                         store_cv_results=True).fit(X, y)

    def f1_fraud(y_true, y_pred):  # no pos_label in the signature: thresholds on "ok"
        return skm.f1_score(y_true, y_pred, pos_label="fraud")

    manual = TunedThresholdClassifierCV(LogisticRegression(), scoring=skm.make_scorer(f1_fraud),
                                        cv=3, store_cv_results=True).fit(X, y)
    np.testing.assert_allclose(default.cv_results_["scores"], manual.cv_results_["scores"])


def test_multiclass_scorers_still_macro_average():
    X, y = make_classification(300, 6, n_informative=4, n_classes=3, random_state=0)
    labels = np.array(["c", "a", "b"])[y]
    clf = LogisticRegression().fit(X, labels)
    pred, proba = clf.predict(X), clf.predict_proba(X)
    assert get_scorer("f1")(clf, X, labels) == pytest.approx(
        skm.f1_score(labels, pred, average="macro"))
    assert get_scorer("roc_auc")(clf, X, labels) == pytest.approx(
        skm.roc_auc_score(labels, proba, multi_class="ovr"))
    assert get_scorer("average_precision")(clf, X, labels) == pytest.approx(
        skm.average_precision_score(
            (labels[:, None] == clf.classes_).astype(int), proba, average="macro"))
    # a fold without one of the three classes still scores over the estimator's classes
    two = labels != "c"
    assert get_scorer("f1")(clf, X[two], labels[two]) == pytest.approx(
        skm.f1_score(labels[two], pred[two], average="macro", labels=clf.classes_,
                     zero_division=0.0))
    assert get_scorer("gmean")(clf, X[two], labels[two]) >= 0


# ------------------------------------------------------------------ metrics and early stopping
def test_proba_metrics_take_pos_label_and_default_to_the_minority():
    rng = np.random.default_rng(1)
    y = (rng.random(200) < 0.8).astype(int)  # class 0 is the minority
    p1 = np.clip(0.5 * y + 0.5 * rng.random(200), 0.01, 0.99)
    proba = np.column_stack([1 - p1, p1])
    pred = proba.argmax(1)
    f1 = get_metric("f1")
    assert f1(y, proba) == pytest.approx(skm.f1_score(y, pred, pos_label=0))
    assert f1(y, proba, pos_label=1) == pytest.approx(skm.f1_score(y, pred, pos_label=1))
    ap = get_metric("average_precision")
    assert ap(y, proba) == pytest.approx(skm.average_precision_score(y, 1 - p1, pos_label=0))
    assert ap(y, proba, pos_label=1) == pytest.approx(skm.average_precision_score(y, p1))
    # symmetric metrics do not move
    for name in ("roc_auc", "brier", "log_loss", "gmean", "matthews_corrcoef"):
        m = get_metric(name)
        assert m(y, proba, pos_label=0) == pytest.approx(m(y, proba, pos_label=1)), name
    with pytest.raises(ValueError, match="pos_label=2.*0 or 1"):
        f1(y, proba, pos_label=2)


def test_loss_metric_scores_the_positive_class_with_per_class_arrays_aligned():
    rng = np.random.default_rng(2)
    y = (rng.random(100) < 0.8).astype(int)  # class 0 rare
    p1 = np.clip(0.6 * y + 0.4 * rng.random(100), 0.01, 0.99)
    proba = np.column_stack([1 - p1, p1])
    flipped = proba[:, ::-1]
    m = loss_metric("anyloss_f1")
    # the default scores F1 of the rare class 0: the loss sees it as class 1
    assert m(y, proba) == pytest.approx(m(1 - y, flipped, pos_label=1))
    assert m(y, proba) != pytest.approx(m(y, proba, pos_label=1))
    # class-aligned arrays follow the classes, so symmetric losses do not move
    la = loss_metric("logit_adjusted", class_counts=[20, 80])
    assert la(y, proba, pos_label=0) == pytest.approx(la(y, proba, pos_label=1))
    focal = loss_metric("focal", alpha=[0.3, 0.7])
    assert focal(y, proba, pos_label=0) == pytest.approx(focal(y, proba, pos_label=1))


def test_metric_of_binds_an_explicit_pos_label_to_the_classes():
    scorer = get_scorer("f1", pos_label="ok")
    with pytest.raises(ValueError, match="pos_label='ok'.*classes"):
        metric_of(scorer)  # without classes it cannot know which column "ok" is
    bound = metric_of(scorer, classes=np.array(["fraud", "ok"]))
    y = np.array([0, 0, 0, 0, 1, 1])  # its minority is 1; the training one is 0
    proba = np.array([[.9, .1], [.2, .8], [.3, .7], [.6, .4], [.1, .9], [.6, .4]])
    assert bound(y, proba) == pytest.approx(skm.f1_score(y, proba.argmax(1), pos_label=1))
    # training counts pick the training minority when no pos_label is given
    counts = metric_of("f1", classes=np.array(["fraud", "ok"]), class_counts=[10, 90])
    assert counts(y, proba) == pytest.approx(skm.f1_score(y, proba.argmax(1), pos_label=0))
    with pytest.raises(ValueError, match=re.escape("['fraud', 'ok']")):
        metric_of(get_scorer("f1", pos_label="x"), classes=np.array(["fraud", "ok"]))


def test_early_stopping_on_f1_and_average_precision_still_trains(fraud):
    # early stopping scores encoded validation labels with the same rule:
    # the minority of the (stratified) validation split
    _, X, y = fraud
    for scoring in ("f1", "average_precision", get_scorer("f1")):
        model = WeightedLossClassifier(hidden_layer_sizes=(8,), max_epochs=3, scoring=scoring,
                                       random_state=0).fit(X, y)
        name = "f1" if not isinstance(scoring, str) else scoring
        assert np.isfinite(model.history_[:, f"valid_{name}"]).all()


# ------------------------------------------------------------------ item 16: user labels in errors
@pytest.mark.parametrize("name", ["f1", "fbeta"])
def test_f1_errors_show_the_users_labels(fraud, name):
    # before the fix: "pos_label=1 is not a valid label. It should be one of [-1  0]"
    clf, X, y = fraud
    only_fraud = y == "fraud"
    with pytest.raises(ValueError) as err:
        _scorer(name)(clf, X[only_fraud], y[only_fraud])
    message = str(err.value)
    assert "['fraud']" in message and "['fraud', 'ok']" in message and "pos_label" in message
    assert "[-1" not in message and "pos_label=1 " not in message
    # with pos_label given the fold is scored
    assert _scorer(name, pos_label="fraud")(clf, X[only_fraud], y[only_fraud]) == pytest.approx(
        _expected(name, clf, X[only_fraud], y[only_fraud], "fraud"))


def test_single_class_fold_is_not_scored_as_an_absent_class(fraud):
    # before the fix: 0.0 without a word, the F1 of an encoded class absent from the fold
    clf, X, y = fraud
    only_ok = y == "ok"
    with pytest.raises(ValueError, match=r"y_true holds one class \['ok'\]"):
        get_scorer("f1")(clf, X[only_ok], y[only_ok])
    assert get_scorer("f1", pos_label="ok")(clf, X[only_ok], y[only_ok]) == pytest.approx(
        skm.f1_score(y[only_ok], clf.predict(X[only_ok]), pos_label="ok"))
