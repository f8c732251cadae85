"""The savings rules (`rules/savings.py`'s docstring states them) over hand-built steps, then through traces read by
the one pass: calls that could have run at once, calls a cache would have answered, and the healthy cases that do
not fire."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from namel3ss_debug import trace_llm_call
from namel3ss_debug.analysis.records.findings import Finding
from namel3ss_debug.analysis.diagnosis.rules import RunFigures
from namel3ss_debug.analysis.diagnosis.rules.savings import cacheable_calls, parallelizable_calls
from namel3ss_debug.analysis.diagnosis.notes.steps import TEXT_CHARS, AgentSteps, CallRepeat, RunClues, Step, ToolAsk
from namel3ss_debug.analysis.thresholds import Judging, Thresholds
from namel3ss_debug.analysis.records.refs import Ref
from namel3ss_debug.analysis.records.report import Loop, RepeatedCall
from namel3ss_debug.testing.capture import capture_events
from support.findingtraces import findings_of
from support.tracefactory import TraceBuilder

RUN = "run-1"


def step(seq: int, component: str, name: str, duration_ms: float | None, *, end_seq: int | None = None,
         **fields: Any) -> Step:
    fields.setdefault("status", "completed")
    fields.setdefault("parent_id", "p")
    kind = {"llm": "llm_call", "tool": "tool_call"}[component]
    return Step(seq, end_seq if end_seq is not None else seq + 1, f"s{seq}", component=component, name=name,
                kind=kind, address=f"{component}:{name}#{seq}", agent="a1", ts="2026-11-26T10:00:00Z",
                duration_ms=duration_ms, **fields)


def asker(seq: int, *names: str) -> Step:
    return step(seq, "llm", "chat", 900, asked=tuple(ToolAsk(name, "{}", f"call_{i}") for i, name in
                                                     enumerate(names)))


def tool(seq: int, name: str, duration_ms: float, **fields: Any) -> Step:
    return step(seq, "tool", name, duration_ms, **fields)


def agent(steps: list[Step]) -> AgentSteps:
    return AgentSteps(RUN, "a1", "researcher", 0, steps=steps)


def clues(**fields: Any) -> RunClues:
    return RunClues(RUN, 0, agents={"a1": "researcher"}, **fields)


def at(seq: int, name: str, ts: str, duration_ms: float) -> Step:
    """A call at `ts`: the hand-built steps above all start at 10:00:00."""
    return Step(seq, seq + 1, f"s{seq}", "p", "tool", name, "tool_call", f"tool:{name}#{seq}", "a1", ts,
                status="completed", duration_ms=duration_ms, arguments="{}", result='"ok"')


EARLIER = at(-1, "warm_up", "2026-11-26T09:59:50Z", 10.0)  # a run that began 10 s before the calls judged


def parallel(steps: list[Step], judging: Judging | None = None, opening: list[Step] | None = None) -> list[Finding]:
    run = clues(opening=[EARLIER] if opening is None else opening)
    return list(parallelizable_calls(agent(steps), run, judging or Judging()))


# -- the tools one answer asked for ------------------------------------------------------------------------------
def test_tools_one_answer_asked_for_run_one_after_another_could_run_at_once() -> None:
    steps = [asker(0, "weather", "news", "stocks"), tool(2, "weather", 400, asked_by=0),
             tool(4, "news", 300, asked_by=0), tool(6, "stocks", 500, asked_by=0)]
    [finding] = parallel(steps)
    assert (finding.kind, finding.severity, finding.confidence) == ("parallelizable_calls", "info", "high")
    assert finding.figures == {"saved_ms": 700.0, "calls": 3.0, "total_ms": 1200.0, "longest_ms": 500.0}
    assert [item.ref.seq for item in finding.evidence] == [0, 2, 4, 6]
    assert finding.evidence[0].address == "llm:chat#0" and finding.agent == "researcher"
    assert "700 ms" in finding.title and "500 ms" in finding.why and "diagnose_min_saving_ms" in finding.why
    assert "asyncio.gather" in finding.suggestion and finding.setting == "diagnose_min_saving_ms"


def test_tools_that_already_overlapped_are_not_said() -> None:
    steps = [asker(0, "weather", "news"), tool(2, "weather", 400, asked_by=0, end_seq=5),
             tool(3, "news", 300, asked_by=0, end_seq=4)]
    assert parallel(steps) == []


def test_a_saving_under_min_saving_ms_is_not_said() -> None:
    steps = [asker(0, "weather", "news"), tool(2, "weather", 400, asked_by=0), tool(4, "news", 300, asked_by=0)]
    assert parallel(steps, Judging(Thresholds(min_saving_ms=301))) == []
    assert len(parallel(steps, Judging(Thresholds(min_saving_ms=300)))) == 1


def test_tools_asked_for_by_different_answers_depend_on_the_model() -> None:
    steps = [asker(0, "weather"), tool(2, "weather", 900, asked_by=0), asker(4, "news"),
             tool(6, "news", 900, asked_by=4)]
    assert parallel(steps) == []


# -- sibling calls no answer asked for ---------------------------------------------------------------------------
def fetch(seq: int, url: str, result: str, duration_ms: float = 600, name: str = "fetch") -> Step:
    return tool(seq, name, duration_ms, arguments=f'{{"url": "{url}"}}', result=result)


def test_sibling_calls_that_use_no_earlier_result_could_run_at_once() -> None:
    steps = [fetch(0, "https://a.example", '{"id": 42, "title": "A"}'),
             fetch(2, "https://b.example", '{"id": 43, "title": "B"}')]
    [finding] = parallel(steps)
    assert (finding.confidence, finding.figures["saved_ms"]) == ("medium", 600.0)
    assert [item.ref.seq for item in finding.evidence] == [0, 2]
    assert "no earlier call's result" in finding.evidence[1].note


def test_a_call_whose_arguments_hold_an_earlier_result_depends_on_it() -> None:
    steps = [fetch(0, "https://a.example", '{"next": "https://b.example/page2"}'),
             fetch(2, "https://b.example/page2", '{"id": 43}')]
    assert parallel(steps) == []
    numbers = [tool(0, "find_user", 600, arguments='{"name": "ann"}', result='{"id": 4242}'),
               tool(2, "orders", 600, arguments='{"user_id": 4242}', result="[]")]
    assert parallel(numbers) == []


def test_siblings_of_different_tools_given_values_known_before_are_said_with_low_confidence() -> None:
    steps = [tool(0, "fetch_prices", 800, arguments='{"symbol": "ACME"}', result="[41.2, 42.1]"),
             tool(2, "fetch_news", 800, arguments='{"symbol": "ACME"}', result='["ACME unveils a battery"]')]
    assert [finding.confidence for finding in parallel(steps)] == ["low"]


def test_a_tool_given_a_value_computed_from_an_earlier_result_is_not_independent() -> None:
    # format_price(10.0 * exchange_rate(...)): 10.8 is in no result and in no earlier call's arguments
    steps = [tool(0, "exchange_rate", 700, arguments='{"base": "EUR", "quote": "USD"}', result="1.08"),
             tool(2, "format_price", 700, arguments='{"amount": 10.8}', result='"$10.80"')]
    assert parallel(steps) == []


def test_a_result_cut_short_leaves_the_data_flow_unknown() -> None:
    steps = [fetch(0, "https://a.example", "x" * TEXT_CHARS), fetch(2, "https://b.example", '"page b"')]
    assert parallel(steps) == []


def test_a_model_call_between_siblings_ends_the_group() -> None:
    steps = [fetch(0, "https://a.example", '"page a"'), step(2, "llm", "chat", 900),
             fetch(4, "https://b.example", '"page b"')]
    assert parallel(steps) == []


# -- calls that are most of the run's time -----------------------------------------------------------------------
def lookup(seq: int, city: str, ms_: float = 60.0, temp: int = 18) -> Step:
    return tool(seq, "lookup", ms_, arguments=f'{{"city": "{city}"}}', result=f'{{"city": "{city}", "temp": {temp}}}')


FOUR = [lookup(0, "Paris"), lookup(2, "Lyon", temp=20), lookup(4, "Nice", temp=23), lookup(6, "Lille", temp=15)]


def test_quick_independent_calls_that_are_most_of_the_run_are_a_warning() -> None:
    # four 60 ms lookups one after another, the run's first steps: 180 ms to save, under 500 ms, in a ~60 ms run as
    # the hand-built steps are timed (every one starts at 10:00:00): most of it
    [finding] = parallel(FOUR, opening=FOUR[:1])
    assert (finding.kind, finding.severity, finding.confidence) == ("parallelizable_calls", "warning", "medium")
    assert finding.figures["saved_ms"] == 180.0 and finding.figures["share"] >= 0.5
    assert "of the run's time" in finding.title and "diagnose_dominant_share" in finding.why
    assert [item.ref.seq for item in finding.evidence] == [0, 2, 4, 6]


def test_quick_calls_in_a_long_run_are_not_said() -> None:
    assert parallel(FOUR) == []  # the run began 10 s before them: 240 ms of it is no share to speak of


def test_a_share_of_the_run_needs_a_fifth_of_min_saving_ms_saved() -> None:
    tiny = [lookup(seq, city, ms_=5.0) for seq, city in ((0, "Paris"), (2, "Lyon"), (4, "Nice"))]  # 10 ms to save
    assert parallel(tiny, opening=tiny[:1]) == []
    assert [f.severity for f in parallel(tiny, Judging(Thresholds(min_saving_ms=50)), opening=tiny[:1])] == ["warning"]


def test_quick_calls_each_given_an_earlier_result_are_not_independent() -> None:
    chain = [tool(0, "find_user", 60, arguments='{"name": "ann"}', result='{"id": 4242}'),
             tool(2, "orders", 60, arguments='{"user_id": 4242}', result='{"order": "W7"}'),
             tool(4, "order_items", 60, arguments='{"order": "W7"}', result='["kettle"]'),
             tool(6, "stock", 60, arguments='{"item": "kettle"}', result="3")]
    assert parallel(chain, Judging(Thresholds(min_saving_ms=100)), opening=chain[:1]) == []


def test_a_saving_of_min_saving_ms_that_is_most_of_the_run_is_a_warning_too() -> None:
    steps = [fetch(0, "https://a.example", '"page a"'), fetch(2, "https://b.example", '"page b"')]
    assert [finding.severity for finding in parallel(steps, opening=steps[:1])] == ["warning"]
    assert [finding.severity for finding in parallel(steps)] == ["info"]


# -- cacheable_calls ---------------------------------------------------------------------------------------------
def repeated(component: str = "llm", *, identical: bool = True, ms: float = 800.0, cost: float | None = 0.002,
             calls: int = 3, **fields: Any) -> RunClues:
    first, again = step(0, component, "summarize", 400), step(4, component, "summarize", 400)
    return clues(opening=[first, again], repeats={11: CallRepeat(0, 4, calls, identical, ms, cost)}, **fields)


def cached(run: RunClues, figures: RunFigures | None = None, judging: Judging | None = None) -> list[Finding]:
    return list(cacheable_calls(run, figures or RunFigures(RUN), judging or Judging()))


def test_identical_llm_calls_with_identical_answers_are_worth_a_cache() -> None:
    [finding] = cached(repeated(duration_ms=10_000.0, cost_usd=0.1))
    assert (finding.kind, finding.severity, finding.confidence) == ("cacheable_calls", "info", "high")
    assert finding.figures == {"saved_ms": 800.0, "calls": 3.0, "cost_usd": 0.002}
    assert [item.ref.seq for item in finding.evidence] == [0, 4] and finding.agent == "researcher"
    assert "$0.0020" in finding.title and "set_llm_cache" in finding.suggestion


def test_an_unknown_cost_is_said_unknown_never_zero() -> None:
    [finding] = cached(repeated(cost=None))
    assert "cost_usd" not in finding.figures and "an unknown cost" in finding.why


def test_a_known_cost_from_a_tenth_of_a_cent_is_worth_saying_under_min_saving_ms() -> None:
    assert len(cached(repeated(ms=10.0, cost=0.001))) == 1
    assert cached(repeated(ms=10.0, cost=0.0009)) == []
    assert cached(repeated(ms=10.0, cost=None)) == []


def test_different_answers_are_not_cacheable() -> None:
    assert cached(repeated(identical=False)) == []


def test_a_quick_tool_repeat_costs_nothing_to_say() -> None:
    assert cached(repeated("tool", ms=20.0, cost=0.0)) == []
    [finding] = cached(repeated("tool", ms=900.0, cost=0.0))
    assert finding.confidence == "medium" and "cost_usd" not in finding.figures and "side effects" in finding.suggestion


def test_a_cache_saving_half_the_run_is_a_warning() -> None:
    assert [f.severity for f in cached(repeated(duration_ms=1500.0))] == ["warning"]
    assert [f.severity for f in cached(repeated(ms=10.0, cost_usd=0.003, unpriced_calls=0))] == ["warning"]
    assert [f.severity for f in cached(repeated(ms=10.0, cost_usd=0.003, unpriced_calls=1))] == ["info"]


def test_the_first_call_comes_from_the_reports_repeated_calls_when_its_step_was_not_kept() -> None:
    run = clues(repeats={11: CallRepeat(70, 90, 2, True, 900.0, None)})
    ref = Ref(RUN, 70, "s70", "tool", "lookup", "tool_call")
    [finding] = cached(run, RunFigures(RUN, repeated_calls=(RepeatedCall("tool", "lookup", 2, 1, 900.0, ref),)))
    assert finding.evidence[0].ref == ref
    assert cached(run) == []


def test_a_looping_call_is_the_loops_finding() -> None:
    loop = Loop("researcher", Ref(RUN, 0, "a1", "agent", "researcher", "agent_execution"), ["llm:summarize"], 3, 0)
    assert cached(repeated(), RunFigures(RUN, loops=(loop,))) == []
    assert len(cached(repeated(calls=2), RunFigures(RUN, loops=(loop,)))) == 1


# -- through traces read by the one pass (`analyze` with the findings section) ---------------------------------------
def asked_at_once(path: Path, overlap: bool) -> Path:
    """An agent whose model asks for the weather in two cities in one answer; the tools run one after another, or
    (`overlap`) the second starts before the first ends."""
    trace = TraceBuilder()
    trace.run_start()
    agent_span = trace.start("agent", "forecaster", kind="agent_execution")
    calls = [{"id": f"call_{city}", "name": "weather", "arguments": json.dumps({"city": city})}
             for city in ("Paris", "Lyon")]
    trace.span("llm", "chat", 400, agent_span, inputs={"messages": [{"role": "user", "content": "Paris and Lyon?"}]},
               outputs={"text": None, "tool_calls": calls, "finish_reason": "tool_calls"})
    first = trace.start("tool", "weather", agent_span, inputs={"city": "Paris"})
    if overlap:
        second = trace.start("tool", "weather", agent_span, inputs={"city": "Lyon"})
        trace.end(first, 700, outputs={"return": "rain"}, attrs={"tool_call_id": "call_Paris"})
        trace.end(second, 700, advance=False, outputs={"return": "sun"}, attrs={"tool_call_id": "call_Lyon"})
    else:
        trace.end(first, 700, outputs={"return": "rain"}, attrs={"tool_call_id": "call_Paris"})
        trace.span("tool", "weather", 700, agent_span, inputs={"city": "Lyon"}, outputs={"return": "sun"},
                   attrs={"tool_call_id": "call_Lyon"})
    trace.end(agent_span, 1800, advance=False)
    trace.run_end()
    return trace.write(path)


def test_a_traced_answers_tools_run_one_after_another_are_found_and_overlapping_ones_are_not(tmp_path: Path) -> None:
    [finding] = findings_of(asked_at_once(tmp_path / "serial.jsonl", overlap=False), "parallelizable_calls")
    assert (finding.agent, finding.confidence, finding.figures["saved_ms"]) == ("forecaster", "high", 700.0)
    assert [item.address for item in finding.evidence] == ["llm:chat#1", "tool:weather#1", "tool:weather#2"]
    assert findings_of(asked_at_once(tmp_path / "overlap.jsonl", overlap=True), "parallelizable_calls") == []


@trace_llm_call(name="summarize", model="test-model")
def summarize(text: str, answer: str) -> dict[str, Any]:
    return {"text": answer, "usage": {"input_tokens": 1000, "output_tokens": 50}}


def summaries(path: Path, answers: list[str]) -> Path:
    """A decorated app asking for the same summary once per answer given, priced by `price_overrides`."""
    with capture_events(price_overrides={"test-model": {"input": 2.0, "output": 8.0}}) as run:
        for answer in answers:
            summarize("the same long document", answer)
    path.write_bytes(b"".join(json.dumps(event).encode() + b"\n" for event in run.events))
    return path


def test_a_decorated_apps_repeated_call_is_found_with_its_cost_and_differing_answers_are_not(tmp_path: Path) -> None:
    [finding] = findings_of(summaries(tmp_path / "same.jsonl", ["short"] * 3), "cacheable_calls")
    assert finding.figures["calls"] == 3 and abs(finding.figures["cost_usd"] - 2 * 0.0024) < 1e-9
    assert [item.address for item in finding.evidence] == ["llm:summarize#1", "llm:summarize#2"]
    assert findings_of(summaries(tmp_path / "differ.jsonl", ["short", "brief", "terse"]), "cacheable_calls") == []
