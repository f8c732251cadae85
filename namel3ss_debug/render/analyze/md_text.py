"""Text from a trace as Markdown text, and pipe tables: what every Markdown view (`analyze`, `diff`, `diagnose`)
writes its cells with."""

from __future__ import annotations

import re
from typing import Iterable

from ..text import visible

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_HTML_CHARS = re.compile(r"[&<>]")
# Backslash first among the punctuation Markdown gives a meaning to; `|` is the table's cell separator.
_MARKDOWN_CHARS = re.compile(r"([\\`*_\[\]|~#])")
_LINE_BREAKS = re.compile(r"[\t\n]+")  # the other control characters are made visible, these two become spaces


def md(value: object) -> str:
    """Text from a trace as literal Markdown text on one line: no HTML, no emphasis, no links, no cell breaks.

    >>> md("a|b <script>*x*")
    'a\\\\|b &lt;script&gt;\\\\*x\\\\*'
    """
    text = _LINE_BREAKS.sub(" ", visible(str(value)))
    text = _HTML_CHARS.sub(lambda match: _HTML[match.group()], text)
    return _MARKDOWN_CHARS.sub(r"\\\1", text)


def table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    """A pipe table; a header starting with `>` is a right-aligned column. Cells must already be escaped."""
    headers = list(headers)
    align = ["---:" if header.startswith(">") else "---" for header in headers]
    lines = [_row(header.lstrip(">") for header in headers), _row(align)]
    return lines + [_row(cells) for cells in rows]


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"
