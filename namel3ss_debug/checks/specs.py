"""Event specs, the nouns of `require`, `require_order` and `forbid`: which events a rule is about.

- `COMPONENT` or `COMPONENT:NAME`: spans (counted once, at their start) and instant events of that component,
  `tool:search`; the first part may also be a span kind (`agent_turn:researcher`) and the name a glob
  (`tool:delete_*`).
- `error` or `error:CATEGORY`: distinct errors (where each began, as `analyze` counts them), `error:auth`.
- `require` adds a count: `tool:search>=2` (at least twice; the default is once).

Names are compared as a reader sees them (`model.invisible.name_key`): a span named `delete_db` plus a zero-width
space, or wrapped in bidirectional marks, is a `tool:delete_db`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Optional

from ..model.error_category import CATEGORIES
from ..model.events import COMPONENTS, INSTANT_EVENT_TYPES, SPAN_EVENT_PREFIXES
from ..model.events import kind as span_kind
from ..model.invisible import name_key
from ..model.limits import COUNT_MAX, shown

_SPEC = re.compile(r"^(?P<head>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<name>[^\s>]+?))?(?:\s*>=\s*(?P<count>[0-9]+))?$")
_OPENERS = ("run_start", "run_end", "segment_start")  # the run itself, not something it did
# What may come before the colon: a component, a span kind or an instant event type.
HEADS = (*COMPONENTS, *(p for p in SPAN_EVENT_PREFIXES if p != "run"),
         *(t for t in INSTANT_EVENT_TYPES if t != "segment_start"))


class SpecError(ValueError):
    """A spec that cannot be read; the message says what is accepted."""


@dataclass(frozen=True)
class EventSpec:
    """`head:name`; `name` None means any name. An `error:...` spec has `is_error` set and its category
    (a glob) in `name`."""

    text: str
    head: str
    name: Optional[str] = None
    is_error: bool = False

    def matches(self, event: dict[str, Any]) -> bool:
        """Whether `event` (a v1 event dict) is one occurrence of this spec (never for error specs)."""
        if self.is_error or not is_occurrence(event):
            return False
        return self.covers(event.get("component"), span_kind(str(event.get("event_type", ""))), str(event.get("name")))

    def covers(self, component: object, kind: str, name: str) -> bool:
        """Whether an event of `component`, of span kind (or instant type) `kind` and named `name` is one this
        spec names, start, end or instant alike: `matches` without the occurrence test."""
        if component != self.head and kind != self.head and not (
                isinstance(component, str) and not (component.isascii() and kind.isascii())
                and self.head in (name_key(component), name_key(kind))):
            return False
        return self.name is None or name_matches(name, self.name)

    def error_category(self, category: str) -> bool:
        return self.is_error and (self.name is None or name_matches(category, self.name))


def name_matches(name: str, pattern: str) -> bool:
    """`fnmatchcase` of the names as a reader sees them (`name_key`: `delete_db\\u200b` is `delete_db`), without
    compiling a pattern that has no wildcard: a rules file of a million plain names (`tool:x1`, `tool:x2`...)
    would compile a million regular expressions, each once per kind of event."""
    if not (name.isascii() and pattern.isascii()):
        name, pattern = name_key(name), name_key(pattern)
    if has_wildcard(pattern):
        return fnmatchcase(name, pattern)
    return name == pattern


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern or "[" in pattern


def parse_spec(text: str, *, counted: bool = False) -> tuple[EventSpec, int]:
    """`tool:search>=2` -> (spec, 2); a count is accepted only when `counted`."""
    match = _SPEC.match(text.strip())
    if match is None or (match.group("count") and not counted):
        accepted = "COMPONENT[:NAME][>=N]" if counted else "COMPONENT[:NAME]"
        raise SpecError(f"{shown(text)} is not an event spec (use {accepted}, such as tool:search or error:auth)")
    head, name = match.group("head"), match.group("name")
    _check_head(head, name)
    count = _count(text, match.group("count"))
    if counted and not 1 <= count <= COUNT_MAX:
        raise SpecError(f"{shown(text)}: a required count is from 1 to {COUNT_MAX} (10^15)")
    spec_text = head if name is None else f"{head}:{name}"
    return EventSpec(spec_text, head, name, is_error=head == "error"), count


def _count(text: str, digits: str | None) -> int:
    """The N of `>=N` (1 when absent); more digits than any count has is refused before `int` reads them
    (Python refuses past 4,300 digits with a ValueError)."""
    if digits is None:
        return 1
    if len(digits.lstrip("0")) > len(str(COUNT_MAX)):
        raise SpecError(f"{shown(text)}: a required count is from 1 to {COUNT_MAX} (10^15)")
    return int(digits)


def is_error_spec(text: str) -> bool:
    """`error` or `error:CATEGORY` (not an event type that starts with the word, like `error_occurred`)."""
    return text == "error" or text.startswith("error:")


def _check_head(head: str, name: Optional[str]) -> None:
    if head == "error":
        if name is not None and not any(fnmatchcase(category, name) for category in CATEGORIES):
            raise SpecError(f"error:{name}: no such error category (use one of: {', '.join(CATEGORIES)})")
        return
    if head in HEADS or head.startswith("custom_"):
        return
    import difflib  # noqa: PLC0415 - only a mistake needs it

    close = difflib.get_close_matches(head, (*HEADS, "error"), n=1)
    guess = f"did you mean {close[0]!r}? " if close else ""
    raise SpecError(f"{head!r} is not a component, a span kind or `error` ({guess}components: {', '.join(COMPONENTS)})")


def is_occurrence(event: dict[str, Any]) -> bool:
    """One event per thing that happened: a span's start, or an instant event."""
    return is_occurrence_type(str(event.get("event_type", "")))


def is_occurrence_type(event_type: str) -> bool:
    """`is_occurrence` by the event's type alone."""
    return not event_type.endswith("_end") and event_type not in _OPENERS
