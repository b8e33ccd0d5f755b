"""LossPortfolioClassifier: greedy ensemble selection, leaderboard, time limit, failures."""

import time
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    matthews_corrcoef,
    roc_auc_score,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from sklearn_losses import CrossFitClassifier, LossPortfolioClassifier, WeightedLossClassifier
from sklearn_losses.ensemble import shrink_threshold, temperature_scale, tune_threshold
from sklearn_losses.portfolio import default_portfolio, ensemble_selection

from ._data import FAST, imbalanced, shuffled_labels

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# --------------------------------------------------------------------------
# greedy forward selection with replacement, by hand
# --------------------------------------------------------------------------
def _binary(p1):
    p1 = np.asarray(p1, dtype=float)
    return np.column_stack([1 - p1, p1])


def test_greedy_selection_by_hand():
    # two rows, y = [0, 1]; Brier score (mean squared error of p1), lower is better:
    #   A = [0.2, 0.6]: 0.100 (the best single member)   B = [0.5, 1.0]: 0.125
    #   C = [0.5, 0.5]: 0.250
    # step 1: A (0.100); step 2: A+B = [0.35, 0.8] -> 0.08125 (A+A 0.100, A+C 0.1625)
    # step 3: 2A+B = [0.3, 0.733] -> 0.08056 (A+2B 0.0889, A+B+C 0.125)
    # step 4: 2A+2B = [0.35, 0.8] -> 0.08125 (3A+B 0.0828): worse than step 3, which is kept
    probas = [_binary([0.2, 0.6]), _binary([0.5, 1.0]), _binary([0.5, 0.5])]
    y = np.array([0, 1])
    weights, picks, scores = ensemble_selection(probas, y, "brier", max_ensemble_size=4)
    assert picks == [0, 1, 0, 1]
    np.testing.assert_allclose(scores, [0.1, 0.08125, (0.3**2 + (0.8 / 3) ** 2) / 2, 0.08125])
    np.testing.assert_allclose(weights, [2 / 3, 1 / 3, 0])  # counts / total at the best step
    # the same with a callable (greater is better) on the labels themselves
    weights2, picks2, _ = ensemble_selection(
        probas, y, lambda t, p: -brier_score_loss(t == "b", p[:, 1]), max_ensemble_size=4,
        classes=np.array(["a", "b"]))
    assert picks2 == picks
    np.testing.assert_allclose(weights2, weights)
    # one step: the best single member alone
    np.testing.assert_allclose(ensemble_selection(probas, y, "brier", max_ensemble_size=1)[0],
                               [1, 0, 0])


def test_first_pick_is_the_best_member_and_weights_are_pick_counts():
    rng = np.random.default_rng(0)
    y = (rng.random(200) < 0.25).astype(int)
    probas = [_binary(np.clip(y * s + rng.random(200), 0, 1) / (1 + s)) for s in
              (0.2, 0.6, 0.4, 0.1)]
    single = [average_precision_score(y, p[:, 1]) for p in probas]
    weights, picks, scores = ensemble_selection(probas, y, max_ensemble_size=10)
    assert picks[0] == int(np.argmax(single))
    assert scores[0] == pytest.approx(max(single))
    best = int(np.argmax(scores)) + 1  # the first best step is kept
    np.testing.assert_allclose(weights, np.bincount(picks[:best], minlength=4) / best)
    assert scores.max() >= max(single)
    ensemble = np.tensordot(weights, np.stack(probas), axes=1)
    assert average_precision_score(y, ensemble[:, 1]) == pytest.approx(scores.max())


# --------------------------------------------------------------------------
# the portfolio
# --------------------------------------------------------------------------
CONFIGS = {"ce": FAST, "focal": dict(FAST, loss="focal"),
           "logit_adjusted": dict(FAST, loss="logit_adjusted")}


def test_leaderboard_contents():
    X, y = imbalanced(240)
    clf = LossPortfolioClassifier(CONFIGS, {"logreg": LogisticRegression()}, n_folds=3,
                                  metric="average_precision", refit=False,
                                  random_state=0).fit(X, y)
    board = clf.leaderboard_
    assert list(board.columns) == ["member", "oof_score", "weight", "fit_s", "refit_s",
                                   "n_fits", "status"]
    assert clf.refitted_ == {} and board["refit_s"].isna().all()
    assert sorted(board["member"]) == sorted([*CONFIGS, "logreg"])
    assert list(clf.members_) == [*CONFIGS, "logreg"]  # portfolio order
    assert (board["status"] == "ok").all() and (board["n_fits"] == 3).all()
    assert board["oof_score"].is_monotonic_decreasing  # best first
    minority = 1  # average precision of the minority class
    for row in board.itertuples():
        member = clf.members_[row.member]
        assert isinstance(member, CrossFitClassifier) and len(member.estimators_) == 3
        if row.member != "logreg":  # refit=False: early-stopped on the held-out fold
            assert member.used_eval_set_
        np.testing.assert_array_equal(member.fold_, clf.fold_)  # the same folds for all
        assert row.oof_score == pytest.approx(
            average_precision_score(y == minority, member.oof_proba_[:, minority]))
        assert row.fit_s == pytest.approx(member.fit_times_.sum())
        assert row.weight == pytest.approx(clf.weights_[list(clf.members_).index(row.member)])
    assert clf.weights_.sum() == pytest.approx(1.0) and (clf.weights_ >= 0).all()
    picks = int(np.argmax(clf.selection_scores_)) + 1  # the best of the 25 greedy steps
    counts = clf.weights_ * picks
    np.testing.assert_allclose(counts, counts.round(), atol=1e-9)  # weights: counts / picks
    # the ensemble: weighted means of the members' OOF and test probabilities
    names = list(clf.members_)
    np.testing.assert_allclose(
        clf.oof_proba_, sum(w * clf.members_[n].oof_proba_ for n, w in zip(names, clf.weights_)))
    np.testing.assert_allclose(
        clf.predict_proba(X),
        sum(w * clf.members_[n].predict_proba(X) for n, w in zip(names, clf.weights_)))
    assert clf.oof_score_ == pytest.approx(average_precision_score(y, clf.oof_proba_[:, 1]))
    assert clf.oof_score_ >= board["oof_score"].max() - 1e-12
    assert clf.selection_scores_.shape == (25,)


def test_out_of_fold_predictions_never_see_their_own_rows():
    # shuffled labels: a fully grown tree and a 1-nearest-neighbour model are perfect on the
    # rows they trained on; on their held-out rows they can only guess
    X, y = shuffled_labels(300)
    clf = LossPortfolioClassifier(
        {"net": FAST}, {"tree": DecisionTreeClassifier(random_state=0),
                        "1nn": KNeighborsClassifier(n_neighbors=1)},
        n_folds=5, metric="roc_auc", random_state=0).fit(X, y)
    for name in ("tree", "1nn"):
        member = clf.members_[name]
        assert abs(roc_auc_score(y, member.oof_proba_[:, 1]) - 0.5) < 0.1
        assert abs(accuracy_score(y, member.oof_proba_.argmax(axis=1)) - 0.5) < 0.1
        for j, est in enumerate(member.estimators_):
            seen = clf.fold_ != j
            assert accuracy_score(y[seen], est.predict(X[seen])) == 1.0
            if name == "1nn":
                assert est.n_samples_fit_ == seen.sum()
    assert abs(roc_auc_score(y, clf.oof_proba_[:, 1]) - 0.5) < 0.1


class SlowClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the training class frequencies after sleeping ``delay`` seconds in fit."""

    starts: list = []

    def __init__(self, delay=0.3):
        self.delay = delay

    def fit(self, X, y, sample_weight=None):
        SlowClassifier.starts.append(time.time())
        time.sleep(self.delay)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.prior_ = counts / counts.sum()
        return self

    def predict_proba(self, X):
        return np.tile(self.prior_, (len(X), 1))


def test_time_limit_is_honoured():
    X, y = imbalanced(60)
    delay, limit = 0.3, 1.0
    slow = {f"slow{i}": SlowClassifier(delay) for i in range(5)}
    SlowClassifier.starts = []
    start = time.time()
    clf = LossPortfolioClassifier({}, slow, n_folds=2, time_limit=limit).fit(X, y)
    elapsed = time.time() - start
    # no fit starts after the limit; the one running then finishes: within one member's fit
    assert all(s <= start + limit for s in SlowClassifier.starts)
    assert elapsed <= limit + delay + 0.5  # 0.5 s for everything but the fits
    status = dict(zip(clf.leaderboard_["member"], clf.leaderboard_["status"]))
    assert status["slow0"] == "ok" and status["slow4"] == "time limit"
    assert set(status.values()) == {"ok", "time limit"}
    assert set(clf.members_) == {n for n, s in status.items() if s == "ok"}
    cut = clf.leaderboard_.set_index("member").loc[[n for n, s in status.items()
                                                    if s == "time limit"]]
    assert (cut["weight"] == 0).all() and cut["oof_score"].isna().all()


def test_time_limit_always_fits_the_first_configuration():
    X, y = imbalanced(60)
    clf = LossPortfolioClassifier(
        {}, {"first": SlowClassifier(0.05), "second": LogisticRegression()},
        n_folds=3, time_limit=0.01).fit(X, y)
    assert list(clf.members_) == ["first"] and clf.weights_.tolist() == [1.0]
    board = clf.leaderboard_.set_index("member")
    assert board.loc["first", "n_fits"] == 3 and board.loc["second", "n_fits"] == 0


class FailingClassifier(ClassifierMixin, BaseEstimator):
    def fit(self, X, y, sample_weight=None):
        raise RuntimeError("cannot fit this\nsecond line")

    def predict_proba(self, X):  # pragma: no cover
        raise AssertionError


def test_time_limit_runs_the_next_configuration_when_the_first_fails():
    X, y = imbalanced(60)
    with pytest.warns(UserWarning, match="'bad' failed"):
        clf = LossPortfolioClassifier(
            {}, {"bad": FailingClassifier(), "second": SlowClassifier(0.05),
                 "third": LogisticRegression()}, n_folds=3, time_limit=1e-6).fit(X, y)
    assert list(clf.members_) == ["second"]
    status = clf.leaderboard_.set_index("member")["status"]
    assert status["bad"].startswith("failed") and status["second"] == "ok"
    assert status["third"] == "time limit"


def test_a_failing_candidate_is_left_out_with_a_warning():
    X, y = imbalanced(120)
    with pytest.warns(UserWarning, match="'broken' failed and is left out of the portfolio: "
                                         "RuntimeError: cannot fit this") as record:
        clf = LossPortfolioClassifier({}, {"broken": FailingClassifier(),
                                           "logreg": LogisticRegression()}, n_folds=2).fit(X, y)
    assert list(clf.members_) == ["logreg"]
    board = clf.leaderboard_.set_index("member")
    assert board.loc["broken", "status"] == "failed: RuntimeError: cannot fit this"
    assert "make_model" not in str(record[0].message)  # a numeric table: no hint
    assert board.index[-1] == "broken"  # those not fitted come last
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="cannot fit this"):  # all failed: the error
            LossPortfolioClassifier({}, {"broken": FailingClassifier()}, n_folds=2).fit(X, y)


def test_an_extra_estimator_that_cannot_read_a_raw_table_is_pointed_to_make_model():
    import pandas as pd
    from sklearn.tree import DecisionTreeClassifier

    from sklearn_losses.compare import make_model

    X, y = imbalanced(120)
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"]).assign(
        city=np.where(X[:, 3] > 0, "Oslo", "Rome"))
    with pytest.warns(UserWarning) as record:
        clf = LossPortfolioClassifier({}, {
            "logreg": LogisticRegression(),
            "tree": make_model(DecisionTreeClassifier(max_depth=2, random_state=0), frame)},
            n_folds=2).fit(frame, y)
    (message,) = [str(w.message) for w in record if "'logreg' failed" in str(w.message)]
    assert message.endswith(
        "(extra estimators receive X as it is, a table with non-numeric columns here: give "
        "this one its preprocessing, e.g. sklearn_losses.compare.make_model("
        "extra_estimators['logreg'], X))")
    assert list(clf.members_) == ["tree"]


class _NoClone(ClassifierMixin, BaseEstimator):
    """``clone`` refuses it: the constructor changes its parameter."""

    def __init__(self, a=1):
        self.a = a + 1

    def fit(self, X, y):
        return self

    def predict_proba(self, X):
        return np.full((len(X), 2), 0.5)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_an_extra_estimator_that_cannot_be_cloned_is_left_out(n_jobs):
    # prepare_members' clone raised before any fit, and the whole portfolio failed
    X, y = imbalanced(100)
    with pytest.warns(UserWarning, match="'nc' failed and is left out of the portfolio: "
                                         "RuntimeError: Cannot clone object"):
        clf = LossPortfolioClassifier({}, {"nc": _NoClone(), "lr": LogisticRegression()},
                                      n_folds=2, n_jobs=n_jobs).fit(X, y)
    status = clf.leaderboard_.set_index("member")["status"]
    assert status["lr"] == "ok" and status["nc"].startswith("failed: RuntimeError")


class _Boom(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        raise RuntimeError("boom")


def test_the_make_model_hint_is_given_only_where_preprocessing_may_be_missing():
    # it was given for any failure of an extra estimator on a raw table, also one already
    # wrapped by make_model that failed for another reason
    import pandas as pd

    from sklearn_losses.compare import make_model

    X, y = imbalanced(120)
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"]).assign(
        city=np.where(X[:, 3] > 0, "Oslo", "Rome"))
    with pytest.warns(UserWarning) as record:
        LossPortfolioClassifier({}, {"wrapped": make_model(_Boom()), "bare": _Boom(),
                                     "ok": make_model(LogisticRegression())},
                                n_folds=2).fit(frame, y)
    messages = {name: str(w.message) for w in record for name in ("wrapped", "bare")
                if f"'{name}' failed" in str(w.message)}
    assert messages["wrapped"].endswith("RuntimeError: boom")
    assert messages["bare"].endswith("RuntimeError: boom")  # not a conversion error


@pytest.mark.parametrize("metric, check", [
    ("roc_auc", lambda y, p: roc_auc_score(y, p[:, 1])),
    ("log_loss", None),
    ("neg_log_loss", None),
])
def test_metrics_by_name_and_direction(metric, check):
    from sklearn.metrics import log_loss

    X, y = imbalanced(120)
    clf = LossPortfolioClassifier({}, {"logreg": LogisticRegression(),
                                       "tree": DecisionTreeClassifier(max_depth=2)},
                                  n_folds=2, metric=metric, random_state=0).fit(X, y)
    scores = clf.leaderboard_["oof_score"].to_numpy()
    if metric == "log_loss":  # lower is better: ascending
        assert np.all(np.diff(scores) >= 0)
        assert clf.oof_score_ == pytest.approx(log_loss(y, clf.oof_proba_))
    elif metric == "neg_log_loss":
        assert np.all(np.diff(scores) <= 0)
        assert clf.oof_score_ == pytest.approx(-log_loss(y, clf.oof_proba_))
    else:
        assert clf.oof_score_ == pytest.approx(check(y, clf.oof_proba_))


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_selection_log_loss_is_sklearns(n_classes, weighted):
    # the selection's log-loss skips sklearn's validation; it must give sklearn's value,
    # probabilities of 0 and 1 (clipped) and float32 ones included
    from sklearn.metrics import log_loss

    from sklearn_losses.portfolio import resolve_metric

    rng = np.random.default_rng(n_classes)
    y = rng.integers(0, n_classes, 200)
    p = rng.dirichlet(np.ones(n_classes), 200)
    p[:3] = np.eye(n_classes)[(y[:3] + 1) % n_classes]  # certain and wrong
    p[3:6] = np.eye(n_classes)[y[3:6]]  # certain and right
    w = rng.uniform(0.1, 3.0, 200) if weighted else None
    classes = np.array(["a", "b", "c"][:n_classes])
    for name, sign, factor in [("log_loss", -1, 1), ("neg_log_loss", 1, -1)]:
        value, s = resolve_metric(name, classes)
        assert s == sign
        for proba in (p, p.astype(np.float32)):
            expected = factor * log_loss(classes[y], proba, sample_weight=w, labels=classes)
            assert value(y, proba, w) == pytest.approx(expected, rel=1e-12)


def test_callable_metric_gets_labels_and_weights():
    X, y = imbalanced(120)
    labels = np.array(["neg", "pos"])[y]
    calls = []

    def metric(y_true, proba, sample_weight=None):
        calls.append((set(y_true), proba.shape, sample_weight is not None))
        weights.append(None if sample_weight is None else np.array(sample_weight))
        return roc_auc_score(y_true == "pos", proba[:, 1], sample_weight=sample_weight)

    weights = []
    w = np.random.default_rng(1).uniform(0.2, 3.0, len(y))  # not uniform: the user's own
    LossPortfolioClassifier({}, {"logreg": LogisticRegression()}, n_folds=2, metric=metric,
                            max_ensemble_size=2).fit(X, labels, sample_weight=w)
    assert calls and all(c == ({"neg", "pos"}, (120, 2), True) for c in calls)
    for seen in weights:
        np.testing.assert_array_equal(seen, w)


def test_default_portfolio_holds_the_package_networks():
    configs = default_portfolio()
    assert configs == {"default": {}, "piecewise_linear_tree": {
        "num_embeddings": "piecewise_linear_tree", "n_iter_no_change": 5}}
    clf = LossPortfolioClassifier()
    assert clf.n_folds == 2 and clf.metric == "log_loss" and clf.refit
    configs["default"]["lr"] = 1.0  # a copy: the next call is unchanged
    assert default_portfolio()["default"] == {}
    candidates = LossPortfolioClassifier()._candidates()
    assert [n for n, _ in candidates] == list(default_portfolio())
    for _, est in candidates:
        assert isinstance(est, WeightedLossClassifier)
        est._check_params()  # valid parameters and network shapes


def test_configs_take_nested_parameters_without_changing_the_users_loss():
    from sklearn_losses.losses import get_loss

    mine = get_loss("focal", gamma=2.0)
    clf = LossPortfolioClassifier({"named": {"loss": "focal", "loss__gamma": 3.0},
                                   "auto": {"loss__label_smoothing": 0.0},
                                   "mine": {"loss": mine, "loss__gamma": 0.5},
                                   "scheme": {"reweight": "class_balanced",
                                              "reweight__beta": 0.9}})
    built = dict(clf._candidates())
    assert built["named"].loss.gamma == 3.0
    assert built["auto"].loss.label_smoothing == 0.0
    assert built["mine"].loss.gamma == 0.5 and built["mine"].loss is not mine
    assert mine.gamma == 2.0  # the user's instance is as it was
    assert built["scheme"].reweight.beta == 0.9
    for est in built.values():
        est._check_params()
    X, y = imbalanced(n=160, seed=3)
    fitted = LossPortfolioClassifier({"named": {**FAST, "loss": "focal", "loss__gamma": 3.0}},
                                     random_state=0).fit(X, y)
    assert list(fitted.leaderboard_["member"]) == ["named"]
    assert fitted.refitted_["named"].loss.gamma == 3.0


@pytest.mark.parametrize("params, match", [
    (dict(configs={"x": {"bogus": 1}}), r"configs\['x'\] sets \['bogus'\], which are not "
                                        "parameters of WeightedLossClassifier"),
    (dict(configs={"x": {"bogus__a": 1}}), r"configs\['x'\] sets \['bogus__a'\], which are "
                                           "not parameters of WeightedLossClassifier"),
    (dict(configs={"x": {"loss": "focal", "loss__bogus": 1}}),
     r"configs\['x'\]: .*bogus"),
    # wrong values a network can tell before any fit: an error now, not a warning after the
    # other configurations trained
    (dict(configs={"x": {"loss": "focl"}}), r"configs\['x'\]: Unknown loss 'focl'. Did you "
                                            "mean 'focal'"),
    (dict(configs={"x": {"reweight": "balancd"}}), r"configs\['x'\]: .*'reweight' parameter"),
    (dict(configs={"x": {"lr": -1.0}}), r"configs\['x'\]: .*'lr' parameter"),
    (dict(configs={"x": 3}), r"configs\['x'\] must be a dict of WeightedLossClassifier"),
    (dict(configs=[("x", {}), 5]), "configs must be a dict"),
    (dict(configs={}, extra_estimators={"x": "tree"}), r"extra_estimators\['x'\] must be a "
                                                       "classifier"),
    (dict(configs={"x": {}}, extra_estimators=[("x", LogisticRegression())]),
     r"unique .* \['x'\] repeat"),
    (dict(configs={}), "The portfolio is empty"),
    (dict(metric="auc"), "'metric' parameter"),
    (dict(max_ensemble_size=0), "'max_ensemble_size' parameter"),
    (dict(time_limit=0), "'time_limit' parameter"),
    (dict(n_folds=1), "'n_folds' parameter"),
    (dict(threshold="roc_auc"), "'threshold' parameter"),
    (dict(threshold=1.0), "'threshold' parameter"),
    (dict(refit_weight=1.5), "'refit_weight' parameter"),
    (dict(refit_weight=-0.1), "'refit_weight' parameter"),
    (dict(threshold_bootstrap=-1), "'threshold_bootstrap' parameter"),
    (dict(threshold_bootstrap=2.5), "'threshold_bootstrap' parameter"),
    (dict(threshold_shrinkage=-1.0), "'threshold_shrinkage' parameter"),
    (dict(threshold_shrinkage="yes"), "'threshold_shrinkage' parameter"),
])
def test_bad_parameters_are_named(params, match):
    X, y = imbalanced(60)
    with pytest.raises(ValueError, match=match):
        LossPortfolioClassifier(**params).fit(X, y)


def test_threshold_is_tuned_on_the_ensemble_out_of_fold_probabilities():
    X, y = imbalanced(240)
    labels = np.array(["ok", "fraud"])[y]  # the minority "fraud" is classes_[0]
    configs = {"ce": FAST, "focal": dict(FAST, loss="focal")}
    clf = LossPortfolioClassifier(configs=configs, extra_estimators={"lr": LogisticRegression()},
                                  n_folds=3, threshold="matthews_corrcoef",
                                  threshold_bootstrap=0, threshold_shrinkage=0,
                                  random_state=0).fit(X, labels)
    oof_pred = clf.classes_[(clf.oof_proba_[:, 1] >= clf.threshold_).astype(int)]
    assert clf.threshold_score_ == pytest.approx(matthews_corrcoef(labels, oof_pred))
    # threshold_bootstrap=0: no other cut point of the OOF probabilities does better
    for cut in np.unique(clf.oof_proba_[:, 1]):
        other = clf.classes_[(clf.oof_proba_[:, 1] >= cut).astype(int)]
        assert matthews_corrcoef(labels, other) <= clf.threshold_score_ + 1e-12
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict(X),
                                  clf.classes_[(proba[:, 1] >= clf.threshold_).astype(int)])
    # the default bags the threshold: the median of the thresholds tuned on 50 bootstrap
    # resamples of the OOF rows, scored on all of them
    bagged = clf.set_params(threshold_bootstrap=50).fit(X, labels)
    y_enc = (labels == bagged.classes_[1]).astype(int)
    p1 = bagged.oof_proba_[:, 1]  # tune_threshold's bagging is checked by hand in test_cross_fit
    assert bagged.threshold_ == pytest.approx(
        tune_threshold(p1, y_enc, "matthews_corrcoef", n_bootstrap=50)[0])
    assert bagged.threshold_ != tune_threshold(p1, y_enc, "matthews_corrcoef")[0]
    bagged_pred = bagged.classes_[(p1 >= bagged.threshold_).astype(int)]
    assert bagged.threshold_score_ == pytest.approx(matthews_corrcoef(labels, bagged_pred))
    np.testing.assert_array_equal(
        bagged.predict(X), bagged.classes_[(bagged.predict_proba(X)[:, 1]
                                            >= bagged.threshold_).astype(int)])
    fixed = clf.set_params(threshold=0.3).fit(X, labels)
    assert fixed.threshold_ == 0.3 and fixed.threshold_score_ is None
    argmax = clf.set_params(threshold=None).fit(X, labels)
    assert argmax.threshold_ is None
    np.testing.assert_array_equal(argmax.predict(X),
                                  argmax.classes_[argmax.predict_proba(X).argmax(axis=1)])


def test_threshold_shrinkage_pulls_the_tuned_threshold_toward_the_prior_guess():
    X, y = imbalanced(240)
    labels = np.array(["ok", "fraud"])[y]  # the minority "fraud" is classes_[0]
    clf = LossPortfolioClassifier(configs={"ce": FAST}, n_folds=3, threshold_shrinkage=0,
                                  random_state=0).fit(X, labels)
    tuned = clf.threshold_
    y_enc = (labels == clf.classes_[1]).astype(int)
    n_rare = int((y_enc == 0).sum())
    guess = 0.5 * np.log(np.mean(y_enc) / (1 - np.mean(y_enc)))  # logit(pi) / 2 of classes_[1]
    expected = 1 / (1 + np.exp(-(n_rare * np.log(tuned / (1 - tuned)) + 20 * guess)
                               / (n_rare + 20)))
    shrunk = clone(clf).set_params(threshold_shrinkage="auto").fit(X, labels)  # 20 for MCC
    np.testing.assert_allclose(shrunk.oof_proba_, clf.oof_proba_)  # the same ensemble
    assert shrunk.threshold_ == pytest.approx(expected) and shrunk.threshold_ != tuned
    p1 = shrunk.oof_proba_[:, 1]
    pred = shrunk.classes_[(p1 >= shrunk.threshold_).astype(int)]
    assert shrunk.threshold_score_ == pytest.approx(matthews_corrcoef(labels, pred))
    np.testing.assert_array_equal(
        shrunk.predict(X), shrunk.classes_[(shrunk.predict_proba(X)[:, 1]
                                            >= shrunk.threshold_).astype(int)])
    # "auto" leaves the other metrics' thresholds alone; a number applies to any metric
    f1 = clone(clf).set_params(threshold="f1", threshold_shrinkage="auto").fit(X, labels)
    f1_0 = clone(clf).set_params(threshold="f1", threshold_shrinkage=0).fit(X, labels)
    f1_5 = clone(clf).set_params(threshold="f1", threshold_shrinkage=5.0).fit(X, labels)
    assert f1.threshold_ == f1_0.threshold_ != f1_5.threshold_
    # np.inf: the guess alone
    alone = clone(clf).set_params(threshold_shrinkage=np.inf).fit(X, labels)
    assert alone.threshold_ == pytest.approx(1 / (1 + np.exp(-guess)))


def test_shrink_threshold_by_hand():
    y = np.array([1] * 10 + [0] * 90)
    # logit(0.8) = 1.3863, guess logit(0.1) / 2 = -1.0986: (10 * 1.3863 - 20 * 1.0986) / 30
    assert shrink_threshold(0.8, y, strength=20.0) == pytest.approx(0.432831, abs=1e-6)
    assert shrink_threshold(0.8, y, strength=0.0) == 0.8
    for strength in (1e15, np.inf):  # the guess alone
        assert shrink_threshold(0.8, y, strength=strength) == pytest.approx(
            np.sqrt(10) / (np.sqrt(10) + np.sqrt(90)))
    # the same rule for the other class: labels swapped, the threshold mirrored
    assert shrink_threshold(0.2, 1 - y, strength=20.0) == pytest.approx(1 - 0.432831, abs=1e-6)
    # weights: pi is the weighted share, the rare class counts its effective rows
    # (sum w)^2 / sum w^2; equal weights are no weights
    assert shrink_threshold(0.8, y, np.full(100, 3.0)) == pytest.approx(
        shrink_threshold(0.8, y))
    w = np.r_[np.full(5, 3.0), np.ones(5), np.full(90, 2.0)]  # pi = 20 / 200, n_rare 400 / 50
    z = (8 * np.log(4) + 20 * 0.5 * np.log(20 / 180)) / 28
    assert shrink_threshold(0.8, y, w) == pytest.approx(1 / (1 + np.exp(-z)))
    # the tuned threshold at the edge stays finite
    assert 0 < shrink_threshold(1.0, y) < 1 and 0 < shrink_threshold(0.0, y) < 1
    # up-weighting the rare class, even beyond balance, does not make the majority rare:
    # n_rare stays its 10 rows (equal weights), only pi follows the weights
    for r in (8.99, 9.0, 9.01, 20.0):
        w = np.where(y == 1, r, 1.0)
        z = (10 * np.log(4) + 20 * 0.5 * np.log(10 * r / 90)) / 30
        assert shrink_threshold(0.8, y, w) == pytest.approx(1 / (1 + np.exp(-z)))
    # only relative weights matter, at any scale
    for scale in (1e-170, 1e160):
        assert shrink_threshold(0.8, y, np.full(100, scale)) == pytest.approx(
            shrink_threshold(0.8, y))
    with pytest.raises(ValueError, match="strength must be a non-negative"):
        shrink_threshold(0.8, y, strength=-10.0)
    with pytest.raises(ValueError, match="strength must be a non-negative"):
        shrink_threshold(0.8, y, strength=np.nan)
    with pytest.raises(ValueError, match=r"labels 0 and 1 only; got \[1, 2\]"):
        shrink_threshold(0.8, y + 1)


def test_threshold_on_multiclass_y():
    X, y = imbalanced(90, n_classes=3)
    with pytest.raises(ValueError, match="threshold=0.3 sets a binary decision threshold, "
                                         "but y has 3 classes"):
        LossPortfolioClassifier(configs={"ce": FAST}, threshold=0.3).fit(X, y)
    # a metric name (the default) leaves multiclass predictions to the argmax
    clf = LossPortfolioClassifier(configs={"ce": FAST}, n_folds=2, random_state=0).fit(X, y)
    assert clf.threshold == "matthews_corrcoef" and clf.threshold_ is None
    np.testing.assert_array_equal(clf.predict(X), clf.predict_proba(X).argmax(axis=1))


def test_refit_fits_each_selected_configuration_on_every_row():
    X, y = imbalanced(240)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    clf = LossPortfolioClassifier(CONFIGS, {"logreg": LogisticRegression()}, n_folds=3,
                                  random_state=0).fit(X, y, sample_weight=w)
    assert clf.refit
    names = list(clf.members_)
    selected = [n for n, wt in zip(names, clf.weights_) if wt > 0]
    assert sorted(clf.refitted_) == sorted(selected)
    board = clf.leaderboard_.set_index("member")
    assert (board.loc[selected, "refit_s"] > 0).all()
    assert board.drop(index=selected)["refit_s"].isna().all()
    for name in names:  # the members trained with their own stopping rule, no eval_set
        assert not clf.members_[name].used_eval_set_
    for name, est in clf.refitted_.items():
        assert est is not CONFIGS.get(name) and hasattr(est, "classes_")
        if name == "logreg":  # the same fit as on every row, weights included
            ref = LogisticRegression().fit(X, y, sample_weight=w)
            np.testing.assert_allclose(est.coef_, ref.coef_)
    # predict_proba: per configuration, 2/3 its refitted model and 1/3 its cross-fitted
    # members' mean, both with the configuration's OOF temperature
    assert clf.refit_weight == pytest.approx(2 / 3)
    expected = sum(wt * _blend(clf, n, X, 2 / 3) for n, wt in zip(names, clf.weights_) if wt > 0)
    np.testing.assert_allclose(clf.predict_proba(X), expected)
    np.testing.assert_array_equal(
        clf.predict(X), clf.classes_[(expected[:, 1] >= clf.threshold_).astype(int)])


def _blend(clf, name, X, share):
    """A configuration's prediction by hand: ``share`` of its refitted model, the rest its
    members' mean, both temperature-scaled with its OOF temperature."""
    t = clf.members_[name].temperature_
    members = np.mean([m.predict_proba(X) for m in clf.members_[name].estimators_], axis=0)
    return (share * temperature_scale(clf.refitted_[name].predict_proba(X), t)
            + (1 - share) * temperature_scale(members, t))


def test_a_pipeline_extra_with_sample_weight_is_fitted_and_refitted_with_it():
    X, y = imbalanced(240)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    clf = LossPortfolioClassifier({}, {"pipe": pipe}, n_folds=3,
                                  random_state=0).fit(X, y, sample_weight=w)
    assert clf.leaderboard_.set_index("member").loc["pipe", "status"] == "ok"
    ref = clone(pipe).fit(X, y, logisticregression__sample_weight=w)
    np.testing.assert_allclose(clf.refitted_["pipe"][-1].coef_, ref[-1].coef_)
    # and each cross-fitted member on its training rows, with theirs
    for j, est in enumerate(clf.members_["pipe"].estimators_):
        rows = clf.fold_ != j
        ref = clone(pipe).fit(X[rows], y[rows], logisticregression__sample_weight=w[rows])
        np.testing.assert_allclose(est[-1].coef_, ref[-1].coef_, rtol=1e-6)


@pytest.mark.parametrize("share", [0.0, 0.25, 1.0])
def test_refit_weight_blends_the_refit_with_the_cross_fitted_members(share):
    X, y = imbalanced(160)
    extra = {"tree": DecisionTreeClassifier(max_depth=3, random_state=0),
             "knn": KNeighborsClassifier(15)}
    clf = LossPortfolioClassifier({}, extra, n_folds=2, refit_weight=share,
                                  random_state=0).fit(X, y)
    selected = [(n, wt) for n, wt in zip(clf.members_, clf.weights_) if wt > 0]
    assert sorted(clf.refitted_) == sorted(n for n, _ in selected)
    expected = sum(wt * _blend(clf, n, X, share) for n, wt in selected)
    np.testing.assert_allclose(clf.predict_proba(X), expected)
    if share == 1.0:  # the refitted models alone
        only = sum(wt * temperature_scale(clf.refitted_[n].predict_proba(X),
                                          clf.members_[n].temperature_) for n, wt in selected)
        np.testing.assert_allclose(clf.predict_proba(X), only)
    if share == 0.0:  # the cross-fitted members alone, as refit=False would predict them
        only = sum(wt * clf.members_[n].predict_proba(X) for n, wt in selected)
        np.testing.assert_allclose(clf.predict_proba(X), only)
    # the blend is not the refit alone: the members' predictions differ from it
    if 0 < share < 1:
        refit_only = sum(wt * temperature_scale(clf.refitted_[n].predict_proba(X),
                                                clf.members_[n].temperature_)
                         for n, wt in selected)
        assert np.abs(clf.predict_proba(X) - refit_only).max() > 1e-3


def test_refit_starts_no_fit_after_the_time_limit():
    X, y = imbalanced(60)
    clf = LossPortfolioClassifier({}, {"slow": SlowClassifier(0.2)}, n_folds=2,
                                  time_limit=0.05).fit(X, y)
    # the first configuration always runs its folds; its refit would start after the limit
    assert clf.refitted_ == {} and np.isnan(clf.leaderboard_["refit_s"].iloc[0])
    np.testing.assert_allclose(clf.predict_proba(X), clf.members_["slow"].predict_proba(X))


class FailsOnEveryRow(ClassifierMixin, BaseEstimator):
    """A logistic regression that raises when fitted on more than ``limit`` rows (the refit)."""

    def __init__(self, limit=100):
        self.limit = limit

    def fit(self, X, y, sample_weight=None):
        if len(y) > self.limit:
            raise MemoryError("too many rows")
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


def test_a_failed_refit_warns_and_the_cross_fitted_members_predict():
    X, y = imbalanced(120)
    with pytest.warns(UserWarning, match="refitting 'lr' on every row failed "
                                         r"\(MemoryError: too many rows\); its cross-fitted "
                                         "members predict instead"):
        clf = LossPortfolioClassifier({}, {"lr": FailsOnEveryRow(limit=100)}, n_folds=2,
                                      random_state=0).fit(X, y)
    assert clf.refitted_ == {} and np.isnan(clf.leaderboard_["refit_s"].iloc[0])
    np.testing.assert_allclose(clf.predict_proba(X), clf.members_["lr"].predict_proba(X))


class WarnsInFit(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        warnings.warn("only on every row" if len(y) > 100 else "on every fit", RuntimeWarning)
        return super().fit(X, y, sample_weight)


def test_refit_warnings_are_shown_once_and_not_repeated():
    X, y = imbalanced(120)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LossPortfolioClassifier({}, {"lr": WarnsInFit()}, n_folds=2, random_state=0).fit(X, y)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert messages == ["on every fit [2 of 2 member fits]", "only on every row"]
