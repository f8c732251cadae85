"""What a run's calls cost, per model, and its costliest and slowest calls (`RunClues.models`, `cost_usd`,
`costliest`, `slowest`), for the cost rules and the blame's evidence. An unknown cost is counted as unpriced, never
as $0.
"""

from __future__ import annotations

from .steps import ModelSpend, RunClues, Step


def note_spend(clues: RunClues, step: Step) -> None:
    """An LLM call ended: its model's figures, the run's cost and its costliest call."""
    model = step.model or "(no model)"
    spend = clues.models.get(model)
    if spend is None:
        spend = clues.models[model] = ModelSpend()
    spend.calls += 1
    spend.ms += step.duration_ms or 0.0
    if step.cost_usd is None:
        spend.unpriced += 1
        clues.unpriced_calls += 1
        return
    spend.cost += step.cost_usd
    clues.cost_usd = (clues.cost_usd or 0.0) + step.cost_usd
    if clues.costliest is None or step.cost_usd > (clues.costliest.cost_usd or 0.0):
        clues.costliest = step


def note_slowest(clues: RunClues, step: Step) -> None:
    """An LLM or tool call ended: the run's slowest so far."""
    if step.duration_ms is not None and (clues.slowest is None or step.duration_ms > (clues.slowest.duration_ms or 0)):
        clues.slowest = step
