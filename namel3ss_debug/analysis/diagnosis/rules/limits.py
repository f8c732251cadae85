"""Rules of the family `limits`: a run ended by a turn limit or a context-window overflow, a prompt near its
model's window, and a prompt that grows turn over turn.

`turn_limit` (run rule): an error of the run (a failed step or an error event, `RunClues.errors`, or the run's end
error) whose "type: message" names a framework's iteration limit (`TURN_LIMITS`: openai-agents `MaxTurnsExceeded`,
LangGraph `GraphRecursionError`, smolagents `AgentMaxStepsError`, pydantic-ai `UsageLimitExceeded` of its
`request_limit` or `tool_calls_limit`, Google ADK `LlmCallsLimitExceededError`, LlamaIndex "Max iterations of N
reached"), or a final answer that is a framework's stop text (LangChain's "Agent stopped due to iteration limit",
AutoGen's "Maximum number of turns N reached"). `critical` (confidence high) when the run ended failed, with a
non-zero exit code, or with that text as its final answer; `warning` when the run went on past it (an agent was
stopped and the app carried on).
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
`error_handlers` (the final output is the app's own), LangGraph `create_react_agent`'s "Sorry, need more steps to
process this request." (a message the graph makes with no LLM call), Haystack's `max_agent_steps` (an `exit_reason` and
a log line), DSPy's `ReAct(max_iters=N)` (its closing extract request is the same whether the limit was hit).

`context_overflow` (run rule): an error whose "type: message" is a model's context-window error (`OVERFLOWS`:
OpenAI and compatible servers `context_length_exceeded` / "maximum context length", Anthropic "prompt is too long"
and "exceed context limit", Gemini "input token count ... exceeds the maximum", llama.cpp "exceeds the available
context size", LiteLLM `ContextWindowExceededError`). `critical` (confidence high) when no LLM call of the same
operation completed after it (the run could not go on) or the run ended failed; `warning` when a later call
completed (the app trimmed and went on).

`context_near_limit` (agent rule): an LLM call of the agent whose prompt (`input_tokens`) is at least
`thresholds.context_share` (`diagnose_context_share`, default 0.8) of its model's context window
(`Judging.context_window`; a model whose window is unknown is passed over). `warning`, confidence high. With the
present growth (the least-squares slope of the last `FIT_CALLS` prompts of that model in the agent, when it is
above 0) it says at which of the agent's calls the prompt will pass the window.

`prompt_growth` (agent rule): `thresholds.growth_turns` (`diagnose_growth_turns`, default 4) or more LLM calls of
one model in a row in one agent, each with more prompt tokens than the one before (the history is resent and never
trimmed). Every agent loop grows its prompt a little, so it is `info` (confidence medium) unless the growth is
large: the last prompt at least `GROWTH_FACTOR` (3) times the first and at least `LARGE_PROMPT` (4,000) tokens, or
at least `context_share` of the model's window, then `warning` (confidence high). The cost of the growth is the
tokens each call sent above the row's first call, priced at the call's own cost per prompt token (its cost / its
prompt tokens): an upper bound, since a call's cost includes its answer's tokens; "unknown" when a call of the row
after the first has no cost (never 0). The row is the longest one of the agent's; calls of other models between
its calls do not break it.
"""

from __future__ import annotations

import math
import re
from typing import Iterable, Optional, Sequence

from ...thresholds import SETTINGS, Judging
from .. import payloads
from . import AgentRule, RunFigures, RunRule
from ..records import Evidence, Finding
from ..steps import AgentSteps, RunClues, Step
from .evidence import agent_name, capped, evidence, percent, recovered, usd

GROWTH_FACTOR = 3.0  # prompt_growth is a `warning` from a last prompt this many times the first...
LARGE_PROMPT = 4_000  # ...and of at least this many tokens (a smaller history costs little, however it grew)
FIT_CALLS = 5  # context_near_limit: the last prompts the growth line is fitted to

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
# lower-cased words of a context-window error in "type: message" (the vendors' messages and codes)
OVERFLOWS = ("context_length_exceeded", "maximum context length", "prompt is too long", "exceed context limit",
             "exceeds the available context size", "contextwindowexceeded", "context window exceeded")
GEMINI_OVERFLOW = re.compile(r"input token count.*exceeds the maximum")
NUMBER = re.compile(r"\d[\d,]*")


# -- turn_limit --------------------------------------------------------------------------------------------------
def turn_limit(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """The run (or an agent of it) stopped by a framework's iteration or turn limit."""
    for step in run.errors:
        limit = _limit_in(_said(step.error_type, step.error_message))
        if limit is not None:
            yield _turn_limit(run, limit, step, _said(step.error_type, step.error_message))
            return
    ended = _said(run.end_error_type, run.end_error_message)
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


def _said(kind: Optional[str], message: Optional[str]) -> str:
    return f"{kind or ''}: {message or ''}" if kind or message else ""


def _limit_in(text: str) -> Optional[tuple[str, str, str]]:
    return next((limit for limit in TURN_LIMITS if limit[0] in text), None) if text else None


def _step_at(run: RunClues, seq: Optional[int]) -> Optional[Step]:
    return next((step for step in reversed(run.recent) if step.seq == seq), None) if seq is not None else None


def _gave_up(run: RunClues) -> bool:
    return run.status == "failed" or run.exit_code not in (None, 0)


def _turn_limit(run: RunClues, limit: tuple[str, str, str], step: Optional[Step], text: str) -> Finding:
    marker, framework, setting = limit
    ended = _gave_up(run) or (run.final_text is not None and marker in run.final_text)
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
                   suggestion, notes, run.run_id, agent=agent_name(named[0], run) if named else None,
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


def _forced(run: RunClues) -> Finding:
    """The LLM calls whose request carried a framework's stop message: said of the one whose answer is the run's
    final answer (`critical`), else of the last (`warning`: the run went on after it)."""
    final = next((kept for kept in run.stop_requests if kept[0].seq == run.final_seq), None)
    step, said = final or run.stop_requests[-1]
    opening, framework, setting = next(stop for stop in STOP_REQUESTS if said.startswith(stop[0]))
    ended = final is not None or _gave_up(run)
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


# -- context_overflow --------------------------------------------------------------------------------------------
def is_overflow(kind: Optional[str], message: Optional[str]) -> bool:
    """Whether an error is a model's context-window overflow, from its type and message."""
    text = _said(kind, message).lower()
    return any(word in text for word in OVERFLOWS) or GEMINI_OVERFLOW.search(text) is not None


def context_overflow(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """The run (or one LLM call of it) ended by a prompt larger than the model's context window."""
    failed = [step for step in run.errors if is_overflow(step.error_type, step.error_message)]
    if failed:
        yield _overflow(run, failed, judging)


def _overflow(run: RunClues, failed: list[Step], judging: Judging) -> Finding:
    """One finding for the run's overflow errors (an LLM call's, and the same error reported again on its way out),
    said of the first LLM call among them."""
    step = next((item for item in failed if item.component == "llm"), failed[0])
    redone = recovered(step, run.recent)
    ended = not redone or _gave_up(run)
    prompt = _last_prompt(run, step)
    window = judging.context_window(step.model) if step.model else None
    sizes = (f" the last prompt that fit was {prompt.input_tokens:,} tokens" if prompt and prompt.input_tokens else "")
    why = (f"context_overflow: {step.address} failed with {step.error_type}: {(step.error_message or '')[:160]!r}"
           f"{f' (window {window:,} tokens)' if window else ''};{sizes or ' no prompt size recorded'}"
           f"{'' if ended else '; a later call of the same model completed'}")
    suggestion = (f"trim what {step.address} sends: keep the system prompt and the last turns and summarise or "
                  f"drop older ones (old tool results first), cut long tool results before they enter the history, "
                  f"or use a model with a larger window")
    notes = [evidence(item, run, f"{item.error_type}: {(item.error_message or '')[:120]}") for item in failed]
    if prompt is not None:
        notes.append(evidence(prompt, run, f"prompt of {prompt.input_tokens:,} tokens"))
    values = {"errors": float(len(failed))}
    if window:
        values["window"] = float(window)
    return Finding("context_overflow", "critical" if ended else "warning", "high",
                   f"{step.address} overflowed its model's context window", why, suggestion, capped(notes),
                   run.run_id, agent=agent_name(step, run), figures=values)


def _last_prompt(run: RunClues, failed: Step) -> Optional[Step]:
    """The last LLM call before the failed one, in the same agent, with a prompt size."""
    return next((step for step in reversed(run.recent) if step.seq < failed.seq and step.component == "llm"
                 and step.agent == failed.agent and step.input_tokens), None)


# -- context_near_limit ------------------------------------------------------------------------------------------
def context_near_limit(agent: AgentSteps, run: RunClues, judging: Judging) -> Iterable[Finding]:
    """An agent's prompt at `context_share` or more of its model's window, and when it will overflow."""
    share = judging.thresholds.context_share
    peak, window = _peak(agent.steps, judging)
    if peak is None or window is None or (peak.input_tokens or 0) < share * window:
        return
    calls = [step for step in _prompts(agent.steps) if step.model == peak.model]
    yield _near_limit(agent, run, peak, window, calls, share)


def _prompts(steps: Sequence[Step]) -> list[Step]:
    """The LLM calls with a prompt size, in seq order."""
    return [step for step in steps if step.component == "llm" and step.input_tokens]


def _prompt_sizes(calls: Sequence[Step], run: RunClues) -> list[Evidence]:
    """LLM calls as evidence of how many prompt tokens each sent."""
    return [evidence(step, run, f"{step.input_tokens:,} prompt tokens") for step in calls]


def _peak(steps: Sequence[Step], judging: Judging) -> tuple[Optional[Step], Optional[int]]:
    """The call with the largest share of its model's window, and that window."""
    best: tuple[float, Optional[Step], Optional[int]] = (0.0, None, None)
    for step in _prompts(steps):
        window = judging.context_window(step.model) if step.model else None
        if window and (step.input_tokens or 0) / window > best[0]:
            best = ((step.input_tokens or 0) / window, step, window)
    return best[1], best[2]


def overflow_call(tokens: Sequence[int], window: int) -> Optional[int]:
    """The call number (1-based, counting on from `tokens`) at which the prompt passes `window` if it keeps
    growing at the least-squares slope of the last FIT_CALLS prompts; None when it is not growing.

    >>> overflow_call([1000, 2000, 3000], 5500)
    6
    """
    points = list(tokens[-FIT_CALLS:])
    if len(points) < 2:
        return None
    mean_x, mean_y = (len(points) - 1) / 2, sum(points) / len(points)
    slope = (sum((x - mean_x) * (y - mean_y) for x, y in enumerate(points))
             / sum((x - mean_x) ** 2 for x in range(len(points))))
    if slope <= 0:
        return None
    left = window - tokens[-1]
    return len(tokens) + max(1, math.ceil(left / slope)) if left >= 0 else len(tokens)


def _near_limit(agent: AgentSteps, run: RunClues, peak: Step, window: int, calls: list[Step],
                share: float) -> Finding:
    tokens = peak.input_tokens or 0
    at = overflow_call([step.input_tokens or 0 for step in calls], window)
    growth = (f"; growing as it is, the prompt passes the window at call {at} of {peak.model} in this agent "
              f"({len(calls)} so far)" if at is not None else "; the prompt is not growing at present")
    why = (f"context_near_limit: {peak.address} sent {tokens:,} prompt tokens, {percent(tokens / window)} of "
           f"{peak.model}'s {window:,}-token window (threshold {percent(share)}, diagnose_context_share){growth}")
    suggestion = (f"keep {agent.name or 'the agent'}'s prompt below the window: trim the history it resends "
                  f"(the last turns and a summary of older ones), cut long tool results before they enter it, or "
                  f"use a model with a larger window")
    notes = _prompt_sizes(calls[-5:], run)
    notes.append(evidence(peak, run, f"{tokens:,} of {window:,} tokens ({percent(tokens / window)})"))
    values = {"input_tokens": float(tokens), "window": float(window), "share": tokens / window}
    if at is not None:
        values["overflow_call"] = float(at)
    return Finding("context_near_limit", "warning", "high",
                   f"{peak.address}'s prompt is {percent(tokens / window)} of {peak.model}'s context window",
                   why, suggestion, capped({item.ref.seq: item for item in notes}.values()), run.run_id,
                   agent=agent.name, setting=SETTINGS["context_share"], figures=values)


# -- prompt_growth -----------------------------------------------------------------------------------------------
def prompt_growth(agent: AgentSteps, run: RunClues, judging: Judging) -> Iterable[Finding]:
    """`growth_turns` or more LLM calls of one model in a row, in one agent, each with a larger prompt."""
    turns = judging.thresholds.growth_turns
    row = _longest_growth(_prompts(agent.steps))
    if len(row) >= turns:
        yield _growth(agent, run, row, judging)


def _longest_growth(calls: Sequence[Step]) -> list[Step]:
    """The longest row of calls of one model, consecutive among that model's calls, each larger than the last."""
    best: list[Step] = []
    rows: dict[Optional[str], list[Step]] = {}
    for step in calls:
        row = rows.get(step.model)
        if row and (step.input_tokens or 0) > (row[-1].input_tokens or 0):
            row.append(step)
        else:
            row = rows[step.model] = [step]
        if len(row) > len(best):
            best = row
    return list(best)


def growth_cost(row: Sequence[Step]) -> Optional[float]:
    """The cost of the prompt tokens each call sent above the row's first, at the call's cost per prompt token
    (an upper bound: the cost includes the answer's tokens); None (unknown) when a grown call has no cost."""
    base, total = row[0].input_tokens or 0, 0.0
    for step in row[1:]:
        tokens = step.input_tokens or 0
        if step.cost_usd is None:
            return None
        total += step.cost_usd * (tokens - base) / tokens
    return total


def _scale(large: bool, near: bool, window: Optional[int]) -> str:
    if near and window:
        return f"warning: near the window ({window:,})"
    if large:
        return f"warning: at least {GROWTH_FACTOR:.0f}x the first and {LARGE_PROMPT:,} tokens"
    return f"info: under {GROWTH_FACTOR:.0f}x the first or under {LARGE_PROMPT:,} tokens"


def _growth(agent: AgentSteps, run: RunClues, row: list[Step], judging: Judging) -> Finding:
    first, last = row[0].input_tokens or 0, row[-1].input_tokens or 0
    window = judging.context_window(row[-1].model) if row[-1].model else None
    near = window is not None and last >= judging.thresholds.context_share * window
    large = (last >= GROWTH_FACTOR * first and last >= LARGE_PROMPT) or near
    cost = growth_cost(row)
    extra = sum((step.input_tokens or 0) - first for step in row[1:])
    priced = f"at most {usd(cost)}" if cost is not None else "unknown (a call of the row has no cost)"
    why = (f"prompt_growth: {len(row)} calls of {row[0].model or 'one model'} in a row each sent more prompt tokens "
           f"(threshold {judging.thresholds.growth_turns}, diagnose_growth_turns), {first:,} -> {last:,} "
           f"({last / first:.1f}x); {_scale(large, near, window)}; the {extra:,} tokens above the first call's "
           f"cost {priced}")
    suggestion = (f"trim {agent.name or 'the agent'}'s history between calls ({row[0].address} .. "
                  f"{row[-1].address}): keep the system prompt and the last few turns, summarise or drop older "
                  f"tool results, or cache the unchanging prefix (prompt caching)")
    notes = _prompt_sizes(row, run)
    values = {"calls": float(len(row)), "first_tokens": float(first), "last_tokens": float(last),
              "extra_tokens": float(extra), "growth": last / first}
    if cost is not None:
        values["cost_usd"] = cost
    return Finding("prompt_growth", "warning" if large else "info", "high" if large else "medium",
                   f"{agent.name or 'the agent'}'s prompt grew {len(row)} calls in a row, {first:,} -> {last:,} tokens",
                   why, suggestion, capped(notes), run.run_id, agent=agent.name,
                   setting=SETTINGS["growth_turns"], figures=values)


AGENT_RULES: list[AgentRule] = [context_near_limit, prompt_growth]
RUN_RULES: list[RunRule] = [turn_limit, context_overflow]
