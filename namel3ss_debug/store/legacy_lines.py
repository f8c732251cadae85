"""One line of the legacy namel3ss debug format, checked and normalised into a `LegacyLine`.

`parse_line` does what needs only the line itself (event type, component, time, ids, error, usage,
model, the attrs that keep what v1 has no field for); pairing, span ids and the run are
`legacy.LegacyMapper`'s. The format and how each field maps are described in `legacy`.
Invalid values raise ValueError with a short message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model.error_category import categorize
from ..model.events import COMPONENTS, EVENT_TYPES, is_end
from ..model.json_types import JsonObject, JsonValue
from .foreign import has_content, is_number, unix_to_iso
from .problems import shown

_CUSTOM_TYPE = re.compile(r"^custom_[a-z0-9_]+$")
# "openai.RateLimitError: slow down": a dotted name whose last part is capitalised, as classes are.
_TYPED_MESSAGE = re.compile(r"^((?:[A-Za-z_]\w*\.)*[A-Z]\w*): (.*)$", re.DOTALL)
# The run's own events belong to us: a legacy line claiming to be one is read as an unknown type.
_FOREIGN_TYPES = frozenset(EVENT_TYPES) - {"run_start", "run_end", "segment_start"}
_UNKNOWN_TYPE = "custom_legacy_event"

# Event-type prefixes that decide the component; checked in order.
_TYPE_COMPONENTS = (
    ("app_load", "app"),
    ("agent_", "agent"),
    ("llm_call", "llm"),
    ("tool_call", "tool"),
    ("prompt_execution", "prompt"),
    ("chain_", "chain"),
    ("memory_", "memory"),
    ("validation", "validation"),
)

_KNOWN_FIELDS = frozenset({
    "event_type", "event_id", "timestamp", "parent_event_id", "execution_id", "component",
    "component_name", "inputs", "outputs", "metadata", "duration_ms", "status", "error",
    "memory_usage_mb", "tokens_used", "cost_estimate",
})
_TOKEN_ALIASES = {"prompt_tokens": "input_tokens", "completion_tokens": "output_tokens"}


@dataclass
class LegacyLine:
    """A legacy line after validation: what the mapper needs, in v1 terms where they are per-line."""

    source_type: str
    event_type: str
    event_id: str | None
    parent_event_id: str | None
    execution_id: str | None
    component: str
    name: str | None
    seconds: float
    status: str | None
    error: dict[str, str] | None
    duration_ms: float | None
    optional: JsonObject = field(default_factory=dict)  # inputs, outputs, usage, model, cost_usd, memory_mb
    attrs: JsonObject = field(default_factory=dict)


def parse_line(obj: JsonObject) -> LegacyLine:
    """The checked record of one legacy line; ValueError names the first field that is not valid."""
    if not isinstance(obj, dict):
        raise ValueError(f"a legacy event is a JSON object, not {type(obj).__name__}")
    source_type = obj.get("event_type")
    if not isinstance(source_type, str) or not source_type:
        raise ValueError(f"event_type is not a non-empty string: {shown(source_type)}")
    event_type = _v1_type(source_type)
    outputs = obj.get("outputs")
    line = LegacyLine(
        source_type=source_type, event_type=event_type,
        event_id=_optional_id(obj, "event_id"), parent_event_id=_optional_id(obj, "parent_event_id"),
        execution_id=_optional_id(obj, "execution_id"),
        component=_component(event_type, obj.get("component")), name=_optional_text(obj, "component_name"),
        seconds=_timestamp(obj.get("timestamp")), status=_optional_text(obj, "status"),
        error=_error(obj.get("error"), _error_type_hint(obj), is_end(event_type)),
        duration_ms=_non_negative(obj, "duration_ms"),
    )
    line.optional = _optional_fields(obj, outputs)
    line.attrs = _source_attrs(obj, line)
    return line


def _v1_type(source_type: str) -> str:
    if source_type in _FOREIGN_TYPES or (_CUSTOM_TYPE.match(source_type) and source_type != _UNKNOWN_TYPE):
        return source_type
    return _UNKNOWN_TYPE


def _component(event_type: str, source: JsonValue) -> str:
    """The event type decides where it can (the legacy writer put memory operations under `agent`)."""
    for prefix, component in _TYPE_COMPONENTS:
        if event_type.startswith(prefix):
            return component
    return source if source in COMPONENTS else "custom"


def _timestamp(value: JsonValue) -> float:
    if not is_number(value):
        raise ValueError(f"timestamp is not a number of seconds: {shown(value)}")
    unix_to_iso(value)  # out-of-range times fail here, before any state changes
    return float(value)


def _optional_id(obj: JsonObject, key: str) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"{key} is not a string: {shown(value)}")


def _optional_text(obj: JsonObject, key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} is not a string: {shown(value)}")
    return value


def _non_negative(obj: JsonObject, key: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if not is_number(value) or value < 0:
        raise ValueError(f"{key} is not a non-negative number: {shown(value)}")
    return float(value)


def _error_type_hint(obj: JsonObject) -> str | None:
    """`error_occurred` names the class in metadata; a failed span's end in its outputs."""
    for key in ("metadata", "outputs"):
        holder = obj.get(key)
        if isinstance(holder, dict) and isinstance(name := holder.get("error_type"), str) and name:
            return name
    return None


def _error(text: JsonValue, type_hint: str | None, end: bool) -> dict[str, str] | None:
    if text is not None and not isinstance(text, str):
        raise ValueError(f"error is not a string: {shown(text)}")
    # An exception with an empty message still failed: its end says so only through outputs.error_type.
    if not text and not (end and type_hint):
        return None
    type_name, message = _split_error(text or "")
    type_name = type_hint or type_name
    return {"type": type_name, "message": message, "category": categorize(type_name, message)}


def _split_error(text: str) -> tuple[str, str]:
    """`"TimeoutError: slow"` -> `("TimeoutError", "slow")`; plain text has the type `Error`."""
    match = _TYPED_MESSAGE.match(text)
    return (match.group(1), match.group(2)) if match else ("Error", text)


def _optional_fields(obj: JsonObject, outputs: JsonValue) -> JsonObject:
    inputs = obj.get("inputs")
    found: JsonObject = {
        "inputs": inputs if has_content(inputs) else None,
        "outputs": outputs if has_content(outputs) else None,
        "usage": _usage(obj.get("tokens_used"), outputs),
        "model": _model(inputs, outputs),
        "cost_usd": _non_negative(obj, "cost_estimate"),
        "memory_mb": _non_negative(obj, "memory_usage_mb"),
    }
    return {key: value for key, value in found.items() if value is not None}



def _model(inputs: JsonValue, outputs: JsonValue) -> str | None:
    for holder in (outputs, inputs):
        if isinstance(holder, dict) and isinstance(model := holder.get("model"), str) and model:
            return model
    return None


def _usage(tokens_used: JsonValue, outputs: JsonValue) -> dict[str, int] | None:
    usage = _usage_from_tokens(tokens_used)
    # The legacy LLM hook put the split counts in the end's outputs, never in tokens_used.
    if isinstance(outputs, dict):
        for source, target in _TOKEN_ALIASES.items():
            value = outputs.get(source)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0 and target not in usage:
                usage[target] = value
    if "total_tokens" not in usage and {"input_tokens", "output_tokens"} <= set(usage):
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
    return usage or None


def _usage_from_tokens(tokens_used: JsonValue) -> dict[str, int]:
    if tokens_used is None:
        return {}
    if isinstance(tokens_used, dict):
        counts: JsonObject = tokens_used  # a JSON object's: its keys are text
        return {_TOKEN_ALIASES.get(key, key): _token_count(key, value) for key, value in counts.items()}
    return {"total_tokens": _token_count("tokens_used", tokens_used)}


def _token_count(key: str, value: JsonValue) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} is not a non-negative whole number: {shown(value)}")
    return value


def _source_attrs(obj: JsonObject, line: LegacyLine) -> JsonObject:
    """What v1 has no field for, so that nothing of the source line is lost."""
    attrs: JsonObject = {}
    metadata = obj.get("metadata")
    if has_content(metadata):
        attrs["metadata"] = metadata
    if line.event_type != line.source_type:
        attrs["legacy_event_type"] = line.source_type
    source_component = obj.get("component")
    if source_component is not None and source_component != line.component:
        attrs["legacy_component"] = source_component
    extra = {key: value for key, value in obj.items() if key not in _KNOWN_FIELDS}
    if extra:
        attrs["extra"] = extra
    return attrs
