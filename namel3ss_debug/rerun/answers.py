"""What a call the rerun answers gets instead of running: a value (or the items a generator yields) or an
exception, and the fields its end event records, as the recording had them.
"""

from __future__ import annotations

from typing import TypedDict

import orjson

from ..model.rerun_protocol import RECORDED, AnsweredSpan
from ..model.values import decode
from ..model.json_types import Foreign, JsonEvent, JsonValue
from .errors import rebuild_error


class Unanswerable(Exception):
    """The recording has this call but not a result the app could be given; the message says why."""


class _Recorded(TypedDict, total=False):
    """What every answer from a recording carries, whatever the call returned or raised."""

    outputs: JsonValue
    usage: JsonValue
    model: JsonValue
    recorded_key: str
    attrs: JsonValue
    note: str | None


class Answer:
    """An answered call's result and how its span ends; `note` says when it is not what the call
    returned (a recorded result that was cut or redacted). A `handled` error was turned into a message for
    the model (`error.handled`); the span ends failed with it, and `raises` says whether the app gets the
    exception (the framework made the message outside the call) or `value`, the message recorded."""

    __slots__ = ("source", "value", "items", "error", "handled", "raises", "outputs", "usage", "model",
                 "recorded_key", "note", "attrs")

    def __init__(self, source: str, *, value: Foreign = None, items: list[Foreign] | None = None,
                 error: BaseException | None = None, handled: bool = False, raises: bool = True,
                 outputs: JsonValue = None, usage: JsonValue = None, model: JsonValue = None,
                 recorded_key: str | None = None, note: str | None = None, attrs: JsonValue = None):
        self.source, self.value, self.items, self.error = source, value, items or [], error
        self.handled, self.raises = handled, raises and error is not None
        self.outputs, self.usage, self.model, self.recorded_key = outputs, usage, model, recorded_key
        self.note = note
        self.attrs = attrs  # the recorded end's attrs: what the call's body set on its span

    def prepare(self, span: AnsweredSpan) -> None:
        """Give the span the recorded outputs, usage and model, and say where its answer came from."""
        span.outputs = self.outputs
        if isinstance(self.usage, dict):
            span.usage = self.usage
        if isinstance(self.model, str):
            span.model = self.model
        mark(span, self.source, self.recorded_key)

    def restore_attrs(self, span: AnsweredSpan) -> None:
        """Give a call whose body did not run the attrs its body set on its span when recorded (a
        decorated function's `set_attribute`, a framework hook's), those it has now winning."""
        if not isinstance(self.attrs, dict):
            return
        for key, value in self.attrs.items():
            if key not in _MARKS and key not in (span.attrs or {}):
                span.set_attribute(key, value)


_MARKS = ("replay", "replay_of")  # how a rerun answered: its own, never the recording's


def mark(span: AnsweredSpan, source: str, recorded_key: str | None) -> None:
    """`attrs.replay` says how a rerun answered the call; `attrs.replay_of`, which recorded call."""
    span.set_attribute("replay", source)
    if recorded_key is not None:
        span.set_attribute("replay_of", recorded_key)


def from_recording(end: JsonEvent | None, codec: Foreign, key: str, where: str, generator: bool = False) -> Answer:
    """The answer the recorded end event gives: its return value (or yielded items), or its error."""
    if end is None:
        raise Unanswerable(f"the recording has {key} start but never end (the run stopped inside it)")
    outputs, error = end.get("outputs"), end.get("error")
    common: _Recorded = {"outputs": outputs, "usage": end.get("usage"), "model": end.get("model"),
                         "recorded_key": key, "attrs": end.get("attrs")}
    if end.get("status") == "failed" and isinstance(error, dict):
        handled = error.get("handled") is True
        if handled and isinstance(outputs, dict) and "return" in outputs:  # the message the model got
            return Answer(RECORDED, value=decode(outputs["return"], codec), error=rebuild_error(error, where),
                          handled=True, raises=False, **common)
        return Answer(RECORDED, error=rebuild_error(error, where), handled=handled, **common)
    wanted = "yielded" if generator else "return"
    if not isinstance(outputs, dict) or wanted not in outputs:
        if outputs is None:
            why = "outputs were not recorded (capture_outputs was off, or the event was cut)"
        elif generator or "yielded" in outputs:
            why = ("it was recorded as a generator and is now a plain function" if "yielded" in outputs
                   else "it is a generator now, and the recording has no items it yielded")
        else:
            why = "the call set its own outputs, so its return value was not recorded"
        raise Unanswerable(f"the recording of {key} has no result to give back: {why}")
    common["note"] = _inexact(end, key)
    if generator:
        return Answer(RECORDED, value=decode(outputs.get("return"), codec) if "return" in outputs else None,
                      items=[decode(item, codec) for item in outputs["yielded"]], **common)
    return Answer(RECORDED, value=decode(outputs["return"], codec), **common)


def _inexact(end: JsonEvent, key: str) -> str | None:
    """A recorded result cut to max_payload_size, or with secrets redacted, is not what the call
    returned: the rerun gives it back as recorded, and says so."""
    truncated = end.get("truncated")
    if isinstance(truncated, dict) and "outputs" in truncated:
        return f"{key}: its recorded result was cut to max_payload_size; the app got the cut value"
    outputs = end.get("outputs")
    if isinstance(outputs, dict) and outputs.get("yielded_truncated"):
        return (f"{key}: the recording kept {len(outputs.get('yielded') or [])} of the "
                f"{outputs.get('yield_count')} items it yielded; the app got those")
    if b"[REDACTED" in orjson.dumps(end.get("outputs"), default=str):
        return f"{key}: its recorded result has redacted secrets; the app got [REDACTED] in their place"
    return None


def from_value(source: str, value: JsonValue, codec: Foreign, key: str | None, generator: bool = False) -> Answer:
    """A mock's or a replacement's answer: `value` is what the call returns; a generator yields the
    items of a list (or the one value)."""
    if generator:
        items = value if isinstance(value, list) else [value]
        return Answer(source, items=[decode(item, codec) for item in items],
                      outputs={"yielded": items, "yield_count": len(items)}, recorded_key=key)
    return Answer(source, value=decode(value, codec), outputs={"return": value}, recorded_key=key)


def answer_json(answer: Answer | None) -> JsonValue:
    """The answer as the JSON a replacement would be: its return value, a generator's items, or null
    for an exception or no answer."""
    if answer is None or answer.raises:
        return None
    outputs = answer.outputs if isinstance(answer.outputs, dict) else {}
    if "return" in outputs:
        return outputs["return"]
    return outputs["yielded"] if "yielded" in outputs else answer.value
