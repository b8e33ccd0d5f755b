"""Sphinx extension: the ``example-gallery`` directive (the Examples page).

For every script of the ``examples_dir`` configuration value (``conf.py``;
the repository's ``examples/`` folder) the directive renders a section:

- the title: the first line of the script's docstring;
- the rest of the docstring as text (reStructuredText), without the
  ``python examples/...`` command lines, which go to a ``bash`` block
  ("Run it");
- the code after the docstring, through ``literalinclude`` (so the page
  always shows the script as it is in the repository).

A table of the examples with links to their sections comes first. Each
section carries the label ``example-<script stem>`` (e.g.
``:ref:`example-quickstart```). The directive's content, one file name per
line, fixes the order; scripts it does not name follow in alphabetical order.
It needs no sphinx-gallery: the scripts are not run at build time (the test
suite runs each of them with ``--quick``).
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.util.nodes import nested_parse_with_titles

COMMAND = re.compile(r"^\s*(python|sklearn-losses)\s+\S")


def example_scripts(env, order=()):
    """The example scripts of ``env.config.examples_dir``: ``order`` first, then by name."""
    folder = Path(env.config.examples_dir) if env.config.examples_dir else None
    scripts = sorted(folder.glob("*.py")) if folder and folder.is_dir() else []
    scripts = [s for s in scripts if not s.name.startswith("_")]
    rank = {name: i for i, name in enumerate(order)}
    return sorted(scripts, key=lambda s: (rank.get(s.name, len(rank)), s.name))


def parse_example(script: Path) -> dict:
    """``title``, ``summary``, ``body`` (reST lines), ``commands`` and ``code_line``.

    ``code_line`` is the first line (1-based) of the code after the module
    docstring.
    """
    source = script.read_text(encoding="utf-8")
    tree = ast.parse(source)
    doc = ast.get_docstring(tree) or ""
    lines = source.splitlines()
    code_line = 1
    if tree.body and isinstance(tree.body[0], ast.Expr) and doc:
        code_line = tree.body[0].end_lineno + 1
    while code_line <= len(lines) and not lines[code_line - 1].strip():
        code_line += 1

    paragraphs = [p for p in re.split(r"\n\s*\n", doc.strip()) if p.strip()]
    summary = " ".join(paragraphs[0].split()) if paragraphs else script.stem
    commands, body = [], []
    for p in paragraphs[1:]:
        p_lines = p.splitlines()
        if all(COMMAND.match(line) for line in p_lines):
            commands += [line.strip() for line in p_lines]
            # a lead-in such as "Run it:" loses its block
            if body and len(body[-1]) == 1 and body[-1][0].rstrip().endswith(":") \
                    and len(body[-1][0]) < 30:
                body.pop()
            continue
        body.append(p_lines)
    body_lines = []
    for p_lines in body:
        body_lines += [*p_lines, ""]
    return {"title": summary.rstrip("."), "summary": summary, "body": body_lines,
            "commands": commands, "code_line": code_line, "n_lines": len(lines)}


class ExampleGallery(Directive):
    """Every example script: its description, how to run it, its code."""

    has_content = True

    def run(self):
        env = self.state.document.settings.env
        order = [line.strip() for line in self.content if line.strip()]
        scripts = example_scripts(env, order)
        if not scripts:
            return [nodes.paragraph(text="(No example scripts were found for this build.)")]
        here = (Path(env.srcdir) / env.docname).parent
        examples = [(s, parse_example(s)) for s in scripts]

        rows = [".. list-table::", "   :header-rows: 1", "   :widths: 30 70", "",
                "   * - Script", "     - What it shows"]
        for script, ex in examples:
            rows += [f"   * - :ref:`{script.name} <example-{script.stem}>`",
                     f"     - {ex['summary']}"]
        rows.append("")
        for script, ex in examples:
            env.note_dependency(str(script))
            title = ex["title"]
            rows += [f".. _example-{script.stem}:", "", title, "-" * max(len(title), 3), "",
                     f"``examples/{script.name}``", ""]
            rows += ex["body"]
            if ex["commands"]:
                rows += ["**Run it**", "", ".. code-block:: bash", ""]
                rows += [f"   {c}" for c in ex["commands"]] + [""]
            rel = os.path.relpath(script, here).replace(os.sep, "/")
            rows += ["**The code**", "", f".. literalinclude:: {rel}", "   :language: python",
                     f"   :lines: {ex['code_line']}-", ""]
        node = nodes.section()
        node.document = self.state.document
        nested_parse_with_titles(self.state, StringList(rows, source="example-gallery"), node)
        return node.children


def setup(app):
    if "examples_dir" not in app.config:
        app.add_config_value("examples_dir", "", "env")
    app.add_directive("example-gallery", ExampleGallery)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
