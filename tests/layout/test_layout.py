"""The layout stays readable: the estimator module and its functions stay small, the engine
modules stay under their size, and nothing in the engine reaches back up to the estimator."""

import ast
import io
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "sklearn_losses"


def code_lines(source: str, start=1, end=None) -> int:
    """Lines of ``source`` (``start``..``end``, 1-based) holding code: not blank, not only a
    comment, not part of a docstring."""
    tree = ast.parse(source)
    doc_lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                doc_lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                        tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        lines.update(range(tok.start[0], tok.end[0] + 1))
    end = end or len(source.splitlines())
    return len({n for n in lines - doc_lines if start <= n <= end})


def test_code_line_counter():
    src = '"""doc\n\nstring"""\n\n# comment\nx = 1  # trailing\n\ndef f():\n    """d."""\n    return (1,\n            2)\n'
    assert code_lines(src) == 4


def test_estimator_module_is_small():
    source = (PACKAGE / "classifier.py").read_text()
    assert code_lines(source) <= 420


def test_no_estimator_function_is_long():
    source = (PACKAGE / "classifier.py").read_text()
    long = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = code_lines(source, node.lineno, node.end_lineno)
            if n > 60:
                long[node.name] = n
    assert not long, long


@pytest.mark.parametrize("module", sorted(f"{p.parent.name}/{p.name}" for package in
                                           ("engine", "network", "ensemble")
                                           for p in (PACKAGE / package).glob("*.py")))
def test_engine_network_and_ensemble_modules_are_small(module):
    """One concern per module: at most 200 lines of code (docstrings and comments aside)."""
    assert code_lines((PACKAGE / module).read_text()) <= 200


def resolved_imports(path, root=PACKAGE):
    """The dotted names a file imports: every module, and ``M.name`` for each
    ``from M import name`` (a module or an object), relative imports resolved against the
    file's package, so that ``from .. import classifier`` counts as
    ``sklearn_losses.classifier``."""
    package = list(path.relative_to(root.parent).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            names.add(module)
            names.update(f"{module}.{a.name}" for a in node.names)
    return names


def _ours(names, *tops):
    """The names that are (or are inside) ``sklearn_losses.<top>`` for a top in ``tops``."""
    return {n for n in names if n.startswith("sklearn_losses.")
            and n.split(".")[1] in tops}


def test_resolved_imports_see_every_form_of_an_import(tmp_path):
    (tmp_path / "sklearn_losses" / "engine").mkdir(parents=True)
    path = tmp_path / "sklearn_losses" / "engine" / "x.py"
    path.write_text("from .. import classifier\nfrom ..plan import make_plan\n"
                    "from . import data\nimport sklearn_losses.cli\n"
                    "from sklearn_losses import WeightedLossClassifier\n")
    names = resolved_imports(path, root=tmp_path / "sklearn_losses")
    assert {"sklearn_losses.classifier", "sklearn_losses.plan.make_plan",
            "sklearn_losses.engine.data", "sklearn_losses.cli",
            "sklearn_losses.WeightedLossClassifier"} <= names
    assert _ours(names, "classifier", "WeightedLossClassifier") == {
        "sklearn_losses.classifier", "sklearn_losses.WeightedLossClassifier"}


@pytest.mark.parametrize("module", sorted(p.name for p in (PACKAGE / "network").glob("*.py")))
def test_the_networks_import_nothing_above_them(module):
    """The engine builds the networks: they see neither the engine, the plan nor the estimator."""
    above = _ours(resolved_imports(PACKAGE / "network" / module), "engine", "plan",
                  "classifier", "WeightedLossClassifier")
    assert not above, above


@pytest.mark.parametrize("module", sorted(p.name for p in (PACKAGE / "engine").glob("*.py"))
                         + ["plan.py"])
def test_nothing_below_the_estimator_imports_it(module):
    path = PACKAGE / ("engine/" + module if module != "plan.py" else module)
    up = _ours(resolved_imports(path), "classifier", "WeightedLossClassifier")
    assert not up, up


def test_cli_parser_does_not_import_the_commands():
    # commands imports the parser's defaults; the parser must not import commands back
    names = resolved_imports(PACKAGE / "cli" / "parser.py")
    assert not {n for n in names if n.startswith("sklearn_losses.cli.commands")}, names


def test_comparison_loop_does_not_import_the_cli():
    names = resolved_imports(PACKAGE / "compare.py")
    assert not _ours(names, "cli"), names
