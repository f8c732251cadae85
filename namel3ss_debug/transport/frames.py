"""A streamed body's frames: server-sent events and JSON lines, read off the wire and written back.

A frame is `{"event"?, "id"?, "retry"?, "data"}`, its data the JSON value (or the text, as `[DONE]`).
`frames_of` gives the frames of a body and, beside them, the offset where each ends (for the time to
the first token). What every chunk of an OpenAI-style stream repeats (`ENVELOPE`, about half of a
one-token chunk) is kept once: a frame whose data repeats the envelope of the frame before it, key for
key, is kept without it and says so (`"envelope": "previous"`), and `restored` puts it back; a frame
with another envelope is kept whole, and is the one the next frames are compared with.
"""

from __future__ import annotations

from typing import Any, Iterator

import orjson

SSE, NDJSON = "sse", "ndjson"
ENVELOPE = ("id", "object", "created", "model", "system_fingerprint", "service_tier")
REPEATED = "previous"
_NONE = object()
_NO_ENVELOPE = (_NONE,) * len(ENVELOPE)
_LAST_EVENTS = frozenset({"message_stop", "response.completed", "response.incomplete", "response.failed", "error"})

Frames = tuple[list[dict[str, Any]], list[int]]  # the frames, and the offset where each ends


def parse_json(data: bytes | str) -> Any:
    """The JSON value of `data`, or the text itself when it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def frames_of(framing: str, data: bytes, compact: bool = False) -> Frames:
    """A stream's frames and where each ends; with `compact`, as the trace keeps them (no repeated envelope)."""
    return parse_sse(data, compact) if framing == SSE else parse_ndjson(data)


def parse_sse(data: bytes, compact: bool = False) -> Frames:
    """Server-sent events. Data lines of one event are joined with newlines, as the SSE rules say; comments
    are dropped. The events LLM APIs send (one `data:` line, maybe after an `event:` line) are read as
    bytes, their JSON in one call; anything else block by block."""
    if b"\r" not in data:
        fast = _plain_events(data)
        if fast is not None:
            return _framed(*fast, compact)
    text = data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    frames: list[dict[str, Any]] = []
    ends: list[int] = []
    last: list[Any] = [None]
    offset = 0
    for block in text.split("\n\n"):
        offset += len(block) + 2
        frame = _sse_frame(block)
        if frame is not None:
            if compact and type(frame.get("data")) is dict:
                frame = {**frame, **_compacted(frame["data"], last)}
            frames.append(frame)
            ends.append(min(offset, len(text)))
    return frames, ends


def _plain_events(data: bytes) -> tuple[list[bytes | None], list[bytes], list[int]] | None:
    """Each event's name (or None) and data, and where it ends; None when one is not a plain event."""
    events: list[bytes | None] = []
    payloads: list[bytes] = []
    ends: list[int] = []
    offset = 0
    for block in data.split(b"\n\n"):
        offset += len(block) + 2
        if not block:
            continue
        event = None
        if block.startswith(b"event: "):
            event, _, block = block.partition(b"\n")
        if not block.startswith(b"data: ") or b"\n" in block:
            return None
        events.append(event)
        payloads.append(block[6:])
        ends.append(min(offset, len(data)))
    return events, payloads, ends


def _framed(events: list[bytes | None], payloads: list[bytes], ends: list[int], compact: bool) -> Frames:
    last: list[Any] = [None]
    frames = []
    for event, value in zip(events, _json_values(payloads)):
        frame = _compacted(value, last) if compact and type(value) is dict else {"data": value}
        if event is not None:
            frame = {"event": event[7:].decode("utf-8", "replace"), **frame}
        frames.append(frame)
    return frames, ends


def _json_values(payloads: list[bytes]) -> list[Any]:
    """Each payload's JSON value (its text when it is not JSON, as `[DONE]`), the objects read in one call."""
    objects = [payload for payload in payloads if payload[:1] == b"{"]
    try:
        parsed = iter(orjson.loads(b"[" + b",".join(objects) + b"]"))
    except orjson.JSONDecodeError:  # one of them is not JSON after all: each on its own
        return [parse_json(payload) for payload in payloads]
    return [next(parsed) if payload[:1] == b"{" else parse_json(payload) for payload in payloads]


def _sse_frame(block: str) -> dict[str, Any] | None:
    fields: dict[str, Any] = {}
    data: list[str] = []
    for line in block.split("\n"):
        if not line or line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        elif name in ("event", "id", "retry"):
            fields[name] = value
    if not data and not fields:
        return None
    if data:
        fields["data"] = parse_json("\n".join(data))
    return fields


def parse_ndjson(data: bytes) -> Frames:
    """JSON lines: each frame `{"data": value}`."""
    frames: list[dict[str, Any]] = []
    ends: list[int] = []
    offset = 0
    for line in data.split(b"\n"):
        offset += len(line) + 1
        if line.strip():
            frames.append({"data": parse_json(line)})
            ends.append(min(offset, len(data)))
    return frames, ends


def _compacted(data: dict[str, Any], last: list[Any]) -> dict[str, Any]:
    """A frame of `data` (just parsed: ours to change), without the envelope `last[0]` already has."""
    get = data.get  # read directly: a stream has a frame per token
    envelope = (get("id", _NONE), get("object", _NONE), get("created", _NONE), get("model", _NONE),
                get("system_fingerprint", _NONE), get("service_tier", _NONE))
    if envelope == last[0]:
        for key in ENVELOPE:
            data.pop(key, None)
        return {"data": data, "envelope": REPEATED}
    if envelope != _NO_ENVELOPE:
        last[0] = envelope
    return {"data": data}


def restored(frames: Any) -> Iterator[dict[str, Any]]:
    """Frames as they were sent: each compacted one with the envelope of the frame before it again."""
    last: dict[str, Any] = {}
    for frame in frames if isinstance(frames, list) else ():
        if not isinstance(frame, dict):
            continue
        data = frame.get("data")
        if frame.get("envelope") == REPEATED and isinstance(data, dict):
            frame = {key: value for key, value in frame.items() if key != "envelope"}
            frame["data"] = {**last, **data}
        elif isinstance(data, dict):
            last = {key: data[key] for key in ENVELOPE if key in data} or last
        yield frame


def frame_bytes(framing: str, frame: dict[str, Any]) -> bytes:
    """One frame as the wire carries it."""
    data = frame.get("data")
    text = data if isinstance(data, str) else orjson.dumps(data).decode()
    if framing == NDJSON:
        return text.encode() + b"\n"
    lines = [f"{name}: {frame[name]}" for name in ("event", "id", "retry") if name in frame]
    if "data" in frame:
        lines.extend(f"data: {part}" for part in text.split("\n"))
    return ("\n".join(lines) + "\n\n").encode()


def ends_stream(frame: dict[str, Any]) -> bool:
    """A frame that only comes last: OpenAI's `[DONE]`, Anthropic's `message_stop`, the Responses API's
    `response.completed` (or incomplete, failed), Ollama's `done: true`, Gemini's chunk with a finish reason."""
    data = frame.get("data")
    if data == "[DONE]" or frame.get("event") in _LAST_EVENTS:
        return True
    if not isinstance(data, dict):
        return False
    if data.get("type") in _LAST_EVENTS or data.get("done") is True:
        return True
    candidates = data.get("candidates")
    return isinstance(candidates, list) and any(isinstance(c, dict) and c.get("finishReason") for c in candidates)
