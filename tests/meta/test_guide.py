"""The manual stays complete: every command, option, config key, env var, event type, schema field, public
name and exit code the code defines is named in it (DEBUGGING_GUIDE.md and the pages under docs/, with the
tables generated from the code written in: `tests/support/manual.py`).

These tests read the names from the code (the click group, `config.KEYS`, `EVENT_TYPES`, the shipped JSON
Schema, `namel3ss_debug.__all__`), so adding any of them without documenting it fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

import click
import pytest
from support.manual import MANUAL, PAGES

import namel3ss_debug
from namel3ss_debug.cli.main import cli
from namel3ss_debug.config import ENV_PREFIX, KEYS
from namel3ss_debug.model.events import COMPONENTS, EVENT_TYPES, STATUSES
from namel3ss_debug.schemas import trace_schema_path
from namel3ss_debug.redaction.detectors import DETECTORS
from namel3ss_debug.redaction.redact import Redactor

GUIDE = MANUAL
GUIDE_PATH = Path("the manual (DEBUGGING_GUIDE.md, docs/)")
REDACTION = PAGES["docs/redaction.md"]


def walk(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under `command`, itself included, with its path of names from the root."""
    yield path, command
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):  # the group loads its commands on demand
            yield from walk(command.get_command(context, name), (*path, name))


COMMANDS = list(walk(cli))


def command_line(path: tuple[str, ...]) -> str:
    return " ".join(("namel3ss-debug", *path))


def flags(command: click.Command) -> Iterator[str]:
    """The long flags of every option (both halves of `--x/--no-x`); the short flag when there is no long one."""
    for param in command.get_params(click.Context(command)):
        if not isinstance(param, click.Option):
            continue
        names = [*param.opts, *param.secondary_opts]
        long = [name for name in names if name.startswith("--")]
        yield from long or names


OPTIONS = sorted({(command_line(path), flag) for path, command in COMMANDS for flag in flags(command)})


def mentions_flag(flag: str) -> bool:
    """`--capture-memory` as a whole flag: not the tail of `--no-capture-memory`, not the head of `--x-y`."""
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", GUIDE) is not None


def mentions_word(word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", GUIDE) is not None


def mentions_code(name: str) -> bool:
    """`name` written as code: a backtick directly before it (`span(...)`, `span`), not as a longer name."""
    return re.search(rf"`{re.escape(name)}(?![\w])", GUIDE) is not None


@pytest.mark.parametrize("path, command", COMMANDS, ids=[command_line(p) for p, _ in COMMANDS])
def test_every_command_has_help(path: tuple[str, ...], command: click.Command) -> None:
    assert (command.help or "").strip(), f"{command_line(path)} has no help text"


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS if p], ids=[command_line(p) for p, _ in COMMANDS if p])
def test_every_command_is_in_the_guide(path: tuple[str, ...]) -> None:
    assert command_line(path) in GUIDE, f"`{command_line(path)}` is not described in {GUIDE_PATH.name}"


@pytest.mark.parametrize("line, flag", OPTIONS, ids=[f"{line} {flag}" for line, flag in OPTIONS])
def test_every_option_is_in_the_guide(line: str, flag: str) -> None:
    assert mentions_flag(flag), f"{line} {flag} is not described in {GUIDE_PATH.name}"


@pytest.mark.parametrize("key", KEYS)
def test_every_config_key_and_its_env_var_are_in_the_guide(key: str) -> None:
    env = ENV_PREFIX + key.upper()
    missing = [name for name in (key, env) if not mentions_word(name)]
    assert not missing, f"{GUIDE_PATH.name} does not name {', '.join(missing)}"


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_type_is_in_the_guide(event_type: str) -> None:
    assert mentions_code(event_type), f"event type `{event_type}` is not in {GUIDE_PATH.name}"


@pytest.mark.parametrize("name", [*COMPONENTS, *STATUSES])
def test_every_component_and_status_is_in_the_guide(name: str) -> None:
    assert mentions_code(name), f"`{name}` (a component or status) is not in {GUIDE_PATH.name}"


def schema_properties() -> list[str]:
    path = trace_schema_path()
    if not path.is_file():
        return []
    return sorted(json.loads(path.read_text(encoding="utf-8"))["properties"])


def test_every_schema_property_is_in_the_guide() -> None:
    if not trace_schema_path().is_file():
        pytest.skip(f"the trace schema {trace_schema_path().name} is not written yet")
    missing = [name for name in schema_properties() if not mentions_code(name)]
    assert not missing, f"event fields missing from {GUIDE_PATH.name}: {', '.join(missing)}"


@pytest.mark.parametrize("name", namel3ss_debug.__all__)
def test_every_public_name_is_in_the_guide(name: str) -> None:
    assert mentions_code(name), f"namel3ss_debug.{name} is not documented in {GUIDE_PATH.name}"


def table_first_cells() -> list[set[str]]:
    """The first cells of the rows of each Markdown table in the guide, one set per table."""
    tables: list[set[str]] = []
    current: set[str] | None = None
    for line in GUIDE.splitlines():
        if line.lstrip().startswith("|"):
            cell = line.strip().strip("|").split("|")[0].strip().strip("`")
            current = set() if current is None else current
            current.add(cell)
        elif current is not None:
            tables.append(current)
            current = None
    if current is not None:
        tables.append(current)
    return tables


def test_exit_codes_are_in_a_table() -> None:
    wanted = {"0", "1", "2", "3"}
    assert any(wanted <= cells for cells in table_first_cells()), (
        f"{GUIDE_PATH.name} needs a table whose rows start with the exit codes 0, 1, 2 and 3"
    )


def test_every_redaction_detector_is_in_the_guide_as_the_code_describes_it() -> None:
    section = REDACTION
    missing = [d.label for d in DETECTORS if f"| `{d.label}` | {d.description} |" not in section]
    assert missing == []


def test_the_redaction_examples_in_the_guide_work_as_written() -> None:
    section = REDACTION[REDACTION.index("## Pairs in free text"):REDACTION.index("## By memory")]
    block = section[section.index("```text") + len("```text"):section.index("```", section.index("```text") + 7)]
    examples = [[side.strip() for side in line.split("->")] for line in block.strip().splitlines()]
    kept = re.findall(r"`([^`]+)`", section[section.index("| kept | why |"):].split("\n\n")[0].replace(
        "`` `Bearer ${token}` ``", ""))
    assert len(examples) >= 5 and len(kept) >= 15
    assert [(text, Redactor().redact_text(text)) for text, _ in examples] == [tuple(pair) for pair in examples]
    assert [text for text in kept if Redactor().redact_text(text) != text] == []
