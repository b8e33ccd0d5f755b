"""The losses and re-weighting schemes that ``sklearn-losses list-losses`` lists.

GENERATED from the registries by ``python -m sklearn_losses.cli.make_catalog``:
do not edit by hand. ``tests/cli/test_cli_list_losses.py`` fails when this
table is out of date. Static, so that ``list-losses`` imports neither the
losses nor torch.
"""

__all__ = ["LOSSES", "REWEIGHTINGS"]

#: ``(name, family, kind, min_classes, max_classes or None, description)``, by name.
LOSSES = (
    ('anyloss_accuracy', 'metric', 'batch', 2, None,
     'AnyLoss accuracy: 1 - (TP + TN) / N on the soft confusion matrix.'),
    ('anyloss_balanced_accuracy', 'metric', 'batch', 2, None,
     'AnyLoss balanced accuracy: 1 - (TPR + TNR) / 2 on the soft confusion matrix.'),
    ('anyloss_f1', 'metric', 'batch', 2, None,
     'AnyLoss F1: 1 - F_1 on the soft confusion matrix.'),
    ('anyloss_fbeta', 'metric', 'batch', 2, None,
     'AnyLoss F-beta: 1 - F_beta on the soft confusion matrix.'),
    ('anyloss_gmean', 'metric', 'batch', 2, None,
     'AnyLoss G-mean surrogate: 1 - TPR * TNR on the soft confusion matrix.'),
    ('auc_pairwise', 'ranking', 'batch', 2, None,
     'Mann-Whitney (MW) loss: logistic loss on pairwise score differences.'),
    ('auc_square', 'ranking', 'batch', 2, None,
     'AUC-margin (AUC-M) square loss with its auxiliary variables solved on the batch.'),
    ('balanced_softmax', 'imbalance', 'pointwise', 2, None,
     'Balanced softmax: cross-entropy on logits shifted by the log prior.'),
    ('ce_smooth_ap', 'ranking', 'batch', 2, None,
     "Cross-entropy plus a Smooth-AP surrogate of the batch's average precision."),
    ('comp_sum', 'robust', 'pointwise', 2, None,
     'Comp-sum loss: the family joining cross-entropy, GCE and MAE.'),
    ('cross_entropy', 'standard', 'pointwise', 2, None,
     'Softmax cross-entropy, optionally with label smoothing.'),
    ('dice', 'imbalance', 'pointwise', 2, None,
     'Per-sample self-adjusting dice loss, averaged one-vs-rest over classes.'),
    ('encouraging', 'calibration', 'pointwise', 2, None,
     'Encouraging loss: cross-entropy with a bonus for well-classified samples.'),
    ('ensloss', 'ranking', 'batch', 2, 2,
     'EnsLoss: a random convex, classification-calibrated margin loss per batch.'),
    ('focal', 'imbalance', 'pointwise', 2, None,
     'Focal loss: cross-entropy down-weighted on well-classified samples.'),
    ('gce', 'robust', 'pointwise', 2, None,
     'Generalized cross-entropy (the L_q loss).'),
    ('ldam', 'imbalance', 'pointwise', 2, None,
     'Label-distribution-aware margin (LDAM) loss.'),
    ('ldr_kl', 'robust', 'pointwise', 2, None,
     'Label distributionally robust loss with a KL penalty (LDR-KL).'),
    ('logit_adjusted', 'imbalance', 'pointwise', 2, None,
     'Logit-adjusted cross-entropy: cross-entropy on prior-shifted logits.'),
    ('logit_clip', 'wrappers', 'pointwise', 2, None,
     'Logit clipping: evaluate any loss on logits whose norm is capped.'),
    ('mae', 'robust', 'pointwise', 2, None,
     'Mean absolute error between the softmax and the one-hot label.'),
    ('nce', 'robust', 'pointwise', 2, None,
     'Normalised cross-entropy.'),
    ('nce_rce', 'robust', 'pointwise', 2, None,
     'Active-passive loss NCE + RCE.'),
    ('nfl_rce', 'robust', 'pointwise', 2, None,
     'Active-passive loss NFL + RCE (normalised focal plus reverse cross-entropy).'),
    ('poly1', 'imbalance', 'pointwise', 2, None,
     'Poly-1 loss: cross-entropy with a perturbed first polynomial coefficient.'),
    ('sce', 'robust', 'pointwise', 2, None,
     'Symmetric cross-entropy: cross-entropy plus reverse cross-entropy.'),
    ('squentropy', 'calibration', 'pointwise', 2, None,
     'Squentropy: cross-entropy plus the mean squared logit of the wrong classes.'),
    ('tversky', 'imbalance', 'pointwise', 2, None,
     'Per-sample Tversky loss, averaged one-vs-rest over classes.'),
    ('zloss_spherical', 'calibration', 'pointwise', 3, None,
     'Z-loss: a softplus of the standardised target logit (spherical family).'),
)

#: ``(name, description)`` of the re-weighting schemes, by name (``none`` is the CLI's own).
REWEIGHTINGS = (
    ('balanced',
     'Inverse class frequency, c_j = n / (K n_j).'),
    ('class_balanced',
     'Effective-number class-balanced weights (Cui et al., CVPR 2019).'),
    ('dro_kl',
     'Instance re-weighting by KL-regularised distributionally robust optimisation.'),
    ('drw',
     'Deferred re-weighting (DRW): unweighted first, class-balanced later.'),
    ('inverse_sqrt',
     'Square-root inverse frequency, c_j ∝ n_j^(-1/2), with Σ_j c_j = K.'),
)
