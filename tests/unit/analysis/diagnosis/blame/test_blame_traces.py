"""The blame through real traces, read by the one pass (`analyze` with the findings section, its clues blamed again
with a failure judged outside the run as `diagnose` does): a decorated two-agent app, an OTLP/JSON file from
another tool, a conversation of agent turns with no error recorded, and a run where nothing points anywhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.analysis.diagnosis.blame.judge import failure_of
from namel3ss_debug.analysis.diagnosis.diagnose import rediagnose
from namel3ss_debug.testing.capture import capture_events
from namel3ss_debug.tracer.api import get_tracer
from support.blametraces import blames, clues_of, expect_failure
from support.tracefactory import TraceBuilder, error

STATIONS = {"Paris": "light rain, 14 C"}
APOLOGY = "I'm sorry, I could not get the weather right now."


# -- a decorated two-agent app ------------------------------------------------------------------------------
@trace_tool_call
def get_weather(city: str) -> str:
    return STATIONS[city]


# what the models answer, set by `traced_app`: read by the stand-in models, not passed in, so that their requests
# (what the run was given) hold what a real model's would, not the answer it is scripted to give
SCRIPT: dict[str, Any] = {}


@trace_llm_call(name="planner_llm")
def planner_llm(question: str) -> dict[str, Any]:
    return {"text": SCRIPT["plan"]}


@trace_llm_call(name="worker_llm")
def worker_llm(messages: list[dict[str, str]]) -> dict[str, Any]:
    if len(messages) > 1:  # the tool's error came back
        return {"text": APOLOGY}
    return {"text": None, "tool_calls": [{"id": "call_1", "name": "get_weather",
                                          "arguments": json.dumps({"city": SCRIPT["city"]})}]}


@trace_agent_execution(name="planner")
def planner(question: str) -> str:
    return planner_llm(question)["text"]


@trace_agent_execution(name="worker")
def worker(task: str, crash: bool) -> str:
    messages = [{"role": "user", "content": task}]
    worker_llm(messages)
    try:
        return get_weather(SCRIPT["city"])
    except KeyError as exc:
        if crash:
            raise
        messages.append({"role": "tool", "content": f"error: {exc!r}"})
        return worker_llm(messages)["text"]


def traced_app(path: Path, question: str, plan: str, city: str, crash: bool) -> Path:
    """The app run traced into `path`; an error that escapes it ends the run failed, as `trace` ends it."""
    SCRIPT.update(plan=plan, city=city)
    with capture_events() as run:
        tracer = get_tracer()
        try:
            worker(planner(question), crash)
        except KeyError as exc:
            tracer.record_error(exc, unhandled=True)
            tracer.end_run("failed", exit_code=1, error=exc)
    path.write_bytes(b"".join(json.dumps(event).encode() + b"\n" for event in run.events))
    return path


def test_a_city_the_planner_wrote_blames_the_planners_step(tmp_path: Path) -> None:
    path = traced_app(tmp_path / "planned.jsonl", "What's the weather in Paris, France?",
                      "Plan: look up the weather for the city 'Paris, FR', then answer in one line.", "Paris, FR",
                      crash=False)
    [blame] = blames(path, lambda clues: expect_failure(clues, "contains:rain"))
    assert (blame.agent, blame.step and blame.step.address, blame.confidence) == ("planner", "llm:planner_llm#1",
                                                                                  "low")
    roles = [(link.role, link.evidence.address) for link in blame.chain]
    assert roles[:3] == [("decisive", "llm:planner_llm#1"), ("propagated", "llm:worker_llm#1"),
                         ("propagated", "tool:get_weather#1")]
    assert roles[-1][0] == "failure" and "KeyError" in blame.chain[2].why and "'Paris, FR'" in blame.chain[1].why
    # the runners-up: what the later rule (the final answer's content) points at, then what the planner led to
    ranked = [(candidate.step.address, candidate.agent, candidate.ranked.split(" (")[0])
              for candidate in blame.candidates]
    assert ranked == [("llm:planner_llm#1", "planner", "rule 1"),
                      ("llm:worker_llm#1", "worker", "on the chain after the decisive step: what it led to"),
                      ("tool:get_weather#1", "worker", "on the chain after the decisive step: what it led to")]
    assert [candidate.confidence for candidate in blame.candidates] == ["low", "low", "low"]


def test_a_city_the_user_wrote_blames_the_input_and_the_run_failed(tmp_path: Path) -> None:
    path = traced_app(tmp_path / "user.jsonl", "What's the weather in Paris, FR?",
                      "Plan: ask the worker for the weather in the user's city.", "Paris, FR", crash=True)
    clues = clues_of(path)
    [run] = clues.runs
    failure = failure_of(run, [])
    assert failure is not None and failure.source == "run" and "KeyError" in failure.what
    [blame] = rediagnose(clues, ()).blames
    # the question reached the run through its first LLM call, which is where the input is shown
    assert (blame.agent, blame.step and blame.step.address) == ("user", "llm:planner_llm#1")
    assert [(link.role, link.evidence.address) for link in blame.chain[:3]] == [
        ("decisive", "llm:planner_llm#1"), ("propagated", "llm:worker_llm#1"), ("propagated", "tool:get_weather#1")]
    assert blame.chain[-1].evidence.ref.kind == "run" and "validate" in blame.why


# -- OTLP/JSON from another tool ----------------------------------------------------------------------------
NANOS = 1_700_000_000_000_000_000


def otlp_span(span_id: str, parent: str | None, name: str, ms: tuple[int, int], attributes: dict[str, str],
              error: str | None = None) -> dict[str, Any]:
    """One span as an OpenTelemetry SDK's OTLP/JSON encoder writes it, from `ms[0]` to `ms[1]`."""
    span: dict[str, Any] = {
        "traceId": "5b8efff798038103d269b633813fc60c", "spanId": span_id, "name": name,
        "startTimeUnixNano": str(NANOS + ms[0] * 1_000_000), "endTimeUnixNano": str(NANOS + ms[1] * 1_000_000),
        "attributes": [{"key": key, "value": {"stringValue": value}} for key, value in attributes.items()]}
    if parent is not None:
        span["parentSpanId"] = parent
    if error is not None:
        span["status"] = {"code": "STATUS_CODE_ERROR", "message": error}
        span["events"] = [{"name": "exception", "timeUnixNano": span["endTimeUnixNano"], "attributes": [
            {"key": "exception.type", "value": {"stringValue": "KeyError"}},
            {"key": "exception.message", "value": {"stringValue": error}}]}]
    return span


def openinference_llm(said: dict[str, str]) -> dict[str, str]:
    """An OpenInference LLM span's attributes (openinference-instrumentation-openai's) whose answer is `said`:
    `content`, or a tool call (`name`, `arguments`)."""
    out = "llm.output_messages.0.message."
    answer = {f"{out}role": "assistant"}
    if "content" in said:
        answer[f"{out}content"] = said["content"]
    else:
        call = f"{out}tool_calls.0.tool_call."
        answer.update({f"{call}id": "call_1", f"{call}function.name": said["name"],
                       f"{call}function.arguments": said["arguments"]})
    return {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini",
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": "What's the weather where I am going?", **answer}


def genai_llm(said: dict[str, str]) -> dict[str, str]:
    """The same answer in the OpenTelemetry GenAI conventions (`gen_ai.output.messages` parts)."""
    part = {"type": "text", "content": said["content"]} if "content" in said else \
        {"type": "tool_call", "id": "call_1", "name": said["name"], "arguments": json.loads(said["arguments"])}
    return {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [
                {"type": "text", "content": "What's the weather where I am going?"}]}]),
            "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [part]}])}


VOCABULARIES = {
    "openinference": (lambda name: {"openinference.span.kind": "AGENT", "agent.name": name}, openinference_llm,
                      lambda name, arguments: {"openinference.span.kind": "TOOL", "tool.name": name,
                                               "tool_call.id": "call_1", "input.value": arguments}),
    "genai": (lambda name: {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name}, genai_llm,
              lambda name, arguments: {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name,
                                       "gen_ai.tool.call.id": "call_1", "gen_ai.tool.call.arguments": arguments}),
}


@pytest.mark.parametrize("vocabulary", list(VOCABULARIES))
def test_an_otlp_trace_blames_the_planner_agent_that_wrote_the_value(tmp_path: Path, vocabulary: str) -> None:
    agent, llm, tool = VOCABULARIES[vocabulary]
    root, planner_id, worker_id = "00000000000000a1", "00000000000000b1", "00000000000000c1"
    arguments = json.dumps({"city": "Paris, FR"})
    plan = llm({"content": "Look up the weather in Paris, FR."})
    ask = llm({"name": "get_weather", "arguments": arguments})
    spans = [
        otlp_span(root, None, "app", (0, 50), {"openinference.span.kind": "CHAIN"}),
        otlp_span(planner_id, root, "planner", (1, 9), agent("planner")),
        otlp_span("00000000000000b2", planner_id, "chat", (2, 8), plan),
        otlp_span(worker_id, root, "worker", (10, 45), agent("worker")),
        otlp_span("00000000000000c2", worker_id, "chat", (11, 19), ask),
        otlp_span("00000000000000c3", worker_id, "get_weather", (20, 25), tool("get_weather", arguments),
                  error="'Paris, FR'"),
        otlp_span("00000000000000c4", worker_id, "chat", (30, 40), llm({"content": APOLOGY})),
    ]
    path = tmp_path / "run.otlp.json"
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}))
    [blame] = blames(path, lambda clues: expect_failure(clues, "contains:rain"))
    assert (blame.agent, blame.step and blame.step.ref.span_id) == ("planner", "00000000000000b2")
    assert [link.evidence.agent for link in blame.chain[:3]] == ["planner", "worker", "worker"]
    assert blame.chain[2].evidence.ref.span_id == "00000000000000c3" and blame.confidence == "low"


def test_an_sdk_apps_openinference_file_blames_the_users_city() -> None:
    """`tests/data/otlp/openinference-openai.jsonl`: an OpenTelemetry SDK app's two runs; the second asks for the
    weather in Atlantis, which the user wrote, and its tool raised LookupError: the input is blamed, at the LLM call
    that carried it (and asked for the tool with it)."""
    sample = Path(__file__).resolve().parents[5] / "tests" / "data" / "otlp" / "openinference-openai.jsonl"
    [blame] = blames(sample, lambda clues: expect_failure(clues, "contains:rain"))
    assert (blame.agent, blame.step and blame.step.address, blame.confidence) == ("user",
                                                                                  "llm:ChatCompletion#1", "low")
    assert [(link.role, link.evidence.address) for link in blame.chain] == [
        ("decisive", "llm:ChatCompletion#1"), ("propagated", "tool:get_weather#1"), ("failure", "llm:ChatCompletion#2")]
    assert "LookupError" in blame.chain[1].why and "'Atlantis'" in blame.chain[0].why


# -- a conversation of agent turns, no error recorded --------------------------------------------------------
def conversation(path: Path, turns: list[tuple[str, str]], system: str | None = None) -> Path:
    """The turns as `trace_agent_turn` records them, under a system's `agent_execution` span when one is named
    (a team, a group chat: `trace_agent_execution(system)` around the conversation)."""
    trace = TraceBuilder()
    trace.run_start()
    team = trace.start("agent", system) if system is not None else None
    for agent, said in turns:
        turn = trace.start("agent", agent, team, kind="agent_turn")
        trace.end(turn, 5, outputs={"output": said})
    if team is not None:
        trace.end(team, 1)
    trace.run_end()
    return trace.write(path)


LYON = [("human", "How many people live in Lyon? Answer with the number."),
        ("Orchestrator", "WebSurfer, please find the population of Lyon."),
        ("WebSurfer", "The city page says Lyon has 522,969 inhabitants (2021 census)."),
        ("Orchestrator", "Thanks. Lyon has 522,969 inhabitants."),
        ("Orchestrator", "FINAL ANSWER: 522,969")]


def test_a_conversations_wrong_number_blames_the_turn_that_introduced_it(tmp_path: Path) -> None:
    path = conversation(tmp_path / "turns.jsonl", LYON)
    [blame] = blames(path, lambda clues: expect_failure(clues, "equals:516092"))
    assert (blame.agent, blame.step and blame.step.address, blame.confidence) == ("WebSurfer", "agent:WebSurfer#1",
                                                                                  "low")
    assert [link.role for link in blame.chain] == ["decisive", "propagated", "failure"]


def test_a_conversation_under_a_system_span_blames_the_agent_whose_turn_it_was_not_the_system(
        tmp_path: Path) -> None:
    path = conversation(tmp_path / "team.jsonl", LYON, system="MagenticTeam")
    [blame] = blames(path, lambda clues: expect_failure(clues, "equals:516092"))
    assert (blame.agent, blame.step and blame.step.address) == ("WebSurfer", "agent:WebSurfer#1")
    assert blame.step is not None and blame.step.agent == "WebSurfer"
    assert {link.evidence.agent for link in blame.chain} <= {"WebSurfer", "Orchestrator", None}


def test_a_failed_tool_in_an_agents_turn_is_that_agents_not_the_systems(tmp_path: Path) -> None:
    trace = TraceBuilder()
    trace.run_start()
    team = trace.start("agent", "GroupChat")
    planner = trace.start("agent", "Planner", team, kind="agent_turn")
    trace.end(planner, 5, outputs={"output": "Coder, compute the mean."})
    coder = trace.start("agent", "Coder", team, kind="agent_turn")
    run_code = trace.start("tool", "execute_code", coder, inputs={"code": "mean([])"})
    trace.end(run_code, 3, status="failed", error=error("ZeroDivisionError", "division by zero"))
    trace.end(coder, 5, status="failed", error=error("ZeroDivisionError", "division by zero"))
    trace.end(team, 1, status="failed", error=error("ZeroDivisionError", "division by zero"))
    trace.run_end("failed", error=error("ZeroDivisionError", "division by zero"))
    [blame] = blames(trace.write(tmp_path / "chat.jsonl"))
    assert (blame.agent, blame.step and blame.step.address) == ("Coder", "tool:execute_code#1")


def test_a_long_runs_cause_in_its_middle_is_found_though_the_kept_steps_leave_it_out(tmp_path: Path) -> None:
    """10,000 tool steps, each reading its own gauge; the 9,000th is where the wrong figure comes from: 1,000 steps
    before the end, far outside the first 64 and last 256 steps the pass keeps whole."""
    trace = TraceBuilder()
    trace.run_start()
    team = trace.start("agent", "surveyor")
    for number in range(1, 10_001):
        said = "Lyon has 516,092 inhabitants" if number == 9_000 else f"gauge {number} reads {100_000 + number}"
        reading = trace.start("tool", "read_gauge", team, inputs={"gauge": number})
        trace.end(reading, 1, outputs={"return": said})
    answer = trace.start("llm", "writer", team)
    trace.end(answer, 5, outputs={"text": "Lyon has 516,092 inhabitants."})
    trace.end(team, 1)
    trace.run_end()
    [blame] = blames(trace.write(tmp_path / "long.jsonl"), lambda clues: expect_failure(clues, "equals:522,969"))
    assert (blame.agent, blame.step and blame.step.address) == ("surveyor", "tool:read_gauge#9000")
    assert blame.step is not None and "516,092" in blame.step.note and "0 later step(s)" in blame.why


def test_a_run_of_two_agents_whose_answer_names_nothing_is_blamed_on_the_answers_step(tmp_path: Path) -> None:
    path = conversation(tmp_path / "vague.jsonl", [("human", "Is it cold?"), ("Checker", "let me see"),
                                                   ("Solver", "it is, yes")], system="Team")
    [blame] = blames(path, lambda clues: expect_failure(clues, "contains:no"))
    assert (blame.agent, blame.step and blame.step.address, blame.confidence) == ("Solver", "agent:Solver#1", "low")
    assert blame.why.startswith("no rule points at a step:") and blame.chain[-1].role == "failure"


def test_a_run_one_agent_alone_acted_in_is_blamed_at_its_answer_not_its_first_turn(tmp_path: Path) -> None:
    path = conversation(tmp_path / "alone.jsonl", [("human", "Is it cold?"), ("Solver", "it is, yes"),
                                                   ("Solver", "it is")], system="Team")
    [blame] = blames(path, lambda clues: expect_failure(clues, "contains:no"))
    assert (blame.agent, blame.step and blame.step.address, blame.confidence) == ("Solver", "agent:Solver#2", "low")


def test_a_run_that_did_not_fail_is_not_blamed(tmp_path: Path) -> None:
    path = conversation(tmp_path / "fine.jsonl", [("Solver", "The answer is 42.")])
    assert blames(path) == []


# -- what the run was given, what its tools returned ----------------------------------------------------------------
INSTRUCTIONS = "Answer the given question. You may search as often as you want. " * 10  # past a step's kept text


def searched(path: Path, question: str, found: str, answer: str, *, task: str | None = None,
             request: list[dict[str, str]] | None = None, user_turn: bool = True) -> Path:
    """A question (a user's turn, else only in the first LLM request or the agent's inputs), a model call that
    searches, the search's result and the model's answer, in one agent."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "assistant", inputs={"task": task} if task else None)
    if user_turn:
        turn = trace.start("agent", "user", agent, kind="agent_turn")
        trace.end(turn, 1, outputs={"output": question})
    trace.span("llm", "chat", 5, agent, inputs={"messages": request or [{"role": "user", "content": "go"}]},
               outputs={"text": "", "tool_calls": [{"id": "c1", "name": "search", "arguments": {"query": "x"}}]})
    trace.span("tool", "search", 5, agent, inputs={"query": "x"}, outputs={"return": found})
    trace.span("llm", "chat", 5, agent, inputs={"messages": [{"role": "tool", "content": found}]},
               outputs={"text": answer})
    trace.end(agent, 1)
    trace.run_end()
    return trace.write(path)


DOCUMENTS = ("Melbourne was founded in 1835 and named in 1837. Adelaide was founded in 1836. Westminster School, "
             "Adelaide, opened in 1961; Melbourne Grammar School opened in 1858.")


def test_a_number_the_users_long_question_gave_is_nobodys_introduction(tmp_path: Path) -> None:
    question = INSTRUCTIONS + "Question: which city founded in 1838 has the school?"
    path = searched(tmp_path / "t.jsonl", question, "no documents", "The city founded in 1838 is Melbourne.")
    [blame] = blames(path, lambda clues: expect_failure(clues, "contains:Adelaide"))
    assert "'1838'" not in blame.why  # the question gave it, past the 400 characters a step keeps


@pytest.mark.parametrize("where", ["request", "task"])
def test_the_task_in_the_first_request_or_the_agents_inputs_is_given_not_introduced(tmp_path: Path,
                                                                                     where: str) -> None:
    question = "Which city founded in 1838 has the school?"
    request = [{"role": "user", "content": question}] if where == "request" else None
    path = searched(tmp_path / "t.jsonl", question, "no documents", "The city founded in 1838 is Melbourne.",
                    task=question if where == "task" else None, request=request, user_turn=False)
    [blame] = blames(path, lambda clues: expect_failure(clues, "contains:Adelaide"))
    assert "'1838'" not in blame.why


def test_an_answer_picked_out_of_a_search_result_blames_the_answer_with_the_search_as_runner_up(
        tmp_path: Path) -> None:
    path = searched(tmp_path / "t.jsonl", "Which city's school opened in 1961?", DOCUMENTS,
                    "Melbourne Grammar School opened in 1858.")
    [blame] = blames(path, lambda clues: expect_failure(clues, "contains:Adelaide"))
    assert (blame.step and blame.step.address, blame.confidence) == ("llm:chat#2", "low")
    assert "picked the answer out of what the tools returned" in blame.why
    assert [candidate.step.address for candidate in blame.candidates] == ["llm:chat#2", "tool:search#1"]


def test_an_answer_that_passes_a_result_on_whole_blames_the_tool_that_returned_it(tmp_path: Path) -> None:
    path = searched(tmp_path / "t.jsonl", "When did Adelaide's school open?", "It opened in 1858.",
                    "It opened in 1858.")
    [blame] = blames(path, lambda clues: expect_failure(clues, "contains:1961"))
    assert (blame.step and blame.step.address, blame.confidence) == ("tool:search#1", "low")
