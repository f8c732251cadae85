"""Who first wrote each term of a run, over the whole run, in bounded memory: the blame traces a value (a tool's
argument, a number of the final answer) to the earliest step that wrote it, and the steps the pass keeps whole
(`RunClues.opening`, `recent`, `errors`) leave out the middle of a long run, where the cause often is.

As each step ends, the terms of its output (`provenance.outputs_of`: the numbers and quoted terms of its texts,
`provenance.indexed_terms`, and the values of the tool calls it asked for; not names, the costliest to find and
the least decisive, which are traced through the kept steps only) are noted: the first step that wrote a term,
slimmed to what evidence names (no texts), and how many steps wrote it. At most `MAX_TERMS` terms are noted; past
that, terms not seen before are counted (`unindexed`), not noted, and the blame says so. A term matches as
extracted (case and white space aside): the kept steps are searched as `provenance.holds` does, inside any text.
Every step's output is read, so this is written for speed; bench/writers_cost.py measures what it adds.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Optional

import msgspec

from .provenance import indexed_terms, normal, outputs_of, values_of

if TYPE_CHECKING:
    from .steps import Step

MAX_TERMS = 32_768  # terms noted of a run; the first writers they point at are slim steps (no texts)
SAID_AGAIN = 1024  # the last outputs whose terms are remembered: a loop's answers and a polled tool's results recur


class Written:
    """A term's first writer and how many steps wrote it."""

    __slots__ = ("first", "steps")

    def __init__(self, first: Step):
        self.first, self.steps = first, 1


class Writers:
    """The run's terms, each with its first writer (`Written`); `unindexed`: terms first written after MAX_TERMS."""

    __slots__ = ("terms", "unindexed")

    def __init__(self) -> None:
        self.terms: dict[str, Written] = {}
        self.unindexed = 0

    def note(self, step: Step) -> None:
        """`step` ended: the terms its output holds, each counted once for it."""
        keys = _keys(step)
        if not keys:
            return
        slim: Optional[Step] = None
        terms = self.terms
        for key in keys:
            found = terms.get(key)
            if found is not None:
                found.steps += 1
            elif len(terms) < MAX_TERMS:
                if slim is None:
                    slim = slimmed(step)
                terms[key] = Written(slim)
            else:
                self.unindexed += 1

    def first(self, term: str) -> Optional[Written]:
        """The first writer of `term` (as extracted: case and white space aside), when noted."""
        return self.terms.get(normal(term))


def slimmed(step: Step) -> Step:
    """`step` with what evidence names only (no texts, arguments or asks): what a run-wide record keeps of it."""
    return msgspec.structs.replace(step, text=None, result=None, arguments=None, asked=(), error_message=None)


def _keys(step: Step) -> frozenset[str] | set[str]:
    """The terms of `step`'s output (`provenance.outputs_of`), as one text (no term runs across a line's end), and
    the values of the calls it asked for."""
    if not step.asked:  # most steps: a text or a result, found once for an output said again
        text, result = step.text, step.result
        said = f"{text}\n{result}" if text and result else text or result
        keys = _terms(said) if said else _NONE
        return keys - _EMPTY if "" in keys else keys
    texts = outputs_of(step)
    found = set(_terms("\n".join(texts))) if texts else set()
    for ask in step.asked:
        found.update(normal(value) for value in values_of(ask.arguments, None))
    found.discard("")
    return found


_NONE: frozenset[str] = frozenset()
_EMPTY = frozenset({""})


@lru_cache(maxsize=SAID_AGAIN)
def _terms(text: str) -> frozenset[str]:
    """`indexed_terms` of an output, found once for an output said again."""
    return frozenset(indexed_terms(text))
