"""``python -m sklearn_losses.cli``: the ``sklearn-losses`` command."""

from . import main

raise SystemExit(main())
