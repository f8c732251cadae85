"""The tracer never raises into the app, whatever the objects it is handed (tracing on or off).

Each public entry of the library API is called with each hostile object in each place it takes one: objects
whose `__repr__`, `__str__`, `__class__`, `__eq__`, `__hash__`, `__bool__` or conversions raise, subclasses of
int, float, str, dict and list that fail when asked, a list that holds itself, one 5,000 deep, an int too long
to print, NaN, bytes, a lone surrogate, a class. The call must return; with tracing on, what the run wrote
must still be a trace: every line an event, the run closed by `run_end`.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any, Callable

import pytest
from support.hostileobjects import HOSTILE, BadEverything, BadInt, BadStr, _boom

import namel3ss_debug as api
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource


def _within(use: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def call(hostile: Any) -> None:
        with api.span("block") as opened:
            use(opened)(hostile)
    return call


def _entered(make: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def call(hostile: Any) -> None:
        with make(hostile):
            pass
    return call


def _decorated(decorator: Any, use: Callable[[Any, Any], Any]) -> Callable[[Any], Any]:
    return lambda hostile: use(decorator, hostile)


def _generator_of(hostile: Any) -> Any:
    yield hostile


CALLS: dict[str, Callable[[Any], Any]] = {
    "span(name)": _entered(lambda h: api.span(h)),
    "span(component)": _entered(lambda h: api.span("s", h)),
    "span(event_prefix)": _entered(lambda h: api.span("s", event_prefix=h)),
    "span(inputs)": _entered(lambda h: api.span("s", inputs=h)),
    "span(attrs)": _entered(lambda h: api.span("s", attrs=h)),
    "span(model)": _entered(lambda h: api.span("s", model=h)),
    "set_attribute key": _within(lambda s: lambda h: s.set_attribute(h, 1)),
    "set_attribute value": _within(lambda s: lambda h: s.set_attribute("k", h)),
    "set_attributes": _within(lambda s: lambda h: s.set_attributes(k=h)),
    "set_outputs": _within(lambda s: s.set_outputs),
    "set_model": _within(lambda s: s.set_model),
    "set_status": _within(lambda s: s.set_status),
    "set_usage input": _within(lambda s: lambda h: s.set_usage(h, 2)),
    "set_usage total": _within(lambda s: lambda h: s.set_usage(1, 2, h)),
    "set_usage extra": _within(lambda s: lambda h: s.set_usage(1, 2, cached_tokens=h)),
    "current_span": lambda h: api.current_span().set_model(h),
    "mark name": lambda h: api.mark(h),
    "mark attrs": lambda h: api.mark("m", detail=h),
    "trace_agent_turn": _entered(lambda h: api.trace_agent_turn(h, h, detail=h)),
    "trace_chain_step": _entered(lambda h: api.trace_chain_step(h, h, detail=h)),
    "trace_memory_operation": lambda h: api.trace_memory_operation(h, h, h, store=h, summarization=h),
    "trace_memory_operation secret": lambda h: api.trace_memory_operation("write", "api_key", h),
    "trace_validation": lambda h: api.trace_validation(h, h, errors=h, inputs=h, detail=h),
    "trace_error": lambda h: api.trace_error(h),
    "trace_error attrs": lambda h: api.trace_error(ValueError("v"), detail=h),
    "decorator name=": _decorated(api.trace_tool_call, lambda d, h: d(name=h)(lambda x: x)(1)),
    "decorator model=": _decorated(api.trace_llm_call, lambda d, h: d(model=h)(lambda x: x)(1)),
    "decorator attrs=": _decorated(api.trace_agent_execution, lambda d, h: d(attrs=h)(lambda x: x)(1)),
    "decorator codec=": _decorated(api.trace_tool_call, lambda d, h: d(codec=h)(lambda x: x)(1)),
    "decorator replayable=": _decorated(api.trace_tool_call, lambda d, h: d(replayable=h)(lambda x: x)(1)),
    "decorator capture_inputs=": _decorated(api.trace_tool_call, lambda d, h: d(capture_inputs=h)(lambda x: x)(1)),
    "decorated argument": _decorated(api.trace_tool_call, lambda d, h: d(lambda x: x)(h)),
    "decorated keyword model": _decorated(api.trace_llm_call, lambda d, h: d(lambda **k: 1)(model=h)),
    "decorated return": _decorated(api.trace_tool_call, lambda d, h: d(lambda: h)()),
    "decorated yield": _decorated(api.trace_tool_call, lambda d, h: list(d(_generator_of)(h))),
    "decorating it": _decorated(api.trace_tool_call, lambda d, h: d(h)),
}


@pytest.mark.parametrize("hostile", HOSTILE, ids=list(HOSTILE))
@pytest.mark.parametrize("call", CALLS, ids=list(CALLS))
@pytest.mark.parametrize("tracing", [True, False], ids=["tracing", "off"])
def test_the_tracer_never_raises_into_the_app(capture, tracing: bool, call: str, hostile: str) -> None:
    with capture(capture_memory=True, capture_stack_traces=True) if tracing else nullcontext() as run:
        CALLS[call](HOSTILE[hostile]())
    if run is not None:
        assert run.events[-1]["event_type"] == "run_end"


def test_a_run_given_every_hostile_object_is_still_a_trace(capture, tmp_path) -> None:
    with capture(capture_memory=True, capture_stack_traces=True) as run:
        for make in HOSTILE.values():
            for call in CALLS.values():
                call(make())
    trace = tmp_path / "hostile.jsonl"
    trace.write_bytes(b"".join(run._writer.lines))
    problems = ReadProblems()
    events = list(TraceReader(problems).events(RunSource(str(trace), (str(trace),))))
    assert events and events[-1].event["event_type"] == "run_end"
    assert problems.invalid_count == 0 and problems.dropped_count == 0


def test_what_cannot_be_printed_is_named_by_its_type(capture) -> None:
    with capture() as run:
        api.mark(BadStr())
        with api.span("block") as opened:
            opened.set_model(BadStr())
            opened.set_attribute(BadStr(), 1)
            opened.set_usage(BadInt(3), 2)
    marker = next(e for e in run.events if e["event_type"] == "performance_marker")
    block = next(e for e in run.events if e["event_type"] == "custom_span_end")
    assert marker["name"] == "<unprintable BadStr>"
    assert "model" not in block  # a made-up model name would be priced as if it were one
    assert block["attrs"] == {"<unprintable BadStr>": 1}
    assert block["usage"] == {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}  # the int's own value


def test_a_decorator_given_attrs_that_are_not_a_dict_keeps_them_under_value(capture) -> None:
    @api.trace_tool_call(attrs=["role"])
    def tool() -> int:
        return 1

    with capture() as run:
        tool()
    assert next(e for e in run.events if e["event_type"] == "tool_call_start")["attrs"] == {"value": ["role"]}


def test_a_codec_that_cannot_decode_is_left_out_with_a_warning(capsys) -> None:
    @api.trace_tool_call(codec=42)
    def tool() -> int:
        return 1

    assert tool() == 1
    assert "codec= takes a class, a callable or an object with decode(value), not int: left out" \
        in capsys.readouterr().err


def test_decorating_what_is_not_callable_gives_it_back() -> None:
    thing = BadEverything()
    assert api.trace_tool_call(thing) is thing


def test_a_failure_whose_exception_cannot_be_printed_is_still_said_once(capture, capsys) -> None:
    class Unprintable(Exception):
        __repr__ = __str__ = _boom  # type: ignore[assignment]

    class Failing:
        def __str__(self) -> str:
            raise Unprintable()

    with capture() as run:
        api.get_tracer().note_failure(Unprintable())
        api.mark(Failing())
    assert "Unprintable object (repr failed: Boom)>\n" in capsys.readouterr().err
    assert run.events[-1]["event_type"] == "run_end"
