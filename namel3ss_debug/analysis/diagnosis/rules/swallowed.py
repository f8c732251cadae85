"""Rules of the family `swallowed`: a failure the run did not recover from, yet its outcome is `completed`; a final
answer that gives up.

A failure is a tool or LLM call that failed, or an error event of the `tool` or `llm` component
(`RunClues.errors`). It is **recovered** when a call of the same operation (component and name) completed after it ended
(`evidence.recovered`, the rule the blame uses too):
a retry that succeeded, or the model calling the tool again with other arguments. Whether a later call completed
is read from the run's kept steps (`RunClues.opening` and `recent`); a failure older than the recent steps, in a
run whose opening and recent steps do not meet, cannot be judged and is passed over.

`swallowed_error` (run rule): the run ended `completed` (and its exit code, when recorded, is 0) while a failure
of it was not recovered. `warning`, confidence medium (the final answer may still be right; nothing redid the
failed work). One finding per failed operation. It says the run's outcome is `completed`, so a run that gave up
(its outcome `failed`: `failed_run.py`) has none: the diagnosis leaves it out there (`failed_run.consistent`),
since the failure was not swallowed but given up on, which the finding that says so names.

`apology_after_failure` (run rule): the run's final answer (`RunClues.final_text`) is a refusal or an apology
(`APOLOGIES`, English, matched lower-cased with typographic apostrophes made plain) and a call failed before it
(a tool that raised or whose result read as an error, an LLM call): the run gave up, so its outcome is `failed`
(`failed_run.GAVE_UP`), whatever its `run_end` said. `critical`; confidence high
when the answer opens with the apology (in its first `OPENING_CHARS` characters) and a failure before it was not
recovered, else medium.

`answer_gives_up` (run rule): the final answer is such a refusal or apology and nothing failed before it that
the run recorded: the run may have given up for a reason the trace does not show (an error the app kept from the
model and the trace alike, a task out of the agent's reach), or refused rightly. `warning`, confidence low.
"""

from __future__ import annotations

from typing import Iterable, Optional

from ...thresholds import Judging
from . import AgentRule, RunFigures, RunRule
from ...records.findings import Evidence, Finding
from ..notes.steps import RunClues, Step
from ..notes.provenance import marked_span
from .evidence import agent_name, capped, evidence, recovered

FAILING = frozenset({"tool", "llm"})
OPENING_CHARS = 80
# the phrases of a model giving up: apologies, "unable to", and refusals
APOLOGIES = ("i'm sorry", "i am sorry", "i apologize", "i apologise", "my apologies", "unable to", "not able to",
             "wasn't able to", "i couldn't", "i could not", "i can't help", "i cannot help", "i can't assist",
             "i cannot assist")


def apology_in(text: Optional[str]) -> Optional[int]:
    """Where the first apology or refusal phrase of `text` begins; None when it has none.

    >>> apology_in("I'm sorry, I couldn't get the weather for Paris, FR.")
    0
    """
    if not text:
        return None
    plain = text.lower().replace("\u2019", "'")
    found = [at for at in (plain.find(phrase) for phrase in APOLOGIES) if at >= 0]
    return min(found) if found else None


def unrecovered(run: RunClues, before: Optional[int] = None) -> list[Step]:
    """The run's failed tool and LLM calls (and error events) that no later call of their operation recovered,
    before seq `before` when given; those that cannot be judged (older than the kept steps) are left out."""
    kept = {step.seq: step for step in (*run.opening, *run.recent)}
    since = _kept_since(run)
    return [step for step in run.errors
            if step.component in FAILING and (before is None or step.seq < before)
            and step.seq >= since and not recovered(step, kept.values())]


def _kept_since(run: RunClues) -> int:
    """The seq from which every later step is kept: the opening's and the recent steps' meeting, else the recent's
    first."""
    if not run.recent:
        return 0
    if run.opening and run.opening[-1].seq >= run.recent[0].seq:
        return 0
    return run.recent[0].seq


def _by_operation(failures: list[Step]) -> dict[tuple[str, str], list[Step]]:
    grouped: dict[tuple[str, str], list[Step]] = {}
    for step in failures:
        grouped.setdefault((step.component, step.name), []).append(step)
    return grouped


SAID_CHARS = 120  # of an error's message in a finding's line


def error_said(step: Step) -> str:
    """`KeyError: 'Paris, FR'`: a failed step's error type and its message on one line, cut to `SAID_CHARS`
    characters with a mark (`…`), keeping the part that names the wrong value (`got 12`) when one does."""
    message = (step.error_message or "").strip().replace("\n", " ")
    return f"{step.error_type or 'an error'}{f': {cut_said(message)}' if message else ''}"


def cut_said(message: str, limit: int = SAID_CHARS) -> str:
    """`message` cut to `limit` characters with a mark; where a cut would drop the value the message marks as wrong
    (`provenance.marked_span`: Haystack's `... failed with inputs {...}: expected at most 10, got 12`), its
    opening, a mark and that part: `Component 'weather' failed with … expected at most 10, got 12`."""
    if len(message) <= limit:
        return message
    said = " ".join(message.split())
    span = marked_span(said)
    if span is None or span[1] < limit:
        return said[:limit - 1] + "…" if len(said) > limit else said
    start, end = span
    start = max(said.rfind(" ", 0, max(start - _BEFORE_CUE, 0)) + 1, min(start, end - limit // 2))
    kept = said[start:end] + ("…" if end < len(said) else "")
    head = limit - len(kept) - 3
    return f"{said[:max(head, 0)].rstrip()} … {kept}" if head > 0 else kept


_BEFORE_CUE = 24  # characters kept before the cue that marks the wrong value: `expected at most 10, got 12`


# -- swallowed_error ---------------------------------------------------------------------------------------------
def swallowed_error(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """A failure nothing recovered from, in a run whose `run_end` says completed (exit code 0)."""
    if run.status != "completed" or run.exit_code not in (None, 0):
        return
    for (component, name), failed in _by_operation(unrecovered(run)).items():
        yield _swallowed(run, component, name, failed)


def _swallowed(run: RunClues, component: str, name: str, failed: list[Step]) -> Finding:
    first = failed[0]
    why = (f"swallowed_error: {component}:{name} failed {len(failed)} time(s) ({error_said(first)}) and no later "
           f"{component}:{name} call completed, yet the run's outcome is completed: it ended completed"
           f"{' with exit code 0' if run.exit_code == 0 else ''} and did not give up")
    suggestion = (f"make the failure at {first.address} visible or recover from it: retry {name} with corrected "
                  f"input (its arguments: {(first.arguments or 'not recorded')[:120]}), or end the run failed "
                  f"(raise, a non-zero exit code) when {name} is needed for the answer; check the final answer "
                  f"does not pretend it succeeded")
    notes = [evidence(step, run, f"failed with {error_said(step)}; not called successfully again") for step in failed]
    return Finding("swallowed_error", "warning", "medium",
                   f"{component}:{name} failed and was never redone, yet the run completed", why, suggestion,
                   capped(notes), run.run_id, agent=agent_name(first, run), figures={"count": float(len(failed))})


# -- apology_after_failure, answer_gives_up -----------------------------------------------------------------------
def apology_after_failure(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """A final answer that apologises or refuses after a failure: the run gave up."""
    at = apology_in(run.final_text)
    if at is None:
        return
    failed = failures_before(run, run.final_seq)
    if failed:
        yield _apology(run, failed, at, bool(unrecovered(run, run.final_seq)))


def answer_gives_up(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """A final answer that apologises or refuses with no failure recorded before it."""
    at = apology_in(run.final_text)
    if at is None or failures_before(run, run.final_seq):
        return
    text, answered = _final_answer(run)
    why = (f"answer_gives_up: the final answer apologises or refuses ({text[at:at + 80]!r}) and no call before "
           f"it failed, so the trace does not show why")
    suggestion = ("read the final answer's request (`inspect --event` of the last LLM call): the model may have "
                  "been given an error as prose, a task out of its tools' reach, or nothing to go on; record the "
                  "tool that failed (`@trace_tool_call`) when the app keeps its error from the trace")
    yield Finding("answer_gives_up", "warning", "low", "the final answer gives up, and no failure before it was "
                  "recorded", why, suggestion, answered, run.run_id, agent=answered[0].agent if answered else None)


def failures_before(run: RunClues, before: Optional[int]) -> list[Step]:
    """The run's failed tool and LLM calls (and their error events) before seq `before`, recovered or not."""
    return [step for step in run.errors if step.component in FAILING and (before is None or step.seq < before)]


def _final_answer(run: RunClues) -> tuple[str, list[Evidence]]:
    """The run's final answer on one line, and the step that gave it as evidence (none when the pass did not keep
    it)."""
    text = (run.final_text or "").strip().replace("\n", " ")
    answer = next((step for step in reversed(run.recent) if step.seq == run.final_seq), None)
    return text, [evidence(answer, run, f"final answer: {text[:120]}")] if answer is not None else []


def _apology(run: RunClues, failed: list[Step], at: int, unrecovered_failure: bool) -> Finding:
    last = failed[-1]
    text, answered = _final_answer(run)
    redone = "" if unrecovered_failure else " (a later call of it completed, yet the answer gave up)"
    why = (f"apology_after_failure: the final answer apologises or refuses ({text[at:at + 80]!r}) after "
           f"{last.address} failed with {error_said(last)}{redone or ' and nothing redid it'}")
    suggestion = (f"fix what failed at {last.address} (its input: {(last.arguments or 'not recorded')[:120]}) or "
                  f"give the model a way past it (a retry with corrected arguments, a fallback tool); gate runs "
                  f"on it with `check --fail-on-finding apology_after_failure`")
    notes = [evidence(step, run, f"failed with {error_said(step)}") for step in failed] + answered
    sure = "high" if at < OPENING_CHARS and unrecovered_failure else "medium"
    return Finding("apology_after_failure", "critical", sure,
                   f"the run gave up: its final answer apologises after {last.address} failed", why, suggestion,
                   capped(notes), run.run_id, agent=answered[0].agent if answered else agent_name(last, run),
                   figures={"failures": float(len(failed))})


AGENT_RULES: list[AgentRule] = []
RUN_RULES: list[RunRule] = [swallowed_error, apology_after_failure, answer_gives_up]
