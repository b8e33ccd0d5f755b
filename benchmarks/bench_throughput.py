"""Training throughput: WeightedLossClassifier vs a hand-written PyTorch loop vs skorch's default loop.

Same network (n_features -> 256 -> 256 -> 2, ReLU), Adam(W) at lr 1e-3,
batch 256, cross-entropy, shuffled every epoch, no validation. The three
trainers run interleaved ``--repeats`` times in one process and the median
time per epoch of each is reported, with the ratios the foundation issue
targets (>= 1.0x the hand loop, >= 1.8x skorch's default loop).

    python benchmarks/bench_throughput.py                 # 100k x 50, CPU
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


def hand_written_loop(X, y, epochs, batch_size, device):
    """The loop a PyTorch user writes by hand (tensors on the device, index per batch)."""
    Xt = torch.as_tensor(X, device=device)
    yt = torch.as_tensor(y, device=device)
    model = MLP(X.shape[1], 2, (256, 256)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = Xt.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            opt.zero_grad()
            loss = F.cross_entropy(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    if device.type == "cuda":
        torch.cuda.synchronize()


def skorch_default(X, y, epochs, batch_size, device):
    """skorch's NeuralNetClassifier with its default DataLoader on numpy input."""
    net = NeuralNetClassifier(
        MLP, module__n_features=X.shape[1], module__n_outputs=2, module__hidden_layer_sizes=(256, 256),
        criterion=nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=1e-3,
        batch_size=batch_size, max_epochs=epochs, train_split=None,
        iterator_train__shuffle=True, device=str(device), verbose=0,
    )
    net.fit(X, y)


def sklearn_losses_fit(X, y, epochs, batch_size, device):
    """This package: WeightedLossClassifier on the skorch engine over device tensors."""
    WeightedLossClassifier(hidden_layer_sizes=(256, 256), batch_size=batch_size, max_epochs=epochs,
                           lr=1e-3, early_stopping=False, device=str(device)).fit(X, y)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--skip-skorch", action="store_true", help="skip skorch's (slow) default loop")
    args = parser.parse_args(argv)

    device = torch.device(args.device)
    rng = np.random.RandomState(0)
    X = rng.standard_normal((args.rows, args.features)).astype(np.float32)
    y = (X[:, :5].sum(1) + rng.standard_normal(args.rows) > 1.5).astype(np.int64)

    trainers = {"hand-written torch loop": hand_written_loop, "sklearn-losses": sklearn_losses_fit}
    if not args.skip_skorch:
        trainers["skorch default loop"] = skorch_default
    # warm-up (allocator, kernels, imports)
    for fn in trainers.values():
        fn(X[:4096], y[:4096], 1, args.batch_size, device)

    times = {name: [] for name in trainers}
    for _ in range(args.repeats):
        for name, fn in trainers.items():
            t0 = time.perf_counter()
            fn(X, y, args.epochs, args.batch_size, device)
            times[name].append((time.perf_counter() - t0) / args.epochs)

    print(f"{args.rows} x {args.features} rows, batch {args.batch_size}, MLP "
          f"{args.features}->256->256->2, device {device}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; median of {args.repeats} runs x {args.epochs} epochs")
    ours = statistics.median(times["sklearn-losses"])
    print(f"{'trainer':<26}{'s/epoch':>10}{'rows/s':>12}{'sklearn-losses speed-up':>26}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<26}{med:>10.3f}{args.rows / med:>12.0f}{med / ours:>25.2f}x")


if __name__ == "__main__":
    main()
