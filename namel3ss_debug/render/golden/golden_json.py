"""The JSON view of `golden status` (`namel3ss-debug/golden-status/v1`): the exit code and the counts by status at
the top, then each test's entry as the plugin reported it, and the golden files no test used."""

from __future__ import annotations

from typing import Any

import orjson

from ...ops.golden_status import SCHEMA, GoldenStatus
from ..json_text import terminal_safe


def golden_status_dict(status: GoldenStatus) -> dict[str, Any]:
    return {"schema": SCHEMA, "exit_code": status.exit_code, "directory": status.directory,
            "command": list(status.command), "network": status.network, "counts": status.counts,
            "tests": [entry.to_json() for entry in status.entries], "orphans": list(status.orphans)}


def golden_status_json(status: GoldenStatus) -> bytes:
    """Indented UTF-8 JSON and a newline; characters that could drive a terminal are escaped."""
    return terminal_safe(orjson.dumps(golden_status_dict(status), option=orjson.OPT_INDENT_2)) + b"\n"
