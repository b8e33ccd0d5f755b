"""What the README and the docs tell a newcomer about installing and the CLI (issue 21, item 26)."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CPU_INDEX = "--index-url https://download.pytorch.org/whl/cpu"


def _pages():
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.rst"))]


def test_every_torch_install_command_uses_the_cpu_wheel_index():
    # a bare `pip install torch` pulls the multi-GB CUDA build on Linux
    bare = []
    for page in _pages():
        for i, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"^\s*(\$\s*)?pip install .*\btorch\b", line) and CPU_INDEX not in line:
                bare.append(f"{page.relative_to(REPO)}:{i}: {line.strip()}")
    assert not bare, bare
    assert CPU_INDEX in (REPO / "docs" / "index.rst").read_text(encoding="utf-8")
    assert "https://download.pytorch.org/whl/cpu" in (REPO / "scripts" / "setup.sh").read_text()


def test_readme_demo_figures_match_the_cli_defaults():
    from sklearn_losses.cli.parser import (DEFAULT_BASELINE, DEFAULT_LOSSES, DEFAULT_REWEIGHT,
                                           FULL)

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("On the 2000-row demo"):]
    paragraph = paragraph[:paragraph.index("\n\n")]
    n_configs = len(DEFAULT_LOSSES) * len(DEFAULT_REWEIGHT) - 1  # less logit_adjusted + balanced
    assert DEFAULT_BASELINE == ("hgb",)
    assert (f"{n_configs}\nconfigurations and the reference model x {FULL['folds']} folds"
            in paragraph)
    assert f"the {FULL['max_epochs']} epochs" in paragraph
    assert f"{FULL['demo_rows']}-row demo" in paragraph
