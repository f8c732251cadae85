"""A run's start-up is a figure of its own: the overview's `startup_ms` and `work_ms`, and a critical path that
starts where the start-up ends. Runs without the tracer's start-up span read as before."""

from __future__ import annotations

from support.tracefactory import TraceBuilder, analyze_events


def agent_run(startup_ms: float | None) -> list[dict]:
    """run (2,200 ms) > [start-up] > agent (200 ms) > llm 150 ms; the start-up, or the time it took, comes first."""
    b = TraceBuilder()
    b.run_start()
    if startup_ms is None:
        b.advance(2000.0)  # the same time, recorded before the tracer wrote a start-up span
    else:
        b.startup(startup_ms)
    agent = b.start("agent", "planner")
    b.span("llm", "plan", 150.0, agent, model="m")
    b.end(agent, 200.0, advance=False)
    b.advance(50.0)
    b.run_end(duration_ms=2200.0)
    return b.events


def test_the_overview_says_the_start_up_and_the_work_apart():
    overview = analyze_events(agent_run(2000.0)).overview
    (run,) = overview.runs
    assert (run.duration_ms, run.startup_ms, run.work_ms) == (2200.0, 2000.0, 200.0)
    assert (overview.startup_ms, overview.work_ms) == (2000.0, 200.0)


def test_the_critical_path_starts_after_the_start_up():
    (path,) = analyze_events(agent_run(2000.0)).critical_path
    assert [(s.component, s.name) for s in path.steps][0] == ("llm", "plan")
    assert "start-up" not in [s.name for s in path.steps]
    assert path.total_ms == 200.0


def test_a_run_without_a_start_up_span_reads_as_before():
    report = analyze_events(agent_run(None))
    (run,) = report.overview.runs
    assert (run.startup_ms, run.work_ms, report.overview.startup_ms, report.overview.work_ms) == (None,) * 4
    (path,) = report.critical_path
    assert (path.total_ms, path.steps[0].name) == (2200.0, "app.py")  # the root's own time, start-up in it


def test_an_app_load_span_named_after_the_app_is_no_start_up():
    """The legacy runtime's app_load span encloses the whole app: it is work, and stays on the path."""
    b = TraceBuilder()
    b.run_start()
    app = b.start("app", "demo", kind="app_load")
    b.span("llm", "plan", 150.0, app)
    b.end(app, 160.0, advance=False)
    b.run_end(duration_ms=160.0)
    report = analyze_events(b.events)
    assert report.overview.runs[0].startup_ms is None
    assert ("app", "demo") in [(s.component, s.name) for s in report.critical_path[0].steps]


def test_a_start_up_span_below_another_span_is_no_run_start_up():
    b = TraceBuilder()
    b.run_start()
    agent = b.start("agent", "planner")
    b.span("app", "start-up", 30.0, agent, kind="app_load")
    b.end(agent, 40.0, advance=False)
    b.run_end(duration_ms=40.0)
    assert analyze_events(b.events).overview.runs[0].startup_ms is None
