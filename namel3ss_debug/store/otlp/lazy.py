"""One very long OTLP/JSON line (a request of a million spans, up to the reader's 256 MiB line) read a span
at a time, instead of parsed whole (orjson made 2.5 KB of Python objects of each span: 100k spans on one line
took 263 MB before a single span was read).

One pass over the line's strings and brackets (a regular expression; strings are skipped whole, so a bracket
inside one counts for nothing) finds where each object and array of the request's first seven levels ends:
`{request [resourceSpans {resourceSpans[i] [scopeSpans {scopeSpans[j] [spans {span`, and of the resource's
and scope's values. `lazy_request` then gives the request as what `documents.spans_of` walks: dicts of
what each level holds, with the `resourceSpans`, `scopeSpans` and `spans` arrays as `LazyList`s whose items
are decoded (by orjson, a slice of the line each) only when they are reached. Keys come in any order: a
resource written after its spans is found all the same.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Iterator

import orjson

from ...model.json_types import JsonObject, JsonValue

LONG_LINE = 4 << 20  # a line longer than this is read a span at a time
_DEPTH = 7  # the levels down to a span: request, resourceSpans, item, scopeSpans, item, spans, span
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_SPACE = re.compile(rb"[ \t\r\n]*")
_SCALAR = re.compile(rb"[^,\]}\s]*")
_DESCEND = {"resourceSpans": "resource_spans", "scopeSpans": "scope_spans", "spans": "spans",
            "instrumentationLibrarySpans": "instrumentation_library_spans"}
_ARRAYS = frozenset(_DESCEND) | frozenset(_DESCEND.values())


class LazyList(list[JsonValue]):
    """A JSON array of the line, its items decoded as they are iterated (it holds none of them)."""

    def __init__(self, line: "_Line", items: list[tuple[int, int]], depth: int):
        super().__init__()
        self._line, self._items, self._depth = line, items, depth

    def __iter__(self) -> Iterator[JsonValue]:
        for begin, end in self._items:
            yield self._line.value(begin, end, self._depth)

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)


def lazy_request(line: bytes) -> JsonValue:
    """The line's JSON value with its span arrays lazy; ValueError (as orjson's) when it is not JSON."""
    found = _Line(line)
    begin = _skip(line, 0)
    end = found.end(begin)
    if _skip(line, end) != len(line):
        raise ValueError(f"unexpected content after the request at byte {end}")
    return found.value(begin, end, 1)


class _Line:
    def __init__(self, line: bytes):
        self.line = line
        self.opens, self.closes = _brackets(line)

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
                found[key] = LazyList(self, list(self._items(start, stop)), depth + 2)
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

    def _items(self, begin: int, end: int) -> Iterator[tuple[int, int]]:
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


def _brackets(line: bytes) -> tuple[array[int], array[int]]:
    """Where each object or array of the first `_DEPTH` levels opens and closes, sorted by where it opens."""
    opens, closes, stack = array("Q"), array("Q"), []
    for token in _TOKEN.finditer(line):
        char = line[token.start()]
        if char == 0x22:  # a string, skipped whole
            continue
        if char in (0x7B, 0x5B):
            stack.append((token.start(), char))
            continue
        if not stack or stack[-1][1] != char - 2:  # `}` is `{` + 2, `]` is `[` + 2
            raise ValueError(f"unexpected {chr(char)!r} at byte {token.start()}")
        begin, _ = stack.pop()
        if len(stack) < _DEPTH:
            opens.append(begin)
            closes.append(token.start())
    if stack:
        raise ValueError(f"a bracket at byte {stack[-1][0]} is never closed")
    order = sorted(range(len(opens)), key=opens.__getitem__)
    return array("Q", (opens[n] for n in order)), array("Q", (closes[n] for n in order))
