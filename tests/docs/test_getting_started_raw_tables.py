"""Getting started agrees with the raw-tables section: no preprocessing is needed (issue 21,
item 27)."""

from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "getting_started.rst"


def test_getting_started_does_not_tell_users_to_standardise_first():
    text = PAGE.read_text()
    assert "Standardise the features" not in text
    assert "No preprocessing is needed" in text
