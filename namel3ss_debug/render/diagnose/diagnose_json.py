"""The JSON view of `diagnose`: the report's records as plain JSON, `schema` first, described by
`schemas/diagnose-v1.schema.json`. Floats are rounded as `analyze`'s are (`analyze_json.plain`), characters that
could drive a terminal escaped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from ..analyze.analyze_json import plain
from ..json_text import terminal_safe

if TYPE_CHECKING:
    from ...ops.diagnose import DiagnoseReport


def diagnose_to_dict(report: DiagnoseReport) -> dict[str, Any]:
    return {name: plain(getattr(report, name), name) for name in report.__struct_fields__}


def render_diagnose_json(report: DiagnoseReport) -> bytes:
    """`diagnose_to_dict` as UTF-8 JSON, indented by 2, with no final newline (the caller writes one)."""
    return terminal_safe(orjson.dumps(diagnose_to_dict(report), option=orjson.OPT_INDENT_2))
