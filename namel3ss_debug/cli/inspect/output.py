"""Where `inspect` output goes: a table to the Rich console (paged on a terminal), JSON bytes to stdout.

`show` hands a view's record to its renderer, in this folder's `show_*` module named as the ops/inspect
`read_*` module that read it, imported only when that view is shown.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any, Iterable

from ...render.inspect import inspect_json as js
from ..pager import Output, PagerClosed, drop_stdout

if TYPE_CHECKING:
    from ...ops.inspect.inspect import InspectRequest
    from ...store.problems import ReadProblems
    from ...store.reader import Located

VIEWS = {
    "events": ("show_list", "show_events"), "event": ("show_event", "show_event"),
    "span": ("show_shape", "show_span"), "tree": ("show_shape", "show_tree"),
    "timeline": ("show_shape", "show_timeline"), "journey": ("show_story", "show_journey"),
    "causality": ("show_story", "show_causality"),
}


def show(request: InspectRequest, record: Any) -> None:
    """Show the view's record; quitting the pager or closing the pipe ends the output quietly.

    Whatever happens, a running pager is waited for (it has the terminal), before any error is printed.
    """
    module, name = VIEWS[request.view]
    render = getattr(importlib.import_module(f".{module}", __package__), name)
    sink = Sink(request)
    try:
        render(request, record, sink)
    except PagerClosed:
        pass
    except KeyboardInterrupt:
        if not sink.paged:  # with a pager, Ctrl-C went to it too, and it decides
            raise
    except BrokenPipeError:
        drop_stdout()
    finally:
        sink.close()


class Sink:
    """Where a view's output goes: `table` to the console (maybe paged), JSON bytes to stdout."""

    def __init__(self, request: InspectRequest):
        self.fmt = request.fmt
        self.binary = sys.stdout.buffer
        self.output: Any = None
        if self.fmt == "table":
            from ...render.console import make_console  # noqa: PLC0415 - Rich only for tables

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
