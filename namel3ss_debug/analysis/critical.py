"""The critical path of a span tree, built as spans close, in memory bounded by the open spans.

A span's critical path is what its end waited for: walking back from its end, the child that ended
last, then the child that ended last before that one started, and so on, plus the span's own time
in between. "Before" is decided by `seq` (the writer's order), so no timestamp is parsed; durations
give the weights. The path is a `Chain`: `{(component, name, kind): PathTime}`, one entry per operation on it.

While a parent's children run one after another its path is one chain, grown in place (`tally.py`). While
they overlap, each closed child is a `Kid`: its end and start seq, the time of the children on its path, and
its path as a link to the kid it followed plus its own chain, so kids that follow one path share it. Two rules
keep that linear in the run (issue 97: four threads of distinct names under the root once cost 0.9 GB for 6 MB):
- a kid is kept only while it can still be followed: the latest one, and the one each open child started
  after (`_prune`, as often as the kids outgrow the spans open);
- a path is never more than `LINKS` links long: the kid at the limit is made whole (`_whole`) before another
  follows it, so reading a path, pickling a kid for a part's hand-back or freeing it stays shallow.
When no child is open, only the latest kid's path can matter any more: it is made one chain again.
"""

from __future__ import annotations

from collections.abc import Mapping

from .collectors.figures import Chain, Kid, Op, PathTime
from .run_state import OpenSpan

LINKS = 64  # the longest path of links before it is made whole (a copy of a chain per LINKS kids at most)
SPARE_KIDS = 16  # kids kept past the open spans before they are pruned again


def attach(kids: list[Kid], start_seq: int, end_seq: int, chain: Chain, duration: float,
           others_open: bool) -> list[Kid]:
    """Add a closed child to its parent's kids; returns the kids to keep."""
    predecessor = _predecessor(kids, start_seq)
    if predecessor is None:
        entry = Kid(end_seq, start_seq, chain, duration)
    elif others_open:
        if predecessor.depth >= LINKS:
            _whole(predecessor)
        entry = Kid(end_seq, start_seq, chain, predecessor.direct_ms + duration, predecessor,
                    predecessor.depth + 1)
    else:  # its path is the only one left: the chains along it are added up in the first one's, in place
        base = _added_up(predecessor)
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


def _links(kid: Kid) -> list[Kid]:
    """The kids along `kid`'s path, the one holding the whole path first."""
    links = [kid]
    while kid.prev is not None:
        kid = kid.prev
        links.append(kid)
    links.reverse()
    return links


def _added_up(kid: Kid) -> Chain:
    """`kid`'s whole path, added up in the first link's chain: only for a path no other kid shares any more."""
    links = _links(kid)
    base = links[0].chain
    for link in links[1:]:
        merge(base, link.chain)
    return base


def _whole(kid: Kid) -> Chain:
    """Make `kid` hold its whole path (a new chain: the links before it may be shared); returns it."""
    if kid.prev is None:
        return kid.chain
    links = _links(kid)
    whole = {op: PathTime(value.ms, value.spans) for op, value in links[0].chain.items()}
    for link in links[1:]:
        merge(whole, link.chain)
    kid.chain, kid.prev, kid.depth = whole, None, 0
    return whole


def _prune(kids: list[Kid], starts: list[int]) -> list[Kid]:
    """The kids that can still be followed: the latest, and the one each open child (started at `starts`) follows.
    A child that starts from now on follows the latest, as the writer numbers events in order."""
    keep = {id(kids[-1])}
    for start in starts:
        followed = _predecessor(kids, start)
        if followed is not None:
            keep.add(id(followed))
    return [kid for kid in kids if id(kid) in keep]


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
        return _whole(best), best.direct_ms
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


def attach_overlapping(parent: OpenSpan, parent_id: str | None, spans_open: Mapping[str, OpenSpan], chain: Chain,
                       start_seq: int, end_seq: int, duration: float) -> None:
    """A closed child of a parent whose children overlap: the general form, back to the simple one when it can.
    `spans_open` is the run's open spans (`parent_id`'s open children among them), read only to prune."""
    kids = parent.kids
    if kids is None:
        kids = [] if parent.chain is None else [Kid(parent.chain_end, -1, parent.chain, parent.chain_direct)]
        parent.chain = None
    kids = attach(kids, start_seq, end_seq, chain, duration, parent.open_kids > 0)
    if len(kids) == 1 and parent.open_kids == 0:  # back to one child after another
        only = kids[0]
        parent.chain_end, parent.chain, parent.chain_direct = only.end_seq, only.chain, only.direct_ms
        parent.kids = None
        return
    if len(kids) > max(2 * parent.open_kids + SPARE_KIDS, len(spans_open)):  # amortized: a scan per as many kids
        kids = _prune(kids, [own.start_seq for own in spans_open.values() if own.parent_id == parent_id])
    parent.kids = kids
