"""The check of the weights a call's last optimizer step leaves (:class:`~.net.LossNet`).

An epoch's loss is measured before each of its steps, so the last step of a call is
measured by no later batch; :func:`check_last_step` measures it once training ends.
"""

from __future__ import annotations

import torch


def check_last_step(net) -> None:
    """Measure the weights the last step left, which no later batch measured.

    The loss of the last epoch's first batch (sane when it was measured, before the
    epoch's steps) is computed again with the final weights, in evaluation mode (no
    random draws; skipped for a loss that draws). If it diverged, the weights of the
    epoch's start are restored, as for a divergence found during training. Weights an
    early-stopping rule will restore instead (its best epoch) are not the final ones:
    nothing to check then.
    """
    batch = getattr(net, "_probe_", None)
    net._probe_ = None
    if batch is None or net._snapshot_ is None or getattr(net.criterion_, "stochastic",
                                                           False):
        return
    stopping = dict(net.callbacks_).get("early_stopping")
    if stopping is not None and getattr(stopping, "load_best", False) and getattr(
            stopping, "best_model_weights_", None) is not None:
        return
    Xi, yi = batch
    training = net.module_.training
    net._set_training(False)
    try:
        with torch.no_grad():
            logits = net.module_(Xi["X"]) if isinstance(Xi, dict) else net.module_(Xi)
            loss = float(net.get_loss(logits, yi, X=Xi).item())
    finally:
        net._set_training(training)
    divergence = net._divergence(loss)
    if divergence is None:
        return
    epoch = len(net.history)
    net._restore(net._snapshot_)
    net.kept_epoch_ = epoch - 1
    net.diverged_epoch_ = epoch
    net.divergence_ = f"{divergence}, measured after the last step"
    net.stop_reason_ = "diverged"
