"""Batch weighting: one reducer turns a batch into the scalar training loss.

Every loss of the zoo takes ``loss(logits, target, sample_weight)`` and
reduces with a weighted mean (or weight shares, for batch-level losses). What
the weights are is decided here, once, for every loss:

- the user's ``sample_weight`` of the batch's rows (already relative, see
  :func:`sklearn_losses._checks.relative_weights`);
- times the class weights in force (``reweight``; a schedule such as
  deferred re-weighting replaces them between epochs);
- times, while training, the instance weights of an instance-level scheme
  (``dro_kl``), drawn from the detached per-sample losses;
- for an ensemble output ``(batch, k, K)`` (TabM), the mean of the members'
  losses, each with the same weights;
- for a binary loss that measures one class (a soft F-score, average
  precision) when the plan trains it on the class of index 0 (the minority),
  the two classes swapped: the loss gets ``logits.flip(-1)`` and
  ``1 - target``, so that its positive class is the minority (the weights
  above are those of the rows' own classes).

In-batch resampling (``batch_sampler="balanced"``) needs no weight of its
own: the sampler repeats and subsamples rows, so each batch already holds
the classes equally, and the reducer applies the weights above unchanged
(``reweight="auto"`` resolves to None there, so the prior is not corrected
twice). As in pytorch-metric-learning, the reducer is apart from the losses,
so that no loss re-implements any of this.
"""

from __future__ import annotations

import torch

from ..losses.base import weighted_mean

__all__ = ["BatchReducer"]


class BatchReducer:
    """The training loss of a batch from per-row weights, class weights and instance weights.

    Parameters
    ----------
    class_weight : torch.Tensor of shape (K,) or None
        Class weights multiplied into the sample weights; a
        ``engine.callbacks.ClassWeightSchedule`` may
        replace it between epochs.
    instance_weighting : Reweighting or None
        An instance-level scheme (``"dro_kl"``): its ``instance_weights`` of
        the detached per-sample training losses multiply the batch weights.
    swap_classes : bool, default=False
        Binary problems: give the loss the two classes swapped (logits in
        reverse order, targets ``1 - y``), so that a loss measuring its
        index-1 class measures the class of index 0.
    """

    def __init__(self, class_weight=None, instance_weighting=None, swap_classes=False):
        self.class_weight = class_weight
        self.instance_weighting = instance_weighting
        self.swap_classes = swap_classes

    def weights(self, y_true, sample_weight):
        """Per-row weights of a batch: ``sample_weight`` times the class weights (or None)."""
        cw = self.class_weight
        if cw is None:
            return sample_weight
        cw = cw.index_select(0, y_true)
        return cw if sample_weight is None else sample_weight * cw

    def __call__(self, criterion, y_pred, y_true, sample_weight=None, training=False):
        """The scalar loss of ``criterion`` on a batch.

        Parameters
        ----------
        criterion : Loss
        y_pred : torch.Tensor of shape (n, K), or (n, k, K) for an ensemble
        y_true : torch.Tensor of shape (n,)
        sample_weight : torch.Tensor of shape (n,) or None
        training : bool
            Instance-level weights apply to training batches only.
        """
        weights = self.weights(y_true, sample_weight)
        if self.swap_classes:
            y_pred, y_true = y_pred.flip(-1), 1 - y_true
        instance = self.instance_weighting if training else None
        if y_pred.ndim == 3:
            return self._ensemble(criterion, y_pred, y_true, weights, instance)
        if instance is not None:
            return self._instance_weighted(instance, criterion.loss_per_sample(y_pred, y_true),
                                           weights)
        return criterion(y_pred, y_true, sample_weight=weights)

    @staticmethod
    def _instance_weighted(scheme, per_sample, weights):
        """Mean of per-sample losses under the instance-level scheme's weights (which fold
        in the sample weights)."""
        return weighted_mean(per_sample, scheme.instance_weights(per_sample, weights))

    def _ensemble(self, criterion, y_pred, y_true, weights, instance):
        """Mean over the members of an ensemble output ``(batch, k, K)`` of each member's loss.

        Pointwise losses see the ``batch * k`` rows at once, targets and
        weights repeated: every member has the same weights, so the weighted
        mean over all rows is the mean of the members' weighted means.
        Instance-level weights (``dro_kl``) are drawn per member, and
        batch-level losses are evaluated per member.
        """
        n, k, n_classes = y_pred.shape
        if not criterion.pointwise:
            return torch.stack([criterion(y_pred[:, j], y_true, sample_weight=weights)
                                for j in range(k)]).mean()
        flat, target = y_pred.reshape(n * k, n_classes), y_true.repeat_interleave(k)
        if instance is not None:
            per_sample = criterion.loss_per_sample(flat, target).view(n, k)
            return torch.stack([self._instance_weighted(instance, per_sample[:, j], weights)
                                for j in range(k)]).mean()
        return criterion(flat, target,
                         sample_weight=None if weights is None else weights.repeat_interleave(k))
