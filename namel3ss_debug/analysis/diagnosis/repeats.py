"""Calls made again with the inputs of an earlier one in a run (`RunClues.repeats`): counted, with whether each
gave the first call's answer, their time and their cost. One int per distinct call is kept until the run ends: the
first call's seq and its answer packed together (`first_of`).
"""

from __future__ import annotations

from .steps import CallRepeat, Step

ANSWER_MASK = (1 << 65) - 1  # the low bits of a packed first call: a flag (it answered) and its outputs' key


def note_repeat(firsts: dict[int, int], repeats: dict[int, CallRepeat], step: Step) -> None:
    """`step`, with inputs, ended: the first of its inputs in `firsts`, else a repeat in `repeats`."""
    assert step.inputs_key is not None
    first = firsts.get(step.inputs_key)
    if first is None:
        firsts[step.inputs_key] = step.seq << 65 | answer_bits(step)
        return
    answer = answer_bits(step)
    same = answer != 0 and answer == first & ANSWER_MASK
    repeat = repeats.get(step.inputs_key)
    if repeat is None:
        repeat = repeats[step.inputs_key] = CallRepeat(first >> 65, step.seq)
    repeat.calls += 1
    repeat.identical = repeat.identical and same
    repeat.ms += step.duration_ms or 0.0
    if step.component == "llm":
        repeat.cost = None if repeat.cost is None or step.cost_usd is None else repeat.cost + step.cost_usd


def answer_bits(step: Step) -> int:
    """A call's answer as 65 bits: 1 << 64 | its outputs' key (64 bits) when it completed with outputs, else 0."""
    if step.outputs_key is None or step.status == "failed":
        return 0
    return 1 << 64 | step.outputs_key & ((1 << 64) - 1)
