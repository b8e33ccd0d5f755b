"""Grid search over losses on a Dask cluster.

``GridSearchCV`` runs its fits through joblib; joblib's ``"dask"`` backend
sends them to the workers of a ``dask.distributed`` cluster instead of local
processes, with no change to the estimator::

    with joblib.parallel_config(backend="dask"):   # or joblib.parallel_backend("dask")
        search.fit(X, y)

This example searches losses x re-weighting schemes on a cluster, checks
that the scores equal those of the same search run locally (with a fixed
``random_state`` the estimator is deterministic on the CPU), and shows which
device and how many torch threads each worker uses.

Run it:

    python examples/dask_grid_search.py --quick    # LocalCluster of 2 worker processes
    python examples/dask_grid_search.py --no-check # larger search: about a minute on 2 cores
    python examples/dask_grid_search.py --scheduler tcp://scheduler:8786   # a real cluster

Needs ``pip install "dask[distributed]"``.

Local cluster: ``LocalCluster(n_workers=2, threads_per_worker=1,
processes=True)``: worker *processes* with one thread each. A fit leaves
torch's global random generator alone (it draws the initial weights and the
batch order from ``torch.Generator`` objects of its own, seeded by
``random_state``), so fits in threads of one worker are reproducible too,
except with ``dropout > 0`` or ``architecture="nca"``: dropout masks and the
retrieval network's neighbour sampling come from the global generator,
seeded inside ``torch.random.fork_rng``, which threads would share.
Processes are still the better choice: the training loop runs in Python and
holds the GIL between kernel calls, so threads of one process compete for
it. One task at a time per worker; torch parallelises inside each fit with
its own threads.

A real cluster. Start a scheduler (``dask scheduler``), then workers, and
connect with ``Client("tcp://scheduler:8786")`` (``--scheduler`` here). The
environment of the workers must have this package, torch and the same
versions as the client.

- CPU workers: several single-threaded worker processes per machine, each
  given a share of the cores for torch::

      OMP_NUM_THREADS=4 dask worker tcp://scheduler:8786 --nworkers 4 --nthreads 1

  (Dask starts workers with ``OMP_NUM_THREADS=1`` unless the variable is set,
  so set it.) Alternatively register a worker plugin that calls
  ``torch.set_num_threads`` - ``TorchThreads`` below, via
  ``client.register_plugin(TorchThreads(4))``, before submitting work: torch
  applies the count to threads that have not run torch code yet, and the
  plugin also runs on workers that join later.

- GPU workers: one single-threaded worker per GPU, each seeing only its own
  GPU through ``CUDA_VISIBLE_DEVICES``. ``dask-cuda`` does this for you
  (``pip install dask-cuda``)::

      dask cuda worker tcp://scheduler:8786          # one worker per GPU of the machine

  or, on a single multi-GPU machine, ``Client(LocalCUDACluster())`` with
  ``from dask_cuda import LocalCUDACluster``. By hand::

      CUDA_VISIBLE_DEVICES=0 dask worker tcp://scheduler:8786 --nthreads 1 &
      CUDA_VISIBLE_DEVICES=1 dask worker tcp://scheduler:8786 --nthreads 1 &

  Keep ``device="auto"`` (the default): the device is resolved in ``fit``,
  on the worker that runs the fit, so a network large enough for a GPU (a
  training batch of at least ``CUDA_MIN_WORK`` multiply-adds) trains on that
  worker's own GPU (its ``cuda:0``), a smaller one (as in this example) and
  any fit of a CPU-only worker on the CPU. Do not pass ``device="cuda:1"``
  to the estimator: that index means a different GPU on every worker. GPU
  results are not bit-for-bit reproducible, so compare scores, not digits.

The final refit of the best candidate (``refit=True``) runs in the client
process, on the client's device.
"""

from __future__ import annotations

import argparse
import time

import joblib
import numpy as np
import torch

try:
    from distributed import Client, LocalCluster, WorkerPlugin
except ImportError as exc:  # pragma: no cover
    raise ImportError('This example needs Dask: pip install "dask[distributed]"') from exc

from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.metrics import get_scorer
from sklearn_losses.network import estimate_batch_work


class TorchThreads(WorkerPlugin):
    """Worker plugin: ``torch.set_num_threads(n)`` on every worker (also later ones)."""

    def __init__(self, n_threads):
        self.n_threads = n_threads

    def setup(self, worker):
        torch.set_num_threads(self.n_threads)


def worker_info(batch_work):
    """Run on a worker: the device ``device="auto"`` resolves to there for a training batch of
    ``batch_work`` multiply-adds (the example's network), and its torch threads."""
    from sklearn_losses.classifier import resolve_device

    return {"device": str(resolve_device("auto", batch_work)),
            "cuda": torch.cuda.is_available(), "torch_threads": torch.get_num_threads()}


def make_search(losses, reweights, n_splits=3, random_state=0, **clf_params):
    pipe = Pipeline([("scale", StandardScaler()),
                     ("clf", WeightedLossClassifier(random_state=random_state, **clf_params))])
    return GridSearchCV(
        pipe, {"clf__loss": losses, "clf__reweight": reweights},
        scoring={"gmean": get_scorer("gmean"), "average_precision": "average_precision"},
        refit="gmean", cv=StratifiedKFold(n_splits, shuffle=True, random_state=random_state),
        n_jobs=-1, error_score="raise")


def format_table(search):
    res = search.cv_results_
    lines = [f"{'rank':>4} | {'loss':<15} | {'reweight':<14} | {'gmean':>7} | "
             f"{'avg precision':>13}"]
    for i in np.argsort(res["rank_test_gmean"], kind="stable"):
        p = res["params"][i]
        lines.append(f"{res['rank_test_gmean'][i]:>4} | {p['clf__loss']:<15} | "
                     f"{str(p['clf__reweight']):<14} | {res['mean_test_gmean'][i]:>7.3f} | "
                     f"{res['mean_test_average_precision'][i]:>13.3f}")
    return "\n".join(lines)


def run(client, quick=True, check_local=True, torch_threads=1):
    """The search on ``client``'s cluster (and locally when ``check_local``)."""
    client.register_plugin(TorchThreads(torch_threads), name="torch-threads")
    if quick:
        n, losses, reweights = 400, ["cross_entropy", "focal", "gce"], [None, "balanced"]
        clf_params = dict(max_epochs=20, batch_size=64, hidden_layer_sizes=(32,))
    else:
        n = 5000
        losses = ["cross_entropy", "focal", "poly1", "gce", "sce"]
        reweights = [None, "balanced", "class_balanced"]
        clf_params = {}
    X, y = make_classification(n_samples=n, n_features=20, n_informative=6, weights=[0.9],
                               flip_y=0.02, class_sep=0.8, random_state=0)

    # a task on each worker (tasks run in the worker's task threads, like the fits): the
    # device a fit of this example's network resolves to there
    defaults = WeightedLossClassifier().get_params()
    batch_work = estimate_batch_work(
        "mlp", clf_params.get("batch_size", defaults["batch_size"]), X.shape[1], 2,
        hidden_layer_sizes=clf_params.get("hidden_layer_sizes",
                                          defaults["hidden_layer_sizes"]))
    workers = sorted(client.scheduler_info()["workers"])
    infos = client.gather([client.submit(worker_info, batch_work, workers=[w], pure=False)
                           for w in workers])
    for address, info in zip(workers, infos):
        print(f"worker {address}: device='auto' -> {info['device']} for this network "
              f"(CUDA {'available' if info['cuda'] else 'not available'}), "
              f"torch threads {info['torch_threads']}")

    search = make_search(losses, reweights, **clf_params)
    t0 = time.perf_counter()
    with joblib.parallel_config(backend="dask"):
        search.fit(X, y)
    print(f"{len(search.cv_results_['params'])} candidates x {search.n_splits_} folds on "
          f"{len(client.scheduler_info()['workers'])} Dask workers: "
          f"{time.perf_counter() - t0:.1f} s")
    print(format_table(search))

    out = {"search": search, "workers": dict(zip(workers, infos))}
    if check_local:
        local = make_search(losses, reweights, **clf_params).set_params(n_jobs=None)
        local.fit(X, y)
        out["max_abs_diff"] = max(
            float(np.max(np.abs(search.cv_results_[k] - local.cv_results_[k])))
            for k in ("mean_test_gmean", "mean_test_average_precision"))
        print(f"max |dask - local| over mean test scores: {out['max_abs_diff']:.2e}")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small search (used by the tests)")
    parser.add_argument("--scheduler", help="address of a running scheduler, e.g. "
                        "tcp://scheduler:8786; default: start a LocalCluster")
    parser.add_argument("--n-workers", type=int, default=2, help="LocalCluster workers")
    parser.add_argument("--torch-threads", type=int, default=1, help="torch threads per worker")
    parser.add_argument("--no-check", action="store_true",
                        help="skip re-running the search locally for comparison")
    args = parser.parse_args(argv)
    kw = dict(quick=args.quick, check_local=not args.no_check, torch_threads=args.torch_threads)
    if args.scheduler:
        with Client(args.scheduler) as client:
            return run(client, **kw)
    with LocalCluster(n_workers=args.n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        return run(client, **kw)


if __name__ == "__main__":
    main()
