"""The JSON view of a diff: the records as plain JSON, `schema` first (`namel3ss-debug/diff/v1`).

Numbers stay numbers: figures in their unit (ms, USD, tokens, counts), `percent` null where no
percentage exists (from 0, or a figure missing). Floats keep 12 significant digits, which drops
arithmetic noise (`107.56700000000001` -> `107.567`) and nothing a trace measured.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

import orjson

from ..diffing.report import DiffReport
from .json_text import terminal_safe


def diff_to_dict(report: DiffReport) -> dict[str, Any]:
    """The report as JSON types; `crossed` counts the thresholds crossed (the exit code is 1 when it is not 0)."""
    document = _plain(report)
    document["crossed"] = len(report.crossed)
    return document


def render_json(report: DiffReport) -> bytes:
    """Indented UTF-8 JSON without a final newline; characters that could drive a terminal are escaped."""
    return terminal_safe(orjson.dumps(diff_to_dict(report), option=orjson.OPT_INDENT_2))


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: _plain(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, float):
        return float(f"{value:.12g}") if value == value and abs(value) != float("inf") else None
    return value
