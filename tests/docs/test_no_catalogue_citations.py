"""No tracked file of the repository cites the project's internal loss catalogue.

A user's install has only the repository, so docstrings, docs and comments
cite the Design rules page (docs/design.rst) or state the rule instead.
"""

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NEEDLE = "LOSSES" + ".md"  # split so that this file does not cite it itself


def _tracked_files():
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [REPO / p for p in out.split("\0") if p]


def test_no_file_cites_the_internal_catalogue():
    files = _tracked_files()
    assert any(f.name == "design.rst" for f in files)  # the check does see the docs
    offenders = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue  # binary files (plots), files deleted in the working tree
        offenders += [f"{path.relative_to(REPO)}:{i}" for i, line in
                      enumerate(text.splitlines(), 1) if NEEDLE in line]
    assert not offenders, f"{NEEDLE} cited (cite docs/design.rst instead): {offenders}"


def test_design_page_is_in_the_toctree_with_its_section_labels():
    index = (REPO / "docs" / "index.rst").read_text(encoding="utf-8")
    assert "\n   design\n" in index
    design = (REPO / "docs" / "design.rst").read_text(encoding="utf-8")
    for label in ["design-conventions", "design-reduction", "design-numerics", "design-ovr",
                  "design-batches", "design-simpson", "design-select-by-scorer",
                  "design-calibration", "design-reweight-resample",
                  "design-noise-imbalance"]:
        assert f".. _{label}:" in design, label
