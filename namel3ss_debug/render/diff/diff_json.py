"""The JSON view of a diff: the records as plain JSON, `schema` first (`namel3ss-debug/diff/v1`).

Numbers stay numbers: figures in their unit (ms, USD, tokens, counts), `percent` null where no
percentage exists (from 0, or a figure missing). Floats keep 12 significant digits, which drops
arithmetic noise (`107.56700000000001` -> `107.567`) and nothing a trace measured.
"""

from __future__ import annotations

from typing import Any

import orjson

from ...diffing.report import DiffReport
from ..json_text import plain_record, terminal_safe


def diff_to_dict(report: DiffReport) -> dict[str, Any]:
    """The report as JSON types; `crossed` counts the thresholds crossed (the exit code is 1 when it is not 0)."""
    document = plain_record(report)
    document["crossed"] = len(report.crossed)
    return document


def render_json(report: DiffReport) -> bytes:
    """Indented UTF-8 JSON without a final newline; characters that could drive a terminal are escaped."""
    return terminal_safe(orjson.dumps(diff_to_dict(report), option=orjson.OPT_INDENT_2))
