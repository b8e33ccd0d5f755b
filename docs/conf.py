"""Sphinx configuration of the sklearn-losses documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
Loss pages (``losses/<name>.rst``) and their plots are generated from the
loss registry at build time by ``_ext/loss_pages.py``.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
# Let autodoc import the package from a plain checkout, too.
if (HERE.parent / "sklearn_losses" / "__init__.py").exists():
    sys.path.insert(0, str(HERE.parent))

os.environ.setdefault("MPLBACKEND", "Agg")

import sklearn_losses  # noqa: E402

project = "sklearn-losses"
author = "sklearn-losses developers"
copyright = "sklearn-losses developers"
release = sklearn_losses.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "loss_pages",
    "example_gallery",
    "decision_plots",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store", "**/.ipynb_checkpoints"]
templates_path = []

# Plots of the loss pages: outside the sources, under the (git-ignored) _build.
loss_plots_dir = "_build/loss_plots"
# Example scripts listed in getting_started and shown on the examples page
# (found next to the imported package, so that a copy of docs/ built elsewhere
# still finds them).
examples_dir = str(Path(sklearn_losses.__file__).resolve().parents[1] / "examples")

# -- autodoc / autosummary / numpydoc ---------------------------------------
autosummary_generate = False  # tables only; the objects are documented in the pages
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {}
autodoc_inherit_docstrings = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True
add_module_names = False
# Every cross-reference into this package must resolve (the -W build fails on a broken
# one); references to other projects are not checked (there is no intersphinx).
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(sklearn|imblearn|pandas|numpy|scipy|torch|skorch|joblib|polars|dask|mapie"
               r"|fractions|decimal|datetime|warnings|collections)(\..*)?"),
]
python_use_unqualified_type_names = True

# -- MyST (benchmark pages are markdown) --------------------------------------
myst_enable_extensions = []
myst_heading_anchors = 3

# -- HTML --------------------------------------------------------------------
html_title = f"sklearn-losses {release}"
html_theme = "pydata_sphinx_theme"
html_theme_options = {
    "navigation_depth": 2,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_static_path = []
html_show_sourcelink = False
html_copy_source = False
