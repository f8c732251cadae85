"""Text from a trace is shown as text: Rich markup is escaped and terminal control characters made visible."""

from __future__ import annotations

import re

from rich.markup import escape

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """`\\x1b[31m` and friends become printable escapes, so a trace cannot drive the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def safe(value: object) -> str:
    """Any value from a trace, ready to embed in Rich markup."""
    return escape(visible(str(value)))


def error_line(message: str) -> str:
    """The one line of an error of ours, as plain text."""
    return f"namel3ss-debug: error: {visible(message)}"


def warning_line(message: str) -> str:
    """The one line of a warning, as plain text."""
    return f"namel3ss-debug: warning: {visible(message)}"


def plural(count: int, noun: str) -> str:
    """`1 failed span`, `2 failed spans`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
