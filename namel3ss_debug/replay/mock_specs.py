"""Mocks as the user writes them: `KEY=JSON`, `KEY=@answer.json`, or a file of `{"KEY": value, ...}`.

Every mistake is a MockError that says where: the option or command, the file, the JSON line and column.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson

from ..recording.mocks import Mock, MockError, parse_key
from ..model.json_types import JsonValue

_POSITION = re.compile(r"line (\d+) column (\d+)")
MAX_MOCK_FILE = 64 << 20


def parse_mock(text: str, origin: str, base: Path | None = None) -> Mock:
    """`KEY=JSON` or `KEY=@FILE` (relative to `base`, the working directory by default)."""
    key_text, separator, value_text = text.partition("=")
    if not separator or not key_text.strip():
        raise MockError(f"{origin} {text!r} is not KEY=JSON or KEY=@FILE",
                        hint='e.g. llm:planner#1=\'{"text": "X"}\' or tool:search=@result.json')
    key = parse_key(key_text)
    value_text = value_text.strip()
    if value_text.startswith("@"):
        path = (base or Path.cwd()) / value_text[1:]
        return Mock(key, _json(_read(path, value_text[1:]), value_text[1:]), f"{origin} {key.text}=@{value_text[1:]}")
    return Mock(key, _json(value_text.encode(), f"{origin} {key.text}"), origin)


def load_mock_file(path: Path) -> list[Mock]:
    """A JSON object whose keys are mock keys and whose values are the mocked results."""
    document = _json(_read(path, str(path)), str(path))
    if not isinstance(document, dict):
        raise MockError(f"{path}: a mock file is a JSON object of KEY: value",
                        hint='e.g. {"llm:planner#1": {"text": "X"}}')
    return [Mock(parse_key(key), value, str(path)) for key, value in document.items()]


def _read(path: Path, shown: str) -> bytes:
    """The file's bytes; `shown` is the path as the user wrote it, for messages."""
    try:
        with open(path, "rb") as handle:  # read up to the limit: a device or a pipe has no size to check
            data = handle.read(MAX_MOCK_FILE + 1)
        if len(data) > MAX_MOCK_FILE:
            raise MockError(f"{shown}: larger than {MAX_MOCK_FILE >> 20} MB", hint="a mock is one call's result")
        return data.removeprefix(b"\xef\xbb\xbf")
    except OSError as error:
        raise MockError(f"cannot read mock file {shown}: {error.strerror or error}",
                        hint="check the path (it is relative to the working directory)") from None


def _json(data: bytes, where: str) -> JsonValue:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        position = _POSITION.search(str(error))
        place = f":{position[1]}:{position[2]}" if position else ""
        raise MockError(f"{where}{place}: not JSON ({error.msg})",
                        hint="quote strings with double quotes; in a shell, put the whole value in '...'") from None


def ordered_mocks(texts: tuple[str, ...], files: tuple[Path, ...]) -> list[Mock]:
    """The mocks of `--mock-file` files, then of `--mock` options, in that order; for a key given twice,
    the later one only (a --mock wins over a file)."""
    found: dict[str, Mock] = {}
    for mock in [*(mock for path in files for mock in load_mock_file(path)),
                 *(parse_mock(text, "--mock") for text in texts)]:
        found.pop(mock.key.text, None)
        found[mock.key.text] = mock
    return list(found.values())
