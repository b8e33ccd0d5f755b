"""The ``sklearn-losses`` command line: which loss suits my data?

``sklearn-losses compare`` cross-validates :class:`~sklearn_losses.WeightedLossClassifier`
with every combination of the given losses and re-weighting schemes on a CSV
file, prints a leaderboard and writes it (CSV and figure) to a folder.

Usage
-----
::

    sklearn-losses compare data.csv --target churned
    sklearn-losses compare data.csv --target churned --losses focal poly1 \\
        --reweight none balanced class_balanced --scoring average_precision roc_auc
    sklearn-losses compare table.csv --no-header --target -1   # label in the last column
    sklearn-losses compare data.csv -t churned --save-best model.joblib
    sklearn-losses compare                  # the generated demo data set
    sklearn-losses compare --quick          # a smoke test: 600 rows, 2 folds, 30 epochs
    sklearn-losses compare big.csv -t label --max-rows 5000   # a quick look at a large file
    sklearn-losses compare eu.csv -t label --sep ';' --decimal ,   # 3,14 for 3.14
    sklearn-losses compare us.csv -t label --thousands ,   # 1,275.22 for 1275.22
    sklearn-losses list-losses              # the losses and re-weighting schemes
    sklearn-losses --version
    python -m sklearn_losses.cli compare ... # the same without the console script

``compare`` in detail (the command line page of the documentation says more):

- **data**: read by :func:`sklearn_losses.cli.io.read_table` (``--sep``,
  ``\\t`` for tabs, ``--encoding``, ``--decimal``, ``--thousands``; every cell as text,
  spaces after a separator skipped). A header naming a column twice is an
  error; a column with no name and no value is left out with a note; a
  header row of numbers gets a warning (``--no-header``). A text column of numbers
  written with the other decimal mark (``3,14`` without ``--decimal ,``)
  gets a one-line warning suggesting the option, as does a text column of
  numbers with thousands separators (``1,275.22`` without ``--thousands ,``);
  numbers with a currency sign, percent sign or unit (``$12``, ``12%``) get
  a warning asking to take it off. ``--target`` names the label column,
  or gives its position (``0`` the first, ``-1`` the last; a column name
  wins over a position), and is required with a file; ``--no-header`` reads
  a file whose first row is data, naming the columns ``0``, ``1``, ... Every
  other column is a feature, except those given to ``--drop``. String labels
  lose their surrounding spaces. A numeric column holding ``inf`` or
  ``-inf`` is an error naming it. Without a file, the command runs on
  :func:`sklearn_losses.datasets.make_demo_dataset` (target ``target``).
- **preprocessing**: none outside the model. The table reaches each fold's
  ``WeightedLossClassifier`` as read, and its own encoder
  (``preprocessing="auto"``, the package's one column rule) encodes it:
  numeric columns scaled robustly (missing values imputed, with an
  indicator), text and category columns one-hot (up to 16 levels) or target
  encoded (more levels; unseen categories zeros or the target mean).
- **sample**: ``--max-rows N`` cross-validates on a stratified random sample
  of N rows (each class keeps its share, and at least ``--folds`` rows).
- **binary targets**: the positive class is ``--positive-label``, by
  default the minority class. Multiclass targets are scored with the macro
  averages of the scorers.
- **models**: ``WeightedLossClassifier(loss=..., reweight=..., max_epochs=...,
  device=..., random_state=...)`` per combination, with its other defaults;
  ``drw`` configurations train with ``early_stopping=False`` so that their
  deferred class weights switch on. ``--losses all`` skips the losses that
  cannot handle the target's number of classes (a note says which). The
  grid leaves out, with a note, the pairs that would correct for the class
  imbalance twice (a prior-correcting loss such as ``logit_adjusted`` with
  ``balanced``-style weights; a batch-level loss with class weights) or
  cannot run (``dro_kl`` with a batch-level loss), unless the loss is named
  in ``--losses`` and the scheme in ``--reweight``.
- **evaluation**: :func:`sklearn_losses.compare.cross_validate_configs` over
  ``StratifiedKFold(--folds, shuffle=True, random_state=--random-state)``,
  the same folds for every configuration, with the scorers of
  :func:`sklearn_losses.metrics.get_scorer`. A configuration that fails is
  reported with its error and ranked last; the others still run.
- **ranking**: by the mean of the first ``--scoring`` metric; means equal
  as shown (3 decimals) by the second metric, then the next ones, then the simpler configuration (``cross_entropy``,
  no re-weighting), then the name. Configurations that the Nadeau-Bengio
  corrected resampled t-test over the shared folds cannot tell apart from
  the best (p >= 0.05) are marked ``≈``.
- **speed**: ``--threads`` sets torch's CPU threads; ``--jobs`` fits in
  parallel processes. Warnings raised in the fits are collected with each
  fold's result (also in worker processes) and printed in full once per
  run; a configuration that raises one already shown gets a short line.
- **output**: the leaderboard on stdout; progress, notes and warnings on
  stderr (``--quiet`` keeps only failures); in ``--out``:
  ``leaderboard.csv`` and, unless ``--no-plot``, ``leaderboard.png`` (one
  panel per metric, fold scores and mean ± std per configuration). The
  output paths are checked before any training. ``--save-best PATH``
  refits the best configuration on all rows and saves it with joblib
  (:class:`~sklearn_losses.cli.model.RelabeledClassifier`: it predicts on
  new rows read with :func:`sklearn_losses.cli.io.read_table`, as ``compare``
  read the file, finding the feature columns by name, or by position for a
  headerless file).

Exit status: 0 when at least one configuration was evaluated, 1 when every
configuration failed, 2 for a usage or data error (the message on stderr names
the problem), 130 when interrupted (Ctrl-C, SIGINT) and 143 when terminated
(SIGTERM): the worker processes of ``--jobs`` are killed, one line says which
signal stopped the run, the configurations whose folds all finished are
printed as a partial leaderboard, and nothing is written; 141 when the reader
of the output closed it (``| head``).
"""

from ._base import CLIError
from .commands import main
from .parser import build_parser

__all__ = ["CLIError", "build_parser", "main"]
