"""Redaction's pre-scan: does a serialized event need the redaction walk at all?

An event needs it when its line holds a JSON key whose lower-cased end is a sensitive spelling
(`api_key":`), or both a run of `MIN_RUN` ASCII letters and digits and a marker of a secret's shape
(`sk-`, `AKIA`, `Bearer`, `eyJ`...: every built-in token pattern needs both). Ids such as `chatcmpl-...`
have a run but no marker, so LLM responses stay on the fast path.
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


def _at_boundary(line: bytes, at: int) -> bool:
    """`line[at]` starts a word: after a byte that is not a letter or digit, or after a JSON escape."""
    if at == 0 or not line[at - 1 : at].isalnum():
        return True
    if at >= 2 and line[at - 2] == 0x5C:  # \n, \t ...
        return True
    return at >= 6 and line[at - 6] == 0x5C and line[at - 5] == 0x75  # \u001b


def has_marker_py(line: bytes, markers: tuple[bytes, ...]) -> bool:
    """One of `markers` in `line`; one that starts with a letter or digit must start a word."""
    for marker in markers:
        needs_boundary = marker[:1].isalnum()
        at = line.find(marker)
        while at != -1:
            if not needs_boundary or _at_boundary(line, at):
                return True
            at = line.find(marker, at + 1)
    return False


def scanner_py(min_run: int, suffixes: tuple[bytes, ...], markers: tuple[bytes, ...] = ()) -> Callable[[bytes], bool]:
    """`may_hold_secret(line)`: a key whose lower-cased end is a suffix, or a run and a marker."""
    # Reversed, every alternative starts with the literal `:"`, which the regex engine finds fast.
    keys = re.compile(b':"(?:' + b"|".join(re.escape(s[::-1]) for s in suffixes) + b")") if suffixes else None

    def may_hold_secret(line: bytes) -> bool:
        if keys is not None and keys.search(line.lower()[::-1]) is not None:
            return True
        return has_run_py(line, min_run) and has_marker_py(line, markers)

    return may_hold_secret


try:
    from ._scan import Scanner as _Scanner  # type: ignore[import-not-found]
    from ._scan import has_run  # type: ignore[import-not-found]

    def make_scanner(min_run: int, suffixes: tuple[bytes, ...], markers: tuple[bytes, ...] = ()) -> Callable[[bytes], bool]:
        return _Scanner(min_run, suffixes, markers).may_hold_secret

    ACCELERATED = True
except ImportError:  # no compiler at install time: the reference implementation
    has_run, make_scanner = has_run_py, scanner_py
    ACCELERATED = False
