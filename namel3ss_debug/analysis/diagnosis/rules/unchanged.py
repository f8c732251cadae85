"""The family `tools`'s fourth rule, `unchanged_after_error` (an agent rule): a tool call failed (a code execution
that raised, a lookup refused), the model saw the error, and the next call of that tool ran with the same arguments
and failed the same way: the model changed nothing.

The rule, per tool in one agent execution, over its calls in seq order: a call that failed, and the next call of
the same tool (by name) that also failed with the same error type, with the same inputs (`Step.inputs_key`, the
fingerprint of the whole inputs; when it was not recorded, the same `Step.arguments` text), and an LLM call
between the two that asked for the tool (or whose tool calls were not recorded): the model was shown the error and
asked again. One such pair (two failures) is enough, where `tool_failing_repeatedly` needs
`thresholds.tool_failures` (3); nothing is said for a tool that rule names in the agent (one finding a tool). A
retry no LLM call came between is the app's (`retry_without_backoff`'s), not the model's.

The finding's evidence, in seq order: the LLM call that asked for the first failing call, that call, the LLM call
that asked again, the repeat; its first item is where the blame starts. The finding's agent is the agent
execution's, as every agent rule's (`clues.py` names it after the one agent whose turns its evidence shows, when
there is one). `critical` when the agent then ended failed, else `warning`. Confidence `high` when the two errors'
messages are the same and the inputs were compared by fingerprint, else `medium` (the same error type with another
message, or arguments compared as far as they were kept, `steps.TEXT_CHARS`). Figures: `unchanged` (the pairs of
the tool in the agent: the times the model changed nothing).
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

from ...thresholds import Judging
from . import AgentRule, RunRule
from ...records.findings import Finding
from ..notes.steps import AgentSteps, RunClues, Step
from .evidence import capped, evidence
from .tools import asker_of, may_ask, tool_failing_repeatedly

Pair = tuple[Step, Step, Step]  # a failed call, the LLM call that asked again, the repeat that failed the same way


def unchanged_after_error(agent: AgentSteps, run: RunClues, judging: Judging) -> Iterable[Finding]:
    """A failed tool call run again unchanged, after the model saw its error, and failing the same way."""
    pairs = _pairs(agent.steps)
    if not pairs:
        return
    named = {item.ref.name for finding in tool_failing_repeatedly(agent, run, judging)
             for item in finding.evidence if item.ref.component == "tool"}
    for name, found in pairs.items():
        if name not in named:
            yield _unchanged(found, agent, run)


def _pairs(steps: Sequence[Step]) -> dict[str, list[Pair]]:
    """Per tool name, each failed call whose next call of the tool repeated it unchanged after an LLM call."""
    last: dict[str, Step] = {}
    pairs: dict[str, list[Pair]] = {}
    for step in steps:
        if step.component != "tool" or step.status not in ("completed", "failed"):
            continue
        before = last.get(step.name)
        last[step.name] = step
        if before is None or before.status != "failed" or step.status != "failed" or not _same(before, step):
            continue
        asker = _asker(steps, before, step)
        if asker is not None:
            pairs.setdefault(step.name, []).append((before, asker, step))
    return pairs


def _same(failed: Step, repeat: Step) -> bool:
    """Whether the repeat ran with the failed call's inputs and failed with its error type."""
    if (failed.error_type or "Error") != (repeat.error_type or "Error"):
        return False
    if failed.inputs_key is not None and repeat.inputs_key is not None:
        return failed.inputs_key == repeat.inputs_key
    return failed.arguments is not None and failed.arguments == repeat.arguments


def _asker(steps: Sequence[Step], failed: Step, repeat: Step) -> Optional[Step]:
    """The LLM call, after the failed call ended and before the repeat, that asked for the repeat (by link, else
    the last one that asked for the tool or whose asks were not recorded); None when the model did not come between."""
    ended = failed.end_seq if failed.end_seq is not None else failed.seq
    between = [step for step in steps if step.component == "llm" and ended < step.seq < repeat.seq]
    linked = next((step for step in between if step.seq == repeat.asked_by), None)
    if linked is not None:
        return linked
    asking = [step for step in between if may_ask(step, repeat.name)]
    return asking[-1] if asking else None


def _unchanged(found: list[Pair], agent: AgentSteps, run: RunClues) -> Finding:
    failed, asker, repeat = found[0]
    kind = failed.error_type or "Error"
    message = f": {failed.error_message}" if failed.error_message else ""
    exact = failed.error_message == repeat.error_message and failed.inputs_key is not None
    ended = agent.status == "failed"
    count = len(found)
    why = (f"unchanged_after_error: {repeat.address} ran {failed.name} with the same arguments as {failed.address} "
           f"({failed.arguments or 'not recorded'}) after the model saw it fail ({asker.address} came between) and "
           f"failed the same way, {kind}{message[:160]}"
           + (f"; {count} times in agent {agent.name or '(none)'}" if count > 1 else "")
           + ("; the agent then ended failed" if ended else ""))
    suggestion = (f"make the error {failed.name} returns say what to change (the line, the value, the expected "
                  f"form), put it in front of the model at {asker.address}, and tell the model in its instructions "
                  f"not to run a call that failed again unchanged; stop the agent after a repeated identical "
                  f"failure (a tool error handler that raises, or a lower `max_turns`)")
    first = asker_of(agent.steps, failed)
    notes = [*([evidence(first, run, f"asked for {failed.name}")] if first is not None else []),
             evidence(failed, run, f"failed with {kind}{message[:120]}"),
             evidence(asker, run, f"saw the error and asked for {failed.name} again with the same arguments"),
             evidence(repeat, run, f"failed the same way: {kind}{message[:120]}")]
    return Finding("unchanged_after_error", "critical" if ended else "warning", "high" if exact else "medium",
                   f"the model ran {failed.name} again unchanged after it failed with {kind}", why, suggestion,
                   capped(notes), run.run_id, agent=agent.name,
                   figures={"unchanged": float(count)})


AGENT_RULES: list[AgentRule] = [unchanged_after_error]
RUN_RULES: list[RunRule] = []
