"""Test modules are imported by their file name alone (rootdir-relative, no packages): two files of one name
in different folders stop the collection of a clean checkout, where no cache hides it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_two_test_modules_share_a_name() -> None:
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
