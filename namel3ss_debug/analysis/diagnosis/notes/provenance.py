"""Where a piece of text came from: the values a tool was called with, the decisive content of a final answer
(numbers, quoted terms, capitalised names), and the earliest step whose output holds it.

A step's *output* is what it wrote: an LLM answer's text and the arguments of the tool calls it asked for, a
tool's result, an agent turn's output. Its inputs (a tool's arguments) are not its output: they were written by
whoever asked for the call. Matching ignores case and runs of white space, and a term that begins or ends with a
letter or digit matches only as a whole word or number (`17` is not found in `2017`).

A number stands alone: digits with `,` and `.` between them, touching no letter, `_` or `-` and a letter, and in no
token that joins letters and digits by `-`: `97` is no number of the hex id `97ef78a8`, nor `2024` of `run-2024abc`,
`12` of `12.5kg` or `12-day`, `446655440000` of a UUID; `2024-01-15` holds three.

>>> terms_of('The population of Lyon is 516,092, says "INSEE".')
[Term(text='516,092', kind='number'), Term(text='INSEE', kind='quoted'), Term(text='Lyon', kind='name')]
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, NamedTuple, Optional, Sequence

import msgspec

from ....model.deep import leaves

if TYPE_CHECKING:
    from .steps import Step

TERM_KINDS = ("number", "quoted", "name")  # most decisive first: a number is rarely in a text by chance
MIN_VALUE_CHARS = 2  # an argument value shorter than this (`"a"`, `1`) is found everywhere: not traced
MAX_VALUES = 8  # argument values traced of one call

# A number standing alone (the module's doc): `(?<![\w.])(?<![^\W\d_]-)[-+]?\d[\d,]*(?:\.\d+)?%?` followed by no
# letter, digit or `_`, no `.` or `,` before a digit (`12.5kg` is not `12`) and no `-` before a letter (`12-day`),
# written to begin with a plain class of characters (a sign, an ASCII digit or any character past ASCII, where the
# other digits are), which `re` scans for quickly, the rest asserted after it: 3.5x faster than trying the
# look-behind at every place of a text.
_NUMBER = re.compile(r"[-+0-9\x80-\U0010ffff](?<=[-+\d])(?<![\w.][-+\d])(?<![^\W\d_]-[-+\d])(?:(?<=[-+])\d|(?<=\d))"
                     r"[\d,]*(?:\.\d+)?%?(?![\w]|[.,]\d|-[^\W\d_])")
# A token joined by `-` (`550e8400-e29b-41d4-a716-446655440000`): the numbers in one that holds a letter or `_`
# are parts of an id, not numbers (those the look-arounds above do not see: a group of digits alone between `-`s).
_JOINED = re.compile(r"\w+(?:-\w+)+")
# A quoted term; each alternative begins with its quote, so `re` scans for the four quotes (a single quote not after
# a letter or digit: `(?<!\w')` looks behind the quote it just read).
_QUOTED = re.compile(r"\"([^\"\n]{2,80})\"|'(?<!\w')([^'\n]{2,80})'(?!\w)|“([^”\n]{2,80})”|`([^`\n]{2,80})`")
_NAME = re.compile(r"\b[A-Z][\w'-]*(?:[ \t]+(?:(?:of|de|la|van|von|the)[ \t]+)*[A-Z][\w'-]*)*")
_NOT_DIGITS = str.maketrans("", "", "+-,.%")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|[\"“(]\s*)$")
# capitalised words that say nothing of where a fact came from
_COMMON = frozenset("""a an and as at but by for from he her his i if in is it its my no not of on or our she so
that the their then there these they this those to we what when where which who why will with yes you your
answer final here however sorry unfortunately""".split())


class Term(NamedTuple):
    text: str
    kind: str  # one of TERM_KINDS


def normal(text: str) -> str:
    """`text` as matching reads it: case folded, white space runs one space (`str.split`'s white space is `re`'s
    `\\s`), none at either end."""
    return " ".join(text.split()).casefold()


def holds(text: Optional[str], term: str) -> bool:
    """Whether `text` holds `term`, as a whole word or number where the term begins or ends with one."""
    if not text or not term or not normal(term):
        return False
    return _pattern(normal(term)).search(normal(text)) is not None


@lru_cache(maxsize=1024)
def _pattern(wanted: str) -> re.Pattern[str]:
    return re.compile(_bounded(wanted))


def _bounded(wanted: str) -> str:
    """The pattern of `wanted` as a whole word or number (a number as it stands alone: the module's doc)."""
    before = "(?<![\\w.])" if wanted[0].isalnum() else ""
    after = "(?![\\w])" if wanted[-1].isalnum() else ""
    if wanted[0].isdigit():
        before += "(?<![^\\W\\d_]-)"
    if wanted[-1].isdigit():
        after = "(?![\\w]|[.,]\\d|-[^\\W\\d_])"
    return before + re.escape(wanted) + after


def outputs_of(step: Step) -> list[str]:
    """What `step` wrote: its answer or output, the arguments of the calls it asked for, a tool's result."""
    texts = [text for text in (step.text, step.result) if text]
    texts += [ask.arguments for ask in step.asked if ask.arguments]
    return texts


def wrote(step: Step, term: str) -> bool:
    """Whether `step`'s output holds `term`."""
    return any(holds(text, term) for text in outputs_of(step))


def first_writer(steps: Iterable[Step], term: str) -> Optional[Step]:
    """The first of `steps` (in the order given) whose output holds `term`."""
    return next((step for step in steps if wrote(step, term)), None)


def values_of(arguments: Optional[str], error: Optional[str]) -> list[str]:
    """The values a call's `arguments` (JSON text) hold, those `error` names first (`named`): the value a tool raised
    on (`KeyError: 'Paris, FR'`) is the one to trace. Arguments that are not JSON (or cut short): the values the
    error marks as wrong (WRONG_CUES), then the terms it quotes."""
    found = _leaves(arguments)
    if not found:
        quoted = [term.text for term in terms_of(error or "") if term.kind == "quoted"]
        return list(dict.fromkeys([*_marked_tokens(error), *quoted]))[:MAX_VALUES]
    named = named_values(found, error)
    return (named + [value for value in found if value not in named])[:MAX_VALUES]


# How an error message marks the value it rejects, tried in this order (a framework's message often echoes every
# argument, `... with inputs {'city': 'Rome', 'days': 12} ...: got 12`: the value marked is the wrong one, not the
# first echoed). Each is a pattern around `{v}`, the value, quoted or not, read case aside, white space runs one
# space; `_GAP` lets up to three words stand between a cue and the value (`invalid currency code 'XXX'`).
_GAP = r"[\s:=(]*(?:[a-z]+[\s:=]+){0,3}?"
_NOT_VALID = r"(?:not (?:a |an )?(?:valid|supported|allowed|recogni[sz]ed|known)|not found|invalid|unknown|unsupported)"
WRONG_CUES = (
    r"\b(?:got|received)\b" + _GAP + "{v}",  # "expected at most 10, got 12", "received 'XXX'"
    # "invalid currency 'XXX'", "unknown city: Paris, FR", "not a valid date: 12", "not found: 'Atlantis'"
    r"\b(?:invalid|unknown|unsupported|unrecogni[sz]ed|not (?:a |an )?(?:valid|supported|recogni[sz]ed)|not found"
    r"|no such)\b" + _GAP + "{v}",
    r"(?:\b|_)values?\s*[:=]\s*{v}",  # "input_value=12" (pydantic), "value: 'XXX'"
    "{v}\\s*(?:is |was )?" + _NOT_VALID + r"\b",  # "'XXX' is not a valid currency", "city 'Paris, FR' not found"
    r"^\W*{v}\W*$",  # the message is the value alone: `KeyError: 'Paris, FR'`
)
_QUOTES = "['\"“”‘’`]?"
# a value a cue marks in a message, with no arguments to match: quoted, or a number (a bare word may be the cue's)
_TOKEN = r"(?P<v>'[^'\n]{1,80}'|\"[^\"\n]{1,80}\"|[-+]?\d[\d,]*(?:\.\d+)?(?![\w]|[.,]\d|-[^\W\d_]))"


def named_values(values: Sequence[str], error: Optional[str]) -> list[str]:
    """Of `values`, those `error` names, in their order: those it marks as wrong (WRONG_CUES, by the first cue that
    marks any), else those it holds."""
    if not error:
        return []
    said = " ".join(error.split())
    for cue in WRONG_CUES:
        marked = [value for value in values if _cue(cue, " ".join(value.split())).search(said)]
        if marked:
            return marked
    return [value for value in values if holds(error, value)]


@lru_cache(maxsize=1024)
def _cue(cue: str, value: str) -> re.Pattern[str]:
    return re.compile(cue.replace("{v}", _QUOTES + _bounded(value) + _QUOTES), re.IGNORECASE)


def _marked_tokens(error: Optional[str]) -> list[str]:
    """The values `error` marks as wrong (WRONG_CUES), whatever they are, by the first cue that marks any."""
    said = " ".join((error or "").split())
    for cue in WRONG_CUES:
        found = [match.group("v").strip("'\"") for match in _token_cue(cue).finditer(said)]
        found = [value for value in found if len(value) >= MIN_VALUE_CHARS]
        if found:
            return found
    return []


def marked_span(error: str) -> Optional[tuple[int, int]]:
    """Where `error` (its white space runs one space) marks a value as wrong: the span from the first cue that
    marks one to the value's end (`got 12` of `... expected at most 10, got 12`), or None.

    >>> marked_span("expected at most 10, got 12")
    (21, 27)
    """
    said = " ".join(error.split())
    for cue in WRONG_CUES:
        for match in _token_cue(cue).finditer(said):
            if len(match.group("v").strip("'\"")) >= MIN_VALUE_CHARS:
                return match.start(), match.end()
    return None


@lru_cache(maxsize=len(WRONG_CUES))
def _token_cue(cue: str) -> re.Pattern[str]:
    return re.compile(cue.replace("{v}", _TOKEN), re.IGNORECASE)


def _leaves(arguments: Optional[str]) -> list[str]:
    if not arguments:
        return []
    try:
        value = msgspec.json.decode(arguments)
    except msgspec.DecodeError:
        return []
    found = [text for text in (item.strip() if isinstance(item, str) else str(item) for item in leaves(value))
             if len(text) >= MIN_VALUE_CHARS]
    return list(dict.fromkeys(found))


def terms_of(text: str, expected: Optional[str] = None) -> list[Term]:
    """The decisive content of `text`, most decisive kind first, each term once, without those `expected` holds
    (what a failed expectation wanted is not the fault). Numbers of one digit and capitalised words that only
    begin a sentence are left out: they are in any text."""
    found = [*_numbers(text), *_quoted(text), *_names(text)]
    seen: set[str] = set()
    terms = []
    for term in found:
        key = normal(term.text)
        if key in seen or (expected is not None and holds(expected, term.text)):
            continue
        seen.add(key)
        terms.append(term)
    return sorted(terms, key=lambda term: TERM_KINDS.index(term.kind))


def indexed_terms(text: str) -> set[str]:
    """The numbers (of two digits or more) and quoted terms of `text`, as matching reads them (`normal`): what the
    whole run's first writers are noted by (`writers.py`); names are not (the costliest to find, and the least
    decisive). Run on every step's output, so written for speed: `findall`'s strings, no match objects."""
    found = {number.casefold() for number in (match.rstrip(",") for match in _standing(text))
             if len(number.translate(_NOT_DIGITS)) >= 2}
    found.update(map(_normal_quoted, map("".join, _QUOTED.findall(text))))  # one of the 4 groups is not empty
    return found


_normal_quoted = lru_cache(maxsize=4096)(normal)  # quoted terms (80 characters at most) recur: JSON keys, names


def _numbers(text: str) -> list[Term]:
    numbers = (match.rstrip(",") for match in _standing(text))
    return [Term(number, "number") for number in numbers if sum(c.isdigit() for c in number) >= 2]


def _standing(text: str) -> list[str]:
    """The numbers of `text` that stand alone (the module's doc), in order."""
    if "-" not in text:  # most texts: no token joined by `-`, `findall`'s strings alone
        return _NUMBER.findall(text)
    ids = [match.span() for match in _JOINED.finditer(text) if not match.group().replace("-", "").isdecimal()]
    if not ids:
        return _NUMBER.findall(text)
    found, at = [], 0
    for match in _NUMBER.finditer(text):
        start = match.start()
        while at < len(ids) and ids[at][1] <= start:
            at += 1
        if at == len(ids) or start < ids[at][0]:
            found.append(match.group())
    return found


def _quoted(text: str) -> list[Term]:
    return [Term(next(group for group in match.groups() if group).strip(), "quoted")
            for match in _QUOTED.finditer(text)]


def _names(text: str) -> list[Term]:
    names = []
    for match in _NAME.finditer(text):
        words = match.group().split()
        while words and words[0].casefold() in _COMMON:  # "The Eiffel Tower" -> "Eiffel Tower"
            words = words[1:]
        starts = words == match.group().split() and _SENTENCE_START.search(text[:match.start()]) is not None
        if not words or (len(words) == 1 and (starts or len(words[0]) < 2)):
            continue
        names.append(Term(" ".join(words), "name"))
    return names


def earliest(steps: Sequence[Step]) -> Optional[Step]:
    """The step of `steps` that began first."""
    return min(steps, key=lambda step: step.seq, default=None)


def text_digest(text: str) -> int:
    """A whole text known by its stripped, non-blank lines (a text written or sent again may differ in white space):
    a file's content written again (`products.digest`), an answer said again under a name (`speakers.py`)."""
    lines = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    return int.from_bytes(hashlib.blake2b(lines.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")
