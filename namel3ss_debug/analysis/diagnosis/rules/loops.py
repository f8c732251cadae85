"""Rules of the family `loops`: an agent that makes the same call again and again, and agents that hand a
conversation back and forth, with nothing new learnt in between. Both are `warning` (a fault to fix: the turns are
spent for nothing, and a turn limit usually ends such a run, which `turn_limit` then says).

An answer's identity, which "the same answer" compares: a tool call's result text (`Step.result`) with its call id
taken out (a framework's tool message carries the id, which differs every time) when the text was kept whole
(under `steps.TEXT_CHARS`), else the hash of its outputs' JSON (`Step.outputs_key`), and its error type; an LLM
call's text and the tool calls it asked for (names and arguments, not the call ids).

`call_loop` (agent rule): in one agent execution, `thresholds.loop_repeats` (`diagnose_loop_repeats`, default 3)
or more calls of one LLM or tool operation, in the turns of one agent (`Step.turn`, where the execution is a
system whose agents take turns), with the same inputs (`Step.inputs_key`, the fingerprint the report's
repeated calls count by) that all completed with the same answer, and no new information between the first and
the last of them: every tool call the agent made in between repeats a call (inputs and answer) the agent made
before it. The report's `patterns.loops` sees only back-to-back cycles; a model's loop has its own LLM calls, each
with a longer history, between the repeats, so the rule groups the agent's calls by their inputs instead. Calls
that failed are `tool_failing_repeatedly`'s.

`handoff_loop` (run rule): `thresholds.handoff_cycles` (`diagnose_handoff_cycles`, default 3) or more round trips
A->B->A between the same two agents, in a row of the run's handoffs (`RunClues.handoffs`; in a run that recorded
none, the changes of agent between consecutive LLM calls, as agents-as-tools and group chats show them, counted only
when an agent execution takes up again after another agent's calls: executions that each start afresh, one after
another (a server's requests), are no conversation),
and after the first round trip something was said (a tool result, or an LLM answer with text or tool calls) and all
of it repeats what the row had before (the steps from the row's first handoff to its last, `RunClues.opening` and
`recent`). When the kept steps do not reach back to the row's first handoff, nothing is said (the steps in between
are not known).
"""

from __future__ import annotations

from typing import Hashable, Iterable, Optional, Sequence

from ...thresholds import SETTINGS, Judging
from . import AgentRule, RunFigures, RunRule
from ...records.findings import Evidence, Finding
from ..notes.steps import TEXT_CHARS, AgentSteps, RunClues, Step
from .evidence import capped, evidence, ms

CALLS = frozenset({"llm", "tool"})


def answer_of(step: Step) -> Hashable:
    """What a call answered, comparable across calls: an LLM's text and tool asks; a tool's result text without
    its call id (a framework's tool message carries it) when the text was kept whole, else its outputs' hash."""
    if step.component == "llm":
        return step.text, asks_of(step)
    result = step.result
    if result is not None and len(result) < TEXT_CHARS:
        return "result", result.replace(step.tool_call_id, "") if step.tool_call_id else result, step.error_type
    return "outputs", step.outputs_key, step.error_type


def asks_of(step: Step) -> tuple[tuple[str, Optional[str]], ...]:
    """The tool calls an LLM answer asked for, by name and arguments (not their ids)."""
    return tuple((ask.name, ask.arguments) for ask in step.asked)


# -- call_loop ---------------------------------------------------------------------------------------------------
def call_loop(agent: AgentSteps, run: RunClues, judging: Judging) -> Iterable[Finding]:
    """The same call (same inputs, same answer) `loop_repeats` times in one agent, with nothing new in between."""
    repeats = judging.thresholds.loop_repeats
    for group in _groups(agent.steps).values():
        if len(group) >= repeats and len({answer_of(step) for step in group}) == 1 \
                and not _news_between(agent.steps, group[0], group[-1]):
            yield _call_loop(group, agent, run, repeats)


def _groups(steps: Sequence[Step]) -> dict[tuple[Optional[str], int], list[Step]]:
    """The agent's completed LLM and tool calls with inputs, by the agent whose turn they ran in (`Step.turn`: in a
    group chat under one system span, each speaker's calls are its own) and their inputs' fingerprint, in seq
    order."""
    groups: dict[tuple[Optional[str], int], list[Step]] = {}
    for step in steps:
        if step.component in CALLS and step.inputs_key is not None and step.status == "completed":
            groups.setdefault((step.turn, step.inputs_key), []).append(step)
    return groups


def _news_between(steps: Sequence[Step], first: Step, last: Step) -> bool:
    """Whether a tool call between `first` and `last` brought something the agent had not had before."""
    seen: set[tuple[Optional[int], Hashable]] = set()
    for step in steps:
        if step.component != "tool" or step.seq >= last.seq:
            continue
        fact = (step.inputs_key, answer_of(step))
        if first.seq < step.seq and fact not in seen:
            return True
        seen.add(fact)
    return False


def _call_loop(group: list[Step], agent: AgentSteps, run: RunClues, repeats: int) -> Finding:
    first, count = group[0], len(group)
    wasted = sum(step.duration_ms or 0.0 for step in group[1:])
    name = f"{first.component}:{first.name}"
    said = _said(first)
    why = (f"call_loop: {name} ran {count} times in agent {agent.name or '(none)'} with the same inputs and "
           f"the same answer each time (threshold {repeats}, diagnose_loop_repeats), and no call in between "
           f"brought anything new; the repeats took {ms(wasted)}")
    suggestion = (f"break the loop at {group[1].address}: make {first.name} tell the model when it has nothing "
                  f"new (a result such as 'no more results for these arguments; change them or answer'), have "
                  f"the agent stop or change its input after a repeated {said}, "
                  f"and cap the agent's turns (openai-agents `max_turns`, LangGraph `recursion_limit`, "
                  f"smolagents `max_steps`)")
    notes = [evidence(step, run, f"same inputs, same {said} ({index + 1} of {count})")
             for index, step in enumerate(group)]
    return Finding("call_loop", "warning", "high",
                   f"{name} called {count} times with the same inputs and the same {said}", why, suggestion,
                   capped(notes), run.run_id, agent=agent.name, setting=SETTINGS["loop_repeats"],
                   figures={"count": float(count), "repeat_ms": wasted})


def _said(step: Step) -> str:
    return "answer" if step.component == "llm" else "result"


# -- handoff_loop ------------------------------------------------------------------------------------------------
def handoff_loop(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """Round trips A->B->A between two agents, `handoff_cycles` or more in a row, with nothing new learnt."""
    cycles = judging.thresholds.handoff_cycles
    recorded = bool(run.handoffs)
    for row in _rows(run.handoffs if recorded else _turns_taken(run)):
        trips = len(row) // 2
        if trips >= cycles and _known(run, row[0][0]) and _stuck(run, row):
            yield _handoff_loop(row, trips, run, cycles, recorded)


def _kept(run: RunClues) -> list[Step]:
    """The run's kept steps (its opening and recent ones), once each, in seq order."""
    kept = {step.seq: step for step in (*run.opening, *run.recent)}
    return [kept[seq] for seq in sorted(kept)]


def _turns_taken(run: RunClues) -> list[tuple[int, str, str]]:
    """With no handoff recorded, the agents' turns as their LLM calls show them: at each change of the calling
    agent's name, (the seq of the last call before the change, the agent that gave way, the one that took over).

    Only when an agent execution takes up again after another agent's calls (a conversation it is still in): agents
    run one after another, each execution starting afresh (a server's requests, a pipeline's stages), hand nothing
    to each other, so their alternation says nothing."""
    moves: list[tuple[int, str, str]] = []
    previous: Optional[tuple[int, str, str]] = None
    left: set[str] = set()  # agent executions another agent's calls came after
    resumed = False
    for step in _kept(run):
        name = run.agents.get(step.agent) if step.component == "llm" else None
        if name is None:
            continue
        if previous is not None and previous[2] != step.agent:
            left.add(previous[2])
            resumed = resumed or step.agent in left
            if previous[1] != name:
                moves.append((previous[0], previous[1], name))
        previous = (step.seq, name, step.agent)
    return moves if resumed else []


def _rows(handoffs: Sequence[tuple[int, str, str]]) -> list[list[tuple[int, str, str]]]:
    """Maximal rows of handoffs in which each one hands back to the agent the one before came from."""
    rows: list[list[tuple[int, str, str]]] = []
    for handoff in sorted(handoffs):
        row = rows[-1] if rows else None
        if row is not None and handoff[1] == row[-1][2] and handoff[2] == row[-1][1]:
            row.append(handoff)
        else:
            rows.append([handoff])
    return [row for row in rows if len(row) >= 2]


def _known(run: RunClues, start: int) -> bool:
    """Whether every step after `start` is kept: the recent steps reach back to it, or the opening and the recent
    steps overlap (a short run, all of whose steps are kept)."""
    if not run.recent:
        return False
    return run.recent[0].seq <= start or (bool(run.opening) and run.opening[-1].seq >= run.recent[0].seq)


def _stuck(run: RunClues, row: list[tuple[int, str, str]]) -> bool:
    """Whether, after the row's first round trip, the agents said and learnt something (a tool result, an LLM
    answer) and all of it repeats what the row had had before; with nothing said at all, nothing is known."""
    start, trip_end, end = row[0][0], row[min(2, len(row) - 1)][0], row[-1][0]
    seen: set[Hashable] = set()
    later = False
    for step in _kept(run):
        fact = _fact(step) if start < step.seq <= end else None
        if fact is None:
            continue
        if step.seq > trip_end:
            if fact not in seen:
                return False
            later = True
        seen.add(fact)
    return later


def _fact(step: Step) -> Optional[Hashable]:
    """What a step told the agents: a tool's result (by its inputs and answer), an LLM answer (its text and the
    tools it asked for); None for a step that said nothing readable."""
    if step.component == "tool":
        return "tool", step.name, step.inputs_key, answer_of(step)
    if step.component == "llm" and ((step.text and step.text.strip()) or step.asked):
        return "llm", (step.text or "").strip(), asks_of(step)
    return None


def _handoff_loop(row: list[tuple[int, str, str]], trips: int, run: RunClues, cycles: int,
                  recorded: bool) -> Finding:
    first, second = row[0][1], row[0][2]
    how = "handed the conversation to each other" if recorded else "took turns (no handoff recorded: their LLM calls)"
    why = (f"handoff_loop: {first} and {second} {how} {len(row)} times in a row ({trips} round trips; threshold "
           f"{cycles}, diagnose_handoff_cycles) and after the first round trip no tool result or answer was new")
    suggestion = (f"give one of {first} and {second} the authority to answer: remove the handoff back to {first} "
                  f"from {second}'s handoffs, or say in each handoff's description when not to use it (the "
                  f"request has not changed since the last handoff), and cap the run's turns (openai-agents "
                  f"`max_turns`)" if recorded else
                  f"end the exchange between {first} and {second} when a turn repeats an earlier one: a "
                  f"termination condition (AutoGen `MaxMessageTermination`, `TextMentionTermination`), or a stop "
                  f"rule in whatever hands the turns")
    return Finding("handoff_loop", "warning", "high",
                   f"{first} and {second} handed off to each other {trips} times with no progress", why, suggestion,
                   capped(_handoff_evidence(row, run, recorded)), run.run_id, agent=first,
                   setting=SETTINGS["handoff_cycles"],
                   figures={"handoffs": float(len(row)), "round_trips": float(trips)})


def _handoff_evidence(row: list[tuple[int, str, str]], run: RunClues, recorded: bool) -> list[Evidence]:
    """For each handoff, the LLM call that decided it: the last one at or before it in the run's kept steps."""
    steps = _kept(run)
    found: list[Evidence] = []
    for seq, source, target in row:
        asker = next((step for step in reversed(steps) if step.seq <= seq and step.component == "llm"), None)
        if asker is not None:
            note = (f"{source} handed off to {target} (handoff at seq {seq})" if recorded
                    else f"{source}'s last call before {target} took over")
            found.append(evidence(asker, run, note))
    return list({item.ref.seq: item for item in found}.values())


AGENT_RULES: list[AgentRule] = [call_loop]
RUN_RULES: list[RunRule] = [handoff_loop]
