"""Quality: WeightedLossClassifier configurations vs the anchors users pick today.

Stratified K-fold CV (5 folds, fixed seed) on the KEEL imbalanced binary
tables (categorical columns one-hot encoded, numeric ones imputed and
standardized inside each fold) of ``WeightedLossClassifier`` configurations
(its defaults and a few named variants) and of the anchors: balanced logistic
regression, balanced histogram gradient boosting, imbalanced-learn's balanced
random forest, SMOTE + logistic regression, scikit-learn's MLPClassifier and a
plain skorch MLP trained with cross-entropy. Scores per fold: MCC and F1 of
the positive (minority) class at ``predict``, average precision, balanced
accuracy, ROC AUC and the fit time. Summaries: mean over datasets, mean rank
(1 = best, ties averaged) and W/T/L vs ``WeightedLossClassifier()``.

Writes the per-fit CSV to benchmarks/results/quality.csv, the tables to
docs/benchmarks/quality.md and a mean-rank plot to docs/benchmarks/quality.png
(``--imbalanced-sklearn``: ``quality_sklearn.*``; ``--out DIR``: all in DIR).

    python benchmarks/bench_quality.py --jobs 2                     # all KEEL tables
    python benchmarks/bench_quality.py --imbalanced-sklearn --jobs 2
    python benchmarks/bench_quality.py --only glass1 ecoli2 --out /tmp/quality
    python benchmarks/bench_quality.py --methods wlc_default hgb_balanced \\
        "wlc:loss=focal,reweight=inverse_sqrt" --datasets 5 --out /tmp/quality
    python benchmarks/bench_quality.py --quick --out /tmp/quality   # seconds
"""

from __future__ import annotations

import ast
import datetime
import functools
import importlib.util
import os
import platform
import re
import warnings

import numpy as np
import pandas as pd
import torch
from imblearn.datasets import make_imbalance
from imblearn.ensemble import BalancedRandomForestClassifier
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline as make_imblearn_pipeline
from sklearn import datasets as sk_datasets
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

import _common as common
from sklearn_losses import WeightedLossClassifier
from sklearn_losses.search import make_loss_search

#: Scores of a fit (higher is better), in table order.
METRICS = ("mcc", "average_precision", "balanced_accuracy", "roc_auc", "f1")
#: Column -> scorer name (``sklearn_losses.metrics.get_scorer``).
SCORING = {"mcc": "matthews_corrcoef", "average_precision": "average_precision",
           "balanced_accuracy": "balanced_accuracy", "roc_auc": "roc_auc", "f1": "f1"}
#: Lower is better.
COSTS = ("fit_s",)
LABELS = {"mcc": "MCC", "average_precision": "AP", "balanced_accuracy": "bal. acc.",
          "roc_auc": "ROC AUC", "f1": "F1 (pos.)", "fit_s": "fit s"}
REFERENCE = "wlc_default"
#: ``--quick --imbalanced-sklearn``: the two smallest made-imbalanced tables.
QUICK_SKLEARN = ("iris_1_vs_rest", "wine_0_vs_rest")


# ---------------------------------------------------------------- anchors
class AdaptiveSMOTE(SMOTE):
    """SMOTE whose ``k_neighbors`` shrinks to ``n_minority - 1`` on small classes.

    SMOTE needs ``k_neighbors + 1`` rows of the class it over-samples; a KEEL
    training fold can hold 4 positives. With a single minority row nothing is
    synthesized (the rows are returned unchanged, a warning is raised).
    ``k_neighbors_`` is the value used at the last ``fit_resample``.
    """

    def fit_resample(self, X, y, **params):
        counts = np.unique(y, return_counts=True)[1]
        k = min(int(self.k_neighbors), int(counts.min()) - 1)
        self.k_neighbors_ = k
        if k < 1:
            warnings.warn(f"AdaptiveSMOTE: a class has {counts.min()} row(s); not over-sampling.",
                          UserWarning, stacklevel=2)
            return X, y
        smote = SMOTE(sampling_strategy=self.sampling_strategy, random_state=self.random_state,
                      k_neighbors=k)
        return smote.fit_resample(X, y)


class TorchMLP(torch.nn.Module):
    """The plain MLP of the skorch anchor: Linear -> ReLU per hidden layer -> Linear (logits)."""

    def __init__(self, n_features=1, n_classes=2, hidden_layer_sizes=(128, 128)):
        super().__init__()
        layers, width = [], n_features
        for size in hidden_layer_sizes:
            layers += [torch.nn.Linear(width, size), torch.nn.ReLU()]
            width = size
        layers.append(torch.nn.Linear(width, n_classes))
        self.layers = torch.nn.Sequential(*layers)

    def forward(self, X):
        return self.layers(X)


class SkorchMLP(ClassifierMixin, BaseEstimator):
    """A ``skorch.NeuralNetClassifier`` as a user writes it, wrapped only to seed it.

    ``NeuralNetClassifier(TorchMLP, criterion=CrossEntropyLoss,
    optimizer=Adam, iterator_train__shuffle=True, train_split=ValidSplit(0.1,
    stratified=True), callbacks=[EarlyStopping(patience, load_best=True)])``
    on float32 inputs with skorch's default ``DataLoader``. The wrapper builds
    the net at ``fit`` (the input width is known then) after
    ``torch.manual_seed(random_state)``, which seeds the weights and the
    shuffling; ``net_`` is the fitted skorch net.
    """

    def __init__(self, hidden_layer_sizes=(128, 128), max_epochs=200, lr=1e-3, batch_size=256,
                 early_stopping=True, patience=10, tol=1e-4, validation_fraction=0.1,
                 random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.patience = patience
        self.tol = tol
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def fit(self, X, y):
        from skorch import NeuralNetClassifier
        from skorch.callbacks import EarlyStopping
        from skorch.dataset import ValidSplit

        X = np.asarray(X, dtype=np.float32)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        seed = 0 if self.random_state is None else int(self.random_state)
        torch.manual_seed(seed)
        callbacks, split = [], None
        if self.early_stopping:
            split = ValidSplit(self.validation_fraction, stratified=True, random_state=seed)
            callbacks = [EarlyStopping(patience=self.patience, threshold=self.tol,
                                       threshold_mode="rel", load_best=True, sink=_noop)]
        self.net_ = NeuralNetClassifier(
            TorchMLP, module__n_features=X.shape[1], module__n_classes=len(self.classes_),
            module__hidden_layer_sizes=tuple(self.hidden_layer_sizes),
            criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=self.lr,
            max_epochs=self.max_epochs, batch_size=self.batch_size,
            iterator_train__shuffle=True, train_split=split, callbacks=callbacks,
            classes=np.arange(len(self.classes_)), device="cpu", verbose=0)
        self.net_.fit(X, y_enc.astype(np.int64))
        self.n_iter_ = len(self.net_.history)
        return self

    def predict_proba(self, X):
        return self.net_.predict_proba(np.asarray(X, dtype=np.float32))

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _noop(*args, **kwargs):
    pass


class BalancedXGBClassifier(ClassifierMixin, BaseEstimator):
    """XGBoost with ``scale_pos_weight = n_negative / n_positive`` set from the training labels.

    XGBoost has no ``class_weight="balanced"``; its documentation recommends
    this ratio for binary imbalance. One thread, fixed seed.
    """

    def __init__(self, random_state=0):
        self.random_state = random_state

    def fit(self, X, y):
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        n_pos = max(int((y_enc == 1).sum()), 1)
        self.model_ = _xgboost(self.random_state, scale_pos_weight=(y_enc == 0).sum() / n_pos)
        self.model_.fit(X, y_enc)
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _catboost(seed, **params):
    from catboost import CatBoostClassifier

    return CatBoostClassifier(thread_count=1, random_seed=seed, verbose=0,
                              allow_writing_files=False, **params)


class _RawTableClassifier(ClassifierMixin, BaseEstimator):
    """Base of the screening wrappers below: they take the table as read (string and
    missing cells; ``make_model`` passes it on unencoded) and predict the most probable
    class of their ``predict_proba``."""

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = tags.input_tags.allow_nan = True
        return tags


class _CatBoostNative(_RawTableClassifier):
    """CatBoost on the table as read, its non-numeric columns (by the package's column rule)
    given as ``cat_features`` (CatBoost's ordered target statistics), numeric ones as
    float64 with missing values as NaN: CatBoost's own handling of categories, where the
    ``catboost*`` methods get the anchors' one-hot preprocessing."""

    def __init__(self, seed=0, params=None):
        self.seed = seed
        self.params = params

    def _frame(self, X):
        from sklearn_losses.columns import category_strings, to_numeric

        X = pd.DataFrame(X).reset_index(drop=True)
        out = {}
        for c in X.columns:
            if c in self.categorical_:
                out[c] = pd.Series(category_strings(X[c])).fillna("<missing>").astype(str)
            else:
                out[c] = to_numeric(X[c], str(c), warn=False)
        return pd.DataFrame(out, columns=X.columns)

    def fit(self, X, y):
        from sklearn_losses.columns import split_columns

        _, self.categorical_ = split_columns(pd.DataFrame(X))
        frame = self._frame(X)
        self.model_ = _catboost(self.seed, **(self.params or {}),
                                cat_features=[frame.columns.get_loc(c)
                                              for c in self.categorical_] or None)
        self.model_.fit(frame, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(self._frame(X))


def _lightgbm(seed, **params):
    from lightgbm import LGBMClassifier

    return LGBMClassifier(n_jobs=1, random_state=seed, verbose=-1, **params)


def _xgboost(seed, **params):
    from xgboost import XGBClassifier

    return XGBClassifier(n_jobs=1, random_state=seed, verbosity=0, **params)


#: Gradient-boosting anchors: method name -> the package it needs (the ``bench`` extra,
#: ``pip install -e ".[bench]"``). ``--methods all`` leaves out those not installed, with a note.
BOOSTING_PACKAGES = {"catboost": "catboost", "catboost_balanced": "catboost",
                     "catboost_balanced_native": "catboost",
                     "lightgbm": "lightgbm", "lightgbm_balanced": "lightgbm",
                     "xgboost": "xgboost", "xgboost_balanced": "xgboost"}


# ----------------------------------------------------------------- methods
def _crossfit(args, *, plain=False, **params):
    """``CrossFitClassifier`` of the default network. ``plain``: the network inside a
    ``Pipeline``, whose ``fit`` takes no ``eval_set``, so each member trains with its own
    stopping rule and its held-out fold only gives the out-of-fold predictions."""
    from sklearn.pipeline import Pipeline

    from sklearn_losses.ensemble import CrossFitClassifier

    net = Pipeline([("net", _wlc(args))]) if plain else _wlc(args)
    return CrossFitClassifier(net, random_state=args.seed, **params)


#: The portfolio shipped before the choose-split screening replaced it: four
#: configurations, 5 folds, selection on out-of-fold AP (its rows keep their names).
_FOUR_CONFIGS = {
    "default": {},
    "focal_class_balanced": {"loss": "focal", "reweight": "class_balanced"},
    "logit_adjusted": {"loss": "logit_adjusted"},
    "cross_entropy_balanced": {"loss": "cross_entropy", "reweight": "balanced",
                               "weight_decay": 0.0, "lr": 1e-3},
}


def _portfolio(args, refit=True, **extra_configs):
    """The four-configuration ``LossPortfolioClassifier`` (5 folds, AP selection, pinned as
    ``_refit_only_portfolio``), with ``extra_configs`` added last."""
    return _refit_only_portfolio(args, configs={**_FOUR_CONFIGS, **extra_configs}, n_folds=5,
                                 metric="average_precision", refit=refit)


def _default_portfolio(args, **params):
    """``LossPortfolioClassifier(**params)`` with the run's seed."""
    from sklearn_losses.portfolio import LossPortfolioClassifier

    return LossPortfolioClassifier(random_state=args.seed, **params)


def _quantile_configs():
    """The default portfolio before its piecewise-linear network took tree bins: that network
    on quantile bins (``n_iter_no_change=5``). Every portfolio method run before stays pinned
    to it."""
    return {"default": {}, "piecewise_linear": {"num_embeddings": "piecewise_linear",
                                                "n_iter_no_change": 5}}


def _quantile_portfolio(args, **params):
    """``_default_portfolio`` on :func:`_quantile_configs` (unless ``configs`` is given)."""
    return _default_portfolio(args, **{"configs": _quantile_configs(), **params})


def _unshrunk_portfolio(args, **params):
    """``_quantile_portfolio`` with its tuned threshold as it is (``threshold_shrinkage=0``):
    every portfolio method run before the threshold was shrunk toward the prior guess stays
    pinned to it."""
    return _quantile_portfolio(args, threshold_shrinkage=0, **params)


def _unbagged_portfolio(args, **params):
    """``_unshrunk_portfolio`` with its threshold tuned once on the out-of-fold rows
    (``threshold_bootstrap=0``): every portfolio method run before the threshold was bagged
    stays pinned to it."""
    return _unshrunk_portfolio(args, threshold_bootstrap=0, **params)


def _refit_only_portfolio(args, **params):
    """``_unbagged_portfolio`` predicting with the refitted models alone (``refit_weight=1``):
    every portfolio method run before the refit was blended with the cross-fitted members
    stays pinned to it."""
    return _unbagged_portfolio(args, refit_weight=1.0, **params)


_PLE = {"piecewise_linear": {"num_embeddings": "piecewise_linear"}}


def _two_configs(**ple):
    """The two-configuration portfolio with ``ple`` set on its piecewise-linear network."""
    return {"default": {}, "piecewise_linear": {**_PLE["piecewise_linear"], **ple}}


#: The two-configuration portfolio as it was before its piecewise-linear network stopped
#: after 5 epochs without improvement (the network's default 10): the methods below that
#: ran with it stay pinned to it.
_TWO_CONFIGS_NIC10 = _two_configs()


class _SoftVote(_RawTableClassifier):
    """Networks that take raw tables, fitted on the same rows, probabilities averaged (a
    screening candidate: sklearn's VotingClassifier would be one-hot encoded by
    ``make_model`` first, as it does not encode tables itself)."""

    def __init__(self, estimators):
        self.estimators = estimators

    def fit(self, X, y):
        self.estimators_ = [clone(e).fit(X, y) for e in self.estimators]
        self.classes_ = self.estimators_[0].classes_
        return self

    def predict_proba(self, X):
        return np.mean([e.predict_proba(X) for e in self.estimators_], axis=0)


class _QuantileInput(_RawTableClassifier):
    """A screening candidate: the package's table encoder, then the columns with more than
    two distinct training values mapped to a normal distribution by their training
    quantiles (``QuantileTransformer(output_distribution="normal")`` with ``n_quantiles =
    max(min(n // 30, 1000), 10)``, the preprocessing of the TabM and ModernNCA papers),
    then the network on the result (``preprocessing=None``)."""

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y):
        from sklearn.preprocessing import QuantileTransformer

        from sklearn_losses.preprocessing import TabularEncoder

        self.encoder_ = TabularEncoder(random_state=0)
        Z = np.asarray(self.encoder_.fit_transform(X, y), dtype=np.float64)
        self.columns_ = [j for j in range(Z.shape[1]) if np.unique(Z[:, j]).size > 2]
        self.quantiles_ = QuantileTransformer(
            output_distribution="normal", n_quantiles=max(min(len(Z) // 30, 1000), 10),
            subsample=10**9, random_state=0)
        if self.columns_:
            Z[:, self.columns_] = self.quantiles_.fit_transform(Z[:, self.columns_])
        self.estimator_ = clone(self.estimator).set_params(preprocessing=None).fit(Z, y)
        self.classes_ = self.estimator_.classes_
        return self

    def _encode(self, X):
        Z = np.asarray(self.encoder_.transform(X), dtype=np.float64)
        if self.columns_:
            Z[:, self.columns_] = self.quantiles_.transform(Z[:, self.columns_])
        return Z

    def predict_proba(self, X):
        return self.estimator_.predict_proba(self._encode(X))


def _wlc(args, **params):
    """A ``WeightedLossClassifier`` with the run's epochs, early stopping and seed (``params``
    override them)."""
    base = {"max_epochs": args.max_epochs, "random_state": args.seed}
    if args.no_early_stopping:
        base["early_stopping"] = False
    return WeightedLossClassifier(**{**base, **params})


#: name -> (description for the markdown, factory ``args -> unfitted estimator``). Order
#: of the tables; add a line here (or pass ``wlc:key=value,...`` to --methods) to extend.
METHODS = {
    "wlc_default": ("`WeightedLossClassifier()`", lambda a: _wlc(a)),
    "wlc_crossfit": ("`CrossFitClassifier(WeightedLossClassifier())`: 5 cross-fitted members, "
                     "each early-stopped on its own fold, temperature on the out-of-fold "
                     "probabilities", lambda a: _crossfit(a)),
    "wlc_crossfit_mcc": ("`CrossFitClassifier(WeightedLossClassifier(), "
                         "threshold=\"matthews_corrcoef\")`: `wlc_crossfit` with the MCC "
                         "threshold of the out-of-fold probabilities",
                         lambda a: _crossfit(a, threshold="matthews_corrcoef")),
    "wlc_bagged_mcc": ("`CrossFitClassifier(Pipeline([(\"net\", WeightedLossClassifier())]), "
                       "threshold=\"matthews_corrcoef\")`: 5 members each trained on 4 folds "
                       "with the network's own stopping rule (a Pipeline takes no eval_set), "
                       "MCC threshold of the out-of-fold probabilities",
                       lambda a: _crossfit(a, plain=True, threshold="matthews_corrcoef")),
    "wlc_portfolio": ("`LossPortfolioClassifier()`: the default portfolio (the default network "
                      "and its twin with piecewise-linear embeddings on tree bins, "
                      "`num_embeddings=\"piecewise_linear_tree\"`, with `n_iter_no_change=5`; 2 "
                      "folds), greedy ensemble selection on out-of-fold log-loss, the MCC "
                      "threshold of the ensemble's out-of-fold probabilities bagged over 50 "
                      "bootstrap resamples and shrunk toward the prior guess with 20 "
                      "pseudo-rows of the rare class, the selected configurations refitted "
                      "on every row, each predicting 2/3 by its refitted model and 1/3 by its "
                      "cross-fitted members' average", lambda a: _default_portfolio(a)),
    "wlc_portfolio_1cfg": ("`LossPortfolioClassifier(configs={\"default\": {}})`: "
                           "`wlc_portfolio` with the default network alone (cross-fitted on "
                           "2 folds, refitted, the bagged and shrunk MCC threshold of its "
                           "out-of-fold probabilities)",
                           lambda a: _default_portfolio(a, configs={"default": {}})),
    "wlc_portfolio_1cfg_refit1": ("`wlc_portfolio_1cfg` predicting by its refitted network "
                                  "alone (`refit_weight=1.0`): the default network with the "
                                  "threshold of its cross-fitted twins' out-of-fold "
                                  "probabilities",
                                  lambda a: _default_portfolio(a, configs={"default": {}},
                                                               refit_weight=1.0)),
    "wlc_vote2": ("the default network and its tree-bin twin (`num_embeddings="
                  "\"piecewise_linear_tree\"`, `n_iter_no_change=5`) trained on every row, "
                  "probabilities averaged, argmax: the default portfolio's two networks "
                  "without cross-fitting", lambda a: _SoftVote([_wlc(a), _wlc(
                      a, num_embeddings="piecewise_linear_tree", n_iter_no_change=5)])),
    "wlc_quantile": ("the default network on quantile-normal inputs: the table encoder, then "
                     "every column with more than two distinct training values mapped to a "
                     "normal distribution by its training quantiles (the TabM and ModernNCA "
                     "papers' preprocessing) instead of robust scaling and smooth clipping",
                     lambda a: _QuantileInput(_wlc(a))),
    "wlc_portfolio_pleq": ("`LossPortfolioClassifier(configs)`: `wlc_portfolio` with its "
                           "piecewise-linear network on quantile bins "
                           "(`num_embeddings=\"piecewise_linear\"`) instead of tree bins (the "
                           "default before)", lambda a: _quantile_portfolio(a)),
    "wlc_portfolio_shr0": ("`LossPortfolioClassifier(configs, threshold_shrinkage=0)`: "
                           "`wlc_portfolio_pleq` with the bagged MCC threshold as it is (the "
                           "default before it)",
                           lambda a: _unshrunk_portfolio(a)),
    "wlc_portfolio_nca": ("`LossPortfolioClassifier(configs)`: `wlc_portfolio_shr0` with a "
                          "third configuration, the retrieval network (`architecture=\"nca\"`)",
                          lambda a: _unshrunk_portfolio(a, configs={
                              **_quantile_configs(), "nca": {"architecture": "nca"}})),
    "wlc_portfolio_nca2": ("`LossPortfolioClassifier(configs)`: `wlc_portfolio_shr0` with the "
                           "retrieval network (`architecture=\"nca\"`) in place of the "
                           "piecewise-linear one",
                           lambda a: _unshrunk_portfolio(a, configs={
                               "default": {}, "nca": {"architecture": "nca"}})),
    "wlc_portfolio_thr0": ("`LossPortfolioClassifier(threshold_bootstrap=0, "
                           "threshold_shrinkage=0)`: `wlc_portfolio_shr0` with the MCC "
                           "threshold tuned once on the out-of-fold rows (the default before "
                           "it)", lambda a: _unbagged_portfolio(a)),
    "wlc_portfolio_refit1": ("`LossPortfolioClassifier(refit_weight=1.0, threshold_bootstrap=0, "
                             "threshold_shrinkage=0)`: "
                             "`wlc_portfolio_thr0` predicting with the refitted models alone (the "
                             "default before it)",
                             lambda a: _refit_only_portfolio(a)),
    "wlc_portfolio_refit05": ("`LossPortfolioClassifier(refit_weight=0.5, "
                              "threshold_bootstrap=0, threshold_shrinkage=0)`: the refitted model and the cross-fitted "
                              "members' average half each",
                              lambda a: _unbagged_portfolio(a, refit_weight=0.5)),
    "wlc_portfolio_nic10": ("`wlc_portfolio_refit1` with the piecewise-linear network stopping "
                            "after the network's default 10 epochs without improvement (the "
                            "default before)",
                            lambda a: _refit_only_portfolio(a, configs=_TWO_CONFIGS_NIC10)),
    "wlc_portfolio_nic7": ("`wlc_portfolio_refit1` with `n_iter_no_change=7` on the "
                           "piecewise-linear network",
                           lambda a: _refit_only_portfolio(
                               a, configs=_two_configs(n_iter_no_change=7))),
    "wlc_portfolio_b16d8": ("`wlc_portfolio_refit1` with a narrower piecewise-linear network: "
                            "`n_bins=16, d_embedding=8` (and `n_iter_no_change=5`)",
                            lambda a: _refit_only_portfolio(a, configs=_two_configs(
                                n_iter_no_change=5, n_bins=16, d_embedding=8))),
    "wlc_portfolio_wd01": ("`wlc_portfolio_refit1` with `weight_decay=0.1` on the "
                           "piecewise-linear network",
                           lambda a: _refit_only_portfolio(a, configs=_two_configs(
                               n_iter_no_change=5, weight_decay=0.1))),
    "wlc_portfolio_ls0": ("`wlc_portfolio_refit1` without label smoothing on the "
                          "piecewise-linear network (`loss__label_smoothing=0.0`)",
                          lambda a: _refit_only_portfolio(a, configs=_two_configs(
                              n_iter_no_change=5, loss__label_smoothing=0.0))),
    "wlc_portfolio_3fold": ("`LossPortfolioClassifier(configs, n_folds=3)`: `wlc_portfolio_nic10` "
                            "cross-fitted on 3 folds (the default before it; each configuration "
                            "costs 3 fits on two thirds of the rows and its refit instead of 2 "
                            "half-size fits and its refit)",
                            lambda a: _refit_only_portfolio(a, configs=_TWO_CONFIGS_NIC10,
                                                            n_folds=3)),
    "wlc_portfolio_ap": ("`LossPortfolioClassifier(configs, n_folds=3, "
                         "metric=\"average_precision\")`: `wlc_portfolio_3fold` selecting on "
                         "out-of-fold AP",
                         lambda a: _refit_only_portfolio(a, configs=_TWO_CONFIGS_NIC10,
                                                         n_folds=3, metric="average_precision")),
    "wlc_portfolio_4cfg": ("`LossPortfolioClassifier(configs, n_folds=5, "
                           "metric=\"average_precision\")` with the four configurations "
                           "shipped before (the default network, focal + class-balanced, "
                           "logit-adjusted, balanced cross-entropy without weight decay): "
                           "selection on out-of-fold AP, MCC threshold, refit",
                           lambda a: _portfolio(a)),
    "wlc_portfolio_cv": ("`wlc_portfolio_4cfg` with `refit=False`: members early-stopped on "
                         "their held-out fold and averaged, no refit",
                         lambda a: _portfolio(a, refit=False)),
    "wlc_portfolio_ple": ("`wlc_portfolio_4cfg` with a fifth configuration, "
                          "`num_embeddings=\"piecewise_linear\"`",
                          lambda a: _portfolio(a, **_PLE)),
    "wlc_portfolio_ple_cv": ("`wlc_portfolio_ple` with `refit=False`",
                             lambda a: _portfolio(a, refit=False, **_PLE)),
    "wlc_unweighted": ("`WeightedLossClassifier(reweight=None)`: plain cross-entropy, no class "
                       "weights", lambda a: _wlc(a, reweight=None)),
    "wlc_logit_adjusted": ("`WeightedLossClassifier(loss=\"logit_adjusted\")`",
                           lambda a: _wlc(a, loss="logit_adjusted")),
    "wlc_focal_cb": ("`WeightedLossClassifier(loss=\"focal\", reweight=\"class_balanced\")`",
                     lambda a: _wlc(a, loss="focal", reweight="class_balanced")),
    "wlc_ldam_drw": ("`WeightedLossClassifier(loss=\"ldam\", reweight=\"drw\")`",
                     lambda a: _wlc(a, loss="ldam", reweight="drw")),
    "wlc_search": ("`make_loss_search(WeightedLossClassifier(), problem=\"imbalance\", "
                   "scoring=\"average_precision\", cv=3)`: GridSearchCV over 7 "
                   "(loss, reweight) candidates inside each training fold",
                   lambda a: make_loss_search(_wlc(a), problem="imbalance",
                                              scoring="average_precision", cv=3,
                                              random_state=a.seed)),
    "logreg_balanced": ("`LogisticRegression(class_weight=\"balanced\", max_iter=1000)`",
                        lambda a: LogisticRegression(class_weight="balanced", max_iter=1000)),
    "hgb_balanced": ("`HistGradientBoostingClassifier(class_weight=\"balanced\")`",
                     lambda a: HistGradientBoostingClassifier(class_weight="balanced",
                                                              random_state=a.seed)),
    "brf": ("imblearn `BalancedRandomForestClassifier(sampling_strategy=\"all\", "
            "replacement=True, bootstrap=False)` (100 trees)",
            lambda a: BalancedRandomForestClassifier(sampling_strategy="all", replacement=True,
                                                     bootstrap=False, random_state=a.seed)),
    "smote_logreg": ("imblearn pipeline `SMOTE(k_neighbors=min(5, n_minority - 1))` + "
                     "`LogisticRegression(max_iter=1000)`",
                     lambda a: make_imblearn_pipeline(AdaptiveSMOTE(random_state=a.seed),
                                                      LogisticRegression(max_iter=1000))),
    "sklearn_mlp": ("`MLPClassifier(max_iter=500)` (defaults otherwise: one hidden layer of "
                    "100, Adam, no early stopping)",
                    lambda a: MLPClassifier(max_iter=a.sklearn_mlp_max_iter,
                                            random_state=a.seed)),
    "catboost": ("`CatBoostClassifier()` (1 thread)", lambda a: _catboost(a.seed)),
    "catboost_balanced_native": ("`CatBoostClassifier(auto_class_weights=\"Balanced\")` (1 "
                                 "thread) on the table as read, its non-numeric columns as "
                                 "`cat_features` (CatBoost's own handling of categories) "
                                 "instead of one-hot columns",
                                 lambda a: _CatBoostNative(
                                     a.seed, {"auto_class_weights": "Balanced"})),
    "catboost_balanced": ("`CatBoostClassifier(auto_class_weights=\"Balanced\")` (1 thread)",
                          lambda a: _catboost(a.seed, auto_class_weights="Balanced")),
    "lightgbm": ("`LGBMClassifier()` (1 thread)", lambda a: _lightgbm(a.seed)),
    "lightgbm_balanced": ("`LGBMClassifier(class_weight=\"balanced\")` (1 thread)",
                          lambda a: _lightgbm(a.seed, class_weight="balanced")),
    "xgboost": ("`XGBClassifier()` (1 thread)", lambda a: _xgboost(a.seed)),
    "xgboost_balanced": ("`XGBClassifier(scale_pos_weight=n_neg / n_pos)` (1 thread)",
                         lambda a: BalancedXGBClassifier(random_state=a.seed)),
    "skorch_mlp": ("plain skorch `NeuralNetClassifier`: MLP (128, 128) ReLU, cross-entropy, "
                   "Adam lr=1e-3, batch 256, default DataLoader (shuffled), float32; "
                   "early stopping on a stratified 10% validation split",
                   lambda a: SkorchMLP(max_epochs=a.max_epochs,
                                       early_stopping=not a.no_early_stopping,
                                       random_state=a.seed)),
}


def _parse_value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_wlc_spec(spec):
    """``"wlc:loss=focal,reweight=class_balanced"`` -> ``{"loss": "focal", ...}``.

    Keys with ``__`` are nested settings (``loss__label_smoothing=0.1``), applied
    with ``set_params``. Values are Python literals where they parse
    (``hidden_layer_sizes=(64,64)``, ``lr=3e-3``), else strings; commas inside
    parentheses do not split.
    """
    body = spec.split(":", 1)[1].strip()
    params = {}
    for item in filter(None, re.split(r",(?![^()]*\))", body)):
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--methods: expected key=value in {spec!r}, got {item!r}")
        params[key.strip()] = _parse_value(value.strip())
    return params


def make_methods(args):
    """Method name -> unfitted estimator for ``--methods`` (registry names or ``wlc:...``)."""
    names = list(METHODS) if args.methods in (None, ["all"]) else args.methods
    if args.methods in (None, ["all"]):
        missing = [n for n in names if n in BOOSTING_PACKAGES
                   and importlib.util.find_spec(BOOSTING_PACKAGES[n]) is None]
        if missing:
            print(f"note: leaving out {', '.join(missing)}: their packages are not installed "
                  "(pip install -e \".[bench]\")", flush=True)
        names = [n for n in names if n not in missing]
    methods, descriptions = {}, {}
    for name in names:
        if name.startswith("wlc:"):
            params = parse_wlc_spec(name)
            # nested settings (``loss__label_smoothing=0.1``) go through set_params
            nested = {k: params.pop(k) for k in list(params) if "__" in k}
            WeightedLossClassifier(**params).set_params(**nested)._validate_params()
            methods[name] = _wlc(args, **params).set_params(**nested)
            params.update(nested)
            shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
            descriptions[name] = f"`WeightedLossClassifier({shown})`"
        elif name in METHODS:
            package = BOOSTING_PACKAGES.get(name)
            if package is not None and importlib.util.find_spec(package) is None:
                raise SystemExit(f"method {name!r} needs the package {package!r}: "
                                 "pip install -e \".[bench]\"")
            descriptions[name], factory = METHODS[name]
            methods[name] = factory(args)
        else:
            raise SystemExit(f"unknown method {name!r}; known: {', '.join(METHODS)} "
                             "or wlc:key=value,...")
    return methods, descriptions


# ----------------------------------------------------------------- datasets
#: ``--imbalanced-sklearn``: name -> (loader, positive class, positives kept). The positive
#: class is made the minority with imbalanced-learn's ``make_imbalance`` (rows drawn with the
#: seed); every other class is the negative class.
IMBALANCED_SKLEARN = {
    "breast_cancer_malignant": (sk_datasets.load_breast_cancer, 0, 36),
    "digits_3_vs_rest": (sk_datasets.load_digits, 3, 50),
    "digits_8_vs_rest": (sk_datasets.load_digits, 8, 50),
    "iris_1_vs_rest": (sk_datasets.load_iris, 1, 10),
    "wine_0_vs_rest": (sk_datasets.load_wine, 0, 12),
    "wine_2_vs_rest": (sk_datasets.load_wine, 2, 12),
}


def load_imbalanced_sklearn(name, seed=0):
    """One scikit-learn table as a binary problem with a rare positive class: ``(X, y, name)``."""
    loader, positive, n_positive = IMBALANCED_SKLEARN[name]
    bunch = loader(as_frame=True)
    y = (bunch.target.to_numpy() == positive).astype(np.int64)
    X, y = make_imbalance(bunch.data, y, sampling_strategy={1: n_positive}, random_state=seed)
    return X.reset_index(drop=True), np.asarray(y, dtype=np.int64), name


def dataset_loaders(args):
    if not args.imbalanced_sklearn:
        return common.dataset_loaders(args)
    names = common.select_datasets(list(IMBALANCED_SKLEARN), args, QUICK_SKLEARN)
    return [functools.partial(load_imbalanced_sklearn, n, args.seed) for n in names]


# ------------------------------------------------------------ fit and score
def warm_estimators():
    """Small versions of the three network trainers, fitted once per process before timing.

    The first torch optimizer of a process imports torch's compiler stack
    (about 1 s) and skorch and torch initialise lazily; without a warm-up,
    that one-time cost would be charged to whichever fold a worker process
    fits first (``sklearn_losses.compare.warm_up``).
    """
    return [WeightedLossClassifier(max_epochs=2, hidden_layer_sizes=(4,)),
            SkorchMLP(hidden_layer_sizes=(4,), max_epochs=2),
            MLPClassifier(hidden_layer_sizes=(4,), max_iter=2)]


def evaluate(name, X, y, *, methods, folds, seed, threads=1):
    """Stratified K-fold rows: one per method x fold (BLAS/OpenMP capped at ``threads``)."""
    def fold_info(fold, train, test):
        # the seed of the folds and of the models: runs of several seeds concatenate
        return {"n_positive": int(y.sum()), "train_positives": int(y[train].sum()),
                "seed": seed}

    with threadpool_limits(limits=threads):
        return common.cv_rows(name, X, y, methods, folds=folds, seed=seed, scoring=SCORING,
                              warm=warm_estimators(), fold_info=fold_info)


# ---------------------------------------------------------------- summaries
def mean_ranks(table, metrics=METRICS, lower_is_better=COSTS):
    """Mean rank per method and metric: rank within each dataset (1 = best), mean over datasets.

    ``table`` has one row per (dataset, method) (:func:`_common.per_dataset`).
    Ties get the average of the ranks they span; a NaN (failed fit) ranks
    last. Metrics in ``lower_is_better`` rank ascending, the others descending.
    Returns a DataFrame indexed by method (first-seen order), one column per metric.
    """
    out = {}
    for metric in metrics:
        ranks = table.groupby("dataset")[metric].rank(
            ascending=metric in lower_is_better, method="average", na_option="bottom")
        out[metric] = ranks.groupby(table["method"], sort=False).mean()
    return pd.DataFrame(out)


def summary_table(table, methods):
    """Per method: mean over datasets and mean rank of every metric, then the fit seconds."""
    metrics = (*METRICS, *COSTS)
    means = table.groupby("method", sort=False)[list(metrics)].mean()
    ranks = mean_ranks(table, metrics)
    frame = pd.DataFrame(index=[m for m in methods if m in means.index])
    for metric in METRICS:
        frame[f"{LABELS[metric]}"] = means[metric]
    for metric in METRICS:
        frame[f"rank {LABELS[metric]}"] = ranks[metric].map(lambda r: f"{r:.2f}")
    frame["fit s (mean)"] = means["fit_s"].map(lambda s: f"{s:.2f}")
    frame["rank fit s"] = ranks["fit_s"].map(lambda r: f"{r:.2f}")
    return frame.rename_axis("method").reset_index()


def wtl_table(table, methods, reference, tie):
    """Per method: W/T/L vs ``reference`` of every metric (``_common.compare_methods``)."""
    frame = pd.DataFrame(index=[m for m in methods if m in set(table["method"])])
    for metric in METRICS:
        summary = common.compare_methods(table, metric, reference, tie=tie).set_index("method")
        frame[f"W/T/L {LABELS[metric]}"] = summary["wtl"]
    return frame.rename_axis("method").reset_index()


def dataset_table(results, table, methods, metric="mcc"):
    """Per dataset: rows, positives, ``metric`` of every method (fold mean), best in bold."""
    wide = table.pivot(index="dataset", columns="method", values=metric)
    wide = wide.reindex(columns=[m for m in methods if m in wide.columns])
    best = wide.max(axis=1)
    cells = wide.apply(lambda col: [("n/a" if np.isnan(v) else
                                     f"**{v:.3f}**" if v >= b - 1e-12 else f"{v:.3f}")
                                    for v, b in zip(col, best)])
    sizes = results.groupby("dataset")[["n_samples", "n_positive"]].first()
    cells.insert(0, "positives", sizes["n_positive"].reindex(cells.index))
    cells.insert(0, "rows", sizes["n_samples"].reindex(cells.index))
    cells = cells.reset_index()
    mean = {"dataset": "**mean**", "rows": "", "positives": ""}
    mean.update({m: f"{wide[m].mean():.3f}" for m in wide.columns})
    return pd.concat([cells, pd.DataFrame([mean])], ignore_index=True)


def plot_ranks(table, methods, path, title):
    """Dot plot of the mean rank per metric (x) for each method (y); saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = (*METRICS, *COSTS)
    ranks = mean_ranks(table, metrics)
    order = [m for m in methods if m in ranks.index]
    order.sort(key=lambda m: ranks.loc[m, "mcc"], reverse=True)  # best MCC on top
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(order) + 1.4))
    markers = "osD^vP*"
    offsets = np.linspace(-0.25, 0.25, len(metrics))
    for i, metric in enumerate(metrics):
        ax.scatter(ranks.loc[order, metric], np.arange(len(order)) + offsets[i],
                   marker=markers[i % len(markers)], s=36, label=LABELS[metric],
                   alpha=0.55 if metric in COSTS else 0.9,
                   facecolors="none" if metric in COSTS else None,
                   edgecolors="gray" if metric in COSTS else None)
    ax.set_yticks(np.arange(len(order)), order)
    for y in np.arange(len(order) - 1) + 0.5:
        ax.axhline(y, color="0.9", lw=0.8, zorder=0)
    ax.set_xlabel(f"mean rank over {table['dataset'].nunique()} datasets "
                  f"(1 = best of {len(order)})")
    ax.set_xlim(0.5, len(order) + 0.5)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def render_markdown(results, args, argv, *, methods, descriptions, png_name):
    table = common.per_dataset(results, (*METRICS, *COSTS))
    source = ("scikit-learn's bundled tables made imbalanced" if args.imbalanced_sklearn
              else "KEEL imbalanced binary tables")
    reference_present = REFERENCE in set(results["method"])
    defaults = WeightedLossClassifier().get_params()
    shown_defaults = ", ".join(f"{k}={defaults[k]!r}" for k in (
        "loss", "reweight", "hidden_layer_sizes", "batch_size", "max_epochs", "lr",
        "early_stopping", "n_iter_no_change", "validation_fraction", "batch_sampler",
        "calibration"))
    lines = [
        f"# Quality: WeightedLossClassifier vs the usual anchors ({source})",
        "",
        *common.run_description(args, results, __file__, argv),
        f"Machine: {_cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} "
        f"{platform.release()}; torch threads per job {args.threads} (BLAS/OpenMP capped "
        f"the same); device {common_device()}; run finished "
        f"{datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}.",
        "",
        "**Setup.** Stratified K-fold CV with a fixed seed; in each fold the training rows fit "
        "the preprocessing (categorical columns one-hot encoded, unseen categories as zeros; "
        "numeric columns median-imputed and standardized) and the model; the test fold is "
        "scored. Every method sees the same folds; nothing is tuned. The `WeightedLossClassifier` "
        f"configurations keep the package defaults ({shown_defaults}) except the arguments "
        f"shown, with `random_state={args.seed}`"
        + ("" if args.max_epochs == defaults["max_epochs"] else
           f" and `max_epochs={args.max_epochs}`")
        + ("; early stopping off" if args.no_early_stopping else "") + ".",
        "",
        "| method | estimator |",
        "|---|---|",
        *[f"| {name} | {descriptions[name]} |" for name in methods],
        "",
        "Anchor choices: logistic regression gets `max_iter=1000` (the default 100 does not "
        "always converge on one-hot columns); `MLPClassifier` keeps its defaults (one hidden "
        f"layer of 100, Adam, early stopping off) with `max_iter={args.sklearn_mlp_max_iter}` "
        "so that most fits converge (it stops when the training loss stalls for 10 epochs; the "
        "CSV's `warnings` column flags the fits that reach max_iter); "
        "SMOTE's `k_neighbors` is lowered to `n_minority - 1` in a training fold with few "
        "positives; the skorch MLP is what a skorch user writes by hand: two hidden layers "
        "of 128, Adam, skorch's stratified 10% validation split with early stopping on the "
        "validation loss (patience 10, best epoch restored) and skorch's DataLoader.",
        "",
        "**What the numbers mean.** The positive class is the minority class. *MCC*, "
        "*F1 (pos.)* and *bal. acc.* are computed from `predict` (the default decision: argmax "
        "/ p > 0.5, no threshold tuning), so they reward methods whose default decision suits "
        "imbalance (class weights, resampling, logit adjustment); *AP* (average precision) and "
        "*ROC AUC* score the ranking of `predict_proba` and do not depend on the threshold. "
        "*mean*: mean over datasets of the fold means; *rank*: rank of the method among all "
        "methods on each dataset (1 = best, ties share the average rank, failed fits rank last), "
        "averaged over datasets; *fit s*: seconds to fit one fold (preprocessing included, "
        "prediction excluded; lower rank = faster; each worker process first fits the network "
        "trainers once on a tiny table, so that one-time imports, about 1 s for torch's "
        "compiler stack at the first torch optimizer of a process, are not charged to a fold). "
        "Test folds of the rarest tables hold 1 to "
        "5 positives, so per-dataset values are noisy: read the ranks and W/T/L counts.",
        "",
        "## Means and mean ranks",
        "",
        common.markdown_table(summary_table(table, methods)),
        "",
        f"![mean rank per metric]({png_name})",
        "",
    ]
    if reference_present:
        lines += [
            f"## W/T/L vs `{REFERENCE}`",
            "",
            f"Datasets where the method beats / ties (fold means within {args.tie}) / loses to "
            f"`WeightedLossClassifier()` (`{REFERENCE}`).",
            "",
            common.markdown_table(wtl_table(table, methods, REFERENCE, args.tie)),
            "",
        ]
    lines += [
        "## MCC per dataset (mean over folds; best in bold)",
        "",
        common.markdown_table(dataset_table(results, table, methods)),
        "",
        "Per-fit results (dataset, fold, method, metrics, epochs, fit and predict seconds, "
        "warnings, errors): the CSV written next to this run's outputs "
        f"(`benchmarks/results/{'quality_sklearn' if args.imbalanced_sklearn else 'quality'}"
        ".csv` for the committed run).",
    ]
    return "\n".join(lines)


def common_device():
    from sklearn_losses.classifier import resolve_device

    return str(resolve_device("auto"))


# --------------------------------------------------------------------- main
def output_paths(args):
    """``(csv, md, png)``: under ``--out`` if given, else benchmarks/results and docs/benchmarks."""
    stem = "quality_sklearn" if args.imbalanced_sklearn else "quality"
    csv_path, md_path = common.output_paths(args, stem)
    return csv_path, md_path, md_path.with_suffix(".png")


def main(argv=None):
    defaults = WeightedLossClassifier().get_params()
    parser = common.base_parser(__doc__, folds=5, max_epochs=defaults["max_epochs"])
    parser.add_argument("--methods", nargs="+", default=None, metavar="NAME",
                        help=f"methods to run (default all): {', '.join(METHODS)}, or "
                             "'wlc:key=value,...' for any WeightedLossClassifier configuration")
    parser.add_argument("--imbalanced-sklearn", action="store_true",
                        help="scikit-learn's bundled tables made imbalanced (make_imbalance, "
                             "one-vs-rest) instead of the KEEL tables")
    parser.add_argument("--sklearn-mlp-max-iter", type=int, default=500,
                        help="max_iter of the MLPClassifier anchor (capped at 50 by --quick)")
    args = common.apply_quick(parser.parse_args(argv), max_epochs=5)
    if args.quick:
        args.sklearn_mlp_max_iter = min(args.sklearn_mlp_max_iter, 50)
    loaders = dataset_loaders(args)
    methods, descriptions = make_methods(args)
    print(f"{len(loaders)} datasets x {args.folds} folds x {len(methods)} methods", flush=True)
    evaluate_dataset = functools.partial(evaluate, methods=methods, folds=args.folds,
                                         seed=args.seed, threads=args.threads)
    results = common.run_datasets(loaders, evaluate_dataset, jobs=args.jobs,
                                  threads=args.threads)
    csv_path, md_path, png_path = output_paths(args)
    markdown = render_markdown(results, args, argv, methods=list(methods),
                               descriptions=descriptions, png_name=png_path.name)
    print(markdown)
    common.write_outputs(results, markdown, csv_path, md_path)
    title = ("scikit-learn tables made imbalanced" if args.imbalanced_sklearn else "KEEL tables")
    plot_ranks(common.per_dataset(results, (*METRICS, *COSTS)), list(methods), png_path,
               f"Mean rank per metric, {title} ({args.folds}-fold CV; 1 = best)")
    print(f"wrote {png_path}")
    return results


if __name__ == "__main__":
    main()
