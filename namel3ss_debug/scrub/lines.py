"""One serialized event redacted as the tracer would, and the cheap test that says whether it needs it."""

from __future__ import annotations

from typing import Any, Callable, Optional

import orjson

from ..store.lines import decode_line
from ..redaction.redact import Redactor
from ..tracer.serialize import dumps

_ERROR = b'"error"'


def needs_walk(redactor: Redactor) -> Callable[[bytes], bool]:
    """`line -> bool`: whether the tracer would walk the event on this line, at the byte level.

    The tracer walks an event when its pre-scan flags the line, and every event with an `error` (whose
    text is searched for `password=...` pairs): here any line holding `"error"`. False means redaction
    leaves the event as it is. The redactor's scan changes when it learns a value, so it is read at each call.
    Every rule of the test looks within a line (a name before its separator, a marker and its body, a URL's
    credentials stop at a newline), so given several lines it says yes when it would to one of them:
    `LineBlock.picked` asks it of many lines at once.
    """
    return lambda line: _ERROR in line or redactor.may_hold_secret(line)


def redact_line(redactor: Redactor, line: bytes) -> bytes:
    """The line (without its newline) with the event's secrets hidden (`Redactor.redact_event`), or the
    very same bytes when nothing in it changes or it is not a JSON object."""
    event = decode_line(line)
    if not isinstance(event, dict):
        return line
    redacted = redacted_event(redactor, event)
    return line if redacted is None else dumps(redacted).rstrip(b"\n")


def redacted_event(redactor: Redactor, event: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The event with its secrets hidden (`Redactor.redact_event`), or None when that changes nothing.

    An event the tracer could not have written as it is (nested deeper than the 255 levels its serializer
    writes, as a hand-made file may be) is first made what the tracer writes for such an event: cut at 64
    levels (`<max depth>`, `serialize.dumps`). The walk would fail on it (a Python recursion as deep), and
    what it holds below is not looked into: so it always changes, and the line is written again cut.
    """
    try:
        orjson.dumps(event)
    except orjson.JSONEncodeError:
        return redactor.redact_event(orjson.loads(dumps(event)))
    redacted = redactor.redact_event(event)
    return None if redacted == event else redacted
