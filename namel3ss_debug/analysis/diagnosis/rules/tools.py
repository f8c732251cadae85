"""Rules of the family `tools`: what goes wrong between a model and its tools. All three are agent rules.

`tool_failing_repeatedly`: in one agent execution, one tool failed with one error type `thresholds.tool_failures`
(`diagnose_tool_failures`, default 3) times or more, and the model asked for it again after each failure but the
first (an LLM call between two failures that asked for that tool, or whose tool calls were not recorded): the model
saw the error (a handled error is one the framework turned into a message to it) and kept asking, with or without
changed arguments. `critical` when the agent ended failed, or the tool never succeeded after its last failure (the
agent gave up on it); else `warning` (it recovered, at a cost). Confidence `high` when the calls are linked to the
asking LLM calls (`Step.asked_by`), else `medium`. Not said when every failure is the app saying the tool does not
exist and they are `diagnose_missing_tool_asks` or more: `missing_tool` says that, with the right advice.

`unknown_tool`: an LLM answer asked for a tool name that its request did not offer (`Step.offered`, read from the
request's `tools`; nothing is said when the request's tools were not recorded or were cut by `max_payload_size`),
and no call of that name completed in answer (a call recorded only from the wire, whose result reads as an error,
did not: a framework sends its "not a valid tool" message back as the result). `critical` when the agent then ended
failed, else `warning`.

`bad_tool_arguments`: an asked tool call whose arguments are not JSON, or do not fit the tool's JSON schema in the
request: a `required` property missing, a top-level property of the wrong `type`, a value outside its `enum`, or a
property the schema does not define when it says `additionalProperties: false`. Nothing deeper is validated (a
framework may coerce, and a wrong finding costs trust). Said only when the call did not then complete (it failed,
never ran, or was recorded from the wire with a result that reads as an error, such as a validation message sent
back to the model): arguments a tool (or a handoff, by its call id) accepted were good enough. `critical` when the
agent then ended failed, else `warning`.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any, Iterable, Optional, Sequence

from ...thresholds import SETTINGS, Judging
from . import AgentRule, RunRule
from ...records.findings import Evidence, Finding
from ..notes.steps import AgentSteps, RunClues, Step, ToolAsk
from .evidence import capped, evidence
from .missing_words import says_missing

# a result sent back for a call that did not run: a framework's error for an unknown tool or bad arguments
REFUSAL = re.compile(r"\berror\b|\binvalid\b|not a valid|not found|unknown tool|field required|validation|"
                     r"\bmissing\b|exception|traceback", re.IGNORECASE)

# JSON Schema `type` -> the Python types a decoded value of it has (bool is not an integer here)
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,),
    "object": (dict,), "null": (type(None),)}


# -- tool_failing_repeatedly -------------------------------------------------------------------------------------
def tool_failing_repeatedly(agent: AgentSteps, run: RunClues, judging: Judging) -> Iterable[Finding]:
    """One tool failing the same way `tool_failures` times in one agent while the model kept asking for it."""
    threshold = judging.thresholds.tool_failures
    groups: dict[tuple[str, str], list[Step]] = {}
    for step in agent.steps:
        if step.component == "tool" and step.status == "failed":
            groups.setdefault((step.name, step.error_type or "Error"), []).append(step)
    for failures in groups.values():
        if len(failures) < threshold or _missing(failures, judging):
            continue
        asks = _asked_again(agent.steps, failures)
        if asks >= threshold - 1:
            yield _failing(agent, run, failures, asks, threshold)


def _missing(failures: Sequence[Step], judging: Judging) -> bool:
    """Whether every failure is the app saying the tool does not exist, as often as `missing_tool` says it (whose
    advice, to give the app the tool, is the right one; fixing its arguments is not)."""
    return (len(failures) >= judging.thresholds.missing_tool_asks
            and all(says_missing(step, step.name) for step in failures))


def _asked_again(steps: Sequence[Step], failures: Sequence[Step]) -> int:
    """How many failures but the first came after an LLM call, following the failure before, that asked for the
    tool (or whose asks were not recorded): times the model saw the error and asked again."""
    name = failures[0].name
    askers = [step.seq for step in steps if step.component == "llm" and may_ask(step, name)]  # in seq order
    count = 0
    for before, after in zip(failures, failures[1:]):
        at = bisect.bisect_right(askers, before.seq)
        if at < len(askers) and askers[at] < after.seq:
            count += 1
    return count


def may_ask(step: Step, name: str) -> bool:
    """Whether the LLM step `step` asked for the tool `name`, or may have (its asks were not recorded)."""
    return not step.asked or any(ask.name == name for ask in step.asked)


def _failing(agent: AgentSteps, run: RunClues, failures: list[Step], asks: int, threshold: int) -> Finding:
    first, last = failures[0], failures[-1]
    count, kind = len(failures), first.error_type or "Error"
    recovered = any(step.component == "tool" and step.name == first.name and step.status == "completed"
                    and step.seq > last.seq for step in agent.steps)
    past = agent.past.of("tool", first.name)  # its calls past the agent's kept steps, which decide the outcome
    if past is not None:
        count += past.failures(kind)
        recovered = (past.last_completed > past.last_failure(kind) if past.failures(kind)
                     else recovered or past.completed > 0)
    gave_up = agent.status == "failed" or not recovered
    arguments = {step.arguments for step in failures}
    changed = (f"with {len(arguments)} different arguments" if len(arguments) > 1
               else "with the same arguments each time")
    message = f": {first.error_message}" if first.error_message else ""
    handled = sum(1 for step in failures if step.handled)
    outcome = ("the agent then ended failed" if agent.status == "failed"
               else "it never succeeded after that (the agent gave up on it)" if gave_up
               else "it succeeded later")
    why = (f"tool_failing_repeatedly: {first.name} failed {count} times with {kind} in agent "
           f"{agent.name or '(none)'} (threshold {threshold}, diagnose_tool_failures), {changed}; the model asked "
           f"for it again after {asks} of the failures"
           + (f" ({handled} handled: the model was shown the error)" if handled else "") + f"; {outcome}")
    suggestion = (f"fix {first.name} for the arguments the model sends (first failure {first.address}, "
                  f"arguments {first.arguments or 'not recorded'}, {kind}{message}): accept that form or return "
                  f"a message that names the form it expects, and say the expected format in the tool's "
                  f"description and schema; stop the agent after repeated failures of one tool (a tool error "
                  f"handler that raises, or a lower `max_turns`)")
    notes = [*_askers(agent.steps, failures, run),
             *(evidence(step, run, f"failed with {kind}{message[:120]} ({index + 1} of {count})")
               for index, step in enumerate(failures))]
    linked = all(step.asked_by is not None for step in failures)
    return Finding("tool_failing_repeatedly", "critical" if gave_up else "warning", "high" if linked else "medium",
                   f"{first.name} failed {count} times with {kind} while the model kept asking for it", why,
                   suggestion, capped(notes), run.run_id, agent=agent.name, setting=SETTINGS["tool_failures"],
                   figures={"count": float(count), "asked_again": float(asks)})


def _askers(steps: Sequence[Step], failures: Sequence[Step], run: RunClues) -> list[Evidence]:
    """The LLM call that asked for the first failing call."""
    first = failures[0]
    asker = asker_of(steps, first)
    return [evidence(asker, run, f"asked for {first.name}")] if asker is not None else []


def asker_of(steps: Sequence[Step], call: Step) -> Optional[Step]:
    """The LLM call that asked for the tool call `call`: by link (`Step.asked_by`), else the last LLM call before
    it."""
    if call.asked_by is not None:
        return next((step for step in steps if step.seq == call.asked_by), None)
    return next((step for step in reversed(steps) if step.component == "llm" and step.seq < call.seq), None)


# -- unknown_tool --------------------------------------------------------------------------------------------------
def unknown_tool(agent: AgentSteps, run: RunClues, judging: Judging) -> Iterable[Finding]:
    """An LLM answer asking for a tool its request did not offer."""
    for step in agent.steps:
        if step.component != "llm" or step.offered is None:
            continue
        for ask in step.asked:
            if ask.name and ask.name not in step.offered and not _completed(agent.steps, step, ask):
                yield _unknown(agent, run, step, ask)


def _unknown(agent: AgentSteps, run: RunClues, step: Step, ask: ToolAsk) -> Finding:
    offered = ", ".join(step.offered or ()) or "none"
    why = (f"unknown_tool: the answer of {step.address} asked for `{ask.name}`, which its request did not offer "
           f"(offered: {offered})")
    suggestion = (f"offer `{ask.name}` to the model at {step.address}, or, if it should not exist, name the real "
                  f"tools in the system prompt and keep their names distinct ({offered}); a framework's handler "
                  f"for unknown tools can return the list of valid names to the model instead of failing")
    notes = _ask_evidence(run, step, f"asked for `{ask.name}`; offered: {offered}", answers_of(agent.steps, step, ask))
    return Finding("unknown_tool", "critical" if agent.status == "failed" else "warning", "high",
                   f"the model asked for `{ask.name}`, a tool its request did not offer", why, suggestion,
                   notes, run.run_id, agent=agent.name, figures={"offered": float(len(step.offered or ()))})


# -- bad_tool_arguments ----------------------------------------------------------------------------------------------
def bad_tool_arguments(agent: AgentSteps, run: RunClues, judging: Judging) -> Iterable[Finding]:
    """An asked tool call whose arguments are not JSON or do not fit the tool's schema, and that did not complete."""
    for step in agent.steps:
        if step.component != "llm" or not step.asked:
            continue
        schemas = run.schemas.get(step.schemas_key) if step.schemas_key is not None else None
        for ask in step.asked:
            schema = schemas.get(ask.name) if schemas is not None else None
            problems = argument_problems(ask, schema if isinstance(schema, dict) else None)
            if problems and not _completed(agent.steps, step, ask):
                yield _bad(agent, run, step, ask, problems)


def argument_problems(ask: ToolAsk, schema: Optional[dict[str, Any]]) -> list[str]:
    """What is wrong with an asked call's arguments: not JSON, or against its schema's top level."""
    if ask.parses is False:
        return ["the arguments are not JSON"]
    if schema is None or ask.parses is None:
        return []
    if ask.values is None:
        return ["the arguments are not a JSON object"] if _types(schema) == ["object"] else []
    given = schema.get("properties")
    properties: dict[str, Any] = given if isinstance(given, dict) else {}
    problems = [f"required property `{name}` is missing" for name in _required(schema) if name not in ask.values]
    for name, value in ask.values.items():
        spec = properties.get(name)
        if spec is None:
            if schema.get("additionalProperties") is False:
                problems.append(f"property `{name}` is not in the schema (additionalProperties: false)")
            continue
        problems.extend(_value_problems(name, value, spec))
    return problems


def _required(schema: dict[str, Any]) -> list[str]:
    required = schema.get("required")
    return [name for name in required if isinstance(name, str)] if isinstance(required, list) else []


def _types(spec: dict[str, Any]) -> list[str]:
    kind = spec.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return [value.lower() for value in kinds if isinstance(value, str)]  # Gemini writes them in capitals


def _value_problems(name: str, value: object, spec: Any) -> list[str]:
    if not isinstance(spec, dict):
        return []
    kinds = [kind for kind in _types(spec) if kind in JSON_TYPES]
    if kinds and not any(_is(value, kind) for kind in kinds):
        return [f"property `{name}` is {_json_type(value)}, the schema says {' or '.join(kinds)}"]
    enum = spec.get("enum")
    if isinstance(enum, list) and not isinstance(value, (list, dict)) and value not in enum:
        return [f"property `{name}` is {json.dumps(value)[:60]}, not one of {json.dumps(enum)[:120]}"]
    return []


def _is(value: object, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, JSON_TYPES[kind])


def _json_type(value: object) -> str:
    return next((kind for kind in ("boolean", "integer", "number", "string", "array", "object", "null")
                 if _is(value, kind)), type(value).__name__)


def _bad(agent: AgentSteps, run: RunClues, step: Step, ask: ToolAsk, problems: list[str]) -> Finding:
    answers = answers_of(agent.steps, step, ask)
    then = f"the call then {_outcome(answers[0])}" if answers else "no tool call ran with them"
    why = (f"bad_tool_arguments: the answer of {step.address} asked for {ask.name} with arguments "
           f"{ask.arguments or '(none)'}: {'; '.join(problems)}; {then}")
    suggestion = (f"make {ask.name}'s schema and description say what it needs ({problems[0]}), use strict or "
                  f"structured tool calling where the API offers it, and have the tool return a message naming "
                  f"the problem so the model can correct it")
    notes = _ask_evidence(run, step, f"asked for {ask.name}: {problems[0]}", answers)
    return Finding("bad_tool_arguments", "critical" if agent.status == "failed" else "warning",
                   "high" if ask.parses is False or "missing" in problems[0] else "medium",
                   f"the model called {ask.name} with arguments that {_short(problems[0])}", why, suggestion,
                   notes, run.run_id, agent=agent.name, figures={"problems": float(len(problems))})


def _ask_evidence(run: RunClues, llm: Step, note: str, answers: Sequence[Step]) -> list[Evidence]:
    """The LLM call whose answer asked for a tool call (`note`: what it asked) and the tool calls that ran for that
    ask (what became of each), as a finding's evidence."""
    return capped([evidence(llm, run, note), *(evidence(tool, run, _outcome(tool)) for tool in answers)])


def _outcome(tool: Step) -> str:
    """What became of a call: `failed with KeyError: ...`, or what was sent back to the model."""
    if tool.status == "failed":
        message = f": {tool.error_message}" if tool.error_message else ""
        return f"failed with {tool.error_type or 'an error'}{message}"[:160]
    return f"{tool.status}; the model was sent back: {tool.result or '(nothing recorded)'}"[:160]


def _short(problem: str) -> str:
    return "are not JSON" if problem.startswith("the arguments are not") else f"do not fit its schema: {problem}"


# -- which tool steps answered an ask --------------------------------------------------------------------------------
def answers_of(steps: Sequence[Step], llm: Step, ask: ToolAsk) -> list[Step]:
    """The tool steps that ran for `ask`: linked by call id (or to `llm` by name), else, when no tool step of the
    agent is linked, the first of that name after `llm` and before the next LLM call."""
    if ask.call_id is not None:  # a tool, or a handoff span (openai-agents), that answered the call by its id
        linked = [step for step in steps if step.tool_call_id == ask.call_id and step.seq > llm.seq]
        if linked:
            return linked
    tools = [step for step in steps if step.component == "tool" and step.seq > llm.seq]
    linked = [step for step in tools if step.asked_by == llm.seq and step.name == ask.name]
    if linked or any(step.asked_by is not None for step in tools):
        return linked[:1]
    following = next((step.seq for step in steps if step.component == "llm" and step.seq > llm.seq), None)
    return [step for step in tools if step.name == ask.name and (following is None or step.seq < following)][:1]


def _completed(steps: Sequence[Step], llm: Step, ask: ToolAsk) -> bool:
    """Whether the call ran and was accepted: a step answering it completed, and, when that step was only made from
    the wire (the result the app sent back, `attrs.source: "wire"`), its result does not read as an error (a
    framework's "not a valid tool" or validation message sent back to the model is sent as a result)."""
    return any(step.status == "completed" and not (step.source == "wire" and REFUSAL.search(step.result or ""))
               for step in answers_of(steps, llm, ask))


AGENT_RULES: list[AgentRule] = [tool_failing_repeatedly, unknown_tool, bad_tool_arguments]
RUN_RULES: list[RunRule] = []
