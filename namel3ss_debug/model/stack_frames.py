"""The frames of a recorded Python stack (`error.stack`, as `traceback.format_exception` writes it), and the
innermost one of the app's own code: where an uncaught exception began, as the blame names it.

A frame is the app's own unless its file is the standard library's, an installed package's (`site-packages`,
`dist-packages`), this package's, or not a file at all (`<frozen ...>`, `<string>`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Optional

_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<function>\S+)\s*$', re.MULTILINE)
_NOT_THE_APPS = re.compile(r"(?:^<|[\\/](?:site-packages|dist-packages)[\\/]|[\\/]lib[\\/]python\d[^\\/]*[\\/]"
                           r"|[\\/]namel3ss_debug[\\/])")


@dataclass(frozen=True)
class Frame:
    path: str
    line: int
    function: str

    @property
    def place(self) -> str:
        """`trip_agent.py:33`: the file's name and the line."""
        return f"{PurePath(self.path).name}:{self.line}"

    def __str__(self) -> str:
        return f"{self.function} ({self.place})"


def frames(stack: Optional[str]) -> list[Frame]:
    """The frames a stack names, outermost first.

    >>> frames('Traceback (most recent call last):\\n  File "/app/a.py", line 3, in main\\n    f()\\nKeyError: 1')
    [Frame(path='/app/a.py', line=3, function='main')]
    """
    if not stack:
        return []
    return [Frame(found["path"], int(found["line"]), found["function"]) for found in _FRAME.finditer(stack)]


def app_frame(stack: Optional[str]) -> Optional[Frame]:
    """The innermost frame of the app's own code in `stack`, or None when it has none."""
    return next((frame for frame in reversed(frames(stack)) if is_apps(frame.path)), None)


def is_apps(path: str) -> bool:
    """Whether a frame's file is the app's own code (not the standard library's, a package's or ours)."""
    return _NOT_THE_APPS.search(path) is None
