"""Generate ``sklearn_losses/cli/catalog.py``, the static listing of ``list-losses``.

``sklearn-losses list-losses`` must answer at once, so it reads a static
table instead of importing the losses (and torch). This module builds that
table from the registries: for each loss its name, family (the module it is
defined in), kind (pointwise or batch-level), the numbers of classes it
handles and the first sentence of its docstring as plain text; for each
re-weighting scheme its name and description. Run it after adding, removing
or re-describing a loss or a scheme::

    python -m sklearn_losses.cli.make_catalog          # rewrite catalog.py
    python -m sklearn_losses.cli.make_catalog --check  # exit 1 when it is out of date

``tests/cli/test_cli_list_losses.py`` fails while ``catalog.py`` differs
from :func:`render`.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from pathlib import Path

__all__ = ["PATH", "build", "describe", "main", "render"]

#: The generated module.
PATH = Path(__file__).with_name("catalog.py")

#: LaTeX commands of the docstrings' formulas, as plain text.
_LATEX = {r"\propto": "∝", r"\sum": "Σ", r"\prod": "Π", r"\beta": "β", r"\alpha": "α",
          r"\gamma": "γ", r"\tau": "τ", r"\lambda": "λ", r"\delta": "δ", r"\epsilon": "ε",
          r"\sigma": "σ", r"\log": "log", r"\exp": "exp", r"\cdot": "·", r"\times": "×",
          r"\le": "≤", r"\ge": "≥", r"\infty": "∞", r"\,": " ", r"\;": " ", r"\!": ""}
#: Abbreviations whose period does not end a sentence.
_ABBREVIATIONS = ("al.", "e.g.", "i.e.", "cf.", "vs.", "etc.", "Fig.", "Eq.")


def _math(tex: str) -> str:
    """A LaTeX formula as plain text: ``c_j \\propto n_j^{-1/2}`` -> ``c_j ∝ n_j^(-1/2)``."""
    for command in sorted(_LATEX, key=len, reverse=True):
        tex = re.sub(re.escape(command) + r"(?![A-Za-z])", _LATEX[command], tex)
    tex = re.sub(r"\\(?:mathrm|mathbf|text|operatorname)\{([^{}]*)\}", r"\1", tex)
    tex = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", tex)
    tex = re.sub(r"([\^_])\{([^{}]*)\}", lambda m: m.group(1) + (
        m.group(2) if re.fullmatch(r"\w+", m.group(2)) else f"({m.group(2)})"), tex)
    tex = re.sub(r"\\([A-Za-z]+)", r"\1", tex)  # any other command: its name
    return re.sub(r"\s+", " ", tex.replace("{", "").replace("}", "")).strip()


def describe(doc) -> str:
    """The first sentence of a docstring as plain text (reST and LaTeX markup removed).

    The first paragraph is joined into one line, roles become their text
    (``:math:`` formulas in plain notation, ``:class:`~a.B``` -> ``B``),
    literals and emphasis lose their markers, and the text is cut after its
    first sentence, which always ends with a period.
    """
    paragraph = inspect.cleandoc(doc or "").split("\n\n")[0]
    text = re.sub(r"\s+", " ", paragraph).strip()
    if not text:
        return ""
    text = re.sub(r":math:`([^`]*)`", lambda m: _math(m.group(1)), text)
    text = re.sub(r":\w+:`~?(?:[\w.]+\.)?([^`]+)`", r"\1", text)  # :class:`~a.B`, :func:`f`
    text = text.replace("``", "")
    text = re.sub(r"(?<!\w)\*{1,2}([^*]+)\*{1,2}(?!\w)", r"\1", text)  # *emphasis*
    for match in re.finditer(r"[.!?](?=\s+[A-Z(\"'])", text):
        head = text[:match.end()]
        if not head.endswith(_ABBREVIATIONS):
            text = head
            break
    return text if text.endswith((".", "!", "?")) else text + "."


def _classes(cls) -> tuple:
    return cls.min_classes, cls.max_classes


def build() -> dict:
    """The catalogue from the registries (imports the losses, hence torch).

    Returns
    -------
    catalog : dict
        ``losses``: tuples ``(name, family, kind, min_classes, max_classes,
        description)`` in name order; ``reweightings``: tuples ``(name,
        description)`` in name order.
    """
    from ..losses.base import available_losses, get_loss_class
    from ..weighting import available_reweightings, get_reweighting

    batch = set(available_losses("batch"))
    losses = []
    for name in available_losses():
        cls = get_loss_class(name)
        losses.append((name, cls.__module__.rsplit(".", 1)[-1],
                       "batch" if name in batch else "pointwise", *_classes(cls),
                       describe(cls.__doc__)))
    reweightings = [(name, describe(type(get_reweighting(name)).__doc__))
                    for name in available_reweightings()]
    return {"losses": losses, "reweightings": reweightings}


_HEADER = '''"""The losses and re-weighting schemes that ``sklearn-losses list-losses`` lists.

GENERATED from the registries by ``python -m sklearn_losses.cli.make_catalog``:
do not edit by hand. ``tests/cli/test_cli_list_losses.py`` fails when this
table is out of date. Static, so that ``list-losses`` imports neither the
losses nor torch.
"""

__all__ = ["LOSSES", "REWEIGHTINGS"]

#: ``(name, family, kind, min_classes, max_classes or None, description)``, by name.
LOSSES = (
'''


def render(catalog=None) -> str:
    """The text of ``catalog.py`` for ``catalog`` (default: :func:`build`)."""
    catalog = build() if catalog is None else catalog
    lines = [_HEADER]
    for name, family, kind, low, high, description in catalog["losses"]:
        lines.append(f"    ({name!r}, {family!r}, {kind!r}, {low!r}, {high!r},\n"
                     f"     {description!r}),\n")
    lines.append(")\n\n#: ``(name, description)`` of the re-weighting schemes, by name "
                 "(``none`` is the CLI's own).\nREWEIGHTINGS = (\n")
    for name, description in catalog["reweightings"]:
        lines.append(f"    ({name!r},\n     {description!r}),\n")
    lines.append(")\n")
    return "".join(lines)


def main(argv=None) -> int:
    """Rewrite ``catalog.py`` (or, with ``--check``, say whether it is up to date)."""
    parser = argparse.ArgumentParser(prog="python -m sklearn_losses.cli.make_catalog",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when catalog.py is out of date; write nothing")
    args = parser.parse_args(argv)
    text = render()
    current = PATH.read_text(encoding="utf-8") if PATH.exists() else None
    if args.check:
        if current != text:
            print(f"{PATH} is out of date: run python -m sklearn_losses.cli.make_catalog",
                  file=sys.stderr)
            return 1
        return 0
    if current != text:
        PATH.write_text(text, encoding="utf-8")
        print(f"wrote {PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
