"""Redaction's pre-scan: does a serialized event need the redaction walk at all?

An event needs it when its line holds a run of `MIN_RUN` ASCII letters and digits (every built-in
value pattern needs one) or a JSON key whose lower-cased end is a sensitive spelling (`api_key":`).
The optional C extension `_scan` does this in one pass; the pure-Python versions below are the
reference (same answers, tested against each other) and the fallback where it was not compiled.
"""

from __future__ import annotations

import re
from typing import Callable

MIN_RUN = 17

_RUN_TABLE = bytes(ord("x") if chr(i).isascii() and chr(i).isalnum() else ord(" ") for i in range(256))


def has_run_py(data: bytes, min_run: int = MIN_RUN) -> bool:
    """A run of `min_run` ASCII letters and digits in `data`."""
    return b"x" * min_run in data.translate(_RUN_TABLE)


def scanner_py(min_run: int, suffixes: tuple[bytes, ...]) -> Callable[[bytes], bool]:
    """`may_hold_secret(line)`: `has_run`, or a key (text before `":`) whose lower-cased end is a suffix."""
    # Reversed, every alternative starts with the literal `:"`, which the regex engine finds fast.
    keys = re.compile(b':"(?:' + b"|".join(re.escape(s[::-1]) for s in suffixes) + b")") if suffixes else None

    def may_hold_secret(line: bytes) -> bool:
        if has_run_py(line, min_run):
            return True
        return keys is not None and keys.search(line.lower()[::-1]) is not None

    return may_hold_secret


try:
    from ._scan import Scanner as _Scanner  # type: ignore[import-not-found]
    from ._scan import has_run  # type: ignore[import-not-found]

    def make_scanner(min_run: int, suffixes: tuple[bytes, ...]) -> Callable[[bytes], bool]:
        return _Scanner(min_run, suffixes).may_hold_secret

    ACCELERATED = True
except ImportError:  # no compiler at install time: the reference implementation
    has_run, make_scanner = has_run_py, scanner_py
    ACCELERATED = False
