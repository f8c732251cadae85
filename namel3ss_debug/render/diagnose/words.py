"""What the terminal and Markdown views of a diagnosis both say, as plain text from the records: where a piece
of evidence is, a finding's head line, the counts. The views neutralise it (`trace_text`, `md`): the texts of a
finding quote the trace.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from ...analysis.records.findings import SEVERITIES, Blame, BlameLink, BlameCandidate, Diagnosis, Evidence, Finding
from ..analyze.format import ViewStyle, operation

SEVERITY_TITLES = {"critical": "Critical", "warning": "Warnings", "info": "Info"}
NO_FINDINGS = "no findings"
NONE_BESIDE_BLAME = "none besides the failure blamed above"  # a failed run no rule found more in


def place(evidence: Evidence, view: ViewStyle) -> str:
    """`tool:get_weather#2  seq 14  run.jsonl:15`: the call address (or operation), where, and the line."""
    ref = evidence.ref
    parts = [evidence.address or operation(ref.component, ref.name, ref.kind), view.at(ref.run_id, ref.seq)]
    if evidence.location:
        parts.append(evidence.location)
    return "  ".join(parts)


def evidence_line(evidence: Evidence, view: ViewStyle) -> str:
    """`place`, the agent and what the piece shows, on one line."""
    agent = f"  [{evidence.agent}]" if evidence.agent else ""
    return f"{place(evidence, view)}{agent}  {evidence.note}"


def finding_head(finding: Finding) -> str:
    """`tool_failing_repeatedly (high confidence, agent weather, 2 times): get_weather failed 3 times ...`."""
    about = [f"{finding.confidence} confidence"]
    if finding.agent:
        about.append(f"agent {finding.agent}")
    if finding.occurrences > 1:
        about.append(f"{finding.occurrences} times")
    return f"{finding.kind} ({', '.join(about)}): {finding.title}"


def by_severity(findings: Sequence[Finding]) -> Iterator[tuple[str, list[Finding]]]:
    """The findings grouped by severity, most severe first, each group in the record's order."""
    for severity in reversed(SEVERITIES):
        group = [finding for finding in findings if finding.severity == severity]
        if group:
            yield severity, group


def counts_line(counts: dict[str, int]) -> str:
    """`1 critical, 2 warning, 0 info`, most severe first."""
    return ", ".join(f"{counts.get(severity, 0)} {severity}" for severity in reversed(SEVERITIES))


def link_line(number: int, link: BlameLink, view: ViewStyle) -> str:
    """`2. propagated  llm:planner#3  seq 18  run.jsonl:19  the model gave up`."""
    return f"{number}. {link.role}  {evidence_line(link.evidence, view)}"


def candidate_line(number: int, candidate: BlameCandidate, view: ViewStyle) -> str:
    """`2. tool:get_weather#1  seq 9  run.jsonl:10  [weather]  medium confidence`: a runner-up of the blame."""
    agent = f"  [{candidate.agent}]" if candidate.agent else ""
    return f"{number}. {place(candidate.step, view)}{agent}  {candidate.confidence} confidence"


def confidence_said(blame: Blame) -> str:
    """`low (path error.value_made_up)`: the level and the path whose measured figures set it."""
    return f"{blame.confidence} (path {blame.path})" if blame.path else blame.confidence


def candidate_why(candidate: BlameCandidate) -> str:
    """Why a runner-up ranks where it does, then what its rule saw."""
    return f"{candidate.ranked}: {candidate.why}"


def nothing_found(diagnosis: Diagnosis) -> str:
    """What a diagnosis with no finding says: never a bare "no findings" beside a blamed failure."""
    return NONE_BESIDE_BLAME if diagnosis.blames else NO_FINDINGS
