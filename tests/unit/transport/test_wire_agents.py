"""Agents from the wire (transport/agents.py) and tool calls whose results never came back, with the openai
and anthropic SDKs against the stub server on 127.0.0.1, in this process: a conversation with tools is one
`agent` span holding its LLM calls, the tools seen on the wire and the `@trace_tool_call` tools the loop runs;
two interleaved conversations are two, and so are two run at once, each holding its own tools; a hook's agent is
left alone; a result marked as an error is a handled `ToolError`; a call never answered is a
handled `ToolResultMissing`."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any, Callable

import pytest
from support.nesting import assert_nested
from support.rerunhelpers import record, rerun
from support.stubserver import StubServer

from namel3ss_debug import capture_http, get_tracer, span, trace_agent_execution, trace_tool_call
from namel3ss_debug.testing.capture import capture_events
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.judging.compare import compare
from namel3ss_debug.transport import agents
from namel3ss_debug.transport.apis.dialogue import dialogue

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")
KEY = "sk-test-wire-agents-0123456789"
SYSTEM = "You are a weather assistant. Be brief."
TOOLS = [{"type": "function", "function": {"name": name, "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    for name in ("get_weather", "get_time")]
RESULTS = {"get_weather": "light rain", "get_time": "10:00"}

pytestmark = pytest.mark.usefixtures("isolated_workspace")


@pytest.fixture(scope="module")
def stub() -> Any:
    capture_http()
    server = StubServer(api_key=KEY).start()
    yield server
    server.stop()


class ChatLoop:
    """One conversation of a raw tool loop on OpenAI chat, a request at a time (`step`), so that two can be
    interleaved; `tools` runs the calls it names (a `@trace_tool_call` function), RESULTS answers the others."""

    def __init__(self, client: Any, question: str, tools: dict[str, Callable[..., str]] | None = None,
                 system: str = SYSTEM, **extra: Any):
        self.client, self.extra, self.answer, self.tools = client, extra, None, tools or {}
        self.messages: list[Any] = [{"role": "system", "content": system}, {"role": "user", "content": question}]

    def step(self) -> bool:
        """One request; its tool calls run and their results appended. False once the model answered."""
        message = self.client.chat.completions.create(model="gpt-4o-mini", messages=self.messages, tools=TOOLS,
                                                      **self.extra).choices[0].message
        if not message.tool_calls:
            self.answer = message.content
            return False
        self.messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            self.messages.append({"role": "tool", "tool_call_id": call.id, "content": self.result(call.function)})
        return True

    def result(self, function: Any) -> str:
        run = self.tools.get(function.name)
        return run(**json.loads(function.arguments)) if run is not None else RESULTS[function.name]


def client(stub: Any) -> Any:
    return openai.OpenAI(base_url=stub.openai_url, api_key=KEY, max_retries=0)


def run_to_the_end(stub: Any, question: str, tools: dict[str, Callable[..., str]] | None = None) -> None:
    """A raw loop's whole conversation: `question` asked, each tool call run (by `tools` when given), to the end."""
    loop = ChatLoop(client(stub), question, tools=tools)
    while loop.step():
        pass


def spans(events: list[dict[str, Any]], component: str) -> list[dict[str, Any]]:
    return [e for e in events if e["component"] == component and e["status"] == "started"]


def ends_of(events: list[dict[str, Any]], component: str) -> list[dict[str, Any]]:
    return [e for e in events if e["component"] == component and e["status"] != "started"
            and e["event_type"] != "run_end"]


def test_a_conversation_with_tools_is_one_agent_holding_its_calls_and_tools(stub) -> None:
    def app() -> str:
        loop = ChatLoop(client(stub), "What is the weather and the time in Paris")
        while loop.step():
            pass
        return loop.answer

    answer, events = record(app)
    [agent] = spans(events, "agent")
    assert (agent["name"], agent["attrs"]["source"], agent["attrs"]["conversation"]) == (
        "agent(get_time, get_weather)", "wire", 1)
    assert agent["inputs"] == {"input": "What is the weather and the time in Paris"}
    assert [e["parent_id"] for e in spans(events, "llm") + spans(events, "tool")] == [agent["span_id"]] * 5
    [end] = ends_of(events, "agent")
    assert end["outputs"] == {"output": answer} and end["status"] == "completed"
    last_llm = ends_of(events, "llm")[-1]
    assert last_llm["seq"] < end["seq"] and agent["seq"] < spans(events, "llm")[0]["seq"]  # start first, end last


def test_two_interleaved_conversations_are_two_agents(stub) -> None:
    def app() -> None:
        loops = [ChatLoop(client(stub), f"Weather and time in {city}") for city in ("Paris", "Oslo")]
        going = [True, True]
        while any(going):
            going = [loop.step() if still else False for loop, still in zip(loops, going)]

    _, events = record(app)
    agents = spans(events, "agent")
    assert [agent["attrs"]["conversation"] for agent in agents] == [1, 2]
    llm_parents = [e["parent_id"] for e in spans(events, "llm")]
    assert llm_parents == [agents[0]["span_id"], agents[1]["span_id"]] * 3  # in the order they were sent
    tools = spans(events, "tool")
    assert [(t["inputs"]["city"], t["parent_id"]) for t in tools] == [
        ("Paris", agents[0]["span_id"]), ("Oslo", agents[1]["span_id"]),
        ("Paris", agents[0]["span_id"]), ("Oslo", agents[1]["span_id"])]


def test_a_hooks_agent_is_left_alone(stub) -> None:
    @trace_agent_execution(name="forecaster")
    def app() -> None:
        run_to_the_end(stub, "Weather and time in Paris", tools=DECORATED)

    _, events = record(app)
    [agent] = spans(events, "agent")
    assert agent["name"] == "forecaster" and "source" not in (agent.get("attrs") or {})
    assert {e["parent_id"] for e in spans(events, "llm") + spans(events, "tool")} == {agent["span_id"]}


def test_a_request_that_forces_a_tool_is_an_answer_not_an_agent(stub) -> None:
    def app() -> None:
        client(stub).chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Extract the city: Paris"}], tools=TOOLS,
            tool_choice={"type": "function", "function": {"name": "get_weather"}})

    _, events = record(app)
    assert spans(events, "agent") == [] and spans(events, "tool") == []  # its tool call is its answer


def test_a_follow_up_turn_of_a_conversation_is_another_run_of_its_agent(stub) -> None:
    def app() -> None:
        loop = ChatLoop(client(stub), "Weather and time in Paris")
        while loop.step():
            pass
        loop.messages += [{"role": "assistant", "content": loop.answer}, {"role": "user", "content": "And Oslo"}]
        while loop.step():
            pass

    _, events = record(app)
    agents = spans(events, "agent")
    assert [(a["attrs"]["conversation"], a["attrs"].get("turn")) for a in agents] == [(1, None), (1, 2)]
    assert ends_of(events, "agent")[0]["seq"] < agents[1]["seq"]


def test_an_agent_opened_in_a_span_of_the_apps_ends_with_it_and_goes_on_in_the_next(stub) -> None:
    def app() -> None:
        loop = ChatLoop(client(stub), "Weather and time in Paris")
        going = True
        while going:
            with span("step"):
                going = loop.step()

    _, events = record(app)
    assert_nested(events)
    steps = [e for e in events if e["name"] == "step" and e["status"] == "started"]
    agents = spans(events, "agent")
    assert [a["parent_id"] for a in agents] == [step["span_id"] for step in steps]  # one turn a step, inside it
    assert [a["attrs"].get("turn") for a in agents] == [None, 2, 3]
    assert [e["parent_id"] for e in spans(events, "llm")] == [a["span_id"] for a in agents]
    ends = ends_of(events, "agent")
    assert [(e["status"], (e.get("attrs") or {}).get("answered")) for e in ends] == [("completed", False)] * 2 + [
        ("completed", None)]  # the first two end with their steps, the last has answered


def test_an_agent_opened_in_a_span_that_fails_ends_failed_before_it(stub) -> None:
    def app() -> None:
        with pytest.raises(ValueError), span("step"):
            ChatLoop(client(stub), "Weather and time in Paris").step()
            raise ValueError("the step broke")

    _, events = record(app)
    assert_nested(events)
    [end] = ends_of(events, "agent")
    assert (end["status"], end["attrs"]["answered"]) == ("failed", False)


def test_an_agent_open_when_the_run_fails_ends_failed_before_run_end(stub) -> None:
    tracer = get_tracer()
    with capture_events() as run:
        ChatLoop(client(stub), "Weather and time in Paris").step()  # asks for get_weather, then the app breaks
        error = RuntimeError("the app broke")
        tracer.record_error(error, unhandled=True)
        tracer.end_run("failed", error=error)
    events = run.events
    assert_nested(events)
    [end] = ends_of(events, "agent")
    assert (end["status"], end["attrs"]["answered"]) == ("failed", False)
    assert events[-1]["event_type"] == "run_end" and events[-1]["status"] == "failed"


def test_a_conversation_forgotten_past_the_limit_is_not_continued(stub, monkeypatch) -> None:
    monkeypatch.setattr(agents, "MAX_CONVERSATIONS", 2)  # the limit (256) made small, so few requests reach it

    def app() -> None:
        first = ChatLoop(client(stub), "Weather and time in Paris")
        while first.step():
            pass
        for city in ("Oslo", "Rome"):  # each ends: the oldest ended conversation is forgotten past the limit
            run_to_the_end(stub, f"Weather in {city}")
        first.messages += [{"role": "assistant", "content": first.answer}, {"role": "user", "content": "And Oslo"}]
        while first.step():
            pass

    _, events = record(app)
    last = spans(events, "agent")[-1]
    assert (last["attrs"]["conversation"], last["attrs"].get("turn")) == (4, None)


# -- tools a decorator records, in a conversation only the wire sees ------------------------------------------
@trace_tool_call(name="get_weather")
def decorated_weather(city: str) -> str:
    return RESULTS["get_weather"]


@trace_tool_call(name="get_time")
def decorated_time(city: str) -> str:
    return RESULTS["get_time"]


@trace_tool_call(name="get_weather")
async def decorated_weather_async(city: str) -> str:
    return RESULTS["get_weather"]


DECORATED = {"get_weather": decorated_weather, "get_time": decorated_time}


def test_a_decorated_tool_of_a_raw_loop_goes_under_its_conversations_agent(stub) -> None:
    def app() -> None:
        run_to_the_end(stub, "Weather and time in Paris", tools=DECORATED)

    _, events = record(app)
    [agent] = spans(events, "agent")
    tools = spans(events, "tool")
    assert [(t["name"], t["parent_id"], t["attrs"]["llm_span_id"], t["attrs"].get("source")) for t in tools] == [
        (name, agent["span_id"], asker["span_id"], None)  # the decorator's spans, none from the wire
        for name, asker in zip(("get_weather", "get_time"), spans(events, "llm"))]
    [agent_end] = ends_of(events, "agent")
    assert max(e["seq"] for e in ends_of(events, "tool")) < agent_end["seq"]  # it ends after the tools it holds


def test_decorated_tools_of_two_conversations_in_threads_go_under_their_own_agents(stub) -> None:
    def converse(city: str) -> None:
        run_to_the_end(stub, f"Weather and time in {city}", tools=DECORATED)

    def app() -> None:
        threads = [threading.Thread(target=converse, args=(city,)) for city in ("Paris", "Oslo")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    _, events = record(app)
    asked_in = {agent["span_id"]: agent["inputs"]["input"] for agent in spans(events, "agent")}
    tools = spans(events, "tool")
    assert len(asked_in) == 2 and len(tools) == 4
    assert all(tool["inputs"]["city"] in asked_in[tool["parent_id"]] for tool in tools)


def test_decorated_tools_of_two_conversations_under_gather_go_under_their_own_agents(stub) -> None:
    async def converse(city: str) -> None:
        openai_async = openai.AsyncOpenAI(base_url=stub.openai_url, api_key=KEY, max_retries=0)
        messages: list[Any] = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"Weather in {city}"}]
        while True:
            message = (await openai_async.chat.completions.create(model="gpt-4o-mini", messages=messages,
                                                                  tools=TOOLS[:1])).choices[0].message
            if not message.tool_calls:
                return
            messages.append(message.model_dump(exclude_none=True))
            for call in message.tool_calls:
                told = await decorated_weather_async(**json.loads(call.function.arguments))
                messages.append({"role": "tool", "tool_call_id": call.id, "content": told})

    async def both() -> None:
        await asyncio.gather(converse("Paris"), converse("Oslo"))

    _, events = record(lambda: asyncio.run(both()))
    asked_in = {agent["span_id"]: agent["inputs"]["input"] for agent in spans(events, "agent")}
    tools = spans(events, "tool")
    assert sorted(tool["inputs"]["city"] for tool in tools) == ["Oslo", "Paris"]
    assert all(tool["inputs"]["city"] in asked_in[tool["parent_id"]] for tool in tools)


def test_a_decorated_tool_called_inside_a_span_of_the_apps_stays_in_that_span(stub) -> None:
    def app() -> str:
        loop = ChatLoop(client(stub), "Weather and time in Paris")
        loop.step()
        with span("run the tools") as step:
            decorated_weather(city="Paris")
        loop.step()
        return step.span_id

    step_id, events = record(app)
    [tool] = [t for t in spans(events, "tool") if "linked_by" in t["attrs"]]
    assert tool["parent_id"] == step_id


# -- results marked as errors, and results that never came ----------------------------------------------------
def test_an_anthropic_tool_result_marked_as_an_error_is_a_failed_handled_tool_error(stub) -> None:
    def app() -> None:
        claude = anthropic.Anthropic(base_url=stub.url, api_key=KEY, max_retries=0)
        tools = [{"name": "get_weather", "input_schema": {"type": "object", "properties": {}}}]
        messages: list[Any] = [{"role": "user", "content": "Weather in Paris"}]
        message = claude.messages.create(model="claude-haiku-4-5", max_tokens=64, messages=messages, tools=tools)
        [call] = [block for block in message.content if block.type == "tool_use"]
        asked = [block.model_dump(exclude_none=True) for block in message.content]
        messages += [{"role": "assistant", "content": asked},
                     {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "is_error": True,
                                                   "content": "KeyError: 'Paris'"}]}]
        claude.messages.create(model="claude-haiku-4-5", max_tokens=64, messages=messages, tools=tools)

    _, events = record(app)
    [end] = ends_of(events, "tool")
    assert (end["name"], end["status"], end["error"]["type"], end["error"]["message"], end["error"]["handled"]) == (
        "get_weather", "failed", "ToolError", "KeyError: 'Paris'", True)
    assert end["outputs"]["return"] == "KeyError: 'Paris'"


def test_a_tool_call_never_answered_before_the_run_ended_is_tool_result_missing(stub) -> None:
    def app() -> None:
        ChatLoop(client(stub), "Weather and time in Paris").step()  # asks for get_weather; the app stops there

    _, events = record(app)
    [agent] = spans(events, "agent")
    [start] = spans(events, "tool")
    [end] = ends_of(events, "tool")
    assert (start["name"], start["parent_id"], start["attrs"]["result"]) == ("get_weather", agent["span_id"],
                                                                            "missing")
    assert (end["status"], end["error"]["type"], end["error"]["handled"]) == ("failed", "ToolResultMissing", True)
    assert end["error"]["message"].endswith("the run ended before its result was sent back")
    [agent_end] = ends_of(events, "agent")
    assert agent_end["attrs"]["answered"] is False and end["seq"] < agent_end["seq"]
    assert events[-1]["attrs"]["tool_calls"] == {"asked": 1, "hooked": 0, "wire": 0, "missing": 1, "unseen": 0}


def test_a_tool_call_the_conversation_went_on_without_is_tool_result_missing(stub) -> None:
    def app() -> None:
        loop = ChatLoop(client(stub), "Weather and time in Paris")
        message = loop.client.chat.completions.create(model="gpt-4o-mini", messages=loop.messages,
                                                      tools=TOOLS).choices[0].message
        loop.messages += [message.model_dump(exclude_none=True), {"role": "user", "content": "Never mind, in Oslo?"}]
        loop.client.chat.completions.create(model="gpt-4o-mini", messages=loop.messages)

    _, events = record(app)
    [end] = ends_of(events, "tool")
    llm = spans(events, "llm")
    assert end["error"]["type"] == "ToolResultMissing"
    assert end["error"]["message"].endswith("the conversation went on without its result")
    assert llm[1]["seq"] > end["seq"]  # given up when the next request of the conversation went out


# -- the rules, on request bodies ---------------------------------------------------------------------------
def test_each_api_says_its_system_prompt_tools_ids_and_forcing() -> None:
    said = dialogue("anthropic.messages", {"system": [{"type": "text", "text": "Be brief."}], "tools": [
        {"name": "b"}, {"name": "a"}], "tool_choice": {"type": "any"}, "messages": [
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1"}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1"}]}]})
    assert (said.system, said.tools, said.call_ids, said.forced) == ("Be brief.", ("a", "b"), {"toolu_1"}, True)
    said = dialogue("openai.responses", {"instructions": "Be kind.", "input": "hi", "previous_response_id": "resp_1",
                                         "tools": [{"type": "function", "name": "f"}]})
    assert (said.system, said.tools, said.previous, said.question) == ("Be kind.", ("f",), "resp_1", "hi")
    said = dialogue("gemini.generate_content", {"systemInstruction": {"parts": [{"text": "Hi."}]}, "contents": [
        {"role": "model", "parts": [{"functionCall": {"id": "g1", "name": "f"}}]}], "tools": [
        {"functionDeclarations": [{"name": "f"}]}], "toolConfig": {"functionCallingConfig": {"mode": "ANY"}}})
    assert (said.system, said.tools, said.call_ids, said.forced) == ("Hi.", ("f",), {"g1"}, True)
    assert dialogue("openai.embeddings", {"input": "x"}) is None
    assert json.dumps(dialogue("openai.chat", {"messages": "odd"}).turns) == "[]"


def test_a_rerun_makes_the_same_agent_and_missing_tool_and_compares_the_same(stub) -> None:
    def app() -> None:
        ChatLoop(client(stub), "Weather and time in Paris").step()  # asks for get_weather; the app stops there

    _, events = record(app)
    _, new_events, session = rerun(events, app)
    assert dict(session.tally.counts) == {"recorded": 1}
    assert [(e["component"], e["name"], e["status"]) for e in new_events if e["status"] != "started"][-4:-1] == [
        ("llm", "openai.chat", "completed"), ("tool", "get_weather", "failed"),
        ("agent", "agent(get_time, get_weather)", "completed")]
    compared = compare(timeline_of(events), timeline_of(new_events))
    assert (compared.first, compared.different) == (None, 0)


def test_a_rerun_whose_system_prompt_was_edited_misses_on_its_inputs_under_the_same_agent(stub) -> None:
    def app(system: str) -> Callable[[], None]:
        return lambda: ChatLoop(client(stub), "Weather and time in Paris", system=system).step()

    _, events = record(app(SYSTEM))
    edited = "You are a helpful travel assistant; use the tools."
    _, new_events, session = rerun(events, app(edited), match="inputs", strict=True)  # as a golden test matches
    [miss] = session.tally.misses
    assert miss.path == "agent:agent(get_time, get_weather)#1 > llm:openai.chat#1"
    assert miss.candidates[0].reasons == (f"inputs: messages[0].content: recorded '{SYSTEM}', this call '{edited}'",)
    assert [agent["name"] for agent in spans(events, "agent") + spans(new_events, "agent")] == [
        "agent(get_time, get_weather)"] * 2
