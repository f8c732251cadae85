"""`check --format json`: the CheckReport as JSON (schema `namel3ss-debug/check/v1`), terminal-safe."""

from __future__ import annotations

import math
from dataclasses import fields, is_dataclass
from typing import Any

import orjson

from ..checks.results import CheckReport
from .json_text import terminal_safe


def check_to_dict(report: CheckReport) -> dict[str, Any]:
    return _plain(report)  # type: ignore[no-any-return]


def render_check_json(report: CheckReport) -> bytes:
    """Indented UTF-8 JSON with no final newline (the caller writes one)."""
    return terminal_safe(orjson.dumps(check_to_dict(report), option=orjson.OPT_INDENT_2))


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: _plain(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, float):
        return float(f"{value:.12g}") if math.isfinite(value) else None  # 12 significant digits, as diff
    return value
