"""What an OpenTelemetry span means to us, read from its attributes alone (pure: no SDK, no tracer).

Two vocabularies are read: the OpenTelemetry GenAI semantic conventions (`gen_ai.operation.name`,
`gen_ai.request.model`, `gen_ai.usage.input_tokens`, `gen_ai.tool.name`...) and OpenInference's
(`openinference.span.kind`, `llm.model_name`, `llm.token_count.prompt`, `llm.input_messages.N...`,
`input.value`, `tool.name`...), plus OpenLLMetry's `traceloop.span.kind`. A span's component is decided
from its attributes once they say what it is (at its start, or later for a producer that sets them after
starting it: `integrations/otel/processor.py`); its outputs, usage, model and error when it ends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model.error_category import categorize
from ..model.error_shape import error_of_outputs

SOURCE = "opentelemetry"  # attrs.source of every span made from an OpenTelemetry span

_OPENINFERENCE = {"LLM": "llm", "EMBEDDING": "llm", "TOOL": "tool", "AGENT": "agent", "CHAIN": "chain",
                  "PROMPT": "prompt", "RETRIEVER": "custom", "RERANKER": "custom", "GUARDRAIL": "validation",
                  "EVALUATOR": "custom"}
# `create_agent` is a framework's bookkeeping (autogen-core makes one as an agent object is built): not an
# agent run, which analysis would count twice with the `invoke_agent` span, but a span of its own kind.
_GENAI = {"chat": "llm", "text_completion": "llm", "generate_content": "llm", "embeddings": "llm",
          "execute_tool": "tool", "invoke_agent": "agent", "create_agent": "custom"}
_TRACELOOP = {"workflow": "chain", "task": "chain", "agent": "agent", "tool": "tool"}
# Spans about transport, storage or messaging: the HTTP transport records requests itself, and the rest
# would bury the agent's structure. Their children go under their nearest recorded ancestor.
_PLUMBING_PREFIXES = ("http.", "url.", "db.", "rpc.", "messaging.", "net.", "server.")
_PLUMBING_KINDS = frozenset({"CLIENT", "SERVER", "PRODUCER", "CONSUMER"})
# Instrumentation of frameworks whose agents and tools a hook of ours records through the framework's
# own public hooks: their agent/tool/chain spans would be the same calls twice (their LLM spans still map).
NATIVELY_HOOKED_SCOPES = ("pydantic-ai", "pydantic_ai", "openinference.instrumentation.pydantic_ai",
                          "openinference.instrumentation.openai_agents", "openinference.instrumentation.langchain",
                          "opentelemetry.instrumentation.langchain", "openinference.instrumentation.mcp",
                          "opentelemetry.instrumentation.mcp")
# Attributes read into our inputs and outputs (or ours, `namel3ss.*`): not kept again beside them.
_CONSUMED_PREFIXES = ("llm.input_messages.", "llm.output_messages.", "gen_ai.input.messages",
                      "gen_ai.output.messages", "input.value", "output.value", "gen_ai.system_instructions",
                      "namel3ss.")
_MESSAGE = re.compile(r"llm\.(input|output)_messages\.(\d+)\.message\.(.+)")
_TOOL_CALL = re.compile(r"tool_calls\.(\d+)\.tool_call\.(id|function\.name|function\.arguments)")
_CONTENT_TEXT = re.compile(r"contents\.(\d+)\.message_content\.text")


@dataclass(frozen=True)
class Opening:
    """How an OpenTelemetry span starts as ours: None component means it is not recorded (plumbing)."""

    component: str | None
    name: str
    inputs: Any = None
    model: str | None = None
    attrs: dict[str, Any] | None = None
    tool_call_id: str | None = None


@dataclass(frozen=True)
class Ending:
    """What an OpenTelemetry span said by its end."""

    outputs: dict[str, Any] | None
    usage: dict[str, int] | None
    model: str | None
    error: dict[str, Any] | None


def component_of(attributes: Mapping[str, Any], kind: str = "INTERNAL", scope: str = "") -> str | None:
    """Our component for a span: `llm`, `tool`, `agent`, `chain`, `prompt`, `validation`, `custom`, or
    None for a span we leave out (HTTP, database, messaging; a natively hooked framework's structure)."""
    component = _declared(attributes)
    if component is None:
        if _is_plumbing(attributes, kind):
            return None
        component = "custom"
    if component != "llm" and scope.startswith(NATIVELY_HOOKED_SCOPES):
        return None
    return component


def declared(attributes: Mapping[str, Any]) -> bool:
    """Whether the attributes say what the span is (a vocabulary's kind or operation): a span started without
    them may be given them later (Strands, Google ADK set them right after starting it)."""
    return _declared(attributes) is not None


def _declared(attributes: Mapping[str, Any]) -> str | None:
    kind = attributes.get("openinference.span.kind")
    if isinstance(kind, str) and kind.upper() in _OPENINFERENCE:
        return _OPENINFERENCE[kind.upper()]
    operation = attributes.get("gen_ai.operation.name")
    if isinstance(operation, str):
        return _GENAI.get(operation, "custom")
    traceloop = attributes.get("traceloop.span.kind")
    if isinstance(traceloop, str) and traceloop in _TRACELOOP:
        return _TRACELOOP[traceloop]
    if "gen_ai.system" in attributes or "gen_ai.provider.name" in attributes or "llm.request.type" in attributes:
        return "llm"
    return None


def named_component(span_name: str) -> str | None:
    """The component a span's name says it is, by the GenAI conventions' `{operation} {target}` names
    (`invoke_agent forecaster`, `execute_tool get_weather`), for a span whose attributes come only later."""
    return _GENAI.get(span_name.split(" ", 1)[0])


def _is_plumbing(attributes: Mapping[str, Any], kind: str) -> bool:
    return kind.upper() in _PLUMBING_KINDS or any(key.startswith(_PLUMBING_PREFIXES) for key in attributes)


def opening(span_name: str, attributes: Mapping[str, Any], kind: str = "INTERNAL", scope: str = "") -> Opening:
    """The span as it starts: component, name (the tool's or agent's name where one is given), inputs."""
    component = component_of(attributes, kind, scope)
    attrs: dict[str, Any] = {"source": SOURCE}
    if scope:
        attrs["otel_scope"] = scope
    if component is None:
        return Opening(None, span_name)
    if component == "llm":
        return Opening(component, span_name, _llm_inputs(attributes), model_of(attributes), attrs)
    if component == "tool":
        name = _first_text(attributes, "gen_ai.tool.name", "tool.name", "tool_call.function.name") or span_name
        call_id = _first_text(attributes, "gen_ai.tool.call.id", "tool_call.id")
        return Opening(component, name, tool_arguments(attributes), None, attrs, call_id)
    if component == "agent":
        name = _first_text(attributes, "gen_ai.agent.name", "agent.name") or span_name
        return Opening(component, name, _value(attributes, "input"), None, attrs)
    name = _first_text(attributes, "graph.node.name") or span_name
    return Opening(component, name, _value(attributes, "input"), None, attrs)


def kept_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """A span's attributes that our fields do not already hold (`attrs.otel_attributes`), so that it can go
    out again as it came: everything but the messages and values read into inputs and outputs."""
    return {key: value for key, value in attributes.items() if not key.startswith(_CONSUMED_PREFIXES)}


def ending(component: str, attributes: Mapping[str, Any], status: str = "UNSET", description: str | None = None,
           exceptions: list[Mapping[str, Any]] | None = None) -> Ending:
    """The span as it ends: outputs, usage and model (LLM spans), error (an ERROR status)."""
    if component == "llm":
        outputs, usage, model = _llm_outputs(attributes), usage_of(attributes), model_of(attributes)
    elif component == "tool":
        result = _first_present(attributes, "gen_ai.tool.call.result", "output.value")
        outputs, usage, model = ({"return": _tool_result(decoded(result))} if result is not None else None), None, None
    else:
        value = _value(attributes, "output")
        outputs, usage, model = ({"return": value} if value is not None else None), None, None
    error = error_of(status, description, exceptions or [])
    if error is None and component == "tool":
        error = error_of_outputs(outputs)
    return Ending(outputs, usage, model, error)


def event_results(events: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """A tool span's result told by a span event rather than an attribute (the older GenAI conventions'
    `gen_ai.choice` event, whose `message` Strands sets to the tool's result), as the attribute that says it."""
    for name, attributes in events:
        if name == "gen_ai.choice" and attributes.get("message") is not None:
            return {"gen_ai.tool.call.result": attributes["message"]}
    return {}


def _tool_result(result: Any) -> Any:
    """A result given as content blocks that are all text (`[{"text": "..."}]`: Strands') is its text, as the
    app sends it to the model."""
    if isinstance(result, list) and result and all(isinstance(block, dict) and set(block) == {"text"}
                                                   and isinstance(block["text"], str) for block in result):
        return "".join(block["text"] for block in result)
    return result


def model_of(attributes: Mapping[str, Any]) -> str | None:
    return _first_text(attributes, "gen_ai.response.model", "llm.response.model_name", "gen_ai.request.model",
                       "llm.model_name", "llm.request.model_name", "embedding.model_name")


def usage_of(attributes: Mapping[str, Any]) -> dict[str, int] | None:
    """Token counts in our names (`input_tokens`, `output_tokens`, `total_tokens`), from either vocabulary."""
    found = {
        "input_tokens": _first_count(attributes, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens",
                                     "llm.token_count.prompt", "llm.usage.prompt_tokens"),
        "output_tokens": _first_count(attributes, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
                                      "llm.token_count.completion", "llm.usage.completion_tokens"),
        "total_tokens": _first_count(attributes, "llm.token_count.total", "llm.usage.total_tokens"),
        "cache_read_tokens": _first_count(attributes, "gen_ai.usage.cache_read.input_tokens",
                                          "llm.token_count.prompt_details.cache_read"),
    }
    usage = {key: count for key, count in found.items() if count is not None}
    if not usage:
        return None
    if "total_tokens" not in usage and ("input_tokens" in usage or "output_tokens" in usage):
        usage["total_tokens"] = usage.get("input_tokens", 0) + usage.get("output_tokens", 0)
    return usage


def tool_arguments(attributes: Mapping[str, Any]) -> Any:
    found = _first_present(attributes, "gen_ai.tool.call.arguments", "tool_call.function.arguments", "input.value")
    return decoded(found) if found is not None else None


def error_of(status: str, description: str | None, exceptions: list[Mapping[str, Any]]) -> dict[str, Any] | None:
    """An ERROR status as an error record, from the span's last `exception` event when it has one."""
    if status.upper() != "ERROR":
        return None
    last = exceptions[-1] if exceptions else {}
    kind = str(last.get("exception.type") or "Error")
    message = str(last.get("exception.message") or description or "")
    record = {"type": kind.rsplit(".", 1)[-1], "message": message, "category": categorize(kind, message)}
    if last.get("exception.stacktrace"):
        record["stack"] = str(last["exception.stacktrace"])
    return record


# -- messages ---------------------------------------------------------------------------------
def _llm_inputs(attributes: Mapping[str, Any]) -> Any:
    messages = _genai_messages(attributes, "gen_ai.input.messages") or _openinference_messages(attributes, "input")
    if messages:
        inputs: dict[str, Any] = {"messages": messages}
        system = attributes.get("gen_ai.system_instructions")
        if system is not None:
            inputs["system"] = decoded(system)
        return inputs
    value = _value(attributes, "input")
    return {"value": value} if value is not None else None


def _llm_outputs(attributes: Mapping[str, Any]) -> dict[str, Any] | None:
    messages = _genai_messages(attributes, "gen_ai.output.messages") or _openinference_messages(attributes, "output")
    outputs: dict[str, Any] = {}
    if messages:
        outputs["messages"] = messages
        texts = [text for text in map(_text_of, messages) if text]
        if texts:
            outputs["text"] = "\n".join(texts)
        calls = [call for message in messages for call in _tool_calls_of(message)]
        if calls:
            outputs["tool_calls"] = calls
    else:
        value = _value(attributes, "output")
        if value is not None:
            outputs["value"] = value
    reasons = attributes.get("gen_ai.response.finish_reasons")
    if reasons:
        outputs["finish_reason"] = reasons if isinstance(reasons, str) else next(iter(reasons))
    return outputs or None


def _genai_messages(attributes: Mapping[str, Any], key: str) -> list[Any] | None:
    found = decoded(attributes.get(key))
    return found if isinstance(found, list) and found else None


def _openinference_messages(attributes: Mapping[str, Any], side: str) -> list[dict[str, Any]] | None:
    """`llm.input_messages.0.message.role` and the like, as a list of messages (`role`, `content`,
    `tool_calls` [{id, name, arguments}], `tool_call_id`, `name`)."""
    messages: dict[int, dict[str, Any]] = {}
    for key, value in attributes.items():
        match = _MESSAGE.fullmatch(key)
        if match is None or match.group(1) != side:
            continue
        message = messages.setdefault(int(match.group(2)), {})
        _put_message_field(message, match.group(3), value)
    if not messages:
        return None
    result = []
    for index in sorted(messages):
        message = messages[index]
        if "tool_calls" in message:
            message["tool_calls"] = [message["tool_calls"][i] for i in sorted(message["tool_calls"])]
        if "contents" in message and "content" not in message:
            message["content"] = "".join(message["contents"][i] for i in sorted(message["contents"]))
        message.pop("contents", None)
        result.append(message)
    return result


def _put_message_field(message: dict[str, Any], rest: str, value: Any) -> None:
    if rest in ("role", "content", "name", "tool_call_id"):
        message[rest] = value
        return
    call = _TOOL_CALL.fullmatch(rest)
    if call is not None:
        calls = message.setdefault("tool_calls", {})
        field = {"id": "id", "function.name": "name", "function.arguments": "arguments"}[call.group(2)]
        calls.setdefault(int(call.group(1)), {})[field] = value
        return
    text = _CONTENT_TEXT.fullmatch(rest)
    if text is not None:
        message.setdefault("contents", {})[int(text.group(1))] = str(value)


def _text_of(message: Any) -> str | None:
    if not isinstance(message, dict) or message.get("role") not in (None, "assistant", "model"):
        return None
    if isinstance(content := message.get("content"), str):
        return content
    parts = message.get("parts")
    if isinstance(parts, list):
        texts = [str(p.get("content")) for p in parts if isinstance(p, dict) and p.get("type") == "text"]
        return "".join(texts) or None
    return None


def _tool_calls_of(message: Any) -> list[dict[str, Any]]:
    """A message's tool calls as `{id, name, arguments}`: OpenInference's, or GenAI's `tool_call` parts."""
    if not isinstance(message, dict):
        return []
    if isinstance(message.get("tool_calls"), list):
        return [call for call in message["tool_calls"] if isinstance(call, dict)]
    parts = message.get("parts")
    if not isinstance(parts, list):
        return []
    return [{"id": part.get("id"), "name": part.get("name"), "arguments": part.get("arguments")}
            for part in parts if isinstance(part, dict) and part.get("type") == "tool_call"]


# -- values -----------------------------------------------------------------------------------
def decoded(value: Any) -> Any:
    """An attribute's value as JSON-able data: JSON text decoded, a sequence as a list, else as it is."""
    if isinstance(value, tuple):
        return [decoded(item) for item in value]
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _value(attributes: Mapping[str, Any], side: str) -> Any:
    """OpenInference's `input.value` / `output.value`, JSON decoded when its mime type says JSON (or it is)."""
    value = attributes.get(f"{side}.value")
    return decoded(value) if value is not None else None


def _first_present(attributes: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        value = attributes.get(key)
        if value is not None and value != "":
            return value
    return None


def _first_text(attributes: Mapping[str, Any], *keys: str) -> str | None:
    value = _first_present(attributes, *keys)
    return str(value) if value is not None else None


def _first_count(attributes: Mapping[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = attributes.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        if isinstance(value, float) and value.is_integer() and value >= 0:
            return int(value)
    return None
