"""The one Console factory: only `cli/` builds a Console, and passes it down."""

from __future__ import annotations

import os
import sys
from typing import Any

from rich.console import Console, Group
from rich.text import Text

# Off a terminal no window says how wide a line may be: tables are laid out this wide unless COLUMNS says otherwise.
OFF_TERMINAL_WIDTH = 200


class LogConsole(Console):
    """A Console off a terminal (a pipe, a file, a CI log): a line of text is printed whole, never wrapped.

    Text only: a highlighted block (inspect's JSON) is printed as its text, which is all a stream off a terminal
    shows of it, and a group of such lines as one text; a table or a tree is still laid out to the console's
    width, because Rich crops, rather than keeps, what such a renderable draws past it.
    """

    def print(self, *objects: Any, soft_wrap: bool | None = None, **options: Any) -> None:
        objects = tuple(self._as_text(item) for item in objects)
        if soft_wrap is None and all(isinstance(item, (str, Text)) for item in objects):
            soft_wrap = True
        super().print(*objects, soft_wrap=soft_wrap, **options)

    def _as_text(self, item: Any) -> Any:
        # Not imported here: rich.syntax loads Pygments, which no other view needs at start-up, and no item can be
        # a Syntax unless its maker (inspect's JSON view) has imported the module already.
        syntax = sys.modules.get("rich.syntax")
        if syntax is not None and isinstance(item, syntax.Syntax):
            return Text(item.code.rstrip("\n"))
        if isinstance(item, Group):
            parts = [self._as_text(part) for part in item.renderables]
            if all(isinstance(part, (str, Text)) for part in parts):
                return Text("\n").join(self.render_str(part) if isinstance(part, str) else part for part in parts)
        return item


def make_console(stderr: bool = False) -> Console:
    """A Rich Console on stdout (or stderr) without automatic highlighting or emoji codes.

    `:name:` in a trace or a config value stays literal. Rich itself honours NO_COLOR and drops
    styles when the stream is not a terminal.

    On a terminal, lines wrap at its width. Off one, a line of text (JSON, an error, a verdict) is never
    wrapped, so grep and jq see it whole, and tables are laid out `COLUMNS` wide, or `OFF_TERMINAL_WIDTH`.
    """
    console = Console(stderr=stderr, highlight=False, emoji=False)
    if console.is_terminal:
        return console
    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else OFF_TERMINAL_WIDTH
    return LogConsole(stderr=stderr, highlight=False, emoji=False, width=width)
