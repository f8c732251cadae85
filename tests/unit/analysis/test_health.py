"""The health verdict reads the one definition of a failed run (`analysis/failed_run.py`) and the findings: a run
that gave up is failing with its blame's line, a critical finding is never healthy, many failed spans alone do
not make a run that went on failing, and an opportunity finding leaves a run healthy."""

from __future__ import annotations

from support.tracefactory import TraceBuilder, analyze_events, error

SECTIONS = ["overview", "health"]


def _run(*, status: str = "completed", exit_code: int = 0, failures: int = 0, answer: str = "It is 14 C.",
         calls: int = 1) -> TraceBuilder:
    trace = TraceBuilder()
    trace.run_start()
    for _ in range(failures):
        trace.span("tool", "get_weather", 5.0, status="failed", inputs={"city": "Paris, FR"},
                   error={**error("KeyError", "'Paris, FR'"), "handled": True})
    for _ in range(calls):
        trace.span("llm", "chat", 5.0, outputs={"text": answer}, model="gpt-4o-mini")
    trace.run_end(status, exit_code=exit_code)
    return trace


def test_a_clean_run_is_healthy_and_says_it_read_the_findings() -> None:
    health = analyze_events(_run().events, sections=SECTIONS).health
    assert (health.verdict, health.failure) == ("healthy", None)
    assert "findings" in health.reasons[0]


def test_a_run_that_gave_up_after_a_failure_is_failing_with_its_blame_s_line() -> None:
    report = analyze_events(_run(failures=1, answer="I'm sorry, I couldn't get the weather.").events,
                            sections=[*SECTIONS, "findings"])
    assert report.health.verdict == "failing"
    assert report.health.failure == report.findings.blames[0].failure
    assert report.health.failure.startswith("the run gave up")
    assert report.health.reasons[0] == report.health.failure


def test_failed_spans_a_run_went_on_past_make_it_degraded_not_failing() -> None:
    health = analyze_events(_run(failures=3).events, sections=SECTIONS).health
    assert (health.verdict, health.failure) == ("degraded", None)
    assert any("handled error" in reason for reason in health.reasons)


def test_a_run_that_ended_failed_is_failing_with_the_line_diagnose_gives_it() -> None:
    trace = _run(status="failed", exit_code=1)
    report = analyze_events(trace.events, sections=[*SECTIONS, "findings"])
    assert report.health.verdict == "failing"
    assert report.health.failure == report.findings.blames[0].failure


def test_a_warning_finding_alone_makes_a_run_degraded() -> None:
    health = analyze_events(_run(answer="I'm sorry, I can't help with that.").events, sections=SECTIONS).health
    assert health.verdict == "degraded"
    assert "1 warning finding (answer_gives_up)" in health.reasons


RERUN_MISS = "namel3ss_debug.model.rerun_protocol.RerunMiss"


def _stopped_rerun(*, handled_first: bool = False) -> TraceBuilder:
    """A rerun a miss stopped, as the tracer writes one: the call it stopped at ended failed with the stop, the
    stop reported as unhandled, `run_end` failed with it (exit code 1)."""
    miss = error(RERUN_MISS, "tool:lookup#2 at tool:lookup#2: the recording has no call here")
    trace = TraceBuilder()
    trace.run_start()
    if handled_first:
        trace.span("tool", "lookup", 5.0, status="failed", error=error("ValueError", "no such city"))
    stopped = trace.span("tool", "lookup", 5.0, status="failed", error=miss)
    trace.instant("error_occurred", "tool", RERUN_MISS, stopped, status="failed", error=miss,
                  attrs={"unhandled": True})
    trace.run_end("failed", exit_code=1)
    trace.events[-1]["error"] = miss
    return trace


def test_a_rerun_a_miss_stopped_is_stopped_with_no_error_of_the_app_s_and_nothing_blamed() -> None:
    report = analyze_events(_stopped_rerun().events, sections=[*SECTIONS, "errors", "findings"])
    run = report.overview.runs[0]
    assert (run.status, run.stopped, run.exit_code) == ("stopped", "no recorded answer", 1)
    assert (report.health.verdict, report.health.reasons, report.health.failure) == \
        ("stopped", ["stopped: no recorded answer"], None)
    assert (report.errors.total, report.errors.failed_spans, report.errors.error_events) == (0, 0, 0)
    assert report.findings.blames == []


def test_what_failed_before_the_stop_is_counted_and_follows_the_stop() -> None:
    report = analyze_events(_stopped_rerun(handled_first=True).events, sections=[*SECTIONS, "errors"])
    assert (report.errors.total, report.errors.handled, report.errors.unhandled) == (1, 1, 0)
    assert report.health.verdict == "stopped"
    assert report.health.reasons[:2] == ["stopped: no recorded answer", "1 handled error (ValueError 1)"]
