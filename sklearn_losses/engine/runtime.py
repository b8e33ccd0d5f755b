"""Runtime: the training device and torch's CPU threads."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import torch

__all__ = ["CUDA_MIN_WORK", "THREADS_MIN_WORK", "batch_work", "resolve_device", "resolve_threads",
           "thread_count", "torch_threads"]

#: ``n_jobs=None`` keeps torch's default thread count from this much work per
#: batch on (batch rows x multiply-adds of the network per row); below it, one
#: thread. A step of a small network is a chain of short kernels for which
#: waking a second thread costs more than it saves, and on a loaded machine a
#: second thread is far slower: at batch 256 and width 100 (0.4M
#: multiply-adds per batch), 2 threads took 6x the time of 1 per step with
#: the other core busy, and 2.7x still at batch 1024 with two layers of 1024
#: (1.1G). From about 2**24 a step is long enough (milliseconds) for the
#: fork/join cost to vanish, so an idle machine gains from more threads. The
#: choice depends on the data's shape and the parameters only, not on the
#: machine's load, so that results stay reproducible
#: (``benchmarks/bench_small_fit.py --load`` measures it).
THREADS_MIN_WORK = 1 << 24

#: ``device="auto"`` trains on CUDA (when there is a GPU) from this much work per
#: training batch on (multiply-adds of its forward pass, estimated from the
#: shapes by :func:`~sklearn_losses.network.estimate_batch_work`: TabM's members,
#: embeddings and the retrieval network's candidates counted), on the CPU below
#: it. A training step on a GPU costs a near-constant time at small work (its
#: kernel launches, about a millisecond a step), which a CPU thread beats.
#: Measured with MLPs on an H100 machine (16 CPU cores) with
#: ``benchmarks/bench_device.py``, CPU time per step over GPU time per step (the
#: CPU with the thread rule above): 0.60 at 3e5 (batch 64, width 100), 0.73 at
#: 1.3e6 (the default network's batch of 256 on 50 columns), 1.09 at 5e6, 1.13 to
#: 1.32 at 2e7, 1.4 to 1.8 at 7e7 to 8e7, 2.6 to 3.0 at 3e8 to 6e8 and 15 at 4.5e9.
#: Per step the two meet near 5e6, but a whole fit also pays the GPU's
#: per-epoch costs (validation, synchronisation): fits of the default network
#: (8.5e5 per batch on 30 columns; 1,000 to 50,000 rows) ran 1.9x to 2.0x
#: faster per epoch on the CPU. From 2**24 every measured step ran at least
#: 1.13x faster on the GPU.
CUDA_MIN_WORK = 1 << 24


def _in_worker() -> bool:
    """Whether this is a joblib/loky (or other multiprocessing) worker process."""
    import multiprocessing

    return (multiprocessing.parent_process() is not None
            or multiprocessing.current_process().name.startswith("Loky"))


def resolve_threads(n_jobs, work=None) -> int | None:
    """torch threads for ``n_jobs`` (None: leave torch's setting alone).

    ``n_jobs=None``: 1 when ``work`` (batch rows x multiply-adds per row) is below
    :data:`THREADS_MIN_WORK` or in a worker process, else None. Negative
    values count back from the number of CPUs, as in joblib (-1: all).
    """
    if n_jobs is None:
        if _in_worker() or (work is not None and work < THREADS_MIN_WORK):
            return 1
        return None
    if n_jobs < 0:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return max(1, (cpus or 1) + 1 + n_jobs)
    return int(n_jobs)


@contextmanager
def torch_threads(n):
    """Run the block with ``torch.set_num_threads(n)``, then restore the previous count.

    ``n=None`` leaves the setting alone. torch's thread count is process-wide:
    code running in other threads meanwhile sees it too; from a thread other
    than the main one the setting is left alone (restoring it there could
    undo what a concurrent fit set).
    """
    if n is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = torch.get_num_threads()
    if previous == n:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def thread_count(n_jobs, n_rows, n_features, hidden_layer_sizes):
    """torch threads for a call on ``n_rows`` rows of an MLP-shaped network.

    The work per batch is ``n_rows`` times the multiply-adds per row of the
    layers ``n_features -> hidden_layer_sizes -> 2``. See
    :func:`resolve_threads`; None (leave torch alone) for an invalid
    ``n_jobs``, which the estimator's parameter validation reports; with
    sizes that are not numbers, the rule without the work.
    """
    from numbers import Integral

    if n_jobs is not None and (not isinstance(n_jobs, Integral) or n_jobs == 0):
        return None
    return resolve_threads(n_jobs, batch_work(n_rows, n_features, hidden_layer_sizes))


def batch_work(n_rows, n_features, hidden_layer_sizes) -> int | None:
    """Multiply-adds of a batch of ``n_rows`` rows through an MLP-shaped network.

    The layers are ``n_features -> hidden_layer_sizes -> 2``; None when the
    sizes are not numbers (the estimator's parameter validation reports them).
    The thread rule's measure; ``device="auto"`` counts the real network's
    work (:func:`~sklearn_losses.network.estimate_batch_work`).
    """
    try:
        widths = [int(n_features), *map(int, hidden_layer_sizes), 2]
    except (TypeError, ValueError):
        return None
    return int(n_rows) * sum(a * b for a, b in zip(widths, widths[1:]))


def resolve_device(device, work=None) -> torch.device:
    """The torch device of the ``device`` parameter.

    ``"auto"``: CUDA when available and ``work`` (multiply-adds of a training
    batch, :func:`~sklearn_losses.network.estimate_batch_work`) is at least
    :data:`CUDA_MIN_WORK` or not given, else the CPU. Anything else is checked
    and passed to torch.
    """
    if device == "auto":
        use_cuda = torch.cuda.is_available() and (work is None or work >= CUDA_MIN_WORK)
        return torch.device("cuda" if use_cuda else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"Invalid device {device!r}: {exc}") from None
    if dev.type == "meta":
        raise ValueError(f"device={device!r} holds no data (its tensors have shapes only), so "
                         "nothing can be trained there; use device='auto', 'cpu' or 'cuda'.")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available; "
                         "use device='auto' or 'cpu'.")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"device={device!r} was requested but this machine has "
                         f"{torch.cuda.device_count()} CUDA device(s) (cuda:0 to "
                         f"cuda:{torch.cuda.device_count() - 1}).")
    if dev.type not in ("cpu", "cuda"):
        try:  # mps, xpu...: torch says whether the backend is there only when used
            torch.empty(0, device=dev)
        except (RuntimeError, AssertionError, AttributeError) as exc:
            raise ValueError(
                f"device={device!r} was requested but this machine's torch cannot use it "
                f"({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}); "
                "use device='auto', 'cpu' or 'cuda'.") from None
    return dev


