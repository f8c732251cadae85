"""Where a streamed answer ends: its last event, seen as it passes, whether or not the app reads on.

A stream's last event says the answer is over: the Responses API's `response.completed` (or `.incomplete`,
`.failed`), Anthropic's `message_stop`, OpenAI chat's `data: [DONE]`, Ollama's line with `"done": true`.
An SDK or a framework may stop reading there without closing the stream (Strands on the Responses API
stops at `response.completed` and leaves the connection open), so the end of the body, or its close, can
come seconds later or only at the run's end. The span ends at that last event instead, with what the
answer said: a later end or close of the stream changes nothing. Gemini, whose last chunk is marked only
by a finish reason that an earlier chunk may carry as well, ends with its body, as before.

Each chunk is only searched for the events' names (a regular expression over the chunk and the end of the
one before it); where one is found, the event it is in is read once its blank line (a JSON line's newline)
has come, and the answer ends only if that event is a last one (a name inside a text delta is not).
"""

from __future__ import annotations

import re
from typing import Any

from .frames import NDJSON, frames_of

FINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed", "message_stop"})
_NAMES = re.compile(rb"response\.(?:completed|incomplete|failed)|message_stop|\[DONE\]|\"done\":\s?true")
_OVERLAP = 24  # the longest name, less one: a name cut between two chunks is still found
_BLANK = re.compile(rb"\r\n\r\n|\n\n|\r\r")
_LINE = re.compile(rb"\n")
MAX_FALSE_ALARMS = 8  # names found in text (a model writing "[DONE]"): past this, the stream's end decides


class LastEvent:
    """Watches a stream's chunks for its last event; `ended(chunk, kept)` says when it has wholly come."""

    __slots__ = ("_framing", "_tail", "_armed", "_alarms")

    def __init__(self, framing: str):
        self._framing = framing
        self._tail = b""  # the last bytes seen (after the name, once one was seen): what a chunk may cut in two
        self._armed = False  # a name was seen and its event has not ended yet
        self._alarms = 0

    def ended(self, chunk: bytes, kept: list[bytes]) -> bool:
        """Whether `chunk` (the latest of `kept`, every chunk so far) completed the stream's last event."""
        if self._alarms >= MAX_FALSE_ALARMS:
            return False
        if self._armed:
            after = self._tail + chunk  # the tail: what came after the name, its last bytes
        else:
            seen = self._tail + chunk
            found = _NAMES.search(seen)
            if found is None:
                self._tail = seen[-_OVERLAP:]
                return False
            self._armed, after = True, seen[found.end():]
        if (_LINE if self._framing == NDJSON else _BLANK).search(after) is None:
            self._tail = after[-3:]  # the event is still coming
            return False
        self._armed, self._tail = False, b""
        if is_last(last_frame(self._framing, b"".join(kept))):
            return True
        self._alarms += 1
        return False


def last_frame(framing: str, data: bytes) -> dict[str, Any] | None:
    """The last whole frame of a stream's bytes (None when there is none)."""
    body = data.rstrip(b"\r\n")
    if framing == NDJSON:
        start = body.rfind(b"\n") + 1
    else:
        start = max(body.rfind(b"\n\n") + 2, body.rfind(b"\r\n\r\n") + 4, body.rfind(b"\r\r") + 2, 0)
    frames = frames_of(framing, body[start:] + (b"\n" if framing == NDJSON else b"\n\n"))[0]
    return frames[-1] if frames else None


def is_last(frame: dict[str, Any] | None) -> bool:
    """Whether a frame is one that only ever comes last (see the module's docstring for which)."""
    if frame is None:
        return False
    data = frame.get("data")
    if data == "[DONE]" or frame.get("event") in FINAL_EVENTS:
        return True
    return isinstance(data, dict) and (data.get("type") in FINAL_EVENTS or data.get("done") is True)
