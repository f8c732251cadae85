"""The one Console factory: only `cli/` builds a Console, and passes it down."""

from __future__ import annotations

from rich.console import Console


def make_console(stderr: bool = False) -> Console:
    """A Rich Console on stdout (or stderr) without automatic highlighting or emoji codes.

    `:name:` in a trace or a config value stays literal. Rich itself honours NO_COLOR and drops
    styles when the stream is not a terminal.
    """
    return Console(stderr=stderr, highlight=False, emoji=False)
