"""A span or span event that came from OpenTelemetry, as it came (pure).

Our span processor and the OTLP/JSON reader keep what an OpenTelemetry span was beside what it means to
us: `attrs.source == "opentelemetry"`, its name when ours differs (`otel_name`), its kind when not
INTERNAL (`otel_kind`), its instrumentation scope (`otel_scope`) and the attributes not read into our
fields (`otel_attributes`); a span event becomes a `custom_otel_event` whose name is the event's and whose
`attrs.otel_attributes` are its attributes. The export gives them back, so a span re-exported keeps its
name, kind, scope, attributes and events (a backend keys its views on them: Phoenix's span kind is
`openinference.span.kind`, GUARDRAIL for a guardrail).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OTEL_SOURCE = "opentelemetry"
KINDS = ("INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")
OTEL_EVENT = "custom_otel_event"


@dataclass(frozen=True)
class Came:
    """What an OpenTelemetry span was: None fields were not kept (ours are used instead)."""

    name: str | None
    kind: str | None
    scope: str | None
    attributes: dict[str, Any]


def as_it_came(otel_name: str, our_name: str, kind: str) -> dict[str, Any]:
    """The attrs that keep what an OpenTelemetry span was where ours differs: its name, and its kind when
    it was not INTERNAL."""
    came: dict[str, Any] = {}
    if otel_name != our_name:
        came["otel_name"] = otel_name
    if kind.upper() not in ("INTERNAL", "UNSPECIFIED"):
        came["otel_kind"] = kind.upper()
    return came


def came_as(start: Mapping[str, Any], end: Mapping[str, Any] | None) -> Came | None:
    """How the span came, when it came from OpenTelemetry (its start's attrs, completed by its end's); else None."""
    attrs = _merged(_attrs(start), _attrs(end or {}))
    if attrs.get("source") != OTEL_SOURCE:
        return None
    kind = str(attrs.get("otel_kind") or "INTERNAL").upper()  # kept only when it was not INTERNAL
    kept = attrs.get("otel_attributes")
    name = _text(attrs.get("otel_name")) or _text(start.get("name"))  # otel_name: kept where ours differs
    return Came(name, kind if kind in KINDS else None, _text(attrs.get("otel_scope")),
                dict(kept) if isinstance(kept, Mapping) else {})


def event_as(event: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """A span event as it came (its name and attributes), for a `custom_otel_event` of OpenTelemetry; else None."""
    attrs = _attrs(event)
    if event.get("event_type") != OTEL_EVENT or attrs.get("source") != OTEL_SOURCE:
        return None
    kept = attrs.get("otel_attributes")
    return str(event.get("name") or ""), dict(kept) if isinstance(kept, Mapping) else {}


def _merged(start: Mapping[str, Any], end: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(start)
    for key, value in end.items():
        if key == "otel_attributes" and isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}  # attributes set while the span ran
        else:
            merged.setdefault(key, value)
    return merged


def _attrs(event: Mapping[str, Any]) -> Mapping[str, Any]:
    attrs = event.get("attrs")
    return attrs if isinstance(attrs, Mapping) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
