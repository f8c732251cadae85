"""The small JSON documents we read whole: the workspace file, a `check --rules` file, an `analyze --prices`
file. Each is read bounded (at most a cap of bytes, whatever the file is: /dev/zero, a pipe, a FIFO with no
writer), parsed, and walked once for the place of every key, so that any message can say `file:line:col`.

Stdlib only, like the settings (`config/__init__.py`), which use it: traced applications import the configuration.
"""

from __future__ import annotations

import json
import os
import re
import stat
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable

from namel3ss_debug.model.errors import ConfigError
from namel3ss_debug.model.limits import CONFIG_BYTES_MAX, JSON_DEPTH_MAX, mib

_NOT_JSON_HINT = "JSON allows no comments or trailing commas; strings need double quotes"


@dataclass(frozen=True)
class JsonDocument:
    """A JSON object file as read: its text, its data, and where each key and list item is."""

    text: str
    data: dict[str, object]
    positions: KeyPositions


Vetting = Callable[[os.stat_result], "str | None"]  # the file as opened -> why it is not believed, or None


def read_json_document(path: Path, display: str, limit: int = CONFIG_BYTES_MAX,
                       example: str | None = None, vet: Vetting | None = None) -> JsonDocument:
    """The JSON object in `path`, read bounded by `limit` bytes; `ConfigError` names `display` (and the line and
    column of a syntax error, of a number too long to read, or of nesting past `JSON_DEPTH_MAX`). `example`:
    the object an empty file or one of another shape should hold (None: the workspace file's advice). `vet`
    judges the file opened, not its name (`config/trust.py`): a file swapped after it was judged is refused."""
    text = _decode(read_bounded(path, display, limit, vet), display)
    data = _parse_json(text, display, example)
    _no_lone_surrogate(text, data, display)
    return JsonDocument(text, data, key_positions(text, display))


def read_bounded(path: Path, display: str, limit: int, vet: Vetting | None = None) -> bytes:
    """At most `limit` bytes of `path`, or a `ConfigError`: a directory or a device is refused before it is
    read, a bigger file after `limit + 1` bytes. A FIFO opens without waiting for a writer (none: it is empty)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror or error}", where=display) from None
    with os.fdopen(fd, "rb", buffering=0) as stream:
        status = os.fstat(fd)
        _check_kind(status, display)
        problem = vet(status) if vet is not None else None
        if problem:
            raise ConfigError(f"not read: {problem}", where=display)
        if stat.S_ISREG(status.st_mode) and status.st_size > limit:
            raise _too_big(display, limit)
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)  # opened without waiting; a pipe is then read as it comes
        data = _read_at_most(stream, limit + 1, display)
    if len(data) > limit:
        raise _too_big(display, limit)
    return data


def _check_kind(status: os.stat_result, display: str) -> None:
    mode = status.st_mode
    if stat.S_ISDIR(mode):
        raise ConfigError("is a directory, not a file", where=display, hint="name a JSON file")
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        raise ConfigError("is a device, not a file", where=display, hint="name a JSON file")


def _read_at_most(stream: BinaryIO, size: int, display: str) -> bytes:
    chunks, left = [], size
    try:
        while left > 0:
            chunk = stream.read(min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror or error}", where=display) from None
    return b"".join(chunks)


def _too_big(display: str, limit: int) -> ConfigError:
    return ConfigError(f"larger than {mib(limit)}", where=display,
                       hint=f"this file is read whole: at most {mib(limit)}")


def _decode(data: bytes, display: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", where=display) from None


_LONG_NUMBER = re.compile(r"-?\d{4301,}")  # Python reads no int past 4,300 digits


def _parse_json(text: str, display: str, example: str | None) -> dict[str, object]:
    if not text.strip():
        raise ConfigError("the file is empty", where=display, hint=f"write a JSON object such as {example}"
                          if example else "write {} or run `namel3ss-debug config init --force`")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"invalid JSON: {exc.msg}", where=f"{display}:{exc.lineno}:{exc.colno}",
                          hint=_NOT_JSON_HINT) from None
    except RecursionError:
        raise _too_deep(display, text, _deep_position(text)) from None
    except ValueError:  # an integer of more than 4,300 digits
        found = _LONG_NUMBER.search(text)
        raise ConfigError("a number of more than 4300 digits", where=f"{display}:{line_col(text, found.start())}"
                          if found else display, hint="write a number in range") from None
    if not isinstance(data, dict):
        raise ConfigError(f"the top level must be a JSON object, not {type(data).__name__}", where=display,
                          hint=f"write a JSON object such as {example}" if example
                          else 'write {"enabled": true, ...} or run `namel3ss-debug config init`')
    return data


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}(?:\\u[dD][c-fC-F][0-9a-fA-F]{2})?")


def _no_lone_surrogate(text: str, data: object, display: str) -> None:
    """A `\\udfff` escape not in a pair is valid JSON and no text: no UTF-8 (a cache key, a terminal) can hold
    it. Only a document that has such an escape at all is walked for one."""
    if _SURROGATE.search(text) is None or not _holds_lone_surrogate(data):
        return
    lone = next((found for found in _SURROGATE.finditer(text) if len(found.group()) == 6), None)
    raise ConfigError("a \\u escape of half a character (a lone surrogate) is not text",
                      where=f"{display}:{line_col(text, lone.start())}" if lone else display,
                      hint="write the character itself, or both halves of its pair")


def _holds_lone_surrogate(data: object) -> bool:
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def _too_deep(display: str, text: str, pos: int) -> ConfigError:
    return ConfigError(f"nested more than {JSON_DEPTH_MAX} levels deep", where=f"{display}:{line_col(text, pos)}",
                       hint="these files need four levels at most")


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _deep_position(text: str) -> int:
    """The offset of the first bracket past `JSON_DEPTH_MAX` levels (strings skipped), for a document too deep
    for `json` itself, which stops at about 1,000 levels without saying where."""
    depth = 0
    for token in _TOKEN.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > JSON_DEPTH_MAX:
                return token.start()
        elif mark in "]}":
            depth -= 1
    return 0


@dataclass
class KeyPositions:
    """Offsets in the file's text: every repeated key at any depth, and each value's place by its path
    (`("checks", "require", 0)`: keys and list indexes; a key's last occurrence, the one `json` keeps), for
    messages about any value, top-level keys included (`(key,)`). `paths` holds the keys' places, `items` the
    places of a list's items in one list of offsets (a rules file of two million items would otherwise keep
    two million path tuples); `offset(path)` finds either."""

    text: str
    duplicates: list[tuple[str, int]] = field(default_factory=list)
    paths: dict[tuple[object, ...], int] = field(default_factory=dict)
    items: dict[tuple[object, ...], list[int]] = field(default_factory=dict)
    _starts: list[int] | None = None

    def offset(self, path: tuple[object, ...]) -> int | None:
        """Where the key or list item at `path` is, or None when the document has no such place."""
        if path in self.paths:
            return self.paths[path]
        if path and isinstance(path[-1], int):
            offsets = self.items.get(path[:-1])
            if offsets is not None and 0 <= path[-1] < len(offsets):
                return offsets[path[-1]]
        return None

    def line_col(self, pos: int) -> str:
        """`line:column` of offset `pos`, from the line starts found once: a rules file of a million entries
        places each in log time, where counting the newlines before each took time in the square."""
        if self._starts is None:
            self._starts = [0, *(found.end() for found in re.finditer("\n", self.text))]
        line = bisect_right(self._starts, pos)
        return f"{line}:{pos - self._starts[line - 1] + 1}"


_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def key_positions(text: str, display: str = "") -> KeyPositions:
    """Walk valid JSON `text` for key positions, which `json.loads` does not report. A document nested past
    `JSON_DEPTH_MAX` levels is a `ConfigError` at the first bracket too deep."""
    positions = KeyPositions(text)
    _walk(text, _JSON_SPACE.match(text).end(), positions, (), display)  # type: ignore[union-attr]
    return positions


def _walk(text: str, pos: int, positions: KeyPositions, path: tuple[object, ...], display: str) -> int:
    """Skip the JSON value at `pos`, noting the keys of its objects; return the offset after it."""
    if text[pos] not in "{[":
        return _DECODER.raw_decode(text, pos)[1]
    if len(path) >= JSON_DEPTH_MAX:
        raise _too_deep(display, text, pos)
    closing, seen, index = ("}" if text[pos] == "{" else "]"), set(), 0
    offsets = positions.items.setdefault(path, []) if closing == "]" else None
    pos = _JSON_SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    while text[pos] != closing:
        inner: tuple[object, ...] = (*path, index)
        if offsets is None:
            key, after = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
            if key in seen:
                positions.duplicates.append((key, pos))
            seen.add(key)
            inner = (*path, key)
            positions.paths[inner] = pos  # a key: its message points at the key
            pos = _JSON_SPACE.match(text, _JSON_SPACE.match(text, after).end() + 1).end()  # type: ignore[union-attr]
        else:
            offsets.append(pos)  # a list item: at its value
        index += 1
        pos = _JSON_SPACE.match(text, _walk(text, pos, positions, inner, display)).end()  # type: ignore[union-attr]
        if text[pos] == ",":
            pos = _JSON_SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    return pos + 1


def line_col(text: str, pos: int) -> str:
    """`line:column` of offset `pos`, both from 1, as `json` reports errors (once; see `KeyPositions.line_col`)."""
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    return f"{line}:{column}"
