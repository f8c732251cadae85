"""Write an OTLP/JSON file as an OpenTelemetry SDK app instrumented with a GenAI instrumentor makes it.

The app: its own TracerProvider, `openinference-instrumentation-openai` and the httpx instrumentation,
an OpenInference AGENT span around two chat completions and a TOOL span, against the stub OpenAI server
of examples/llm_stub_server.py on 127.0.0.1 (the stub asks for the tool, then echoes). The finished spans
are encoded by the SDK's own OTLP encoder and written with protobuf's `json_format`, one
`ExportTraceServiceRequest` per line (per batch), as an OTLP/JSON file exporter does.

    python tests/data/otlp/make_openinference_sample.py OUT.jsonl

Needs: opentelemetry-sdk, opentelemetry-exporter-otlp-proto-common, opentelemetry-proto,
openinference-instrumentation-openai, opentelemetry-instrumentation-httpx, openai.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from google.protobuf import json_format
from openai import OpenAI
from openinference.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

ROOT = Path(__file__).resolve().parents[3]
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city today.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def stub_server():
    spec = importlib.util.spec_from_file_location("llm_stub_server", ROOT / "examples" / "llm_stub_server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.StubServer(api_key="sk-sample").start()


def ask(client: OpenAI, tracer, question: str) -> str:
    with tracer.start_as_current_span("forecaster", attributes={
            "openinference.span.kind": "AGENT", "agent.name": "forecaster", "input.value": question}) as span:
        messages = [{"role": "user", "content": question}]
        first = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
        message = first.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls or []:
            city = json.loads(call.function.arguments)["city"]
            with tracer.start_as_current_span("get_weather", attributes={
                    "openinference.span.kind": "TOOL", "tool.name": call.function.name, "tool_call.id": call.id,
                    "input.value": call.function.arguments}) as tool:
                if "atlantis" in city.lower():
                    error = LookupError(f"no weather station in {city}")
                    tool.record_exception(error)
                    tool.set_status(Status(StatusCode.ERROR, str(error)))
                    result = f"error: {error}"
                else:
                    result = "light rain, 14 C"
                    tool.set_attribute("output.value", result)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
        second = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
        answer = second.choices[0].message.content or ""
        span.set_attribute("output.value", answer)
        return answer


def main(out: str) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "weather-app"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    tracer = provider.get_tracer("weather-app")
    server = stub_server()
    try:
        client = OpenAI(base_url=server.openai_url, api_key="sk-sample", max_retries=0)
        for question in ("What is the weather in Paris?", "Is it cold in Atlantis?"):
            ask(client, tracer, question)
    finally:
        server.stop()
    provider.force_flush()
    spans = exporter.get_finished_spans()
    with open(out, "w", encoding="utf-8") as handle:
        for batch in (spans[: len(spans) // 2], spans[len(spans) // 2:]):  # two batches, two lines
            request = encode_spans(batch)
            handle.write(json.dumps(json.loads(json_format.MessageToJson(request)), separators=(",", ":")) + "\n")
    print(f"wrote {len(spans)} spans to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
