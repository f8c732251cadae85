"""Calls made again with the inputs of an earlier one in a run (`RunClues.repeats`): counted, with whether each
gave the first call's answer, their time and their cost. One int per distinct call is kept until the run ends: the
first call's seq and its answer packed together (`first_of`).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from ..notes.steps import CallRepeat, Step

ANSWER_MASK = (1 << 65) - 1  # the low bits of a packed first call: a flag (it answered) and its outputs' key


def note_repeat(firsts: dict[int, int], repeats: dict[int, CallRepeat], step: Step) -> None:
    """`step`, with inputs, ended: the first of its inputs in `firsts`, else a repeat in `repeats`."""
    assert step.inputs_key is not None
    note_call(firsts, repeats, step.inputs_key, step.seq, answer_bits(step), step.duration_ms or 0.0,
              step.component == "llm", step.cost_usd)


class Ended(NamedTuple):
    """What a call with inputs that ended adds to the repeats (a part of a big run keeps these of its calls)."""

    key: int  # its inputs key
    seq: int
    answer: int  # `answer_bits`
    ms: float
    llm: bool  # an LLM call: its cost counts
    cost: Optional[float]


def note_call(firsts: dict[int, int], repeats: dict[int, CallRepeat], key: int, seq: int, answer: int, ms: float,
              llm: bool, cost: Optional[float]) -> None:
    """A call with inputs ended (its fields as `Ended` names them): the first of its inputs in `firsts`, else a
    repeat in `repeats`."""
    first = firsts.get(key)
    if first is None:
        firsts[key] = seq << 65 | answer
        return
    same = answer != 0 and answer == first & ANSWER_MASK
    repeat = repeats.get(key)
    if repeat is None:
        repeat = repeats[key] = CallRepeat(first >> 65, seq)
    repeat.calls += 1
    repeat.identical = repeat.identical and same
    repeat.ms += ms
    if llm:
        repeat.cost = None if repeat.cost is None or cost is None else repeat.cost + cost


def answer_bits(step: Step) -> int:
    """A call's answer as 65 bits: 1 << 64 | its outputs' key (64 bits) when it completed with outputs, else 0."""
    if step.outputs_key is None or step.status == "failed":
        return 0
    return 1 << 64 | step.outputs_key & ((1 << 64) - 1)
