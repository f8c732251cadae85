"""One word for a failed run: on one directory of runs (a crash, a non-zero exit, a run that gave up after a tool
failed, a run whose tool failed and that went on, a healthy run), `runs --status failed`, `runs --health failing`,
`diagnose --all`'s `failed_runs`, analyze's overview and the report's header name the same runs, and no finding
says a run that gave up completed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")
FAILED = {"crash", "exited", "gaveup"}
ANSWER = "It is 14 C in Paris."
SORRY = "I'm sorry, I couldn't get the weather for Paris."


def _run(run_id: str, *, failed_tool: bool = False, redone: bool = False, answer: str = ANSWER,
         ended: str = "completed", exit_code: int = 0) -> TraceBuilder:
    trace = TraceBuilder(run_id=run_id)
    trace.run_start()
    if failed_tool:
        trace.span("tool", "get_weather", 5.0, status="failed", inputs={"city": "Paris, FR"},
                   error={**error("KeyError", "'Paris, FR'"), "handled": True})
    if redone:
        trace.span("tool", "get_weather", 5.0, inputs={"city": "Paris"}, outputs={"temp_c": 14})
    trace.span("llm", "chat", 5.0, outputs={"text": answer}, model="gpt-4o-mini")
    if ended == "failed":
        trace.instant("error_occurred", "app", "ValueError", status="failed", error=error("ValueError", "bad city"),
                      attrs={"unhandled": True})
    trace.run_end(ended, exit_code=exit_code)
    if ended == "failed":
        trace.events[-1]["error"] = error("ValueError", "bad city")
    return trace


@pytest.fixture()
def directory(tmp_path: Path) -> Path:
    runs = {"crash": _run("crash", ended="failed", exit_code=1), "exited": _run("exited", exit_code=2),
            "gaveup": _run("gaveup", failed_tool=True, answer=SORRY),
            "handled": _run("handled", failed_tool=True, redone=True), "healthy": _run("healthy")}
    for run_id, trace in runs.items():
        trace.write(tmp_path / f"{run_id}.jsonl")
    return tmp_path


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result


def listed(directory: Path, *args: str) -> dict[str, dict[str, Any]]:
    rows = json.loads(invoke("runs", str(directory), "--format", "json", *args).stdout)["runs"]
    return {row["run_id"]: row for row in rows}


def header(directory: Path, run_id: str) -> dict[str, Any]:
    """The report page's document of one run: its header's status and the health beside it."""
    page = directory / f"{run_id}.html"
    invoke("report", str(directory / f"{run_id}.jsonl"), "-o", str(page))
    text = page.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="n3-data">(.*?)</script>', text, re.S)
    assert found is not None
    return json.loads(found.group(1))["runs"][0]


def test_runs_status_failed_health_failing_diagnose_and_the_report_header_name_the_same_runs(directory) -> None:
    assert set(listed(directory, "--status", "failed")) == FAILED
    assert set(listed(directory, "--health", "failing")) == FAILED
    diagnosed = json.loads(invoke("diagnose", str(directory), "--all", "--format", "json").stdout)
    assert set(diagnosed["failed_runs"]) == FAILED
    for run_id in ("crash", "exited", "gaveup", "handled", "healthy"):
        page = header(directory, run_id)
        failing = page["analysis"]["health"]["verdict"] == "failing"
        assert (page["status"] == "failed", failing) == (run_id in FAILED, run_id in FAILED), run_id


def test_a_run_that_gave_up_is_failed_gave_up_everywhere_and_its_run_end_s_word_is_kept(directory) -> None:
    rows = listed(directory)
    assert {run_id: (row["status"], row["gave_up"]) for run_id, row in rows.items()} == {
        "crash": ("failed", None), "exited": ("failed", None), "gaveup": ("failed", "apology_after_failure"),
        "handled": ("completed", None), "healthy": ("completed", None)}
    table = invoke("runs", str(directory)).stdout
    assert re.search(r"gaveup\s.*failed \(gave up\)\s.*failing", table)
    assert re.search(r"exited\s.*failed \(exit 2\)\s.*failing", table)
    assert re.search(r"handled\s.*completed\s.*degraded", table)
    analyzed = json.loads(invoke("analyze", str(directory / "gaveup.jsonl"), "--format", "json").stdout)
    run = analyzed["overview"]["runs"][0]
    assert (run["status"], run["outcome"], run["gave_up"]) == ("completed", "failed", "apology_after_failure")
    assert "failed (gave up)" in invoke("analyze", str(directory / "gaveup.jsonl")).stdout
    assert header(directory, "gaveup")["gave_up"] == "apology_after_failure"
    assert set(listed(directory, "--status", "completed")) == {"handled", "healthy"}


def test_no_finding_or_health_reason_says_a_run_that_gave_up_completed(directory) -> None:
    analyzed = json.loads(invoke("analyze", str(directory / "gaveup.jsonl"), "--format", "json").stdout)
    kinds = [finding["kind"] for finding in analyzed["findings"]["findings"]]
    assert kinds == ["apology_after_failure"]
    assert not any("completed" in reason for reason in analyzed["health"]["reasons"])
    assert analyzed["health"]["failure"].startswith("the run gave up")
