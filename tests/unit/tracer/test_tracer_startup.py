"""A run's start-up (imports and everything before its first span) is a span of its own under the root."""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

from namel3ss_debug import mark, span
from namel3ss_debug.config import load_settings
from namel3ss_debug.testing import capture_events
from namel3ss_debug.testing.capture import CapturedRun, MemoryWriter
from namel3ss_debug.tracer.api import get_tracer


@contextmanager
def app_run(tmp_path: Any, **overrides: Any) -> Iterator[CapturedRun]:
    """A run as `trace` and tracing at import start one: with its start-up."""
    resolved = load_settings({}, tmp_path, overrides={"enabled": True, **overrides}, override_source="test")
    writer = MemoryWriter()
    get_tracer().start_run(resolved, entry={"kind": "test", "name": "app"}, argv=[], writer=writer,
                           install_hooks=False)
    try:
        yield CapturedRun(writer)
    finally:
        get_tracer().end_run()


def startup_events(run: CapturedRun) -> list[dict[str, Any]]:
    return [e for e in run.events if e["event_type"] in ("app_load_start", "app_load_end")]


def test_the_start_up_span_opens_right_after_run_start_under_the_root(tmp_path):
    with app_run(tmp_path) as run:
        with span("plan", component="agent"):
            pass
    start = run.events[2]
    assert [e["event_type"] for e in run.events[1:3]] == ["run_start", "app_load_start"]
    assert (start["component"], start["name"], start["status"], start["parent_id"], start["ts"]) == (
        "app", "start-up", "started", run.events[1]["span_id"], run.events[1]["ts"])


def test_the_start_up_ends_when_the_first_span_starts_and_times_what_came_before(tmp_path):
    with app_run(tmp_path) as run:
        time.sleep(0.05)
        with span("plan", component="agent"):
            with span("search", component="tool"):
                pass
    types = [e["event_type"] for e in run.events]
    end = run.events[types.index("app_load_end")]
    assert types.index("app_load_end") + 1 == types.index("agent_execution_start")
    assert (end["status"], end["parent_id"]) == ("completed", run.events[1]["span_id"])
    assert end["duration_ms"] >= 50.0
    assert len(startup_events(run)) == 2


def test_a_mark_during_start_up_stays_under_the_root(tmp_path):
    with app_run(tmp_path) as run:
        mark("config loaded")
        with span("plan", component="agent"):
            pass
    (marker,) = [e for e in run.events if e["event_type"] == "performance_marker"]
    assert marker["parent_id"] == run.events[1]["span_id"]
    assert [e["event_type"] for e in run.events].index("performance_marker") < \
        [e["event_type"] for e in run.events].index("app_load_end")


def test_a_run_without_spans_is_all_start_up_which_ends_before_run_end(tmp_path):
    with app_run(tmp_path) as run:
        time.sleep(0.02)
    assert [e["event_type"] for e in run.events[-2:]] == ["app_load_end", "run_end"]
    assert run.events[-2]["duration_ms"] >= 20.0


def test_the_first_span_of_another_thread_ends_the_start_up_once(tmp_path):
    barrier = threading.Barrier(8)

    def work(n: int) -> None:
        barrier.wait()
        with span(f"job{n}", component="tool"):
            pass

    with app_run(tmp_path) as run:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    types = [e["event_type"] for e in run.events]
    assert types.count("app_load_end") == 1
    # written before any other span started, whichever thread got there first
    assert types.index("app_load_end") < min(i for i, t in enumerate(types) if t == "tool_call_start")


def test_the_first_span_of_an_asyncio_task_ends_the_start_up(tmp_path):
    async def main() -> None:
        async with span("fetch", component="tool"):
            pass

    with app_run(tmp_path) as run:
        asyncio.run(main())
    types = [e["event_type"] for e in run.events]
    assert types.index("app_load_end") + 1 == types.index("tool_call_start")


def test_sampling_keeps_the_start_up(tmp_path):
    with app_run(tmp_path, sample_rate=1e-12) as run:  # the agent: one chance in 10^12
        with span("plan", component="agent"):
            pass
    assert [e["event_type"] for e in startup_events(run)] == ["app_load_start", "app_load_end"]
    assert not [e for e in run.events if e["component"] == "agent"]


def test_a_captured_block_has_no_start_up(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with capture_events() as run:
        with span("plan", component="agent"):
            pass
    assert startup_events(run) == []
    assert run.events[2]["event_type"] == "agent_execution_start"


def test_a_span_started_by_app_code_inside_a_write_while_another_thread_ends_the_start_up_deadlocks_nothing(tmp_path):
    """Thread B writes a mark whose value's repr (run by our serialization, inside the write) starts a span, while
    thread A starts the first span: both must finish."""
    in_repr = threading.Event()

    class Odd:
        def __repr__(self) -> str:
            in_repr.set()
            time.sleep(0.3)  # A is waiting to write the start-up's end by now
            with span("from-repr", component="tool"):
                pass
            return "odd"

    def writer() -> None:
        mark("loaded", value=Odd())

    def starter() -> None:
        in_repr.wait(5)
        with span("first", component="agent"):
            pass

    with app_run(tmp_path) as run:
        threads = [threading.Thread(target=writer, daemon=True), threading.Thread(target=starter, daemon=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert not any(thread.is_alive() for thread in threads), "deadlocked"
    types = [e["event_type"] for e in run.events]
    assert types.count("app_load_end") == 1
    assert types.index("app_load_end") < min(types.index("tool_call_start"), types.index("agent_execution_start"))
