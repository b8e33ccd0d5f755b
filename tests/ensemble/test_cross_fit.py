"""CrossFitClassifier: out-of-fold predictions, early stopping on the own fold, calibration,
threshold, weights, seeds, parallel fits and errors."""

import os
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    matthews_corrcoef,
    roc_auc_score,
)

from sklearn_losses import CrossFitClassifier, LossPortfolioClassifier, WeightedLossClassifier
from sklearn_losses.ensemble import make_folds, shrink_threshold, temperature_scale, tune_threshold
from sklearn_losses.ensemble.members import prepare_members

from ._data import fast_net, imbalanced, shuffled_labels

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _raw_oof(clf, X):
    """Each row predicted by the member that held it out, before the temperature."""
    raw = np.empty((len(X), len(clf.classes_)))
    for j, member in enumerate(clf.estimators_):
        rows = clf.fold_ == j
        raw[rows] = member.predict_proba(X[rows])
    return raw


def test_out_of_fold_predictions_never_see_their_own_rows():
    # labels independent of the features: a network that memorizes its training rows ranks
    # them well, but a row it did not train on is a coin flip
    X, y = shuffled_labels(300)
    net = WeightedLossClassifier(hidden_layer_sizes=(64,), max_epochs=150, lr=1e-2,
                                 weight_decay=0.0, early_stopping=False, n_jobs=1)
    clf = CrossFitClassifier(net, n_folds=3, calibration=None, random_state=0).fit(X, y)
    assert abs(roc_auc_score(y, clf.oof_proba_[:, 1]) - 0.5) < 0.1
    for j, member in enumerate(clf.estimators_):
        seen = clf.fold_ != j
        assert member.class_row_counts_.sum() == seen.sum()  # trained on the other folds
        assert roc_auc_score(y[seen], member.predict_proba(X[seen])[:, 1]) > 0.85
    # and oof_proba_ is exactly each row's prediction by the member that held it out
    np.testing.assert_allclose(clf.oof_proba_, _raw_oof(clf, X))
    # the folds partition the rows, stratified
    assert sorted(np.bincount(clf.fold_)) == [100, 100, 100]
    assert set(np.bincount(clf.fold_[y == 1])) <= {50}


def test_each_member_early_stops_on_the_fold_it_holds_out():
    X, y = imbalanced(210)
    clf = CrossFitClassifier(fast_net(max_epochs=8), n_folds=3, random_state=0).fit(X, y)
    assert clf.used_eval_set_
    for j, member in enumerate(clf.estimators_):
        assert member.stopping_ == "validation"
        assert len(member.plan_.valid_index) == np.sum(clf.fold_ == j)
        assert len(member.plan_.train_index) == np.sum(clf.fold_ != j)
    assert clf.fit_times_.shape == (3,) and np.all(clf.fit_times_ > 0)
    # an estimator without eval_set is fitted plainly on its folds
    plain = CrossFitClassifier(LogisticRegression(), n_folds=3, random_state=0).fit(X, y)
    assert not plain.used_eval_set_


def test_a_fold_without_every_class_is_not_used_for_early_stopping():
    X, y = imbalanced(210)
    # two positives keep their weight: with 3 folds (stratified on the class and on the
    # weight being positive) one fold holds no positive weight, so its member cannot score
    # epochs on it and falls back to its own stopping rule
    weight = np.ones(len(y))
    weight[np.flatnonzero(y == 1)[2:]] = 0.0
    clf = CrossFitClassifier(fast_net(max_epochs=8), n_folds=3, random_state=0)
    clf.fit(X, y, sample_weight=weight)
    assert not clf.used_eval_set_
    empty = [not np.any((clf.fold_ == f) & (y == 1) & (weight > 0)) for f in range(3)]
    assert sum(empty) == 1
    assert [m.stopping_ == "validation" for m in clf.estimators_] == [not e for e in empty]


def test_temperature_is_fitted_on_the_out_of_fold_probabilities():
    X, y = imbalanced(240)
    clf = CrossFitClassifier(fast_net(max_epochs=10), n_folds=3, random_state=0).fit(X, y)
    raw = _raw_oof(clf, X)
    np.testing.assert_allclose(clf.oof_proba_, temperature_scale(raw, clf.temperature_))
    assert clf.temperature_ != 1.0
    assert log_loss(y, clf.oof_proba_) <= log_loss(y, raw) + 1e-9
    for t in (0.5 * clf.temperature_, 2.0 * clf.temperature_):  # a minimum of the OOF NLL
        assert log_loss(y, clf.oof_proba_) <= log_loss(y, temperature_scale(raw, t))
    # predict_proba: the mean of the members' probabilities, scaled by the same temperature
    mean = np.mean([m.predict_proba(X) for m in clf.estimators_], axis=0)
    np.testing.assert_allclose(clf.predict_proba(X), temperature_scale(mean, clf.temperature_))
    none = CrossFitClassifier(fast_net(max_epochs=10), n_folds=3, calibration=None,
                              random_state=0).fit(X, y)
    assert none.temperature_ == 1.0
    np.testing.assert_allclose(none.predict_proba(X), mean)  # the same seeds, the same members
    np.testing.assert_allclose(none.oof_proba_, raw)


@pytest.mark.parametrize("metric, score", [
    ("f1", None), ("balanced_accuracy", balanced_accuracy_score),
    ("matthews_corrcoef", matthews_corrcoef), ("accuracy", accuracy_score), ("gmean", None)])
def test_tune_threshold_finds_the_best_cut_point(metric, score):
    rng = np.random.default_rng(0)
    y = (rng.random(120) < 0.3).astype(int)
    p1 = np.clip(0.3 * y + rng.random(120) * 0.7, 0, 1).round(2)  # ties on purpose
    w = rng.uniform(0.5, 2.0, 120)
    if metric == "f1":
        def score(t, p, sample_weight):
            return f1_score(t, p, pos_label=0, sample_weight=sample_weight)
    elif metric == "gmean":
        def score(t, p, sample_weight):
            recalls = [np.average(p[t == c] == c, weights=sample_weight[t == c]) for c in (0, 1)]
            return np.sqrt(np.prod(recalls))
    threshold, best = tune_threshold(p1, y, metric, w, f1_class=0)
    cuts = np.unique(p1)
    brute = max(score(y, (p1 >= c).astype(int), sample_weight=w) for c in cuts[1:])
    assert best == pytest.approx(brute)
    assert score(y, (p1 >= threshold).astype(int), sample_weight=w) == pytest.approx(best)
    assert threshold not in cuts  # a midpoint between two distinct values


@pytest.mark.parametrize("metric", ["matthews_corrcoef", "f1"])
def test_tune_threshold_bagged_over_bootstrap_resamples(metric):
    rng = np.random.default_rng(2)  # data on which the bagged threshold differs from the once
    y = (rng.random(150) < 0.15).astype(int)
    p1 = np.clip(0.25 * y + rng.random(150) * 0.75, 0, 1)
    w = rng.uniform(0.5, 2.0, 150)
    threshold, score = tune_threshold(p1, y, metric, w, n_bootstrap=20)
    draws, found = np.random.default_rng(0), []  # by hand: the same fixed-seed resamples
    for _ in range(20):
        rows = draws.integers(0, 150, 150)
        if 0 < y[rows].sum() < 150:
            found.append(tune_threshold(p1[rows], y[rows], metric, w[rows])[0])
    assert threshold == pytest.approx(np.median(found))
    pred = (p1 >= threshold).astype(int)
    expected = (matthews_corrcoef(y, pred, sample_weight=w) if metric == "matthews_corrcoef"
                else f1_score(y, pred, sample_weight=w))
    assert score == pytest.approx(expected)  # scored on all the rows
    once, best = tune_threshold(p1, y, metric, w)
    assert score <= best + 1e-12  # the best cut point of all the rows scores at least as well
    assert threshold != once  # the bagging changed the decision on these data
    assert tune_threshold(p1, y, metric, w, n_bootstrap=0) == (once, best)
    assert tune_threshold(p1, y, metric, w, n_bootstrap=20) == (threshold, score)  # fixed seed


def test_tune_threshold_at_any_weight_scale_and_between_adjacent_floats():
    rng = np.random.default_rng(0)
    p1, y = rng.uniform(size=200), (rng.uniform(size=200) < 0.3).astype(int)
    ref = tune_threshold(p1, y, "matthews_corrcoef")
    for scale in (1e-170, 1e160):  # only relative weights matter
        got = tune_threshold(p1, y, "matthews_corrcoef", np.full(200, scale))
        assert got == pytest.approx(ref)
    # the midpoint of two adjacent floats rounds onto the lower: the upper is the threshold,
    # so that the score reported is the score of the threshold returned
    p1 = np.array([0.3, np.nextafter(0.3, 0), 0.1, 0.9])
    y = np.array([1, 0, 0, 1])
    t, score = tune_threshold(p1, y, "matthews_corrcoef")
    assert score == 1.0 and matthews_corrcoef(y, (p1 >= t).astype(int)) == 1.0
    with pytest.raises(ValueError, match="Unknown threshold metric 'f2'; choose one of f1"):
        tune_threshold(p1, y, "f2")


def test_tune_threshold_bagging_falls_back_when_every_resample_has_one_class():
    # the first fixed-seed resample of 3 rows misses one row: make it the only positive
    missed = sorted(set(range(3)) - set(np.random.default_rng(0).integers(0, 3, 3)))[0]
    y = np.zeros(3, dtype=int)
    y[missed] = 1
    p1 = np.array([0.2, 0.5, 0.8])
    assert tune_threshold(p1, y, "matthews_corrcoef", n_bootstrap=1) == tune_threshold(
        p1, y, "matthews_corrcoef")


def test_threshold_is_tuned_on_the_out_of_fold_probabilities():
    X, y = imbalanced(240)
    labels = np.array(["ok", "fraud"])[y]  # the minority "fraud" is classes_[0]
    clf = CrossFitClassifier(fast_net(max_epochs=10), n_folds=3, threshold="f1",
                             random_state=0).fit(X, labels)
    oof_pred = clf.classes_[(clf.oof_proba_[:, 1] >= clf.threshold_).astype(int)]
    assert clf.threshold_score_ == pytest.approx(f1_score(labels, oof_pred, pos_label="fraud"))
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict(X),
                                  clf.classes_[(proba[:, 1] >= clf.threshold_).astype(int)])
    fixed = CrossFitClassifier(fast_net(max_epochs=10), n_folds=3, threshold=0.3,
                               random_state=0).fit(X, labels)
    assert fixed.threshold_ == 0.3 and fixed.threshold_score_ is None
    argmax = CrossFitClassifier(fast_net(max_epochs=10), n_folds=3, random_state=0).fit(X, y)
    assert argmax.threshold_ is None
    np.testing.assert_array_equal(argmax.predict(X), argmax.predict_proba(X).argmax(axis=1))


def test_threshold_bootstrap_bags_the_tuned_threshold():
    X, y = imbalanced(300)
    labels = np.array(["ok", "fraud"])[y]
    once = CrossFitClassifier(LogisticRegression(), n_folds=3, threshold="f1",
                              random_state=0).fit(X, labels)
    bagged = CrossFitClassifier(LogisticRegression(), n_folds=3, threshold="f1",
                                threshold_bootstrap=50, random_state=0).fit(X, labels)
    np.testing.assert_array_equal(bagged.oof_proba_, once.oof_proba_)  # same members
    y_enc = (labels == bagged.classes_[1]).astype(int)
    p1 = bagged.oof_proba_[:, 1]  # tune_threshold's bagging is checked by hand above
    minority = int(np.argmin(np.bincount(y_enc)))
    assert once.threshold_ == tune_threshold(p1, y_enc, "f1", f1_class=minority)[0]
    assert bagged.threshold_ == pytest.approx(
        tune_threshold(p1, y_enc, "f1", f1_class=minority, n_bootstrap=50)[0])
    assert bagged.threshold_ != once.threshold_  # this data's bagged threshold differs
    pred = bagged.classes_[(p1 >= bagged.threshold_).astype(int)]
    assert bagged.threshold_score_ == pytest.approx(f1_score(labels, pred, pos_label="fraud"))
    np.testing.assert_array_equal(
        bagged.predict(X),
        bagged.classes_[(bagged.predict_proba(X)[:, 1] >= bagged.threshold_).astype(int)])
    # ignored without a metric to tune
    fixed = clone(bagged).set_params(threshold=0.3).fit(X, labels)
    assert fixed.threshold_ == 0.3 and fixed.threshold_score_ is None


def test_threshold_shrinkage_pulls_the_tuned_threshold_toward_the_prior_guess():
    X, y = imbalanced(300)
    labels = np.array(["ok", "fraud"])[y]
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    once = CrossFitClassifier(LogisticRegression(), n_folds=3, threshold="matthews_corrcoef",
                              random_state=0).fit(X, labels, sample_weight=w)
    shrunk = clone(once).set_params(threshold_shrinkage=20.0).fit(X, labels, sample_weight=w)
    np.testing.assert_array_equal(shrunk.oof_proba_, once.oof_proba_)
    y_enc = (labels == once.classes_[1]).astype(int)
    assert shrunk.threshold_ == pytest.approx(shrink_threshold(once.threshold_, y_enc, w, 20.0))
    assert shrunk.threshold_ != once.threshold_
    pred = shrunk.classes_[(shrunk.oof_proba_[:, 1] >= shrunk.threshold_).astype(int)]
    assert shrunk.threshold_score_ == pytest.approx(
        matthews_corrcoef(labels, pred, sample_weight=w))
    with pytest.raises(ValueError, match="'threshold_shrinkage' parameter"):
        clone(once).set_params(threshold_shrinkage=-1.0).fit(X, labels)
    # infinitely many pseudo-rows: the guess logit(pi) / 2 alone
    guess = clone(once).set_params(threshold_shrinkage=np.inf).fit(X, labels, sample_weight=w)
    pi = np.average(y_enc, weights=w)
    assert guess.threshold_ == pytest.approx(1 / (1 + np.sqrt((1 - pi) / pi)))


def test_sample_weight_reaches_every_member_and_the_temperature():
    X, y = imbalanced(240)
    w = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    clf = CrossFitClassifier(LogisticRegression(), n_folds=3, random_state=0)
    clf.fit(X, y, sample_weight=w)
    for j, member in enumerate(clf.estimators_):
        rows = clf.fold_ != j
        alone = LogisticRegression().fit(X[rows], y[rows], sample_weight=w[rows])
        np.testing.assert_allclose(member.coef_, alone.coef_, rtol=1e-6)
    from sklearn_losses.ensemble import fit_proba_temperature

    assert clf.temperature_ == pytest.approx(fit_proba_temperature(_raw_oof(clf, X), y, w))
    # eval_set carries the held-out rows' weights too
    net = CrossFitClassifier(_RecordingNet(**fast_net().get_params()), n_folds=3,
                             random_state=0).fit(X, y, sample_weight=w)
    assert all(m.stopping_ == "validation" for m in net.estimators_)
    for j, member in enumerate(net.estimators_):
        assert len(member.seen_eval_set_) == 3
        np.testing.assert_array_equal(member.seen_eval_set_[2], w[net.fold_ == j])


class _RecordingNet(WeightedLossClassifier):
    """Records the eval_set the ensemble gives its fit."""

    def fit(self, X, y, sample_weight=None, eval_set=None):
        self.seen_eval_set_ = eval_set
        return super().fit(X, y, sample_weight=sample_weight, eval_set=eval_set)


def test_a_pipeline_gets_sample_weight_through_its_last_step():
    X, y = imbalanced(240)
    w = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    clf = CrossFitClassifier(pipe, n_folds=3, random_state=0).fit(X, y, sample_weight=w)
    for j, member in enumerate(clf.estimators_):
        rows = clf.fold_ != j
        alone = clone(pipe).fit(X[rows], y[rows], logisticregression__sample_weight=w[rows])
        np.testing.assert_allclose(member[-1].coef_, alone[-1].coef_, rtol=1e-6)
    # a last step without weights is named
    with pytest.raises(ValueError, match="KNeighborsClassifier.fit takes no sample_weight"):
        CrossFitClassifier(make_pipeline(StandardScaler(), KNeighborsClassifier()),
                           n_folds=3).fit(X, y, sample_weight=w)


class _ListEvalSet(LogisticRegression):
    """An estimator whose fit takes eval_set as a list of (X, y) pairs (LightGBM's form)."""

    def fit(self, X, y, sample_weight=None, eval_set=None):
        if eval_set is not None:
            for X_v, y_v in eval_set:  # a package-style tuple (X, y) breaks here
                assert len(X_v) == len(y_v)
        return super().fit(X, y, sample_weight=sample_weight)


def test_other_libraries_eval_set_is_not_given_the_package_form():
    X, y = imbalanced(240)
    clf = CrossFitClassifier(_ListEvalSet(), n_folds=3, random_state=0).fit(X, y)
    assert not clf.used_eval_set_


def test_random_state_seeds_the_folds_and_each_member():
    X, y = imbalanced()
    a = CrossFitClassifier(fast_net(), n_folds=3, random_state=1).fit(X, y)
    b = CrossFitClassifier(fast_net(), n_folds=3, random_state=1).fit(X, y)
    np.testing.assert_array_equal(a.fold_, b.fold_)
    np.testing.assert_allclose(a.oof_proba_, b.oof_proba_)
    seeds = [m.random_state for m in a.estimators_]
    assert len(set(seeds)) == 3 and all(isinstance(s, int) for s in seeds)
    c = CrossFitClassifier(fast_net(), n_folds=3, random_state=2).fit(X, y)
    assert not np.array_equal(a.fold_, c.fold_)
    # random_state=None leaves the estimator's own seed to every member
    d = CrossFitClassifier(fast_net(random_state=7), n_folds=3).fit(X, y)
    assert [m.random_state for m in d.estimators_] == [7, 7, 7]


def test_parallel_members_get_one_thread_and_give_the_serial_result():
    members = prepare_members(WeightedLossClassifier(), 3, np.random.RandomState(0),
                              parallel=True)
    assert [m.n_jobs for m in members] == [1, 1, 1]
    assert prepare_members(WeightedLossClassifier(n_jobs=2), 1, np.random.RandomState(0),
                           parallel=True)[0].n_jobs == 2  # a choice of the user stays
    # a network inside a Pipeline too; scikit-learn's estimators, whose None is one job
    # already (and LogisticRegression deprecates n_jobs), are left alone
    pipe = make_pipeline(StandardScaler(), WeightedLossClassifier())
    (member,) = prepare_members(pipe, 1, np.random.RandomState(0), parallel=True)
    assert member[-1].n_jobs == 1
    (member,) = prepare_members(LogisticRegression(), 1, np.random.RandomState(0),
                                parallel=True)
    assert member.get_params()["n_jobs"] is None
    X, y = imbalanced()
    serial = CrossFitClassifier(LogisticRegression(), n_folds=3, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*n_jobs.*")
        parallel = CrossFitClassifier(LogisticRegression(), n_folds=3, random_state=0,
                                      n_jobs=2).fit(X, y)
    np.testing.assert_allclose(parallel.oof_proba_, serial.oof_proba_)
    np.testing.assert_allclose(parallel.predict_proba(X), serial.predict_proba(X))


def test_member_warnings_are_shown_once_with_their_count():
    X, y = imbalanced()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CrossFitClassifier(fast_net(max_epochs=2), n_folds=3, random_state=0).fit(X, y)
    convergence = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(convergence) == 1
    assert str(convergence[0].message).endswith("[3 of 3 member fits]")
    assert convergence[0].filename == __file__  # attributed to the caller of fit


@pytest.mark.parametrize("params, match", [
    (dict(n_folds=1), "'n_folds' parameter"),
    (dict(calibration="platt"), "'calibration' parameter"),
    (dict(threshold="roc_auc"), "'threshold' parameter"),
    (dict(threshold=1.5), "'threshold' parameter"),
    (dict(threshold_bootstrap=-1), "'threshold_bootstrap' parameter"),
    (dict(threshold_bootstrap=2.5), "'threshold_bootstrap' parameter"),
    (dict(estimator=object()), "'estimator' parameter"),
])
def test_bad_parameters_are_named(params, match):
    X, y = imbalanced()
    with pytest.raises(ValueError, match=match):
        CrossFitClassifier(**params).fit(X, y)


def test_data_errors_say_what_is_wrong():
    X, y = imbalanced(240, n_classes=3)
    with pytest.raises(ValueError, match="threshold='f1' sets a binary decision threshold, "
                                         "but y has 3 classes"):
        CrossFitClassifier(LogisticRegression(), threshold="f1").fit(X, y)
    with pytest.raises(ValueError, match="cannot split n_samples=4 rows into n_folds=5"):
        CrossFitClassifier(LogisticRegression()).fit(X[:4], [0, 1, 0, 1])
    with pytest.raises(ValueError, match="positive sample_weight on at least 2 classes"):
        CrossFitClassifier(LogisticRegression()).fit(X, y, sample_weight=(y == 0) * 1.0)
    from sklearn.neighbors import KNeighborsClassifier

    with pytest.raises(ValueError, match="sample_weight was given, but KNeighborsClassifier"
                                         ".fit takes no sample_weight"):
        CrossFitClassifier(KNeighborsClassifier()).fit(X, y, sample_weight=np.ones(240))
    y_single = np.where(np.arange(240) == 0, 5, y)  # class 5 has one row
    with pytest.warns(UserWarning, match=r"the class\(es\) \[5\] have a single row"):
        clf = CrossFitClassifier(LogisticRegression(), n_folds=3).fit(X, y_single)
    assert clf.predict_proba(X).shape == (240, 4)
    assert clf.oof_proba_[0, 3] < 1e-12  # the member that held it out never saw class 5
    assert 0.2 < clf.temperature_ < 5  # that row is left out of the temperature's fit
    # weighted: a class of many rows, none of positive weight, is not said to have one row
    with pytest.warns(UserWarning, match=r"\[5\] have at most one row of positive sample_w"):
        make_folds(y_single, 3, 0, sample_weight=np.where(y_single == 5, 0.0, 1.0))
    # binary: its member would train on one class; said before any fit
    y_one = np.where(np.arange(240) == 0, 1, 0)
    with pytest.raises(ValueError, match="the class 1 has a single row.*at least 2 rows of "
                                         "each class"):
        CrossFitClassifier(LogisticRegression(), n_folds=3).fit(X, y_one)
    with pytest.raises(ValueError, match="LossPortfolioClassifier: the class 1 has a single"):
        LossPortfolioClassifier({}, {"lr": LogisticRegression()}).fit(X, y_one)


def test_members_warn_once_about_the_rows_they_predict():
    # each member read the word as missing and warned: 5 members gave 5 warnings a call
    import warnings

    import pandas as pd
    from sklearn.exceptions import DataConversionWarning

    X, y = imbalanced(200)
    frame = pd.DataFrame({"a": [str(round(v, 3)) for v in X[:, 0]], "b": X[:, 1]})
    clf = CrossFitClassifier(fast_net(), n_folds=3, random_state=0).fit(frame, y)
    new = frame.iloc[:2].copy()
    new.loc[new.index[0], "a"] = "unknown"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.predict_proba(new)
    words = [w for w in caught if issubclass(w.category, DataConversionWarning)]
    assert len(words) == 1 and "'unknown'" in str(words[0].message)


def test_zero_weights_never_leave_a_member_without_a_class():
    # the folds were stratified on the labels alone: the two rows of class 1 that kept their
    # weight could share a fold, and the member holding it out had no class-1 weight (fit
    # raised for 7 of 10 seeds)

    y = np.r_[np.zeros(160, int), np.ones(40, int)]
    w = np.r_[np.ones(160), np.zeros(38), np.ones(2)]
    for seed in range(20):
        fold = make_folds(y, 2, seed, sample_weight=w)
        for f in range(2):
            train = fold != f
            assert w[train & (y == 1)].sum() > 0 and w[train & (y == 0)].sum() > 0
        clf = CrossFitClassifier(LogisticRegression(), n_folds=2, random_state=seed)
        clf.fit(np.random.default_rng(seed).normal(size=(200, 3)), y, sample_weight=w)
    with pytest.raises(ValueError, match=r"class 1 has a single row of positive sample_weight"):
        make_folds(y, 2, 0, sample_weight=np.r_[np.ones(160), np.zeros(39), np.ones(1)])
    # without weights the folds are those of before
    np.testing.assert_array_equal(make_folds(y, 3, 0), make_folds(y, 3, 0, sample_weight=None))


def test_a_member_error_that_cannot_be_pickled_comes_back_as_its_name_and_message():
    # returned from a joblib worker, such an exception broke the pool (BrokenProcessPool)
    # instead of leaving the candidate out
    import pickle

    from sklearn_losses.ensemble.members import MemberFitError, _picklable
    from sklearn_losses.portfolio import _first_line

    class SolverError(Exception):
        def __init__(self, code, detail):
            super().__init__(f"solver failed with code {code}: {detail}")

    stand_in = _picklable(SolverError(7, "singular matrix"))
    assert isinstance(stand_in, MemberFitError)
    back = pickle.loads(pickle.dumps(stand_in))
    assert _first_line(back) == "SolverError: solver failed with code 7: singular matrix"
    assert str(back) == "SolverError: solver failed with code 7: singular matrix"
    plain = ValueError("bad")
    assert _picklable(plain) is plain


def test_member_deprecation_warnings_stay_hidden_at_predict():
    # predict_proba re-emitted every warning the members raised, a library's
    # DeprecationWarning too, attributed to the caller (where Python shows it)
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Deprecating(ClassifierMixin, BaseEstimator):
        def fit(self, X, y, sample_weight=None):
            self.model_ = LogisticRegression().fit(X, y)
            self.classes_ = self.model_.classes_
            return self

        def predict_proba(self, X):
            warnings.warn("internal_api is deprecated", DeprecationWarning)
            return self.model_.predict_proba(X)

    X, y = imbalanced(120)
    clf = CrossFitClassifier(Deprecating(), n_folds=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.predict_proba(X)
    assert not [w for w in caught if "internal_api" in str(w.message)]


def test_pipeline_members_take_sample_weight_under_metadata_routing():
    # with routing on, Pipeline refuses step-prefixed parameters: the ensembles passed
    # weightedlossclassifier__sample_weight and failed (the portfolio dropped the member)
    import sklearn
    from sklearn.datasets import make_classification

    from sklearn_losses import CrossFitClassifier, LossPortfolioClassifier, WeightedLossClassifier

    X, y = make_classification(120, 5, random_state=0)
    w = np.random.default_rng(0).integers(1, 3, 120).astype(float)
    with sklearn.config_context(enable_metadata_routing=True):
        last = WeightedLossClassifier(hidden_layer_sizes=(8,), max_epochs=3, random_state=0)
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                             last.set_fit_request(sample_weight=True))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            CrossFitClassifier(pipe, n_folds=2).fit(X, y, sample_weight=w)
            portfolio = LossPortfolioClassifier(configs={}, extra_estimators={"pipe": pipe},
                                                n_folds=2, threshold=None).fit(
                X, y, sample_weight=w)
        assert list(portfolio.leaderboard_["status"]) == ["ok"]
        # the weights reach the requesting step: a last step whose weighted fit is known
        known = make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                              LogisticRegression().set_fit_request(sample_weight=True))
        clf = CrossFitClassifier(known, n_folds=2, random_state=0).fit(X, y, sample_weight=w)
    for j, member in enumerate(clf.estimators_):
        rows = clf.fold_ != j
        ref = make_pipeline(StandardScaler(), LogisticRegression()).fit(
            X[rows], y[rows], logisticregression__sample_weight=w[rows])
        np.testing.assert_allclose(member[-1].coef_, ref[-1].coef_, rtol=1e-6)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_parallel_members_see_the_scikit_learn_configuration(n_jobs):
    # joblib's workers did not inherit scikit-learn's configuration: with n_jobs=2 the
    # members' scalers ignored the routed weights, and set_output's pandas frames were lost
    import pandas as pd
    import sklearn
    from sklearn.datasets import make_classification

    X, y = make_classification(200, 5, weights=[0.8], random_state=0)
    w = np.where(y == 1, 20.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=True),
                             LogisticRegression().set_fit_request(sample_weight=True))
        clf = CrossFitClassifier(pipe, n_folds=2, n_jobs=n_jobs, random_state=0).fit(
            X, y, sample_weight=w)
    for j, member in enumerate(clf.estimators_):
        rows = clf.fold_ != j
        np.testing.assert_allclose(member[0].mean_, np.average(X[rows], axis=0,
                                                               weights=w[rows]))
    df = pd.DataFrame(X, columns=list("abcde"))
    with sklearn.config_context(transform_output="pandas"):
        clf = CrossFitClassifier(make_pipeline(StandardScaler(), LogisticRegression()),
                                 n_folds=2, n_jobs=n_jobs, random_state=0).fit(df, y)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "X has feature names, but ... fitted without"
            clf.predict_proba(df)
    assert list(clf.estimators_[0][-1].feature_names_in_) == list("abcde")


def test_a_class_of_one_weighted_row_is_left_to_the_members_that_hold_it():
    # its other rows weigh 0: the member holding out the weighted row saw the class with no
    # weight, and its class weights (reweight="auto") failed the whole fit, though
    # make_folds had warned that the member would not see the class
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.r_[np.zeros(3), np.ones(27), np.full(30, 2)].astype(int)
    w = np.ones(60)
    w[:2] = 0.0  # class 0: 3 rows, 1 of positive weight
    for est in (CrossFitClassifier(fast_net(max_epochs=3), n_folds=2, random_state=0),
                LossPortfolioClassifier(configs={"net": dict(max_epochs=3)}, n_folds=2,
                                        random_state=0, threshold=None)):
        with pytest.warns(UserWarning, match=r"\[0\] have at most one row of positive"):
            est.fit(X, y, sample_weight=w)
        assert est.oof_proba_.shape == (60, 3) and np.isfinite(est.oof_proba_).all()
    # the row its member never saw the class of says nothing about the temperature: with
    # it, the temperature was 148 and every probability about 1/3
    X = X + 1.5 * (y == 1)[:, None]
    est = CrossFitClassifier(LogisticRegression(), n_folds=2, random_state=0)
    with pytest.warns(UserWarning, match="never sees the class"):
        est.fit(X, y, sample_weight=w)
    assert est.temperature_ < 5
    assert np.median(est.predict_proba(X).max(axis=1)) > 0.6
    # the member holding out the weighted row of class 0 trained on classes 1 and 2
    cross = CrossFitClassifier(fast_net(max_epochs=3), n_folds=2, random_state=0)
    with pytest.warns(UserWarning, match="never sees the class"):
        cross.fit(X, y, sample_weight=w)
    member = cross.estimators_[cross.fold_[2]]
    assert list(member.classes_) == [1, 2]
    assert list(cross.estimators_[1 - cross.fold_[2]].classes_) == [0, 1, 2]


def test_a_member_that_declines_the_weights_trains_unweighted_under_routing():
    # set_fit_request(sample_weight=False) was ignored: the weights reached the member
    import sklearn
    from sklearn.datasets import make_classification

    X, y = make_classification(200, 5, weights=[0.8], random_state=0)
    w = np.where(y == 1, 20.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        declines = LogisticRegression().set_fit_request(sample_weight=False)
        plain = CrossFitClassifier(declines, n_folds=2, random_state=0).fit(X, y)
        weighted = CrossFitClassifier(declines, n_folds=2, random_state=0).fit(
            X, y, sample_weight=w)
        wants = CrossFitClassifier(LogisticRegression().set_fit_request(sample_weight=True),
                                   n_folds=2, random_state=0).fit(X, y, sample_weight=w)
        portfolio = LossPortfolioClassifier(configs={}, extra_estimators={"lr": declines},
                                            n_folds=2, random_state=0, threshold=None).fit(
            X, y, sample_weight=w)
    for a, b, c in zip(plain.estimators_, weighted.estimators_, wants.estimators_):
        np.testing.assert_allclose(a.coef_, b.coef_)
        assert not np.allclose(a.coef_, c.coef_)
    # nor are rows left out for it: a class whose rows all weigh 0 is trained on unweighted
    X3, y3 = make_classification(300, 5, n_informative=3, n_classes=3, random_state=0)
    w3 = np.ones(300)
    w3[np.flatnonzero(y3 == 2)[:-1]] = 0.0  # one row of class 2 weighs anything
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.warns(UserWarning, match="never sees the class"):  # make_folds, weighted
            declining = CrossFitClassifier(declines, n_folds=2, random_state=0).fit(
                X3, y3, sample_weight=w3)
    for member in declining.estimators_:
        assert list(member.classes_) == [0, 1, 2]
    # the ensemble still weighs its own fits: the temperature of the weighted rows
    assert weighted.temperature_ != plain.temperature_
    assert list(portfolio.leaderboard_["status"]) == ["ok"]


def test_n_jobs_zero_is_refused_by_the_parameter_check():
    from sklearn.datasets import make_classification
    from sklearn.utils._param_validation import InvalidParameterError

    from sklearn_losses import CrossFitClassifier, LossPortfolioClassifier

    X, y = make_classification(40, 4, random_state=0)
    for est in (CrossFitClassifier(n_jobs=0), LossPortfolioClassifier(n_jobs=0)):
        with pytest.raises(InvalidParameterError, match="'n_jobs' parameter"):
            est.fit(X, y)


class _Pid(ClassifierMixin, BaseEstimator):
    def fit(self, X, y, sample_weight=None):
        self.model_ = LogisticRegression().fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.model_.classes_
        self.pid_ = os.getpid()
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


def test_n_jobs_fits_members_in_workers():
    X, y = imbalanced()
    clf = CrossFitClassifier(_Pid(), n_folds=3, random_state=0, n_jobs=2).fit(X, y)
    assert {m.pid_ for m in clf.estimators_} != {os.getpid()}
