"""Speed on a small table: WeightedLossClassifier vs scikit-learn's MLPClassifier, one thread each.

The estimator takes the table as read (its own encoder runs inside the timed
fit, once, as for a user); ``MLPClassifier`` gets it encoded by the
benchmarks' preprocessing (one-hot categorical columns, median-imputed
standardized numeric ones), untimed. Both have the same hidden layer (100
units, ReLU), the same batch size (256) and the same cap of 500 epochs;
each stops by its own default rule (both stop when the training loss has
not improved by 1e-4 for 10 epochs on a table of this size:
``early_stopping="auto"`` of the estimator, ``MLPClassifier``'s default
``tol``/``n_iter_no_change``). So per-fit seconds compare what a user gets
from the defaults, and per-epoch milliseconds compare the training loops.
A third row is the floor for the per-epoch time: ``bench_throughput.py``'s
hand-written PyTorch loop (the same network, fused AdamW with the estimator's
``lr`` and ``weight_decay``, cross-entropy with its class weights and label
smoothing, shuffled batches) on the encoded table, run for
as many epochs as the estimator's first fit, with no stopping rule,
validation or callbacks. The
trainers run interleaved ``--repeats`` times in one process; medians and
ratios to ``MLPClassifier`` are printed, so that the ratios come from one
run under one machine load. Threads are pinned: torch through
``torch.set_num_threads``, BLAS (``MLPClassifier``) through threadpoolctl.

``--load`` measures the thread setting: epoch time of the estimator with 1
and with 2 torch threads while another process keeps one core busy.

    python benchmarks/bench_small_fit.py                       # largest KEEL table
    python benchmarks/bench_small_fit.py --table yeast4 --repeats 5
    python benchmarks/bench_small_fit.py --load                # 1 vs 2 threads, one core busy
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import DEFAULT_KEEL_DIR, keel_datasets, load_keel, make_preprocessor  # noqa: E402
from bench_throughput import hand_written_loop  # noqa: E402

from sklearn_losses import WeightedLossClassifier  # noqa: E402
from sklearn_losses.engine import torch_threads  # noqa: E402

HIDDEN = (100,)
BATCH = 256
MAX_EPOCHS = 500


def _largest_table(data_dir):
    paths = keel_datasets(data_dir)
    if not paths:
        raise SystemExit(f"no KEEL tables in {data_dir} (--data-dir)")
    return max(paths, key=lambda p: sum(1 for _ in open(p)))


def _estimator(threads=1, **kw):
    """The estimator at ``threads`` torch threads (``n_jobs``, or the global setting before it)."""
    if "n_jobs" in WeightedLossClassifier().get_params():
        kw["n_jobs"] = threads
    else:
        torch.set_num_threads(threads)
    return WeightedLossClassifier(hidden_layer_sizes=HIDDEN, batch_size=BATCH,
                                  max_epochs=MAX_EPOCHS, random_state=0, **kw)


def _timed(fit):
    start = time.perf_counter()
    model = fit()
    return time.perf_counter() - start, model


class _TorchLoop:
    """The per-epoch floor: ``bench_throughput``'s hand-written loop with the estimator's
    network, class weights, label smoothing and AdamW settings, for ``epochs`` epochs on
    one torch thread."""

    def __init__(self, epochs, class_weight=None, label_smoothing=0.0, lr=1e-3, weight_decay=0.0):
        self.n_iter_ = epochs
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing
        self.lr = lr
        self.weight_decay = weight_decay

    def fit(self, X, y):
        torch.manual_seed(0)
        with torch_threads(1):  # as the estimator's n_jobs=1
            hand_written_loop(X, np.asarray(y, dtype=np.int64), self.n_iter_, BATCH,
                              torch.device("cpu"), hidden=HIDDEN,
                              class_weight=self.class_weight,
                              label_smoothing=self.label_smoothing, lr=self.lr,
                              weight_decay=self.weight_decay)
        return self


def _busy(stop):
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def compare(X_raw, y, repeats):
    # The estimator takes the table as read (its own encoder, once per fit, is timed with
    # it); MLPClassifier and the hand-written loop get it encoded by the benchmarks'
    # preprocessing, which is not timed.
    X = make_preprocessor(X_raw).fit_transform(X_raw).astype(np.float32)
    runs = {"WeightedLossClassifier, raw DataFrame": lambda: _estimator().fit(X_raw, y),
            "MLPClassifier": lambda: MLPClassifier(HIDDEN, batch_size=BATCH, max_iter=MAX_EPOCHS,
                                                   random_state=0).fit(X, y)}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = _estimator().fit(X_raw, y)  # also warms torch up
    floor = _TorchLoop(int(first.n_iter_), first.class_weight_,
                       getattr(first.loss_, "label_smoothing", 0.0), first.lr, first.weight_decay)
    runs["PyTorch loop (floor), same epochs"] = lambda: floor.fit(X, y)
    times = {k: [] for k in runs}
    epochs = {}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(repeats):
            for name, fit in runs.items():
                seconds, model = _timed(fit)
                times[name].append(seconds)
                epochs[name] = int(model.n_iter_)
    ref = statistics.median(times["MLPClassifier"])
    ref_epoch = ref / epochs["MLPClassifier"]
    print(f"{'trainer':40s} {'s/fit':>7s} {'epochs':>6s} {'ms/epoch':>8s} "
          f"{'fit ratio':>9s} {'epoch ratio':>11s}")
    for name in runs:
        t = statistics.median(times[name])
        per_epoch = t / epochs[name]
        print(f"{name:40s} {t:7.3f} {epochs[name]:6d} {1e3 * per_epoch:8.2f} "
              f"{t / ref:9.2f} {per_epoch / ref_epoch:11.2f}")


def under_load(X_raw, y, repeats, epochs=30):
    """ms per epoch with 1 and 2 torch threads while one core is kept busy."""
    stop = mp.Event()
    hog = mp.Process(target=_busy, args=(stop,), daemon=True)
    hog.start()
    results = {1: [], 2: []}
    try:
        time.sleep(0.5)
        for _ in range(repeats):
            for n in results:
                seconds, model = _timed(lambda: _estimator(n, early_stopping=False).set_params(
                    max_epochs=epochs).fit(X_raw, y))
                results[n].append(1e3 * seconds / model.n_iter_)
    finally:
        stop.set()
        hog.join()
    one = statistics.median(results[1])
    for n, ms in results.items():
        med = statistics.median(ms)
        print(f"{n} torch thread(s), one core busy: {med:8.2f} ms/epoch ({med / one:.2f}x)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_KEEL_DIR))
    parser.add_argument("--table", help="KEEL table name (default: the one with most rows)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--load", action="store_true",
                        help="measure 1 vs 2 torch threads with one core kept busy")
    args = parser.parse_args(argv)
    path = (Path(args.data_dir) / f"{args.table}.csv" if args.table
            else _largest_table(args.data_dir))
    X_raw, y, name = load_keel(path)
    print(f"{name}: {X_raw.shape[0]} rows, {X_raw.shape[1]} columns, "
          f"{int(y.sum())} positive; torch {torch.__version__}")
    if args.load:
        under_load(X_raw, y, args.repeats)
    else:
        compare(X_raw, y, args.repeats)


if __name__ == "__main__":
    main()
