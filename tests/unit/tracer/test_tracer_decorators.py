"""The library API: decorators for every kind of function, span(), the instant events, and tracing off."""

from __future__ import annotations

import asyncio
import functools
import traceback
from contextlib import nullcontext
from types import SimpleNamespace
from typing import Any

import pytest

from namel3ss_debug.tracer.api import (
    current_span,
    get_tracer,
    mark,
    span,
    trace_agent_execution,
    trace_agent_turn,
    trace_chain_step,
    trace_error,
    trace_llm_call,
    trace_memory_operation,
    trace_tool_call,
    trace_validation,
)
from namel3ss_debug.tracer.decorators import MAX_RECORDED_YIELDS
from namel3ss_debug.tracer.span import NOOP_SPAN


def only(events: list[dict[str, Any]], event_type: str) -> dict[str, Any]:
    matches = [e for e in events if e["event_type"] == event_type]
    assert len(matches) == 1, f"{len(matches)} {event_type} events"
    return matches[0]


@trace_tool_call
def add(a: int, b: int = 1) -> int:
    return a + b


@trace_tool_call(name="web_search", attrs={"engine": "fake"})
def search(query: str) -> list[str]:
    return [query]


@trace_tool_call
def explode(reason: str) -> None:
    raise ValueError(f"bad parameter: {reason}")


# ---------------------------------------------------------------- decorator forms and values


def test_bare_decorator_records_a_span_named_after_the_function(capture):
    with capture() as run:
        add(2, b=3)
    end = only(run.events, "tool_call_end")
    assert (end["name"], end["component"], end["status"]) == ("add", "tool", "completed")


def test_bare_decorator_records_inputs_by_parameter_name(capture):
    with capture() as run:
        add(2, b=3)
    assert only(run.events, "tool_call_start")["inputs"] == {"a": 2, "b": 3}


def test_bare_decorator_records_the_return_value(capture):
    with capture() as run:
        add(2, 3)
    assert only(run.events, "tool_call_end")["outputs"] == {"return": 5}


def test_keyword_decorator_sets_the_name_and_attrs(capture):
    with capture() as run:
        search("cats")
    start = only(run.events, "tool_call_start")
    assert (start["name"], start["attrs"]) == ("web_search", {"engine": "fake"})


def test_extra_positional_arguments_are_recorded_under_the_star_name(capture):
    @trace_tool_call
    def many(first: int, *rest: int) -> int:
        return first

    with capture() as run:
        many(1, 2, 3)
    assert only(run.events, "tool_call_start")["inputs"] == {"first": 1, "rest": [2, 3]}


def test_decorator_keeps_the_function_name_and_docstring():
    @trace_tool_call
    def documented() -> None:
        """Does a thing."""

    assert (documented.__name__, documented.__doc__) == ("documented", "Does a thing.")


def test_return_value_is_the_same_object(capture):
    payload = object()

    @trace_tool_call
    def give() -> object:
        return payload

    with capture():
        assert give() is payload


def test_exception_is_the_same_object_with_its_traceback(capture):
    raised: list[BaseException] = []

    @trace_tool_call
    def fail() -> None:
        error = KeyError("missing")
        raised.append(error)
        raise error

    with capture():
        with pytest.raises(KeyError) as info:
            fail()
    assert info.value is raised[0]
    assert "fail" in [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]


def test_failed_span_records_status_and_error(capture):
    with capture() as run:
        with pytest.raises(ValueError):
            explode("x")
    end = only(run.events, "tool_call_end")
    assert end["status"] == "failed"
    assert end["error"]["type"] == "ValueError"
    assert (end["error"]["message"], end["error"]["category"]) == ("bad parameter: x", "parameter")
    assert "raise ValueError" in end["error"]["stack"]


def test_capture_stack_traces_off_omits_the_stack(capture):
    with capture(capture_stack_traces=False) as run:
        with pytest.raises(ValueError):
            explode("x")
    assert "stack" not in only(run.events, "tool_call_end")["error"]


def test_clean_system_exit_is_not_a_failure(capture):
    @trace_agent_execution
    def quit_cleanly() -> None:
        raise SystemExit(0)

    with capture() as run:
        with pytest.raises(SystemExit):
            quit_cleanly()
    assert only(run.events, "agent_execution_end")["status"] == "completed"


def test_nested_calls_parent_under_the_caller(capture):
    @trace_agent_execution
    def agent() -> int:
        return add(1)

    with capture() as run:
        agent()
    assert only(run.events, "tool_call_start")["parent_id"] == only(run.events, "agent_execution_start")["span_id"]


def test_methods_drop_self_from_inputs(capture):
    class Tool:
        @trace_tool_call
        def run(self, query: str) -> str:
            return query

    with capture() as run:
        Tool().run("q")
    assert only(run.events, "tool_call_start")["inputs"] == {"query": "q"}


def test_classmethods_drop_cls_from_inputs(capture):
    class Tool:
        @classmethod
        @trace_tool_call
        def build(cls, size: int) -> int:
            return size

    with capture() as run:
        Tool.build(3)
    assert only(run.events, "tool_call_start")["inputs"] == {"size": 3}


def test_a_partial_is_traced_under_the_name_of_the_function_it_wraps(capture):
    def scale(factor: int, value: int) -> int:
        return factor * value

    double = trace_tool_call(functools.partial(scale, 2))
    with capture() as run:
        assert double(5) == 10
    start = only(run.events, "tool_call_start")
    assert (start["name"], start["inputs"]) == ("scale", {"value": 5})


def test_a_callable_object_without_a_name_is_traced_under_its_type_name(capture):
    class Lookup:
        def __call__(self, key: str) -> str:
            return key.upper()

    lookup = trace_tool_call(Lookup())
    with capture() as run:
        assert lookup("k") == "K"
    assert (only(run.events, "tool_call_end")["name"], lookup.__name__) == ("Lookup", "Lookup")


def test_decorator_capture_inputs_false_omits_inputs(capture):
    @trace_tool_call(capture_inputs=False)
    def private(token: str) -> None:
        pass

    with capture() as run:
        private("t")
    assert "inputs" not in only(run.events, "tool_call_start")


def test_capture_inputs_setting_off_omits_inputs(capture):
    with capture(capture_inputs=False) as run:
        add(1, 2)
    assert "inputs" not in only(run.events, "tool_call_start")


def test_capture_outputs_setting_off_omits_outputs(capture):
    with capture(capture_outputs=False) as run:
        add(1, 2)
    assert "outputs" not in only(run.events, "tool_call_end")


# ---------------------------------------------------------------- async and generators


def test_async_function_is_traced_and_returns_its_value(capture):
    @trace_tool_call
    async def fetch(url: str) -> str:
        await asyncio.sleep(0)
        return url.upper()

    with capture() as run:
        assert asyncio.run(fetch("a")) == "A"
    assert only(run.events, "tool_call_end")["outputs"] == {"return": "A"}


def test_async_function_exception_is_reraised_and_recorded(capture):
    @trace_tool_call
    async def fetch() -> None:
        raise TimeoutError("slow")

    with capture() as run:
        with pytest.raises(TimeoutError):
            asyncio.run(fetch())
    assert only(run.events, "tool_call_end")["error"]["category"] == "timeout"


@trace_llm_call
def stream(n: int):
    for i in range(n):
        with span("chunk") as s:
            s.set_attribute("i", i)
        yield f"tok{i}"


def test_generator_yields_its_items(capture):
    with capture():
        assert list(stream(3)) == ["tok0", "tok1", "tok2"]


def test_generator_span_records_the_yielded_items(capture):
    with capture() as run:
        list(stream(3))
    assert only(run.events, "llm_call_end")["outputs"] == {"yielded": ["tok0", "tok1", "tok2"], "yield_count": 3}


def test_generator_inner_spans_parent_under_the_generator_span(capture):
    with capture() as run:
        list(stream(2))
    generator_span = only(run.events, "llm_call_start")["span_id"]
    assert {e["parent_id"] for e in run.events if e["name"] == "chunk"} == {generator_span}


def test_span_opened_while_consuming_a_generator_is_not_its_child(capture):
    with capture() as run:
        for _ in stream(2):
            mark("consumer")
    generator_span = only(run.events, "llm_call_start")["span_id"]
    assert generator_span not in {e["parent_id"] for e in run.events if e["name"] == "consumer"}


def test_generator_return_value_is_recorded(capture):
    @trace_tool_call
    def numbers():
        yield 1
        return "done"

    with capture() as run:
        list(numbers())
    assert only(run.events, "tool_call_end")["outputs"] == {"yielded": [1], "yield_count": 1, "return": "done"}


def test_closing_a_generator_early_ends_its_span_marked_closed_early(capture):
    with capture() as run:
        generator = stream(5)
        next(generator)
        generator.close()
    end = only(run.events, "llm_call_end")
    assert (end["status"], end["attrs"]["closed_early"], end["outputs"]) == (
        "completed", True, {"yielded": ["tok0"], "yield_count": 1})


def spanning_generator():
    """A traced generator that yields twice inside a span of its own."""

    @trace_tool_call
    def held():
        with span("inner"):
            yield 1
            yield 2

    return held


def test_closing_a_generator_early_gives_the_caller_its_own_current_span_back(capture):
    held = spanning_generator()
    with capture() as run:
        with span("caller") as caller:
            generator = held()
            next(generator)
            generator.close()
            mark("after")
    assert only(run.events, "performance_marker")["parent_id"] == caller.span_id


def test_spans_held_by_a_generator_closed_early_end_completed(capture):
    held = spanning_generator()
    with capture() as run:
        generator = held()
        next(generator)
        generator.close()
    ends = {e["name"]: e["status"] for e in run.events if e["event_type"] in ("custom_span_end", "tool_call_end")}
    assert ends == {"inner": "completed", "held": "completed"}


def test_generator_span_keeps_the_first_items_and_counts_them_all(capture):
    @trace_tool_call
    def endless():
        yield from range(MAX_RECORDED_YIELDS + 5)

    with capture() as run:
        for _ in endless():
            pass
    assert only(run.events, "tool_call_end")["outputs"] == {
        "yielded": list(range(MAX_RECORDED_YIELDS)), "yield_count": MAX_RECORDED_YIELDS + 5, "yielded_truncated": True}


def test_generator_closed_early_keeps_the_first_items_and_counts_them_all(capture):
    @trace_tool_call
    def endless():
        yield from range(MAX_RECORDED_YIELDS + 5)

    with capture() as run:
        generator = endless()
        for _ in range(MAX_RECORDED_YIELDS + 2):
            next(generator)
        generator.close()
    outputs = only(run.events, "tool_call_end")["outputs"]
    assert (len(outputs["yielded"]), outputs["yield_count"], outputs["yielded_truncated"]) == (
        MAX_RECORDED_YIELDS, MAX_RECORDED_YIELDS + 2, True)


def test_generator_called_with_wrong_arguments_opens_no_span(capture):
    @trace_tool_call
    def numbers(n: int):
        yield n

    with capture() as run:
        with pytest.raises(TypeError):
            next(numbers())  # type: ignore[call-arg]
    assert [e for e in run.events if e["name"] == "numbers"] == []


def test_generator_exception_fails_its_span(capture):
    @trace_tool_call
    def broken():
        yield 1
        raise ValueError("mid-stream")

    with capture() as run:
        with pytest.raises(ValueError):
            list(broken())
    assert only(run.events, "tool_call_end")["status"] == "failed"


def test_generator_receives_sent_values(capture):
    @trace_tool_call
    def echo():
        received = yield "ready"
        yield received

    with capture():
        generator = echo()
        next(generator)
        assert generator.send("hello") == "hello"


def test_span_held_open_across_a_yield_stays_the_parent_after_it(capture):
    @trace_tool_call
    def streaming():
        with span("outer"):
            yield 1
            mark("after_yield")

    with capture() as run:
        list(streaming())
    outer = [e for e in run.events if e["name"] == "outer"][0]["span_id"]
    assert only(run.events, "performance_marker")["parent_id"] == outer


def test_async_generator_span_records_the_yielded_items(capture):
    @trace_llm_call
    async def astream(n: int):
        for i in range(n):
            await asyncio.sleep(0)
            yield i

    async def consume() -> list[int]:
        return [item async for item in astream(3)]

    with capture() as run:
        assert asyncio.run(consume()) == [0, 1, 2]
    assert only(run.events, "llm_call_end")["outputs"] == {"yielded": [0, 1, 2], "yield_count": 3}


def test_async_generator_inner_spans_parent_under_it(capture):
    @trace_llm_call
    async def astream():
        mark("inside")
        yield 1

    async def consume() -> None:
        async for _ in astream():
            pass

    with capture() as run:
        asyncio.run(consume())
    assert only(run.events, "performance_marker")["parent_id"] == only(run.events, "llm_call_start")["span_id"]


def test_async_generator_span_keeps_the_first_items_and_counts_them_all(capture):
    @trace_tool_call
    async def endless():
        for i in range(MAX_RECORDED_YIELDS + 5):
            yield i

    async def consume() -> None:
        async for _ in endless():
            pass

    with capture() as run:
        asyncio.run(consume())
    outputs = only(run.events, "tool_call_end")["outputs"]
    assert (len(outputs["yielded"]), outputs["yield_count"], outputs["yielded_truncated"]) == (
        MAX_RECORDED_YIELDS, MAX_RECORDED_YIELDS + 5, True)


def test_closing_an_async_generator_early_gives_the_caller_its_own_current_span_back(capture):
    @trace_tool_call
    async def held():
        with span("inner"):
            yield 1
            yield 2

    async def consume() -> str:
        with span("caller") as caller:
            generator = held()
            await generator.__anext__()
            await generator.aclose()
            mark("after")
        return caller.span_id

    with capture() as run:
        caller_id = asyncio.run(consume())
    assert only(run.events, "performance_marker")["parent_id"] == caller_id


def conversation(log: list[str]):
    """A traced async generator that echoes what is sent, answers a thrown ValueError, and logs its close."""

    @trace_tool_call
    async def talk():
        try:
            received = yield "ready"
            try:
                yield f"got {received}"
            except ValueError as exc:
                yield f"recovered from {exc}"
        finally:
            log.append("closed")

    return talk()


@pytest.mark.parametrize("tracing", [True, False], ids=["tracing", "off"])
def test_async_generator_receives_values_sent_with_asend(capture, tracing):
    async def talk() -> str:
        generator = conversation([])
        await generator.__anext__()
        return await generator.asend("hello")

    with capture() if tracing else nullcontext():
        assert asyncio.run(talk()) == "got hello"


@pytest.mark.parametrize("tracing", [True, False], ids=["tracing", "off"])
def test_async_generator_receives_exceptions_thrown_with_athrow(capture, tracing):
    async def talk() -> str:
        generator = conversation([])
        await generator.__anext__()
        await generator.asend("hello")
        return await generator.athrow(ValueError("bad"))

    with capture() if tracing else nullcontext():
        assert asyncio.run(talk()) == "recovered from bad"


@pytest.mark.parametrize("tracing", [True, False], ids=["tracing", "off"])
def test_async_generator_aclose_closes_the_inner_generator_at_once(capture, tracing):
    async def talk() -> list[str]:
        log: list[str] = []
        generator = conversation(log)
        await generator.__anext__()
        await generator.aclose()
        return list(log)  # a copy: asyncio.run would close a leaked generator before returning

    with capture() if tracing else nullcontext():
        assert asyncio.run(talk()) == ["closed"]


# ---------------------------------------------------------------- LLM calls: model, usage, cost


def test_llm_call_records_model_and_usage_from_a_dict_return(capture):
    @trace_llm_call
    def complete(prompt: str) -> dict[str, Any]:
        return {"model": "gpt-4o", "text": "hi", "usage": {"prompt_tokens": 10, "completion_tokens": 5}}

    with capture() as run:
        complete("hello")
    end = only(run.events, "llm_call_end")
    assert end["model"] == "gpt-4o"
    assert end["usage"] == {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}


def test_llm_call_records_usage_from_an_object_with_usage(capture):
    @trace_llm_call
    def complete(prompt: str) -> SimpleNamespace:
        return SimpleNamespace(model="gpt-4o-mini", usage=SimpleNamespace(prompt_tokens=7, completion_tokens=3))

    with capture() as run:
        complete("hello")
    end = only(run.events, "llm_call_end")
    assert (end["model"], end["usage"]) == ("gpt-4o-mini", {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10})


def test_llm_call_records_usage_set_on_the_current_span(capture):
    @trace_llm_call(model="claude-sonnet")
    def complete(prompt: str) -> str:
        current_span().set_usage(input_tokens=4, output_tokens=6)
        return "text"

    with capture() as run:
        complete("hello")
    end = only(run.events, "llm_call_end")
    assert (end["model"], end["usage"]) == (
        "claude-sonnet", {"input_tokens": 4, "output_tokens": 6, "total_tokens": 10})


def test_llm_call_takes_the_model_from_a_model_argument(capture):
    @trace_llm_call
    def complete(prompt: str, model: str) -> str:
        return "text"

    with capture() as run:
        complete("hello", model="gpt-4.1")
    assert only(run.events, "llm_call_start")["model"] == "gpt-4.1"


def priced_end(capture, model: str) -> dict[str, Any]:
    """The `llm_call_end` of one call that `model` answered with 1,000,000 input and 500,000 output tokens,
    traced with price overrides that price the model `m` alone."""
    @trace_llm_call
    def complete(prompt: str) -> dict[str, Any]:
        return {"model": model, "usage": {"input_tokens": 1_000_000, "output_tokens": 500_000}}

    with capture(price_overrides={"m": {"input": 2.0, "output": 8.0}}) as run:
        complete("hello")
    return only(run.events, "llm_call_end")


def test_price_overrides_give_the_cost(capture):
    assert priced_end(capture, "m")["cost_usd"] == pytest.approx(6.0)


def test_unpriced_model_has_no_cost(capture):
    assert "cost_usd" not in priced_end(capture, "other")


# ---------------------------------------------------------------- span() and the context managers


def test_span_context_manager_records_a_custom_span(capture):
    with capture() as run:
        with span("plan", inputs={"goal": "g"}) as s:
            s.set_outputs({"steps": 2})
    start, end = only(run.events, "custom_span_start"), only(run.events, "custom_span_end")
    assert (start["name"], start["component"], start["inputs"]) == ("plan", "custom", {"goal": "g"})
    assert (end["status"], end["outputs"]) == ("completed", {"steps": 2})


def test_span_with_a_component_uses_its_event_types(capture):
    with capture() as run:
        with span("lookup", component="tool"):
            pass
    assert [e["event_type"] for e in run.events if e["name"] == "lookup"] == ["tool_call_start", "tool_call_end"]


def test_nested_spans_parent_under_the_enclosing_span(capture):
    with capture() as run:
        with span("outer") as outer:
            with span("inner"):
                pass
    inner = [e for e in run.events if e["name"] == "inner"]
    assert {e["parent_id"] for e in inner} == {outer.span_id}


def test_span_restores_the_previous_span_when_it_ends(capture):
    with capture():
        with span("outer") as outer:
            with span("inner"):
                pass
            assert current_span() is outer


def test_span_exception_propagates_and_fails_the_span(capture):
    with capture() as run:
        with pytest.raises(ConnectionError):
            with span("call"):
                raise ConnectionError("reset")
    end = only(run.events, "custom_span_end")
    assert (end["status"], end["error"]["category"]) == ("failed", "network")


def test_async_span_context_manager_records_a_span(capture):
    async def work() -> None:
        async with span("async-step") as s:
            s.set_attribute("k", 1)

    with capture() as run:
        asyncio.run(work())
    assert only(run.events, "custom_span_end")["attrs"] == {"k": 1}


def test_trace_agent_turn_records_agent_turn_events_with_the_turn(capture):
    with capture() as run:
        with trace_agent_turn("planner", 2, goal="g"):
            pass
    start, end = only(run.events, "agent_turn_start"), only(run.events, "agent_turn_end")
    assert (start["name"], start["component"], start["attrs"]) == ("planner", "agent", {"turn": 2, "goal": "g"})
    assert end["span_id"] == start["span_id"]


def test_trace_chain_step_records_chain_step_events_with_the_step(capture):
    with capture() as run:
        with trace_chain_step("rag", "retrieve"):
            pass
    start = only(run.events, "chain_step_start")
    assert (start["name"], start["component"], start["attrs"]) == ("rag", "chain", {"step": "retrieve"})
    assert only(run.events, "chain_step_end")["status"] == "completed"


# ---------------------------------------------------------------- instant events


def test_trace_memory_operation_records_key_value_and_operation(capture):
    with capture() as run:
        trace_memory_operation("write", key="user", value={"name": "Ada"}, store="redis")
    event = only(run.events, "memory_operation")
    assert (event["component"], event["name"]) == ("memory", "write")
    assert event["inputs"] == {"key": "user", "value": {"name": "Ada"}}
    assert event["attrs"] == {"operation": "write", "store": "redis"}


def test_trace_memory_operation_summarization_has_its_own_type(capture):
    with capture() as run:
        trace_memory_operation("summarize", summarization=True)
    assert only(run.events, "memory_summarization")["attrs"] == {"operation": "summarize"}


def test_capture_inputs_off_omits_memory_values(capture):
    with capture(capture_inputs=False) as run:
        trace_memory_operation("write", key="user", value="private")
    assert "inputs" not in only(run.events, "memory_operation")


def test_trace_memory_operation_parents_under_the_current_span(capture):
    with capture() as run:
        with span("agent") as s:
            trace_memory_operation("read", key="k")
    assert only(run.events, "memory_operation")["parent_id"] == s.span_id


def test_trace_validation_passed_records_a_completed_pair(capture):
    with capture() as run:
        trace_validation("schema", True, inputs={"doc": 1})
    start, end = only(run.events, "validation_start"), only(run.events, "validation_end")
    assert (start["name"], start["inputs"]) == ("schema", {"doc": 1})
    assert (end["status"], end["outputs"]) == ("completed", {"passed": True})


def test_trace_validation_failed_records_a_failed_end_with_errors(capture):
    with capture() as run:
        trace_validation("schema", False, errors=["missing field"])
    end = only(run.events, "validation_end")
    assert (end["status"], end["outputs"]) == ("failed", {"passed": False, "errors": ["missing field"]})


def test_trace_error_records_error_occurred_under_the_current_span(capture):
    with capture() as run:
        with span("fetch", component="tool") as s:
            trace_error(PermissionError("forbidden"), retry=1)
    event = only(run.events, "error_occurred")
    assert (event["parent_id"], event["component"], event["status"]) == (s.span_id, "tool", "failed")
    assert (event["error"]["type"], event["error"]["category"], event["attrs"]) == (
        "PermissionError", "auth", {"retry": 1})


def test_mark_records_a_performance_marker_with_attrs(capture):
    with capture() as run:
        span_id = mark("checkpoint", step=3)
    event = only(run.events, "performance_marker")
    assert (event["name"], event["attrs"], event["span_id"]) == ("checkpoint", {"step": 3}, span_id)


# ---------------------------------------------------------------- tracing off


def test_decorated_functions_work_when_no_run_is_active():
    assert not get_tracer().active
    assert add(2, 3) == 5
    assert list(stream(2)) == ["tok0", "tok1"]


def test_decorated_async_function_works_when_no_run_is_active():
    @trace_tool_call
    async def fetch() -> int:
        return 7

    assert asyncio.run(fetch()) == 7


def test_nothing_is_recorded_after_the_run_ends(capture):
    with capture() as run:
        pass
    recorded = len(run.events)
    add(1, 2)
    mark("late")
    with span("late"):
        pass
    assert len(run.events) == recorded


def test_span_yields_a_noop_span_when_off():
    with span("x") as s:
        s.set_attribute("k", "v")
        s.set_usage(input_tokens=1)
    assert s is NOOP_SPAN and not s.recording


def test_current_span_is_a_noop_span_when_off():
    assert current_span() is NOOP_SPAN


def test_instant_events_return_none_when_off():
    assert (mark("m"), trace_error(ValueError()), trace_memory_operation("read"), trace_validation("v", True)) == (
        None, None, None, None)
