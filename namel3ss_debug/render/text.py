"""Text from a trace is shown as text: Rich markup is escaped and terminal control characters made visible."""

from __future__ import annotations

from rich.markup import escape

from ..model.messages import error_line, visible, warning_line

__all__ = ["error_line", "plural", "safe", "visible", "warning_line"]


def safe(value: object) -> str:
    """Any value from a trace, ready to embed in Rich markup."""
    return escape(visible(str(value)))


def plural(count: int, noun: str) -> str:
    """`1 failed span`, `2 failed spans`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
