"""The shapes of secrets in free text: credential tokens, and `name=value` pairs.

Every token pattern matches a candidate in linear time (possessive quantifiers, no look-ahead over the
rest of the text), and the candidate is replaced only if it holds a run of `MIN_RUN` ASCII letters and
digits: what every real credential of these kinds has, and what the pre-scan (`scan.py`) looks for.
Boundaries are ASCII: a token next to `_`, a CJK letter or an accented letter is still found.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from .scan import MIN_RUN, has_run

REDACTED = "[REDACTED]"

_START = r"(?<![A-Za-z0-9])"  # not inside a longer word of ASCII letters and digits
_TOKEN = r"[A-Za-z0-9_-]"

# (label, candidate pattern, literals one of which every candidate contains: a cheap `in` test first)
TOKEN_PATTERNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("private_key", r"-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]{0,40}PRIVATE KEY-----|\Z)",
     ("PRIVATE KEY-----",)),
    ("anthropic_key", rf"{_START}sk-ant-{_TOKEN}++", ("sk-ant-",)),
    ("openai_key", rf"{_START}sk-{_TOKEN}++", ("sk-",)),
    ("aws_access_key", rf"{_START}(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{{16}}(?![A-Za-z0-9])", ("AKIA", "ASIA", "ABIA", "ACCA")),
    ("bearer", rf"{_START}[Bb]earer\s++[A-Za-z0-9._~+/=-]++", ("earer",)),
    # Always matches a whole dotted run from `eyJ`, so no start is tried twice; the callback wants 3 parts.
    ("jwt", rf"{_START}eyJ{_TOKEN}*+(?:\.{_TOKEN}*+)*+", ("eyJ",)),
)

# What the pre-scan looks for besides a run (see scan.py): each token pattern above needs one of these,
# at the start of a word when it starts with a letter or digit, as the patterns' `_START` requires.
SCAN_MARKERS = ("sk-", "AKIA", "ASIA", "ABIA", "ACCA", "Bearer", "bearer", "eyJ", "PRIVATE KEY-----")

# HTTP auth schemes whose credentials follow a space: `Authorization: Basic dXNlcjpw...`
_SCHEMES = r"(?:basic|bearer|digest|token|negotiate|apikey)\s++"
_PAIR_VALUE = (
    r"b?\"(?:[^\"\\\n]|\\.)*+\"?"  # "quoted", with escapes (and a quote cut off at the end of the text)
    r"|b?'(?:[^'\\\n]|\\.)*+'?"
    rf"|{_SCHEMES}[^\s'\",;}}]++"
    r"|[^\s'\",;}&]++"
)


def _has_run(text: str) -> bool:
    return has_run(text.encode("utf-8", "backslashreplace"), MIN_RUN)


def _replace_if_run(marker: str, parts: int = 1) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        text = match.group()
        return marker if text.count(".") >= parts - 1 and _has_run(text) else text

    return replace


class TokenPatterns:
    """The built-in token patterns plus configured regular expressions (replaced whole, unconditionally)."""

    def __init__(self, extra: Iterable[re.Pattern[str]] = ()):
        self._builtin = tuple((_replace_if_run(f"[REDACTED:{label}]", 3 if label == "jwt" else 1), re.compile(p),
                               literals) for label, p, literals in TOKEN_PATTERNS)
        self._extra = tuple(extra)

    @property
    def has_extra(self) -> bool:
        return bool(self._extra)

    def redact(self, text: str) -> str:
        if len(text) >= MIN_RUN and _has_run(text):  # no run, no built-in match: the common case
            for replace, rx, literals in self._builtin:
                if any(literal in text for literal in literals):
                    text = rx.sub(replace, text)
        for rx in self._extra:
            text = rx.sub("[REDACTED:pattern]", text)
        return text


class PairPatterns:
    """`password=hunter2`, `"api_key": "..."`, `Authorization: Basic ...`, `Cookie: a=1; b=2` in free text.

    A pair's name matches when it ends with a sensitive name, whatever comes before it (`accessToken`,
    `dbpassword`, `OPENAI_API_KEY`); its value is a quoted string, an auth scheme and its credentials, or
    a run of characters up to a space or punctuation. A cookie header is hidden to the end of its line.
    """

    def __init__(self, names: Iterable[str]):
        words = "|".join(sorted({n.replace("_", "[_-]?") for n in names}, key=len, reverse=True))
        self._cookie = re.compile(r"(?i)((?:set-)?cookie['\"]?\s*+[:=]\s*+)[^\n]++")
        # A pair's name starts where a run of name characters starts, so no position is tried twice.
        self._pair = re.compile(rf"(?i)(?<![A-Za-z0-9_-])([A-Za-z0-9_-]*?(?:{words})['\"]?\s*+[:=]\s*+)(?:{_PAIR_VALUE})")

    def redact(self, text: str) -> str:
        text = self._cookie.sub(lambda m: m.group(1) + REDACTED, text)
        return self._pair.sub(lambda m: m.group(1) + REDACTED, text)
