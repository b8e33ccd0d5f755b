"""Noise-robust losses when 30% of the training labels are wrong.

Flips 30% of the training labels of scikit-learn's breast-cancer data set
(symmetric noise: each flipped row gets the other class) and trains the same
network with cross-entropy and with losses designed for noisy labels:

- ``gce``: generalized cross-entropy (between cross-entropy and MAE);
- ``sce``: symmetric cross-entropy (cross-entropy + reverse cross-entropy);
- ``nce_rce``: normalized cross-entropy + reverse cross-entropy ("active
  passive" loss);
- ``comp_sum(tau=1.5)``: the comp-sum family, ``tau=1`` being
  cross-entropy and ``tau=2`` MAE;
- ``logit_clip``: cross-entropy on logits whose norm is clipped at
  ``delta``, which caps how confidently (and so how hard) the network can fit
  a wrong label.

Every model is scored on the *clean* test labels; a model trained on the
clean labels gives the reference. Scores are averaged over several noise
draws.

    python examples/noisy_labels.py            # about 35 s on 2 CPU cores
    python examples/noisy_labels.py --quick    # a few seconds (used by the tests)
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_losses import WeightedLossClassifier, get_loss

LOSSES = {
    "cross_entropy": "cross_entropy",
    "gce": "gce",
    "sce": "sce",
    "nce_rce": "nce_rce",
    "comp_sum(tau=1.5)": get_loss("comp_sum", tau=1.5),
    "logit_clip(cross_entropy, delta=2)": get_loss("logit_clip", loss="cross_entropy",
                                                   delta=2.0),
}


def flip_labels(y, rate, rng):
    """A copy of binary ``y`` with a fraction ``rate`` of the labels flipped."""
    y_noisy = y.copy()
    flip = rng.choice(len(y), size=int(round(rate * len(y))), replace=False)
    y_noisy[flip] = 1 - y_noisy[flip]
    return y_noisy


def compare(noise_rate=0.3, seeds=(0, 1, 2), **clf_params):
    """Clean-test accuracy and ROC AUC of each loss, averaged over noise draws."""
    X, y = load_breast_cancer(return_X_y=True)
    scores = {name: [] for name in ["cross_entropy on clean labels", *LOSSES]}
    for seed in seeds:
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                            random_state=seed)
        y_noisy = flip_labels(y_train, noise_rate, np.random.default_rng(seed))
        runs = [("cross_entropy on clean labels", "cross_entropy", y_train)]
        runs += [(name, loss, y_noisy) for name, loss in LOSSES.items()]
        for name, loss, y_fit in runs:
            model = make_pipeline(StandardScaler(), WeightedLossClassifier(
                loss=loss, random_state=seed, **clf_params))
            model.fit(X_train, y_fit)
            scores[name].append((accuracy_score(y_test, model.predict(X_test)),
                                 roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])))
    return [{"loss": name, "accuracy": float(np.mean([s[0] for s in s_list])),
             "roc_auc": float(np.mean([s[1] for s in s_list]))}
            for name, s_list in scores.items()]


def format_table(rows):
    lines = [f"{'loss':<36} | {'clean-test accuracy':>19} | {'clean-test ROC AUC':>18}"]
    for r in rows:
        lines.append(f"{r['loss']:<36} | {r['accuracy']:>19.3f} | {r['roc_auc']:>18.3f}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one noise draw, few epochs")
    args = parser.parse_args(argv)
    if args.quick:
        seeds, clf_params = (0,), dict(max_epochs=30, batch_size=64, hidden_layer_sizes=(32,))
    else:
        seeds, clf_params = (0, 1, 2, 3, 4), dict(batch_size=64)
    print(f"breast cancer data, 30% of the training labels flipped; "
          f"mean over {len(seeds)} noise draw(s)")
    rows = compare(noise_rate=0.3, seeds=seeds, **clf_params)
    print(format_table(rows))
    return rows


if __name__ == "__main__":
    main()
