"""What rules share to build a finding: a step as evidence, the evidence capped, a step's times and labels, an
error's words and whether the run gave up.

Not a family (it exports no rules): any family may use it.
"""

from __future__ import annotations

from typing import Iterable, Optional

from ...fields import micros
from ...records.refs import Ref
from ...thresholds import MAX_EVIDENCE
from . import RunFigures
from ...records.findings import Evidence
from ..notes.steps import NO_AGENT, RunClues, Step

MIN_COST_USD = 0.001  # a tenth of a cent: a cost (or a saving) below it is not worth a finding on its own


def agent_name(step: Step, run: RunClues) -> Optional[str]:
    """The name of the agent that acted in `step`: the agent whose turn it is in (`Step.turn`), else the agent
    execution it ran in; None when it ran in none (or the agent's name is unknown)."""
    if step.turn is not None:
        return step.turn
    return run.agents.get(step.agent) if step.agent != NO_AGENT else None


def evidence(step: Step, run: RunClues, note: str) -> Evidence:
    """`step` as a piece of evidence: its event, address and agent, and what it shows (`note`, one line)."""
    ref = Ref(run.run_id, step.seq, step.span_id, step.component, step.name, step.kind)
    return Evidence(ref, note, step.address, agent=agent_name(step, run))


def capped(items: Iterable[Evidence]) -> list[Evidence]:
    """At most MAX_EVIDENCE items, in seq order: the first ones, then the last (where a run of them ends)."""
    ordered = sorted(items, key=lambda item: item.ref.seq)
    if len(ordered) <= MAX_EVIDENCE:
        return ordered
    return [*ordered[:MAX_EVIDENCE - 1], ordered[-1]]


def label(step: Step) -> str:
    """The operation of a step, `component:name`."""
    return f"{step.component}:{step.name}"


def start_us(step: Step) -> Optional[int]:
    """When a step started, in microseconds since the epoch; None when its `ts` is not a time."""
    return micros(step.ts)


def end_us(step: Step) -> Optional[int]:
    """When a step ended (its start plus its duration); None when either is unknown."""
    start = micros(step.ts)
    if start is None or step.duration_ms is None:
        return None
    return start + round(step.duration_ms * 1000)


def run_ms(run: RunClues, figures: RunFigures) -> Optional[float]:
    """The run's time: its critical path's total (start-up left out, `analysis/critical.py`), else its duration."""
    if figures.critical_path is not None and figures.critical_path.total_ms > 0:
        return figures.critical_path.total_ms
    return run.duration_ms


def ms(value: float) -> str:
    """A duration for a title or a why: `1,234 ms`, `12.5 ms`, `0.3 ms`."""
    return f"{value:,.0f} ms" if abs(value) >= 100 else f"{value:.1f} ms"


def usd(value: float) -> str:
    """A cost for a title or a why: `$1.25`, `$0.0240`, `$0.000012` (a small cost keeps its digits, never `$0.0000`)."""
    if value >= 1:
        return f"${value:,.2f}"
    if value >= 0.001 or value == 0:
        return f"${value:.4f}"
    return f"${value:.8f}".rstrip("0")


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def ended_at(step: Step) -> int:
    """The seq at which a step ended (an instant: its own)."""
    return step.end_seq if step.end_seq is not None else step.seq


def recovered(failed: Step, steps: Iterable[Step], limit: Optional[int] = None) -> bool:
    """Whether a call of the failed step's operation completed after the failed one ended (by `limit`, a seq, when
    given): the one rule by which the findings and the blame call a failure redone."""
    ended, op = ended_at(failed), (failed.component, failed.name)
    return any(step.status == "completed" and (step.component, step.name) == op and ended < ended_at(step)
               and (limit is None or ended_at(step) <= limit) for step in steps)


def error_text(kind: Optional[str], message: Optional[str]) -> str:
    """An error as the limit rules read it, "type: message"; "" for no error."""
    return f"{kind or ''}: {message or ''}" if kind or message else ""


def gave_up(run: RunClues) -> bool:
    """Whether the run ended failed or with a non-zero exit code."""
    return run.status == "failed" or run.exit_code not in (None, 0)
