"""An app that makes its own OpenTelemetry spans with the SDK and sets their GenAI attributes only after
starting them, as Strands and Google ADK do: an agent span, in it two LLM-call spans (each wrapping an OpenAI
chat completion on STUB_URL) and the tool the first one asks for. No span name says what it is (`run`,
`model step`, `tool step`): only the attributes do, and the tool's (its name, call id, arguments and result)
are set when it is over."""

from __future__ import annotations

import json
import os

from openai import OpenAI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import use_span

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "The weather in a city.",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                          "required": ["city"]}}}]
QUESTION = "What is the weather in Paris?"

tracer = TracerProvider().get_tracer("late-producer")
client = OpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], max_retries=0)


def ask(messages: list[dict]) -> object:
    span = tracer.start_span("model step")
    span.set_attributes({"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                         "gen_ai.request.model": "gpt-4o-mini"})
    with use_span(span, end_on_exit=True):
        message = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS).choices[0].message
        span.set_attribute("gen_ai.response.id", "resp-" + os.urandom(4).hex())  # a per-run id, never compared
        return message


def run_tool(call: object) -> str:
    span = tracer.start_span("tool step")
    with use_span(span, end_on_exit=True):
        arguments = json.loads(call.function.arguments)
        result = "light rain, 14 C" if arguments["city"] == "Paris" else "clear, 18 C"
        span.set_attributes({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": call.function.name,
                             "gen_ai.tool.call.id": call.id, "gen_ai.tool.call.arguments": call.function.arguments,
                             "gen_ai.tool.call.result": result})
        return result


agent = tracer.start_span("run")
agent.set_attributes({"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "forecaster",
                      "gen_ai.agent.id": os.urandom(8).hex()})
with use_span(agent, end_on_exit=True):
    messages: list[dict] = [{"role": "user", "content": QUESTION}]
    asked = ask(messages)
    call = asked.tool_calls[0]
    messages += [asked.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": run_tool(call)}]
    print(ask(messages).content)
