"""The documentation builds without warnings and shows what it should.

Builds ``docs/`` with ``sphinx-build -W --keep-going -b html`` (warnings are
errors) from a copy of the folder in a temporary directory, so the pages and
plots generated at build time do not land in the working tree. Skipped when
the documentation tools (the ``docs`` extra) are not installed.
"""

import ast
import html
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

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
EXAMPLES = REPO / "examples"


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
                 "losses/index", "examples", "scale_out"]:
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


def _squeezed(text):
    """``text`` without entities and whitespace: code lines survive syntax highlighting."""
    return re.sub(r"\s+", "", html.unescape(text))


def test_index_links_the_examples_and_scale_out_pages(built_docs):
    index = (built_docs / "index.html").read_text(encoding="utf-8")
    for page in ("examples.html", "scale_out.html"):
        assert f'href="{page}"' in index, page


def test_examples_page_shows_every_script_with_its_code(built_docs):
    page = (built_docs / "examples.html").read_text(encoding="utf-8")
    text = _text(built_docs / "examples.html")
    code = _squeezed(text)
    scripts = sorted(EXAMPLES.glob("*.py"))
    assert scripts
    for script in scripts:
        source = script.read_text(encoding="utf-8")
        tree = ast.parse(source)
        summary = ast.get_docstring(tree).strip().split("\n\n")[0]
        # the section (an anchor the getting-started list links to), the description
        assert f'id="example-{script.stem.replace("_", "-")}"' in page, script.name
        assert f"examples/{script.name}" in text, script.name
        assert _squeezed(summary.replace("``", "").rstrip(".")) in code, script.name
        # the command lines of the docstring, and the code after the docstring
        assert f"python examples/{script.name} --quick" in text, script.name
        body = source.splitlines()[tree.body[0].end_lineno:]
        for line in [line for line in body if line.strip()][:3] + [max(body, key=len)]:
            assert _squeezed(line) in code, (script.name, line)
    # the code is shown once: the docstring is rendered as text, not repeated in the code
    assert page.count('"""Grid search over losses on a Dask cluster.') == 0
    getting_started = (built_docs / "getting_started.html").read_text(encoding="utf-8")
    assert 'href="examples.html#example-quickstart"' in getting_started


def test_scale_out_page_covers_local_and_real_clusters_and_gpus(built_docs):
    text = _text(built_docs / "scale_out.html")
    for needle in ['joblib.parallel_backend("dask")', "LocalCluster(n_workers=2, "
                   "threads_per_worker=1, processes=True)", 'Client("tcp://SCHEDULER:8786")',
                   "dask worker tcp://SCHEDULER:8786", "CUDA_VISIBLE_DEVICES=0",
                   "LocalCUDACluster", "dask cuda worker", 'device="auto"',
                   "OMP_NUM_THREADS", "tests/estimator/test_dask.py"]:
        assert _squeezed(needle) in _squeezed(text), needle
    assert "global random generator alone" in text


def test_benchmark_pages_have_a_reading(built_docs):
    for name, needles in {"anyloss": ["The claim.", "Headline.", "sign test"],
                          "noisy_labels": ["Headline.", "roughly balanced datasets"]}.items():
        page = built_docs / "benchmarks" / f"{name}.html"
        if not (DOCS / "benchmarks" / f"{name}.md").exists():
            continue
        text = _text(page)
        assert "Reading" in text, name
        for needle in needles:
            assert needle in text, (name, needle)


def test_cli_page_documents_the_new_options(built_docs):
    text = _text(built_docs / "cli.html")
    for option in ("--encoding", "--max-rows", "--progress", "--thousands"):
        assert text.count(option) >= 2, option  # in the prose and in the --help text


def test_cli_page_shows_the_help_text_with_the_new_options(built_docs):
    page = (built_docs / "cli.html").read_text(encoding="utf-8")
    blocks = [html.unescape(re.sub(r"<[^>]+>", "", b))
              for b in re.findall(r"<pre>(.*?)</pre>", page, flags=re.S)]
    helps = [b for b in blocks if b.lstrip().startswith("usage: sklearn-losses compare")]
    assert len(helps) == 1, [b[:60] for b in blocks]
    for option in ("--encoding", "--max-rows", "--progress", "--thousands"):
        assert option in helps[0], option
