"""CHANGELOG.md stays in Keep a Changelog's form, one line an entry (STYLE.md: 10-18 words, as httpie's and
sqlite-utils' read; the measurements behind an entry are in bench/README.md)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Keep a Changelog's kinds of change, in its order
KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
MAX_WORDS = 24  # "about 20": room for a command and its option, never a paragraph again
RELEASE = re.compile(r"## \[(Unreleased|\d+\.\d+\.\d+)\]( - \d{4}-\d\d-\d\d)?")


def problems(text: str) -> list[str]:
    """What breaks the form: a release heading not Keep a Changelog's, a kind of change repeated, unknown or out
    of order within a release, and an entry continued on a second line or longer than MAX_WORDS."""
    found = []
    release, kinds, kind = None, [], None
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("## "):
            release, kinds, kind = line, [], None
            if not RELEASE.fullmatch(line):
                found.append(f"{number}: not a release heading: {line}")
        elif line.startswith("### ") and release:
            kind = line[4:]
            if kind not in KINDS or kind in kinds or kinds and KINDS.index(kind) < KINDS.index(kinds[-1]):
                found.append(f"{number}: {kind} after {', '.join(kinds) or 'nothing'} in {release}")
            kinds.append(kind)
        elif kind and line and not line.startswith("- "):
            found.append(f"{number}: an entry's second line: {line.strip()}")
        elif kind and len(line.split()) - 1 > MAX_WORDS:
            found.append(f"{number}: {len(line.split()) - 1} words: {line}")
    return found


def test_the_changelog_keeps_its_form() -> None:
    assert problems((ROOT / "CHANGELOG.md").read_text(encoding="utf-8")) == []


def test_each_break_of_the_form_is_caught() -> None:
    long = "- " + "word " * 25
    text = (f"# Changelog\n\n## [Unreleased]\n\n### Fixed\n- one\n  and its second line\n\n### Added\n- new\n\n"
            f"### Fixed\n- two\n\n## [0.1.0] - 2026-11-25\n\n### Added\n{long}\n\n## 0.0.1\n")
    assert problems(text) == [
        "7: an entry's second line: and its second line",
        "9: Added after Fixed in ## [Unreleased]",
        "12: Fixed after Fixed, Added in ## [Unreleased]",
        f"18: 25 words: {long}",
        "20: not a release heading: ## 0.0.1",
    ]
