"""An LLM request at the rerun's console, as a conversation rather than as HTTP: the messages it sends
(`user: Weather in Paris?`, `assistant: get_weather(city=Paris)`, `tool: light rain, 14 C`) and the answer
it is about to get (`assistant: It rains.`), read as the report reads a call (`otel.genai`'s messages) from
the request's body and, for the answer, the response record decoded by its API (`transport.apis`).

Lines are plain text from the trace, one line each (control characters made visible, newlines as `\\n`):
the caller puts them in a Rich `Text`, never in markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...otel.genai import input_messages, output_messages
from ...transport import apis
from ..event_text import one_line
from ..json_text import compact_json

MESSAGES_SHOWN = 12  # the latest messages a stop shows; `inputs` shows the whole request
# An LLM request is an `llm` span named after its API, or an `http` one inside an OpenTelemetry LLM span.
_REQUESTS = frozenset({"llm", "http"})


def asked_lines(component: str, name: str, inputs: Any, width: int) -> list[str] | None:
    """The request's messages, the latest `MESSAGES_SHOWN`, one line each; None when the call is no LLM request
    whose messages can be read (a decorated call, an embeddings request: its inputs are shown as JSON)."""
    if component not in _REQUESTS or apis.named(name) is None or not isinstance(inputs, Mapping):
        return None
    messages = input_messages(inputs)
    if not messages:
        return None
    lines = [message_line(message, width) for message in messages[-MESSAGES_SHOWN:]]
    if len(messages) > MESSAGES_SHOWN:
        lines.insert(0, f"({len(messages) - MESSAGES_SHOWN} earlier messages: `inputs` shows them all)")
    system = inputs.get("system") or inputs.get("instructions")  # Anthropic's, Responses': not a message
    if system:
        lines.insert(0, one_line(f"system: {_said(system)}", width))
    return lines


def answer_lines(component: str, name: str, record: Any, width: int) -> list[str] | None:
    """The answer a response record gives, as the assistant's message (text, then each tool call); None when
    the record is not an LLM API's answer (an error status, a body the API's decoder reads nothing in)."""
    api = apis.named(name) if component in _REQUESTS else None
    if api is None or not isinstance(record, Mapping) or record.get("status") != 200:
        return None
    frames = record.get("frames")
    if isinstance(frames, list):
        outputs = api.stream(frames)
    else:
        outputs = api.response(record.get("body"))
    said = output_messages(outputs, {}, outputs.get("finish_reason"))
    return [message_line(message, width) for message in said] or None


def message_line(message: Mapping[str, Any], width: int) -> str:
    """`role: text; tool(arg=value)`: a message's parts on one line."""
    parts = [_part(part) for part in message.get("parts") or () if isinstance(part, Mapping)]
    replies = [part for part in message.get("parts") or () if _is_reply(part)]
    role = "tool" if replies and len(replies) == len(parts) else str(message.get("role") or "?")
    return one_line(f"{role}: " + "; ".join(part for part in parts if part), width)


def _part(part: Mapping[str, Any]) -> str:
    kind = part.get("type")
    if kind == "tool_call":
        return f"{part.get('name')}({_arguments(part.get('arguments'))})"
    if kind == "tool_call_response":
        return _said(part.get("response"))
    return _said(part.get("content"))


def _is_reply(part: Any) -> bool:
    return isinstance(part, Mapping) and part.get("type") == "tool_call_response"


def _arguments(arguments: Any) -> str:
    """`city=Paris, days=2`: an argument's text as it is, any other value as JSON."""
    if not isinstance(arguments, Mapping):
        return _said(arguments) if arguments not in (None, "") else ""
    return ", ".join(f"{key}={_said(value)}" for key, value in arguments.items())


def _said(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(block, Mapping) and isinstance(block.get("text"), str)
                                       for block in value) and value:
        return "".join(block["text"] for block in value)  # text blocks (an Anthropic tool result's content)
    return compact_json(value)
