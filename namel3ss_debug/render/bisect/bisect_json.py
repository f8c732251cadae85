"""The JSON view of `bisect`'s report (`namel3ss-debug/bisect/v1`): the record as plain JSON, with the status,
the call found, its sentence and the exit code at the top."""

from __future__ import annotations

from typing import Any

import orjson

from ...judging.bisect_report import SCHEMA, BisectReport
from ..json_text import plain, terminal_safe
from .text import conclusion


def bisect_dict(report: BisectReport) -> dict[str, Any]:
    return {"schema": SCHEMA, "status": report.status, "call": report.call, "why": conclusion(report),
            "exit_code": report.exit_code, "rerun_count": len(report.reruns), **plain(report)}


def bisect_json(report: BisectReport) -> bytes:
    """Indented UTF-8 JSON and a newline; characters that could drive a terminal are escaped."""
    data = orjson.dumps(bisect_dict(report), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str)
    return terminal_safe(data) + b"\n"
