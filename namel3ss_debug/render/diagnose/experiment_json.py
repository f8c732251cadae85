"""`diagnose --experiment --format json`: the report as plain JSON, `schema` first, described by
`schemas/experiment-v1.schema.json`; each point tried carries its rescue interval; characters that could drive a
terminal escaped. The record kept beside the forks is the same document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
import orjson

from ..json_text import terminal_safe

if TYPE_CHECKING:
    from ...judging.experiment_report import ExperimentReport


def experiment_dict(report: ExperimentReport) -> dict[str, Any]:
    """The report's fields, each point tried with its `interval`, and `verified` / `agrees` said."""
    plain: dict[str, Any] = msgspec.to_builtins(report)
    for done, shown in zip(report.tried, plain["tried"]):
        shown["interval"] = list(done.interval)
    for name in ("at", "after"):
        point = getattr(report.conclusion, name)
        if point is not None:
            plain["conclusion"][name]["interval"] = list(point.interval)
    plain["verified"], plain["agrees"] = report.verified, report.agrees
    return plain


def experiment_json(report: ExperimentReport) -> bytes:
    """`experiment_dict` as UTF-8 JSON, indented by 2, with no final newline (the caller writes one)."""
    return terminal_safe(orjson.dumps(experiment_dict(report), option=orjson.OPT_INDENT_2))
