"""The processors after filtering: redact -> truncate -> serialize, with a fast path.

A processor is a step with two methods: `needed(event, line)`, a cheap test on the event and its
serialized line, and `__call__(event, line)`, which returns the event changed. The pipeline serializes
first and asks each processor whether it is needed: testing the bytes is much cheaper than walking the
event, and most events need no processor at all. When one is needed, each processor in order that its
test still asks for runs, the line serialized again after it. The event the processors get is the one
the app handed over when orjson wrote it as it is (redaction parses back only the fields it walks), or
else the line parsed back into plain data (objects turned into JSON by `serialize.default`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import orjson

from .serialize import dumps, dumps_unusual
from .truncate import Truncator

if TYPE_CHECKING:  # the detectors are loaded by the run that redacts, not by `import namel3ss_debug`
    from ..redaction.redact import Redactor

Event = dict[str, Any]

# The record needed to run the app again is kept whole (its argv and config are redacted when built).
UNTRUNCATED = frozenset({"run_start", "segment_start"})


class Processor(Protocol):
    def needed(self, event: Event, line: bytes) -> bool: ...
    def __call__(self, event: Event, line: bytes) -> Event: ...


class Redaction:
    """Secrets out (`redact.py`). Needed when the pre-scan finds something, and for every event with an
    `error`, whose message and stack may hold `password=...` pairs."""

    def __init__(self, redactor: Redactor):
        self.redactor = redactor

    def needed(self, event: Event, line: bytes) -> bool:
        return "error" in event or self.redactor.may_hold_secret(line)

    def __call__(self, event: Event, line: bytes) -> Event:
        return self.redactor.redact_event(event, as_searched=True)


class Truncation:
    """Payloads cut to `max_payload_size` (`truncate.py`). Needed when the whole line is longer than
    that, since a shorter line cannot hold a longer payload."""

    def __init__(self, truncator: Truncator):
        self.truncator = truncator
        self._max_size = truncator.max_size

    def needed(self, event: Event, line: bytes) -> bool:
        return len(line) > self._max_size and event.get("event_type") not in UNTRUNCATED

    def __call__(self, event: Event, line: bytes) -> Event:
        """The truncator walks plain data: the line parsed back."""
        return event if event.get("event_type") in UNTRUNCATED else self.truncator(orjson.loads(line))


class Pipeline:
    """Redaction (when on), then truncation, then serialization."""

    def __init__(self, redactor: Redactor | None, truncator: Truncator):
        steps: list[Processor] = [Redaction(redactor)] if redactor is not None else []
        self.processors: tuple[Processor, ...] = (*steps, Truncation(truncator))
        # The processors' tests, inlined for the hot path as one cheaper test that asks for no less: the
        # redactor's scan (the same callable for the whole run, see Redactor._build_scan), an error, a long line.
        self._scan = redactor.may_hold_secret if redactor is not None else None
        self._max_size = truncator.max_size

    def serialize(self, event: Event) -> bytes:
        try:  # orjson's fastest path first; anything unusual goes through dumps_unusual
            line = orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE)
            as_is = True
        except Exception:
            line, as_is = dumps_unusual(event), False
        scan = self._scan
        if scan is not None and ("error" in event or scan(line)):  # the redactor's own test, asked once
            return self._slow((event if as_is else orjson.loads(line), line), asked=1)
        if len(line) > self._max_size:
            return self._slow((event if as_is else orjson.loads(line), line), asked=0)
        return line

    def _slow(self, written: tuple[Event, bytes], asked: int) -> bytes:
        """Each processor that its test on the line as it then stands asks for (redaction may lengthen a
        line past the truncation limit, or not), the line made again after each. `written` is the event as
        orjson writes it as it is (the event itself, or its line parsed back) and that line; `asked`: how
        many of the first processors `serialize` found needed by the same test of the same line."""
        event, line = written
        for index, processor in enumerate(self.processors):
            if index < asked or processor.needed(event, line):
                event = processor(event, line)
                line = dumps(event)
        return line
