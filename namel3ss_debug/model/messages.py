"""The one-line messages we print ourselves, with any control characters in them made visible.

Stdlib only: the tracer (imported by apps) prints warnings too, and must not import rich.
"""

from __future__ import annotations

import re

# C0 and C1 controls (but tab and newline), the line and paragraph separators, the bidirectional overrides
# and isolates that can make text read differently from what it is ("Trojan Source"), and lone surrogates
# (from bytes that were not UTF-8), which no terminal encoding can write.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`\\x1b[31m` and friends become printable escapes, so no text can drive the terminal or reorder itself."""
    return _CONTROL.sub(_escape, text)


def plural(count: int, noun: str) -> str:
    """`1 failed span`, `2 failed spans`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def error_line(message: str) -> str:
    """The one line of an error of ours, as plain text."""
    return f"namel3ss-debug: error: {visible(message)}"


def warning_line(message: str) -> str:
    """The one line of a warning, as plain text."""
    return f"namel3ss-debug: warning: {visible(message)}"
