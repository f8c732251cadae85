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

Linear is not cheap: RE2 searches with a DFA whose states it builds in an 8 MB budget, and when a text
needs more states than fit, it falls back to an NFA that pays for every instruction of the program on
every byte (about 12 ns each here). Twenty patterns `[ab]{1000}c`, `[ab]{999}c`... are 1,005 instructions
each and searched alone in 16 ms an 80 kB string, but as one alternation of 19,834 they ran past the
budget: 24 s a string. So a pattern may compile to at most `PROGRAM_MAX` instructions (refused when the
configuration is read, like a look-around), and the patterns are searched in groups of at most
`GROUP_MAX` together: a set costs at most the sum of its patterns, never more.

The sum itself is bounded: at most `PATTERNS_MAX` patterns of at most `PATTERN_CHARS_MAX` characters each
(past either, the configuration is refused when read, before anything is compiled). A string that holds a
match is rewritten pattern by pattern, about 10 us each, and every pattern is compiled when a run starts:
1,000 patterns cost 50-100 ms a traced call whose strings hold a match and 4-39 s to start (measured with
`[^ ]{1,200}`-like and literal patterns); 100 cost 6-12 ms and 0.3-1.8 s.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

ENGINE = "RE2"
# Instructions of one compiled pattern (forward or reverse program). RE2's repetitions stop at 1000, so
# `[a-z0-9]{1,200}` is 607 and `[ab]{1000}c` 1,005; the NFA fallback costs up to 25 us a byte at 2,000.
PROGRAM_MAX = 2_000
GROUP_MAX = 2_000  # instructions of the patterns searched together in one pass (their alternation)
PATTERNS_MAX = 100  # patterns in `redact_patterns`: each costs its compilation at start and ~10 us a hit string
PATTERN_CHARS_MAX = 2_000  # characters of one pattern, checked before RE2 compiles it
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
    too_long = _length_problem(pattern)
    if too_long:
        return too_long
    try:
        compiled = compile_pattern(pattern)
    except PatternRefused as refused:
        return f"{_quoted(pattern)} cannot be run by {ENGINE} ({refused}); {ENGINE} runs in linear time, so it has " \
               "no look-arounds or backreferences"
    return _size_problem(pattern, program_size(compiled))


def too_many(count: int) -> str:
    """Why a set of `count` patterns is refused (past `PATTERNS_MAX`), as a clause for an error message."""
    return f"{count:,} patterns, more than the {PATTERNS_MAX} it may hold (each is compiled when a run starts " \
           "and tried on every string that holds a match); join related ones into one alternation (a|b)"


def program_size(compiled: Any) -> int:
    """How many instructions RE2 runs for `compiled`: the larger of its forward and reverse programs."""
    return max(int(compiled.programsize), int(compiled.reverseprogramsize))


def _length_problem(pattern: str) -> str | None:
    if len(pattern) <= PATTERN_CHARS_MAX:
        return None
    return f"{_quoted(pattern)} is {len(pattern):,} characters long, more than the {PATTERN_CHARS_MAX:,} a " \
           "pattern may have; split it into several patterns"


def _size_problem(pattern: str | bytes, size: int) -> str | None:
    if size <= PROGRAM_MAX:
        return None
    shown = _quoted(pattern.decode("utf-8", "replace") if isinstance(pattern, bytes) else pattern)
    return f"{shown} compiles to {size:,} {ENGINE} instructions, more than the {PROGRAM_MAX:,} a pattern may have " \
           "(each costs time on every byte traced); use shorter repetitions ({1,200}, not {1,1000}) or split it " \
           "into several patterns"


def _reason(error: Exception) -> str:
    detail = error.args[0] if error.args else error
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    return text.replace("\n", " ")


def _quoted(pattern: str) -> str:
    import json  # noqa: PLC0415 - only a refusal needs it

    shown = json.dumps(pattern, ensure_ascii=False)
    return shown if len(shown) <= 80 else shown[:77] + "..."


class UserPatterns:
    """The configured patterns, each match replaced by `marker`; a pattern past `PROGRAM_MAX`, or more than
    `PATTERNS_MAX` of them, is refused."""

    def __init__(self, patterns: Iterable[str], marker: str):
        texts = tuple(patterns)
        if len(texts) > PATTERNS_MAX:
            raise PatternRefused(too_many(len(texts)))
        self._each = tuple(_bounded(text) for text in texts)
        self._marker = marker
        self._groups = _grouped(texts)  # alternations over UTF-8 bytes: a third cheaper than over str

    def __bool__(self) -> bool:
        return bool(self._each)

    @property
    def groups(self) -> int:
        """How many passes a text that holds no match costs (one per group of patterns searched together)."""
        return len(self._groups)

    def redact(self, text: str) -> str:
        """`text` with every match of every pattern replaced."""
        if not self._each or not any(_found(rx, text) for rx in self._groups):
            return text
        for rx in self._each:
            text = _substituted(rx, self._marker, text)
        return text


def _bounded(pattern: str) -> Any:
    too_long = _length_problem(pattern)
    if too_long:
        raise PatternRefused(too_long)
    compiled = compile_pattern(pattern)
    problem = _size_problem(pattern, program_size(compiled))
    if problem:
        raise PatternRefused(problem)
    return compiled


def _grouped(texts: tuple[str, ...]) -> tuple[Any, ...]:
    """The patterns as few alternations as keep each within `GROUP_MAX` instructions, in their order.

    RE2's DFA holds a set of the program's instructions in each state: one alternation of twenty long
    patterns needs states twenty times the size, runs out of its budget and falls back to the NFA (24 s
    an 80 kB string, against 0.3 s for the twenty searched alone)."""
    groups: list[Any] = []
    members: list[str] = []
    current: Any = None
    for text in texts:
        joined = _alternation([*members, text]) if members else None
        if joined is not None and program_size(joined) <= GROUP_MAX:
            members.append(text)
            current = joined
            continue
        if members:
            groups.append(current)
        members, current = [text], _alternation([text])
    if members:
        groups.append(current)
    return tuple(groups)


def _alternation(texts: list[str]) -> Any:
    """`texts` as one pattern over UTF-8 bytes, or None when RE2 cannot (then `_found` says maybe)."""
    try:
        return compile_pattern("|".join(f"(?:{text})" for text in texts).encode("utf-8", "surrogatepass"))
    except PatternRefused:
        return None


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
