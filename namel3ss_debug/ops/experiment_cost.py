"""What a try of `diagnose --experiment` cost: the model calls it sent live, priced as `analyze` prices them
(`analysis/prices.py`: `--prices FILE`, `price_overrides`, then genai-prices); and what the recording says each fork
point's calls cost, to keep a try within `--max-cost` before it starts. A call of a model no source prices has no
cost: the sum it is part of is None, never a smaller number.
"""

from __future__ import annotations

from dataclasses import dataclass
from ..analysis.prices import Pricer
from ..judging.experiment import ForkPoint
from ..judging.outcome import Outcome
from ..model.json_types import JsonObject
from ..recording.calls import Recording
from ..recording.timeline import Timeline

LIVE = "live"  # `attrs.replay` of a call the rerun sent for real (`rerun/answers.mark`)


@dataclass(frozen=True)
class TryCost:
    """One try: its new run, its outcome (None: stopped before it ended, and why), what its live calls cost."""

    run_id: str | None
    outcome: Outcome | None
    stopped: str | None
    cost: float | None  # None: a live call's model has no price
    budget_spent: bool = False


def live_cost(timeline: Timeline, pricer: Pricer) -> float | None:
    """The cost of the calls a new run sent live; None when one of them is not priced."""
    total = 0.0
    for index in range(len(timeline)):
        if timeline.component(index) != "llm" or not timeline.event_type(index).endswith("_end"):
            continue
        event = timeline.event(index)
        attrs = event.get("attrs")
        if isinstance(attrs, dict) and attrs.get("replay") == LIVE:
            cost = _priced(event, pricer)
            if cost is None:
                return None
            total += cost
    return total


def recorded_costs(recording: Recording, points: list[ForkPoint], pricer: Pricer) -> list[float | None]:
    """Each fork point's call's recorded cost, by point (None: not priced, or no end recorded)."""
    by_key = {call.key: call for call in recording.calls}
    costs: list[float | None] = []
    for point in points:
        call = by_key.get(point.call)
        end = recording.result(call) if call is not None else None
        costs.append(_priced(end, pricer) if end is not None else None)
    return costs


def _priced(event: JsonObject, pricer: Pricer) -> float | None:
    model, usage = event.get("model"), event.get("usage")
    if not isinstance(model, str) or not isinstance(usage, dict):
        return None
    tokens_in, tokens_out = usage.get("input_tokens"), usage.get("output_tokens")
    if not isinstance(tokens_in, int) or not isinstance(tokens_out, int):
        return None
    return pricer.price(model, tokens_in, tokens_out)[0]
