"""The collector (`diagnosis/collector/clues.py`) through real traces: a decorated agent traced into a file, read by the
one pass with the `findings` section; what each step, agent and run keeps, and the assembly (`diagnose.py`): merged
findings, their order, the blames, and `rediagnose` with a failure judged outside the run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.findingtraces import traced
from support.tracefactory import TraceBuilder, error
from namel3ss_debug import span, trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.analysis.analyze import analyze
from namel3ss_debug.analysis.diagnosis.collector.clues import Clues
from namel3ss_debug.analysis.diagnosis.diagnose import merged, ordered, rediagnose
from namel3ss_debug.analysis.records.findings import Evidence, BlamedFailure, Finding
from namel3ss_debug.analysis.diagnosis.notes.steps import NO_AGENT, AgentSteps, RunClues, Step
from namel3ss_debug.analysis.prices import Pricer
from namel3ss_debug.analysis.records.refs import Ref
from namel3ss_debug.analysis.records.report import Report
from namel3ss_debug.analysis.run_state import Options
from namel3ss_debug.analysis.tally import Tally
from namel3ss_debug.analysis.window import EventWindow
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import resolve_sources

PRICER = Pricer(file_prices={"gpt-test": {"input": 1.0, "output": 2.0}})
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@trace_llm_call(name="chat")
def chat(messages: list[dict[str, Any]], tools: list[dict[str, Any]], answer: dict[str, Any]) -> dict[str, Any]:
    return {**answer, "model": "gpt-test", "usage": {"input_tokens": 1000, "output_tokens": 500}}


def get_weather(city: str, call_id: str) -> str:
    with span("get_weather", component="tool", event_prefix="tool_call", inputs={"city": city},
              attrs={"tool_call_id": call_id}) as tool:
        if "," in city:
            raise KeyError(city)
        tool.set_outputs({"return": f"sunny in {city}"})
        return f"sunny in {city}"


@trace_agent_execution(name="weather")
def weather(city: str) -> str:
    messages: list[dict[str, Any]] = [{"role": "user", "content": f"Weather in {city}?"}]
    chat(messages, TOOLS, {"text": None, "finish_reason": "tool_calls", "tool_calls": [
        {"id": "call_1", "name": "get_weather", "arguments": json.dumps({"city": city})}]})
    try:
        said = get_weather(city, "call_1")
    except KeyError as error:  # handled: the model is told
        said = f"error: {error!r}"
    messages.append({"role": "tool", "content": said})
    return str(chat(messages, TOOLS, {"text": f"It is {said}.", "finish_reason": "stop"})["text"])


def clues_of(path: Path, sections: tuple[str, ...] = ("overview", "findings")) -> tuple[Report, list[Clues]]:
    reader = TraceReader(ReadProblems())
    kept: list[Clues] = []
    report = analyze([(source, reader.records(source)) for source in resolve_sources([str(path)])],
                     pricer=PRICER, sections=sections, keep_clues=kept.append)
    return report, kept


def steps_of(path: Path) -> tuple[RunClues, list[Step]]:
    _, [clues] = clues_of(path)
    [run] = clues.runs
    return run, run.opening


def test_an_llm_step_keeps_its_model_usage_priced_cost_answer_and_the_tools_offered(tmp_path: Path) -> None:
    run, steps = steps_of(traced(tmp_path / "t.jsonl", lambda: weather("Paris")))
    first = steps[0]
    assert (first.component, first.kind, first.address, first.status) == ("llm", "llm_call", "llm:chat#1",
                                                                             "completed")
    assert (first.model, first.input_tokens, first.output_tokens) == ("gpt-test", 1000, 500)
    assert first.cost_usd == 0.002  # priced by the pricer (1000 x $1 + 500 x $2 per million): none was recorded
    assert first.offered == ("get_weather",) and first.finish_reason == "tool_calls"
    assert run.schemas[first.schemas_key]["get_weather"]["required"] == ["city"]
    [ask] = first.asked
    assert (ask.name, ask.call_id, ask.parses, ask.values) == ("get_weather", "call_1", True, {"city": "Paris"})
    assert run.agents[first.agent] == "weather" and first.agent != NO_AGENT


def test_a_tool_step_is_linked_to_the_answer_that_asked_for_it(tmp_path: Path) -> None:
    run, steps = steps_of(traced(tmp_path / "t.jsonl", lambda: weather("Paris")))
    tool = steps[1]
    assert (tool.component, tool.name, tool.address, tool.status) == ("tool", "get_weather", "tool:get_weather#1",
                                                                        "completed")
    assert tool.tool_call_id == "call_1" and tool.asked_by == steps[0].seq
    assert json.loads(tool.arguments or "") == {"city": "Paris"} and tool.result == "sunny in Paris"
    assert run.final_text == "It is sunny in Paris." and run.final_seq == steps[2].seq
    assert run.status == "completed" and run.exit_code == 0


def test_a_failed_tool_keeps_its_error_and_is_among_the_runs_errors(tmp_path: Path) -> None:
    run, steps = steps_of(traced(tmp_path / "t.jsonl", lambda: weather("Paris, FR")))
    tool = steps[1]
    assert (tool.status, tool.error_type, tool.error_message) == ("failed", "KeyError", "'Paris, FR'")
    assert tool.error_category is not None
    assert [step.address for step in run.errors] == ["tool:get_weather#1"] and run.errors_seen == 1


def test_the_run_figures_per_model_and_its_costliest_call(tmp_path: Path) -> None:
    run, steps = steps_of(traced(tmp_path / "t.jsonl", lambda: weather("Paris")))
    spend = run.models["gpt-test"]
    assert (spend.calls, round(spend.cost, 6), spend.unpriced) == (2, 0.004, 0)
    assert round(run.cost_usd or 0, 6) == 0.004 and run.unpriced_calls == 0
    assert run.costliest is steps[0]


def test_an_unpriced_model_has_an_unknown_cost_not_zero(tmp_path: Path) -> None:
    run, steps = steps_of(traced(tmp_path / "t.jsonl", lambda: weather("Paris")))
    reader = TraceReader(ReadProblems())
    kept: list[Clues] = []
    analyze([(source, reader.records(source)) for source in resolve_sources([str(tmp_path / "t.jsonl")])],
            pricer=Pricer(), sections=["findings"], keep_clues=kept.append)
    [unpriced] = kept[0].runs
    assert unpriced.opening[0].cost_usd is None and unpriced.cost_usd is None and unpriced.unpriced_calls == 2


@trace_tool_call
def lookup(key: str) -> str:
    return "value"


def test_a_repeated_call_with_the_same_answer_is_counted_with_its_time(tmp_path: Path) -> None:
    def app() -> None:
        for _ in range(3):
            lookup("a")
        lookup("b")
    run, steps = steps_of(traced(tmp_path / "t.jsonl", app))
    [repeat] = run.repeats.values()
    assert (repeat.calls, repeat.identical, repeat.cost, repeat.first_seq, repeat.repeat_seq) == \
        (3, True, 0.0, steps[0].seq, steps[1].seq)
    assert [step.agent for step in steps] == [NO_AGENT] * 4


COUNTER = [0]


@trace_tool_call
def tick(key: str) -> int:
    COUNTER[0] += 1
    return COUNTER[0]


def test_a_repeated_call_with_another_answer_is_counted_as_not_identical(tmp_path: Path) -> None:
    run, steps = steps_of(traced(tmp_path / "t.jsonl", lambda: (tick("a"), tick("a"))))
    [repeat] = run.repeats.values()
    assert (repeat.calls, repeat.identical, repeat.first_seq, repeat.repeat_seq) == (2, False, steps[0].seq,
                                                                                    steps[1].seq)


def test_handoff_spans_are_the_runs_handoffs_and_steps_answering_a_call_id(tmp_path: Path) -> None:
    def app() -> None:
        with span("handoff", component="chain", event_prefix="chain_execution") as handoff:
            handoff.set_attributes(from_agent="triage", to_agent="billing", tool_call_id="call_9")
        with span("get_weather", component="tool", event_prefix="tool_call",
                  attrs={"source": "wire", "tool_call_id": "call_8"}):
            pass
    run, steps = steps_of(traced(tmp_path / "t.jsonl", app))
    assert [(source, target) for _, source, target in run.handoffs] == [("triage", "billing")]
    assert [(step.address, step.tool_call_id, step.source) for step in steps] == [
        ("chain:handoff#1", "call_9", None), ("tool:get_weather#1", "call_8", "wire")]


def test_each_agent_execution_is_judged_when_it_ends_then_its_steps_are_dropped(tmp_path: Path) -> None:
    path = traced(tmp_path / "t.jsonl", lambda: (weather("Paris"), weather("Lyon"), lookup("x")))
    judged: list[tuple[str | None, list[str], int]] = []

    def rule(agent: AgentSteps, run: RunClues, judging: Any) -> list[Finding]:
        judged.append((agent.name, [step.address for step in agent.steps], len(run.agents)))
        return []
    tally = Tally(Options(sections=frozenset({"findings"})))
    assert tally.clues is not None
    tally.clues._rules = [[rule]] * 4  # the agent rules it hands each agent to, whatever its steps hold
    reader = TraceReader(ReadProblems())
    for source in resolve_sources([str(path)]):
        tally.begin_source(source)
        for block in reader.records(source):
            tally.feed(block)
    assert [name for name, _, _ in judged] == ["weather", "weather"]  # as each ended, before the run did
    tally.finish()
    assert judged == [("weather", ["llm:chat#1", "tool:get_weather#1", "llm:chat#2"], 1),
                      ("weather", ["llm:chat#3", "tool:get_weather#2", "llm:chat#4"], 2),
                      (None, ["tool:lookup#1"], 2)]


def test_a_window_that_leaves_agents_out_keeps_its_steps_in_their_agents(tmp_path: Path) -> None:
    path = traced(tmp_path / "t.jsonl", lambda: weather("Paris"))
    reader = TraceReader(ReadProblems())
    kept: list[Clues] = []
    analyze([(source, reader.records(source)) for source in resolve_sources([str(path)])], pricer=PRICER,
            sections=["findings"], window=EventWindow(frozenset({"tool"})), keep_clues=kept.append)
    [run] = kept[0].runs
    assert [(step.address, run.agents.get(step.agent)) for step in run.opening] == [("tool:get_weather#1", "weather")]


def test_a_pass_without_the_findings_section_makes_no_collector(tmp_path: Path) -> None:
    path = traced(tmp_path / "t.jsonl", lambda: weather("Paris"))
    report, kept = clues_of(path, ("overview", "errors"))
    assert report.findings is None and kept == []
    assert Tally(Options(sections=frozenset({"overview", "errors"}))).clues is None


# -- the assembly ----------------------------------------------------------------------------------------------------
def finding(kind: str, severity: str, seq: int, agent: str | None = "a", name: str = "search") -> Finding:
    evidence = [Evidence(Ref("r", seq, f"s{seq}", "tool", name, "tool_call"), "note")]
    return Finding(kind, severity, "high", "title", "why", "try", evidence, "r", agent=agent)


def test_findings_of_one_kind_agent_and_operation_merge_into_one_with_occurrences() -> None:
    found = merged([finding("call_loop", "warning", 5), finding("call_loop", "warning", 9),
                    finding("call_loop", "warning", 12, name="fetch"), finding("call_loop", "warning", 14, agent="b")])
    assert [(f.evidence[0].ref.seq, f.occurrences) for f in found] == [(5, 2), (12, 1), (14, 1)]


def test_findings_are_ordered_by_severity_then_kind_then_seq() -> None:
    runs = [RunClues("r", 0)]
    found = ordered([finding("call_loop", "warning", 3), finding("cacheable_calls", "info", 1),
                     finding("unknown_tool", "warning", 8), finding("swallowed_error", "critical", 9),
                     finding("unknown_tool", "warning", 2)], runs)
    assert [(f.kind, f.evidence[0].ref.seq) for f in found] == [
        ("swallowed_error", 9), ("unknown_tool", 2), ("unknown_tool", 8), ("call_loop", 3), ("cacheable_calls", 1)]


def test_a_run_that_ended_failed_is_blamed_and_counted(tmp_path: Path) -> None:
    def app() -> None:
        weather("Paris")
        raise RuntimeError("boom")
    report, _ = clues_of(traced(tmp_path / "t.jsonl", app))
    assert report.findings is not None
    assert len(report.findings.failed_runs) == 1 and len(report.findings.blames) == 1
    assert set(report.findings.counts) == {"info", "warning", "critical"}


def test_rediagnose_blames_a_run_for_a_failure_judged_outside_it(tmp_path: Path) -> None:
    report, [clues] = clues_of(traced(tmp_path / "t.jsonl", lambda: weather("Paris")))
    assert report.findings is not None and report.findings.blames == []
    run_id = clues.runs[0].run_id
    again = rediagnose(clues, [BlamedFailure(run_id, "expect 'contains: Lyon' failed", "expect",
                                             clues.runs[0].final_seq),
                               BlamedFailure("another-run", "check max_errors", "check")])
    assert again.failed_runs == [run_id] and [blame.failure for blame in again.blames] == [
        "expect 'contains: Lyon' failed"]
    assert again.findings == report.findings.findings


def group_chat(path: Path, speakers: list[str]) -> Path:
    """A group chat (one agent execution) whose speakers each take a turn: an LLM call asking for `run_code`, which
    fails the same way."""
    trace = TraceBuilder()
    trace.run_start()
    team = trace.start("agent", "GroupChat")
    for speaker in speakers:
        turn = trace.start("agent", speaker, team, kind="agent_turn")
        trace.span("llm", "chat", 1, turn)
        trace.span("tool", "run_code", 1, turn, status="failed", inputs={"code": "mean([])"},
                   error=error("ZeroDivisionError", "division by zero"))
        trace.end(turn, 1)
    trace.end(team, 1)
    trace.run_end()
    return trace.write(path)


def test_a_finding_in_one_speakers_turns_of_a_group_chat_is_that_speakers(tmp_path: Path) -> None:
    report, _ = clues_of(group_chat(tmp_path / "t.jsonl", ["Coder", "Coder", "Coder"]))
    assert report.findings is not None
    [found] = [item for item in report.findings.findings if item.kind == "tool_failing_repeatedly"]
    assert found.agent == "Coder"


def test_a_finding_over_several_speakers_turns_is_the_group_chats(tmp_path: Path) -> None:
    report, _ = clues_of(group_chat(tmp_path / "t.jsonl", ["Coder", "Reviewer", "Coder"]))
    assert report.findings is not None
    [found] = [item for item in report.findings.findings if item.kind == "tool_failing_repeatedly"]
    assert found.agent == "GroupChat"
