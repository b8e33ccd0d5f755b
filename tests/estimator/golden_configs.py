"""Configurations of the prediction regression test (``test_golden_predictions.py``).

``python tests/estimator/golden_configs.py`` writes ``data/golden_predictions.npz``:
the ``predict_proba`` of every configuration below, fitted with a fixed seed on
one torch thread. The file in the repository was written by the code of commit
d32acff, before the training plan and the ``engine`` package were introduced;
the test checks that today's code predicts the same (within 1e-6). Regenerate
it only for a change that is meant to change predictions, and say so in the
commit message.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.datasets import make_classification

GOLDEN_PATH = Path(__file__).with_name("data") / "golden_predictions.npz"


def _numeric(n=300, n_classes=2, seed=0):
    weights = [0.85] if n_classes == 2 else [0.6, 0.3]
    X, y = make_classification(n, 8, n_informative=5, n_classes=n_classes, weights=weights,
                               random_state=seed)
    return X.astype(np.float64), y


def _raw_frame():
    X, y = _numeric(300)
    rng = np.random.RandomState(1)
    frame = pd.DataFrame(X[:, :5], columns=[f"num{j}" for j in range(5)])
    frame.loc[rng.rand(300) < 0.1, "num1"] = np.nan
    frame["colour"] = np.where(X[:, 5] > 0, "red", "blue")
    frame.loc[rng.rand(300) < 0.05, "colour"] = None
    frame["city"] = pd.Series([f"c{v}" for v in (np.abs(X[:, 6]) * 10).astype(int)])
    frame["flag"] = X[:, 7] > 0.3
    labels = np.where(y == 1, "yes", "no")
    return frame, labels


def _sparse():
    X, y = _numeric(300)
    X[np.abs(X) < 0.8] = 0.0
    return sp.csr_matrix(X), y


#: name -> (estimator parameters, data maker, how to fit)
CONFIGS = {
    "default_numeric": ({}, _numeric, "fit"),
    "default_raw_frame": ({}, _raw_frame, "fit"),
    "focal_class_balanced": ({"loss": "focal", "reweight": "class_balanced"}, _numeric, "fit"),
    "logit_adjusted": ({"loss": "logit_adjusted"}, _numeric, "fit"),
    "ldam_drw": ({"loss": "ldam", "reweight": "drw", "early_stopping": False}, _numeric, "fit"),
    "anyloss_f1_stratified": ({"loss": "anyloss_f1"}, _numeric, "fit"),
    "gce_dro_kl": ({"loss": "gce", "reweight": "dro_kl"}, _numeric, "fit"),
    "balanced_sampler_prior": ({"loss": "cross_entropy", "batch_sampler": "balanced",
                                "calibration": "prior"}, _numeric, "fit"),
    "multiclass_temperature": ({"calibration": "temperature", "early_stopping": True,
                                "scoring": "roc_auc"}, lambda: _numeric(400, 3), "fit"),
    "tabm": ({"architecture": "tabm", "n_ensemble": 4, "hidden_layer_sizes": (32, 32)},
             _numeric, "fit"),
    "piecewise_embeddings": ({"num_embeddings": "piecewise_linear", "n_bins": 8,
                              "d_embedding": 4}, _numeric, "fit"),
    "sparse": ({}, _sparse, "fit"),
    "sample_weight": ({"loss": "focal"}, _numeric, "fit_weighted"),
    "dropout_preprocessing_none": ({"dropout": 0.2, "preprocessing": None}, _numeric, "fit"),
    "warm_start": ({"warm_start": True}, _numeric, "warm_start"),
    "partial_fit": ({}, _numeric, "partial_fit"),
}


def fit_config(name):
    """``(fitted estimator, X)`` of configuration ``name``."""
    from sklearn_losses import WeightedLossClassifier

    params, make_data, how = CONFIGS[name]
    X, y = make_data()
    # device="cpu": the references are CPU figures (CUDA draws dropout masks differently)
    clf = WeightedLossClassifier(max_epochs=12, random_state=0, n_jobs=1, device="cpu", **params)
    if how == "fit":
        clf.fit(X, y)
    elif how == "fit_weighted":
        w = np.random.RandomState(3).randint(1, 4, size=len(y)).astype(float)
        clf.fit(X, y, sample_weight=w)
    elif how == "warm_start":
        clf.fit(X[:200], y[:200])
        clf.fit(X, y)
    elif how == "partial_fit":
        classes = np.unique(y)
        for chunk in np.array_split(np.arange(len(y)), 3):
            clf.partial_fit(X[chunk], y[chunk], classes=classes)
    else:  # pragma: no cover
        raise ValueError(how)
    return clf, X


def main():
    import warnings

    import torch

    torch.set_num_threads(1)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in CONFIGS:
            clf, X = fit_config(name)
            out[name] = clf.predict_proba(X)
            print(f"{name}: {clf.n_iter_} epochs")
    GOLDEN_PATH.parent.mkdir(exist_ok=True)
    np.savez(GOLDEN_PATH, **out)
    print(f"wrote {GOLDEN_PATH}")


if __name__ == "__main__":
    main()
