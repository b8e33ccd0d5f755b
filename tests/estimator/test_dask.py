"""Grid search on a Dask cluster through joblib's "dask" backend.

The cluster is a ``LocalCluster`` of 2 worker *processes* with one thread
each, what a real cluster uses too. ``WeightedLossClassifier.fit`` leaves
torch's global random generator alone (initial weights and batch order come
from per-fit ``torch.Generator`` objects seeded by ``random_state``), so the
scores do not depend on how the fits are spread over workers; processes
rather than threads because the training loop holds the GIL between kernel
calls (and dropout, unused here, draws from the global generator). Dask
starts the workers with ``OMP_NUM_THREADS=1``; the local reference runs with
one torch thread as well so that both sides compute alike.
"""

import runpy
from pathlib import Path

import numpy as np
import pytest
import torch

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

from sklearn.datasets import make_classification  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklearn_losses import WeightedLossClassifier  # noqa: E402
from sklearn_losses.classifier import resolve_device  # noqa: E402
from sklearn_losses.metrics import get_scorer  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dask_grid_search.py"


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def _data():
    return make_classification(n_samples=300, n_features=10, n_informative=5, weights=[0.85],
                               random_state=0)


def _search(n_jobs):
    pipe = Pipeline([("scale", StandardScaler()),
                     ("clf", WeightedLossClassifier(max_epochs=8, batch_size=64,
                                                    hidden_layer_sizes=(16,), device="auto",
                                                    random_state=0))])
    return GridSearchCV(
        pipe,
        {"clf__loss": ["cross_entropy", "focal", "gce"], "clf__reweight": [None, "balanced"]},
        scoring={"gmean": get_scorer("gmean"), "ap": "average_precision"}, refit="ap",
        cv=StratifiedKFold(3, shuffle=True, random_state=0), n_jobs=n_jobs, error_score="raise")


def test_grid_search_on_dask_equals_local(client, one_torch_thread):
    X, y = _data()
    local = _search(n_jobs=None).fit(X, y)
    with joblib.parallel_config(backend="dask"):
        on_dask = _search(n_jobs=-1).fit(X, y)
    # the fits really ran as tasks of the cluster (joblib batches of _fit_and_score)
    assert any("fit_and_score" in name for name in _task_prefixes(client))
    for key in ("mean_test_gmean", "mean_test_ap", "std_test_ap"):
        np.testing.assert_allclose(on_dask.cv_results_[key], local.cv_results_[key], err_msg=key)
    assert np.all(np.isfinite(on_dask.cv_results_["mean_test_ap"]))
    assert on_dask.best_params_ == local.best_params_
    np.testing.assert_allclose(on_dask.predict_proba(X), local.predict_proba(X))


def _task_prefixes(client):
    return client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))


def test_device_auto_resolves_on_the_worker_at_fit(client):
    X, y = _data()
    clf = WeightedLossClassifier(max_epochs=2, hidden_layer_sizes=(8,), random_state=0)
    assert clf.get_params()["device"] == "auto" and not hasattr(clf, "device_")
    worker = sorted(client.scheduler_info()["workers"])[0]
    fitted = client.submit(lambda est: est.fit(X, y), clf, workers=[worker], pure=False).result()
    on_worker = client.submit(lambda: str(resolve_device("auto")), workers=[worker],
                              pure=False).result()
    assert str(fitted.device_) == on_worker
    assert fitted.get_params()["device"] == "auto"  # the parameter itself is untouched


def test_dask_example_runs_on_a_cluster(client, capsys, one_torch_thread):
    main = runpy.run_path(str(EXAMPLE))["main"]
    out = main(["--quick", "--scheduler", client.scheduler.address])
    text = capsys.readouterr().out
    search = out["search"]
    n_candidates = len(search.cv_results_["params"])
    assert n_candidates == 6
    assert np.all(np.isfinite(search.cv_results_["mean_test_gmean"]))
    assert out["max_abs_diff"] < 1e-6
    assert len(out["workers"]) == 2
    # the example's small network trains on the CPU even where a worker has a GPU (device
    # "auto" weighs a batch's work): the example reported "cuda" there, which no fit used
    assert all(info["torch_threads"] == 1 and info["device"] == "cpu"
               for info in out["workers"].values())
    assert "device='auto' -> cpu for this network" in text
    # one table row per candidate, every loss of the grid listed
    rows = [line for line in text.splitlines() if line.count("|") == 4 and "rank" not in line]
    assert len(rows) == n_candidates
    for loss in ("cross_entropy", "focal", "gce"):
        assert loss in text
