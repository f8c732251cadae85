"""Text from a trace or a config value is shown as text: nothing in it can drive or reorder the terminal."""

from __future__ import annotations

import pytest

from namel3ss_debug.model.messages import error_line, visible


@pytest.mark.parametrize("raw, shown", [
    ("\x1b[2J", "\\x1b[2J"),
    ("a\rb\x07", "a\\x0db\\x07"),
    ("\x9b31m", "\\x9b31m"),
    ("admin\u202e txt.exe", "admin\\u202e txt.exe"),
    ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
])
def test_controls_and_bidi_overrides_become_visible_escapes(raw, shown):
    assert visible(raw) == shown


def test_tabs_newlines_and_ordinary_unicode_stay():
    assert visible("café\tnaïve\n→ ok") == "café\tnaïve\n→ ok"


def test_an_error_line_is_one_safe_line():
    assert error_line("bad \x1b[31mred") == "namel3ss-debug: error: bad \\x1b[31mred"
