"""`diagnose --experiment --format json`: the report's document (`ExperimentReport.document`: each point tried with
its rescue interval) as JSON, `schema` first, described by `schemas/experiment-v1.schema.json`; characters that
could drive a terminal escaped. The record kept beside the forks is the same document."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from ..json_text import terminal_safe

if TYPE_CHECKING:
    from ...judging.experiment_report import ExperimentReport


def experiment_json(report: ExperimentReport) -> bytes:
    """The report's document as UTF-8 JSON, indented by 2, with no final newline (the caller writes one)."""
    return terminal_safe(orjson.dumps(report.document(), option=orjson.OPT_INDENT_2))
