"""CPU or GPU: seconds per training step of WeightedLossClassifier over the work per batch.

``device="auto"`` trains on CUDA only from :data:`~sklearn_losses.engine.runtime.CUDA_MIN_WORK`
multiply-adds per training batch (its forward pass,
:func:`~sklearn_losses.network.estimate_batch_work`); below it, on the CPU. This
script measures where the GPU starts to pay: for each (batch size, hidden
layers) it fits the same MLP on a synthetic table for a few epochs (no early
stopping), once per device, and prints the median seconds per step of the
epochs after the first, and the CPU/GPU ratio (above 1: the GPU is faster).
The CPU fit uses ``n_jobs=None``, i.e. the package's own thread rule (one
thread below ``THREADS_MIN_WORK``, torch's default above), as ``"auto"`` would.
Then it fits the default estimator on a generated imbalanced table per size,
on each device, and prints fit seconds: what a user of the defaults gets.

Without a GPU it times the CPU only (the table still shows the work figures).

    python benchmarks/bench_device.py            # about a minute on a 16-core H100 machine
    python benchmarks/bench_device.py --quick    # two tiny settings: checks the script
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import make_classification

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn_losses import WeightedLossClassifier  # noqa: E402
from sklearn_losses.engine.runtime import CUDA_MIN_WORK  # noqa: E402
from sklearn_losses.network import estimate_batch_work  # noqa: E402

N_FEATURES = 50
#: (batch size, hidden layers): from the default network (256, (100,)) to a wide one
SETTINGS = [(64, (100,)), (256, (100,)), (1024, (100,)), (4096, (100,)), (256, (256, 256)),
            (256, (512, 512)), (1024, (256, 256)), (1024, (512, 512)), (4096, (256, 256)),
            (2048, (512, 512)), (4096, (1024, 1024))]
#: rows of the default-estimator fits
DEFAULT_ROWS = [1_000, 10_000, 50_000]


def devices():
    """``["cpu"]``, plus ``"cuda"`` when torch sees a GPU."""
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _sync(device):
    """Wait for the GPU's queued work, so that wall-clock time includes it."""
    if device == "cuda":
        torch.cuda.synchronize()


def step_seconds(device, batch, hidden, *, epochs=4, steps=20, seed=0):
    """Median seconds per training step (epochs after the first) and the plan's threads."""
    rng = np.random.default_rng(seed)
    n = batch * steps
    X = rng.normal(size=(n, N_FEATURES)).astype(np.float32)
    y = (X[:, 0] + rng.normal(size=n) > 1).astype(int)
    clf = WeightedLossClassifier(device=device, batch_size=batch, hidden_layer_sizes=hidden,
                                 max_epochs=epochs, early_stopping=False, random_state=seed)
    clf.fit(X, y)  # skorch's per-epoch "dur" ends with the epoch's loss read from the device
    return float(np.median(clf.history_[1:, "dur"])) / steps, clf.plan_.n_threads


def default_fit_seconds(device, n_rows, seed=0):
    """Fit seconds of ``WeightedLossClassifier(device=device)`` on a generated 5%-positive table."""
    X, y = make_classification(n_rows, 30, n_informative=10, weights=[0.95], random_state=seed)
    clf = WeightedLossClassifier(device=device, random_state=seed)
    t0 = time.perf_counter()
    clf.fit(X, y)
    _sync(device)
    return time.perf_counter() - t0, clf.n_iter_


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two tiny settings, 2 epochs")
    args = parser.parse_args(argv)
    settings = [(64, (8,)), (128, (16, 16))] if args.quick else SETTINGS
    epochs, steps = (2, 3) if args.quick else (4, 20)
    rows = [300] if args.quick else DEFAULT_ROWS
    warnings.simplefilter("ignore")
    names = devices()
    for device in names:  # start-up costs (CUDA context, kernels) before timing
        step_seconds(device, 32, (8,), epochs=2, steps=2)
    print(f"devices: {', '.join(names)}"
          + (f" ({torch.cuda.get_device_name(0)})" if "cuda" in names else " (no GPU found)")
          + f"; CPU threads available to torch: {torch.get_num_threads()}; "
          f"CUDA_MIN_WORK = {CUDA_MIN_WORK:.2e}")
    print("\n| batch | hidden | work | " + " | ".join(f"{d} ms/step" for d in names)
          + (" | cpu/cuda |" if "cuda" in names else " |"))
    print("|" + "---|" * (3 + len(names) + ("cuda" in names)))
    table = []
    for batch, hidden in settings:
        work = estimate_batch_work("mlp", batch, N_FEATURES, 2, hidden_layer_sizes=hidden)
        times = {d: step_seconds(d, batch, hidden, epochs=epochs, steps=steps) for d in names}
        cells = [f"{times[d][0] * 1e3:.3f}" + (" (1 thread)" if times[d][1] == 1 else "")
                 for d in names]
        ratio = times["cpu"][0] / times["cuda"][0] if "cuda" in times else None
        table.append((batch, hidden, work, times, ratio))
        print(f"| {batch} | {'x'.join(map(str, hidden))} | {work:.2e} | " + " | ".join(cells)
              + (f" | {ratio:.2f} |" if ratio is not None else " |"), flush=True)
    print("\nWeightedLossClassifier() on a generated table (30 features, 5% positives), "
          "fit seconds:")
    print("\n| rows | " + " | ".join(names) + " |\n|" + "---|" * (1 + len(names)))
    for n_rows in rows:
        cells = []
        for d in names:
            seconds, epochs_run = default_fit_seconds(d, n_rows)
            cells.append(f"{seconds:.2f} ({epochs_run} epochs)")
        print(f"| {n_rows:,} | " + " | ".join(cells) + " |", flush=True)
    return table


if __name__ == "__main__":
    main()
