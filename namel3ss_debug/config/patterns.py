"""The user's regular expressions (`redact_patterns`), run by RE2 (PyPI `google-re2`), in time linear in the text.

A pattern comes from a workspace file or the environment, and runs on every string a traced app writes: with
Python's backtracking `re`, `(a|aa)+$` takes time exponential in a run of `a`s and hangs the app. RE2 never
backtracks, so no pattern can: it refuses what it cannot run in linear time (look-arounds, backreferences,
repetitions past 1000), and such a pattern is refused when the configuration is read, naming the key that
holds it. RE2's classes are ASCII (`\\d`, `\\w`, `\\s`, `\\b`); `\\z` ends the text (`re`'s `\\Z`).

RE2's Python wrapper costs about 10 us a call, against `re`'s 1 us: every string is first searched once for
any pattern (one alternation, over its UTF-8 bytes), and only a string that holds a match is rewritten,
pattern by pattern.
Measured (this machine, py3.11): `(a|aa)+$` on 256,000 `a`s and a `b` takes 0.1 ms (`re`: hangs); the
`regex` module's `timeout=` bounds one call but not a run of thousands of strings, and a timed-out string
would have to be hidden whole.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

ENGINE = "RE2"
_SURROGATES = re.compile(r"([\ud800-\udfff]+)")  # UTF-8 cannot hold them: the text around them is searched


class PatternRefused(ValueError):
    """A pattern RE2 cannot run; the message says why (and is one line)."""


def compile_pattern(pattern: str | bytes) -> Any:
    """`pattern` compiled by RE2 (a bytes pattern searches UTF-8 bytes), or `PatternRefused`."""
    try:
        import re2  # type: ignore[import-untyped]  # noqa: PLC0415 - only a run or command with patterns loads it
    except ImportError:
        raise PatternRefused("needs the google-re2 package (pip install google-re2)") from None
    options = re2.Options()
    options.log_errors = False  # RE2 would log each refusal on the app's stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        raise PatternRefused(_reason(error)) from None


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is refused, as a clause for an error message, or None."""
    try:
        compile_pattern(pattern)
    except PatternRefused as refused:
        return f"{_quoted(pattern)} cannot be run by {ENGINE} ({refused}); {ENGINE} runs in linear time, so it has " \
               "no look-arounds or backreferences"
    return None


def _reason(error: Exception) -> str:
    detail = error.args[0] if error.args else error
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    return text.replace("\n", " ")


def _quoted(pattern: str) -> str:
    import json  # noqa: PLC0415 - only a refusal needs it

    shown = json.dumps(pattern, ensure_ascii=False)
    return shown if len(shown) <= 80 else shown[:77] + "..."


class UserPatterns:
    """The configured patterns, each match replaced by `marker`."""

    def __init__(self, patterns: Iterable[str], marker: str):
        texts = tuple(patterns)
        self._each = tuple(compile_pattern(text) for text in texts)
        self._marker = marker
        self._any: Any = None  # all of them as one pattern over UTF-8 bytes: a third cheaper than over str
        if texts:
            try:
                self._any = compile_pattern("|".join(f"(?:{text})" for text in texts).encode("utf-8", "surrogatepass"))
            except PatternRefused:  # past RE2's memory budget together: each is searched alone
                self._any = None

    def __bool__(self) -> bool:
        return bool(self._each)

    def redact(self, text: str) -> str:
        """`text` with every match of every pattern replaced."""
        if not self._each or not _found(self._any, text):
            return text
        for rx in self._each:
            text = _substituted(rx, self._marker, text)
        return text


def _found(rx: Any, text: str) -> bool:
    """Whether `rx` (over bytes) may match `text`: True without it, or for text UTF-8 cannot hold."""
    if rx is None:
        return True
    try:
        return rx.search(text.encode("utf-8")) is not None
    except UnicodeEncodeError:  # lone surrogates: the substitution searches the parts between them
        return True


def _substituted(rx: Any, marker: str, text: str) -> str:
    try:
        return str(rx.sub(marker, text))
    except UnicodeEncodeError:  # lone surrogates (bytes that were not UTF-8): the parts between them
        parts = _SURROGATES.split(text)
        return "".join(part if index % 2 else str(rx.sub(marker, part)) for index, part in enumerate(parts))
