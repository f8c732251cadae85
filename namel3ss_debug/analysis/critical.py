"""The critical path of a span tree, built as spans close, in memory bounded by the open spans.

A span's critical path is what its end waited for: walking back from its end, the child that ended
last, then the child that ended last before that one started, and so on, plus the span's own time
in between. "Before" is decided by `seq` (the writer's order), so no timestamp is parsed; durations
give the weights. Each closed child is kept on its parent as `[end_seq, start_seq, chain, direct_ms]`,
`chain` being `{(component, name, kind): [ms, spans]}` of the best path ending with it. When a parent has no
open child, only its latest chain can matter any more, so the others are dropped; sequential code
keeps one entry per open span.
"""

from __future__ import annotations


from .run_state import Kid, OpenSpan

Chain = dict[tuple[str, str, str], list[float]]  # (component, name, span kind) -> [ms, spans]
END, START, CHAIN, DIRECT = 0, 1, 2, 3


def attach(kids: list[Kid], start_seq: int, end_seq: int, chain: Chain, duration: float,
           others_open: bool) -> list[Kid]:
    """Add a closed child to its parent's kids; returns the kids to keep."""
    predecessor = _predecessor(kids, start_seq)
    if predecessor is None:
        entry = [end_seq, start_seq, chain, duration]
    else:
        reuse = not others_open and predecessor is kids[-1]
        base = predecessor[CHAIN] if reuse else {op: list(value) for op, value in predecessor[CHAIN].items()}
        merge(base, chain)
        entry = [end_seq, start_seq, base, predecessor[DIRECT] + duration]
    if not others_open:
        return [entry]
    kids.append(entry)
    return kids


def _predecessor(kids: list[Kid], start_seq: int) -> Kid | None:
    """The kid that ended last before `start_seq`; kids are in end order."""
    kid: Kid  # mypy reads reversed() of a list of lists as Any
    for kid in reversed(kids):
        if kid[END] < start_seq:
            return kid
    return None


def merge(into: Chain, chain: Chain) -> None:
    for op, (ms, spans) in chain.items():
        entry = into.get(op)
        if entry is None:
            into[op] = [ms, spans]
        else:
            entry[0] += ms
            entry[1] += spans


def best_chain(own: OpenSpan) -> tuple[Chain | None, float]:
    """The critical path through a span's children so far, and the time of its direct children on it."""
    if own.kids:
        best = own.kids[-1]
        return best[CHAIN], best[DIRECT]
    return own.chain, own.chain_direct


def own_chain(own: OpenSpan, op: tuple[str, str, str], duration: float) -> Chain:
    """A closing span's critical path: its children's, plus its own time outside them."""
    chain, direct = best_chain(own)
    if chain is None:
        return {op: [duration, 1]}
    own_ms = duration - direct
    entry = chain.get(op)
    if entry is None:
        chain[op] = [own_ms if own_ms > 0 else 0.0, 1]
    else:
        entry[0] += own_ms if own_ms > 0 else 0.0
        entry[1] += 1
    return chain


def attach_overlapping(parent: OpenSpan, chain: Chain, start_seq: int, end_seq: int, duration: float) -> None:
    """A closed child of a parent whose children overlap: the general form, back to the simple one when it can."""
    kids = parent.kids
    if kids is None:
        kids = [] if parent.chain is None else [[parent.chain_end, -1, parent.chain, parent.chain_direct]]
        parent.chain = None
    kids = attach(kids, start_seq, end_seq, chain, duration, parent.open_kids > 0)
    if len(kids) == 1 and parent.open_kids == 0:  # back to one child after another
        parent.chain_end, _, parent.chain, parent.chain_direct = kids[0]
        parent.kids = None
    else:
        parent.kids = kids
