"""The source distribution carries the tests, examples, docs and benchmarks (the wheel: the package)."""

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _sdist_files(tmp_path):
    subprocess.run(
        [sys.executable, "-c",
         "import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])",
         str(tmp_path)],
        cwd=ROOT, check=True, capture_output=True, text=True, timeout=300)
    (archive,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        return {name.split("/", 1)[1] for name in tar.getnames()
                if "/" in name and not tar.getmember(name).isdir()}


@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="not run from a source tree")
def test_the_sdist_holds_what_the_tests_and_examples_need(tmp_path):
    files = _sdist_files(tmp_path)
    for needed in ("tests/conftest.py", "tests/layout/test_packaging.py",
                   "examples/quickstart.py", "docs/conf.py", "docs/losses/index.rst",
                   "scripts/setup.sh", "benchmarks/split.csv", "benchmarks/bench_heldout.py",
                   "README.md", "LICENSE", "sklearn_losses/__init__.py"):
        assert needed in files, needed
    # nothing built or downloaded: generated docs pages, caches, fetched benchmark tables
    assert not [f for f in files if f.startswith(("docs/_build/", ".venv/"))
                or "__pycache__" in f or f.endswith(".pyc")
                or f.startswith(("benchmarks/results/fresh/data/",
                                 "benchmarks/results/fresh2/data/"))
                or (f.startswith("docs/losses/") and f != "docs/losses/index.rst")]

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return
    def git_files(*options):
        return set(subprocess.run(["git", "ls-files", *options], cwd=ROOT, check=True,
                                  capture_output=True, text=True).stdout.split())

    # every tracked file but the CI's own ships, and none that git ignores (built or fetched)
    assert not {f for f in git_files() if not f.startswith((".ci/", ".git"))} - files
    ignored = git_files("--others", "--ignored", "--exclude-standard")
    assert not {f for f in files & ignored if not f.startswith("sklearn_losses.egg-info/")}
