"""The llm section's figures: each model's calls, tokens and costs, from LLM spans only (a chain or an agent may
record its calls' usage again as a total)."""

from __future__ import annotations

from ...store.records import EventRecord
from ..run_state import RunState
from .anomalies import AnomaliesCollector
from .figures import SEQ_BITS, ModelUse


class UsageCollector:
    """Per model: calls, tokens, the costs recorded on the events, the tokens still to be priced, and the calls
    nothing can price."""

    def __init__(self, anomalies: AnomaliesCollector | None):
        self.models: dict[str, ModelUse] = {}
        self.anomalies = anomalies  # told each prompt's size, for calls near their context limit; None: not kept

    def ended(self, run: RunState, event: EventRecord, start_model: str | None) -> None:
        """An LLM span ended; a model named at its start counts when its end names none."""
        run.llm_calls += 1
        model = event.model or start_model or "(no model)"
        use = self.models.get(model)
        if use is None:
            use = self.models[model] = ModelUse()
        usage = event.usage
        tokens_in = (usage.input_tokens or 0) if usage is not None else 0
        tokens_out = (usage.output_tokens or 0) if usage is not None else 0
        use.calls += 1
        use.input_tokens += tokens_in
        use.output_tokens += tokens_out
        use.total_tokens += usage.total if usage is not None else 0
        if event.cost_usd is not None:
            use.event_costs.append(event.cost_usd)
            use.event_priced += 1
        elif usage is None or (usage.input_tokens is None and usage.output_tokens is None):
            use.no_usage += 1  # a recorded 0 is a usage; a missing one is not
            use.no_answer += event.status != "completed"
        else:
            use.open_input += tokens_in
            use.open_output += tokens_out
            use.open_calls += 1
        if tokens_in > use.max_input:
            use.max_input = tokens_in
        if tokens_in and self.anomalies is not None:
            self.anomalies.prompt(event, model, tokens_in, run.index << SEQ_BITS | event.seq)

    def merge(self, part: UsageCollector) -> None:
        """`part`'s use of each model added to this one's, each model where one pass meets it first."""
        for model, use in part.models.items():
            mine = self.models.get(model)
            if mine is None:
                self.models[model] = use
                continue
            _added(mine, use)


def _added(into: ModelUse, part: ModelUse) -> None:
    into.calls += part.calls
    into.input_tokens += part.input_tokens
    into.output_tokens += part.output_tokens
    into.total_tokens += part.total_tokens
    into.event_costs.extend(part.event_costs)
    into.event_priced += part.event_priced
    into.open_input += part.open_input
    into.open_output += part.open_output
    into.open_calls += part.open_calls
    into.max_input = max(into.max_input, part.max_input)
    into.no_usage += part.no_usage
    into.no_answer += part.no_answer
