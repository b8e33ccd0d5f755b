"""The models ``compare`` cross-validates, and the one ``--save-best`` writes."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone

__all__ = ["BASELINES", "RelabeledClassifier", "baseline_label", "build_loss", "complexity",
           "config_name", "double_correction", "make_baseline", "make_classifier",
           "parse_loss_spec"]


def _hgb(random_state):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(class_weight="balanced", random_state=random_state)


def _logistic(random_state):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(class_weight="balanced", max_iter=1000)


#: ``--baseline`` name -> (the model in words, ``random_state -> unfitted model``).
BASELINES = {
    "hgb": ("HistGradientBoostingClassifier(class_weight='balanced')", _hgb),
    "logistic": ("LogisticRegression(class_weight='balanced', max_iter=1000)", _logistic),
}


def baseline_label(name) -> str:
    """How the ``--baseline`` model ``name`` is written in the leaderboard's loss column."""
    return f"{name} (baseline)"


def config_name(loss, reweight) -> str:
    """``"focal + balanced"``; ``reweight=None`` reads ``none``."""
    return f"{loss} + {'none' if reweight is None else reweight}"


def parse_loss_spec(text) -> tuple[str, dict]:
    """``--losses`` entry ``NAME`` or ``NAME:key=value,key=value`` -> ``(name, params)``.

    Values are Python literals (``1.5``, ``None``, ``[0.25, 0.75]``,
    ``'gce'``); anything else is kept as text (``loss=gce``). Raises
    ValueError for an entry that is not of that form, or that gives a key
    twice.
    """
    import ast

    name, sep, rest = str(text).partition(":")
    name, params = name.strip(), {}
    if not sep:
        return name, params
    for item in _top_level_items(rest):
        key, eq, value = item.partition("=")
        if not eq or not key.strip() or not value.strip():
            raise ValueError(f"{text!r}: loss parameters are written NAME:key=value,key=value "
                             f"(e.g. comp_sum:tau=1.5); {item.strip()!r} is not key=value.")
        if key.strip() in params:
            raise ValueError(f"{text!r}: the parameter {key.strip()!r} is given twice.")
        try:
            params[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            params[key.strip()] = value.strip()
    return name, params


def _top_level_items(text):
    """``text`` split at the commas outside brackets and quotes (``alpha=[1, 2],gamma=1``)."""
    items, depth, quote, start = [], 0, None, 0
    for i, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return items


def spec_text(name, params) -> str:
    """The canonical ``--losses`` entry of ``(name, params)``: ``"comp_sum:tau=1.5"``, the
    keys in sorted order (the same loss written two ways is one configuration)."""
    if not params:
        return name
    return f"{name}:" + ",".join(f"{k}={params[k]}" for k in sorted(params))


def build_loss(spec, class_counts=None):
    """The ``loss=`` of a ``--losses`` entry: the name itself, or the configured instance
    (``get_loss(name, **params)``); ``class_counts`` filled in where the loss takes them and
    they are not given (the estimator fills them at ``fit`` when they are None)."""
    from ..losses.base import get_loss, get_loss_class

    name, params = parse_loss_spec(spec)
    if class_counts is not None and "class_counts" not in params \
            and "class_counts" in get_loss_class(name)._get_param_names():
        params["class_counts"] = class_counts
    return get_loss(name, **params) if params else name


def make_baseline(name, *, random_state):
    """The ``--baseline`` model ``name``, class-weighted (``class_weight="balanced"``, as the
    networks' ``reweight="balanced"``), after the package's encoder
    (:func:`sklearn_losses.compare.make_model`: the table as the networks read it)."""
    from ..compare import make_model

    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; choose from {sorted(BASELINES)}.")
    return make_model(BASELINES[name][1](random_state))


def complexity(loss, reweight) -> int:
    """How far a configuration is from plain cross-entropy without re-weighting (0, 1 or 2).

    The ranking's last tie-breaker but the name: the simpler configuration first.
    """
    return int(parse_loss_spec(loss) != ("cross_entropy", {})) + int(reweight is not None)


def double_correction(loss, reweight, class_counts) -> str | None:
    """Why ``(loss, reweight)`` corrects for the class imbalance twice, or cannot run; None.

    The estimator's own rules (it warns about the first two when fitted):

    - a loss that corrects for the class prior itself (``logit_adjusted``,
      ``balanced_softmax``: a ``prior_logit_offset``) with a scheme of class
      weights (``balanced``, ``inverse_sqrt``, ``class_balanced``, and the
      deferred ``drw``, whose last epochs train with them);
    - a loss that weighs the classes on the batch (soft confusion matrices,
      AUC, AP: ``handles_imbalance``; not ``ensloss``) with class weights
      (any scheme but ``dro_kl``): it handles the imbalance itself;
    - ``dro_kl`` needs per-sample losses: a batch-level loss cannot run with it.

    Parameters
    ----------
    loss, reweight : str or None
        Registry names (``reweight=None``: no re-weighting).
    class_counts : list of int
        Rows per class of the target (for the losses that take them).
    """
    if reweight is None:
        return None
    from ..losses.base import get_loss
    from ..weighting import get_reweighting

    instance = build_loss(loss, class_counts)
    if isinstance(instance, str):
        instance = get_loss(instance)
    scheme = get_reweighting(reweight)
    if not instance.pointwise and scheme.instance_level:
        return f"{reweight} needs per-sample losses: batch-level losses cannot run with it"
    if instance.handles_imbalance:
        return "batch-level losses handle the imbalance themselves"
    if instance.prior_logit_offset() is not None and not scheme.instance_level:
        return "the loss already corrects for the class prior"
    return None


def coded_pos_label(info):
    """The networks' ``pos_label`` for the target :func:`~sklearn_losses.cli.io.prepare_data`
    read: 1 for a binary target (coded 1 for its positive class), None otherwise."""
    return 1 if info.get("positive") is not None else None


def make_classifier(loss, reweight, *, max_epochs, device, random_state, pos_label=None):
    """The ``WeightedLossClassifier`` of one configuration.

    ``reweight="drw"`` (deferred re-weighting) switches its class weights on
    at ``round(0.8 * max_epochs)``; early stopping would end most fits
    before that epoch, and the model would be trained unweighted. Its
    configurations therefore train with ``early_stopping=False`` for all
    ``max_epochs`` epochs. ``pos_label``: for a binary target, coded 1 for
    the positive class (``--positive-label``, by default the minority), 1,
    so that a loss measuring one class measures the class the scorers do.
    """
    from ..classifier import WeightedLossClassifier

    params = {}
    if reweight == "drw":
        params["early_stopping"] = False
    return WeightedLossClassifier(loss=build_loss(loss), reweight=reweight,
                                  max_epochs=max_epochs,
                                  device=device, random_state=random_state,
                                  pos_label=pos_label, **params)


class RelabeledClassifier(ClassifierMixin, BaseEstimator):
    """The model ``--save-best`` writes: the table's columns matched by name, the file's labels.

    ``compare`` reads a file into a DataFrame whose columns are named by the
    header row, or ``"0"``, ``"1"``, ... by position with ``--no-header``,
    and trains the estimator on the feature columns under those names, with
    a binary target coded 1 for the positive class. This wrapper keeps those
    names (``feature_names_in_``) and, at prediction, finds the feature
    columns in what it is given:

    1. a DataFrame whose column names, as text, include every feature name:
       those columns, by name, in any order; other columns (the target, the
       ``--drop`` columns) are left out. So ``read_table(path)``
       (:mod:`sklearn_losses.cli.io`, which reads the values as ``compare``
       did; ``pd.read_csv`` may parse them otherwise, e.g. the code
       ``07000`` as 7000) works, and for a headerless file
       ``read_table(path, header=False)``, whose names are the file's
       positions, with or without the target;
    2. for a headerless file, a DataFrame of exactly the feature columns
       named ``0 .. n_features - 1`` (a file of new rows without the
       target, read with ``header=None``): taken by position;
    3. an array of ``n_features`` columns: taken by position.

    Anything else is a ValueError naming the expected and the missing
    columns. ``predict`` returns the labels as written in the file.

    Parameters
    ----------
    estimator : estimator
        Fitted on the feature columns and the codes (cloned).
    labels : array-like of shape (K,), optional
        The label of each code of ``y``; None when ``y`` holds the labels.
    headerless : bool, default=False
        Whether the file had no header row (its columns named by position).
    file_columns : list of str or None, default=None
        The names of all the file's columns, in order (``headerless``: their
        positions), target included.
    target : str or None, default=None
        The target column's name among ``file_columns``. With both, a
        headerless model reads a DataFrame numbered 0 to
        ``len(file_columns) - 1`` (the whole file) or to
        ``len(file_columns) - 2`` (the file without its target column: the
        columns after it move one place left) by position.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone.
    classes_ : ndarray of shape (K,)
        The labels, sorted (as scikit-learn's metrics expect): the columns
        of :meth:`predict_proba`.
    proba_columns_ : ndarray of shape (K,)
        For each of ``classes_``, the estimator's column (the label's
        code); only with ``labels``.
    feature_names_in_ : ndarray of str
        The feature columns, by the names ``compare`` gave them.
    n_features_in_ : int
    """

    def __init__(self, estimator, labels=None, headerless=False, file_columns=None,
                 target=None):
        self.estimator = estimator
        self.labels = labels
        self.headerless = headerless
        self.file_columns = file_columns
        self.target = target

    def fit(self, X, y):
        """Fit a clone of ``estimator`` on the DataFrame ``X`` and the codes ``y``."""
        names = [str(c) for c in X.columns]
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self.estimator_ = clone(self.estimator).fit(X.set_axis(names, axis=1), y)
        if self.labels is None:
            self.classes_ = np.asarray(self.estimator_.classes_)
            return self
        labels = np.asarray(self.labels)
        try:  # scikit-learn's metrics take predict_proba's columns in sorted label order
            order = np.argsort(labels, kind="stable")
        except TypeError:  # labels that do not compare: the codes' order
            order = np.arange(len(labels))
        self.classes_ = labels[order]
        self.proba_columns_ = order  # the estimator's column of each of classes_
        return self

    def _features(self, X):
        """The feature columns of ``X`` as the DataFrame the estimator was trained on."""
        import pandas as pd

        names = list(self.feature_names_in_)
        if isinstance(X, pd.DataFrame):
            given = [str(c) for c in X.columns]
            file_columns = getattr(self, "file_columns", None)  # None: saved before them
            if self.headerless and file_columns and getattr(self, "target", None) is not None:
                # by position: the whole file, or the file without its target column (the
                # columns after it one place left), whatever other columns were dropped;
                # positions as pd.read_csv(header=None) numbers them (0, 1, ...) or as
                # read_table(header=False) names them ("0", "1", ...)
                if given == [str(i) for i in range(len(file_columns))]:
                    return X.set_axis(list(file_columns), axis=1)[names]
                if given == [str(i) for i in range(len(file_columns) - 1)]:
                    kept = [c for c in file_columns if c != self.target]
                    return X.set_axis(kept, axis=1)[names]
            for found in (given, [c.strip() for c in given]):  # pd.read_csv keeps the
                # spaces after a separator ("x1, x2"), which compare skipped
                if len(set(found)) == len(found) and set(names) <= set(found):
                    return X.set_axis(found, axis=1)[names]
            # exactly the feature columns, by position: pd.read_csv(header=None)'s 0, 1, ...
            # or read_table(header=False)'s "0", "1", ...
            numbered = [str(c) for c in X.columns] == [str(i) for i in range(len(names))]
            if self.headerless and numbered:
                return X.set_axis(names, axis=1)
            missing = [n for n in names if n not in given]
            where = ("the file's columns by position (read it with sklearn_losses.cli.io."
                     "read_table(path, header=False), with or without the target column), or "
                     f"exactly the {len(names)} feature columns numbered 0 to {len(names) - 1}"
                     if self.headerless else
                     "columns of these names (read the file with sklearn_losses.cli.io."
                     "read_table(path), which reads it as compare did; other columns are "
                     "ignored)")
            raise ValueError(
                f"This model expects the feature columns {_listed(names)}: {where}. Got a "
                f"DataFrame with the columns {_listed(given)}; missing: {_listed(missing)}.")
        frame = None
        if not (hasattr(X, "shape") and len(X.shape) != 2):  # an array or a list of rows
            try:
                frame = pd.DataFrame(X if hasattr(X, "shape") else list(X))
            except (TypeError, ValueError):
                frame = None
        if frame is not None and frame.shape[1] == len(names):
            return frame.set_axis(names, axis=1)
        width = "?" if frame is None else frame.shape[1]
        raise ValueError(f"This model expects the {len(names)} feature columns "
                         f"{_listed(names)}: a DataFrame, or an array of {len(names)} columns "
                         f"in that order; got {type(X).__name__} with {width} columns.")

    def predict(self, X):
        """The predicted labels, as written in the file."""
        codes = self.estimator_.predict(self._features(X))
        if self.labels is None:
            return codes
        return np.asarray(self.labels)[np.asarray(codes, dtype=np.int64)]

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_`` (the labels sorted)."""
        proba = self.estimator_.predict_proba(self._features(X))
        # models saved before the columns were sorted have no proba_columns_: codes' order
        order = getattr(self, "proba_columns_", None)
        return proba if order is None else proba[:, order]


def _listed(names, limit=12) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return (shown + f", ... ({len(names)} in all)" if len(names) > limit else shown) or "none"
