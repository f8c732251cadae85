"""Every failure an app survives is seen, counted once and judged the same on every screen: the trip agent (the
openai SDK, two undecorated tools, a loop of its own) against its stub on 127.0.0.1.

- its loop catches get_weather's KeyError and tells the model (as "ERROR: no data ...", as `f"error: {exc}"`, as
  JSON `{"error": ...}`), and the final answer apologises: a failed, handled tool span; not healthy; `check
  --max-errors 0` fails; `diagnose` has a finding whose evidence is that span; `verify` of the fixed app says fixed;
- an unknown currency crashes it in get_exchange_rate: one error, get_weather not failed anywhere, the blame names
  get_exchange_rate with its file:line and, the currency being the user's, blames the input;
- one run's status, health and failure line are the same on the trace summary, analyze, diagnose, the report's
  data, the runs row and check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from tripruns import TripBench, Traced
from tripstub import TripStub

from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest, report_traces
from namel3ss_debug.render.report.document import page_document

pytestmark = pytest.mark.frameworks
TELLS = ("caught", "fstring", "json")


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TripBench]:
    pytest.importorskip("openai")
    with TripStub() as stub:
        yield TripBench(tmp_path_factory.mktemp("trip"), stub)


@pytest.fixture(scope="module")
def survived(bench: TripBench) -> dict[str, Traced]:
    return {tells: bench.trace(tells=tells) for tells in TELLS}


@pytest.fixture(scope="module")
def crashed(bench: TripBench) -> Traced:
    return bench.trace("Paris", "XYZ")


@pytest.mark.parametrize("tells", TELLS)
def test_a_caught_tool_error_handed_to_the_model_is_a_failed_handled_inferred_span(
        survived: dict[str, Traced], tells: str) -> None:
    run = survived[tells]
    assert run.returncode == 0
    [weather] = run.tool_ends("get_weather")
    error = weather["error"]
    assert (weather["status"], error["handled"], error["inferred"], error["type"]) == (
        "failed", True, True, "ToolError")
    assert "paris, fr" in error["message"]
    assert error["rule"] == {"caught": "error_word", "fstring": "error_word", "json": "json"}[tells]
    [rate] = run.tool_ends("get_exchange_rate")
    assert rate["status"] == "completed", "a result that reads as a result stays one"
    assert "1 error (1 handled, 0 unhandled)" in run.summary


@pytest.mark.parametrize("tells", TELLS)
def test_the_run_is_not_healthy_fails_max_errors_and_has_a_finding_on_the_span(
        bench: TripBench, survived: dict[str, Traced], tells: str) -> None:
    run = survived[tells]
    report = bench.json("analyze", run.trace)
    assert report["health"]["verdict"] != "healthy"
    assert report["tools"][[t["name"] for t in report["tools"]].index("get_weather")]["failures"] == 1
    assert bench.cli("check", run.trace, "--max-errors", "0").exit_code == 1
    [weather] = run.tool_ends("get_weather")
    diagnosis = bench.json("diagnose", run.trace)
    shown = [f for f in diagnosis["findings"] if f["severity"] in ("warning", "critical")
             and weather["span_id"] in {e["ref"]["span_id"] for e in f["evidence"]}]
    assert {f["kind"] for f in shown} >= {"apology_after_failure"}


def test_verify_of_the_fixed_app_against_the_stub_says_fixed(bench: TripBench, survived: dict[str, Traced]) -> None:
    recording = survived["caught"].trace
    bench.fix()
    try:
        done = bench.cli("verify", recording, "--expect", "contains:light rain", "--base-url", bench.stub.url,
                         "--format", "json")
    finally:
        bench.folder.joinpath("trip_agent.py").write_text(Path(__file__).parent.joinpath("apps",
                                                                                        "trip_agent.py").read_text())
    verdict = json.loads(done.stdout)
    assert (verdict["verdict"], done.exit_code) == ("fixed", 0), verdict.get("why")


def test_a_crash_in_one_tool_is_one_error_and_leaves_the_other_tool_not_answered_not_failed(
        bench: TripBench, crashed: Traced) -> None:
    assert crashed.returncode == 1
    [rate] = crashed.tool_ends("get_exchange_rate")
    [weather] = crashed.tool_ends("get_weather")
    assert (rate["status"], rate["error"]["type"]) == ("failed", "ValueError")
    assert (weather["status"], "error" in weather) == ("skipped", False)
    assert weather["attrs"]["not_answered"] == "the run crashed at ValueError in get_exchange_rate"
    report = bench.json("analyze", crashed.trace)
    assert (report["errors"]["total"], report["errors"]["unhandled"]) == (1, 1)
    assert [t["name"] for t in report["tools"] if t["failures"]] == ["get_exchange_rate"]
    assert "1 error (0 handled, 1 unhandled)" in crashed.summary


def test_the_crash_s_blame_names_the_tool_its_file_and_line_and_the_call_that_asked(
        bench: TripBench, crashed: Traced) -> None:
    [blame] = bench.json("diagnose", crashed.trace)["blames"]
    line = next(n for n, text in enumerate(Path(bench.folder, "trip_agent.py").read_text().splitlines(), 1)
                if "raise ValueError" in text)
    assert f"get_exchange_rate (trip_agent.py:{line})" in blame["why"]
    roles = [(link["role"], link["evidence"]["ref"]["component"]) for link in blame["chain"]]
    assert roles[:2] == [("decisive", "llm"), ("propagated", "tool")]
    # 'XYZ' is the user's (the question asks for 100 USD in XYZ): the input, shown at the call that carried it
    assert blame["agent"] == "user" and "validate" in blame["why"]
    assert "carried the run's input 'XYZ'" in blame["chain"][0]["evidence"]["note"]


def _screens(bench: TripBench, run: Traced) -> dict[str, tuple[Any, Any, Any]]:
    """(outcome, health, failure line) of one run as each screen says it: the outcome in the one vocabulary
    (`failed_run.outcome`: `failed` for a run that gave up, whatever its `run_end` recorded)."""
    analyzed = bench.json("analyze", run.trace)
    diagnosis = bench.json("diagnose", run.trace)
    page = page_document(report_traces(ReportRequest((str(run.trace),), cache=False), Environment(cwd=bench.folder)))
    analysis = page["runs"][0]["analysis"]
    [row] = [row for row in bench.json("runs", run.trace.parent)["runs"] if row["run_id"] == analyzed["run_ids"][0]]
    [checked] = bench.json("check", run.trace, "--max-cost", "100")["runs"]
    summary = dict(line.split(None, 1) for line in run.summary.splitlines() if line.startswith(("run ", "health ")))
    said = summary["health"].split(": ", 1)
    blame = diagnosis["blames"][0]["failure"] if diagnosis["blames"] else None
    return {
        "summary": (summary["run"].split()[1], said[0], said[1] if said[0] == "failing" else None),
        "analyze": (analyzed["overview"]["runs"][0]["outcome"], analyzed["health"]["verdict"],
                    analyzed["health"].get("failure")),
        "diagnose": ("failed" if diagnosis["failed_runs"] else analyzed["overview"]["runs"][0]["outcome"],
                     "failing" if diagnosis["failed_runs"] else
                     analyzed["health"]["verdict"], blame),
        "report": (analysis["overview"]["runs"][0]["outcome"], analysis["health"]["verdict"],
                   analysis["health"].get("failure")),
        "runs": (row["status"], row["health"], row.get("failure")),
        "check": (checked["outcome"], checked["health"], checked.get("failure")),
    }


@pytest.mark.parametrize("which", ["caught", "crash"])
def test_one_run_is_judged_the_same_on_every_screen(bench: TripBench, survived: dict[str, Traced],
                                                    crashed: Traced, which: str) -> None:
    run = crashed if which == "crash" else survived[which]
    screens = _screens(bench, run)
    expected = screens["analyze"]
    assert expected[1] == "failing" and expected[2], expected
    assert screens == {name: expected for name in screens}
