"""The join's loops in C (`replay/_join.c`) give the arrays, and raise the errors, of their references (joined.py)."""

from __future__ import annotations

import random
from array import array

import pytest

from namel3ss_debug.replay import joined

needs_c = pytest.mark.skipif(not joined.ACCELERATED, reason="the C extension was not compiled on this install")
if joined.ACCELERATED:
    from namel3ss_debug.replay import _join


def both(name: str, *args):
    """What the C function and the reference give (an array, or the type of the error raised)."""
    answers = []
    for function in (getattr(_join, name), getattr(joined, f"{name}_py")):
        try:
            made = function(*args)
            answers.append((made.typecode, list(made)))
        except (IndexError, OverflowError) as error:
            answers.append(type(error))
    return answers


def half(rng: random.Random, events: int) -> dict:
    """A second half's columns: the ghost root at position 0, spans started and perhaps ended after it."""
    starts, ends, position = [0], [rng.choice((-1, events - 1))], 1
    taken = {0, ends[0]}
    while position < events - 1:
        if position not in taken:
            starts.append(position)
            end = rng.choice([-1, *[p for p in range(position + 1, min(events - 1, position + 6)) if p not in taken]])
            ends.append(end)
            taken.update({position, end})
        position += 1
    return {"call": array("I", [rng.randrange(1, 9) for _ in range(events)]),
            "component": array("I", [rng.randrange(0, 4) for _ in range(events)]),
            "name": array("I", [rng.randrange(0, 6) for _ in range(events)]),
            "span_start": array("i", starts), "span_end": array("i", ends)}


@needs_c
@pytest.mark.parametrize("seed", range(30))
def test_the_compiled_loops_give_the_references_arrays(seed):
    rng = random.Random(seed)
    events = rng.randrange(1, 60)
    columns = half(rng, events)
    before = {(c, n): rng.randrange(0, 1000) for c in range(4) for n in range(6) if rng.random() < 0.5}
    root_call = rng.randrange(1, 50)
    one, other = both("calls", columns["call"], columns["component"], columns["name"], columns["span_start"],
                      columns["span_end"], lambda key: before.get(key, 0), root_call)
    assert one == other and one[0] == "I"
    codes = array("I", [rng.randrange(0, 8) for _ in range(events)])
    table = array("q", [rng.randrange(0, 1 << 31) for _ in range(8)])
    one, other = both("remap", codes, table, "I")
    assert one == other and one[0] == "I"
    numbers = array("i", [rng.randrange(-1, 7) for _ in range(events)])  # -1: the table's last item, NO_SPAN
    one, other = both("remap", numbers, array("i", [5, *range(100, 106), -1]), "i")
    assert one == other and one[0] == "i"
    one, other = both("shifted", columns["span_end"], rng.randrange(0, 1 << 20), "i")
    assert one == other and one[0] == "i"


@needs_c
def test_the_compiled_loops_raise_the_references_errors():
    assert both("remap", array("I", [0, 1, 9]), array("q", [1, 2, 3]), "I") == [IndexError, IndexError]
    assert both("remap", array("i", [0, -4]), array("q", [1, 2, 3]), "i") == [IndexError, IndexError]
    assert both("remap", array("I", [0, 1]), array("q", [0, -5]), "I") == [OverflowError, OverflowError]
    assert both("remap", array("I", [0, 0]), array("q", [1 << 31]), "i") == [OverflowError, OverflowError]
    assert both("shifted", array("i", [0, 5]), 1 << 31, "i") == [OverflowError, OverflowError]
    assert both("calls", array("I", [1, 2]), array("I", [0, 0]), array("I", [0, 0]), array("i", [0]),
                array("i", [-1]), lambda key: (1 << 32) - 2, 1) == [OverflowError, OverflowError]


def test_the_join_uses_the_compiled_loops_where_they_were_built():
    compiled = (joined.remap is not joined.remap_py, joined.calls is not joined.calls_py,
                joined.shifted is not joined.shifted_py)
    assert compiled == (joined.ACCELERATED,) * 3
