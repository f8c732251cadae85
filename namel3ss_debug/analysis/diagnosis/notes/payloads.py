"""What the diagnosis reads inside a call's `inputs` and `outputs` (raw JSON, decoded only when a rule needs it):
the tools an LLM request offered and their JSON schemas, the texts of its messages, the answer's text, finish
reason and the tool calls it asked for, a tool's arguments and result as text.

Requests are read by shape, so a wire span (the request body as sent) and a decorated one that passes the same
body read alike: OpenAI chat `tools[].function` (and the legacy `functions[]`), Responses `tools[]`, Anthropic
`tools[].input_schema`, Gemini `tools[].functionDeclarations`. Answers are read as the transport records them
(`transport/apis`: `{"text", "tool_calls": [{"id", "name", "arguments"}], "finish_reason"}`), or under a decorated
function's `return`. Odd shapes read as nothing; nothing here raises.

>>> tools_in({"tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]})
{'get_weather': {}}
>>> answer_of(b'{"tool_calls": [{"id": "call_1", "name": "get_weather", "arguments": "{}"}]}').asks[0].name
'get_weather'
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional, Union

import msgspec

from ....transport.apis.values import field, items, text
from . import products
from .steps import TEXT_CHARS, ToolAsk

TOOL_MARKS = (b'"tools"', b'"functions"')  # a request that may offer tools has one of these
ASK_MARKS = (b'"tool_calls"', b'"function_call"')  # an answer that may ask for tools has one of these
TRUNCATED = "...[truncated, "  # the tracer's mark of a text or list cut to `max_payload_size` (tracer/truncate.py)
_ENCODER = msgspec.json.Encoder(order="sorted")


class LlmAnswer(NamedTuple):
    """What an LLM call's outputs say: its text, finish reason and the tool calls it asked for."""

    text: Optional[str]
    finish_reason: Optional[str]
    asks: tuple[ToolAsk, ...]


NO_ANSWER = LlmAnswer(None, None, ())


def decoded(raw: bytes | memoryview) -> Any:
    """The JSON value of raw bytes; None when empty or not JSON."""
    if not len(raw):
        return None
    try:
        return msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None


def cut(value: Optional[str]) -> Optional[str]:
    return value[:TEXT_CHARS] if value is not None else None


def as_text(value: Any) -> Optional[str]:
    """A value as text: a string as it is, anything else as its JSON (sorted keys); None for None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        return _ENCODER.encode(value).decode()
    except (TypeError, msgspec.EncodeError, RecursionError):
        return None


def tools_in(body: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """The tools a request offered, name -> its JSON schema (None when it gave none), the request decoded
    (`messages.request_of`) once its raw JSON was found to name them (`request_marks.TOOLS`); None when it names
    none (then nothing is known of what it offered)."""
    if body is None or ("tools" not in body and "functions" not in body):
        return None
    offered: dict[str, Any] = {}
    for tool in items(body.get("tools")):
        for name, schema in _tool_entries(tool):
            offered[name] = schema
    for function in items(body.get("functions")):
        called = text(function.get("name"))
        if called:
            offered[called] = function.get("parameters")
    return offered


MESSAGE_KEYS = frozenset({"content", "text", "system", "instructions", "input", "prompt", "prompts"})
MAX_DEPTH = 32  # how deep `message_texts` looks into a request


def message_texts(raw: bytes | memoryview) -> list[str]:
    """The texts of a request's messages, in any API's shape: every string held by a key of MESSAGE_KEYS (directly
    or in a list), at any depth: chat `messages[].content` and its parts' `text`, Anthropic's `system`, Gemini's
    `parts[].text` and `systemInstruction`, Responses' `instructions` and `input`. [] when it is not JSON.

    >>> message_texts(b'{"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]}')
    ['Hi']
    """
    found: list[str] = []
    _gather(decoded(raw), False, found, 0)
    return found


def _gather(value: Any, said: bool, found: list[str], depth: int) -> None:
    """The strings of `value` that a message key holds (`said`: the key above it is one), into `found`."""
    if isinstance(value, str):
        if said:
            found.append(value)
    elif isinstance(value, dict) and depth < MAX_DEPTH:
        for key, item in value.items():
            _gather(item, key in MESSAGE_KEYS, found, depth + 1)
    elif isinstance(value, list) and depth < MAX_DEPTH:
        for item in value:
            _gather(item, said, found, depth + 1)


def _tool_entries(tool: dict[str, Any]) -> list[tuple[str, Any]]:
    """(name, schema) of one `tools[]` entry in any of the four APIs' shapes."""
    function = tool.get("function")
    if isinstance(function, dict) and text(function.get("name")):  # OpenAI chat
        return [(function["name"], function.get("parameters"))]
    declarations = tool.get("functionDeclarations", tool.get("function_declarations"))
    if isinstance(declarations, list):  # Gemini
        return [(d["name"], d.get("parameters", d.get("parametersJsonSchema"))) for d in items(declarations)
                if text(d.get("name"))]
    name = text(tool.get("name"))
    if name:  # Responses (`parameters`), Anthropic (`input_schema`)
        return [(name, tool.get("input_schema", tool.get("parameters")))]
    kind = text(tool.get("type"))  # a built-in tool (`web_search`): offered, with no schema
    return [(kind, None)] if kind else []


def schemas_key(offered: dict[str, Any]) -> int:
    """One key for one set of offered tools and schemas (the same set in many requests is kept once)."""
    return hash(as_text(offered))


class _Said(msgspec.Struct):
    """The keys of an answer the diagnosis reads (decoded typed: the others, `usage`, `id`, are skipped)."""

    text: Any = None
    content: Any = None
    output: Any = None
    answer: Any = None
    finish_reason: Any = None
    stop_reason: Any = None
    tool_calls: Any = None
    function_call: Any = None
    choices: Any = None


class _Recorded(_Said):
    """An LLM span's outputs: the transport's record, or a decorated function's `return`."""

    returned: Union[_Said, str, None] = msgspec.field(default=None, name="return")


_ANSWER = msgspec.json.Decoder(Union[_Recorded, str, None])


def answer_of(raw: bytes | memoryview) -> LlmAnswer:
    """The answer an LLM call's outputs hold (the transport's record, or a decorated function's return)."""
    if not len(raw):
        return NO_ANSWER
    try:
        value: Any = _ANSWER.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        return answer_in(decoded(raw))  # a shape the typed decoder refuses: a list, a `return` number
    if isinstance(value, _Recorded) and value.returned is not None and value.text is None \
            and value.tool_calls is None:
        value = value.returned
    if isinstance(value, str):
        return LlmAnswer(value, None, ())
    if value is None:
        return NO_ANSWER
    return _answer(value.text, value.content, value.output, value.answer, value.finish_reason, value.stop_reason,
                   value.tool_calls, value.function_call, value.choices)


def answer_in(value: Any) -> LlmAnswer:
    """`answer_of` of outputs already decoded (a span table's event)."""
    if isinstance(value, dict) and "return" in value and "text" not in value and "tool_calls" not in value:
        value = value["return"]
    if isinstance(value, str):
        return LlmAnswer(value, None, ())
    if not isinstance(value, dict):
        return NO_ANSWER
    get = value.get
    return _answer(get("text"), get("content"), get("output"), get("answer"), get("finish_reason"),
                   get("stop_reason"), get("tool_calls"), get("function_call"), get("choices"))


def _answer(*said: Any) -> LlmAnswer:
    """An answer from its fields: text, content, output, answer, finish reason, stop reason, tool calls, a legacy
    function call, and the choices of a raw chat completion returned as it came."""
    finish, stop, tool_calls, legacy, choices = said[4:]
    for spoken in said[:4]:  # a loop, not `next` over a generator: it runs at every LLM call's end
        if isinstance(spoken, str):
            break
    else:
        spoken = text(field(choices, 0, "message", "content"))
    calls = items(tool_calls)
    if isinstance(legacy, dict):
        calls.append({"function": legacy})
    return LlmAnswer(spoken, text(finish) or text(stop), tuple(map(_ask, calls)) if calls else ())


def _ask(call: dict[str, Any]) -> ToolAsk:
    """One asked tool call: `{"id", "name", "arguments"}` (ours) or `{"id", "function": {...}}` (OpenAI's)."""
    inner = call.get("function")
    function: dict[str, Any] = inner if isinstance(inner, dict) else call
    arguments = function.get("arguments", function.get("input", function.get("args")))
    call_id = text(call.get("id")) or text(call.get("call_id"))
    value: Any = arguments
    parses: Optional[bool] = arguments is not None
    if isinstance(arguments, str) and TRUNCATED in arguments:  # cut by the tracer: whether it parsed is unknown
        value, parses = None, None
    elif isinstance(arguments, str):
        value = decoded(arguments.encode()) if arguments.strip() else {}
        parses = value is not None or arguments.strip() == "null"
    if not isinstance(value, dict):
        return ToolAsk(text(function.get("name")) or "", cut(as_text(arguments)), call_id, parses)
    return ToolAsk(text(function.get("name")) or "", cut(as_text(arguments)), call_id, parses, _top_level(value),
                   products.digest(value) if products.written_path(value) is not None else None)


def _top_level(value: dict[str, Any]) -> dict[str, object]:
    """An object's properties with texts cut and containers emptied: what a schema's `type` and `enum` need."""
    kept: dict[str, object] = {}
    for key, item in value.items():
        if isinstance(item, str):
            kept[key] = item[:TEXT_CHARS]
        elif isinstance(item, (list, dict)):
            kept[key] = type(item)()
        else:
            kept[key] = item
    return kept


RETURNED = b'{"return":'  # how the tracer writes a function's outputs (`outputs.return`), first and alone


def output_text(raw: bytes | memoryview) -> Optional[str]:
    """What a call returned, as text: `outputs.return` (a tool's, a decorated function's), `outputs.output` (an
    agent's answer), `outputs.text`, else the whole outputs; cut to TEXT_CHARS. A returned object or list is its
    JSON text as written, cut (not decoded: a tool's result may be large)."""
    if not len(raw):
        return None
    data, start = memoryview(raw), len(RETURNED)
    if data[:start + 1] in _RETURNED_WHOLE and data[-1] == _CLOSE:
        return raw_text(data[start:-1])
    return cut(as_text(output_of(raw)))


_RETURNED_WHOLE = (RETURNED + b"{", RETURNED + b"[")
_CLOSE = ord("}")


def output_of(raw: bytes | memoryview) -> Any:
    """What a call returned, decoded: `outputs.return`, `outputs.output`, `outputs.text`, `outputs.result`, else
    the whole outputs; None when empty or not JSON."""
    value = decoded(raw)
    if isinstance(value, dict):
        for key in ("return", "output", "text", "result"):
            if key in value:
                return value[key]
    return value


def raw_text(raw: bytes | memoryview) -> Optional[str]:
    """Raw JSON as text, cut (a tool's arguments as recorded); None when empty."""
    if not len(raw):
        return None
    return str(memoryview(raw)[:TEXT_CHARS * 2], "utf-8", "replace")[:TEXT_CHARS]  # decoded in place: no copy
