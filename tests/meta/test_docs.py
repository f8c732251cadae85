"""The README stays true: CI runs its test command, and the extras it and Getting started name are pyproject's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_readme_starts_with_demo_then_test_command() -> None:
    demo, tests = readme_commands()[:2]
    assert "namel3ss-debug trace examples/" in demo
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()


def pyproject_extras() -> set[str]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on
    with (ROOT / "pyproject.toml").open("rb") as source:
        return set(tomllib.load(source)["project"]["optional-dependencies"])


def test_the_readme_names_the_extras_pyproject_has() -> None:
    text = " ".join((ROOT / "README.md").read_text().split())
    sentence = text[text.index("Optional extras:"):].split(". ")[0]
    named = {word for word in re.findall(r"`([a-z0-9-]+)`", sentence) if word != "namel3ss==0.1.0a15"}
    assert named == pyproject_extras()


def test_getting_started_has_a_row_for_each_extra() -> None:
    text = (ROOT / "docs" / "getting-started.md").read_text()
    rows = set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, re.M))
    assert rows == pyproject_extras()
