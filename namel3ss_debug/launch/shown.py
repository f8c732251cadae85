"""Text a trace names (a path, a module, an argument) as we show it: on one line, unable to drive the terminal.

A trace is data anyone can write, and what it names goes into our messages and the rerun's question:
a newline there would start a line of its own ("Run it? [y/N]" printed by the trace), an escape
sequence would rewrite the screen. `visible` (model/messages.py) makes control characters visible
but keeps newlines and tabs, which a message of one line cannot hold.
"""

from __future__ import annotations

from ..model.messages import visible


def shown(text: str) -> str:
    """`a\\nb` for a newline, `\\x1b` for an escape; a backslash doubled, so no text passes for an escape."""
    return visible(text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t"))
