"""Each API's streamed answer made again from what its `llm` span says: the one place that knows how.

A golden file keeps a streamed answer without its frames where they can be made again (`testing/golden_streams.py`
checks that); a rerun serves the frames made here from the span's outputs (`text`, `tool_calls`, `finish_reason`)
and what `outputs.return.rebuilt` kept of the frames beside the answer, for each API:

- `openai.chat`: `envelope` (the first chunk's `id`, `object`, `created`, `model`, ...) and `usage` (as sent); made
  again: the role, the text in one chunk, each tool call whole, the finish reason, the usage, `[DONE]`;
- `anthropic.messages`: `message_start` (its message) and `message_delta` (stop reason, usage); made again: that
  start, a text block, a `tool_use` block a call (the mock's events), that delta, `message_stop`;
- `openai.responses`: `response`, the final Response `response.completed` carried; made again: `response.created`,
  each output item's events (a message of one text part, a function call), `response.completed`;
- `gemini.generate_content`: `last`, the last chunk without its parts; made again: that chunk, its parts the text
  and the function calls;
- `ollama.chat`, `ollama.generate`: `last`, the line with `"done": true`; made again: a line with the text (and the
  tool calls), then that line.
"""

from __future__ import annotations

from typing import Any, Callable

from .apis.anthropic import AnthropicMessages
from .apis.neutral import NeutralAnswer, ToolCall
from .apis.records import sse_events
from .apis.responses_mock import stream_events
from .apis.values import data_of, field, items, kind_of
from .frames import ENVELOPE

REBUILT = "rebuilt"  # the key of `outputs.return` that holds the residue, in place of `frames`
FRAMINGS = {"openai.chat": "sse", "anthropic.messages": "sse", "openai.responses": "sse",
            "gemini.generate_content": "sse", "ollama.chat": "ndjson", "ollama.generate": "ndjson"}

Residue = Callable[[list[dict[str, Any]]], "dict[str, Any] | None"]
Builder = Callable[[dict[str, Any], "str | None", dict[str, Any]], "list[dict[str, Any]] | None"]


def residue_of(name: str, frames: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What the frames (each with its whole envelope) of an answer of the API `name` say beside the answer; None
    for an API whose streams are not made again, or frames that do not have it."""
    found = _APIS.get(name)
    return found[0](frames) if found is not None and frames else None


def rebuilt_frames(name: str, outputs: dict[str, Any], model: str | None) -> list[dict[str, Any]] | None:
    """The frames of the answer `outputs` says (its `return` holding the residue), each whole; None when the API
    is not one made again or the residue is not one it left."""
    found = _APIS.get(name)
    record = outputs.get("return")
    residue = record.get(REBUILT) if isinstance(record, dict) else None
    if found is None or not isinstance(residue, dict):
        return None
    try:
        return found[1](outputs, model, residue)
    except (KeyError, TypeError, ValueError, AttributeError):  # a residue edited by hand: served as no answer
        return None


# -- OpenAI chat -----------------------------------------------------------------------------------------------
def _chat_residue(frames: list[dict[str, Any]]) -> dict[str, Any] | None:
    chunks = [data for data in map(data_of, frames) if data is not None]
    if not chunks:
        return None
    usage = next((chunk["usage"] for chunk in reversed(chunks) if chunk.get("usage") is not None), None)
    envelope = {key: chunks[0][key] for key in ENVELOPE if key in chunks[0]}
    return {"envelope": envelope, **({"usage": usage} if usage is not None else {})}


def _chat_frames(outputs: dict[str, Any], model: str | None, residue: dict[str, Any]) -> list[dict[str, Any]]:
    first: dict[str, Any] = {"role": "assistant", "content": "" if "text" in outputs else None}
    deltas: list[tuple[dict[str, Any], str | None]] = [(first, None)]
    if outputs.get("text"):
        deltas.append(({"content": outputs["text"]}, None))
    deltas += [({"tool_calls": [{"index": index, "id": call.get("id"), "type": "function",
                                 "function": {"name": call.get("name"), "arguments": call.get("arguments")}}]}, None)
               for index, call in enumerate(items(outputs.get("tool_calls")))]
    deltas.append(({}, outputs.get("finish_reason")))
    envelope = dict(residue["envelope"])
    chunks = [{**envelope, "choices": [{"index": 0, "delta": delta, "finish_reason": reason}]}
              for delta, reason in deltas]
    if "usage" in residue:
        chunks.append({**envelope, "choices": [], "usage": residue["usage"]})
    return [*({"data": chunk} for chunk in chunks), {"data": "[DONE]"}]


# -- Anthropic -------------------------------------------------------------------------------------------------
def _anthropic_residue(frames: list[dict[str, Any]]) -> dict[str, Any] | None:
    start = next((data_of(frame) for frame in frames if kind_of(frame) == "message_start"), None)
    delta = next((data_of(frame) for frame in reversed(frames) if kind_of(frame) == "message_delta"), None)
    if start is None or delta is None or not isinstance(start.get("message"), dict):
        return None
    return {"message_start": start["message"], "message_delta": {k: v for k, v in delta.items() if k != "type"}}


def _anthropic_frames(outputs: dict[str, Any], model: str | None, residue: dict[str, Any]) -> list[dict[str, Any]]:
    calls = tuple(ToolCall(call["name"], call["arguments"], call.get("id"))
                  for call in items(outputs.get("tool_calls")))
    said = NeutralAnswer(outputs.get("text") if "text" in outputs else None, calls)
    if any(not isinstance(call.arguments, dict) for call in calls) or (said.content is None and not calls):
        raise ValueError("no answer the mock says")
    frames: list[dict[str, Any]] = AnthropicMessages("anthropic").mock(said, model, streamed=True)["frames"]
    frames[0]["data"]["message"] = residue["message_start"]
    frames[-2]["data"] = {"type": "message_delta", **residue["message_delta"]}
    return frames


# -- OpenAI Responses ------------------------------------------------------------------------------------------
def _responses_residue(frames: list[dict[str, Any]]) -> dict[str, Any] | None:
    response = field(data_of(frames[-1]), "response")
    return {"response": response} if kind_of(frames[-1]) == "response.completed" and isinstance(response, dict) \
        else None


def _responses_frames(outputs: dict[str, Any], model: str | None, residue: dict[str, Any]) -> list[dict[str, Any]]:
    response = residue["response"]
    started = {**response, "status": "in_progress", "output": [], "usage": None}
    return sse_events(stream_events(started, list(response["output"]), response))


# -- Gemini ----------------------------------------------------------------------------------------------------
def _gemini_residue(frames: list[dict[str, Any]]) -> dict[str, Any] | None:
    last = data_of(frames[-1])
    candidate = field(last, "candidates", 0)
    if last is None or not isinstance(candidate, dict) or not isinstance(candidate.get("content"), dict):
        return None
    content = {key: value for key, value in candidate["content"].items() if key != "parts"}
    return {"last": {**last, "candidates": [{**candidate, "content": content}]}}


def _gemini_frames(outputs: dict[str, Any], model: str | None, residue: dict[str, Any]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"text": outputs["text"]}] if "text" in outputs else []
    for call in items(outputs.get("tool_calls")):
        named = {"id": call.get("id")} if call.get("id") is not None else {}
        parts.append({"functionCall": {**named, "name": call.get("name"), "args": call.get("arguments")}})
    last = residue["last"]
    candidate = last["candidates"][0]
    return [{"data": {**last, "candidates": [{**candidate, "content": {**candidate["content"], "parts": parts}}]}}]


# -- Ollama ----------------------------------------------------------------------------------------------------
def _ollama_residue(frames: list[dict[str, Any]]) -> dict[str, Any] | None:
    last = data_of(frames[-1])
    return {"last": last} if last is not None and last.get("done") is True else None


def _ollama_frames(key: str) -> Builder:
    def build(outputs: dict[str, Any], model: str | None, residue: dict[str, Any]) -> list[dict[str, Any]]:
        last = residue["last"]
        said: Any = outputs.get("text", "")
        if key == "message":
            said = {"role": "assistant", "content": said}
            calls = [{**({"id": call["id"]} if call.get("id") else {}),
                      "function": {"name": call.get("name"), "arguments": call.get("arguments")}}
                     for call in items(outputs.get("tool_calls"))]
            said = {**said, "tool_calls": calls} if calls else said
        line = {"model": last.get("model"), "created_at": last.get("created_at"), key: said, "done": False}
        return [{"data": line}, {"data": last}]
    return build


_APIS: dict[str, tuple[Residue, Builder]] = {
    "openai.chat": (_chat_residue, _chat_frames),
    "anthropic.messages": (_anthropic_residue, _anthropic_frames),
    "openai.responses": (_responses_residue, _responses_frames),
    "gemini.generate_content": (_gemini_residue, _gemini_frames),
    "ollama.chat": (_ollama_residue, _ollama_frames("message")),
    "ollama.generate": (_ollama_residue, _ollama_frames("response")),
}


def with_frames(event: dict[str, Any]) -> dict[str, Any]:
    """An `llm` end event whose streamed answer was kept without its frames (`outputs.return.rebuilt`), with them
    made again, each whole: what a rerun serves. Any other event is given back as it is; one whose residue does
    not make frames (edited by hand) has a `return` without a status, which a rerun reports as no response."""
    outputs = event.get("outputs")
    record = outputs.get("return") if isinstance(outputs, dict) else None
    if not isinstance(record, dict) or REBUILT not in record or "frames" in record:
        return event
    assert isinstance(outputs, dict)  # said for mypy: a record was found in it
    frames = rebuilt_frames(str(event.get("name")), outputs, event.get("model"))
    kept = {key: value for key, value in record.items() if key != REBUILT}
    again = {**kept, "framing": FRAMINGS[str(event.get("name"))], "frames": frames} if frames is not None \
        else {key: value for key, value in kept.items() if key != "status"}
    return {**event, "outputs": {**outputs, "return": again}}
