"""What `inspect`'s views share: a document's read problems, and events written as JSON or JSON Lines.

Each view streams its record to a `Sink` (cli/output.py): as JSON from this folder's `show_*` module named as
the ops/inspect `read_*` module that read it, as a table from tables.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, NamedTuple

from ...render.inspect import inspect_json as js

if TYPE_CHECKING:
    from ...ops.inspect.inspect import InspectRequest
    from ...store.problems import ReadProblems
    from ...store.reader import Located
    from ..output import Sink


class Viewed(NamedTuple):
    """What a view shows: the record ops/inspect read, and the request it answers (--limit, --full, filters)."""

    request: InspectRequest
    record: Any


def problems_of(problems: ReadProblems) -> dict[str, Any]:
    return {"invalid_lines": problems.invalid_count, "invalid": problems.invalid, "torn_lines": problems.torn,
            "empty_files": problems.empty_files}


def write_events(sink: Sink, view: str, items: Iterable[Located], **body: Any) -> None:
    if sink.fmt == "jsonl":
        for item in items:
            sink.write(js.dumps(item.event) + b"\n")
        return
    document = js.document(view, **body, events=[item.event for item in items], where=[item.where for item in items])
    sink.write(js.dumps(document) + b"\n")
