"""`check --format json`: the CheckReport as JSON (schema `namel3ss-debug/check/v1`), terminal-safe."""

from __future__ import annotations

from typing import Any

import orjson

from ...checks.results import CheckReport
from ..json_text import plain_record, terminal_safe


def check_to_dict(report: CheckReport) -> dict[str, Any]:
    return plain_record(report)


def render_check_json(report: CheckReport) -> bytes:
    """Indented UTF-8 JSON with no final newline (the caller writes one)."""
    return terminal_safe(orjson.dumps(check_to_dict(report), option=orjson.OPT_INDENT_2))
