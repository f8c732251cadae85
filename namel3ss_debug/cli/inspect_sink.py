"""Where `inspect` output goes: a table to the Rich console (paged on a terminal), JSON bytes to stdout."""

from __future__ import annotations

import sys
from typing import Any

from ..render.inspect import to_json as js
from ..store.reader import Located, TraceReader
from .inspect_cmd import InspectRequest


class Sink:
    """Where a view's output goes: `table` to the console (maybe paged), JSON bytes to stdout."""

    def __init__(self, request: InspectRequest):
        self.fmt = request.fmt
        self.binary = sys.stdout.buffer
        self.output: Any = None
        if self.fmt == "table":
            from ..render.console import make_console  # noqa: PLC0415 - Rich only for tables
            from .pager import Output  # noqa: PLC0415

            self.output = Output(make_console(), request.page)

    @property
    def width(self) -> int:
        return self.output.console.width if self.output is not None else 80

    def print(self, renderable: Any, **options: Any) -> None:
        assert self.output is not None
        self.output.print(renderable, **options)

    @property
    def paged(self) -> bool:
        return self.output is not None and self.output.paged

    def write(self, data: bytes) -> None:
        self.binary.write(data)

    def close(self) -> None:
        if self.output is not None:
            self.output.close()
        else:
            self.binary.flush()


def problems_of(reader: TraceReader) -> dict[str, Any]:
    problems = reader.problems
    return {"invalid_lines": problems.invalid_count, "invalid": problems.invalid, "torn_lines": problems.torn,
            "empty_files": problems.empty_files}


def write_events(sink: Sink, view: str, items: list[Located], **body: Any) -> None:
    if sink.fmt == "jsonl":
        for item in items:
            sink.write(js.dumps(item.event) + b"\n")
        return
    document = js.document(view, **body, events=[item.event for item in items], where=[item.where for item in items])
    sink.write(js.dumps(document) + b"\n")
