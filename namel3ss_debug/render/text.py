"""Text from a trace is shown as text: Rich markup is escaped and terminal control characters made visible."""

from __future__ import annotations

from rich.markup import escape

from ..model.messages import error_line, plural, visible, warning_line

__all__ = ["error_line", "plural", "safe", "safe_line", "visible", "warning_line"]


def safe(value: object) -> str:
    """Any value from a trace, ready to embed in Rich markup."""
    return escape(visible(str(value)))


def safe_line(value: object) -> str:
    """`safe`, on one line: a newline in a trace's text shows as `\\n`, so no text starts a line of its own
    (in a CI log, a line starting `::error::` is a GitHub Actions command)."""
    return escape(visible(str(value)).replace("\n", "\\n"))
