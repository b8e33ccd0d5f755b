"""Every user-facing warning of a fit points at the line of the user's code that called it."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_losses import WeightedLossClassifier, get_loss, get_reweighting

from .test_faults import _FaultyLoss

TINY = dict(hidden_layer_sizes=(8,), batch_size=64, lr=1e-2, random_state=0)


def _data(n=200, weights=(0.8,)):
    return make_classification(n, 6, n_informative=4, weights=list(weights), random_state=0)


def _tiny_classes():
    X, y = _data(40, weights=(0.97,))  # one or two rows of class 1: no validation split
    return X, y


#: name -> (estimator parameters, data, the start of the message, after any count)
CASES = {
    "few rows of the rare class per batch": (
        dict(loss="anyloss_f1", batch_size=16, max_epochs=2), lambda: _data(200, (0.95,)),
        "The batch-level loss"),
    "batch-level loss with class weights": (
        dict(loss="auc_square", reweight="balanced", max_epochs=2), _data,
        "The batch-level loss"),
    "prior corrected twice": (
        dict(loss="logit_adjusted", reweight="balanced", max_epochs=2), _data,
        "The loss 'logit_adjusted' already corrects"),
    "stochastic loss monitored": (
        dict(loss="ensloss", early_stopping=True, max_epochs=2), _data,
        "Early stopping monitors the validation loss of the stochastic loss"),
    "schedule never started": (
        dict(reweight=get_reweighting("drw", start_epoch=50), max_epochs=60,
             n_iter_no_change=1, tol=10.0), _data,
        "Training stopped after"),
    "degenerate batches": (
        dict(loss="auc_square", batch_size=4, batch_sampler="random", max_epochs=1,
             reweight=None), lambda: _data(200, (0.97,)),
        "training batches had no class with both positive and negative rows"),
    "divergence after the first epoch": (
        dict(loss=_FaultyLoss(after=3, fault="explode"), max_epochs=10, early_stopping=False,
             batch_size=1000), _data, "Training diverged at epoch"),
    "max_epochs reached": (dict(max_epochs=2, early_stopping=True), _data, "Maximum number of epochs"),
    "improper prior calibration": (
        dict(loss="focal", reweight="balanced", calibration="prior", max_epochs=2), _data,
        "calibration='prior' divides"),
    "no room for a validation split": (
        dict(early_stopping=True, max_epochs=2), _tiny_classes, "early_stopping needs a validation"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_warning_points_at_the_caller(case, one_torch_thread):
    params, make_data, start = CASES[case]
    X, y = make_data()
    clf = WeightedLossClassifier(**{**TINY, **params})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y)
    # the start of the message (after the count, for a message that opens with one)
    ours = [w for w in caught if str(w.message).lstrip("0123456789 ").startswith(start)]
    assert len(ours) == 1, [str(w.message)[:80] for w in caught]
    assert {w.filename for w in ours} == {__file__}, [(w.filename, w.lineno) for w in ours]


def test_warning_from_partial_fit_and_a_pipeline_points_at_the_caller(one_torch_thread):
    X, y = _data()
    clf = WeightedLossClassifier(loss="logit_adjusted", reweight="balanced", **TINY)
    with pytest.warns(UserWarning, match="already corrects") as record:
        clf.partial_fit(X, y, classes=[0, 1])
    assert {w.filename for w in record if "already corrects" in str(w.message)} == {__file__}
    # inside scikit-learn's and imbalanced-learn's Pipeline and GridSearchCV: the line that
    # called their fit (it was sklearn/pipeline.py's line calling the last step's fit)
    from imblearn.pipeline import make_pipeline as make_imblearn_pipeline
    from sklearn.model_selection import GridSearchCV

    clf.set_params(max_epochs=2)
    for model in (make_pipeline(StandardScaler(), clf),
                  make_imblearn_pipeline(StandardScaler(), clf),
                  GridSearchCV(make_pipeline(StandardScaler(), clf),
                               {"weightedlossclassifier__lr": [1e-3]}, cv=2, n_jobs=1)):
        with pytest.warns(UserWarning, match="already corrects") as record:
            model.fit(X, y)
        files = {w.filename for w in record if "already corrects" in str(w.message)}
        assert files == {__file__}, (model, files)


def test_a_warning_in_a_worker_thread_points_at_the_meta_estimators_call(one_torch_thread):
    # no user line is above a worker's: the line of cross_validate's that called fit, not
    # multiprocessing/pool.py's start of the thread
    from joblib import parallel_backend
    from sklearn.model_selection import cross_validate

    X, y = _data()
    clf = WeightedLossClassifier(loss="logit_adjusted", reweight="balanced", **TINY)
    with parallel_backend("threading", n_jobs=2), pytest.warns(
            UserWarning, match="already corrects") as record:
        cross_validate(clf.set_params(max_epochs=2), X, y, cv=2)
    files = {w.filename for w in record if "already corrects" in str(w.message)}
    assert files and all(f.endswith(("_validation.py",)) and "sklearn" in f
                         for f in files), files


def test_loading_a_cuda_model_without_cuda_warns_at_the_caller():
    X, y = _data()
    clf = WeightedLossClassifier(max_epochs=1, **TINY).fit(X, y)
    state = clf.__getstate__()
    state["device_"] = "cuda:0"
    blob = pickle.dumps(clf)
    clone = pickle.loads(blob)
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.warns(UserWarning, match="trained on CUDA") as record:
        clone.__setstate__(state)
    assert {w.filename for w in record} == {__file__}
    assert clone.device_.type == "cpu"


def test_stochastic_loss_warning_mentions_get_loss():
    # a loss instance works the same as its name
    X, y = _data()
    clf = WeightedLossClassifier(loss=get_loss("ensloss"), early_stopping=True, max_epochs=2,
                                 **TINY)
    with pytest.warns(UserWarning, match="stochastic loss 'ensloss'") as record:
        clf.fit(X, y)
    assert __file__ in {w.filename for w in record}
