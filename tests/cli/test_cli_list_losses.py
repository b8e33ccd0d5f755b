"""``sklearn-losses list-losses``: a static table, no torch, whole descriptions (issue 21, 30).

The listing comes from ``sklearn_losses/cli/catalog.py``, generated from the
registries by ``python -m sklearn_losses.cli.make_catalog``;
:func:`test_catalog_is_in_sync_with_the_registries` fails when a loss or a
scheme is added, removed or re-described without regenerating it.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sklearn_losses.cli import main

REPO = Path(__file__).resolve().parents[2]


def _listing(capsys):
    assert main(["list-losses"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    blank = lines.index("")
    header = lines[0]
    starts = [header.index(word) for word in ("loss", "family", "kind", "classes",
                                              "description")]
    rows = {}
    for line in lines[1:blank]:
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None])]
        rows[cells[0]] = dict(zip(("loss", "family", "kind", "classes", "description"), cells))
    schemes = {}
    for line in lines[blank + 2:]:
        name, description = line.split(maxsplit=1)
        schemes[name] = description
    return rows, schemes


def test_list_losses_imports_neither_torch_nor_the_losses():
    code = ("import sys; from sklearn_losses.cli import main; rc = main(['list-losses']); "
            "heavy = sorted(m for m in ('torch', 'sklearn', 'skorch', 'pandas', "
            "'sklearn_losses.losses', 'sklearn_losses.weighting') if m in sys.modules); "
            "print('HEAVY', heavy, rc, file=sys.stderr)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=REPO)
    assert res.returncode == 0, res.stderr
    assert "HEAVY [] 0" in res.stderr
    assert "focal" in res.stdout and "inverse_sqrt" in res.stdout


def test_every_description_is_a_whole_plain_sentence(capsys):
    rows, schemes = _listing(capsys)
    descriptions = {**{n: r["description"] for n, r in rows.items()}, **schemes}
    for name, text in descriptions.items():
        assert text.endswith("."), (name, text)  # not cut off mid-sentence
        assert not re.search(r"[\\`{}]|:math:|:class:", text), (name, text)  # no raw markup
    # the one that was cut off with raw LaTeX
    assert schemes["inverse_sqrt"].startswith("Square-root inverse frequency")
    assert "∝" in schemes["inverse_sqrt"] and schemes["inverse_sqrt"].endswith("= K.")


def test_binary_only_losses_say_so(capsys):
    rows, _ = _listing(capsys)
    assert rows["ensloss"]["classes"] == "binary only"
    assert rows["focal"]["classes"] == "2+" and rows["zloss_spherical"]["classes"] == "3+"
    assert not any(re.fullmatch(r"(\d+)-\1", r["classes"]) for r in rows.values())


def test_listing_shows_each_loss_with_its_family_and_kind(capsys):
    from sklearn_losses import available_losses, available_reweightings

    rows, schemes = _listing(capsys)
    assert list(rows) == available_losses()
    batch = set(available_losses("batch"))
    for name, row in rows.items():
        assert row["kind"] == ("batch" if name in batch else "pointwise"), name
    assert rows["focal"]["family"] == "imbalance" and rows["gce"]["family"] == "robust"
    assert rows["focal"]["description"].startswith("Focal loss")
    assert list(schemes) == ["none", *available_reweightings()]


def test_catalog_is_in_sync_with_the_registries():
    from sklearn_losses.cli import make_catalog

    path = REPO / "sklearn_losses" / "cli" / "catalog.py"
    assert path.read_text(encoding="utf-8") == make_catalog.render(), (
        "sklearn_losses/cli/catalog.py is out of date with the loss and re-weighting "
        "registries: run `python -m sklearn_losses.cli.make_catalog` and commit the result")


@pytest.mark.parametrize("doc, expected", [
    ("Generalized (the :math:`L_q` loss).\n\nMore.", "Generalized (the L_q loss)."),
    ("  ``1 - F_1`` via :class:`~sklearn_losses.Loss`.", "1 - F_1 via Loss."),
    ("Square-root, :math:`c_j \\propto n_j^{-1/2}`, with\n:math:`\\sum_j c_j = K`. A milder "
     "one (*A Survey*, Zhang et al., 2023).",
     "Square-root, c_j ∝ n_j^(-1/2), with Σ_j c_j = K."),
    ("Weights (Cui et al., CVPR 2019).", "Weights (Cui et al., CVPR 2019)."),
    ("No period at the end", "No period at the end."),
    (None, ""),
])
def test_describe_turns_a_docstring_into_one_plain_sentence(doc, expected):
    from sklearn_losses.cli.make_catalog import describe

    assert describe(doc) == expected


def test_compare_output_folder_is_git_ignored():
    from sklearn_losses.cli.parser import DEFAULT_OUT

    paths = [f"{DEFAULT_OUT}/leaderboard.csv", f"examples/{DEFAULT_OUT}/leaderboard.png"]
    try:
        res = subprocess.run(["git", "check-ignore", *paths], cwd=REPO, capture_output=True,
                             text=True, timeout=30)
    except OSError:
        pytest.skip("git is not installed")
    if res.returncode == 128:
        pytest.skip(f"not a git checkout: {res.stderr.strip()}")
    assert res.stdout.split() == paths, f"{DEFAULT_OUT}/ is not in .gitignore"
