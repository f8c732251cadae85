"""The JSON view of a rerun's report (`namel3ss-debug/rerun/v1`): the report's records as plain JSON."""

from __future__ import annotations

from typing import Any

import orjson

from ...judging.report import SCHEMA, RerunReport
from ..json_text import plain, terminal_safe
from .text import ended_failed


def report_dict(report: RerunReport) -> dict[str, Any]:
    document = {"schema": SCHEMA, **plain(report)}
    how = document.pop("parted_how", None)
    document["parted"] = {"call": report.parted, "how": how} if report.parted is not None else None
    document["reproduced"] = report.reproduced
    document["not_reproduced"] = report.not_reproduced
    # whether each run's ending failed it (`analysis/failed_run.py`), so a reproduced failure reads as one
    document["failed"] = {"recorded": ended_failed(report.old_ending), "rerun": ended_failed(report.new_ending)}
    return document


def report_json(report: RerunReport) -> bytes:
    """Indented UTF-8 JSON and a newline; characters that could drive a terminal are escaped."""
    data = orjson.dumps(report_dict(report), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS,
                        default=str)
    return terminal_safe(data) + b"\n"
