"""The `limits` family's turn-limit rule (the context-window rules are in `limits.py`): a run ended by a framework's
turn limit, raised or enforced with one last request.

`turn_limit` (run rule): an error of the run (a failed step or an error event, `RunClues.errors`, or the run's end
error) whose "type: message" names a framework's iteration limit (`TURN_LIMITS`: openai-agents `MaxTurnsExceeded`,
LangGraph `GraphRecursionError`, smolagents `AgentMaxStepsError`, pydantic-ai `UsageLimitExceeded` of its
`request_limit` or `tool_calls_limit`, Google ADK `LlmCallsLimitExceededError`, LlamaIndex "Max iterations of N
reached"), or a final answer that is a framework's stop text (LangChain's "Agent stopped due to iteration limit",
AutoGen's "Maximum number of turns N reached"), or an agent's answer that is one (LangGraph `create_react_agent`'s
"Sorry, need more steps to process this request.", which the graph writes with no LLM call when its
`remaining_steps` run out: the hook's agent span's `outputs.output`, `RunClues.stopped_answer`). `critical`
(confidence high) when the run ended failed, with a non-zero exit code, with that text as its final answer, or as
the answer of an agent with no agent above it; `warning` when the run went on past it (an agent was stopped and
the app carried on).
Some frameworks enforce their limit without raising: they send one more request with a message of their own asking for a
final answer, and return that answer as the agent's (`STOP_REQUESTS`: CrewAI's `force_final_answer` for
`Agent(max_iter=N)`, appended as the last user message; smolagents' `final_answer.pre_messages` for `max_steps`, the
system message; LlamaIndex's early-stopping prompt for `max_iterations` under `early_stopping_method='generate'`, a
system message, whose N is the finding's `limit`). Such a request is a `turn_limit` too: each LLM request's raw JSON is
scanned for those messages once, as the pass reads it (`clues.py`), and only a message that opens one of the request's
messages counts (`stop_request`: the words quoted in a question, or said in an answer, do not); the pass keeps only the
calls that matched (`RunClues.stop_requests`). `critical` (confidence high) when the run failed, or when the forced
call's answer is the run's final answer (the run may have completed, but what it returned was written on the framework's
order once the agent ran out of turns); `warning` when the run went on after it. A request cut to `max_payload_size` may
have lost the message (CrewAI's is the last), and a framework whose prompts the app replaced sends other words: neither
is found. Nor are limits that send no such request and raise nothing: openai-agents' `max_turns` handled by
`error_handlers` (the final output is the app's own), Haystack's `max_agent_steps` (an `exit_reason` and
a log line), DSPy's `ReAct(max_iters=N)` (its closing extract request is the same whether the limit was hit).
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

from ...thresholds import Judging
from ..notes import payloads
from . import AgentRule, RunFigures, RunRule
from ...records.findings import Finding
from ..notes.steps import MAX_STOP_REQUESTS, RunClues, Step
from .evidence import agent_name, capped, error_text, evidence, gave_up

# (what the error's "type: message" or the final answer contains, the framework, the setting that sets the limit)
TURN_LIMITS = (
    ("MaxTurnsExceeded", "openai-agents", "`Runner.run(..., max_turns=N)`"),
    ("GraphRecursionError", "LangGraph", "the `recursion_limit` config key (`{'recursion_limit': N}`)"),
    ("AgentMaxStepsError", "smolagents", "the agent's `max_steps`"),
    ("exceed the request_limit", "pydantic-ai", "`UsageLimits(request_limit=N)`"),
    ("exceed the tool_calls_limit", "pydantic-ai", "`UsageLimits(tool_calls_limit=N)`"),
    ("LlmCallsLimitExceededError", "Google ADK", "`RunConfig(max_llm_calls=N)`"),
    ("Max iterations of", "LlamaIndex", "`.run(..., max_iterations=N)`"),
    ("Agent stopped due to iteration limit", "LangChain", "`AgentExecutor(max_iterations=N)`"),
    ("Maximum number of turns", "AutoGen", "the team's `max_turns`"),
    ("Sorry, need more steps to process this request.", "LangGraph",
     "the `recursion_limit` config key (`{'recursion_limit': N}`), which sets `create_react_agent`'s "
     "`remaining_steps`"),
)
# (how the message a framework adds to its last request opens, the framework, the setting that sets the limit): a
# limit the framework enforces without raising, by asking the model for a final answer and returning that answer
SMOLAGENTS_STEPS = "`max_steps=N` of the agent (`ToolCallingAgent(..., max_steps=N)`, `CodeAgent(..., max_steps=N)`)"
STOP_REQUESTS = (
    # each message's first sentence, which every release so far kept (the rest was reworded, and apps customise it)
    ("Now it's time you MUST give your absolute best final answer.", "CrewAI", "`Agent(max_iter=N)`"),
    ("An agent tried to answer a user query but it got stuck and failed to do so.", "smolagents", SMOLAGENTS_STEPS),
    ("An agent tried to answer an user query but it got stuck and failed to do so.", "smolagents",  # before 1.0
     SMOLAGENTS_STEPS),
    ("You have reached the maximum number of iterations (", "LlamaIndex",
     "`.run(..., max_iterations=N)` (with `early_stopping_method='generate'`)"),
)
STOP_MARKS = tuple(opening.encode() for opening, _, _ in STOP_REQUESTS)  # looked for in the request's raw JSON
NUMBER = re.compile(r"\d[\d,]*")


def turn_limit(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """The run (or an agent of it) stopped by a framework's iteration or turn limit."""
    for step in run.errors:
        limit = _limit_in(error_text(step.error_type, step.error_message))
        if limit is not None:
            yield _turn_limit(run, limit, step, error_text(step.error_type, step.error_message))
            return
    ended = error_text(run.end_error_type, run.end_error_message)
    limit = _limit_in(ended)
    if limit is not None:  # the run's end error, with no step of it kept
        yield _turn_limit(run, limit, None, ended)
        return
    if run.stop_requests:  # a framework's stop message in a request: the limit, enforced with no exception
        yield _forced(run)
        return
    limit = _limit_in(run.final_text or "")
    if limit is not None:  # a framework's stop text as the final answer
        yield _turn_limit(run, limit, _step_at(run, run.final_seq), run.final_text or "")
        return
    if run.stopped_answer is not None:  # an agent's answer that is a stop text the framework wrote, with no LLM call
        said, agent, outermost = run.stopped_answer
        limit = _limit_in(said)
        if limit is not None:
            yield _turn_limit(run, limit, None, said, agent if outermost else None, agent)


def stop_text(said: str) -> bool:
    """Whether an agent's answer holds a framework's stop text (`TURN_LIMITS`)."""
    return _limit_in(said) is not None


def _limit_in(text: str) -> Optional[tuple[str, str, str]]:
    return next((limit for limit in TURN_LIMITS if limit[0] in text), None) if text else None


def _step_at(run: RunClues, seq: Optional[int]) -> Optional[Step]:
    return next((step for step in reversed(run.recent) if step.seq == seq), None) if seq is not None else None


def _turn_limit(run: RunClues, limit: tuple[str, str, str], step: Optional[Step], text: str,
                answered_by: Optional[str] = None, agent: Optional[str] = None) -> Finding:
    """`answered_by`: the outermost agent whose answer was the stop text (the run's answer, so it ended there);
    `agent`: the agent that gave it, when no step names one."""
    marker, framework, setting = limit
    ended = gave_up(run) or (run.final_text is not None and marker in run.final_text) or answered_by is not None
    number = NUMBER.search(text[text.find(marker):]) if marker in text else None
    figures = {"limit": float(number.group().replace(",", ""))} if number else {}
    said = text.strip(": ")[:200]
    why = (f"turn_limit: {framework}'s iteration limit stopped {'the run' if ended else 'an agent'} "
           f"({marker!r} in {said!r})")
    suggestion = (f"look at what the agent repeated in its last turns before raising {setting}: a call_loop or "
                  f"handoff_loop finding names it; raise the limit only if the task needs more turns, and give "
                  f"the agent a way to finish (a final-answer tool, a stop condition)")
    notes = [evidence(step, run, f"{framework}'s limit: {said}")] if step is not None else []
    last = _last_turn(run, step.seq if step is not None else run.end_seq)
    if last is not None and (step is None or last.seq != step.seq):
        notes.insert(0, evidence(last, run, "the last LLM call before the limit"))
    named = [found for found in (step, last) if found is not None and agent_name(found, run)]
    return Finding("turn_limit", "critical" if ended else "warning", "high",
                   f"{'the run was' if ended else 'an agent was'} stopped by {framework}'s turn limit", why,
                   suggestion, notes, run.run_id, agent=agent_name(named[0], run) if named else agent,
                   figures=figures)


def stop_request(data: bytes) -> Optional[str]:
    """The message of an LLM request (its raw JSON) that opens with a framework's stop message (`STOP_REQUESTS`),
    cut to TEXT_CHARS; None for any other request. The raw bytes are scanned for each message's opening; only a
    request that holds one is decoded, and the words count only where they open one of its messages (what a user
    quotes of them inside a question, or what an answer says, is not the framework's message).

    >>> stop_request(b'{"messages": [{"role": "system", "content": "You have reached the maximum number of '
    ...              b'iterations (3). Based on ..."}]}')
    'You have reached the maximum number of iterations (3). Based on ...'
    """
    if not any(mark in data for mark in STOP_MARKS):
        return None
    for text in payloads.message_texts(data):
        said = text.lstrip()
        if said.startswith(tuple(opening for opening, _, _ in STOP_REQUESTS)):
            return payloads.cut(said)
    return None


def note_stop_request(clues: RunClues, step: Step, data: bytes) -> None:
    """An LLM call's request (raw JSON): kept when it carried a framework's stop message, among the first
    MAX_STOP_REQUESTS - 1, else in the last place (the last one is the one that may have given the run's final
    answer)."""
    said = stop_request(data)
    if said is None:
        return
    kept = clues.stop_requests
    if len(kept) < MAX_STOP_REQUESTS:
        kept.append((step, said))
    else:
        kept[-1] = (step, said)


def _forced(run: RunClues) -> Finding:
    """The LLM calls whose request carried a framework's stop message: said of the one whose answer is the run's
    final answer (`critical`), else of the last (`warning`: the run went on after it)."""
    final = next((kept for kept in run.stop_requests if kept[0].seq == run.final_seq), None)
    step, said = final or run.stop_requests[-1]
    opening, framework, setting = next(stop for stop in STOP_REQUESTS if said.startswith(stop[0]))
    ended = final is not None or gave_up(run)
    number = NUMBER.match(said, len(opening))
    who = agent_name(step, run)
    more = f" ({len(run.stop_requests)} requests carried it)" if len(run.stop_requests) > 1 else ""
    outcome = ("its answer is the run's final answer: what the run returned was written on the framework's order, "
               "with no more tool calls, not at the end of the agent's own work" if ended
               else "the run went on after it")
    why = (f"turn_limit: {framework}'s iteration limit stopped {who or 'an agent'} with no exception: the request of "
           f"{step.address} carries {framework}'s stop message ({said[:200]!r}){more}, which asks the model for a "
           f"final answer at once; {outcome}")
    suggestion = (f"look at what the agent repeated in its last turns before raising {setting}: a call_loop or "
                  f"handoff_loop finding names it; raise the limit only if the task needs more turns, and give "
                  f"the agent a way to finish (a final-answer tool, a stop condition)")
    notes = [evidence(item, run, f"{framework}'s stop message: {text[:80]}") for item, text in run.stop_requests]
    last = _last_turn(run, run.stop_requests[0][0].seq)
    if last is not None:
        notes.insert(0, evidence(last, run, "the last LLM call before the limit"))
    return Finding("turn_limit", "critical" if ended else "warning", "high",
                   f"{'the run' if ended else 'an agent'}'s answer was forced by {framework}'s turn limit", why,
                   suggestion, capped(notes), run.run_id, agent=who,
                   figures={"limit": float(number.group().replace(",", ""))} if number else {})


def _last_turn(run: RunClues, before: Optional[int]) -> Optional[Step]:
    """The last LLM call before seq `before` (the run's last when None): the turn the limit cut off after."""
    return next((step for step in reversed(run.recent) if step.component == "llm"
                 and (before is None or step.seq < before)), None)


AGENT_RULES: list[AgentRule] = []
RUN_RULES: list[RunRule] = [turn_limit]
