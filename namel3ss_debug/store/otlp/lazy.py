"""One very long OTLP/JSON line (a request of a million spans, up to the reader's 256 MiB line) read a span
at a time, instead of parsed whole (orjson made 2.5 KB of Python objects of each span: 100k spans on one line
took 263 MB before a single span was read).

One pass over the line's strings and brackets (a regular expression; strings are skipped whole, so a bracket
inside one counts for nothing) finds where each value the walk will need ends: the members of the request
and of each resourceSpans and scopeSpans item, and the items of the `resourceSpans`, `scopeSpans` and
`spans` arrays (or of a line's list of requests). `lazy_request` then gives the request as what
`documents.spans_of` walks: dicts of what each level holds, with those arrays as `LazyList`s whose items are
decoded (by orjson, a slice of the line each) only when they are reached. Keys come in any order: a
resource written after its spans is found all the same.

The pass keeps no state a bracket: a line nested deeper than orjson reads (`MAX_DEPTH`, which no OTLP
request comes near) is refused where it goes past it, and the places it keeps are capped by the line's
length (`_BYTES_A_VALUE`). A 50 MB line of `[` took 5.1 GB when each open bracket was kept.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Iterator

import orjson

from ...model.json_types import JsonObject, JsonValue

LONG_LINE = 4 << 20  # a line longer than this is read a span at a time
MAX_DEPTH = 1024  # orjson's own limit, which refuses a line under LONG_LINE nested deeper
_DEPTH = 7  # the levels down to a span: request, resourceSpans, item, scopeSpans, item, spans, span
_BYTES_A_VALUE = 32  # at most one kept place per this many bytes of the line: a span takes 100 or more
_PLACE = "I" if array("I").itemsize >= 4 else "L"  # a byte of a line under 4 GiB
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_SPACE = re.compile(rb"[ \t\r\n]*")
_SCALAR = re.compile(rb"[^,\]}\s]*")
_DESCEND = {"resourceSpans": "resource_spans", "scopeSpans": "scope_spans", "spans": "spans",
            "instrumentationLibrarySpans": "instrumentation_library_spans"}
_ARRAYS = frozenset(_DESCEND) | frozenset(_DESCEND.values())
_SKIP, _WALK, _LAZY = 0, 1, 2  # what the walk does with a container's children: nothing, members, items


class LazyList(list[JsonValue]):
    """A JSON array of the line, its items decoded as they are iterated (it holds none of them)."""

    def __init__(self, line: "_Line", begin: int, end: int, depth: int):
        super().__init__()
        self._line, self._begin, self._end, self._depth = line, begin, end, depth
        self._count = sum(1 for _ in line.items(begin, end))  # and a misplaced comma is found now

    def __iter__(self) -> Iterator[JsonValue]:
        for begin, end in self._line.items(self._begin, self._end):
            yield self._line.value(begin, end, self._depth)

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return bool(self._count)


def lazy_request(line: bytes) -> JsonValue:
    """The line's JSON value with its span arrays lazy (and a list of requests); ValueError (as orjson's)
    when it is not JSON, or nests deeper than `MAX_DEPTH`."""
    found = _Line(line)
    begin = _skip(line, 0)
    end = found.end(begin)
    if _skip(line, end) != len(line):
        raise ValueError(f"unexpected content after the request at byte {end}")
    if line[begin:begin + 1] == b"[":
        return LazyList(found, begin, end, 1)
    return found.value(begin, end, 1)


def check_brackets(line: bytes) -> None:
    """ValueError (as `lazy_request` raises it) when a long line's brackets would cost orjson more than the
    line does before it could refuse them: never closed, nested deeper than `MAX_DEPTH`, or denser than a
    request's. For the readers that decode a long line whole; a line of few brackets passes after two
    counts (a big text in an event), without the pass."""
    if (line.count(b"{") + line.count(b"[")) * _BYTES_A_VALUE > len(line):
        _places(line)


class _Line:
    def __init__(self, line: bytes):
        self.line = line
        self.opens, self.closes = _places(line)

    def end(self, begin: int) -> int:
        """Where the value beginning at `begin` ends (one past it)."""
        first = self.line[begin:begin + 1]
        if first in (b"{", b"["):
            place = bisect_left(self.opens, begin)
            if place == len(self.opens) or self.opens[place] != begin:
                raise ValueError(f"a bracket at byte {begin} is never closed")
            return self.closes[place] + 1
        found = (_STRING if first == b'"' else _SCALAR).match(self.line, begin)
        if found is None or found.end() == begin:
            raise ValueError(f"no JSON value at byte {begin}")
        return found.end()

    def value(self, begin: int, end: int, depth: int) -> JsonValue:
        """The value at [begin, end): decoded whole, or (an object of the levels above a span) as a dict
        whose span arrays are lazy."""
        kind = self.line[begin:begin + 1]
        if depth >= _DEPTH or kind != b"{":
            return orjson.loads(self.line[begin:end])
        found: JsonObject = {}
        for key, start, stop in self._members(begin, end):
            if key in _ARRAYS and self.line[start:start + 1] == b"[" and depth + 2 <= _DEPTH:
                found[key] = LazyList(self, start, stop, depth + 2)
            else:
                found[key] = orjson.loads(self.line[start:stop])
        return found

    def _members(self, begin: int, end: int) -> Iterator[tuple[str, int, int]]:
        at = _skip(self.line, begin + 1)
        while at < end - 1:
            key = _STRING.match(self.line, at)
            if key is None:
                raise ValueError(f"expected a key at byte {at}")
            at = _skip(self.line, key.end())
            if self.line[at:at + 1] != b":":
                raise ValueError(f"expected ':' at byte {at}")
            start = _skip(self.line, at + 1)
            stop = self.end(start)
            yield orjson.loads(key.group()), start, stop
            at = self._next(stop, end, b"}")

    def items(self, begin: int, end: int) -> Iterator[tuple[int, int]]:
        """Where each item of the array at [begin, end) begins and ends."""
        at = _skip(self.line, begin + 1)
        while at < end - 1:
            stop = self.end(at)
            yield at, stop
            at = self._next(stop, end, b"]")

    def _next(self, stop: int, end: int, closing: bytes) -> int:
        """After a member or an item: past its comma, or at the closing bracket."""
        at = _skip(self.line, stop)
        if self.line[at:at + 1] == b"," and _skip(self.line, at + 1) < end - 1:
            return _skip(self.line, at + 1)
        if at == end - 1 and self.line[at:at + 1] == closing:
            return at
        raise ValueError(f"expected ',' or {closing.decode()!r} at byte {at}")


def _skip(line: bytes, at: int) -> int:
    found = _SPACE.match(line, at)
    return found.end() if found is not None else at


def _places(line: bytes) -> tuple[array[int], array[int]]:
    """Where each object or array the walk ends (`_Line.end`) opens and closes, in the order they open: the
    line's value, the members of each object it walks, the items of each array it keeps lazy. ValueError
    where the brackets do not match, nest deeper than `MAX_DEPTH`, or keep more places than the line's
    length allows. What is kept besides those places: a byte a bracket open (1024 at most), and a tuple for
    each of them the walk reaches (seven at most)."""
    opens, closes = array(_PLACE), array(_PLACE)
    room = len(line) // _BYTES_A_VALUE + 64
    brackets = bytearray()  # the open ones, innermost last
    kept: list[tuple[int, int, int, int]] = []  # those with a place, innermost last: how many open, role,
    # depth, place
    key, closed = None, False
    for token in _TOKEN.finditer(line):
        at = token.start()
        char = line[at]
        if char == 0x22:  # a string, skipped whole: the last is an object member's key
            key = token
        elif char == 0x7B or char == 0x5B:
            open_ = len(brackets)
            if open_ >= MAX_DEPTH:
                raise ValueError(f"nested deeper than {MAX_DEPTH} levels at byte {at} (no trace nests so deep)")
            if kept and kept[-1][0] == open_ and kept[-1][1] != _SKIP:  # in what the walk reads
                role, depth = _role(kept[-1][1], kept[-1][2], char, key)
            elif open_ == 0 and not closed:  # the line's value
                role, depth = (_WALK if char == 0x7B else _LAZY), 1
            elif open_ == 0:
                raise ValueError(f"unexpected content after the request at byte {at}")
            else:
                brackets.append(char)
                continue
            if len(opens) >= room:
                raise ValueError(f"more objects and arrays than one a {_BYTES_A_VALUE} bytes at byte {at} "
                                 "(no OTLP request is so dense)")
            opens.append(at)
            closes.append(0)
            brackets.append(char)
            kept.append((open_ + 1, role, depth, len(opens) - 1))
        else:
            if not brackets or brackets[-1] != char - 2:  # `}` is `{` + 2, `]` is `[` + 2
                raise ValueError(f"unexpected {chr(char)!r} at byte {at}")
            if kept[-1][0] == len(brackets):  # the top one is kept: while a bracket is open, `kept` is not empty
                closes[kept.pop()[3]] = at
                closed = not kept
            brackets.pop()
    if brackets:
        raise ValueError(f"a bracket is never closed ({len(brackets)} open where the line ends)")
    return opens, closes


def _role(parent: int, depth: int, char: int, key: re.Match[bytes] | None) -> tuple[int, int]:
    """What the walk does with the children of a container opened in an object it walks or an array it
    keeps lazy (as `_Line.value` decides), and their depth."""
    if parent == _LAZY:
        return (_WALK, depth) if char == 0x7B and depth < _DEPTH else (_SKIP, 0)
    if char == 0x5B and depth + 2 <= _DEPTH and key is not None and orjson.loads(key.group()) in _ARRAYS:
        return _LAZY, depth + 2
    return _SKIP, 0
