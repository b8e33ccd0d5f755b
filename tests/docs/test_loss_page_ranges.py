"""The generated loss pages state the accepted range of each parameter (issue 21, item 19)."""

import sys
from pathlib import Path

import pytest

pytest.importorskip("docutils")
pytest.importorskip("sphinx")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "docs" / "_ext"))
import loss_pages  # noqa: E402

from sklearn_losses.losses import available_losses, get_loss_class  # noqa: E402


@pytest.mark.parametrize("name, expected", [
    ("focal", "``gamma=2.0`` (in [0, 100]), ``alpha=None`` (in (0, 1) or an array of one "
              "value per class)"),
    ("ldam", "``scale=30.0`` (in (0, 1e4])"),
    ("logit_clip", "``delta=1.0`` (in [1e-3, 1e4] or inf)"),
    ("nce_rce", "``A=-4.0`` (in [-1e3, 0))"),
    ("gce", "``q=0.7`` (in [1e-6, 1])"),
])
def test_loss_page_lists_parameter_ranges(name, expected):
    page = loss_pages._page(name, get_loss_class(name), None)
    assert expected in page


def test_every_numeric_parameter_of_every_page_has_a_range():
    for name in available_losses():
        cls = get_loss_class(name)
        for param, default in loss_pages._defaults(cls):
            if isinstance(default, float) or param in ("random_state",):
                assert loss_pages._range_text(cls, param), (name, param)
