"""The documentation builds without warnings and shows what it should.

Builds ``docs/`` with ``sphinx-build -W --keep-going -b html`` (warnings are
errors) from a copy of the folder in a temporary directory, so the pages and
plots generated at build time do not land in the working tree. Skipped when
the documentation tools (the ``docs`` extra) are not installed.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

for _module in ("sphinx", "numpydoc", "myst_parser", "pydata_sphinx_theme", "matplotlib"):
    pytest.importorskip(_module)

from sklearn_losses import available_losses  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory):
    """Build the HTML documentation once; the output folder."""
    work = tmp_path_factory.mktemp("docs")
    src = work / "docs"
    shutil.copytree(DOCS, src, ignore=shutil.ignore_patterns("_build", "__pycache__"))
    out = work / "html"
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(src), str(out)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert proc.returncode == 0, (
        f"sphinx-build failed (exit {proc.returncode}):\n{proc.stdout[-5000:]}\n"
        f"{proc.stderr[-10000:]}")
    return out


def _text(path):
    """Visible text of an HTML page, tags stripped (scripts and styles dropped)."""
    html = path.read_text(encoding="utf-8")
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_key_pages_exist(built_docs):
    for page in ["index", "getting_started", "user_guide", "api", "cli", "benchmarks",
                 "losses/index"]:
        assert (built_docs / f"{page}.html").is_file(), page


def test_every_registered_loss_has_a_page_and_a_table_row(built_docs):
    table = (built_docs / "losses" / "index.html").read_text(encoding="utf-8")
    for name in available_losses():
        assert (built_docs / "losses" / f"{name}.html").is_file(), name
        assert f'href="{name}.html"' in table, name


def test_loss_page_has_formula_parameters_and_plot(built_docs):
    html = (built_docs / "losses" / "focal.html").read_text(encoding="utf-8")
    # the formula of the docstring, as TeX for MathJax
    assert 'class="math' in html
    assert r"(1 - p_y)^{\gamma} \log p_y" in html
    # the class reference with its parameters and defaults
    assert "FocalLoss" in html and "gamma=2.0" in html
    # the plot, copied to the output
    images = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert any(src.endswith("focal.png") for src in images), images
    for src in images:
        if not src.startswith(("http:", "https:", "data:")):
            assert (built_docs / "losses" / src).resolve().is_file(), src


def test_batch_level_and_stochastic_loss_pages(built_docs):
    assert "<img" in (built_docs / "losses" / "anyloss_f1.html").read_text(encoding="utf-8")
    ensloss = _text(built_docs / "losses" / "ensloss.html")
    assert "No plot" in ensloss and "stochastic" in ensloss


def test_api_page_documents_the_public_objects(built_docs):
    text = _text(built_docs / "api.html")
    for name in ["WeightedLossClassifier", "get_loss", "available_losses", "predict_proba",
                 "ClassBalanced", "get_scorer", "make_loss_scorer", "FocalLoss"]:
        assert name in text, name


def test_no_raw_markup_leaks_into_pages(built_docs):
    leaks = re.compile(r":(?:math|class|func|meth|mod|doc|ref):`|\.\. [a-z-]+::|"
                       r"System Message|Unknown (?:directive|interpreted text role)")
    for page in sorted(built_docs.rglob("*.html")):
        if page.parent.name.startswith("_") or page.name in ("genindex.html", "search.html"):
            continue
        match = leaks.search(_text(page))
        assert match is None, f"{page.relative_to(built_docs)}: {match.group(0)!r}"
