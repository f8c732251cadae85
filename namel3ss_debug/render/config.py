"""The two views of `config show` (a JSON document and an aligned table), and configuration warnings."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from ..config import KEYS, ResolvedSettings
from .text import safe, warning_line

SHOW_SCHEMA = "namel3ss-debug/config-show/v1"


def show_record(resolved: ResolvedSettings) -> dict[str, Any]:
    """The one record behind both views of `config show`."""
    values = resolved.settings.to_dict()
    workspace = resolved.workspace_file
    return {
        "schema": SHOW_SCHEMA,
        "workspace_file": str(workspace) if workspace else None,
        "output_dir": str(resolved.output_dir()),
        "keys": {key: {"value": values[key], "source": resolved.sources[key]} for key in KEYS},
        "warnings": list(resolved.warnings),
    }


def render_show_json(record: dict[str, Any]) -> str:
    return json.dumps(record, indent=2)


def render_show_table(console: Console, record: dict[str, Any]) -> None:
    """A `show_record` as aligned plain text: key, value, source."""
    workspace = record["workspace_file"] or "none found (defaults and environment only)"
    _print_line(console, f"workspace file: {workspace}")
    _print_line(console, f"traces go to:   {record['output_dir']}")
    rows = [("key", "value", "source")]
    rows += [(key, _cell(entry["value"]), entry["source"]) for key, entry in record["keys"].items()]
    key_width = max(len(row[0]) for row in rows)
    value_width = max(len(row[1]) for row in rows)
    console.print()
    for key, value, source in rows:
        _print_line(console, f"{key:<{key_width}}  {value:<{value_width}}  {source}")


def render_warnings(console: Console, warnings: tuple[str, ...] | list[str]) -> None:
    """One `namel3ss-debug: warning: ...` line per configuration warning."""
    for warning in warnings:
        _print_line(console, warning_line(warning))


def _print_line(console: Console, text: str) -> None:
    console.print(safe(text), soft_wrap=True)  # soft_wrap: a long path stays on one line


def _cell(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)
