"""The README stays true: CI runs its test command and then the second step, and the extras it and Getting
started name are pyproject's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.timing import KINDS

ROOT = Path(__file__).resolve().parents[2]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_readme_starts_with_demo_then_test_command() -> None:
    demo, tests = readme_commands()[:2]
    assert "namel3ss-debug trace examples/" in demo
    assert "pytest" in tests


# The two steps of a verdict: the README's test command runs the fast set (pyproject.toml's addopts choose it), then
# the rest, each marker of support.timing.KINDS, runs as a second required step.
FAST_SET = "not frameworks and not browser and not slow"
SECOND_STEP = ".venv/bin/python -m pytest -q -m 'frameworks or browser or slow'"


def test_ci_runs_the_readme_test_command_then_the_second_step() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    first = readme_commands()[1]
    assert first.endswith("pytest -q") and first in ci and SECOND_STEP in ci
    assert ci.index(first) < ci.index(SECOND_STEP) and "set -euo pipefail" in ci  # either step failing fails CI


def test_the_readme_names_the_second_step() -> None:
    assert SECOND_STEP in " ".join((ROOT / "README.md").read_text().split())


def test_the_two_steps_split_the_markers_between_them(pytestconfig: pytest.Config) -> None:
    options = pytestconfig.getini("addopts")
    assert options[options.index("-m") + 1] == FAST_SET
    assert set(re.findall(r"\w+", FAST_SET)) - {"not", "and"} == set(KINDS)
    assert set(re.findall(r"\w+", SECOND_STEP.split("-m")[-1])) - {"or"} == set(KINDS)


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


# An absolute path in a sample output is the machine's it was made on, unless the page's own commands or text chose
# it (`-o /tmp/traces`, `cd /tmp/trip`): a reader's output shows their own paths, or a relative one.
MACHINE_PATH = re.compile(r"(?<![\w.~$])/(?:root|home|Users|work|private|var/folders|tmp)(?:/[\w.@+-]+)+")
ALWAYS_A_MACHINE = ("/root/", "/home/", "/Users/", "/work/", "/private/", "/var/folders/")
OUTPUT_FENCES = {"", "text", "json", "xml", "console"}


def output_lines(text: str) -> tuple[list[tuple[int, str]], str]:
    """The lines of a page's sample outputs (with their numbers), and the rest of the page (commands, code, prose)."""
    outputs: list[tuple[int, str]] = []
    rest: list[str] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        opening = re.match(r"^\s*```(\w*)\s*$", line)
        if opening:
            fence = opening.group(1) if fence is None else None
            continue
        is_output = fence in OUTPUT_FENCES and not (fence == "console" and line.startswith("$ "))
        (outputs.append((number, line)) if is_output else rest.append(line))
    return outputs, "\n".join(rest)


def test_no_sample_output_holds_a_machines_absolute_path() -> None:
    from support.manual import PAGES  # noqa: PLC0415 - the manual's pages, read once by the helper the other tests share

    found = []
    for page, text in {**PAGES, "README.md": (ROOT / "README.md").read_text()}.items():
        outputs, rest = output_lines(text)
        chosen = {"/".join(path.split("/")[:3]) for path in MACHINE_PATH.findall(rest)}
        for number, line in outputs:
            for path in MACHINE_PATH.findall(line):
                if path.startswith(ALWAYS_A_MACHINE) or "/".join(path.split("/")[:3]) not in chosen:
                    found.append(f"{page}:{number}: {path}")
    assert found == []
