r"""Cross-fitted bagging: k networks, each early-stopped on the fold it did not train on.

:class:`~sklearn_losses.CrossFitClassifier` splits the training rows into ``n_folds``
stratified folds and trains one member per fold: a clone of the estimator
fitted on the other ``n_folds - 1`` folds and early-stopped on its own
held-out fold (``fit(..., eval_set=(X_fold, y_fold))``). Every row is held
out by exactly one member, which predicts it: those *out-of-fold* (OOF)
probabilities are what the temperature and the decision threshold are fitted
on, so no row is spent twice (once to train, once to calibrate). At predict
time the members' probabilities are averaged. This is the k-fold bagging of
AutoGluon (Erickson et al., 2020) with which the strongest tabular networks of
TabArena (Erickson et al., 2025) are evaluated.

The machinery here (:func:`make_folds`, the member fits with a deadline and in
parallel) is shared with :class:`~sklearn_losses.LossPortfolioClassifier`,
which cross-fits several configurations on the same folds.

Modules: ``folds`` (:func:`make_folds`), ``members`` (the member fits),
``thresholds`` (temperature and decision threshold on the out-of-fold
probabilities), ``selection`` (ensemble selection on them, for the portfolio) and
``cross_fit`` (:class:`~sklearn_losses.CrossFitClassifier`).
"""

from .cross_fit import CrossFitClassifier
from .folds import make_folds
from .members import MemberFitError
from .thresholds import fit_proba_temperature, shrink_threshold, temperature_scale, tune_threshold

__all__ = ["CrossFitClassifier", "MemberFitError", "fit_proba_temperature", "make_folds",
           "shrink_threshold", "temperature_scale", "tune_threshold"]
