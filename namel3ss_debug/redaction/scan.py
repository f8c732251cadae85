"""Redaction's pre-scan: does a serialized event need the redaction walk at all?

`make_scanner(suffixes, markers)` returns `may_hold_secret(line)`, True when the line (bytes) holds any of:

- a sensitive name before a separator: a `:` or `=` such that the text before it, once up to
  `NAME_REACH` quotes, apostrophes, spaces and backslashes are stepped over, ends (ASCII lower-cased)
  with one of `suffixes`: `"api_key":`, `password=`, `api_key: `, `\\"password\\": `, `'token' = `;
- a marker `(text, boundary, min_body)`: `text` at a position that starts a word when `boundary` (see
  `at_word_start`; with `TOKEN_START`, not after `_` or `-` either), followed by at least `min_body`
  token bytes (letters, digits, `_-+/=.~`);
- URL credentials: an `@` whose text before it, back to a `//` within `URL_REACH` bytes and free of
  whitespace, quotes, `<>`, backslashes, slashes and other `@`, holds a `:` (`scheme://user:pass@`).
  E-mail addresses, `mailto:a@b` and `user@host` do not count.

The optional C extension `_scan` answers in one pass over the line; `scanner_py` is the reference
(same answers, tested against each other) and the fallback where the extension was not compiled or
refuses its arguments.
"""

from __future__ import annotations

import operator
import re
from typing import Callable, Iterable, Protocol

MarkerSpec = tuple[bytes, int, int]
TOKEN_START = 2  # a marker's boundary: 0 anywhere, 1 (True) at a word start, 2 also not after `_` or `-`

NAME_REACH = 8  # quotes and spaces between a name and its separator: `\"password\" : ` has 4
NAME_SKIP = b"\"' \\"
URL_REACH = 256  # bytes between `//` and `@`
URL_STOPS = frozenset(b" \t\r\n\"'<>\\/@")
TOKEN_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/=.~")


def at_word_start(line: bytes, at: int) -> bool:
    """`line[at]` starts a word: after a byte that is not a letter or digit, or after a JSON escape."""
    if at == 0 or not line[at - 1 : at].isalnum():
        return True
    if at >= 2 and line[at - 2] == 0x5C:  # \n, \t ...
        return True
    return at >= 6 and line[at - 6] == 0x5C and line[at - 5] == 0x75  # \u001b


def marker_at(line: bytes, at: int, marker: MarkerSpec) -> bool:
    """The marker's rule at one position: its text, a word start if asked, then `min_body` token bytes."""
    text, boundary, min_body = marker
    if not line.startswith(text, at) or (boundary and not at_word_start(line, at)):
        return False
    if boundary == TOKEN_START and at > 0 and line[at - 1] in b"_-":
        return False
    body = line[at + len(text) : at + len(text) + min_body]
    return len(body) == min_body and all(b in TOKEN_BYTES for b in body)


def url_credentials_before(line: bytes, at: int) -> bool:
    """`line[at]` (an `@`) ends `//user:pass`: see the module's docstring."""
    colon, k = False, at - 1
    while k >= 0 and k >= at - URL_REACH and line[k] not in URL_STOPS:
        colon |= line[k] == 0x3A
        k -= 1
    return colon and k >= 1 and line[k] == 0x2F and line[k - 1] == 0x2F


def check_arguments(suffixes: object, markers: object) -> tuple[tuple[bytes, ...], tuple[MarkerSpec, ...]]:
    """The arguments both scanners accept, with the errors the C one raises."""
    if not isinstance(suffixes, tuple) or not all(isinstance(s, bytes) and s for s in suffixes):
        raise TypeError("suffixes must be a tuple of non-empty bytes")
    if any(s[-1] in NAME_SKIP for s in suffixes):
        raise ValueError("a suffix must not end with a quote, space or backslash")
    if not isinstance(markers, tuple) or not all(isinstance(m, tuple) and len(m) == 3 for m in markers):
        raise TypeError("markers must be a tuple of (text, boundary, min_body) tuples")
    specs = tuple((text, operator.index(boundary), operator.index(min_body)) for text, boundary, min_body in markers)
    if any(not 0 <= boundary <= TOKEN_START for _, boundary, _ in specs):
        raise ValueError("a marker's boundary must be 0, 1 or 2")
    if not all(isinstance(text, bytes) and text for text, _, _ in specs):
        raise TypeError("a marker's text must be non-empty bytes")
    if any(min_body < 0 for _, _, min_body in specs):
        raise ValueError("a marker's min_body must be >= 0")
    return suffixes, specs


def _alternation(words: Iterable[bytes]) -> bytes:
    """A regex matching any of `words`, factored by first byte: `re` tries far fewer branches per position."""
    groups: dict[bytes, list[bytes]] = {}
    ends = False
    for word in words:
        if word:
            groups.setdefault(word[:1], []).append(word[1:])
        else:
            ends = True
    branches = [re.escape(first) + _alternation(rest) for first, rest in sorted(groups.items())]
    if not branches:
        return b""
    body = branches[0] if len(branches) == 1 and not ends else b"(?:" + b"|".join(branches) + b")"
    return body + b"?" if ends else body


def _name_rule(suffixes: tuple[bytes, ...]) -> Callable[[bytes], bool]:
    if not suffixes:
        return lambda line: False
    # On the reversed, lower-cased line every alternative starts with the separator, which `re` finds fast.
    # No suffix ends with a skipped byte, so stepping over fewer than all of them never matches.
    skip = b"[" + re.escape(NAME_SKIP) + b"]{0,%d}" % NAME_REACH
    names = re.compile(b"[:=]" + skip + _alternation(s[::-1] for s in suffixes))
    return lambda line: names.search(line.lower()[::-1]) is not None


def _marker_rule(markers: tuple[MarkerSpec, ...]) -> Callable[[bytes], bool]:
    if not markers:
        return lambda line: False
    starts = re.compile(_alternation(text for text, _, _ in markers))  # every position where a marker's text is
    by_first: dict[int, list[MarkerSpec]] = {}
    for marker in markers:
        by_first.setdefault(marker[0][0], []).append(marker)

    def has_marker(line: bytes) -> bool:
        at = 0
        while (found := starts.search(line, at)) is not None:
            at = found.start()
            if any(marker_at(line, at, marker) for marker in by_first[line[at]]):
                return True
            at += 1
        return False

    return has_marker


def has_url_credentials(line: bytes) -> bool:
    at = line.find(b"@")
    while at != -1:
        if url_credentials_before(line, at):
            return True
        at = line.find(b"@", at + 1)
    return False


class ScannerPy:
    """The reference: `may_hold_secret(line)` (see the module's docstring) and `find(text)`, which rules hold:
    the indices of the markers found, in order, then -1 for a sensitive name before a separator and -2 for
    URL credentials (the C `Scanner` has the same two methods)."""

    def __init__(self, suffixes: tuple[bytes, ...], markers: tuple[MarkerSpec, ...]):
        suffixes, self._markers = check_arguments(suffixes, markers)
        self._has_name, self._has_marker = _name_rule(suffixes), _marker_rule(self._markers)

    def may_hold_secret(self, line: bytes | memoryview) -> bool:
        line = bytes(line)  # a buffer too, as the C scanner takes (a block's memoryview); bytes are not copied
        return self._has_name(line) or self._has_marker(line) or has_url_credentials(line)

    def find(self, text: bytes) -> tuple[int, ...]:
        found = [index for index, marker in enumerate(self._markers) if _marker_anywhere(text, marker)]
        return tuple(found + [-1] * self._has_name(text) + [-2] * has_url_credentials(text))


def _marker_anywhere(text: bytes, marker: MarkerSpec) -> bool:
    at = text.find(marker[0])
    while at != -1:
        if marker_at(text, at, marker):
            return True
        at = text.find(marker[0], at + 1)
    return False


def scanner_py(suffixes: tuple[bytes, ...], markers: tuple[MarkerSpec, ...]) -> Callable[[bytes], bool]:
    """`may_hold_secret(line)`, the reference."""
    return ScannerPy(suffixes, markers).may_hold_secret


try:
    from ._scan import Scanner as _Scanner  # type: ignore[import-not-found]

    ACCELERATED = True
except ImportError:  # no compiler at install time: the reference implementation
    _Scanner = None
    ACCELERATED = False


class Scan(Protocol):
    """What `make_scan` returns: `ScannerPy`, or the C `Scanner` with the same two methods."""

    def may_hold_secret(self, line: bytes | memoryview) -> bool: ...

    def find(self, text: bytes) -> tuple[int, ...]: ...


def make_scan(suffixes: tuple[bytes, ...], markers: tuple[MarkerSpec, ...]) -> Scan:
    """A scanner with `may_hold_secret(line)` and `find(text)`: the compiled one where it was built and binds to
    these arguments, else `ScannerPy` (which raises the same errors when the arguments are wrong)."""
    if _Scanner is not None:
        try:
            compiled: Scan = _Scanner(suffixes, markers)
            return compiled
        except Exception:  # a stale or broken build must not stop redaction: the reference decides
            pass
    return ScannerPy(suffixes, markers)


def make_scanner(suffixes: tuple[bytes, ...], markers: tuple[MarkerSpec, ...]) -> Callable[[bytes], bool]:
    """`may_hold_secret(line)`, compiled where the extension was built."""
    return make_scan(suffixes, markers).may_hold_secret
