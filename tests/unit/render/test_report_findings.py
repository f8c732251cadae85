"""The report page's findings: the data document carries the run's diagnosis (analyze's `findings` section), its
evidence names spans the page holds (so a click can select them), and it is judged with the workspace's
`diagnose_*` thresholds, as `analyze` and `diagnose` judge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.tracefactory import TraceBuilder, error

from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest, report_traces
from namel3ss_debug.render.report.document import page_document

KIND = "tool_failing_repeatedly"
FAILURES = 4


def failing_tool_run() -> TraceBuilder:
    """An agent whose model asks for get_weather("Paris, FR") and gets KeyError back, FAILURES times, then gives up."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "weather_agent", kind="agent_execution")
    for number in range(1, FAILURES + 1):
        call = {"id": f"call_{number}", "name": "get_weather", "arguments": '{"city": "Paris, FR"}'}
        trace.span("llm", "chat", 5, agent, model="gpt-4o-mini",
                   outputs={"text": None, "tool_calls": [call], "finish_reason": "tool_calls"})
        trace.span("tool", "get_weather", 1, agent, status="failed", inputs={"city": "Paris, FR"},
                   error=error("KeyError", "'Paris, FR'", "parameter"), attrs={"tool_call_id": f"call_{number}"})
    trace.span("llm", "chat", 5, agent, model="gpt-4o-mini",
               outputs={"text": "Sorry, I could not get the weather.", "tool_calls": [], "finish_reason": "stop"})
    trace.end(agent, 1)
    trace.run_end()
    return trace


def page_run(tmp_path: Path) -> dict[str, Any]:
    path = failing_tool_run().write(tmp_path / "run.jsonl")
    page = report_traces(ReportRequest((str(path),), cache=False), Environment(cwd=tmp_path))
    return page_document(page)["runs"][0]


def findings_of(run: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [finding for finding in run["analysis"]["findings"]["findings"] if finding["kind"] == kind]


def test_the_page_carries_the_finding_with_evidence_on_its_rows(tmp_path) -> None:
    run = page_run(tmp_path)
    [finding] = findings_of(run, KIND)
    rows = set(run["spans"]["sid"])
    evidence = [item["ref"]["span_id"] for item in finding["evidence"]]
    assert evidence and set(evidence) <= rows  # every piece of evidence is a span the page can select
    assert finding["run_id"] == run["run_id"] and finding["suggestion"]


def test_the_page_judges_with_the_workspace_thresholds(tmp_path) -> None:
    (tmp_path / "default").mkdir()
    assert findings_of(page_run(tmp_path / "default"), KIND)
    (tmp_path / "tuned" / ".namel3ss").mkdir(parents=True)
    (tmp_path / "tuned" / ".namel3ss" / "debug.json").write_text(json.dumps({"diagnose_tool_failures": FAILURES + 1}))
    assert findings_of(page_run(tmp_path / "tuned"), KIND) == []  # FAILURES failures: under the team's threshold
