"""Rules of the family `limits`: a run ended by a context-window overflow, a prompt near its model's window, and a
prompt that grows turn over turn (a run ended by a turn limit, `turn_limit`, is in `turn_limits.py`).

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
from . import AgentRule, RunFigures, RunRule
from ...records.findings import Evidence, Finding
from ..notes.steps import AgentSteps, RunClues, Step
from .evidence import agent_name, capped, error_text, evidence, gave_up, percent, recovered, usd

GROWTH_FACTOR = 3.0  # prompt_growth is a `warning` from a last prompt this many times the first...
LARGE_PROMPT = 4_000  # ...and of at least this many tokens (a smaller history costs little, however it grew)
FIT_CALLS = 5  # context_near_limit: the last prompts the growth line is fitted to

# lower-cased words of a context-window error in "type: message" (the vendors' messages and codes)
OVERFLOWS = ("context_length_exceeded", "maximum context length", "prompt is too long", "exceed context limit",
             "exceeds the available context size", "contextwindowexceeded", "context window exceeded")
GEMINI_OVERFLOW = re.compile(r"input token count.*exceeds the maximum")


# -- context_overflow --------------------------------------------------------------------------------------------
def is_overflow(kind: Optional[str], message: Optional[str]) -> bool:
    """Whether an error is a model's context-window overflow, from its type and message."""
    text = error_text(kind, message).lower()
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
    ended = not redone or gave_up(run)
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
RUN_RULES: list[RunRule] = [context_overflow]
