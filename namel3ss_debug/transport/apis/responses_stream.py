"""What a Responses stream adds up to, as a Response object: the one its last lifecycle event
(`response.completed`, `.incomplete` or `.failed`) carries, else the latest started one
(`response.created`/`.in_progress`) with the output rebuilt from the items and deltas that came (a
stream cut short). The SDK also rebuilds a final response that has no `output` from the
`response.output_item.done` items, so that is done here too."""

from __future__ import annotations

from typing import Any

from .values import count, data_of, field, items, kind_of, text

_FINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})
_STARTED = frozenset({"response.created", "response.in_progress", "response.queued"})
_REBUILT_FROM = frozenset({"response.output_item.added", "response.output_item.done",
                           "response.output_text.delta", "response.function_call_arguments.delta"})
_ARGUMENTS = -1  # the content index a function call's argument deltas are kept under


def final_response(frames: list[dict[str, Any]]) -> dict[str, Any]:
    """The stream's response object (`{"output": []}` when the frames name none and carry no output)."""
    response = _lifecycle_response(frames)
    output = response.get("output")
    if isinstance(output, list) and output:
        return response
    return {**response, "output": _rebuilt_output(frames)}


def _lifecycle_response(frames: list[dict[str, Any]]) -> dict[str, Any]:
    latest = None
    for frame in reversed(frames):
        kind = kind_of(frame)
        if kind in _FINAL:
            latest = frame
            break
        if kind in _STARTED and latest is None:
            latest = frame
    response = field(data_of(latest), "response")
    return response if isinstance(response, dict) else {}


def _rebuilt_output(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The output items, by `output_index`: each one done as sent, else as added plus its deltas."""
    added: dict[int, dict[str, Any]] = {}
    done: dict[int, dict[str, Any]] = {}
    deltas: dict[tuple[int, int], list[str]] = {}  # (output index, content index or _ARGUMENTS) -> parts
    for frame in frames:
        kind, data = kind_of(frame), data_of(frame)
        index = count(field(data, "output_index"))
        if data is None or index is None or kind not in _REBUILT_FROM:  # no data has no index: said for mypy
            continue
        if kind.startswith("response.output_item."):
            if isinstance(data.get("item"), dict):
                (added if kind.endswith("added") else done)[index] = data["item"]
        elif text(data.get("delta")):
            at = _ARGUMENTS if "arguments" in kind else count(data.get("content_index")) or 0
            deltas.setdefault((index, at), []).append(data["delta"])
    indexes = sorted(added.keys() | done.keys() | {index for index, _ in deltas})
    return [done.get(index) or _with_deltas(added.get(index), index, deltas) for index in indexes]


def _with_deltas(item: dict[str, Any] | None, index: int, deltas: dict[tuple[int, int], list[str]]) -> dict[str, Any]:
    """An added item (copied: the frames stay as recorded) completed by its deltas."""
    mine = {at: "".join(parts) for (of, at), parts in deltas.items() if of == index}
    if item is None:
        item = {"type": "function_call" if _ARGUMENTS in mine else "message"}
    item = dict(item)
    if item.get("type") == "function_call":
        item["arguments"] = (text(item.get("arguments")) or "") + mine.get(_ARGUMENTS, "")
    elif item.get("type") == "message":
        content = [dict(part) for part in items(item.get("content"))]
        for at, joined in sorted(item for item in mine.items() if item[0] != _ARGUMENTS):
            content.extend({"type": "output_text", "text": ""} for _ in range(at + 1 - len(content)))
            content[at]["text"] = (text(content[at].get("text")) or "") + joined
        item["content"] = content
    return item
