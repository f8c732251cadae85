"""What a part of a big run keeps of each call for the join to add again in the run's order (`clues.py`):
each LLM call's model, time and cost (`PartSpent`), each call with inputs' key, seq, answer, time and cost (`Called`),
each link to an LLM call made and looked up (`LinkLog`, its keys in a `KeyColumn`). A few numbers a call, in
columns (`array`), so that a part of hundreds of megabytes gives back megabytes.

>>> from namel3ss_debug.analysis.diagnosis.notes.steps import Step
>>> spent = PartSpent()
>>> spent.note(Step(1, 2, "s", None, "llm", "chat", "llm_call", "llm:chat#1", "", "t", model="m", cost_usd=0.5))
>>> [(model, cost) for model, _, cost, _ in spent]
[('m', 0.5)]
"""

from __future__ import annotations

import math
from array import array
from typing import Iterator, Optional

from ...idset import span_number
from ..collector.repeats import ANSWER_MASK, Ended, answer_bits
from ..notes.steps import Step

UNKNOWN = math.nan  # a time or cost not known (None); no call's is NaN


def _known(value: Optional[float]) -> float:
    return UNKNOWN if value is None else value


def _given(value: float) -> Optional[float]:
    return None if math.isnan(value) else value


class PartSpent:
    """The LLM calls that ended, in order: model (by its place in `models`), time and cost, and the calls that cost
    more than every one before them (`costliest`, by place): no other can be the run's costliest."""

    def __init__(self) -> None:
        self.models: list[Optional[str]] = []
        self._places: dict[Optional[str], int] = {}
        self.model = array("I")
        self.ms = array("d")
        self.cost = array("d")
        self.costliest: dict[int, Step] = {}
        self._most = -1.0

    def note(self, step: Step) -> None:
        place = self._places.get(step.model)
        if place is None:
            place = self._places[step.model] = len(self.models)
            self.models.append(step.model)
        if step.cost_usd is not None and step.cost_usd > self._most:
            self._most = step.cost_usd
            self.costliest[len(self.cost)] = step
        self.model.append(place)
        self.ms.append(_known(step.duration_ms))
        self.cost.append(_known(step.cost_usd))

    def __iter__(self) -> Iterator[tuple[Optional[str], Optional[float], Optional[float], Optional[Step]]]:
        """Each call's model, time, cost, and the call when it cost more than every one before it."""
        for at, place in enumerate(self.model):
            yield self.models[place], _given(self.ms[at]), _given(self.cost[at]), self.costliest.get(at)


class Called:
    """The calls with inputs that ended, in order, as `repeats.note_call` reads them (`Ended`)."""

    def __init__(self) -> None:
        self.key = array("q")
        self.seq = array("q")
        self.answer = array("Q")  # the answer's 64 bits of `answer_bits`, below its flag
        self.flags = array("B")  # 1: it answered (`answer_bits`' flag), 2: an LLM call
        self.ms = array("d")
        self.cost = array("d")

    def note(self, step: Step) -> None:
        assert step.inputs_key is not None
        answer = answer_bits(step)
        self.key.append(step.inputs_key)
        self.seq.append(step.seq)
        self.answer.append(answer & ((1 << 64) - 1))
        self.flags.append((1 if answer else 0) | (2 if step.component == "llm" else 0))
        self.ms.append(step.duration_ms or 0.0)
        self.cost.append(_known(step.cost_usd))

    def __iter__(self) -> Iterator[Ended]:
        for at, key in enumerate(self.key):
            flags = self.flags[at]
            answer = (1 << 64 | self.answer[at]) & ANSWER_MASK if flags & 1 else 0
            yield Ended(key, self.seq[at], answer, self.ms[at], bool(flags & 2), _given(self.cost[at]))

    def __len__(self) -> int:
        return len(self.key)


class KeyColumn:
    """Texts in order, held as 64-bit numbers while each is a span id as the tracer writes one (16 lowercase hex
    digits), else as texts: a part's LLM span ids take 8 bytes each, not a text's 65.

    >>> keys = KeyColumn()
    >>> keys.append("00000000000000a1"); keys.append("00000000000000A1"); keys.append("call_7")
    >>> [keys[0], keys[1], keys[2], len(keys)]
    ['00000000000000a1', '00000000000000A1', 'call_7', 3]
    """

    __slots__ = ("numbers", "texts")

    def __init__(self) -> None:
        self.numbers: Optional[array[int]] = array("Q")
        self.texts: list[str] = []

    def append(self, key: str) -> None:
        numbers = self.numbers
        if numbers is not None:
            number = _span_number(key)
            if number is not None:
                numbers.append(number)
                return
            self.texts, self.numbers = [f"{held:016x}" for held in numbers], None
        self.texts.append(key)

    def __getitem__(self, at: int) -> str:
        return f"{self.numbers[at]:016x}" if self.numbers is not None else self.texts[at]

    def __len__(self) -> int:
        return len(self.numbers) if self.numbers is not None else len(self.texts)


def _span_number(key: str) -> Optional[int]:
    """The number a key of 16 lowercase hex digits is written from (written back, the same text); None for any
    other key."""
    number = span_number(key)
    return number if number is not None and f"{number:016x}" == key else None


class LinkLog:
    """Every link to an LLM call a part made (`remember`) and looked up (`get`), in order: its key, the LLM call's
    seq (of a look-up: the one found, None for none) and whether it was made."""

    __slots__ = ("keys", "seqs", "made")

    def __init__(self) -> None:
        self.keys = KeyColumn()
        self.seqs = array("q")  # -1: a look-up that found none
        self.made = bytearray()

    def add(self, key: str, seq: Optional[int], made: bool) -> None:
        self.keys.append(key)
        self.seqs.append(-1 if seq is None else seq)
        self.made.append(made)

    def __len__(self) -> int:
        return len(self.seqs)

    def __iter__(self) -> Iterator[tuple[str, Optional[int], bool]]:
        keys = self.keys
        for at, (seq, made) in enumerate(zip(self.seqs, self.made)):
            yield keys[at], None if seq < 0 else seq, bool(made)

    def missed(self, start: int) -> bool:
        """Whether a look-up from `start` on found nothing."""
        return any(not made and seq < 0 for seq, made in zip(self.seqs[start:], self.made[start:]))
