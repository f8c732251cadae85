"""A tool error a framework turns into a message for the model (integrations/calls.py `Handled`,
`ForeignSpec.handled`, integrations/judged.py): a failed span with the tool's own exception and stack and
`error.handled: true`, and what a rerun gives the app back for it."""

from __future__ import annotations

from typing import Any

from support.rerunhelpers import record, rerun

from namel3ss_debug import get_tracer
from namel3ss_debug.integrations.calls import Handled
from namel3ss_debug.integrations.judged import judging
from namel3ss_debug.integrations.tools import run_tool

MESSAGE = "An error occurred while running the tool. Please try again."
STATIONS = {"Paris": "rain"}


def lookup(city: str) -> str:
    return STATIONS[city]


def told(city: str) -> Any:
    """What a framework's failure handler makes of the tool's KeyError, as `invoke` returns it."""
    try:
        return lookup(city)
    except KeyError as exc:
        return Handled(exc, MESSAGE)


def tool_end(events: list[dict]) -> dict:
    return next(event for event in events if event["event_type"] == "tool_call_end")


def handed_to_the_model(bodies: list[str]) -> str:
    bodies.append("ran")
    return run_tool(get_tracer(), "testkit", "lookup", {"city": "Atlantis"}, lambda: told("Atlantis"))


def test_a_failure_the_framework_turned_into_a_message_is_a_failed_handled_span_keeping_the_message() -> None:
    result, events = record(lambda: handed_to_the_model([]))
    end = tool_end(events)
    assert result == MESSAGE
    assert (end["status"], end["outputs"], end["error"]["type"], end["error"]["handled"]) == \
        ("failed", {"return": MESSAGE}, "KeyError", True)
    assert ", in lookup\n    return STATIONS[city]" in end["error"]["stack"]


def test_a_rerun_gives_the_app_the_recorded_message_and_ends_the_span_failed_as_recorded() -> None:
    _, events = record(lambda: handed_to_the_model([]))
    result, new_events, session = rerun(events, lambda: run_tool(get_tracer(), "testkit", "lookup",
                                                                 {"city": "Atlantis"}, lambda: lookup("Paris")))
    end = tool_end(new_events)
    assert result == MESSAGE, "the message, not the body's result nor a raised KeyError"
    assert (end["status"], end["outputs"], end["error"]["type"], end["error"]["handled"]) == \
        ("failed", {"return": MESSAGE}, "KeyError", True)
    assert (end["attrs"]["replay"], session.tally.counts["recorded"]) == ("recorded", 1)


def test_without_a_run_the_app_gets_the_message() -> None:
    assert get_tracer().run is None
    assert run_tool(get_tracer(), "testkit", "lookup", {}, lambda: told("Atlantis")) == MESSAGE


def raises_a_retry() -> Any:
    return run_tool(get_tracer(), "testkit", "lookup", {"city": "Atlantis"}, lambda: lookup("Atlantis"),
                    handled=(KeyError,))


def test_an_exception_the_framework_always_turns_into_a_message_is_handled_and_raised_again_in_a_rerun() -> None:
    result, events = record(lambda: _caught(raises_a_retry))
    assert isinstance(result, KeyError)
    end = tool_end(events)
    assert (end["status"], end["error"]["handled"], "outputs" in end) == ("failed", True, False)
    result, new_events, _ = rerun(events, raises_a_retry)
    assert isinstance(result, KeyError), "the framework gets it again, to make the same message"
    assert tool_end(new_events)["error"]["handled"] is True


def test_an_unmarked_failure_is_raised_again_in_a_rerun() -> None:
    def plain() -> Any:
        return run_tool(get_tracer(), "testkit", "lookup", {"city": "Atlantis"}, lambda: lookup("Atlantis"))

    _, events = record(lambda: _caught(plain))
    assert "handled" not in tool_end(events)["error"]
    result, _, _ = rerun(events, plain)
    assert isinstance(result, KeyError)


def judged_step(made_message: bool) -> Any:
    """A framework step around the tool (LangGraph's ToolNode): the tool raises, the step makes a message
    of it or lets it go on. The tool calls another tool that fails and is caught inside it."""
    tracer = get_tracer()

    def body() -> str:
        _caught(lambda: run_tool(tracer, "testkit", "inner", {}, lambda: lookup("Rome")))
        return lookup("Atlantis")

    with judging() as step:
        try:
            run_tool(tracer, "testkit", "lookup", {"city": "Atlantis"}, body)
        except KeyError:
            if not made_message:
                step.settle(tracer)
                raise
            step.settle(tracer, MESSAGE)
            return MESSAGE
    return None


def test_a_judged_step_s_failure_is_handled_with_the_message_the_step_made() -> None:
    result, events = record(lambda: judged_step(True))
    ends = {event["name"]: event for event in events if event["event_type"] == "tool_call_end"}
    assert result == MESSAGE
    assert (ends["lookup"]["error"]["handled"], ends["lookup"]["outputs"]) == (True, {"return": MESSAGE})
    assert "handled" not in ends["inner"]["error"], "a call inside the tool is ended as it raised"
    assert [e["name"] for e in events if e["event_type"] == "tool_call_end"] == ["inner", "lookup"]


def test_a_judged_step_that_lets_the_failure_go_on_ends_the_span_as_it_raised() -> None:
    result, events = record(lambda: _caught(lambda: judged_step(False)))
    end = next(e for e in events if e["event_type"] == "tool_call_end" and e["name"] == "lookup")
    assert isinstance(result, KeyError)
    assert (end["status"], end["error"]["type"], "handled" in end["error"], "outputs" in end) == \
        ("failed", "KeyError", False, False)


def _caught(app: Any) -> Any:
    try:
        return app()
    except KeyError as exc:
        return exc
