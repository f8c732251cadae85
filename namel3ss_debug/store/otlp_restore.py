"""Our own fields back from the `namel3ss.*` attributes our OTLP export writes, so that a run sent out as
OTLP/JSON and read back is the run it was (the names: `namel3ss_debug/interop/otel_spans.py`).

A span carries its start's and end's fields; a span event (an instant event of ours) its own. JSON text
is decoded for the fields that hold objects. A span without any `namel3ss.` attribute gets an empty
`OwnFields`: what it means then comes from the GenAI / OpenInference attributes alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .otlp_lines import OtlpSpan

PREFIX = "namel3ss."
_JSON_FIELDS = ("inputs", "outputs", "usage", "error", "attrs")
# Where each optional field of ours belongs: the start event, the end event, or both.
_START_FIELDS = ("inputs", "attrs", "thread", "task", "pid", "memory_mb", "model")
_END_FIELDS = ("outputs", "usage", "error", "model", "cost_usd", "duration_ms", "memory_mb")
_DERIVED = ("inputs", "outputs", "usage", "model", "error", "attrs", "cost_usd")


@dataclass
class OwnFields:
    """What the `namel3ss.*` attributes say; `ours` when there were any (then they are the whole truth)."""

    ours: bool = False
    event_type: str | None = None
    component: str | None = None
    name: str | None = None
    span_id: str | None = None
    parent_id: str | None = None
    start: dict[str, Any] = field(default_factory=dict)
    end: dict[str, Any] = field(default_factory=dict)
    start_attrs: dict[str, Any] | None = None  # a run's `run_start` attrs
    attrs_extra: dict[str, Any] = field(default_factory=dict)  # what the reader adds (not for ours)

    def apply_start(self, event: dict[str, Any]) -> None:
        self._apply(event, self.start)

    def apply_end(self, event: dict[str, Any]) -> None:
        self._apply(event, self.end)

    def _apply(self, event: dict[str, Any], fields: dict[str, Any]) -> None:
        if not self.ours:
            return
        for key in _DERIVED:  # what the GenAI attributes suggested: ours says exactly what there was
            if key != "attrs" or event["event_type"] != "run_start":
                event.pop(key, None)
        for key, value in fields.items():
            if key == "status" and value in ("skipped", "failed", "completed") and event["status"] != "started":
                event["status"] = value
            elif key != "status":
                event[key] = value
        if self.attrs_extra:
            event.setdefault("attrs", {}).update(self.attrs_extra)


def own_fields(span: OtlpSpan) -> OwnFields:
    """The fields of ours a span carries: its start's under `namel3ss.X`, its end's under `namel3ss.end.X`
    (or `namel3ss.X` for the fields only an end has)."""
    found = _ours(span.attributes)
    if not found:
        return OwnFields()
    own = _identity(found)
    for key, value in found.items():
        if key.startswith("end."):
            own.end[key[4:]] = value
        elif key.startswith("start."):
            own.start[key[6:]] = value
        else:
            if key in _START_FIELDS:
                own.start[key] = value
            if key in _END_FIELDS or key == "status":
                own.end[key] = value
    if own.event_type == "run_start":
        own.start_attrs = own.start.pop("attrs", None) or span.resource.get("namel3ss.run_start")
    return own


def own_event_fields(attributes: dict[str, Any]) -> OwnFields:
    """The fields of ours an instant event (a span event) carries."""
    found = _ours(attributes)
    if not found:
        return OwnFields()
    own = _identity(found)
    own.start = {key: value for key, value in found.items()
                 if key not in ("event_type", "component", "name", "span_id", "parent_id", "seq")}
    return own


def _identity(found: dict[str, Any]) -> OwnFields:
    def text(key: str) -> str | None:
        value = found.get(key)
        return value if isinstance(value, str) and value else None

    return OwnFields(True, text("event_type"), text("component"), text("name"), text("span_id"), text("parent_id"))


def _ours(attributes: dict[str, Any]) -> dict[str, Any]:
    found = {}
    for key, value in attributes.items():
        if not key.startswith(PREFIX):
            continue
        short = key[len(PREFIX):]
        found[short] = _decoded(short.rsplit(".", 1)[-1], value)
    return found


def _decoded(short: str, value: Any) -> Any:
    if short in _JSON_FIELDS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
