"""The JSON view of an `analyze` report: the records as plain JSON, described by `schemas/analyze-v1.schema.json`.

Keys are the dataclass field names, `schema` first, sections that were not computed left out. Floats are
rounded by what they measure, so the document carries no noise such as `12.300000000000001` ms, while
counts stay exact integers.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from ...analysis.records.report import Report
from ..json_text import field_names, terminal_safe

_MS_DECIMALS = 3  # the tracer writes durations with 3 decimals (microseconds)
_COST_DIGITS = 8  # significant digits: a fraction of a cent on one call still shows
_FRACTION_DECIMALS = 6  # shares and success rates
_OTHER_DECIMALS = 6


def report_to_dict(report: Report) -> dict[str, Any]:
    """The report as dicts, lists, strings, numbers, booleans and nulls, `schema` first.

    A section that is None (not asked for, or not computed) has no key; a None inside a record stays null.

        >>> report_to_dict(Report("namel3ss-debug/analyze/v1", "namel3ss-debug 0.1.0", sections=[]))
        {'schema': 'namel3ss-debug/analyze/v1', 'generated_by': 'namel3ss-debug 0.1.0', 'sections': [], 'settings': {}}
    """
    document: dict[str, Any] = {"schema": report.schema}
    for name in report.__struct_fields__:
        value = getattr(report, name)
        if name != "schema" and value is not None:
            document[name] = plain(value, name)
    return document


def render_json(report: Report) -> bytes:
    """`report_to_dict` as UTF-8 JSON, indented by 2, with no final newline (the caller writes one)."""
    return terminal_safe(orjson.dumps(report_to_dict(report), option=orjson.OPT_INDENT_2))


def plain(value: Any, key: str) -> Any:
    """`value` as JSON types; `key` is the field it sits under (inherited by list items and dict values; a
    finding's `figures` are rounded each by its own name: `saved_ms`, `cost_usd`, `share`)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:  # most values: no record, kept as they are
        return value
    if kind is float:
        return _round(value, key)
    names = field_names(value)
    if names is not None:
        return {name: plain(getattr(value, name), name) for name in names}
    if isinstance(value, dict):
        return {str(name): plain(inner, str(name) if key == "figures" else key) for name, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(inner, key) for inner in value]
    if isinstance(value, float):
        return _round(value, key)
    if value is None or isinstance(value, (str, int)):  # bool is an int
        return value
    return str(value)  # a Path or similar in `settings` or `filters`


def _round(value: float, key: str) -> float | None:
    """Round by what the field measures: ms to microseconds, costs to significant digits."""
    if not math.isfinite(value):
        return None  # JSON has no NaN or infinity
    if key.endswith("_ms"):
        return round(value, _MS_DECIMALS)
    if key == "cost_usd":
        return float(f"{value:.{_COST_DIGITS}g}")
    if key in ("share", "success_rate"):
        return round(value, _FRACTION_DECIMALS)
    return round(value, _OTHER_DECIMALS)
