"""The typed view of a v1 event that `analyze` reads: only the fields it needs, decoded by msgspec.

Decoding a whole block of lines into these records in C is what makes analysis fast; fields it does
not name are skipped without building Python objects. `inputs`, `outputs` and `attrs` stay raw JSON
bytes, hashed or decoded only when an analysis (or `diff`'s fingerprints) needs them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

import msgspec
from msgspec import Meta

from .lines import decode_line
from ..model.json_types import JsonEvent, JsonObject, JsonValue

# Bounds that keep every figure finite and every reference packable (run << 44 | seq): a value past them
# is not a measurement but a broken writer, and is reported like a value of the wrong type.
MAX_SEQ = 2**43
MAX_COUNT = 2**53
MAX_AMOUNT = 1e12  # ms (30 years), USD or MB
Seq = Annotated[int, Meta(ge=0, lt=MAX_SEQ)]
Count = Annotated[int, Meta(ge=0, le=MAX_COUNT)]
Milliseconds = Annotated[float, Meta(ge=0, le=MAX_AMOUNT)]
Money = Annotated[float, Meta(ge=0, le=MAX_AMOUNT)]
Megabytes = Annotated[float, Meta(ge=0, le=MAX_AMOUNT)]


class ErrorInfo(msgspec.Struct, gc=False, omit_defaults=True):
    type: Optional[str] = None
    message: Optional[str] = None
    category: Optional[str] = None
    handled: Optional[bool] = None  # the writer knows the run went on with it (`analysis/handling.py`)
    inferred: Optional[bool] = None  # read from a result that reads as an error (`model/error_shape.py`)
    stack: Optional[str] = None  # the traceback, as the tracer wrote it (`model/stack_frames.py` reads it)


class Usage(msgspec.Struct, gc=False, omit_defaults=True):
    input_tokens: Optional[Count] = None
    output_tokens: Optional[Count] = None
    total_tokens: Optional[Count] = None

    @property
    def total(self) -> int:
        """`total_tokens`, or input + output when the total is missing."""
        if self.total_tokens is not None:
            return self.total_tokens
        return (self.input_tokens or 0) + (self.output_tokens or 0)


class EventRecord(msgspec.Struct, gc=False):
    """One event: the v1 envelope (all required) and the optional fields analysis uses."""

    v: Literal[1]
    run_id: str
    seq: Seq
    ts: str
    event_type: str
    component: str
    name: str
    span_id: str
    parent_id: Optional[str]
    status: str
    duration_ms: Optional[Milliseconds] = None
    usage: Optional[Usage] = None
    model: Optional[str] = None
    cost_usd: Optional[Money] = None
    error: Optional[ErrorInfo] = None
    memory_mb: Optional[Megabytes] = None
    inputs: msgspec.Raw = msgspec.Raw(b"")
    outputs: msgspec.Raw = msgspec.Raw(b"")
    attrs: msgspec.Raw = msgspec.Raw(b"")


ENVELOPE = ("v", "run_id", "seq", "ts", "event_type", "component", "name", "span_id", "parent_id", "status")

# Any: msgspec types and `Annotated` constraints, one per field, which no one type names
_OPTIONAL: dict[str, Any] = {"duration_ms": Milliseconds, "usage": Usage, "model": str, "cost_usd": Money,
                             "error": ErrorInfo, "memory_mb": Megabytes}

BLOCK_DECODER = msgspec.json.Decoder(EventRecord)
_ENCODER = msgspec.json.Encoder()


def attrs_of(record: EventRecord) -> JsonObject:
    """The event's `attrs` as a dict (empty when absent or not an object).

    The block decoder keeps `attrs` as raw bytes it did not look into: what msgspec then refuses (a string
    that is not UTF-8, a number past a double's or a 64-bit range) is read leniently, as an event read again
    is (`lines.decode_line`: bad bytes replaced), not raised.
    """
    raw = bytes(record.attrs)
    if not raw:
        return {}
    try:
        value = msgspec.json.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        value = decode_line(raw)
    return value if isinstance(value, dict) else {}


class _Framework(msgspec.Struct, gc=False):
    framework: Optional[str] = None


_FRAMEWORK_DECODER = msgspec.json.Decoder(_Framework)


def framework_of(record: EventRecord) -> str | None:
    """The event's `attrs.framework` when it is a string (what the integrations write), else None.

    Decoded for that one key (the rest of `attrs` skipped, no objects built): about 3x cheaper than `attrs_of` on a
    start carrying a prompt; what msgspec refuses is read leniently, as `attrs_of` reads it.
    """
    try:
        return _FRAMEWORK_DECODER.decode(record.attrs).framework
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        framework = attrs_of(record).get("framework")
        return framework if isinstance(framework, str) else None


def record_from_dict(event: JsonEvent) -> tuple[EventRecord, list[str]]:
    """A record from an event dict (a mapped legacy line, or a line the block decoder refused).

    Envelope fields must be right (`ValueError` names the first that is not, see `envelope_record`); an
    optional field of the wrong type is dropped and named in the returned list, so one odd field does not
    cost the event.
    """
    return _with_optional(envelope_record(event), event)


def envelope_record(event: JsonEvent) -> EventRecord:
    """A record of the event's envelope alone, its optional fields left unset: the check that decides
    whether a dict is an event (`ValueError` names the first envelope field that is missing or wrong)."""
    missing = [key for key in ENVELOPE if key not in event]
    if missing:
        raise ValueError(f"missing field `{missing[0]}`")
    data = {key: event[key] for key in ENVELOPE}
    try:
        return msgspec.convert(data, EventRecord)
    except msgspec.ValidationError as error:
        raise ValueError(_field_message(error)) from None


def _with_optional(record: EventRecord, event: JsonEvent) -> tuple[EventRecord, list[str]]:
    dropped = []
    for key, kind in _OPTIONAL.items():
        if event.get(key) is None:
            continue
        try:
            value = msgspec.convert(event[key], kind)
        except msgspec.ValidationError:
            dropped.append(key)
            continue
        setattr(record, key, value)
    for key in ("inputs", "outputs", "attrs"):
        if key in event:
            try:
                setattr(record, key, msgspec.Raw(_ENCODER.encode(event[key])))
            except (RecursionError, TypeError, msgspec.EncodeError):  # nested past the encoder's depth
                dropped.append(key)
    return record, dropped


def _field_message(error: msgspec.ValidationError) -> str:
    """msgspec says `Expected `int`, got `str` - at `$.seq``; we say "field `seq`: expected int, got str"."""
    text = str(error)
    what, _, where = text.partition(" - at `$")
    field = where.rstrip("`").lstrip(".") or "?"
    return f"field `{field}`: {what.replace('`', '').lower()}"


def odd_fields(event: JsonEvent) -> list[str]:
    """The optional fields of an event dict that a record would not take (wrong type, out of range).

    The dict readers (`inspect`) keep the event as it is, but say so, as `analyze` does when it drops them.
    """
    odd: list[str] = [key for key in ("duration_ms", "cost_usd", "memory_mb")
                      if key in event and event[key] is not None and not _bounded_number(event[key])]
    usage = event.get("usage")
    if usage is not None and not (isinstance(usage, dict) and all(
            _count(usage.get(key)) for key in ("input_tokens", "output_tokens", "total_tokens"))):
        odd.append("usage")
    if event.get("model") is not None and not isinstance(event["model"], str):
        odd.append("model")
    if event.get("error") is not None and not isinstance(event["error"], dict):
        odd.append("error")
    return odd


def _bounded_number(value: JsonValue) -> bool:
    return type(value) in (int, float) and 0 <= value <= MAX_AMOUNT


def _count(value: JsonValue) -> bool:
    return value is None or (type(value) is int and 0 <= value <= MAX_COUNT)
