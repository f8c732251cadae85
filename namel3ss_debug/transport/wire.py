"""Bodies as they cross the wire, and as a trace keeps them.

A response body is kept as what it is: JSON as its value (`body`), a stream of server-sent events or
of JSON lines as its frames (`frames`, with `framing`), other text as a string (`text`), anything else
as bytes (`bytes`, which the trace writes as a `$bytes` marker). `body_bytes` makes the wire form
again, so a replay serves what was recorded; JSON is written compact, which any client reads as the
same value.
"""

from __future__ import annotations

from typing import Any, Iterator

import orjson

SSE, NDJSON = "sse", "ndjson"


def framing_of(content_type: str) -> str | None:
    """`sse` for server-sent events, `ndjson` for JSON lines (Ollama streams), else None."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "text/event-stream":
        return SSE
    if kind in ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/json-seq"):
        return NDJSON
    return None


def parse_json(data: bytes | str) -> Any:
    """The JSON value of `data`, or the text itself when it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def parse_sse(data: bytes, compact: bool = False) -> list[tuple[dict[str, Any], int]]:
    """Server-sent events: each frame `{"event"?, "id"?, "data"}` with the offset where it ends.

    Data lines of one event are joined with newlines, as the SSE rules say; comments are dropped.
    The usual event, one `data:` line (and maybe an `event:` line before it), is read as bytes.
    """
    if b"\r" not in data:
        return _parse_plain_sse(data, compact)
    frames: list[tuple[dict[str, Any], int]] = []
    text = data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    offset = 0
    for block in text.split("\n\n"):
        offset += len(block) + 2
        frame = _sse_frame(block)
        if frame is not None:
            frames.append((frame, min(offset, len(text))))
    return frames


def _parse_plain_sse(data: bytes, compact: bool) -> list[tuple[dict[str, Any], int]]:
    """`parse_sse` for a stream with `\\n` line ends whose events are each one `data:` line, maybe after an
    `event:` line (as the LLM APIs send them): their JSON is read in one call. Anything else goes the
    general way, block by block."""
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
            return _parse_blocks(data, compact)
        events.append(event)
        payloads.append(block[6:])
        ends.append(min(offset, len(data)))
    values = _json_values(payloads)
    last: list[Any] = [None]
    frames = []
    for event, value, end in zip(events, values, ends):
        frame = _compacted(value, last) if compact and type(value) is dict else {"data": value}
        if event is not None:
            frame = {"event": event[7:].decode("utf-8", "replace"), **frame}
        frames.append((frame, end))
    return frames


def _json_values(payloads: list[bytes]) -> list[Any]:
    """Each payload's JSON value (its text when it is not JSON, as `[DONE]`), the objects read in one call."""
    objects = [payload for payload in payloads if payload[:1] == b"{"]
    try:
        parsed = iter(orjson.loads(b"[" + b",".join(objects) + b"]"))
    except orjson.JSONDecodeError:  # one of them is not JSON after all: each on its own
        return [parse_json(payload) for payload in payloads]
    return [next(parsed) if payload[:1] == b"{" else parse_json(payload) for payload in payloads]


def _parse_blocks(data: bytes, compact: bool) -> list[tuple[dict[str, Any], int]]:
    frames: list[tuple[dict[str, Any], int]] = []
    last: list[Any] = [None]
    offset = 0
    for block in data.split(b"\n\n"):
        offset += len(block) + 2
        frame = _sse_frame(block.decode("utf-8", "replace"))
        if frame is not None:
            if compact and type(frame.get("data")) is dict:
                frame = {**frame, **_compacted(frame["data"], last)}
            frames.append((frame, min(offset, len(data))))
    return frames


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


def parse_ndjson(data: bytes) -> list[tuple[dict[str, Any], int]]:
    """JSON lines: each frame `{"data": value}` with the offset where its line ends."""
    frames: list[tuple[dict[str, Any], int]] = []
    offset = 0
    for line in data.split(b"\n"):
        offset += len(line) + 1
        if line.strip():
            frames.append(({"data": parse_json(line)}, min(offset, len(data))))
    return frames


def frames_of(framing: str, data: bytes, compact: bool = False) -> list[tuple[dict[str, Any], int]]:
    """A stream's frames with where each ends; with `compact`, as the trace keeps them (`ENVELOPE`)."""
    return parse_sse(data, compact) if framing == SSE else parse_ndjson(data)


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


def kept_body(data: bytes, content_type: str, framed: list[tuple[dict[str, Any], int]] | None = None) -> dict[str, Any]:
    """A whole body as the trace keeps it: `{"body": JSON}`, `{"framing", "frames"}`, `{"text"}` or `{"bytes"}`
    (a stream's frames from `framed`, when its caller parsed them already)."""
    framing = framing_of(content_type)
    if framing is not None:
        return {"framing": framing, "frames": [frame for frame, _ in framed or frames_of(framing, data)]}
    if not data:
        return {"text": ""}
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind.endswith("json") or kind.endswith("+json") or data[:1] in (b"{", b"["):
        try:
            return {"body": orjson.loads(data)}
        except orjson.JSONDecodeError:
            pass
    if kind.startswith("text/") or kind.endswith(("json", "xml", "javascript", "x-www-form-urlencoded")) or not kind:
        try:
            return {"text": data.decode("utf-8")}
        except UnicodeDecodeError:
            pass
    return {"bytes": data}


def body_chunks(record: dict[str, Any]) -> Iterator[bytes]:
    """The wire bytes of a kept body, a frame at a time for a stream (each envelope put back)."""
    if "frames" in record:
        framing = record.get("framing") or SSE
        for frame in restored(record["frames"]):
            yield frame_bytes(framing, frame)
        return
    yield body_bytes(record)


# What every chunk of an OpenAI-style stream repeats: about half of a one-token chunk. A frame whose data
# repeats the envelope of the frame before it, key for key, is kept without it and says so
# (`"envelope": "previous"`), and `restored` puts it back; a frame with another envelope is kept whole, and
# is the one the next frames are compared with. The decoders read only what the envelope is not.
ENVELOPE = ("id", "object", "created", "model", "system_fingerprint", "service_tier")
REPEATED = "previous"
_NONE = object()
_NO_ENVELOPE = (_NONE,) * len(ENVELOPE)


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
    """Frames as they were sent: each `compacted` one with the envelope of the frame before it again."""
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


def body_bytes(record: dict[str, Any]) -> bytes:
    if "body" in record:
        return orjson.dumps(record["body"])
    if "frames" in record:
        return b"".join(body_chunks(record))
    value = record.get("text", record.get("bytes", b""))
    if isinstance(value, str):
        return value.encode("utf-8")
    return value if isinstance(value, bytes) else b""


def request_body(data: bytes, content_type: str) -> Any:
    """A request's body as a span's inputs take it: JSON as its value, else text or bytes."""
    if not data:
        return None
    kept = kept_body(data, content_type)
    return kept.get("body", kept.get("text", kept.get("bytes")))


def decoded(encoding: str, data: bytes) -> bytes:
    """A body without its content encoding (gzip, deflate, br, zstd), as the client gave it to the app.
    Raises ValueError for an encoding that cannot be undone here."""
    import zlib  # noqa: PLC0415 - only a compressed body needs it

    for coding in reversed([part.strip() for part in encoding.split(",") if part.strip()]):
        if coding in ("gzip", "x-gzip", "deflate"):
            data = zlib.decompressobj(zlib.MAX_WBITS | 32).decompress(data) if coding != "deflate" \
                else _inflate(data)
        elif coding == "br":
            data = _module("brotli", "brotlicffi").decompress(data)
        elif coding == "zstd":
            data = _module("zstandard").ZstdDecompressor().decompressobj().decompress(data)
        elif coding != "identity":
            raise ValueError(f"content encoding {coding!r}")
    return data


def _inflate(data: bytes) -> bytes:
    import zlib  # noqa: PLC0415

    try:
        return zlib.decompress(data)
    except zlib.error:  # raw deflate, without the zlib header, as some servers send it
        return zlib.decompress(data, -zlib.MAX_WBITS)


def _module(*names: str) -> Any:
    import importlib  # noqa: PLC0415

    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ValueError(f"{names[0]} is not installed")


_LAST_EVENTS = frozenset({"message_stop", "response.completed", "response.incomplete", "response.failed", "error"})


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
