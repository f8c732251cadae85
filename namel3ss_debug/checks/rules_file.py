"""Rules from JSON: a `--rules FILE` (the vocabulary at its top level, or under `checks`), or the `checks`
section of the workspace file. Every message names the file, line and column of the key at fault.

A rules file is read bounded (`model.limits.RULES_BYTES_MAX`: room for millions of rules, and a device or a
pipe that never ends is refused or cut there), and each rule is placed in log time, so that reading it is
linear in its size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..config import WorkspaceDocument, display_path
from ..config.document import KeyPositions, read_json_document
from ..model.errors import ConfigError
from ..model.limits import RULES_BYTES_MAX
from .rules import Rule, rules_from_document

SECTION = "checks"
_EXAMPLE = '{"max_errors": 0, "max_p95": {"llm": "3s"}}'


def read_rules_file(path: Path, cwd: Path) -> list[Rule]:
    """The rules of a rules file. A file that is a whole workspace config (with a `checks` object) is read
    from that section, so `--rules .namel3ss/debug.json` works too."""
    full = cwd / path
    if not full.exists():
        raise ConfigError("rules file not found", where=str(path), hint=f"write a JSON object such as {_EXAMPLE}")
    display = display_path(full, cwd)
    document = read_json_document(full, display, RULES_BYTES_MAX, _EXAMPLE)
    data = document.data
    found = data.get(SECTION)
    section: tuple[str, ...] = (SECTION,) if isinstance(found, dict) else ()
    body: dict[str, object] = found if isinstance(found, dict) else data
    return rules_from_document(body, _placer(display, document.positions, section))


def read_workspace_checks(document: WorkspaceDocument | None) -> list[Rule]:
    """The rules of the workspace file's `checks` section (as `load_settings` read it); none when there is
    no file or no section."""
    if document is None or SECTION not in document.data:
        return []
    body = document.data[SECTION]
    place = _placer(document.display, document.positions, (SECTION,))
    if not isinstance(body, dict):
        raise ConfigError(f'"{SECTION}" must be an object of rules such as {{"max_errors": 0}}', key=SECTION,
                          where=place(()))
    return rules_from_document(body, place)


def _placer(display: str, positions: KeyPositions,
            section: tuple[str, ...]) -> Callable[[tuple[object, ...]], str]:
    """`where(path)` for a path inside `section`: `file:line:col`, or the nearest enclosing key's place."""
    def where(path: tuple[object, ...]) -> str:
        full = (*section, *path)
        while full:
            offset = positions.offset(full)
            if offset is not None:
                return f"{display}:{positions.line_col(offset)}"
            full = full[:-1]
        return display

    return where
