"""An openai-agents app with a handoff: a triage agent hands each question to a weather agent, whose
function tool `get_weather` answers it.

Each question takes three requests (POST /v1/responses) on the stub at STUB_URL (key STUB_KEY): the
triage agent asks for its one tool, `transfer_to_weather`; the weather agent, its conversation cleared
of tool calls by `remove_all_tools` and the question forwarded again, asks for `get_weather`, then
answers. The app's own tracing processor (set with `set_trace_processors`) counts what the SDK shows it;
the second question runs with `RunConfig(tracing_disabled=True)`, so the processor sees only the first.
The triage agent's input guardrail `on_topic` lets every question through. Each run of the tool's body
appends the city to the file TOOL_LOG names (else agents_tool_calls.txt in the working directory).
"""

from __future__ import annotations

import os
from collections import Counter

from agents import (
    Agent,
    GuardrailFunctionOutput,
    RunConfig,
    RunContextWrapper,
    Runner,
    TracingProcessor,
    function_tool,
    handoff,
    input_guardrail,
    set_default_openai_client,
    set_trace_processors,
)
from agents.extensions.handoff_filters import remove_all_tools
from agents.handoffs import HandoffInputData
from openai import AsyncOpenAI

# One line a run of the tool's body: the file TOOL_LOG names, else one in the working directory.
TOOL_LOG = os.environ.get("TOOL_LOG", "agents_tool_calls.txt")


@input_guardrail(run_in_parallel=False)
def on_topic(context: RunContextWrapper, agent: Agent, question: str | list) -> GuardrailFunctionOutput:
    """Lets every question through (it trips on none)."""
    return GuardrailFunctionOutput(output_info={"length": len(str(question))}, tripwire_triggered=False)


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city today."""
    with open(TOOL_LOG, "a", encoding="utf-8") as log:
        log.write(f"{city}\n")
    return {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}.get(city.lower(), "clear, 18 C")


class Counting(TracingProcessor):
    """The app's own processor: how many traces and spans of each kind the SDK showed it."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def on_trace_start(self, trace) -> None:
        self.seen["trace"] += 1

    def on_trace_end(self, trace) -> None:
        pass

    def on_span_start(self, span) -> None:
        self.seen[span.span_data.type] += 1

    def on_span_end(self, span) -> None:
        pass

    def shutdown(self) -> None:
        pass

    def force_flush(self) -> None:
        pass


def forwarded(data: HandoffInputData) -> HandoffInputData:
    """The weather agent's input: the conversation without tool calls, and the question forwarded as
    a new user message (so the stub's tool call id, made from the question, is new for this agent)."""
    data = remove_all_tools(data)
    history = data.input_history
    items = ({"role": "user", "content": history},) if isinstance(history, str) else tuple(history)
    question = next(item["content"] for item in reversed(items) if item.get("role") == "user")
    return data.clone(input_history=(*items, {"role": "user", "content": f"Forwarded by triage: {question}"}))


def main() -> None:
    counting = Counting()
    set_trace_processors([counting])
    set_default_openai_client(AsyncOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                                          max_retries=0))
    weather = Agent(name="weather", instructions="Answer with the weather.", model="gpt-4o-mini",
                    tools=[get_weather])
    triage = Agent(name="triage", instructions="Hand weather questions over.", model="gpt-4o-mini",
                   handoffs=[handoff(weather, input_filter=forwarded)], input_guardrails=[on_topic])
    for question, config in (("What is the weather in Paris?", None),
                             ("Is it cold in Oslo?", RunConfig(tracing_disabled=True))):
        result = Runner.run_sync(triage, question, run_config=config)
        for item in result.new_items:
            if item.type == "tool_call_output_item":
                print(f"{item.agent.name} got from its tool: {item.output}")
        print(f"answer from {result.last_agent.name}: {result.final_output}")
    print("app processor saw: " + ", ".join(f"{kind}={n}" for kind, n in sorted(counting.seen.items())))


if __name__ == "__main__":
    main()
