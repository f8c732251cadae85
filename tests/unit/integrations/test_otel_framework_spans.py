"""OpenTelemetry-native frameworks through our span processor, in this process: a tool span that comes
without its arguments (autogen-core sets neither `gen_ai.tool.call.arguments` nor a result) takes them
from the LLM call that asked for it; a framework's `create_agent` span is bookkeeping, not an agent run;
and the spans of a scope whose calls a hook of ours records are left out, not recorded twice."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from support.rerunhelpers import record

from namel3ss_debug import current_span, get_tracer, trace_agent_execution, trace_llm_call
from namel3ss_debug.integrations.otel.hook import attach
from namel3ss_debug.integrations.otel.hooked import hooked_scope
from namel3ss_debug.integrations.otel.processor import OtelSpanProcessor

sdk = pytest.importorskip("opentelemetry.sdk.trace")

Event = dict[str, Any]
ASKED = [{"id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'}]


@pytest.fixture
def provider() -> Any:
    """A provider with our processor once: the hook an earlier test installed may have added it already."""
    provider = sdk.TracerProvider()
    attach(provider, OtelSpanProcessor(get_tracer()))
    return provider


@trace_llm_call(name="planner")
def plan() -> None:
    current_span().set_outputs({"tool_calls": ASKED})


def execute_tool(provider: Any, scope: str, call_id: str, **more: str) -> None:
    """A tool span as autogen-core makes it: name and call id, no arguments, no result (unless `more`)."""
    attributes = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
                  "gen_ai.tool.call.id": call_id, **more}
    with provider.get_tracer(scope).start_as_current_span("execute_tool get_weather", attributes=attributes):
        pass


def starts(events: list[Event], component: str) -> list[Event]:
    return [e for e in events if e["component"] == component and e["status"] == "started"]


def ends(events: list[Event], component: str) -> list[Event]:
    return [e for e in events if e["component"] == component and e["status"] != "started"]


def test_a_tool_span_without_arguments_takes_them_from_the_llm_call_that_asked(provider: Any) -> None:
    _, events = record(lambda: (plan(), execute_tool(provider, "some-framework", "call_1")))
    [llm] = starts(events, "llm")
    [tool] = starts(events, "tool")
    assert tool["inputs"] == {"city": "Paris"}
    assert (tool["attrs"]["arguments_from"], tool["attrs"]["llm_span_id"], tool["attrs"]["tool_call_id"]) == \
        ("asking_llm_call", llm["span_id"], "call_1")
    assert "outputs" not in ends(events, "tool")[0]  # its result is not known when it ends: left absent


def test_a_tool_span_with_its_own_arguments_and_result_keeps_them(provider: Any) -> None:
    given = {"gen_ai.tool.call.arguments": '{"city": "Oslo"}', "gen_ai.tool.call.result": "snow"}
    _, events = record(lambda: (plan(), execute_tool(provider, "some-framework", "call_1", **given)))
    [tool] = starts(events, "tool")
    assert tool["inputs"] == {"city": "Oslo"} and "arguments_from" not in tool["attrs"]
    assert ends(events, "tool")[0]["outputs"] == {"return": "snow"}


def test_a_tool_span_no_llm_call_asked_for_has_no_arguments(provider: Any) -> None:
    _, events = record(lambda: (plan(), execute_tool(provider, "some-framework", "call_other")))
    [tool, missing] = starts(events, "tool")  # and call_1, asked for and never run: its result is missing
    assert missing["attrs"]["tool_call_id"] == "call_1" and missing["attrs"]["result"] == "missing"
    assert "inputs" not in tool and "arguments_from" not in tool["attrs"] and "llm_span_id" not in tool["attrs"]


def test_create_agent_is_recorded_as_bookkeeping_and_only_invoke_agent_is_an_agent_run(provider: Any) -> None:
    def app() -> None:
        tracer = provider.get_tracer("some-framework")
        for operation in ("create_agent", "invoke_agent"):
            with tracer.start_as_current_span(f"{operation} forecaster", attributes={
                    "gen_ai.operation.name": operation, "gen_ai.agent.name": "forecaster"}):
                pass

    _, events = record(app)
    assert [e["name"] for e in starts(events, "custom")] == ["create_agent forecaster"]
    assert [e["name"] for e in starts(events, "agent")] == ["forecaster"]


def test_a_scope_whose_tools_a_hook_records_is_left_out_and_its_children_go_under_the_hooks_span(
        provider: Any) -> None:
    scope = f"hooked-framework-{secrets.token_hex(4)}"  # the registry is the process's: a scope of this test alone
    hooked_scope(scope, "tool")

    @trace_agent_execution(name="forecaster")
    def agent() -> None:
        plan()
        tool = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
                "gen_ai.tool.call.id": "call_1"}
        with provider.get_tracer(scope).start_as_current_span("execute_tool get_weather", attributes=tool), \
                provider.get_tracer("app").start_as_current_span("lookup"):
            pass
        with provider.get_tracer(scope).start_as_current_span("invoke_agent helper", attributes={
                "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "helper"}):
            pass

    _, events = record(agent)
    [ours] = [e for e in starts(events, "agent") if e["name"] == "forecaster"]
    assert [e["attrs"]["result"] for e in starts(events, "tool")] == ["missing"]  # no hook of this test ran it
    assert [(e["name"], e["parent_id"]) for e in starts(events, "custom")] == [("lookup", ours["span_id"])]
    assert [e["name"] for e in starts(events, "agent")] == ["forecaster", "helper"]  # its agents: no hook took them


def test_a_late_attributed_span_a_hook_records_is_known_by_its_name_and_the_hooks_span_ends_with_it(
        provider: Any) -> None:
    """Google ADK's shape: `invoke_agent X` starts with no attributes; the hook's agent span opens inside it and
    is never ended by the hook (a rerun's stop unwound the framework past its callback)."""
    scope = f"hooked-framework-{secrets.token_hex(4)}"
    hooked_scope(scope, "agent")
    tracer = get_tracer()

    def app() -> None:
        with provider.get_tracer(scope).start_as_current_span("invoke_agent forecaster") as invoked:
            invoked.set_attribute("gen_ai.operation.name", "invoke_agent")
            tracer.start_span("agent", "forecaster", "agent_execution", attrs={"framework": "hook"})  # left open
            with provider.get_tracer(scope).start_as_current_span("generate_content", attributes={
                    "gen_ai.operation.name": "generate_content"}):
                pass

    _, events = record(app)
    [agent] = starts(events, "agent")
    assert agent["attrs"] == {"framework": "hook"}, "one agent span: the hook's"
    [llm] = starts(events, "llm")
    assert llm["parent_id"] == agent["span_id"]
    assert [e["event_type"] for e in events if e["span_id"] == agent["span_id"]][-1] == "agent_execution_end"


def test_a_span_its_producer_never_ends_ends_before_its_parent(provider: Any) -> None:
    def app() -> None:
        otel = provider.get_tracer("some-framework")
        with otel.start_as_current_span("cycle"):
            otel.start_span("chat", attributes={"gen_ai.operation.name": "chat"})  # never ended

    _, events = record(app)
    [(cycle_end, cycle_seq)] = [(e, e["seq"]) for e in ends(events, "custom")]
    [chat_end] = ends(events, "llm")
    assert chat_end["attrs"]["ended_by"] == "parent" and chat_end["seq"] < cycle_seq
    assert chat_end["parent_id"] == cycle_end["span_id"]


def test_a_tool_result_told_by_a_gen_ai_choice_event_is_its_text(provider: Any) -> None:
    """Strands' shape: the result is the `message` of a `gen_ai.choice` event, content blocks as JSON."""
    def app() -> None:
        plan()
        with provider.get_tracer("some-framework").start_as_current_span("execute_tool get_weather", attributes={
                "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
                "gen_ai.tool.call.id": "call_1"}) as tool:
            tool.add_event("gen_ai.choice", attributes={"message": '[{"text": "light rain, 14 C"}]', "id": "call_1"})

    _, events = record(app)
    [end] = ends(events, "tool")
    assert end["outputs"] == {"return": "light rain, 14 C"} and "result_from" not in end["attrs"]
