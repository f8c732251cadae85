"""The OpenTelemetry GenAI semantic-convention attributes of one of our spans (pure).

LLM spans: `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.response.model`,
`gen_ai.usage.input_tokens` / `output_tokens`, `gen_ai.input.messages` / `gen_ai.output.messages` (JSON text,
messages of `parts` as the conventions define them), `gen_ai.system_instructions`, finish reasons, response id.
Tool spans: `execute_tool`, `gen_ai.tool.name`, `gen_ai.tool.call.id`, arguments and result. Agent spans:
`invoke_agent`, `gen_ai.agent.name`. A span is named as the conventions say: `chat gpt-4o`, `execute_tool search`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model.deep import json_text
from .attributes import decoded

# `attrs.api` of the HTTP capture (`openai.embeddings`, `gemini.generate_content`...) -> the operation.
_OPERATIONS = (("embed", "embeddings"), ("openai.completions", "text_completion"),
               ("generate", "generate_content"))
# Model name prefixes -> the conventions' provider names, when the recording does not name the provider.
_PROVIDERS = (("gpt-", "openai"), ("o1", "openai"), ("o3", "openai"), ("o4", "openai"), ("text-embedding", "openai"),
              ("claude", "anthropic"), ("gemini", "gcp.gemini"), ("mistral", "mistral_ai"), ("command", "cohere"))
_PROVIDER_NAMES = {"openai-compatible": "openai", "google": "gcp.gemini", "gemini": "gcp.gemini"}
UNKNOWN_PROVIDER = "unknown"


def span_name(start: Mapping[str, Any], end: Mapping[str, Any] | None = None) -> str:
    """An LLM call by the name its user gave it (`planner`), or, named after its API by the HTTP capture,
    `chat MODEL` (the model asked for, else the one that answered); `execute_tool NAME`, `invoke_agent NAME`;
    the run by its name; others `component NAME`."""
    component, name = str(start.get("component") or "custom"), str(start.get("name") or "")
    if component == "llm":
        if name and name != _attrs(start).get("api"):
            return name
        operation, model = operation_of(start), request_model(start, end)
        return f"{operation} {model}" if model else operation
    if component == "tool":
        return f"execute_tool {name}"
    if component == "agent" and start.get("event_type") != "agent_turn_start":
        return f"invoke_agent {name}"
    if start.get("event_type") == "run_start":
        return name or "run"
    event_type = str(start.get("event_type") or "")
    if event_type in ("agent_turn_start", "chain_step_start"):
        component = event_type[: -len("_start")]
    return f"{component} {name}".strip()


# Our components as OpenInference span kinds (`openinference.span.kind`), which Phoenix and Arize show.
_OPENINFERENCE_KINDS = {"llm": "LLM", "tool": "TOOL", "agent": "AGENT", "chain": "CHAIN", "prompt": "PROMPT",
                        "validation": "GUARDRAIL", "app": "CHAIN"}


def genai_attributes(start: Mapping[str, Any], end: Mapping[str, Any]) -> dict[str, Any]:
    """The conventions' attributes of a span, with its OpenInference kind and, for a span that is not an LLM
    call, its inputs and outputs as `input.value` / `output.value` (JSON), which Phoenix shows."""
    component = str(start.get("component") or "")
    if component == "llm":  # its messages when it has them; else what it was given and returned, as values
        found = _llm(start, end)
        kind = "EMBEDDING" if found["gen_ai.operation.name"] == "embeddings" else "LLM"
        values = {key: value for key, value in _values(start, end).items()
                  if ("gen_ai.input.messages" if key.startswith("input.") else "gen_ai.output.messages") not in found}
        return {**found, **values, "openinference.span.kind": kind}
    found = _tool(start, end) if component == "tool" else {}
    if component == "agent" and start.get("event_type") != "agent_turn_start":
        found = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": str(start.get("name") or "")}
    if component in _OPENINFERENCE_KINDS:
        found["openinference.span.kind"] = _OPENINFERENCE_KINDS[component]
    return {**found, **_values(start, end)}


def _values(start: Mapping[str, Any], end: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    inputs = start.get("inputs") if start.get("inputs") is not None else end.get("inputs")
    if inputs is not None:
        found.update({"input.value": json_text(inputs), "input.mime_type": "application/json"})
    outputs = end.get("outputs")
    if isinstance(outputs, Mapping) and set(outputs) == {"return"}:
        outputs = outputs["return"]
    if outputs is not None:
        found.update({"output.value": json_text(outputs), "output.mime_type": "application/json"})
    return found


def operation_of(start: Mapping[str, Any]) -> str:
    api = _attrs(start).get("api")
    if isinstance(api, str):
        for marker, operation in _OPERATIONS:
            if marker in api:
                return operation
    return "chat"


def request_model(start: Mapping[str, Any], end: Mapping[str, Any] | None = None) -> str | None:
    """The model asked for: the start's (its `model`, or `inputs.model`), else, for a call whose model is
    known only when it ends (a decorated call, an OpenTelemetry span), the end's."""
    for event in (start, end or {}):
        inputs = event.get("inputs")
        model = event.get("model") or (inputs.get("model") if isinstance(inputs, Mapping) else None)
        if model:
            return str(model)
    model = _returned(end or {}).get("model")
    return str(model) if model else None


def provider_of(start: Mapping[str, Any], model: str | None) -> str:
    attrs = _attrs(start)
    named = attrs.get("provider") or attrs.get("system") or attrs.get("gen_ai.provider.name")
    if isinstance(named, str) and named:
        return _PROVIDER_NAMES.get(named, named)
    lowered = (model or "").lower()
    for prefix, provider in _PROVIDERS:
        if lowered.startswith(prefix):
            return provider
    return UNKNOWN_PROVIDER


def _llm(start: Mapping[str, Any], end: Mapping[str, Any]) -> dict[str, Any]:
    model = request_model(start, end)
    response_model = end.get("model") or _returned(end).get("model") or model
    found: dict[str, Any] = {"gen_ai.operation.name": operation_of(start),
                             "gen_ai.provider.name": provider_of(start, model or response_model)}
    if model:
        found["gen_ai.request.model"] = model
    if response_model:
        found["gen_ai.response.model"] = str(response_model)
    inputs = _inputs(start, end)
    for key, name in (("temperature", "temperature"), ("max_tokens", "max_tokens"), ("top_p", "top_p")):
        if isinstance(inputs.get(key), (int, float)) and not isinstance(inputs.get(key), bool):
            found[f"gen_ai.request.{name}"] = inputs[key]
    usage = _mapping_at(end, "usage")
    for ours, theirs in (("input_tokens", "gen_ai.usage.input_tokens"), ("output_tokens", "gen_ai.usage.output_tokens"),
                         ("cache_read_tokens", "gen_ai.usage.cache_read.input_tokens")):
        if isinstance(usage.get(ours), int) and not isinstance(usage.get(ours), bool):
            found[theirs] = usage[ours]
    talk = conversation(start, end)
    if talk["input"]:
        found["gen_ai.input.messages"] = json_text(talk["input"])
    if talk["system"]:
        found["gen_ai.system_instructions"] = json_text(talk["system"])
    outputs = _mapping_at(end, "outputs")
    reason = outputs.get("finish_reason") or _returned(end).get("finish_reason")
    if isinstance(reason, str):
        found["gen_ai.response.finish_reasons"] = [reason]
    if talk["output"]:
        found["gen_ai.output.messages"] = json_text(talk["output"])
    if isinstance(outputs.get("id"), str):
        found["gen_ai.response.id"] = outputs["id"]
    return found


def _tool(start: Mapping[str, Any], end: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": str(start.get("name") or ""),
                             "gen_ai.tool.type": "function"}
    call_id = _attrs(start).get("tool_call_id") or _attrs(end).get("tool_call_id")
    if call_id:
        found["gen_ai.tool.call.id"] = str(call_id)
    if start.get("inputs") is not None:
        found["gen_ai.tool.call.arguments"] = json_text(start["inputs"])
    outputs = end.get("outputs")
    if isinstance(outputs, Mapping) and "return" in outputs:
        found["gen_ai.tool.call.result"] = json_text(outputs["return"])
    return found


# -- messages ------------------------------------------------------------------------------------
def conversation(start: Mapping[str, Any], end: Mapping[str, Any]) -> dict[str, Any]:
    """An LLM call's messages in the conventions' form: `system` (parts, or None), `input` and `output`
    (messages of `role` and `parts`; empty when none was recorded)."""
    inputs = _inputs(start, end)
    outputs = _mapping_at(end, "outputs")
    reason = outputs.get("finish_reason") or _returned(end).get("finish_reason")
    return {"system": _parts(inputs["system"]) if inputs.get("system") else None,
            "input": input_messages(inputs) or [],
            "output": output_messages(outputs, _returned(end), reason)}


def input_messages(inputs: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The request's messages in the conventions' form (`role`, `parts`), from a chat `messages` list
    (OpenAI's, Anthropic's), a Responses `input` (a text or items), Gemini's `contents`, or a plain `prompt`."""
    messages = inputs.get("messages")
    if isinstance(messages, list) and messages:
        return [_message(message) for message in messages if isinstance(message, Mapping)]
    for key, read in (("input", _response_item), ("contents", _gemini_content)):
        given = inputs.get(key)
        if isinstance(given, list) and given:
            return [read(item) for item in given if isinstance(item, Mapping)]
    for key in ("input", "prompt"):
        if isinstance(inputs.get(key), str):
            return [{"role": "user", "parts": [{"type": "text", "content": inputs[key]}]}]
    return None


def _message(message: Mapping[str, Any]) -> dict[str, Any]:
    role = str(message.get("role") or "user")
    parts = _parts(message.get("content"))
    for call in message.get("tool_calls") or ():
        if isinstance(call, Mapping):
            given = call.get("function")
            function = given if isinstance(given, Mapping) else call
            parts.append({"type": "tool_call", "id": call.get("id"), "name": function.get("name"),
                          "arguments": decoded(function.get("arguments"))})
    if role == "tool":
        return {"role": "tool", "parts": [{"type": "tool_call_response", "id": message.get("tool_call_id"),
                                           "response": message.get("content")}]}
    return {"role": role, "parts": parts}


def _response_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A Responses input item: a message, a `function_call` the model made, or its `function_call_output`."""
    if item.get("type") == "function_call":
        call = _call_part(item.get("call_id"), item.get("name"), item.get("arguments"))
        return {"role": "assistant", "parts": [call]}
    if item.get("type") == "function_call_output":
        return {"role": "tool", "parts": [{"type": "tool_call_response", "id": item.get("call_id"),
                                           "response": item.get("output")}]}
    return _message(item)


def _gemini_content(content: Mapping[str, Any]) -> dict[str, Any]:
    """A Gemini content: `model` is the assistant; its parts are texts, `functionCall`s and `functionResponse`s."""
    parts: list[dict[str, Any]] = []
    for part in content.get("parts") or ():
        if not isinstance(part, Mapping):
            continue
        call, reply = _mapping_at(part, "functionCall"), _mapping_at(part, "functionResponse")
        if isinstance(part.get("text"), str):
            parts.append({"type": "text", "content": part["text"]})
        elif call:
            parts.append(_call_part(call.get("id"), call.get("name"), call.get("args")))
        elif reply:
            parts.append({"type": "tool_call_response", "id": reply.get("id"), "response": reply.get("response")})
    role = str(content.get("role") or "user")
    replies = bool(parts) and all(part["type"] == "tool_call_response" for part in parts)
    return {"role": "tool" if replies else "assistant" if role == "model" else role, "parts": parts}


def _call_part(call_id: Any, name: Any, arguments: Any) -> dict[str, Any]:
    return {"type": "tool_call", "id": call_id, "name": name, "arguments": decoded(arguments)}


def _parts(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, Mapping) and isinstance(block.get("text"), str):
                parts.append({"type": "text", "content": block["text"]})
            elif isinstance(block, Mapping) and block.get("type") == "tool_use":  # Anthropic's call and result
                parts.append(_call_part(block.get("id"), block.get("name"), block.get("input")))
            elif isinstance(block, Mapping) and block.get("type") == "tool_result":
                parts.append({"type": "tool_call_response", "id": block.get("tool_use_id"),
                              "response": block.get("content")})
            elif isinstance(block, str):
                parts.append({"type": "text", "content": block})
            else:
                parts.append({"type": str(block.get("type", "data")) if isinstance(block, Mapping) else "data",
                              "content": block})
        return parts
    return [{"type": "text", "content": json_text(content)}]


def output_messages(outputs: Mapping[str, Any], returned: Mapping[str, Any], reason: Any) -> list[dict[str, Any]]:
    text = outputs.get("text") if isinstance(outputs.get("text"), str) else returned.get("text")
    calls = outputs.get("tool_calls") or returned.get("tool_calls") or ()
    parts: list[dict[str, Any]] = [{"type": "text", "content": text}] if isinstance(text, str) else []
    for call in calls if isinstance(calls, list) else ():
        if isinstance(call, Mapping):
            parts.append({"type": "tool_call", "id": call.get("id"), "name": call.get("name"),
                          "arguments": decoded(call.get("arguments"))})
    if not parts:
        return []
    return [{"role": "assistant", "parts": parts, "finish_reason": reason if isinstance(reason, str) else "stop"}]


def _inputs(start: Mapping[str, Any], end: Mapping[str, Any]) -> Mapping[str, Any]:
    """An LLM call's request: the first of its start's and its end's inputs that holds messages (an
    instrumentation may set them after the span started), else the first given."""
    given = [event["inputs"] for event in (start, end) if isinstance(event.get("inputs"), Mapping) and event["inputs"]]
    return next((inputs for inputs in given if input_messages(inputs)), given[0] if given else {})


def _returned(end: Mapping[str, Any]) -> Mapping[str, Any]:
    """`outputs.return` when it is an object (a decorated call's return value)."""
    outputs = end.get("outputs")
    value = outputs.get("return") if isinstance(outputs, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def _attrs(event: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping_at(event, "attrs")


def _mapping_at(event: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """`event[key]` when it is an object, else an empty one."""
    value = event.get(key)
    return value if isinstance(value, Mapping) else {}
