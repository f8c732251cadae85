"""An app instrumented with OpenTelemetry, as a user sets it up: its OWN TracerProvider exporting to an
in-memory exporter, `openinference-instrumentation-openai` on the OpenAI client, the httpx
instrumentation too, and its own OpenInference AGENT and TOOL spans around a small tool loop.

Per question: a chat completion offering `get_weather` (the stub asks for it), the tool run in a TOOL
span, a second completion with the result (the stub answers "Echo: ..."). Two questions: four requests,
all POST /v1/chat/completions. Then one LLM span made by hand, for a model no client of ours sends to
(no request). The app prints the answers, each tool run, and how many spans its exporter received.
"""

from __future__ import annotations

import json
import os

from openai import OpenAI
from openinference.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city today.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def get_weather(city: str) -> str:
    print(f"tool get_weather ran: {city}")
    if city.lower().strip("?.") == "atlantis":
        raise LookupError(f"no weather station in {city}")
    return {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}.get(city.lower().strip("?."), "clear, 18 C")


def run_tool(tracer, call) -> str:
    arguments = json.loads(call.function.arguments)
    with tracer.start_as_current_span("get_weather", attributes={
            "openinference.span.kind": "TOOL", "tool.name": call.function.name, "tool_call.id": call.id,
            "input.value": call.function.arguments, "input.mime_type": "application/json"}) as span:
        try:
            result = get_weather(**arguments)
        except LookupError as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, str(exc)))
            return f"error: {exc}"
        span.set_attribute("output.value", result)
        return result


def ask(client: OpenAI, tracer, question: str) -> str:
    with tracer.start_as_current_span("forecaster", attributes={
            "openinference.span.kind": "AGENT", "agent.name": "forecaster", "input.value": question}) as span:
        messages = [{"role": "user", "content": question}]
        first = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
        message = first.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls or []:
            messages.append({"role": "tool", "tool_call_id": call.id, "content": run_tool(tracer, call)})
        second = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
        answer = second.choices[0].message.content or ""
        span.set_attribute("output.value", answer)
        return answer


def main() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    tracer = provider.get_tracer("weather-app")
    client = OpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], max_retries=0)
    for question in ("What is the weather in Paris?", "Is it cold in Atlantis?"):
        print(f"answer: {ask(client, tracer, question)}")
    with tracer.start_as_current_span("local-llm", attributes={
            "openinference.span.kind": "LLM", "llm.model_name": "llama-3-8b-local",
            "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "Hi",
            "llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.content": "Hello",
            "llm.token_count.prompt": 3, "llm.token_count.completion": 2}):
        pass
    provider.force_flush()
    spans = exporter.get_finished_spans()
    kinds = sorted({str(span.attributes.get("openinference.span.kind", span.kind.name)) for span in spans})
    print(f"exporter received {len(spans)} spans: {', '.join(kinds)}")


if __name__ == "__main__":
    main()
