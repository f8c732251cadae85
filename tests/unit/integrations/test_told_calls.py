"""A tool failure a framework hands on as an error of its own (smolagents' `AgentToolExecutionError` raised
`from` the tool's `KeyError`) or a failed result: `calls.told_call` records the tool's own exception,
handled, with what the model is told in `outputs`, and a rerun raises what `Telling.raised_again` makes."""

from __future__ import annotations

from typing import Any

from support.rerunhelpers import record, rerun

from namel3ss_debug import get_tracer
from namel3ss_debug.integrations.calls import ForeignSpec, Telling, told_call
from namel3ss_debug.integrations.tools import RESULT

STATIONS = {"Paris": "rain"}


class FrameworkError(Exception):
    """The framework's own error over the tool's (smolagents' `AgentToolExecutionError`)."""


def lookup(city: str) -> str:
    return STATIONS[city]


def framework_runs_the_tool(city: str) -> str:
    try:
        return lookup(city)
    except Exception as exc:
        raise FrameworkError(f"Error executing tool lookup: {type(exc).__name__}: {exc}") from exc


def told(error: Exception) -> tuple[BaseException, dict[str, Any]] | None:
    if not isinstance(error, FrameworkError):
        return None
    return error.__cause__ or error, {"raised": str(error)}


TELLING = Telling(told, lambda error, outputs: FrameworkError(outputs["raised"]))


def call() -> Any:
    try:
        return told_call(get_tracer(), ForeignSpec("tool", "lookup"), RESULT, {"city": "Atlantis"},
                         lambda: framework_runs_the_tool("Atlantis"), TELLING)
    except FrameworkError as exc:
        return exc


def tool_end(events: list[dict]) -> dict:
    return next(event for event in events if event["event_type"] == "tool_call_end")


def test_the_span_records_the_tools_own_exception_handled_and_the_app_gets_the_frameworks_error() -> None:
    result, events = record(call)
    end = tool_end(events)
    assert isinstance(result, FrameworkError) and isinstance(result.__cause__, KeyError)
    assert (end["status"], end["error"]["type"], end["error"]["message"], end["error"]["handled"]) == \
        ("failed", "KeyError", "'Atlantis'", True)
    assert ", in lookup\n    return STATIONS[city]" in end["error"]["stack"]
    assert end["outputs"] == {"raised": "Error executing tool lookup: KeyError: 'Atlantis'"}


def test_a_rerun_raises_the_frameworks_error_made_from_the_recording_over_the_recorded_exception() -> None:
    _, events = record(call)
    result, new_events, session = rerun(events, call)
    end = tool_end(new_events)
    assert isinstance(result, FrameworkError) and str(result) == "Error executing tool lookup: KeyError: 'Atlantis'"
    assert isinstance(result.__cause__, KeyError), "over the recorded exception, rebuilt"
    assert (end["status"], end["error"]["type"], end["error"]["handled"]) == ("failed", "KeyError", True)
    assert session.tally.counts["recorded"] == 1
