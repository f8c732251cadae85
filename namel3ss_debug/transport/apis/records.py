"""Response records, as the transport serves them in a rerun: a whole JSON body, or the frames of a
stream with their framing (server-sent events, or Ollama's JSON lines)."""

from __future__ import annotations

from typing import Any


def json_record(body: Any) -> dict[str, Any]:
    """A 200 response with a JSON body."""
    return {"status": 200, "headers": {"content-type": "application/json"}, "body": body}


def sse_record(frames: list[dict[str, Any]]) -> dict[str, Any]:
    """A 200 stream of server-sent events; each frame `{"event"?, "data"}`."""
    return {"status": 200, "headers": {"content-type": "text/event-stream"}, "framing": "sse", "frames": frames}


def ndjson_record(frames: list[dict[str, Any]]) -> dict[str, Any]:
    """A 200 stream of JSON lines; each frame `{"data"}`."""
    return {"status": 200, "headers": {"content-type": "application/x-ndjson"}, "framing": "ndjson",
            "frames": frames}


def sse_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Frames named by their data's `type`, as APIs that send `event:` lines do (Anthropic's SDK
    skips a frame without one)."""
    return [{"event": event["type"], "data": event} for event in events]
