"""What a run's calls cost, per model, and its costliest and slowest calls (`RunClues.models`, `cost_usd`,
`costliest`, `slowest`), for the cost rules and the blame's evidence. An unknown cost is counted as unpriced, never
as $0.
"""

from __future__ import annotations

from typing import Optional

from ..notes.steps import ModelSpend, RunClues, Step


def note_spend(clues: RunClues, step: Step) -> None:
    """An LLM call ended: its model's figures, the run's cost and its costliest call."""
    if add_spend(clues, step.model, step.duration_ms, step.cost_usd):
        clues.costliest = step


def add_spend(clues: RunClues, model: Optional[str], ms: Optional[float], cost: Optional[float]) -> bool:
    """An LLM call's model, time and cost added to the run's figures; whether it is the run's costliest so far."""
    named = model or "(no model)"
    spend = clues.models.get(named)
    if spend is None:
        spend = clues.models[named] = ModelSpend()
    spend.calls += 1
    spend.ms += ms or 0.0
    if cost is None:
        spend.unpriced += 1
        clues.unpriced_calls += 1
        return False
    spend.cost += cost
    clues.cost_usd = (clues.cost_usd or 0.0) + cost
    return clues.costliest is None or cost > (clues.costliest.cost_usd or 0.0)


def note_slowest(clues: RunClues, step: Step) -> None:
    """An LLM or tool call ended: the run's slowest so far."""
    if step.duration_ms is not None and (clues.slowest is None or step.duration_ms > (clues.slowest.duration_ms or 0)):
        clues.slowest = step
