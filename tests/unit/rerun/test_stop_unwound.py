"""What fails after a rerun's stop was made is the stop's doing, not the app's: an agent task asyncio cancels as
the stop unwinds the app ends failed with `CancelledError`, marked `attrs.ended_by: stop`, and `analyze` counts
no error of the app's in the rerun (so `verify` cannot call a harmless change `regressed`: issue 99)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from support.rerunhelpers import record, rerun
from support.tracefactory import analyze_events

from namel3ss_debug import trace_agent_execution, trace_tool_call
from namel3ss_debug.model.rerun_protocol import ENDED_BY_STOP, RerunMiss

pytestmark = pytest.mark.usefixtures("isolated_workspace")
CANCELLED = "asyncio.exceptions.CancelledError"


@trace_tool_call
async def look_up(city: str) -> str:
    return f"light rain in {city}"


@trace_agent_execution
async def forecaster(city: str) -> str:
    return await look_up(city)


@trace_agent_execution
async def listener(listening: asyncio.Event, never: asyncio.Event) -> None:
    listening.set()
    await never.wait()  # still waiting when the stop ends the app: asyncio cancels it


def app(city: str) -> Any:
    async def main() -> Any:
        listening, never = asyncio.Event(), asyncio.Event()
        waiting = asyncio.ensure_future(listener(listening, never))
        await listening.wait()  # its span is open
        said = await forecaster(city)
        waiting.cancel()  # the app ends its listener itself, once it has its answer
        return said

    return asyncio.run(main())


def _ends(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [event for event in events if event["event_type"].endswith("_end") and event["name"] == name]


def test_an_agent_cancelled_as_the_stop_unwinds_the_app_is_no_error_of_the_app_s():
    _, recorded = record(lambda: app("Paris"))
    stopped, events, session = rerun(recorded, lambda: app("Oslo"), strict=True)  # look_up asks otherwise: a miss
    assert isinstance(stopped, RerunMiss) and session.tally.misses
    [cancelled] = _ends(events, "listener")
    assert (cancelled["error"]["type"], cancelled["attrs"]["ended_by"]) == (CANCELLED, ENDED_BY_STOP)
    errors = analyze_events(events).errors
    assert (errors.total, errors.failed_spans, errors.by_type) == (0, 0, [])


def test_a_task_the_app_cancels_itself_stays_the_app_s():
    _, recorded = record(lambda: app("Paris"))
    _, events, _ = rerun(recorded, lambda: app("Paris"))  # every call answered: nothing stops it
    [cancelled] = _ends(events, "listener")
    assert cancelled["error"]["type"] == CANCELLED and "ended_by" not in (cancelled.get("attrs") or {})
    assert [kind.type for kind in analyze_events(events).errors.by_type] == [CANCELLED]
