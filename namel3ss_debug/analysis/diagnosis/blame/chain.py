"""What the blame's rules share: the run's kept steps (`BlameView`), the chain being built (`Link`, `BlameVerdict`), the
findings that show a cause, and how a step, an error and a quoted text are said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from ...failed_run import GAVE_UP, OPPORTUNITIES
from ..notes import provenance
from ...records.findings import KINDS, SEVERITIES, Evidence, BlamedFailure, Finding
from ..rules.evidence import agent_name, evidence, recovered
from ..notes.steps import RunClues, Step

# findings that are not a failure's cause: those that say it gave up or went on past a failure (they show the
# failure), the opportunities
NOT_CAUSES = frozenset({*GAVE_UP, "swallowed_error", "answer_gives_up", *OPPORTUNITIES})
# what a run spends: the cause of a failed check of its figures (cost, latency), not of an error or a wrong answer
SPENDING = frozenset({"dominant_cost", "dominant_latency", "slow_tool_on_critical_path"})
USERS = frozenset({"user", "human", "user_proxy", "userproxy", "human_proxy", "humanproxy"})
NOTE_CHARS = 80  # a text quoted in an evidence note


@dataclass
class Link:
    """One link of a chain being built: its evidence, role and why."""

    evidence: Evidence
    role: str
    why: str


@dataclass
class BlameVerdict:
    """What a rule found: the chain (decisive step first), the rule's why, the path that chose the step and how
    sure that path is (`calibration.level_of`, set by `blame.blame_run` from the measured table)."""

    links: list[Link]
    why: str
    finding: Optional[str] = None
    also: list[Link] = field(default_factory=list)  # steps the rule names as runners-up, not on the chain
    path: str = ""  # the rule's path that chose the step: its figures in `measured.py` set its level
    confidence: str = "low"


class BlameView:
    """The run's steps the pass kept (opening, recent, errors), once each, in seq order."""

    def __init__(self, run: RunClues):
        self.run = run
        kept = {step.seq: step for step in (*run.opening, *run.errors, *run.recent)}
        self.steps = [kept[seq] for seq in sorted(kept)]
        self.by_seq = kept
        self.by_span = {step.span_id: step for step in self.steps if step.kind != "error_occurred"}

    def first_writer(self, term: str, keep: Callable[[Step], bool]) -> Optional[Step]:
        """The earliest step `keep` accepts whose output holds `term`: of the kept steps (the term anywhere in their
        texts), or the term's first writer of the whole run (`RunClues.writers`: the term as extracted), whichever
        came first; that one is then a step of the view."""
        kept = provenance.first_writer((step for step in self.steps if keep(step)), term)
        noted = self.run.writers.first(term)
        first = noted.first if noted is not None else None
        if first is None or not keep(first) or (kept is not None and kept.seq <= first.seq):
            return kept
        self.by_seq.setdefault(first.seq, first)
        return self.by_seq[first.seq]

    def agent(self, step: Step) -> Optional[str]:
        """The name of the agent `step` ran in; an agent turn in no agent span is its agent's (it bears its name)."""
        return agent_name(step, self.run) or (step.name if step.kind == "agent_turn" else None)

    def call_of(self, step: Step) -> Step:
        """An error reported inside a tool or LLM call (`error_occurred` under it): that call; else the step."""
        within = self.by_span.get(step.parent_id or "") if step.kind == "error_occurred" else None
        return within if within is not None and is_call(within) else step

    def party(self, step: Step) -> str:
        """Who wrote a step, for telling agents apart: the agent's name, else its span id."""
        return self.agent(step) or step.agent

    def is_user(self, step: Step) -> bool:
        return (self.agent(step) or "").casefold() in USERS

    def evidence(self, step: Step, note: str) -> Evidence:
        found = evidence(step, self.run, note)
        return found if found.agent is not None or step.kind != "agent_turn" else \
            Evidence(found.ref, note, found.address, agent=self.agent(step))

    def limit(self, failure: BlamedFailure) -> Optional[int]:
        """The last seq that can bear on `failure`: the end of the step where it shows (an expectation's final
        answer ends after its start), else its seq, else the run's end."""
        step = self.by_seq.get(failure.seq) if failure.seq is not None else None
        if step is not None and step.end_seq is not None:
            return step.end_seq
        return failure.seq if failure.seq is not None else self.run.end_seq

    def recovered(self, error: Step, limit: Optional[int]) -> bool:
        """Whether a call of the failed step's operation completed after it ended (by `limit`)."""
        return recovered(error, self.steps, limit)


def cause(findings: list[Finding], before: Optional[int], spending: bool = False) -> Optional[Finding]:
    """The finding of severity warning or critical that shows a cause (see rule 2) and begins first (before
    `before`, when given); those of what the run spends only when `spending` (a failed check)."""
    causes = [finding for finding in findings if finding.severity != "info" and finding.evidence
              and finding.kind not in NOT_CAUSES and (spending or finding.kind not in SPENDING)
              and (before is None or finding.evidence[0].ref.seq < before)]
    return min(causes, key=lambda finding: (finding.evidence[0].ref.seq, -_rank(finding),
                                            KINDS.index(finding.kind) if finding.kind in KINDS else len(KINDS)),
               default=None)


def from_finding(cause: Finding, rule: str, path: str) -> BlameVerdict:
    """`cause`'s first evidence decisive, its last on the chain."""
    first, last = cause.evidence[0], cause.evidence[-1]
    links = [Link(first, "decisive", f"the {cause.kind} finding begins here: {cause.title}")]
    if last.ref.seq != first.ref.seq:
        links.append(Link(last, "propagated", f"the {cause.kind} finding goes on to here"))
    return BlameVerdict(links, f"{rule} the {cause.kind} finding, {cause.title}, begins first "
                        f"(seq {first.ref.seq})", cause.kind, path=path)


def _rank(finding: Finding) -> int:
    return SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES else 0


def error_text(step: Step) -> str:
    kind = step.error_type or "an error"
    return f"{kind}: {step.error_message}" if step.error_message else kind


def quote(text: str) -> str:
    text = text if len(text) <= NOTE_CHARS else text[:NOTE_CHARS - 1] + "…"
    return repr(text)


def is_call(step: Step) -> bool:
    """Whether a step is a tool or LLM call (not an error reported in one)."""
    return step.component in ("tool", "llm") and step.kind != "error_occurred"
