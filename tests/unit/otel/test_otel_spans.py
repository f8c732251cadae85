"""A recorded run as OpenTelemetry span records (otel/spans.py): pairs, parents, times, status, errors,
instant events, the resource, GenAI attributes, our `namel3ss.` fields, stable ids."""

from __future__ import annotations

import json

from support.tracefactory import TraceBuilder

from namel3ss_debug.otel.spans import SpanConverter, attribute_value, span_id_of, time_ns, trace_id_of


def convert(events):
    converter = SpanConverter()
    spans = [span for event in events for span in converter.feed(event)] + converter.finish()
    return converter, {span.attributes["namel3ss.span_id"]: span for span in spans}


def sample(run_id: str = "20261122-100000-abc123") -> TraceBuilder:
    trace = TraceBuilder(run_id)
    trace.run_start("agent_app.py", host="box")
    agent = trace.start("agent", "planner")
    trace.span("llm", "plan", 12.5, agent,
               inputs={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.2},
               model="gpt-4o-2024", usage={"input_tokens": 7, "output_tokens": 3, "total_tokens": 10},
               cost_usd=0.0001, outputs={"text": "hello", "finish_reason": "stop"})
    trace.instant("memory_operation", "memory", "write", agent, attrs={"operation": "write"})
    trace.span("tool", "search", 4, agent, status="failed", inputs={"q": "x"},
               error={"type": "TimeoutError", "message": "slow", "category": "timeout", "stack": "Traceback..."})
    trace.end(agent, 20)
    trace.run_end()
    return trace


def test_one_span_per_pair_with_its_parent_and_times() -> None:
    trace = sample()
    _, spans = convert(trace.events)
    assert len(spans) == 4
    llm = spans["0000000000000003"]
    run_id = trace.run_id
    assert (llm.parent_span_id, llm.span_id) == (span_id_of(run_id, "0000000000000002"),
                                                 span_id_of(run_id, "0000000000000003"))
    start, end = (e for e in trace.events if e["span_id"] == "0000000000000003")
    assert (llm.start_ns, llm.end_ns) == (time_ns(start["ts"]), time_ns(end["ts"]))
    assert llm.end_ns - llm.start_ns == 12_500_000
    assert spans["0000000000000001"].parent_span_id is None


def test_llm_spans_carry_the_genai_attributes() -> None:
    _, spans = convert(sample().events)
    llm = spans["0000000000000003"]
    assert llm.name == "plan" and llm.kind == "CLIENT"  # the name its user gave the call
    attributes = llm.attributes
    assert (attributes["gen_ai.operation.name"], attributes["gen_ai.provider.name"]) == ("chat", "openai")
    assert (attributes["gen_ai.request.model"], attributes["gen_ai.response.model"]) == ("gpt-4o", "gpt-4o-2024")
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (7, 3)
    assert json.loads(attributes["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]}]
    assert json.loads(attributes["gen_ai.output.messages"])[0]["parts"] == [{"type": "text", "content": "hello"}]
    assert attributes["namel3ss.cost_usd"] == 0.0001 and attributes["namel3ss.usage.total_tokens"] == 10


def test_a_failed_span_is_an_error_with_an_exception_event() -> None:
    _, spans = convert(sample().events)
    tool = spans["0000000000000005"]
    assert tool.name == "execute_tool search" and tool.attributes["gen_ai.tool.name"] == "search"
    assert (tool.status, tool.status_message) == ("ERROR", "TimeoutError: slow")
    [event] = tool.events
    assert event.name == "exception"
    assert event.attributes["exception.type"] == "TimeoutError"
    assert event.attributes["exception.stacktrace"] == "Traceback..."
    assert tool.attributes["namel3ss.error.category"] == "timeout"


def test_an_instant_event_is_an_event_of_its_span() -> None:
    _, spans = convert(sample().events)
    agent = spans["0000000000000002"]
    assert agent.name == "invoke_agent planner"
    [event] = agent.events
    assert (event.name, event.attributes["namel3ss.attrs.operation"]) == ("memory_operation", "write")


def test_an_instant_after_its_span_closed_is_a_zero_length_span_under_it() -> None:
    trace = TraceBuilder()
    root = trace.run_start()
    done = trace.span("tool", "t", 1)
    trace.instant("performance_marker", "custom", "late", done)
    trace.run_end()
    _, spans = convert(trace.events)
    late = spans["0000000000000003"]
    assert late.parent_span_id == span_id_of(trace.run_id, done) and late.start_ns == late.end_ns
    assert late.attributes["namel3ss.instant"] is True
    assert root in spans


def test_the_run_is_the_resource() -> None:
    converter, _ = convert(sample().events)
    assert converter.resource.attributes["service.name"] == "agent_app.py"
    assert converter.resource.attributes["host.name"] == "box"
    assert converter.resource.attributes["namel3ss.run_id"] == sample().run_id


def test_ids_are_stable_and_derived_from_the_run() -> None:
    first, _ = convert(sample().events)
    again, _ = convert(sample().events)
    assert first.trace_id == again.trace_id == trace_id_of(sample().run_id)
    assert trace_id_of("a") != trace_id_of("b")
    assert span_id_of("run", "span-7") == span_id_of("run", "span-7") != span_id_of("other", "span-7")


def test_span_ids_are_unique_across_runs_that_count_theirs_alike() -> None:
    """Every run numbers its spans from 1: exported as they are, a backend keeping one span per id kept the
    first run's and dropped the others'."""
    runs = [sample(f"20261122-10000{n}-abc123") for n in range(5)]
    assert len({run.run_id for run in runs}) == 5
    ids = [span.span_id for run in runs for span in convert(run.events)[1].values()]
    assert len(ids) == len(set(ids)) == 5 * 4
    assert span_id_of("run", "00000000000000ff") != 0xFF


def test_a_run_read_from_opentelemetry_keeps_its_span_ids() -> None:
    trace_id = "5b8efff798038103d269b633813fc60c"
    assert span_id_of(trace_id, "eee19b7ec3c1b174") == 0xEEE19B7EC3C1B174
    assert span_id_of(trace_id, "run") == span_id_of(trace_id, "run") != 0  # not a span id: hashed


def test_a_span_left_open_ends_at_the_last_timestamp() -> None:
    trace = TraceBuilder()
    trace.run_start()
    trace.start("agent", "stuck")
    trace.advance(50)
    trace.instant("performance_marker", "custom", "tick")
    _, spans = convert(trace.events)
    stuck = spans["0000000000000002"]
    assert stuck.attributes["namel3ss.unclosed"] is True and stuck.status == "UNSET"
    assert stuck.end_ns - stuck.start_ns == 50_000_000


def test_attribute_values_are_otel_types_or_json() -> None:
    assert attribute_value(["a", "b"]) == ["a", "b"]
    assert attribute_value([1, "a"]) == '[1,"a"]'
    assert attribute_value({"k": 1}) == '{"k":1}'
    assert attribute_value(2**70) == str(2**70)
    assert attribute_value([]) == "[]"


def test_a_run_read_from_opentelemetry_keeps_its_trace_id() -> None:
    assert trace_id_of("5b8efff798038103d269b633813fc60c") == 0x5B8EFFF798038103D269B633813FC60C
    assert trace_id_of("0" * 32) != 0  # not a trace id: hashed like any other run id
    assert trace_id_of("20261123-164447-dd6e0a") == trace_id_of("20261123-164447-dd6e0a") != 0


def test_the_run_span_begins_after_its_start_up_which_is_an_event_of_it() -> None:
    """A backend's trace latency is the root span's: with the interpreter's start-up inside it, a 191 ms
    agent read as a 3.6 s trace."""
    trace = TraceBuilder("20261122-100000-abc123")
    root = trace.run_start("agent_app.py")
    startup = trace.startup(3000)
    trace.span("llm", "plan", 100, root)
    trace.run_end()
    _, spans = convert(trace.events)
    assert set(spans) == {root, "0000000000000003"}  # no span for the start-up
    run = spans[root]
    startup_end = next(e for e in trace.events if e["span_id"] == startup and e["event_type"] == "app_load_end")
    assert run.start_ns == time_ns(startup_end["ts"])
    assert run.attributes["namel3ss.start_ns"] == time_ns(trace.events[0]["ts"])
    [event] = run.events
    assert (event.name, event.time_ns) == ("start-up", time_ns(trace.events[0]["ts"]))
    assert event.attributes["namel3ss.startup_ms"] == 3000 and event.attributes["namel3ss.span_id"] == startup


def test_the_run_span_shows_its_first_childs_input_and_its_last_childs_output() -> None:
    # Phoenix lists a trace by its root span's input and output: the run's span had neither
    trace = TraceBuilder()
    trace.run_start("agent_app.py")
    first = trace.start("agent", "planner", inputs={"question": "weather in Oslo?"})
    trace.end(first, 5, outputs={"plan": "look it up"})
    trace.span("agent", "writer", 5, inputs={"plan": "look it up"}, outputs={"answer": "Sunny, 21 C"})
    trace.run_end()
    run = convert(trace.events)[1]["0000000000000001"]
    assert json.loads(run.attributes["input.value"]) == {"question": "weather in Oslo?"}
    assert json.loads(run.attributes["output.value"]) == {"answer": "Sunny, 21 C"}


def test_a_run_span_whose_children_carry_nothing_shows_no_input_or_output() -> None:
    trace = TraceBuilder()
    trace.run_start("agent_app.py")
    trace.span("custom", "step", 5)
    trace.run_end()
    run = convert(trace.events)[1]["0000000000000001"]
    assert "input.value" not in run.attributes and "output.value" not in run.attributes
