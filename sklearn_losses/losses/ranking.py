r"""Batch-level ranking losses: AUC surrogates and stochastic margin-loss ensembles.

- ``auc_pairwise``: the Mann-Whitney (MW) loss, logistic loss on all
  positive-negative score differences of the batch.
- ``auc_square``: the AUC-margin (AUC-M) square loss, its min-max auxiliary
  variables solved exactly on the batch.
- ``ensloss``: EnsLoss, a random convex calibrated margin loss drawn per
  batch through its derivative (binary only).
- ``ce_smooth_ap``: cross-entropy plus a Smooth-AP surrogate of the batch's
  average precision, a ranking-aware objective that keeps the probabilities
  of cross-entropy.

``auc_pairwise`` and ``auc_square`` are binary losses extended to ``K > 2``
by the one-vs-rest macro rule of
:meth:`~sklearn_losses.losses.base.BatchLoss.ovr_mean`.
"""

from __future__ import annotations

from numbers import Integral, Real

import torch
import torch.nn.functional as F
from sklearn.utils._param_validation import Interval

from .base import EPS, BatchLoss, register_loss, split_weights, target_nll, weighted_mean

__all__ = ["AUCPairwiseLoss", "AUCSquareLoss", "CESmoothAPLoss", "EnsLoss"]


_OVR_NOTES = r"""
    **Binary vs multiclass.** For ``K = 2`` the score is
    :math:`s = z_1 - z_0` (class 1 is positive). For ``K > 2`` the loss is
    the one-vs-rest macro average over classes :math:`k`, with
    :math:`s_k = z_k - \log\sum_{j\ne k} e^{z_j}` (so
    :math:`\sigma(s_k) = p_k`, the softmax probability) and
    :math:`y_k = 1[y = k]`, over the classes with positive weight on both
    sides in the batch. A batch where no class qualifies (e.g. a single
    class) returns a graph-connected zero and increments
    ``n_degenerate_batches_``.

    **Batch composition matters.** Only pairs / class statistics inside
    the batch are seen, so the batch AUC is not the dataset AUC (Simpson's
    bias, :ref:`design-simpson`). Use large stratified batches
    (at least 256, or full batch on small tables; the estimator's
    ``batch_sampler="auto"`` stratifies them and merges a small last batch
    into the previous one).
    Weights enter the pair sums / class moments; ``reweight=None`` is
    recommended since AUC is insensitive to the class prior.

    **Not calibrated.** A ranking loss only orders the scores: it is
    invariant (``auc_pairwise``) or nearly so to shifting them, so
    ``predict_proba`` is not a probability. Recalibrate post hoc
    (temperature / Platt scaling, :ref:`design-calibration`) and tune the decision
    threshold on validation data.
"""


def _with_notes(cls):
    cls.__doc__ = cls.__doc__.rstrip() + "\n" + _OVR_NOTES
    return cls


def _class_mean(values, weight):
    """Column-wise weighted means of ``values`` under non-negative ``weight``, shape ``(C,)``."""
    return (weight * values).sum(0) / weight.sum(0).clamp_min(EPS)


@register_loss("auc_pairwise")
@_with_notes
class AUCPairwiseLoss(BatchLoss):
    r"""Mann-Whitney (MW) loss: logistic loss on pairwise score differences.

    *Optimizing What Matters: AUC-Driven Learning for Robust Neural
    Retrieval* (Sheikholeslami, Hosseini, Bechard, Daruru and Rajeswar;
    arXiv:2510.00137, 2025). With positives :math:`P`, negatives
    :math:`N` of the batch, scores :math:`s` and weights :math:`w`,

    .. math::

        \ell = \frac{\sum_{i\in P}\sum_{j\in N} w_i w_j
                     \log\bigl(1 + e^{-(s_i - s_j)}\bigr)}
                    {\sum_{i\in P}\sum_{j\in N} w_i w_j},

    binary cross-entropy on the pair differences, a smooth surrogate of the
    Mann-Whitney statistic (= ROC-AUC). Since
    :math:`\log(1+e^{-d})/\log 2 \ge 1[d \le 0]`,
    :math:`\ell/\log 2 \ge 1 - \mathrm{AUC}_{\text{batch}}` (ties counted as
    errors); :math:`\ell = \log 2` when all scores are equal, and
    :math:`\ell` is invariant to adding a constant to every score.

    No hyper-parameters. Cost :math:`O(|P|\,|N|)` per batch (and class).

    Notes
    -----
    The paper trains retrievers and pairs the documents of each query; using
    all positive-negative pairs of the batch is this package's adaptation
    to tabular classification (no reference code exists; the formula is the
    paper's abstract description, BCE over score differences).
    """

    def __init__(self):
        super().__init__()
        self._validate()

    @staticmethod
    def binary_loss(scores, y01, weight):
        """Weighted mean logistic loss over the positive-negative pairs of each column.

        Each row is a positive of at most one column (one-vs-rest), so all
        columns are done with one ``(|P|, n)`` matrix: row ``i`` of the
        positives ``P`` against every sample ``j`` on the column ``c_i`` of
        its class, masked to the negatives of that column, then summed per
        column.
        """
        n_cols = scores.shape[1]
        pos_rows, pos_cols = y01.nonzero(as_tuple=True)
        pos_score = scores[pos_rows, pos_cols]  # s_{i, c_i}
        col_scores = scores.index_select(1, pos_cols).T  # (|P|, n): s_{j, c_i}
        neg = 1.0 - y01.index_select(1, pos_cols).T  # 1[j is a negative of c_i]
        pair_weight = weight[pos_rows].unsqueeze(1) * (weight.unsqueeze(0) * neg)
        pair_loss = F.softplus(col_scores - pos_score.unsqueeze(1))  # log(1 + e^{-(s_i - s_j)})
        zeros = scores.new_zeros(n_cols)
        num = zeros.index_add(0, pos_cols, (pair_weight * pair_loss).sum(1))
        den = zeros.index_add(0, pos_cols, pair_weight.sum(1))
        return num / den.clamp_min(EPS**2)


@register_loss("auc_square")
@_with_notes
class AUCSquareLoss(BatchLoss):
    r"""AUC-margin (AUC-M) square loss with its auxiliary variables solved on the batch.

    *Large-scale Robust Deep AUC Maximization: A New Surrogate Loss and
    Empirical Studies on Medical Image Classification* (Yuan, Yan, Sonka
    and Yang, ICCV 2021), as implemented by ``AUCMLoss`` in LibAUC. With
    :math:`h_i = \sigma(s_i)`, margin :math:`m` and class-conditional
    weighted means and variances over the batch,

    .. math::

        \ell = \mathrm{Var}_w(h \mid y=1) + \mathrm{Var}_w(h \mid y=0)
               + \max\bigl(0,\; m - (\bar h_{+} - \bar h_{-})\bigr)^2,

    where :math:`\bar h_{\pm}` are the weighted class means of :math:`h`.
    :math:`\ell \ge 0`, and :math:`\ell = 0` only if :math:`h` is constant
    within each class with :math:`\bar h_+ - \bar h_- \ge m`. It is
    unchanged when the labels are swapped and :math:`h \to 1 - h`.

    Parameters
    ----------
    margin : float in (0, 100], default=1.0
        :math:`m`. LibAUC's default is 1.0 with search space
        {0.6, 0.8, 1.0}. Since :math:`0 < h < 1`, ``margin=1`` keeps a
        hinge term active for every batch (the class means are always pushed
        apart); a larger margin only scales the hinge's gradient, and the
        bound keeps it finite.

    Notes
    -----
    LibAUC's ``AUCMLoss(version="v2")`` is the min-max objective
    :math:`\mathbb{E}_+[(h-a)^2] + \mathbb{E}_-[(h-b)^2] +
    2\alpha(m + \mathbb{E}_-[h] - \mathbb{E}_+[h]) - \alpha^2`, with
    :math:`a, b, \alpha \ge 0` learnt across batches by the PESG optimiser.
    Deliberate deviation: here they are solved exactly on each batch
    (:math:`a = \bar h_+`, :math:`b = \bar h_-`,
    :math:`\alpha = \max(0, m - (\bar h_+ - \bar h_-))`), which gives the
    formula above and needs no special optimiser. The default ``"v1"`` of
    LibAUC equals this objective times the constant :math:`p(1-p)`
    (:math:`p` the positive share).
    """

    _parameter_constraints = {
        "margin": [Interval(Real, 0, 100, closed="right")],
    }

    def __init__(self, margin=1.0):
        super().__init__()
        self.margin = margin
        self._validate()

    def binary_loss(self, scores, y01, weight):
        """Class variances of ``h = sigmoid(score)`` plus the squared margin hinge, per column."""
        h = torch.sigmoid(scores)
        w_pos, w_neg = split_weights(weight.unsqueeze(1), y01)
        mean_pos = _class_mean(h, w_pos)
        mean_neg = _class_mean(h, w_neg)
        var_pos = _class_mean((h - mean_pos) ** 2, w_pos)
        var_neg = _class_mean((h - mean_neg) ** 2, w_neg)
        hinge = torch.relu(self.margin - (mean_pos - mean_neg))
        return var_pos + var_neg + hinge**2


@register_loss("ensloss")
class EnsLoss(BatchLoss):
    r"""EnsLoss: a random convex, classification-calibrated margin loss per batch.

    *EnsLoss: Stochastic Calibrated Loss Ensembles for Preventing
    Overfitting in Classification* (Ben Dai; arXiv:2409.00908, 2024).
    Instead of a fixed loss :math:`\phi(m)` of the margins
    :math:`m_i = \tilde y_i s_i` (:math:`\tilde y = 2y - 1`,
    :math:`s = z_1 - z_0`), every batch samples the loss *derivatives*
    :math:`g_i = \phi'(m_i)` of a random convex calibrated loss
    (non-decreasing :math:`\phi'` with :math:`\phi'(0) < 0`):

    1. draw :math:`u_i \sim \mathcal N(0, 1)` and set
       :math:`g_i = -\mathrm{BoxCox}^{-1}_\lambda(u_i)`, with
       :math:`\mathrm{BoxCox}^{-1}_\lambda(u) = \max(1 + \lambda u, 0)^{1/\lambda}`
       and :math:`\mathrm{BoxCox}^{-1}_0(u) = e^{u}`;
    2. sort the :math:`g_i` ascending and give them to the samples sorted by
       margin ascending (the most negative derivative to the smallest
       margin: :math:`\phi'` non-decreasing, i.e. :math:`\phi` convex);
    3. clip :math:`g_i \ge -1`; divide by :math:`m_i` where :math:`m_i > 1`
       (super-linearly vanishing tail); subtract :math:`10^{-6}` (strictly
       negative derivatives, hence calibrated);
    4. return

    .. math::

        \ell = \frac{\sum_i w_i\, \mathrm{sg}(g_i)\, m_i}{\sum_i w_i},

    with :math:`\mathrm{sg}` stop-gradient, so that
    :math:`\partial \ell / \partial m_i = w_i g_i / \sum_j w_j` is the sampled
    derivative and :math:`\partial\ell/\partial s_i` has the sign of
    :math:`-\tilde y_i`.

    Parameters
    ----------
    lam : float in [-10, 10], default=0.0
        Box-Cox :math:`\lambda` of step 1 (0 gives :math:`g = -e^{u}`, a
        log-normal derivative). The reference training loop draws it from
        [-1, 1); that range is a sensible grid. Beyond 10 in absolute value
        the derivatives are all -1 or 0 (no randomness left).
    random_state : None or int in [0, 2**32 - 1], default=None
        Seed of the ``torch.Generator`` used for the draws. An int gives a
        reproducible sequence of losses: equal seeds give identical values,
        and a freshly built or cloned loss (``sklearn.base.clone``) or a
        call to ``set_params`` restarts the sequence from the seed; a
        pickled loss resumes where it stopped. None draws from torch's
        global CPU generator (so ``torch.manual_seed`` controls it).

    Notes
    -----
    **Binary only** (``max_classes = 2``): ``K > 2`` raises ``ValueError``;
    use :class:`sklearn.multiclass.OneVsRestClassifier` for multiclass
    problems (:ref:`design-ovr`). A batch with a single class is *not*
    degenerate: the margin loss is defined per sample.

    **Batch composition matters**: the sort couples the samples of a batch,
    so the loss depends on the batch size and content; use large stratified
    batches (:ref:`design-batches`, :ref:`design-simpson`). **Stochastic**: the value changes from call
    to call and carries no meaning; early-stop and select on a validation
    scorer. **Not calibrated**: the scores are margins, recalibrate
    ``predict_proba`` post hoc (:ref:`design-calibration`).

    Reference code: ``ensLoss`` in ``losses.py`` of ``statmlben/ensLoss``
    (PyTorch), followed for steps 1-4. Deliberate deviations:

    - sample weights give the weighted mean of step 4 (the reference takes a
      plain mean); the draws do not depend on the weights;
    - draws come from a seeded ``torch.Generator`` on the CPU and are moved
      to the logits' device (the reference uses the global generator and a
      hard-coded ``"cuda"`` device); they are drawn in float64 and cast to
      the logits' dtype, so a seed gives the same sequence for every dtype
      and device;
    - the margin sort is stable, so tied margins are matched reproducibly;
    - the reference class has a ``period = 10`` attribute that the loss never
      reads. Its training loop (``Trainer`` in ``train.py``) has its own
      ``period`` argument (default -1, off) that re-draws ``lam`` uniformly
      from [-1, 1) every ``period`` epochs. That is a training schedule, not
      part of the loss, and is not ported: ``lam`` stays fixed (tune it, or
      change it between epochs with ``set_params`` from a callback).
    """

    max_classes = 2
    stochastic = True
    # batch-level only because its loss is drawn per batch: a margin loss that leaves the
    # class prior alone, so it gets the default class weights as pointwise losses do
    handles_imbalance = False

    _parameter_constraints = {
        "lam": [Interval(Real, -10, 10, closed="both")],
        "random_state": [None, Interval(Integral, 0, 2**32 - 1, closed="both")],
    }

    def __init__(self, lam=0.0, random_state=None):
        super().__init__()
        self.lam = lam
        self.random_state = random_state
        self._generator = None
        self._validate()

    def set_params(self, **params):
        """Set hyper-parameters and restart the random sequence from ``random_state``."""
        super().set_params(**params)
        self._generator = None
        return self

    def _get_generator(self):
        if self.random_state is None:
            return None  # torch's default CPU generator
        if self._generator is None:
            self._generator = torch.Generator(device="cpu").manual_seed(int(self.random_state))
        return self._generator

    def _box_cox_inverse(self, u):
        if abs(self.lam) < 1e-8:  # the lam -> 0 limit; avoids overflow in 1 / lam
            return torch.exp(u)
        # base 0 with lam < 0 gives +inf, clipped to g = -1 below (as in the reference).
        return (1.0 + self.lam * u).clamp_min(0.0).pow(1.0 / self.lam)

    def sample_derivatives(self, margins: torch.Tensor) -> torch.Tensor:
        """Steps 1-3: one derivative per sample, matched to the (detached) margins."""
        n = margins.shape[0]
        draws = torch.randn(n, generator=self._get_generator(), dtype=torch.float64)
        g_sorted = torch.sort(-self._box_cox_inverse(draws)).values.clamp_min(-1.0)
        g_sorted = g_sorted.to(device=margins.device, dtype=margins.dtype)
        order = torch.argsort(margins, stable=True)
        g = torch.empty_like(margins)
        g[order] = g_sorted
        # g / m for m > 1, unchanged for m <= 1; then strictly negative.
        return g / margins.clamp_min(1.0) - 1e-6

    def forward(self, logits, target, sample_weight=None):
        target, sample_weight = self._check_inputs(logits, target, sample_weight)
        self.check_n_classes(logits.shape[1])
        if bool(((target != 0) & (target != 1)).any()):  # 2y - 1 would take any integer
            raise IndexError(f"Target {target[(target != 0) & (target != 1)][0].item()} is "
                             "out of bounds: ensloss takes binary targets 0 and 1.")
        sign = 2.0 * target.to(logits.dtype) - 1.0
        margins = sign * (logits[:, 1] - logits[:, 0])
        g = self.sample_derivatives(margins.detach())
        return weighted_mean(g * margins, sample_weight)


def smooth_average_precision(scores, y01, weight, temperature):
    r"""Weighted Smooth-AP of each column of ``scores``, shape ``(C,)``.

    Brown, Xie, Kalogeiton and Zisserman, *Smooth-AP: Smoothing the Path
    Towards Large-Scale Image Retrieval* (ECCV 2020): the rank of a positive
    :math:`i` among all rows and among the positives, smoothed with
    :math:`\sigma_{ij} = \sigma((s_j - s_i)/\tau)`,

    .. math::

        \mathrm{AP} \approx \frac{\sum_{i \in P} w_i\, R_P(i) / R(i)}{\sum_{i\in P} w_i},
        \quad R(i) = \sum_{j} w_j\, \sigma_{ij}, \quad
        R_P(i) = \sum_{j \in P} w_j\, \sigma_{ij},

    the sums including :math:`j = i` (:math:`\sigma_{ii} = 1/2`). The paper
    counts the row itself as 1 (:math:`R(i) = 1 + \sum_{j \ne i}`); counting
    it, like every tie, as 1/2 makes the value depend on relative weights only
    and makes a weight :math:`k` exactly :math:`k` repeated rows (the
    package's rules for every loss). As :math:`\tau \to 0` it tends to the
    mid-rank average precision, :math:`\frac{1}{|P|}\sum_{i\in P}
    \frac{1/2 + |\{j \in P: s_j > s_i\}|}{1/2 + |\{j: s_j > s_i\}|}`.

    Parameters
    ----------
    scores, y01 : tensors of shape (n, C)
        Scores and 0/1 positive indicators of ``C`` one-vs-rest columns.
    weight : tensor of shape (n,)
        Non-negative row weights.
    temperature : float
    """
    s = scores.T  # (C, n)
    y = y01.T
    sig = torch.sigmoid((s[:, None, :] - s[:, :, None]) / temperature)  # [c, i, j]: s_j vs s_i
    rank_all = sig @ weight  # (C, n): sum over j of w_j sigma_ij, sigma_ii = 1/2
    rank_pos = torch.einsum("cij,cj->ci", sig, weight * y)
    pos_weight = weight * y
    # R(i) >= w_i / 2 > 0 for a row of positive weight; a row of weight 0 (or a negative)
    # does not count, and its R(i) may underflow to 0: dividing by 1 there keeps the value
    # and the gradient free of 0 / 0
    rank_all = torch.where(pos_weight > 0, rank_all, torch.ones_like(rank_all))
    return (pos_weight * rank_pos / rank_all).sum(1) / pos_weight.sum(1).clamp_min(EPS)


@register_loss("ce_smooth_ap")
@_with_notes
class CESmoothAPLoss(BatchLoss):
    r"""Cross-entropy plus a Smooth-AP surrogate of the batch's average precision.

    A ranking-aware objective for imbalanced data, where average precision
    is the metric that matters and plain cross-entropy ranks the rare class
    poorly:

    .. math::

        \ell = (1 - \lambda)\, \mathrm{CE} + \lambda\, (1 - \mathrm{SmoothAP}),

    :math:`\mathrm{CE}` the sample-weighted mean cross-entropy of the batch
    and :math:`\mathrm{SmoothAP}` the Smooth-AP of Brown, Xie, Kalogeiton and
    Zisserman (*Smooth-AP: Smoothing the Path Towards Large-Scale Image
    Retrieval*, ECCV 2020; :func:`smooth_average_precision`) of the positive
    class's score against the rest (one-vs-rest macro average for
    ``K > 2``), with pairwise ranks smoothed by
    :math:`\sigma((s_j - s_i)/\tau)`. Mixing a metric surrogate into a
    weighted cross-entropy follows the AnyLoss hybrids
    (:math:`(1 - r)\,\mathrm{WBCE} + r\,(1 - \mathrm{metric})`); LibAUC's AP
    loss (SOAP, Qi et al., NeurIPS 2021) estimates the same ranks across
    batches with moving averages instead.

    Parameters
    ----------
    ap_weight : float in [0, 1], default=0.5
        :math:`\lambda`. 0 is cross-entropy; 1 is the AP surrogate alone
        (no calibrated probabilities).
    temperature : float in [1e-3, 100], default=1.0
        :math:`\tau`, on the scale of the log-odds scores: a difference of
        :math:`\tau` counts as 73% "ranked above". The paper's 0.01 is for
        cosine similarities in [-1, 1]; on logits it would leave no gradient.

    Notes
    -----
    Cost :math:`O(n^2)` per batch and class. The cross-entropy term keeps
    the probabilities meaningful; the ranking term only reorders. The value
    of :math:`\lambda` was not tuned: cross-validate it with an AP scorer.
    """

    measures_positive_class = True
    _parameter_constraints = {
        "ap_weight": [Interval(Real, 0, 1, closed="both")],
        "temperature": [Interval(Real, 1e-3, 100, closed="both")],
    }

    def __init__(self, ap_weight=0.5, temperature=1.0):
        super().__init__()
        self.ap_weight = ap_weight
        self.temperature = temperature
        self._validate()

    def forward(self, logits, target, sample_weight=None):
        target, sample_weight = self._check_inputs(logits, target, sample_weight)
        ce = weighted_mean(target_nll(logits, target), sample_weight)
        lam = float(self.ap_weight)
        if lam == 0.0:
            return ce
        tau = float(self.temperature)

        def one_minus_ap(scores, y01, shares):
            # the weight shares (summing to 1), not the raw weights: only relative weights
            # matter, also at scales where the raw positive total falls under EPS
            return 1.0 - smooth_average_precision(scores, y01, shares, tau)

        ranking = self.ovr_mean(logits, target, sample_weight, one_minus_ap)
        return (1.0 - lam) * ce + lam * ranking
