"""The whole run's first writers (`writers.py`) and the term extraction they are noted by (`provenance.py`): written
for speed, so each pattern is checked against its plain reading on random texts, and the index on steps built in
code."""

from __future__ import annotations

import random
import re
from typing import Any

from namel3ss_debug.analysis.diagnosis.notes import provenance
from namel3ss_debug.analysis.diagnosis.notes.provenance import indexed_terms, normal
from namel3ss_debug.analysis.diagnosis.notes.steps import NO_AGENT, Step, ToolAsk
from namel3ss_debug.analysis.diagnosis.notes.writers import Writers

# the patterns as first written: what the fast ones must find, at the same places
PLAIN_NUMBER = re.compile(r"(?<![\w.])(?<![^\W\d_]-)[-+]?\d[\d,]*(?:\.\d+)?%?(?![\w]|[.,]\d|-[^\W\d_])")
PLAIN_JOINED = re.compile(r"\w+(?:-\w+)+")  # a token joined by `-`: its numbers are an id's when it holds a letter
PLAIN_QUOTED = re.compile(r"\"([^\"\n]{2,80})\"|(?<!\w)'([^'\n]{2,80})'(?!\w)|“([^”\n]{2,80})”|`([^`\n]{2,80})`")
# what makes the patterns differ if they are wrong: signs, dots and commas beside digits, digits past ASCII
# (Arabic-Indic, fullwidth, mathematical), letters past ASCII, the four quotes, white space of several kinds
ALPHABET = "0123456789+-.,%_aZé٣３𝟙✓ \t\n\u00a0\u2003\"'“”`xy"


def random_texts(count: int, seed: int = 79) -> list[str]:
    draw = random.Random(seed)
    return ["".join(draw.choices(ALPHABET, k=draw.randint(0, 40))) for _ in range(count)]


def plain_indexed_terms(text: str) -> set[str]:
    ids = [match.span() for match in PLAIN_JOINED.finditer(text) if re.search(r"[^\W\d]", match.group())]
    numbers = (match.group().rstrip(",") for match in PLAIN_NUMBER.finditer(text)
               if not any(start <= match.start() < end for start, end in ids))
    found = {number.casefold() for number in numbers if sum(c not in "+-,.%" for c in number) >= 2}
    return found | {normal(next(group for group in match.groups() if group)) for match in PLAIN_QUOTED.finditer(text)}


def step(seq: int, **fields: Any) -> Step:
    fields.setdefault("status", "completed")
    return Step(seq, seq + 1, f"s{seq}", None, "tool", "read", "tool_call", f"tool:read#{seq}", NO_AGENT,
                "2026-11-27T10:00:00Z", **fields)


def test_the_number_pattern_finds_what_the_plain_one_does_at_the_same_places() -> None:
    for text in random_texts(20_000):
        assert [(m.span(), m.group()) for m in provenance._NUMBER.finditer(text)] == \
            [(m.span(), m.group()) for m in PLAIN_NUMBER.finditer(text)], text


def test_the_quoted_pattern_finds_what_the_plain_one_does_at_the_same_places() -> None:
    for text in random_texts(20_000):
        assert [(m.span(), m.groups()) for m in provenance._QUOTED.finditer(text)] == \
            [(m.span(), m.groups()) for m in PLAIN_QUOTED.finditer(text)], text


def test_normal_folds_case_and_white_space_as_the_plain_substitution_does() -> None:
    for text in random_texts(20_000):
        assert normal(text) == re.sub(r"\s+", " ", text).casefold().strip(), text


def test_a_texts_indexed_terms_are_its_numbers_of_two_digits_and_quoted_terms() -> None:
    assert indexed_terms('Lyon: 516,092 people, 7 zones, +3.5%, v1.25, "Grand  Lyon" and `INSEE`') == \
        {"516,092", "+3.5%", "grand lyon", "insee"}
    for text in random_texts(5_000):
        assert indexed_terms(text) == plain_indexed_terms(text), text


def test_a_step_whose_output_holds_no_term_notes_nothing() -> None:
    writers = Writers()
    writers.note(step(1, arguments='{"city": "Lyon"}', result="it is cold, 7 C"))  # its arguments are not its output
    writers.note(step(2))
    assert writers.terms == {} and writers.unindexed == 0


def test_a_term_first_written_at_step_n_of_many_is_found_with_every_step_that_wrote_it() -> None:
    writers = Writers()
    for seq in range(1, 5_001):
        said = "Lyon has 516,092 inhabitants" if seq in (4_000, 4_600) else f"gauge {seq} reads {100_000 + seq}"
        writers.note(step(seq, result=said))
    found = writers.first("516,092")
    assert found is not None and (found.first.seq, found.steps) == (4_000, 2)
    assert found.first.result is None  # the first writer is kept slim: what evidence names, no texts


def test_a_steps_outputs_are_read_one_by_one_no_term_runs_from_one_into_the_next() -> None:
    writers = Writers()
    asked = (ToolAsk("lookup", '{"id": "Lyon"}'),)
    writers.note(step(1, text='the code is "XY', asked=asked, result='Z" and 4'))
    assert set(writers.terms) == {"id", "lyon"}  # its call's arguments (quoted and as values), not `XY\nZ`
