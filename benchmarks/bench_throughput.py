"""Training throughput: WeightedLossClassifier vs a hand-written PyTorch loop vs skorch's default loop.

Like for like: the same network (n_features -> 256 -> 256 -> 2, ReLU, the
package's ``MLP``), the same optimizer configuration (``torch.optim.AdamW``
at lr 1e-3, weight_decay 0, ``fused=True`` on CPU and CUDA, which is what
``WeightedLossClassifier`` trains with), batch 256, cross-entropy, shuffled
every epoch, no validation split and no early stopping. The estimator's
parameters are pinned (``reweight=None``, ``early_stopping=False``, ...), so
changes to its defaults do not change what is measured, except
``preprocessing``, left at its default ``"auto"``: the estimator's raw-table
encoder runs inside the timed fit, once per fit, as it does for a user (the
row ``sklearn-losses, preprocessing=None`` shows the loop alone). The trainers
run interleaved ``--repeats`` times in one process and the median time per
epoch of each is reported, with the ratios the foundation issue targets
(sklearn-losses >= 1.0x the hand loop and >= 1.8x skorch's default loop).

    python benchmarks/bench_throughput.py                 # 100k x 50, CPU
    python benchmarks/bench_throughput.py --quick         # 5k rows, 1 epoch, 1 repeat (seconds)
    python benchmarks/bench_throughput.py --rows 1000000 --features 100 --device cuda
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from skorch import NeuralNetClassifier
from torch import nn

from sklearn_losses import WeightedLossClassifier
from sklearn_losses.network import MLP

HIDDEN = (256, 256)
LR = 1e-3
HAND, SKORCH, OURS = "hand-written torch loop", "skorch default loop", "sklearn-losses"
OURS_LOOP = "sklearn-losses, preprocessing=None"
#: sklearn-losses speed-up targets (issue 2): over the hand loop, over skorch.
TARGETS = {HAND: 1.0, SKORCH: 1.8}


def optimizer_kwargs(device, lr=LR, weight_decay=0.0):
    """AdamW settings shared by the three trainers (those of the estimator's ``_build_net``)."""
    kwargs = {"lr": lr, "weight_decay": weight_decay}
    if device.type in ("cpu", "cuda"):  # fused AdamW kernels exist there
        kwargs["fused"] = True
    return kwargs


def hand_written_loop(X, y, epochs, batch_size, device, *, hidden=HIDDEN, class_weight=None,
                      label_smoothing=0.0, lr=LR, weight_decay=0.0):
    """The loop a PyTorch user writes by hand (tensors on the device, index per batch).

    ``class_weight`` (per class) and ``label_smoothing`` go to ``F.cross_entropy``,
    ``lr`` and ``weight_decay`` to AdamW (``benchmarks/bench_small_fit.py`` matches
    the estimator's defaults with them).
    """
    Xt = torch.as_tensor(X, device=device)
    yt = torch.as_tensor(y, device=device)
    weight = (None if class_weight is None
              else torch.as_tensor(class_weight, dtype=Xt.dtype, device=device))
    model = MLP(X.shape[1], 2, hidden).to(device)
    opt = torch.optim.AdamW(model.parameters(), **optimizer_kwargs(device, lr, weight_decay))
    n = Xt.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(Xt[idx]), yt[idx], weight=weight,
                                   label_smoothing=label_smoothing)
            loss.backward()
            opt.step()
    if device.type == "cuda":
        torch.cuda.synchronize()


def skorch_default(X, y, epochs, batch_size, device):
    """skorch's NeuralNetClassifier with its default DataLoader on numpy input."""
    net = NeuralNetClassifier(
        MLP, module__n_features=X.shape[1], module__n_outputs=2, module__hidden_layer_sizes=HIDDEN,
        criterion=nn.CrossEntropyLoss, optimizer=torch.optim.AdamW,
        **{f"optimizer__{k}": v for k, v in optimizer_kwargs(device).items() if k != "lr"},
        lr=LR, batch_size=batch_size, max_epochs=epochs, train_split=None,
        iterator_train__shuffle=True, device=str(device), verbose=0,
    )
    net.fit(X, y)
    if device.type == "cuda":
        torch.cuda.synchronize()


def sklearn_losses_fit(X, y, epochs, batch_size, device, preprocessing="auto"):
    """This package: WeightedLossClassifier on the skorch engine over device tensors.

    Every parameter that changes the work done per epoch is pinned; the
    estimator builds AdamW with ``weight_decay`` and ``fused`` as in
    :func:`optimizer_kwargs`. ``preprocessing`` is the default ``"auto"``:
    the raw-table encoder (median centring, robust scaling and smooth
    clipping of every column) is part of the timed fit.
    """
    WeightedLossClassifier(
        loss="cross_entropy", reweight=None, hidden_layer_sizes=HIDDEN, activation="relu",
        dropout=0.0, batch_size=batch_size, batch_sampler="random", max_epochs=epochs, lr=LR,
        weight_decay=0.0, early_stopping=False, calibration=None, device=str(device), verbose=0,
        preprocessing=preprocessing,
    ).fit(X, y)
    if device.type == "cuda":
        torch.cuda.synchronize()


def sklearn_losses_loop(X, y, epochs, batch_size, device):
    """:func:`sklearn_losses_fit` with ``preprocessing=None``: the training loop alone."""
    sklearn_losses_fit(X, y, epochs, batch_size, device, preprocessing=None)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--skip-skorch", action="store_true", help="skip skorch's (slow) default loop")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's own choice)")
    parser.add_argument("--clock", choices=("wall", "process"), default="wall",
                        help="wall: elapsed seconds; process: this process's CPU seconds, "
                             "which a busy machine inflates less (with --threads 1)")
    parser.add_argument("--quick", action="store_true",
                        help="5k rows, 1 epoch, 1 repeat: checks the script, not the figures")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.epochs, args.repeats = 5_000, 1, 1

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    rng = np.random.RandomState(0)
    X = rng.standard_normal((args.rows, args.features)).astype(np.float32)
    y = (X[:, :5].sum(1) + rng.standard_normal(args.rows) > 1.5).astype(np.int64)

    trainers = {HAND: hand_written_loop, OURS: sklearn_losses_fit, OURS_LOOP: sklearn_losses_loop}
    if not args.skip_skorch:
        trainers[SKORCH] = skorch_default
    # warm-up (allocator, kernels, imports)
    for fn in trainers.values():
        fn(X[:4096], y[:4096], 1, args.batch_size, device)

    clock = time.process_time if args.clock == "process" else time.perf_counter
    times = {name: [] for name in trainers}
    for _ in range(args.repeats):
        for name, fn in trainers.items():
            t0 = clock()
            fn(X, y, args.epochs, args.batch_size, device)
            times[name].append((clock() - t0) / args.epochs)

    opt = ", ".join(f"{k}={v}" for k, v in optimizer_kwargs(device).items())
    print(f"{args.rows} x {args.features} rows, batch {args.batch_size}, MLP "
          f"{args.features}->{HIDDEN[0]}->{HIDDEN[1]}->2, AdamW({opt}), device {device}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads; median of "
          f"{args.repeats} runs x {args.epochs} epochs, {args.clock} clock")
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    ours = medians[OURS]
    speedups = {name: med / ours for name, med in medians.items()}
    print(f"{'trainer':<36}{'s/epoch':>10}{'rows/s':>12}{'sklearn-losses speed-up':>26}")
    for name, med in medians.items():
        target = f"  (target >= {TARGETS[name]:.1f}x)" if name in TARGETS else ""
        print(f"{name:<36}{med:>10.3f}{args.rows / med:>12.0f}{speedups[name]:>25.2f}x{target}")
    return {"seconds_per_epoch": medians, "speedup": speedups}


if __name__ == "__main__":
    main()
