"""The report's data document says where a run's work begins (`work_from_ms`: the end of its start-up), which the
page opens its timeline on; the start-up span is a row of its own, off the critical path."""

from __future__ import annotations

from pathlib import Path

from support.tracefactory import TraceBuilder

from namel3ss_debug.analysis.span_table import CRITICAL, span_table
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest, report_traces
from namel3ss_debug.render.report.document import page_document


def run(startup: bool) -> TraceBuilder:
    b = TraceBuilder()
    b.run_start()
    b.instant("performance_marker", "custom", "config loaded")  # during the start-up: under the root
    if startup:
        b.startup(3400.0)
    else:
        b.advance(3400.0)
    agent = b.start("agent", "researcher")
    b.span("llm", "planner", 150.0, agent)
    b.end(agent, 190.0, advance=False)
    b.run_end(duration_ms=3590.0)
    return b


def document_run(tmp_path: Path, trace: TraceBuilder) -> dict:
    path = trace.write(tmp_path / "run.jsonl")
    return page_document(report_traces(ReportRequest((str(path),)), Environment(cwd=tmp_path)))["runs"][0]


def test_the_work_begins_where_the_start_up_ends(tmp_path) -> None:
    assert document_run(tmp_path, run(startup=True))["work_from_ms"] == 3400.0


def test_a_run_without_a_start_up_works_from_its_start(tmp_path) -> None:
    assert document_run(tmp_path, run(startup=False))["work_from_ms"] == 0.0


def test_the_start_up_row_is_not_on_the_critical_path_and_its_work_is() -> None:
    rows = {row.node.name: row for row in span_table(run(startup=True).events).rows}
    assert not rows["start-up"].flags & CRITICAL
    assert rows["researcher"].flags & CRITICAL and rows["planner"].flags & CRITICAL
