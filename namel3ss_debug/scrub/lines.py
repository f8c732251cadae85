"""The cheap test that says whether a serialized event needs the tracer's redaction walk."""

from __future__ import annotations

from typing import Callable

from ..tracer.redact import Redactor

_ERROR = b'"error"'


def needs_walk(redactor: Redactor) -> Callable[[bytes], bool]:
    """`line -> bool`: whether the tracer would walk the event on this line, at the byte level.

    The tracer walks an event when its pre-scan flags the line, and every event with an `error` (whose
    text is searched for `password=...` pairs): here any line holding `"error"`. False means redaction
    leaves the event as it is. The redactor's scan changes when it learns a value: ask again after that.
    """
    scan = redactor.line_scanner()
    return lambda line: _ERROR in line or scan(line)

