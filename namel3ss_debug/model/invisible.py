"""Characters a reader cannot see, and names as a reader sees them.

`INVISIBLE` is every format character (Unicode category Cf: the zero-width space and joiners, the word joiner,
the byte order mark, the bidirectional marks, overrides and isolates of "Trojan Source", the tag characters)
and every other default-ignorable code point (the variation selectors, the Hangul fillers, the soft hyphen):
what a terminal or a browser draws as nothing, or uses to reorder the text around it. `visible()`
(`messages.py`) shows each as an escape; `name_key` drops them, so `check` matches a name as it reads.
Stdlib only: the tracer and every reader import it.
"""

from __future__ import annotations

import re
import unicodedata

# Category Cf (Unicode 15) and Default_Ignorable_Code_Point (DerivedCoreProperties.txt), as ranges.
# tests/unit/model/test_invisible.py checks that every Cf character of the running Python is here.
# Split in two because a character class with ranges past U+FFFF makes every regex search several times
# slower: `visible()` looks for any character past U+FFFF, then asks `is_invisible_wide`.
INVISIBLE_BMP = (
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb"
)
INVISIBLE_WIDE = (
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_INVISIBLE = re.compile(f"[{INVISIBLE_BMP}{INVISIBLE_WIDE}]")
_WIDE = re.compile(f"[{INVISIBLE_WIDE}]")


def is_invisible_wide(char: str) -> bool:
    """Whether one character past U+FFFF is invisible (a tag character, a variation selector...)."""
    return _WIDE.match(char) is not None


def name_key(name: str) -> str:
    """`name` as a reader sees it, for comparing names: without invisible characters, in NFKC form (a
    fullwidth or mathematical letter is its plain letter). `delete_db\\u200b` -> `delete_db`.

    Lookalike letters of other scripts (the Cyrillic `е` of `dеlete_db`) are real letters and stay:
    telling them apart from Latin needs Unicode's confusables table, which the standard library lacks.
    """
    if name.isascii():
        return name
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", _INVISIBLE.sub("", name)))
