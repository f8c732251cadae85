"""The family `swallowed`'s fourth rule, `success_claimed_after_failure` (an agent rule): a step said the work was
checked and passed ("all tests pass", "the code ran successfully", "I have verified that ...") while a tool call
before it had failed and nothing had redone it: it accepted a result the run's own evidence contradicts. A task
said done ("successfully completed") is no such claim: it says nothing was checked.

The rule, over one agent execution's steps in seq order: a tool call that failed is **pending** until a later call
of the same tool (by name) completes. An LLM answer's text, or an agent turn's output, that claims success
(`claim_in`: `CLAIMS`, English, lower-cased, typographic apostrophes made plain; not where its sentence says it
conditionally or as a plan before the claim: "if", "once", "until", "will", "should", "to verify", "let me",
"not" and the like, `HEDGES`) while a failed call is pending, the failure having ended before the claim began, is
the finding. One finding an agent execution, at its first such claim.

The finding's evidence, in seq order: the pending failures (at most the last 3), then the claim; the blame's rule 2
starts at the first failure. Its agent is the claim's (the turn's agent in a conversation under a system span),
else the agent execution's. `warning`; confidence `high` when no call of the failed tool completed in the agent
after the claim either (nothing ever redid it), else `medium`.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional, Sequence

from ...thresholds import Judging
from . import AgentRule, RunRule
from ...records.findings import Finding
from ..notes.steps import AgentSteps, RunClues, Step
from .evidence import capped, ended_at, evidence
from .swallowed import error_said

CLAIMS = re.compile(
    r"\b(?:(?:all (?:the |of the )?)?tests? (?:now |all |have |has )?(?:pass(?:es|ed)?|succeed(?:s|ed)?)"
    r"|(?:ran|runs|run|executed|executes|works|worked|passed) (?:successfully|correctly|as expected"
    r"|without (?:any )?errors?)"
    r"|(?:has|have) been (?:verified|tested|confirmed)"
    r"|i (?:have )?(?:verified|confirmed|tested) (?:that|it|the)"
    r"|successfully (?:verified|tested|executed|ran|run))\b")
HEDGES = re.compile(r"\b(?:if|once|until|unless|whether|when|will|would|should|must|need|needs|to verify|to check"
                    r"|to ensure|make sure|verify that|check that|let me|let's|not|never|no longer|fail|failed"
                    r"|fails)\b|n't\b")
SENTENCE = re.compile(r"[.!?\n]\s")
SHOWN_FAILURES = 3  # pending failures named in the evidence


def claim_in(text: Optional[str]) -> Optional[str]:
    """The claim of success `text` makes, as written lower-cased; None when it makes none (or only hedged).

    >>> claim_in("I fixed the bug. All tests pass now.")
    'all tests pass'
    >>> claim_in("I will check that the tests pass.") is None
    True
    """
    if not text:
        return None
    plain = text.lower().replace("\u2019", "'")
    for found in CLAIMS.finditer(plain):
        sentence = plain[_sentence_start(plain, found.start()):found.start()]
        if not HEDGES.search(sentence):
            return found[0]
    return None


def _sentence_start(text: str, at: int) -> int:
    starts = [found.end() for found in SENTENCE.finditer(text, 0, at)]
    return starts[-1] if starts else 0


def success_claimed_after_failure(agent: AgentSteps, run: RunClues, judging: Judging) -> Iterable[Finding]:
    """A claim of success while a failed tool call was pending: nothing had redone it."""
    pending: dict[str, list[Step]] = {}
    for step in agent.steps:
        if step.component == "tool" and step.status == "failed":
            pending.setdefault(step.name, []).append(step)
        elif step.component == "tool" and step.status == "completed":
            pending.pop(step.name, None)
        elif step.component in ("llm", "agent") and pending and (claim := claim_in(step.text)) is not None:
            failed = [failure for failures in pending.values() for failure in failures
                      if ended_at(failure) < step.seq]
            if failed:
                yield _claimed(agent, run, step, claim, sorted(failed, key=lambda failure: failure.seq))
                return


def _claimed(agent: AgentSteps, run: RunClues, claim: Step, said: str, failed: Sequence[Step]) -> Finding:
    last = failed[-1]
    redone = any(step.component == "tool" and step.status == "completed" and step.seq > claim.seq
                 and step.name in {failure.name for failure in failed} for step in agent.steps)
    why = (f"success_claimed_after_failure: {claim.address} says {said!r} while {last.address} had failed "
           f"({error_said(last)}) and no later call of {last.name} had completed"
           f"{'; a later one completed after the claim' if redone else '; none ever did'}")
    suggestion = (f"make the model check before it claims: give it {last.name}'s error as a failure it must answer "
                  f"(not as prose it may ignore), run the check again after a fix, and gate the claim on a "
                  f"completed {last.name} call; read {claim.address}'s request to see what it was shown")
    notes = [evidence(step, run, f"failed with {step.error_type or 'an error'}; not redone before the claim")
             for step in failed[-SHOWN_FAILURES:]]
    claimed = evidence(claim, run, f"claims {said!r}")
    return Finding("success_claimed_after_failure", "warning", "medium" if redone else "high",
                   f"{claim.address} claims success while {last.address} had failed", why, suggestion,
                   capped([*notes, claimed]), run.run_id, agent=claimed.agent or agent.name,
                   figures={"pending": float(len(failed))})


AGENT_RULES: list[AgentRule] = [success_claimed_after_failure]
RUN_RULES: list[RunRule] = []
