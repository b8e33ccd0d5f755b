"""WeightedLossClassifier: scikit-learn compliance, pipelines, grids, bad input."""

import dataclasses
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from sklearn.base import clone
from sklearn.datasets import load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_losses import WeightedLossClassifier, get_loss, get_reweighting
from sklearn_losses import plan as plan_module
from sklearn_losses.losses import PointwiseLoss, available_losses
from sklearn_losses.losses.base import log_probs, target_log_prob

from ..conftest import n_classes_for

FAST = dict(hidden_layer_sizes=(32,), max_epochs=40, lr=1e-2, batch_size=64, random_state=0)


def _imbalanced(n=300, weights=(0.85,), seed=0, n_features=6):
    return make_classification(n, n_features=n_features, n_informative=4, weights=list(weights),
                               random_state=seed)


# --------------------------------------------------------------------------
# scikit-learn's own estimator checks
# --------------------------------------------------------------------------
def _expected_failed_checks(estimator):
    return {
        # The check's data train in one batch. The weighted *loss* is exactly equivalent
        # (tests/losses/test_protocol.py) and full-batch training matches repeated rows
        # (test_sample_weight_matches_repeated_rows_full_batch), but float32 sums of
        # different rows round differently, and hundreds of Adam steps amplify that once the
        # gradients are small: the probabilities agree to ~1e-9 after one epoch, ~1e-7 after
        # the dense check's 78 epochs (its rtol is 1e-7); on the sparse check the stopping
        # rule on the training loss, whose improvements hover near tol, stops the two fits at
        # 212 and 223 epochs (6e-3 apart). On larger data mini-batch SGD with shuffling is not
        # invariant to replacing a weight k by k copies of a row either (other batches).
        "check_sample_weight_equivalence_on_dense_data":
            "float32 rounding of different rows' sums, amplified over the epochs: ~1e-7 "
            "after 78 epochs, the check's rtol is 1e-7 (the loss is equivalent, tested)",
        "check_sample_weight_equivalence_on_sparse_data":
            "float32 rounding of different rows' sums makes the stopping rule on the training "
            "loss stop the two fits at other epochs (212 and 223; the loss is equivalent, "
            "tested)",
    }


@parametrize_with_checks([WeightedLossClassifier()], expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------
# pipelines and model selection
# --------------------------------------------------------------------------
def test_grid_search_over_loss_names_and_reweighting():
    X, y = _imbalanced()
    pipe = make_pipeline(StandardScaler(), WeightedLossClassifier(**FAST))
    grid = GridSearchCV(
        pipe,
        {"weightedlossclassifier__loss": ["cross_entropy", "focal"],
         "weightedlossclassifier__reweight": [None, "balanced", "class_balanced"]},
        scoring="balanced_accuracy", cv=StratifiedKFold(3), error_score="raise",
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 6
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_score_ > 0.6


def test_grid_search_over_nested_loss_and_reweight_parameters():
    X, y = _imbalanced()
    focal = get_loss("focal", gamma=2.0)
    clf = WeightedLossClassifier(loss=focal, reweight=get_reweighting("class_balanced"), **FAST)
    grid = GridSearchCV(clf, {"loss__gamma": [0.0, 1.0, 3.0], "reweight__beta": [0.9, 0.999]},
                        scoring="roc_auc", cv=3, error_score="raise").fit(X, y)
    gammas = [p["loss__gamma"] for p in grid.cv_results_["params"]]
    assert sorted(set(gammas)) == [0.0, 1.0, 3.0]
    assert grid.best_estimator_.loss_.gamma == grid.best_params_["loss__gamma"]
    assert focal.gamma == 2.0  # the caller's instance is untouched


def test_set_params_nested_loss_param():
    clf = WeightedLossClassifier(loss=get_loss("focal"))
    clf.set_params(loss__gamma=0.5)
    assert clf.get_params()["loss__gamma"] == 0.5
    twin = clone(clf)
    assert twin.loss is not clf.loss and twin.loss.gamma == 0.5


def test_imblearn_pipeline_with_smote():
    X, y = _imbalanced(weights=(0.9,))
    pipe = make_imb_pipeline(StandardScaler(), SMOTE(random_state=0),
                             WeightedLossClassifier(loss="focal", **FAST))
    scores = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc", error_score="raise")
    assert scores.mean() > 0.7
    pipe.fit(X, y)
    clf = pipe[-1]
    assert clf.class_counts_[0] == clf.class_counts_[1]  # SMOTE balanced what the net saw


def test_cross_val_score_standard_scaler_pipeline():
    X, y = _imbalanced()
    pipe = make_pipeline(StandardScaler(), WeightedLossClassifier(reweight="balanced", **FAST))
    scores = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc", error_score="raise")
    assert scores.mean() > 0.75


def test_string_labels_and_pandas_input():
    X, y = _imbalanced()
    labels = np.where(y == 1, "fraud", "ok")
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = WeightedLossClassifier(reweight="balanced", **FAST).fit(df, pd.Series(labels))
    assert list(clf.classes_) == ["fraud", "ok"]
    assert list(clf.feature_names_in_) == list(df.columns)
    pred = clf.predict(df)
    assert set(pred) <= {"fraud", "ok"}
    assert clf.predict_proba(df).shape == (len(df), 2)
    # the labels predicted are the rows' labels (not only among them), and the probability
    # column of "fraud" ranks the fraud rows first
    assert balanced_accuracy_score(labels, pred) > 0.8
    assert roc_auc_score(labels == "fraud", clf.predict_proba(df)[:, 0]) > 0.9
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)


def test_multiclass_wine():
    X, y = load_wine(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), WeightedLossClassifier(loss="focal", **FAST))
    scores = cross_val_score(pipe, X, y, cv=3, error_score="raise")
    assert scores.mean() > 0.85
    pipe.fit(X, y)
    proba = pipe.predict_proba(X)
    assert proba.shape == (len(y), 3)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)
    assert pipe.decision_function(X).shape == (len(y), 3)


@pytest.mark.parametrize("name", available_losses())
def test_every_registered_loss_fits(name):
    k = n_classes_for(name, preferred=(2, 3))[0]
    X, y = make_classification(120, n_features=5, n_informative=3, n_classes=k,
                               n_clusters_per_class=1, weights=None, random_state=0)
    clf = WeightedLossClassifier(loss=name, hidden_layer_sizes=(8,), max_epochs=3, batch_size=64,
                                 random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # batch-loss advisories
        clf.fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (120, k) and np.all(np.isfinite(proba))


def test_losses_needing_class_counts_get_training_counts():
    from sklearn_losses.losses import get_loss_class

    names = [n for n in available_losses() if get_loss_class(n).requires_class_counts]
    if not names:
        pytest.skip("no registered loss needs class counts")
    X, y = _imbalanced()
    for name in names:
        clf = WeightedLossClassifier(loss=name, **FAST).fit(X, y)
        np.testing.assert_array_equal(clf.loss_.class_counts, np.bincount(y))


# --------------------------------------------------------------------------
# weights, reproducibility, persistence
# --------------------------------------------------------------------------
@pytest.mark.parametrize("loss, reweight", [("cross_entropy", None), ("cross_entropy", "auto"),
                                           ("focal", "class_balanced"), ("logit_adjusted", None)])
def test_sample_weight_matches_repeated_rows_full_batch(loss, reweight):
    # Class weights and class priors come from the weighted counts, so a weight k
    # counts as k rows there too.
    X, y = _imbalanced(n=60)
    sw = np.random.RandomState(0).randint(1, 4, size=60)
    params = dict(loss=loss, reweight=reweight, hidden_layer_sizes=(8,), max_epochs=30,
                  batch_size=10_000, early_stopping=False, random_state=0)
    weighted = WeightedLossClassifier(**params).fit(X, y, sample_weight=sw)
    repeated = WeightedLossClassifier(**params).fit(np.repeat(X, sw, 0), np.repeat(y, sw))
    np.testing.assert_allclose(weighted.class_counts_, repeated.class_counts_)
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-4)
    if loss == "cross_entropy" and reweight is None:  # sparse input (its own scaling) too
        Xs = sp.csr_matrix(np.where(X > 0, X, 0.0))
        weighted = WeightedLossClassifier(**params).fit(Xs, y, sample_weight=sw)
        repeated = WeightedLossClassifier(**params).fit(sp.csr_matrix(np.repeat(
            Xs.toarray(), sw, 0)), np.repeat(y, sw))
        np.testing.assert_allclose(weighted.predict_proba(Xs), repeated.predict_proba(Xs),
                                   atol=1e-4)


def test_piecewise_linear_bins_follow_sample_weight():
    # the bins are quantiles of the rows repeated by their weights; rows of weight 0 place none
    X, y = _imbalanced(n=60)
    sw = np.random.RandomState(0).randint(1, 4, size=60)
    params = dict(num_embeddings="piecewise_linear", n_bins=8, hidden_layer_sizes=(8,),
                  max_epochs=30, batch_size=10_000, early_stopping=False, random_state=0)
    weighted = WeightedLossClassifier(**params).fit(X, y, sample_weight=sw)
    repeated = WeightedLossClassifier(**params).fit(np.repeat(X, sw, 0), np.repeat(y, sw))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-4)
    far = np.r_[X, 40.0 * X[:6]]  # rows far out, of weight 0: they would stretch the bins
    ignored = WeightedLossClassifier(**params).fit(far, np.r_[y, y[:6]],
                                                   sample_weight=np.r_[sw, np.zeros(6)])
    np.testing.assert_allclose(ignored.predict_proba(X), weighted.predict_proba(X), atol=1e-4)


def test_zero_total_weight_class_with_frequency_based_weights_is_an_error():
    X, y = make_classification(90, 4, n_informative=3, n_redundant=0, n_classes=3,
                               random_state=0)
    sw = np.where(y == 2, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"class\(es\) \[2\] a total weight of 0"):
        WeightedLossClassifier(reweight="balanced", max_epochs=2).fit(X, y, sample_weight=sw)
    # without frequency-based weights the class simply does not count
    clf = WeightedLossClassifier(reweight=None, max_epochs=2).fit(X, y, sample_weight=sw)
    assert clf.class_counts_[2] == 0


def test_default_loss_and_reweight_resolve_to_smoothed_cross_entropy_and_inverse_sqrt():
    X, y = _imbalanced(n=120)
    params = dict(FAST, max_epochs=5, early_stopping=False)
    clf = WeightedLossClassifier(**params)
    assert clf.get_params()["loss"] == "auto" and clf.get_params()["reweight"] == "auto"
    clf.fit(X, y)
    assert clf.loss_.name == "cross_entropy" and clf.loss_.label_smoothing == 0.1
    assert not clf.loss_.proper
    assert clf.reweight_ == "inverse_sqrt"
    counts = np.bincount(y).astype(float)
    np.testing.assert_allclose(clf.class_weight_,
                               get_reweighting("inverse_sqrt").class_weights(counts))
    # the same model as naming the loss and the scheme
    named = WeightedLossClassifier(loss=get_loss("cross_entropy", label_smoothing=0.1),
                                   reweight="inverse_sqrt", **params).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), named.predict_proba(X), atol=1e-6)
    # each fit builds its own instance; the parameter stays "auto"
    again = clone(clf).fit(X, y)
    assert again.loss_ is not clf.loss_ and again.loss == "auto"


def test_weight_decay_is_adamw_decoupled_shrinkage():
    # one AdamW step from the same initial weights w0: with decay the weights
    # end lr * weight_decay * w0 lower than without (the gradient step is the same)
    X, y = _imbalanced(n=120)
    params = dict(FAST, max_epochs=1, batch_size=10_000, early_stopping=False, reweight=None)

    def weights(**kw):
        clf = WeightedLossClassifier(**{**params, **kw}).fit(X, y)
        return [p.detach().cpu().clone() for p in clf.module_.parameters()]

    w0 = weights(lr=1e-30, weight_decay=0.0)  # a step of 1e-30: the initial weights
    plain = weights(lr=1e-2, weight_decay=0.0)
    decayed = weights(lr=1e-2, weight_decay=1.0)
    assert WeightedLossClassifier().weight_decay == 1.0  # on by default
    for a, b, init in zip(decayed, plain, w0):
        np.testing.assert_allclose((a - b).numpy(), (-1e-2 * 1.0 * init).numpy(), atol=1e-6)


def test_nested_setting_of_the_auto_loss():
    X, y = _imbalanced(n=120)
    params = dict(FAST, max_epochs=5, early_stopping=False, reweight=None)
    clf = WeightedLossClassifier(**params).set_params(loss__label_smoothing=0.0)
    assert clf.get_params()["loss__label_smoothing"] == 0.0
    plain = WeightedLossClassifier(loss="cross_entropy", **params).fit(X, y)
    np.testing.assert_allclose(clf.fit(X, y).predict_proba(X), plain.predict_proba(X),
                               atol=1e-6)
    grid = GridSearchCV(WeightedLossClassifier(**params),
                        {"loss__label_smoothing": [0.0, 0.1]}, cv=2).fit(X, y)
    assert len(grid.cv_results_["params"]) == 2
    with pytest.raises(ValueError, match="no_such"):
        WeightedLossClassifier().set_params(loss__no_such=1.0)


def test_reweight_multiplies_sample_weight():
    X, y = _imbalanced(n=60)
    # preprocessing=None: the encoder's scaling statistics count sample_weight as
    # repeated rows, while class weights only enter the loss
    params = dict(hidden_layer_sizes=(8,), max_epochs=30, batch_size=10_000, early_stopping=False,
                  random_state=0, preprocessing=None)
    reweighted = WeightedLossClassifier(reweight={1: 3.0}, **params).fit(X, y)
    sw = np.where(y == 1, 3.0, 1.0)
    weighted = WeightedLossClassifier(reweight=None, **params).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(reweighted.predict_proba(X), weighted.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(reweighted.class_weight_, [1.0, 3.0])


def test_same_random_state_gives_identical_probabilities():
    X, y = _imbalanced()
    a = WeightedLossClassifier(**FAST).fit(X, y).predict_proba(X)
    b = WeightedLossClassifier(**FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = WeightedLossClassifier(**{**FAST, "random_state": 1}).fit(X, y).predict_proba(X)
    assert not np.array_equal(a, c)


def test_fit_does_not_touch_global_torch_rng():
    X, y = _imbalanced()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    WeightedLossClassifier(**FAST).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


def test_caller_arrays_are_not_modified():
    X, y = _imbalanced()
    X = X.astype(np.float32)  # float32 and int64 arrays are shared with the training tensors
    sw = np.random.RandomState(0).uniform(0.5, 2, len(y)).astype(np.float32)
    X0, y0, sw0 = X.copy(), y.copy(), sw.copy()
    for kw in [dict(reweight="balanced"), dict(reweight="dro_kl", calibration="temperature"),
               dict(batch_sampler="balanced", dropout=0.2)]:
        clf = WeightedLossClassifier(**kw, **FAST).fit(X, y, sample_weight=sw)
        clf.predict_proba(X)
        np.testing.assert_array_equal(X, X0)
        np.testing.assert_array_equal(y, y0)
        np.testing.assert_array_equal(sw, sw0)


def test_pickle_round_trip():
    X, y = _imbalanced()
    clf = WeightedLossClassifier(loss="focal", reweight="class_balanced", **FAST).fit(X, y)
    expected = clf.predict_proba(X)
    attrs = {k: type(v) for k, v in vars(clf).items()}
    module, state = clf.module_, clf._training_state
    restored = pickle.loads(pickle.dumps(clf))
    # pickling converts a copy of the state (device_ to a string, tensors to the CPU), never
    # the live model's own attributes
    assert {k: type(v) for k, v in vars(clf).items()} == attrs
    assert isinstance(clf.device_, torch.device) and clf.device_ == restored.device_
    assert clf.module_ is module and clf._training_state is state
    np.testing.assert_array_equal(clf.predict_proba(X), expected)
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    assert restored.n_iter_ == clf.n_iter_


def test_model_marked_cuda_loads_on_cpu_without_cuda():
    if torch.cuda.is_available():
        pytest.skip("checks the CPU fallback of a CUDA-trained model")
    X, y = _imbalanced()
    clf = WeightedLossClassifier(**FAST).fit(X, y)
    expected = clf.predict_proba(X)
    clf.device_ = torch.device("cuda")  # as if trained on a GPU
    clf.plan_ = dataclasses.replace(clf.plan_, device=torch.device("cuda"))
    with pytest.warns(UserWarning, match="loaded on the CPU"):
        restored = pickle.loads(pickle.dumps(clf))
    assert restored.device_.type == "cpu" and restored.plan_.device.type == "cpu"
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    restored.partial_fit(X, y)  # continues on the CPU (it asserted CUDA)
    assert restored.device_.type == "cpu" and restored.n_iter_ == clf.n_iter_ + 1


def test_fit_without_y_is_the_usual_error_for_every_preprocessing():
    X, _ = _imbalanced()
    for preprocessing in ("auto", None):
        clf = WeightedLossClassifier(preprocessing=preprocessing, **FAST)
        with pytest.raises(ValueError, match="requires y to be passed"):
            clf.fit(X, None)
        with pytest.raises(ValueError, match="requires y to be passed"):
            clf.partial_fit(X, None, classes=[0, 1])


def test_partial_fit_does_not_warn_that_a_deferred_scheme_never_started():
    X, y = _imbalanced()
    clf = WeightedLossClassifier(reweight="drw", **dict(FAST, max_epochs=10))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):  # drw switches on at epoch 8: partial_fit stopped nothing
            clf.partial_fit(X, y, classes=[0, 1])
    assert clf.n_iter_ == 3


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_training_and_cpu_unpickling(monkeypatch):
    X, y = _imbalanced()
    clf = WeightedLossClassifier(device="cuda", **FAST).fit(X, y)
    assert next(clf.module_.parameters()).is_cuda
    proba = clf.predict_proba(X)
    data = pickle.dumps(clf)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="loaded on the CPU"):
        restored = pickle.loads(data)
    np.testing.assert_allclose(restored.predict_proba(X), proba, atol=1e-5)


def test_device_auto_is_cpu_without_cuda_and_for_small_work():
    # without a GPU "auto" is the CPU; with one, a batch this small (below
    # CUDA_MIN_WORK) trains faster on the CPU, so "auto" is the CPU there too
    X, y = _imbalanced()
    clf = WeightedLossClassifier(**FAST).fit(X, y)
    assert clf.device_.type == "cpu" and clf.plan_.device == clf.device_
    assert next(clf.module_.parameters()).device.type == "cpu"


# --------------------------------------------------------------------------
# training behaviour
# --------------------------------------------------------------------------
def test_early_stopping_restores_best_epoch():
    X, y = _imbalanced(n=400)
    clf = WeightedLossClassifier(hidden_layer_sizes=(64, 64), max_epochs=300, n_iter_no_change=5,
                                 early_stopping=True, random_state=0).fit(X, y)
    assert clf.n_iter_ < 300
    losses = clf.history_[:, "valid_loss"]
    assert clf.best_epoch_ == int(np.argmin(losses)) + 1
    # the weights are those of the best epoch: the same as a fit stopped there (a fixed
    # eval_set keeps the training rows and draws of the two fits the same)
    Xt, yt, Xv, yv = X[:340], y[:340], X[340:], y[340:]
    kw = dict(hidden_layer_sizes=(64, 64), n_iter_no_change=5, random_state=0)
    stopped = WeightedLossClassifier(max_epochs=300, early_stopping=True, **kw).fit(
        Xt, yt, eval_set=(Xv, yv))
    assert stopped.best_epoch_ < stopped.n_iter_
    fixed = WeightedLossClassifier(max_epochs=stopped.best_epoch_, early_stopping=False,
                                   **kw).fit(Xt, yt)
    np.testing.assert_allclose(stopped.predict_proba(X), fixed.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("scoring", ["roc_auc", "average_precision", "balanced_accuracy"])
def test_early_stopping_on_a_metric_keeps_the_best_epoch_of_that_metric(scoring):
    X, y = _imbalanced()
    clf = WeightedLossClassifier(scoring=scoring, **{**FAST, "max_epochs": 40}).fit(X, y)
    assert clf.stopping_ == "validation"
    scores = np.asarray(clf.history_[:, f"valid_{scoring}"])
    assert len(scores) == clf.n_iter_ and np.all(np.isfinite(scores))
    # the rule watched the metric (greater is better, relative tol): the kept epoch is its best,
    # and the rule stopped n_iter_no_change epochs after it
    assert scores[clf.best_epoch_ - 1] >= scores.max() * (1 - clf.tol)
    assert clf.n_iter_ == 40 or clf.n_iter_ - clf.best_epoch_ == clf.n_iter_no_change


def test_scoring_accepts_the_package_scorers():
    from sklearn_losses.metrics import get_scorer, make_fbeta_scorer, make_loss_scorer

    X, y = _imbalanced()
    for scoring, key in [("neg_ece", "valid_ece"), (get_scorer("gmean"), "valid_gmean"),
                         (make_loss_scorer("focal", gamma=2.0), "valid_loss:focal"),
                         (make_fbeta_scorer(2.0), "valid_fbeta_2")]:
        clf = WeightedLossClassifier(scoring=scoring, **{**FAST, "max_epochs": 5}).fit(X, y)
        assert np.all(np.isfinite(clf.history_[:, key])), scoring
    from sklearn.metrics import get_scorer as sk_get_scorer

    with pytest.raises(ValueError, match="cannot be evaluated by early stopping"):
        WeightedLossClassifier(scoring=sk_get_scorer("recall_macro"), max_epochs=2).fit(X, y)


def test_stopping_on_the_value_of_a_stochastic_loss_warns():
    X, y = _imbalanced()
    with pytest.warns(UserWarning, match="stochastic loss 'ensloss'"):
        WeightedLossClassifier(loss="ensloss", early_stopping=True,
                               **{**FAST, "max_epochs": 3}).fit(X, y)


def test_logit_clip_parameter_wraps_the_loss():
    X, y = _imbalanced()
    clipped = WeightedLossClassifier(loss="focal", logit_clip=1.5, **FAST).fit(X, y)
    assert clipped.loss_.name == "logit_clip" and clipped.loss_.delta == 1.5
    assert clipped.loss_.loss.name == "focal"
    wrapped = WeightedLossClassifier(
        loss=get_loss("logit_clip", loss="focal", delta=1.5), **FAST).fit(X, y)
    np.testing.assert_allclose(clipped.predict_proba(X), wrapped.predict_proba(X))
    # predictions use the raw logits: margins beyond the clip are possible
    assert np.abs(clipped.decision_function(X)).max() > np.sqrt(2) * 1.5
    # counts reach a wrapped loss that needs them
    la = WeightedLossClassifier(loss="logit_adjusted", logit_clip=2.0, **FAST).fit(X, y)
    np.testing.assert_array_equal(la.loss_.class_counts, np.bincount(y))
    with pytest.raises(ValueError, match="logit_clip"):
        WeightedLossClassifier(logit_clip=0.0).fit(X, y)


def test_verbose_2_shows_a_progress_bar(capsys):
    X, y = _imbalanced()
    WeightedLossClassifier(verbose=2, **{**FAST, "max_epochs": 2}).fit(X, y)
    captured = capsys.readouterr()
    assert "train_loss" in captured.out  # the per-epoch log
    assert "0/5 [" in captured.err  # 300 rows, batch 64: a bar of five batches per epoch


@pytest.mark.parametrize("early_stopping", [True, "auto"])  # validation, training loss
def test_verbose_1_prints_every_epoch_including_the_one_it_stops_at(capsys, early_stopping):
    # skorch runs PrintLog after the stopping rule: the epoch training stopped at had no line
    from sklearn.datasets import make_classification

    X, y = make_classification(300, n_features=6, weights=[0.8], random_state=0)
    clf = WeightedLossClassifier(hidden_layer_sizes=(16,), max_epochs=200, verbose=1,
                                 early_stopping=early_stopping, n_iter_no_change=2, lr=0.05,
                                 tol=1e-2, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert clf.n_iter_ < 200 and clf.stopping_ != "none"  # a stopping rule ended it
    rows = [line.split()[0] for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert rows == [str(i) for i in range(1, clf.n_iter_ + 1)]
    assert out.index(f"\n{clf.n_iter_:>7} ") < out.index("Stopping since")


def test_drw_that_never_switches_on_warns():
    X, y = _imbalanced()
    with pytest.warns(UserWarning, match="before reweight='drw' switched"):
        WeightedLossClassifier(reweight="drw", early_stopping=True, n_iter_no_change=2,
                               **{**FAST, "max_epochs": 200, "lr": 0.1}).fit(X, y)


def test_tiny_data_falls_back_to_training_without_early_stopping():
    X = np.arange(10, dtype=float).reshape(5, 2)
    y = np.array([0, 0, 0, 0, 1])
    with pytest.warns(UserWarning, match="early_stopping needs a validation split"):
        clf = WeightedLossClassifier(max_epochs=3, early_stopping=True).fit(X, y)
    assert clf.n_iter_ == 3 and clf.stopping_ == "train_loss"  # the rule without a split


def test_early_stopping_auto_and_training_loss_rule():
    X, y = _imbalanced(n=400)
    small = WeightedLossClassifier(early_stopping="auto", hidden_layer_sizes=(16,), max_epochs=500,
                                   n_iter_no_change=5, tol=1e-2, random_state=0).fit(X, y)
    assert small.stopping_ == "train_loss" and small.n_iter_ < 500
    train = small.history_[:, "train_loss"]
    assert "valid_loss" not in small.history_[-1]
    # stopped because the last 5 epochs did not beat the best earlier loss by tol
    best_before = min(train[:-5])
    assert min(train[-5:]) > best_before - 1e-2
    assert small.best_epoch_ == small.n_iter_  # the last weights are kept
    valid = WeightedLossClassifier(early_stopping=True, **FAST).fit(X, y)
    assert valid.stopping_ == "validation"
    full = WeightedLossClassifier(early_stopping=False, **dict(FAST, max_epochs=7)).fit(X, y)
    assert full.stopping_ == "none" and full.n_iter_ == 7


def test_early_stopping_auto_uses_validation_on_large_data(monkeypatch):
    X, y = _imbalanced(n=400)
    monkeypatch.setattr(plan_module, "AUTO_VALIDATION_MIN_SAMPLES", 300)
    clf = WeightedLossClassifier(early_stopping="auto", **FAST).fit(X, y)
    assert clf.stopping_ == "validation" and "valid_loss" in clf.history_[-1]


def test_fits_in_threads_are_reproducible():
    from joblib import Parallel, delayed

    X, y = _imbalanced(n=200)
    kw = dict(hidden_layer_sizes=(128, 128), max_epochs=3, random_state=3)
    ref = WeightedLossClassifier(**kw).fit(X, y).predict_proba(X)
    outs = Parallel(n_jobs=4, backend="threading")(
        delayed(lambda: WeightedLossClassifier(**kw).fit(X, y).predict_proba(X))()
        for _ in range(6))
    for out in outs:
        np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("kw, match", [
    (dict(loss="logit_adjusted", reweight="balanced"),
     "The loss 'logit_adjusted' already corrects for the class prior; combining it with "
     "class re-weighting corrects twice"),
    (dict(loss="balanced_softmax", batch_sampler="balanced"),
     "The loss 'balanced_softmax' already corrects for the class prior; combining it with "
     "balanced batches corrects twice"),
    (dict(reweight="balanced", batch_sampler="balanced"),
     "batch_sampler='balanced' already balances the classes; combining it with class "
     "re-weighting corrects twice"),
])
def test_double_prior_correction_warns(kw, match):
    X, y = _imbalanced()
    with pytest.warns(UserWarning, match=re.escape(match)):
        WeightedLossClassifier(**kw, **dict(FAST, max_epochs=2)).fit(X, y)


def test_no_double_correction_warning_for_single_corrections():
    X, y = _imbalanced()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_epochs=2 is reached
        for kw in (dict(loss="logit_adjusted"), dict(reweight="balanced"),
                   dict(batch_sampler="balanced"), dict(loss="ldam", reweight="drw")):
            WeightedLossClassifier(**kw, **dict(FAST, max_epochs=2)).fit(X, y)


class _ExplodingLoss(PointwiseLoss):
    """Cross-entropy that turns NaN from the ``after``-th call on (test helper)."""

    def __init__(self, after=3):
        super().__init__()
        self.after = after

    def _loss_per_sample(self, logits, target):
        self.calls_ = getattr(self, "calls_", 0) + 1
        loss = -target_log_prob(log_probs(logits), target)
        return loss * float("nan") if self.calls_ > self.after else loss


def test_divergence_warns_and_keeps_finite_weights():
    X, y = _imbalanced()
    clf = WeightedLossClassifier(loss=_ExplodingLoss(after=12), hidden_layer_sizes=(8,),
                                 batch_size=64, max_epochs=20, random_state=0)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        clf.fit(X, y)
    assert np.all(np.isfinite(clf.predict_proba(X)))
    assert clf.n_iter_ < 20


def test_divergence_in_first_epoch_raises():
    X, y = _imbalanced()
    clf = WeightedLossClassifier(loss=_ExplodingLoss(after=0), max_epochs=5)
    with pytest.raises(FloatingPointError, match="diverged"):
        clf.fit(X, y)


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------
@pytest.fixture
def data():
    return _imbalanced(n=60)


def test_nan_and_inf_in_X(data):
    X, y = data
    for bad in (np.nan, np.inf):
        Xb = X.copy()
        Xb[3, 1] = bad
        with pytest.raises(ValueError, match="NaN|infinity"):
            WeightedLossClassifier(max_epochs=1, preprocessing=None).fit(Xb, y)


def test_one_class(data):
    X, _ = data
    with pytest.raises(ValueError, match="at least 2 classes"):
        WeightedLossClassifier(max_epochs=1).fit(X, np.zeros(len(X)))


def test_continuous_y(data):
    X, _ = data
    with pytest.raises(ValueError, match="Unknown label type"):
        WeightedLossClassifier(max_epochs=1).fit(X, np.linspace(0, 1, len(X)))


def test_mismatched_lengths(data):
    X, y = data
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        WeightedLossClassifier(max_epochs=1).fit(X, y[:-1])


def test_empty_and_1d_X(data):
    X, y = data
    with pytest.raises(ValueError, match="0 sample"):
        WeightedLossClassifier(max_epochs=1).fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="Expected 2D array"):
        WeightedLossClassifier(max_epochs=1).fit(X[:, 0], y)


def test_non_numeric_features(data):
    X, y = data
    Xs = X.astype(object)
    Xs[0, 0] = "red"
    with pytest.raises(ValueError, match="could not convert string to float"):
        WeightedLossClassifier(max_epochs=1, preprocessing=None).fit(Xs, y)


def test_non_numeric_dataframe_columns_are_named(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    df["colour"] = np.where(y == 1, "red", "blue")
    with pytest.raises(ValueError, match=r"column\(s\) \['colour'\] are not numeric.*OneHotEncoder"):
        WeightedLossClassifier(max_epochs=1, preprocessing=None).fit(df, y)
    clf = WeightedLossClassifier(max_epochs=1, preprocessing=None).fit(df.drop(columns="colour"), y)
    df2 = df.drop(columns="colour").assign(f0=df["colour"])
    with pytest.raises(ValueError, match=r"\['f0'\] are not numeric"):
        clf.predict(df2)
    # dates and durations too (numpy fails to promote them with a TypeError)
    for values in (pd.date_range("2020-01-01", periods=len(y)),
                   pd.timedelta_range("1D", periods=len(y))):
        with pytest.raises(ValueError, match=r"\['when'\] are not numeric"):
            WeightedLossClassifier(max_epochs=1, preprocessing=None).fit(
                df.drop(columns="colour").assign(when=values), y)


def test_wrong_number_of_features_at_predict(data):
    X, y = data
    clf = WeightedLossClassifier(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features.*expecting 6"):
        clf.predict(X[:, :5])


def test_unknown_loss_and_reweight_names(data):
    X, y = data
    with pytest.raises(ValueError, match="Unknown loss 'fcal'"):
        WeightedLossClassifier(loss="fcal", max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="reweight"):
        WeightedLossClassifier(reweight="balance", max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="not classes of y"):
        WeightedLossClassifier(reweight={7: 2.0}, max_epochs=1).fit(X, y)


def test_bad_sample_weight(data):
    X, y = data
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        WeightedLossClassifier(max_epochs=1).fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="sample_weight.shape"):
        WeightedLossClassifier(max_epochs=1).fit(X, y, sample_weight=np.ones(len(y) - 1))
    with pytest.raises(ValueError, match="fewer than 2 classes"):
        WeightedLossClassifier(max_epochs=1).fit(X, y, sample_weight=(y == 1).astype(float))


def test_bad_hyper_parameters_raise_in_fit_not_init(data):
    X, y = data
    clf = WeightedLossClassifier(lr=-1.0, hidden_layer_sizes=(0,))  # no error yet
    with pytest.raises(ValueError, match="lr"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        WeightedLossClassifier(hidden_layer_sizes=(0,)).fit(X, y)
    # each call in its own block: a first raising call would hide the others
    with pytest.raises(ValueError, match="Invalid device 'nonsense'"):
        WeightedLossClassifier(device="nonsense").fit(X, y)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device='cuda' was requested but CUDA is not "
                                             "available"):
            WeightedLossClassifier(device="cuda").fit(X, y)
    with pytest.raises(ValueError, match="device='meta' holds no data"):
        WeightedLossClassifier(device="meta").fit(X, y)


def test_loss_incompatible_with_number_of_classes():
    X, y = load_wine(return_X_y=True)
    with pytest.raises(ValueError, match="float focal alpha is only defined for binary"):
        WeightedLossClassifier(loss=get_loss("focal", alpha=0.25), max_epochs=1).fit(X, y)


def test_stochastic_loss_follows_the_estimator_random_state():
    X, y = _imbalanced()
    state = torch.get_rng_state()
    fits = [WeightedLossClassifier(loss="ensloss", reweight=None, early_stopping=False,
                                   **{**FAST, "max_epochs": 5, "random_state": seed}).fit(X, y)
            for seed in (0, 0, 1)]
    assert torch.equal(state, torch.get_rng_state())  # the global RNG is left alone
    np.testing.assert_array_equal(fits[0].predict_proba(X), fits[1].predict_proba(X))
    assert not np.array_equal(fits[0].predict_proba(X), fits[2].predict_proba(X))
    assert fits[0].loss_.random_state is not None
    # a seeded loss instance keeps its own seed; the instance given is not modified
    loss = get_loss("ensloss")
    WeightedLossClassifier(loss=loss, early_stopping=False, **{**FAST, "max_epochs": 2}).fit(X, y)
    assert loss.random_state is None


def test_device_auto_keeps_small_work_on_the_cpu_even_with_a_gpu(monkeypatch):
    X, y = _imbalanced()
    clf = WeightedLossClassifier(**FAST).fit(X, y)
    assert clf.device_.type == "cpu" and clf.plan_.device == clf.device_
    # with a GPU as "auto" sees it: a batch this small (below CUDA_MIN_WORK) still trains on
    # the CPU, so this fit never touches CUDA and runs on a machine without one too
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    gpu_machine = WeightedLossClassifier(**FAST).fit(X, y)
    assert gpu_machine.device_.type == "cpu" and gpu_machine.plan_.device.type == "cpu"
    assert next(gpu_machine.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(gpu_machine.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("calibration", ["prior", "temperature"])
def test_pickle_round_trip_of_a_calibrated_model(calibration):
    X, y = _imbalanced()
    clf = WeightedLossClassifier(loss="cross_entropy", reweight="balanced",
                                 calibration=calibration, **FAST).fit(X, y)
    assert clf.logit_offset_ is not None  # a read-out the round trip must carry
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.logit_offset_, clf.logit_offset_)
    assert restored.temperature_ == clf.temperature_
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
