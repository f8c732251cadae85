"""Short descriptions of events for `inspect`'s views, always as Rich `Text` built from visible text.

Nothing from a trace is ever parsed as markup here: every string is passed through `visible()` (control
characters shown as `\\x1b`, newlines as `\\n` where a line must stay one line) and put in a `Text`.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ..analysis.fields import is_failure, number, text_of, tokens_of
from ..model.events import kind as span_kind
from .text import visible

STATUS_STYLES = {"completed": "green", "failed": "bold red", "started": "yellow", "skipped": "dim",
                 "unclosed": "bold yellow"}


def one_line(value: Any, limit: int | None = None) -> str:
    """A field as one visible line, cut to `limit` characters with an ellipsis."""
    text = visible(text_of(value).replace("\r\n", "\n").replace("\n", "\\n").replace("\t", " "))
    if limit is not None and len(text) > limit:
        return text[: max(limit - 1, 0)] + "…"
    return text


def plain(value: Any, style: str = "") -> Text:
    """A trace value as a Text (no markup, controls visible, newlines kept)."""
    return Text(visible(text_of(value)), style=style)


def kind(event_type: Any) -> str:
    """`llm_call_end` -> `llm_call`; instants keep their whole type (any value read as text first)."""
    return span_kind(text_of(event_type))


def status_text(status: Any) -> Text:
    word = text_of(status)
    return Text(one_line(word, 12), style=STATUS_STYLES.get(word, ""))


def duration(ms: float | None) -> str:
    """`850µs`, `3.1ms`, `1.25s`, `2m03.4s`; `-` when unknown."""
    if ms is None:
        return "-"
    if ms < 1:
        return f"{ms * 1000:.0f}µs"
    if ms < 1000:
        return f"{ms:.1f}ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f}s"
    minutes, rest = divmod(ms / 1000, 60)
    return f"{int(minutes)}m{rest:04.1f}s"


def offset(ms: float | None) -> str:
    """A moment in the run: `+0.043s`."""
    return "-" if ms is None else f"+{ms / 1000:.3f}s"


def tokens(event: dict[str, Any]) -> str:
    count = tokens_of(event)
    return "" if count is None else str(count)


def event_duration(event: dict[str, Any]) -> float | None:
    return number(event.get("duration_ms"))


def preview(event: dict[str, Any], limit: int = 120) -> Text:
    """The most telling part of an event on one line: its error, else its outputs, inputs or attrs."""
    if is_failure(event):
        return Text(one_line(error_summary(event), limit), style="red")
    for key in ("outputs", "inputs", "attrs"):
        value = event.get(key)
        if value not in (None, {}, [], ""):
            return Text(one_line(_unwrap(value), limit), style="dim" if key == "attrs" else "")
    return Text("")


def error_summary(event: dict[str, Any]) -> str:
    """`TimeoutError: search timed out` from an `error` object or string; the status when there is none."""
    error = event.get("error")
    if isinstance(error, dict):
        kind_ = text_of(error.get("type")) or "error"
        message = text_of(error.get("message"))
        return f"{kind_}: {message}" if message else kind_
    if error:
        return text_of(error)
    return text_of(event.get("status"))


def _unwrap(value: Any) -> Any:
    """`{"return": x}` and `{"text": x}` show as x: the wrapper says nothing."""
    while isinstance(value, dict) and len(value) == 1:
        inner = next(iter(value.values()))
        if not isinstance(inner, (dict, str)):
            break
        value = inner
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return value["text"]
    return value
