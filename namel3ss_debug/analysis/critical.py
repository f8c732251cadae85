"""The critical path of a span tree, built as spans close, in memory bounded by the open spans.

A span's critical path is what its end waited for: walking back from its end, the child that ended
last, then the child that ended last before that one started, and so on, plus the span's own time
in between. "Before" is decided by `seq` (the writer's order), so no timestamp is parsed; durations
give the weights. Each closed child is kept on its parent as a `Kid` (its end and start seq, the best path
ending with it, its direct time), the path being a `Chain`: `{(component, name, kind): PathTime}`. When a
parent has no open child, only its latest chain can matter any more, so the others are dropped; sequential
code keeps one entry per open span.
"""

from __future__ import annotations

from .collectors.figures import Chain, Kid, Op, PathTime
from .run_state import OpenSpan


def attach(kids: list[Kid], start_seq: int, end_seq: int, chain: Chain, duration: float,
           others_open: bool) -> list[Kid]:
    """Add a closed child to its parent's kids; returns the kids to keep."""
    predecessor = _predecessor(kids, start_seq)
    if predecessor is None:
        entry = Kid(end_seq, start_seq, chain, duration)
    else:
        reuse = not others_open and predecessor is kids[-1]
        base = predecessor.chain if reuse else {op: PathTime(value.ms, value.spans)
                                                for op, value in predecessor.chain.items()}
        merge(base, chain)
        entry = Kid(end_seq, start_seq, base, predecessor.direct_ms + duration)
    if not others_open:
        return [entry]
    kids.append(entry)
    return kids


def _predecessor(kids: list[Kid], start_seq: int) -> Kid | None:
    """The kid that ended last before `start_seq`; kids are in end order."""
    for kid in reversed(kids):
        if kid.end_seq < start_seq:
            return kid
    return None


def merge(into: Chain, chain: Chain) -> None:
    for op, step in chain.items():
        entry = into.get(op)
        if entry is None:
            into[op] = PathTime(step.ms, step.spans)
        else:
            entry.ms += step.ms
            entry.spans += step.spans


def best_chain(own: OpenSpan) -> tuple[Chain | None, float]:
    """The critical path through a span's children so far, and the time of its direct children on it."""
    if own.kids:
        best = own.kids[-1]
        return best.chain, best.direct_ms
    return own.chain, own.chain_direct


def own_chain(own: OpenSpan, op: Op, duration: float) -> Chain:
    """A closing span's critical path: its children's, plus its own time outside them."""
    chain, direct = best_chain(own)
    if chain is None:
        return {op: PathTime(duration, 1)}
    own_ms = duration - direct
    entry = chain.get(op)
    if entry is None:
        chain[op] = PathTime(own_ms if own_ms > 0 else 0.0, 1)
    else:
        entry.ms += own_ms if own_ms > 0 else 0.0
        entry.spans += 1
    return chain


def attach_overlapping(parent: OpenSpan, chain: Chain, start_seq: int, end_seq: int, duration: float) -> None:
    """A closed child of a parent whose children overlap: the general form, back to the simple one when it can."""
    kids = parent.kids
    if kids is None:
        kids = [] if parent.chain is None else [Kid(parent.chain_end, -1, parent.chain, parent.chain_direct)]
        parent.chain = None
    kids = attach(kids, start_seq, end_seq, chain, duration, parent.open_kids > 0)
    if len(kids) == 1 and parent.open_kids == 0:  # back to one child after another
        only = kids[0]
        parent.chain_end, parent.chain, parent.chain_direct = only.end_seq, only.chain, only.direct_ms
        parent.kids = None
    else:
        parent.kids = kids
