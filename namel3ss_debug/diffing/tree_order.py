"""A run's calls in tree order: each call followed by the calls under it, siblings in the order they started.

`diff` aligns two runs' calls as sequences. Start order is the scheduler's, not the app's: agents run
together (`asyncio.gather`, threads) interleave their calls as their tasks happen to be resumed, so two runs
that did the same thing would pair one agent's calls with another's, and be called different. Each agent's
calls in one block, in the order that agent made them, are the same in both runs.

A run that does one thing at a time starts its calls in tree order already (a call starts after its parent,
and a sibling's calls all start after the calls under the sibling before it), so it keeps its order:
`model.arrays.tree_ordered` says so (in C where the extension was built: a pass over the parents, 5 ms
for 718,000 calls), and only a run whose calls interleave is reordered.

>>> list(tree_order([-1, 0, 0, 1, 2, 1]))  # two agents (1, 2) under the run (0), their calls interleaved
[0, 1, 3, 5, 2, 4]
"""

from __future__ import annotations

from array import array
from typing import Sequence

from ..model.arrays import tree_ordered as in_tree_order
from .call_table import CallTable


def tree_ordered(table: CallTable) -> CallTable:
    """`table` itself when its calls are in tree order, else its calls in tree order (a new table)."""
    if in_tree_order(table.parent):
        return table
    return table.reordered(tree_order(table.parent))


def tree_order(parents: Sequence[int]) -> array[int]:
    """The calls' indexes in tree order: each call, then the calls under it; siblings, and roots, in the
    order they started. Each parent is an earlier call or -1.

    Each call's subtree is counted (from the last call back, as a parent comes before its calls), then each
    call is placed at the first free place of its parent's block, its own block that long."""
    sizes = [1] * len(parents)
    for index in range(len(parents) - 1, -1, -1):
        if parents[index] >= 0:
            sizes[parents[index]] += sizes[index]
    free = [0] * len(parents)  # under each call, the next place for a call of its own
    roots = 0
    order = array("i", bytes(4 * len(parents)))
    for index, parent in enumerate(parents):
        if parent >= 0:
            place = free[parent]
            free[parent] += sizes[index]
        else:
            place, roots = roots, roots + sizes[index]
        order[place] = index
        free[index] = place + 1
    return order
