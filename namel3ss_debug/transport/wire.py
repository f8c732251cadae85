"""Bodies as they cross the wire, and as a trace keeps them.

A response body is kept as what it is: JSON as its value (`body`), a stream of server-sent events or
of JSON lines as its frames (`frames`, with `framing`), other text as a string (`text`), anything else
as bytes (`bytes`, which the trace writes as a `$bytes` marker). `body_bytes` makes the wire form
again, so a rerun serves what was recorded; JSON is written compact, which any client reads as the
same value.
"""

from __future__ import annotations

from typing import Any, Iterator

import orjson

from .frames import NDJSON, SSE, frame_bytes, frames_of, restored


def framing_of(content_type: str) -> str | None:
    """`sse` for server-sent events, `ndjson` for JSON lines (Ollama streams), else None."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "text/event-stream":
        return SSE
    if kind in ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/json-seq"):
        return NDJSON
    return None


def kept_body(data: bytes, content_type: str, frames: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A whole body as the trace keeps it: `{"body": JSON}`, `{"framing", "frames"}`, `{"text"}` or `{"bytes"}`
    (a stream's `frames`, when its caller parsed them already)."""
    framing = framing_of(content_type)
    if framing is not None:
        return {"framing": framing, "frames": frames if frames is not None else frames_of(framing, data)[0]}
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
    import zlib  # noqa: PLC0415 - only a compressed body needs it

    try:
        return zlib.decompress(data)
    except zlib.error:  # raw deflate, without the zlib header, as some servers send it
        return zlib.decompress(data, -zlib.MAX_WBITS)


def _module(*names: str) -> Any:
    import importlib  # noqa: PLC0415 - only a body in an optional encoding (br, zstd) needs it

    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ValueError(f"{names[0]} is not installed")
