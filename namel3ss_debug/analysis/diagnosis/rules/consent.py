"""The family `consent`: an instruction of the system prompt broken by a call.

`unconfirmed_action` (run rule): the run's system prompt says the user must confirm before an action (a sentence
asking for the user's confirmation, approval, consent or permission, as a requirement: `consent.instruction_in`),
and an answer asked for an action (a tool whose name's first word the sentence names, or a verb that changes the
world: `consent.ACTION_WORDS`) when the user's last message in that request said no yes (`consent.says_yes`). The
finding is at the run's first such action; `count` says how many there were. The evidence: the LLM call whose
request carried the instruction first (when another), the call whose answer asked for the action, and the tool call
that ran it when the kept steps hold it; the finding is the asking call's agent's. `warning`; confidence `medium`
when the instruction names the action (its first word), `low` when only the verb tells it is one.
"""

from __future__ import annotations

from typing import Iterable, Optional

from ...thresholds import Judging
from . import AgentRule, RunFigures, RunRule
from ..notes.consent import Unconfirmed
from ...records.findings import Finding
from ..notes.steps import RunClues, Step
from .evidence import capped, evidence


def unconfirmed_action(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """An action asked for, against the system prompt, with no yes from the user before it."""
    consent = run.consent
    if consent.rule is None or not consent.unconfirmed:
        return
    first = consent.unconfirmed[0]
    asked, told = first.asked, consent.told
    ran = _ran(run, first)
    user = f"the user's last message was {_quoted(first.user_said)}" if first.user_said else \
        "the request held no message of the user"
    why = (f"unconfirmed_action: the system prompt says {_quoted(consent.rule)}; {asked.address} asked for "
           f"{first.tool} when {user}, which says no yes"
           f"{'' if first.named else f' ({first.tool} is taken for an action by its verb)'}"
           f"; {consent.count} action(s) asked for so in the run")
    suggestion = (f"have the model list what {first.tool} will do and wait for the user's yes before it asks for it "
                  f"(or gate {first.tool} in code on a confirmation); read {asked.address}'s request to see what "
                  f"the user had said")
    items = [evidence(told, run, "its system prompt asks for the user's confirmation")] \
        if told is not None and told.seq != asked.seq else []
    items.append(evidence(asked, run, f"asked for {first.tool} with no yes from the user"
                                      f"{' (its system prompt asks for one)' if told is asked else ''}"))
    if ran is not None:
        items.append(evidence(ran, run, f"ran {first.tool}: {ran.status}"))
    shown = capped(items)
    yield Finding("unconfirmed_action", "warning", "medium" if first.named else "low",
                  f"{asked.address} asked for {first.tool} without the user's confirmation the system prompt requires",
                  why, suggestion, shown, run.run_id, agent=shown[-2 if ran is not None else -1].agent,
                  figures={"count": float(consent.count)})


def _ran(run: RunClues, unconfirmed: Unconfirmed) -> Optional[Step]:
    """The tool call that ran the action, when the kept steps hold it."""
    return next((step for step in (*run.opening, *run.recent) if step.component == "tool"
                 and step.name == unconfirmed.tool and step.asked_by == unconfirmed.asked.seq), None)


def _quoted(text: Optional[str]) -> str:
    said = " ".join((text or "").split())
    return repr(said if len(said) <= 240 else said[:237] + "...")


AGENT_RULES: list[AgentRule] = []
RUN_RULES: list[RunRule] = [unconfirmed_action]
