"""What a call asks, without the values that change on every run though the app asks the same: generated
ids and the time of day. A golden run (`testing/golden.py`) matches calls by their inputs with these masked,
so a request that carries a new UUID or today's date is the same request as the recorded one.

Masked, inside every text of the inputs (keys stay as they are):
- UUIDs (`3f2b8c1e-...`, any version, any case): `<uuid>`;
- ISO 8601 dates and times (`2026-11-26`, `2026-11-26T12:30:44.354179Z`, `2026-11-26 12:30:44+01:00`): `<time>`;
- whatever the user's own patterns match (`volatile=[...]`, regular expressions): `<volatile>`.

>>> steady({"content": "today is 2026-11-26, request 3f2b8c1e-6a1d-4e2b-9f1a-0c2d3e4f5a6b"})
{'content': 'today is <time>, request <uuid>'}
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from ..model.deep import map_texts

UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b")
BUILT_IN = ((UUID, "<uuid>"), (TIME, "<time>"))


class Steady:
    """Masks the volatile values of inputs: the built-in ones and the user's `patterns`."""

    def __init__(self, patterns: Sequence[str] = ()):
        self.masks = (*BUILT_IN, *((re.compile(pattern), "<volatile>") for pattern in patterns))

    def __call__(self, value: Any) -> Any:
        return map_texts(value, self.text)

    def text(self, text: str) -> str:
        for pattern, mask in self.masks:
            text = pattern.sub(mask, text)
        return text


def bad_pattern(pattern: Any) -> str | None:
    """Why `pattern` is no volatile pattern (not a text, or no regular expression), or None when it is one."""
    if not isinstance(pattern, str) or not pattern:
        return f"{pattern!r} is not a regular expression (a non-empty text)"
    try:
        re.compile(pattern)
    except re.error as error:
        return f"{pattern!r} is not a regular expression: {error}"
    return None


steady = Steady()
