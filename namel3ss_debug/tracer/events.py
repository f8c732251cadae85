"""Building event dicts: the envelope, error records and what an LLM call returned."""

from __future__ import annotations

import sys
import threading
from typing import Any, Protocol, cast

from ..model.error_category import categorize
from ..model.events import SCHEMA_VERSION
from .clock import iso_now
from .serialize import safe_repr


def envelope(run_id: str, event_type: str, component: str, name: str, span_id: str,
             parent_id: str | None, status: str) -> dict[str, Any]:
    """The fields every event has, in the order they are written; `seq` is set by the recorder."""
    return {"v": SCHEMA_VERSION, "run_id": run_id, "seq": 0, "ts": iso_now(), "event_type": event_type,
            "component": component, "name": name, "span_id": span_id, "parent_id": parent_id, "status": status}


def add_where(event: dict[str, Any]) -> None:
    """Thread name and, inside asyncio, task name: enough to untangle concurrent spans."""
    event["thread"], task = where_now()
    if task is not None:
        event["task"] = task


def where_now() -> tuple[str, str | None]:
    """The current thread's name and, inside asyncio, the current task's."""
    asyncio = sys.modules.get("asyncio")
    task = None
    if asyncio is not None:
        loop = asyncio._get_running_loop()  # returns None outside a loop, unlike current_task()
        task = asyncio.current_task(loop) if loop is not None else None
    return threading.current_thread().name, task.get_name() if task is not None else None


# A rerun raises a `ReplayedError` in place of a recorded type the app has not loaded; it names that type.
# Looked up, not imported: the tracer sits below `rerun`, and no such error exists before a rerun loads it.
_REPLAYED_ERRORS = "namel3ss_debug.rerun.errors"


class _Replayed(Protocol):
    """What the tracer reads of a rerun's `ReplayedError`."""

    type_name: str


def type_name(exc: BaseException) -> str:
    replayed = sys.modules.get(_REPLAYED_ERRORS)
    if replayed is not None and issubclass(type(exc), replayed.ReplayedError):  # type(): __class__ may fail
        return cast(_Replayed, exc).type_name
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def error_record(exc: BaseException, *, stack: bool) -> dict[str, Any]:
    """`{type, message, category, stack}` for an exception; never raises."""
    name = type_name(exc)
    try:
        message = str(exc)
    except Exception:
        message = safe_repr(exc)
    record = {"type": name, "message": message, "category": categorize(name, message)}
    if stack:
        import traceback  # noqa: PLC0415 - only errors need it

        try:
            record["stack"] = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        except Exception:
            pass
    return record


TOOL_ERROR = "ToolError"  # the type of a tool failure known only from what a framework's result or the wire said


def said_error(message: str, type_name: str = TOOL_ERROR) -> dict[str, Any]:
    """The error record of a failure known only from what was said of it (a result marked as an error, a
    framework's error text): no exception, so no stack; handled, since the run was told and went on."""
    return {"type": type_name, "message": message[:2000], "category": categorize(type_name, message),
            "handled": True}


def _field(value: Any, name: str) -> Any:
    if type(value) is dict:
        return value.get(name)
    try:  # a property of the app's object may raise anything: then the field is simply not there
        return getattr(value, name, None)
    except Exception:
        return None


def usage_of(result: Any) -> dict[str, int] | None:
    """Token usage from a return value with `usage` (dict or object), in either vendor's names.

    `prompt_tokens`/`completion_tokens` become `input_tokens`/`output_tokens`; other integer fields of a
    dict (such as `cache_read_input_tokens`) are kept; `total_tokens` defaults to their sum.
    """
    usage = _field(result, "usage")
    if usage is None:
        return None
    if type(usage) is dict:
        record = {key: value for key, value in usage.items() if type(key) is str and _is_count(value)}
    else:
        names = ("input_tokens", "output_tokens", "total_tokens", "prompt_tokens", "completion_tokens")
        record = {name: value for name in names if _is_count(value := _field(usage, name))}
    prompt, completion = record.pop("prompt_tokens", None), record.pop("completion_tokens", None)
    if "input_tokens" not in record and prompt is not None:
        record["input_tokens"] = prompt
    if "output_tokens" not in record and completion is not None:
        record["output_tokens"] = completion
    if "total_tokens" not in record and ("input_tokens" in record or "output_tokens" in record):
        record["total_tokens"] = record.get("input_tokens", 0) + record.get("output_tokens", 0)
    return record or None


def _is_count(value: Any) -> bool:
    return type(value) is int and 0 <= value < 2**63


def model_of(result: Any) -> str | None:
    model = _field(result, "model")
    return model if isinstance(model, str) else None


def cost_of(model: str | None, usage: dict[str, int] | None, prices: Any) -> float | None:
    """USD from `price_overrides` (per million tokens), when the model is priced there."""
    if not model or not usage or not prices or model not in prices:
        return None
    price = prices[model]
    cost: float = usage.get("input_tokens", 0) * price["input"] + usage.get("output_tokens", 0) * price["output"]
    return round(cost / 1_000_000, 8)
