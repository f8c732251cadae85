"""Rules of the family `pacing`: calls retried with no pause, and rate-limit errors in bursts.

`retry_without_backoff` (agent rule: over one agent execution's steps, judged when it ends), `warning`:
- a retry is what the report's `patterns.retries` counts: an LLM or tool call C whose parent's last step to end
  before C started (by `seq`) was a failed call F of the same operation (component, name and span kind);
- C must be F made again: the same inputs (`inputs_key`) when either recorded inputs; when neither did, F's error
  is transient (`TRANSIENT`: rate_limit, timeout, network, dependency); two tool calls one LLM answer asked for
  under different call ids are never a retry of each other;
- the gap is C's start (`ts`) less F's end (F's `ts` + `duration_ms`); a retry with a gap under
  `thresholds.backoff_ms` (`diagnose_backoff_ms`, default 100 ms) is a retry without back-off; an unknown gap
  (a `ts` that is not a time, no duration) is not one;
- the rule fires when one operation under one parent has at least `QUICK_RETRIES` (2) retries without back-off.
Confidence `high` when every such retry had the inputs of the call that failed, `medium` when only the transient
error says it is the same call. Evidence: the first failed call, then each retry without back-off. Figures:
`retries` (all retries of the operation under that parent), `quick_retries`, `max_gap_ms`, `backoff_ms`,
`recovered` (1 when the last retry succeeded). The suggestion is back-off with jitter, except after a
`DETERMINISTIC` error (parameter, auth), which no pause cures: retry only transient errors, and fix the input.
Example: `fetch` fails with ConnectionError (0-50 ms), is called again at 52 ms, fails, again at 104 ms, succeeds:
2 retries 2 ms after their failures.

`rate_limit_burst` (run rule), `warning`, `critical` when the run ended failed with a rate-limit error: at least
`thresholds.rate_limit_burst` (`diagnose_rate_limit_burst`, default 3) rate-limit errors (category `rate_limit`,
`model/error_category.py`: as recorded, else from the error's type and message) within
`thresholds.burst_window_ms` (`diagnose_burst_window_ms`, default 10,000 ms) from the first to the last. An error
is placed when it arrived: a failed call's end (`ts` + `duration_ms`), an error event's `ts`. Each error is
counted once: a failed step one of whose child steps failed with the same type and message is that error on its
way out (an agent turn failing with its LLM call's error), and an error event with the type and message of the
error step just before it is a report of that error. The errors read are `RunClues.errors` (a run's first
`MAX_ERRORS`, 256). The finding shows the window holding the most errors (the earliest of equals). Confidence
`high`. Figures: `count` (errors in the window), `window_ms` (first to last of them), `total` (the run's rate-limit
errors).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Iterable, Optional

from ...thresholds import SETTINGS, Judging
from ....model.error_category import categorize
from . import AgentRule, RunFigures, RunRule
from ...records.findings import Finding
from ..notes.steps import AgentSteps, RunClues, Step
from .evidence import capped, end_us, evidence, label, ms, start_us

QUICK_RETRIES = 2  # retries without back-off of one operation under one parent before the rule fires
TRANSIENT = frozenset({"rate_limit", "timeout", "network", "dependency"})  # failures a pause may cure
DETERMINISTIC = frozenset({"parameter", "auth"})  # failures no pause cures: the advice is not to retry them
RETRIED = frozenset({"llm", "tool"})  # the components the report's retries count (`collectors/figures.CALLS`)

Retry = tuple[Step, Step, Optional[float]]  # the failed call, its retry, the gap between them in ms (None: unknown)


def category_of(step: Step) -> str:
    """A step's error category: as recorded, else sorted from its type and message (`model/error_category.py`)."""
    return step.error_category or categorize(step.error_type or "", step.error_message or "")


# -- retry_without_backoff ---------------------------------------------------------------------------------------
def retry_without_backoff(agent: AgentSteps, run: RunClues, judging: Judging) -> Iterable[Finding]:
    """Failed calls of one operation retried under one parent at least twice, each sooner than `backoff_ms`."""
    backoff = judging.thresholds.backoff_ms
    if not any(step.status == "failed" for step in agent.steps):
        return  # a retry follows a failed call
    for chain in _retry_chains(agent.steps).values():
        quick = [retry for retry in chain if retry[2] is not None and retry[2] < backoff]
        if len(quick) >= QUICK_RETRIES:
            yield _retry_finding(chain, quick, run, backoff, agent)


def _retry_chains(steps: list[Step]) -> dict[tuple[str, str, str, str], list[Retry]]:
    """(parent, component, name, kind) -> the retries of that operation under that parent, in seq order."""
    siblings: dict[str, list[Step]] = {}
    for step in steps:
        if step.kind != "error_occurred" and step.parent_id is not None:
            siblings.setdefault(step.parent_id, []).append(step)
    chains: dict[tuple[str, str, str, str], list[Retry]] = {}
    for parent, calls in siblings.items():
        for failed, retry in _retries(calls):
            key = (parent, retry.component, retry.name, retry.kind)
            chains.setdefault(key, []).append((failed, retry, _gap_ms(failed, retry)))
    return chains


def _retries(calls: list[Step]) -> Iterable[tuple[Step, Step]]:
    """Each LLM or tool call whose parent's last ended step, when it started, was a failed call of the same
    operation."""
    ended = sorted((step for step in calls if step.end_seq is not None), key=lambda step: step.end_seq or 0)
    end_seqs = [step.end_seq or 0 for step in ended]
    for call in calls:
        at = bisect_left(end_seqs, call.seq)
        if not at or call.component not in RETRIED:
            continue
        last = ended[at - 1]
        if last.status == "failed" and (last.component, last.name, last.kind) == (call.component, call.name,
                                                                                    call.kind) \
                and _same_call(last, call):
            yield last, call


def _same_call(failed: Step, retry: Step) -> bool:
    """Whether `retry` is the failed call made again (and not another call of the same operation)."""
    if failed.asked_by is not None and failed.asked_by == retry.asked_by \
            and failed.tool_call_id != retry.tool_call_id:
        return False  # two calls one answer asked for
    if failed.inputs_key is not None or retry.inputs_key is not None:
        return failed.inputs_key == retry.inputs_key
    return category_of(failed) in TRANSIENT


def _gap_ms(failed: Step, retry: Step) -> Optional[float]:
    """Milliseconds from the failed call's end to the retry's start; None when a time is unknown."""
    ended, started = end_us(failed), start_us(retry)
    if ended is None or started is None:
        return None
    return (started - ended) / 1000


def _retry_finding(chain: list[Retry], quick: list[Retry], run: RunClues, backoff: float,
                   agent: AgentSteps) -> Finding:
    first, last = chain[0][0], chain[-1][1]
    gaps = [gap for _, _, gap in quick if gap is not None]
    same_inputs = all(failed.inputs_key is not None for failed, _, _ in quick)
    category = category_of(first)
    recovered = last.status == "completed"
    past = agent.past.of(first.component, first.name)  # its calls past the agent's kept steps, which end the story
    if past is not None and (past.completed or past.failures()):
        recovered = past.last_completed > past.last_failure()
    least = "at least " if agent.dropped else ""  # retries are read in the kept steps
    items = [evidence(first, run, f"failed with {_error(first)}")]
    items += [evidence(retry, run, f"retried {ms(gap or 0.0)} after the failure ({retry.status})")
              for _, retry, gap in quick]
    outcome = "then succeeded" if recovered else "never succeeded"
    why = (f"retry_without_backoff: {least}{len(quick)} retries of {label(first)} under one parent started sooner than "
           f"{ms(backoff)} (diagnose_backoff_ms) after the failed call ended (gaps {_gaps(gaps)}); the rule fires "
           f"at {QUICK_RETRIES}; the retries {outcome}")
    return Finding("retry_without_backoff", "warning", "high" if same_inputs else "medium",
                   f"{label(first)} retried {least}{len(quick)} times with no back-off after {_error(first)}", why,
                   _retry_suggestion(first, category), capped(items), run.run_id, agent=items[0].agent,
                   setting=SETTINGS["backoff_ms"],
                   figures={"retries": float(len(chain)), "quick_retries": float(len(quick)),
                            "max_gap_ms": max(gaps), "backoff_ms": backoff, "recovered": float(recovered)})


def _retry_suggestion(first: Step, category: str) -> str:
    """Back-off for an error a pause may cure; for one it cannot (`DETERMINISTIC`), retry only what may pass."""
    if category in DETERMINISTIC:
        given = f" (it was given {first.arguments})" if first.arguments else ""
        return (f"a {category} error does not pass by retrying: retry only transient errors (tenacity's "
                f"`retry_if_exception_type`), with back-off, and fix what {label(first)} was given{given}")
    hint = " and honour the Retry-After header" if category == "rate_limit" else ""
    return (f"wait before retrying {label(first)}: exponential back-off with jitter (tenacity's "
            f"`wait_random_exponential`, or the SDK's own `max_retries`, which backs off){hint}, and stop after a "
            f"few attempts; retrying at once mostly meets the same {category} error")


def _error(step: Step) -> str:
    kind = step.error_type or "an error"
    return f"{kind}: {step.error_message}" if step.error_message else kind


def _gaps(gaps: list[float]) -> str:
    shown = ", ".join(ms(gap) for gap in gaps[:5])
    return shown + (", ..." if len(gaps) > 5 else "")


# -- rate_limit_burst --------------------------------------------------------------------------------------------
def rate_limit_burst(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """At least `rate_limit_burst` rate-limit errors within `burst_window_ms`: the densest such window."""
    thresholds = judging.thresholds
    errors = _rate_limited(run.errors)
    burst = _densest(errors, thresholds.burst_window_ms * 1000)
    if len(burst) >= thresholds.rate_limit_burst:
        yield _burst_finding(burst, len(errors), run, judging)


def _rate_limited(errors: list[Step]) -> list[tuple[int, Step]]:
    """The run's distinct rate-limit errors with when each arrived (µs), in time order."""
    timed = []
    for step in _distinct(errors):
        at = end_us(step) if step.duration_ms is not None else start_us(step)
        if at is not None and category_of(step) == "rate_limit":
            timed.append((at, step))
    return sorted(timed, key=lambda item: (item[0], item[1].seq))


def _distinct(errors: list[Step]) -> Iterable[Step]:
    """Each error once: not a step one of whose children failed with the same error (the error on its way out),
    nor an error event reporting the error of the step just before it (as `analysis/collectors/errors.py` counts)."""
    outer = {(step.parent_id, step.error_type, step.error_message) for step in errors}
    previous: Optional[Step] = None
    for step in errors:
        same = previous is not None and (previous.error_type, previous.error_message) == (step.error_type,
                                                                                          step.error_message)
        previous = step
        if (step.span_id, step.error_type, step.error_message) in outer:
            continue
        if same and step.kind == "error_occurred":
            continue
        yield step


def _densest(errors: list[tuple[int, Step]], window_us: float) -> list[tuple[int, Step]]:
    """The most errors that arrived within `window_us` of the first of them (the earliest such window)."""
    best: list[tuple[int, Step]] = []
    start = 0
    for end in range(len(errors)):
        while errors[end][0] - errors[start][0] > window_us:
            start += 1
        if end + 1 - start > len(best):
            best = errors[start:end + 1]
    return best


def _burst_finding(burst: list[tuple[int, Step]], total: int, run: RunClues, judging: Judging) -> Finding:
    thresholds = judging.thresholds
    steps = [step for _, step in burst]
    span_ms = (burst[-1][0] - burst[0][0]) / 1000
    ops = sorted({label(step) for step in steps})
    ended_so = run.status == "failed" and run.end_error_type is not None \
        and categorize(run.end_error_type, run.end_error_message or "") == "rate_limit"
    items = [evidence(step, run, f"rate limited: {_error(step)}") for step in steps]
    why = (f"rate_limit_burst: {len(steps)} rate-limit errors within {ms(span_ms)} (threshold "
           f"{thresholds.rate_limit_burst} within {ms(thresholds.burst_window_ms)}, diagnose_rate_limit_burst, "
           f"diagnose_burst_window_ms); {total} in the run" + ("; the run ended failed with one" if ended_so else ""))
    suggestion = (f"pace the calls to {', '.join(ops)}: retry with exponential back-off and jitter, honouring "
                  f"Retry-After (or let the SDK do it: `max_retries` in the OpenAI and Anthropic clients), limit "
                  f"how many run at once (an `asyncio.Semaphore` around them, the framework's concurrency setting), "
                  f"or ask the provider for a higher rate limit")
    return Finding("rate_limit_burst", "critical" if ended_so else "warning", "high",
                   f"{len(steps)} rate-limit errors in {ms(span_ms)} from {', '.join(ops)}", why, suggestion,
                   capped(items), run.run_id, agent=items[0].agent, setting=SETTINGS["rate_limit_burst"],
                   figures={"count": float(len(steps)), "window_ms": span_ms, "total": float(total)})


AGENT_RULES: list[AgentRule] = [retry_without_backoff]
RUN_RULES: list[RunRule] = [rate_limit_burst]
