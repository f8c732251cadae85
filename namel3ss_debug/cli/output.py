"""The one way a command shows its result: `show(record, fmt, views)`, each format a view of the same record.

A view names its function in `render/` (imported only when that format is shown, so JSON never loads Rich) and
says what the function gives:

    ANALYZE = {"table": View("render.analyze.table:render_report", DRAWS),
               "json": View("render.analyze.analyze_json:render_json", BYTES, "\\n"),
               "markdown": View("render.analyze.markdown:render_markdown", TEXT)}
    show(report, fmt, ANALYZE, page=not no_pager)

`report_views(table, json, markdown)` makes those three, the formats of every report (analyze, diagnose, diff).

BYTES and TEXT go to stdout as they are (then `end`); a RENDERABLE is printed on the console; a view that DRAWS
prints on the console itself (paged, with `page`, when taller than a terminal); one that STREAMS writes its
record as it is read to a `Sink` (a paged console for a table, stdout's bytes for JSON).
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from typing import IO, Any, Callable

from .pager import PagedOutput, PagerClosed, drop_stdout

BYTES, TEXT, RENDERABLE, DRAWS, STREAMS = "bytes", "text", "renderable", "draws", "streams"


@dataclass(frozen=True)
class View:
    """One format of a record: `render`, "module:function" under the package (or the function itself), and
    what it gives (BYTES, TEXT, RENDERABLE, DRAWS, STREAMS); `end` follows BYTES and TEXT."""

    render: str | Callable[..., Any]
    gives: str
    end: str = ""

    def function(self) -> Callable[..., Any]:
        if callable(self.render):
            return self.render
        module, name = self.render.split(":")
        function: Callable[..., Any] = getattr(importlib.import_module(f"..{module}", __package__), name)
        return function


def report_views(table: str, json: str, markdown: str) -> dict[str, View]:
    """A report's three formats, each "module:function" under the package: its table drawn on the console, its
    JSON document (a line) and its Markdown."""
    return {"table": View(table, DRAWS), "json": View(json, BYTES, "\n"), "markdown": View(markdown, TEXT)}


def show(record: Any, fmt: str, views: dict[str, View], *, page: bool = False,
         stdout: IO[bytes] | None = None) -> None:
    """Show `record` in format `fmt` on stdout (`stdout`: where bytes go instead, such as `kept_stdout()`'s)."""
    view = views[fmt]
    render = view.function()
    if view.gives == STREAMS:
        _stream(render, record, fmt, page)
    elif view.gives == BYTES:
        binary = stdout or sys.stdout.buffer
        binary.write(render(record) + view.end.encode("utf-8"))
        binary.flush()
    elif view.gives == TEXT:
        sys.stdout.write(render(record) + view.end)
        sys.stdout.flush()
    elif view.gives == RENDERABLE:
        _paged(lambda out: out.print(render(record), soft_wrap=True), page)
    else:
        _paged(lambda out: render(out, record), page)


def tell(view: str, *args: Any) -> None:
    """A line on stderr (stdout is the result's): the renderable `view` ("module:function" under the package,
    loaded when told) makes of `args`, such as a try's progress or the app about to run."""
    console(stderr=True).print(View(view, RENDERABLE).function()(*args), soft_wrap=True)


def console(stderr: bool = False) -> Any:
    """The one Rich console (render/console.py) of stdout or stderr, Rich loaded only when one is wanted."""
    from ..render.console import make_console  # noqa: PLC0415 - Rich: not for --help, nor for JSON

    return make_console(stderr=stderr)


def kept_stdout(fmt: str) -> IO[bytes] | None:
    """For a command that runs an app with its output sent to stderr (`--format json`): the real stdout, kept
    open for the report; None for text."""
    if fmt != "json":
        return None
    sys.stdout.flush()
    return os.fdopen(os.dup(1), "wb")


def _paged(draw: Callable[[Any], None], page: bool) -> None:
    """What `draw` prints on a stdout console: through the pager when `page`, a terminal and it is taller than
    the screen (drawn whole first)."""
    out = console()
    output = PagedOutput(out, page=page)
    if not output.paging:
        draw(out)
        return
    with out.capture() as capture:
        draw(out)
    try:
        output.write(capture.get())
        output.close()
    except PagerClosed:
        pass


def _stream(render: Callable[..., Any], record: Any, fmt: str, page: bool) -> None:
    """Written as it is read; quitting the pager or closing the pipe ends the output quietly. Whatever happens,
    a running pager is waited for (it has the terminal), before any error is printed."""
    sink = Sink(fmt, page)
    try:
        render(record, sink)
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
    """Where a streamed view goes: `table` to the console (maybe paged), JSON bytes to stdout."""

    def __init__(self, fmt: str, page: bool):
        self.fmt = fmt
        self.binary = sys.stdout.buffer
        self.output: Any = None
        if fmt == "table":
            self.output = PagedOutput(console(), page)

    @property
    def width(self) -> int:
        return self.output.console.width if self.output is not None else 80

    @property
    def console(self) -> Any:
        assert self.output is not None
        return self.output.console

    def text(self, text: str) -> None:
        """Text already made (styled as the console writes styles: `render/paint.py`), paged like `print`."""
        assert self.output is not None
        self.output.write(text)

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
