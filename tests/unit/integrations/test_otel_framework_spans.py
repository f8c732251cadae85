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
