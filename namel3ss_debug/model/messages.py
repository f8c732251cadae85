"""The one-line messages we print ourselves, with any control characters in them made visible.

Stdlib only: the tracer (imported by apps) prints warnings too, and must not import rich.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """`\\x1b[31m` and friends become printable escapes, so no text can drive the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def error_line(message: str) -> str:
    """The one line of an error of ours, as plain text."""
    return f"namel3ss-debug: error: {visible(message)}"


def warning_line(message: str) -> str:
    """The one line of a warning, as plain text."""
    return f"namel3ss-debug: warning: {visible(message)}"
