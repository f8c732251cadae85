"""The one-line messages we print ourselves, with any control characters in them made visible.

Stdlib only: the tracer (imported by apps) prints warnings too, and must not import rich.
"""

from __future__ import annotations

import re

from .invisible import INVISIBLE_BMP, is_invisible_wide

# C0 and C1 controls (but tab and newline), the line and paragraph separators, the invisible characters
# (`invisible.py`: zero-width, bidirectional overrides and isolates that make text read differently from
# what it is, "Trojan Source", tag characters, variation selectors), and lone surrogates (from bytes that were
# not UTF-8), which no terminal encoding can write. Any character past U+FFFF is looked at by `_escape`.
_CONTROL = re.compile(
    f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029\\ud800-\\udfff{INVISIBLE_BMP}\\U00010000-\\U0010ffff]")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _escape(match: re.Match[str]) -> str:
    """One notation everywhere, Python's: `\\x1b`, `\\u200b`, `\\U000e0041`."""
    char = match.group()
    code = ord(char)
    if code > 0xFFFF and not is_invisible_wide(char):
        return char  # an emoji, a CJK letter of plane 2...
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """`\\x1b[31m` and friends become printable escapes, so no text can drive the terminal, reorder itself or
    hide in plain sight (`delete_db\\u200b`)."""
    if text.isascii() and text.isprintable():  # no control character at all: most texts, at C speed
        return text
    return (_ASCII_CONTROL if text.isascii() else _CONTROL).sub(_escape, text)


def plural(count: int, noun: str) -> str:
    """`1 failed span`, `2 failed spans`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def error_line(message: str) -> str:
    """The one line of an error of ours, as plain text."""
    return f"namel3ss-debug: error: {visible(message)}"


def warning_line(message: str) -> str:
    """The one line of a warning, as plain text."""
    return f"namel3ss-debug: warning: {visible(message)}"
