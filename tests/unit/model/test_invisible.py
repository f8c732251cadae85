"""The invisible characters: which they are, how `visible()` writes them out, how `name_key` reads names, and
that the report page's script knows the same list."""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import pytest

from namel3ss_debug.model.invisible import INVISIBLE_BMP, INVISIBLE_WIDE, name_key
from namel3ss_debug.model.messages import visible

CORE_JS = Path(__file__).resolve().parents[3] / "namel3ss_debug" / "render" / "web" / "js" / "00-core.js"
EVERY = range(sys.maxunicode + 1)
INVISIBLE = re.compile(f"[{INVISIBLE_BMP}{INVISIBLE_WIDE}]")


def test_every_format_character_of_this_python_is_invisible() -> None:
    missing = [f"U+{code:04X}" for code in EVERY if unicodedata.category(chr(code)) == "Cf"
               and not INVISIBLE.match(chr(code))]
    assert not missing


@pytest.mark.parametrize(("text", "shown"), [
    ("delete_db\u200b", "delete_db\\u200b"),
    ("\u202eevil\u202c", "\\u202eevil\\u202c"),
    ("a\u2066b\u2069", "a\\u2066b\\u2069"),
    ("tag\U000e0041\U000e007f", "tag\\U000e0041\\U000e007f"),
    ("x\ufe0f\U000e0100", "x\\ufe0f\\U000e0100"),
    ("\ufeffbom\u00ad", "\\ufeffbom\\xad"),
    ("\u3164\u115f", "\\u3164\\u115f"),
])
def test_visible_writes_each_invisible_character_as_python_would(text: str, shown: str) -> None:
    assert visible(text) == shown


def test_visible_leaves_letters_and_emoji_as_they_are() -> None:
    text = "dеlete_db é 日本 𠀀 💥 👍🏽 \t\n"
    assert visible(text) == text


@pytest.mark.parametrize(("name", "key"), [
    ("delete_db\u200b", "delete_db"), ("\u202edelete_db\u202c", "delete_db"),
    ("del\u00adete\U000e0041_db", "delete_db"),
    ("ｄｅｌｅｔｅ_db", "delete_db"), ("e\u200b\u0301", "é"), ("dеlete_db", "dеlete_db"), ("plain", "plain"),
])
def test_name_key_reads_a_name_as_it_shows(name: str, key: str) -> None:
    assert name_key(name) == key


def _js_class() -> re.Pattern[str]:
    """The page's CONTROL character class, read from its source into a Python pattern."""
    source = re.search(r"^const CONTROL = /\[(.*)\]/gu;$", CORE_JS.read_text(encoding="utf-8"), re.M)
    assert source, "00-core.js has no CONTROL class"
    python = re.sub(r"\\u\{([0-9a-f]+)\}", lambda match: f"\\U{int(match.group(1), 16):08x}", source.group(1))
    return re.compile(f"[{python}]")


def test_the_report_page_escapes_the_same_characters() -> None:
    every = "".join(chr(code) for code in EVERY if not 0xD800 <= code <= 0xDFFF)
    page = set(_js_class().findall(every))
    candidates = page | set(INVISIBLE.findall(every)) | set(map(chr, range(0x100))) | {"\u2028", "\u2029"}
    ours = {char for char in candidates if visible(char) != char}
    assert sorted(f"U+{ord(char):04X}" for char in page ^ ours) == []
