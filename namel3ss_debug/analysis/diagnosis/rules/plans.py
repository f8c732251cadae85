"""The family `plans`: a step of the model's own plan that no call carried out.

`plan_step_skipped` (run rule): an LLM answer wrote a plan (a list of at least two steps under a plan's words:
`plans.plan_items`), a step of it names a tool (`plans.tools_named`: the tool's name, or its words in their order),
no call of that tool started before or after the plan, and the agent went on after it: its LLM calls after the plan
ended the run's work without the step. The finding is at the agent's last LLM call after the plan (where it stopped
without the step: the answer to correct), with the plan's address and the step in the title and why; `count` says
how many such steps the run's plans left. Only for a run that ended (a trace cut short may not hold the call yet).
`warning`; confidence `medium` when the step writes the tool's name, `low` when only its words tell.
"""

from __future__ import annotations

from typing import Iterable

from ...thresholds import Judging
from . import AgentRule, RunFigures, RunRule
from ...records.findings import Finding
from ..notes.steps import RunClues
from .evidence import evidence

QUOTE_CHARS = 160  # a step's characters quoted in the title


def plan_step_skipped(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """A step of a plan the model wrote that no call carried out."""
    if run.end_seq is None:
        return
    skipped = run.plans.skipped()
    if not skipped:
        return
    first = skipped[0]
    plan, last = first.plan.step, first.plan.last
    if last is None:  # `Plans.skipped` keeps only plans their agent went on after
        return
    step = _quoted(first.item)
    named = "names" if first.exact else "reads as"
    why = (f"plan_step_skipped: {plan.address} wrote a plan of {len(first.plan.items)} steps; step {first.number}, "
           f"{step}, {named} the tool {first.tool}, and no call of {first.tool} started before or after the plan, "
           f"though its agent went on to {last.address}; {len(skipped)} plan step(s) left so in the run")
    suggestion = (f"read {last.address}'s request: if it still held the plan, have the model check its plan before "
                  f"it answers (\"carry out every step of your plan\"); if the plan was lost, keep it in the "
                  f"prompt; or call {first.tool} in code when the plan needs it")
    item = evidence(last, run, f"went on without step {first.number} of the plan {plan.address} wrote: {step}")
    yield Finding("plan_step_skipped", "warning", "medium" if first.exact else "low",
                  f"step {first.number} of the plan {plan.address} wrote ({first.tool}) was never carried out",
                  why, suggestion, [item], run.run_id, agent=item.agent, figures={"count": float(len(skipped))})


def _quoted(text: str) -> str:
    said = " ".join(text.split())
    return repr(said if len(said) <= QUOTE_CHARS else said[:QUOTE_CHARS - 3] + "...")


AGENT_RULES: list[AgentRule] = []
RUN_RULES: list[RunRule] = [plan_step_skipped]
