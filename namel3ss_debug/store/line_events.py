"""One line of a trace as an event: JSON, an object, a format version we read, the envelope a view relies on.

Each problem is told to `ReadProblems` (a torn last line, a line that is not JSON or not an object); a
newer format version is an error. Shared by the readers and by `lookup`, which reads single lines.
"""

from __future__ import annotations

from typing import Iterable

import orjson

from ..model.errors import TraceError
from ..model.events import SCHEMA_VERSION
from ..model.json_types import JsonEvent
from .otlp.lazy import LONG_LINE, check_brackets, lazy_request
from .problems import ReadProblems
from .records import ENVELOPE, MAX_SEQ


def parse_line(line: bytes, where: str, problems: ReadProblems, tail: bool, *,
               versioned: bool = True) -> JsonEvent | None:
    """A line as a dict, or None after telling `problems` why it is not an event; a newer `v` raises."""
    try:
        if len(line) > LONG_LINE:  # orjson would build what it can of a wide or deep line before refusing it
            check_brackets(line)
        event = orjson.loads(line)
    except ValueError as error:  # orjson's JSONDecodeError, or what check_brackets finds
        if tail:
            problems.torn_line(where)
        else:
            why = refusal(line, error) if isinstance(error, orjson.JSONDecodeError) else str(error)
            problems.invalid_line(where, f"not JSON ({why})")
        return None
    if not isinstance(event, dict):
        problems.invalid_line(where, f"not a JSON object but {type(event).__name__}")
        return None
    if versioned:
        check_version(event, where)
    return event


def refusal(line: bytes, error: orjson.JSONDecodeError) -> str:
    """Why orjson refused a line, in words that fit it: orjson says "surrogates not allowed" for any bad
    UTF-8, so bytes that are not UTF-8 are named with their place."""
    if "UTF-8" in error.msg:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as bad:
            return f"not UTF-8: byte {line[bad.start]:#04x} at column {bad.start + 1}"
    return error.msg


def first_object(lines: Iterable[bytes]) -> JsonEvent | None:
    """The first line that is a JSON object (lines that are not JSON, or other JSON, are passed over): what
    tells a file's format (`v`: v1; else see `formats.mapper_for`). A very long line (a request of a million
    OTLP spans) is read as the OTLP reader reads it, its span arrays left undecoded."""
    for line in lines:
        try:
            value = orjson.loads(line) if len(line) <= LONG_LINE else lazy_request(line)
        except ValueError:  # orjson's JSONDecodeError, or what lazy_request finds
            continue
        if isinstance(value, dict):
            return value
    return None


def envelope_problem(event: JsonEvent) -> str | None:
    """What makes a dict not a v1 event a view can rely on, or None."""
    missing = [key for key in ENVELOPE if key not in event]
    if missing:
        return f"missing field `{missing[0]}`"
    if type(event["seq"]) is not int:
        return "field `seq`: expected int"
    if not 0 <= event["seq"] < MAX_SEQ:
        return f"field `seq`: expected int 0..{MAX_SEQ - 1}"
    return None


def check_version(event: JsonEvent, where: str) -> None:
    version = event.get("v")
    if version is not None and version != SCHEMA_VERSION:
        raise TraceError(f"trace format version {version!r} is not supported (this namel3ss-debug reads "
                         f"version {SCHEMA_VERSION})", where=where, hint="upgrade namel3ss-debug to read it")
