"""The critical path of spans whose siblings overlap (`analysis/critical.py`): what the pass keeps for it grows
linearly with the siblings (issue 97: it grew with their square), and the path is the one its rule gives."""

from __future__ import annotations

import random

import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.analysis.critical import LINKS
from namel3ss_debug.analysis.tally import Options, Tally
from namel3ss_debug.model.events import kind as span_kind
from namel3ss_debug.store.records import record_from_dict


def threads_at_once(calls: int, names: str = "distinct", threads: int = 4) -> TraceBuilder:
    """`threads` threads under the root, each starting its next call as its last one ends; every call named apart
    (`distinct`) or after its thread."""
    trace = TraceBuilder()
    trace.run_start()
    running = {}
    for number in range(calls):
        thread = number % threads
        if thread in running:
            trace.end(running.pop(thread), 10.0 + number % 7, advance=False)
        running[thread] = trace.start("tool", f"call_{number}" if names == "distinct" else f"thread_{thread}")
    for span_id in running.values():
        trace.end(span_id, 10.0, advance=False)
    trace.run_end(duration_ms=1e6)
    return trace


def new_tally() -> Tally:
    tally = Tally(Options(sections=frozenset({"critical_path"})))
    tally.begin("run", "run", ("run.jsonl",))
    return tally


def feed(tally: Tally, events: list[dict]) -> None:
    tally.feed([record_from_dict(event)[0] for event in events])


def kept_for_path(tally: Tally) -> int:
    """Kids and chain entries the root's open span holds for its path: every kid reachable, each chain once."""
    run = tally.runs[0]
    root = next(own for own in run.open.values() if own.parent_id is None)
    kids, chains = {}, {}
    if root.chain is not None:
        chains[id(root.chain)] = len(root.chain)
    for kid in root.kids or ():
        while kid is not None and id(kid) not in kids:
            kids[id(kid)] = kid
            chains[id(kid.chain)] = len(kid.chain)
            kid = getattr(kid, "prev", None)
    return len(kids) + sum(chains.values())


def largest_kept(calls: int, names: str = "distinct") -> int:
    """The most `kept_for_path` reads while the threads run, measured every few events."""
    events = threads_at_once(calls, names).events
    tally, largest = new_tally(), 0
    for at in range(0, len(events) - 6, 8):
        feed(tally, events[at:at + 8])
        largest = max(largest, kept_for_path(tally))
    return largest


@pytest.mark.parametrize("calls", [6 * LINKS, 24 * LINKS])
def test_what_overlapping_siblings_of_distinct_names_keep_grows_linearly_with_them(calls):
    """At most a few entries a sibling, however many: each thread's path once or twice (it was each kid's path
    copied, with the square of the siblings: 18,911 kids and entries for 384 of them, 296,831 for 1,536)."""
    assert largest_kept(calls) <= 3 * calls


# -- the path is its rule's ----------------------------------------------------------------------------------

def random_tree(seed: int, spans: int) -> list[dict]:
    """Spans started and ended in a random order under the root, nested up to three deep, children always ending
    before their parent, the root never with fewer than three open children until the end (so its kids are pruned
    and its paths made whole many times); names from a small pool, so an operation adds up along a path."""
    rng = random.Random(seed)
    trace = TraceBuilder()
    root = trace.run_start()
    open_spans: dict[str, str | None] = {}  # span id -> its parent, None for the root's children
    depth: dict[str, int] = {}
    started = 0
    while started < spans or open_spans:
        busy = set(open_spans.values())
        leaves = [span for span in open_spans if span not in busy]
        under_root = sum(1 for parent in open_spans.values() if parent is None)
        if started < spans and (not leaves or under_root < 3 or rng.random() < 0.5):
            parents = [span for span in open_spans if depth[span] < 3]
            parent = rng.choice(parents) if parents and under_root >= 3 and rng.random() < 0.4 else None
            span_id = trace.start(rng.choice(("tool", "llm", "agent")), rng.choice("abcde"), parent)
            open_spans[span_id], depth[span_id] = parent, 1 if parent is None else depth[parent] + 1
            started += 1
        else:
            span_id = rng.choice(leaves)
            del open_spans[span_id]
            trace.end(span_id, rng.uniform(0.1, 50.0), advance=False)
    assert root
    trace.run_end(duration_ms=1e6)
    return trace.events


def rule_chain(events: list[dict]) -> list[tuple]:
    """The root's critical path by `critical.py`'s rule, on the finished tree: a span's path is that of its child
    that ended last, plus its own time outside its children on it; a child's path is the path of the sibling
    that ended last before it started, plus its own (each operation added up from the oldest)."""
    spans: dict[str, dict] = {}
    for event in events:
        if event["event_type"].endswith("_start"):
            spans[event["span_id"]] = {"start": event["seq"], "parent": event["parent_id"], "children": []}
            if event["parent_id"] in spans:
                spans[event["parent_id"]]["children"].append(event["span_id"])
        elif event["event_type"].endswith("_end"):
            spans[event["span_id"]].update(end=event["seq"], ms=event["duration_ms"],
                                           op=(event["component"], event["name"], span_kind(event["event_type"])))

    def added(into: dict, chain: dict) -> dict:
        for op, (ms, count) in chain.items():
            before = into.get(op)
            into[op] = (ms, count) if before is None else (before[0] + ms, before[1] + count)
        return into

    def path(span_id: str, siblings: list[str], memo: dict) -> tuple[dict, float]:
        if span_id not in memo:
            span = spans[span_id]
            before = [other for other in siblings if spans[other]["end"] < span["start"]]
            if before:
                chain, direct = path(max(before, key=lambda other: spans[other]["end"]), siblings, memo)
                memo[span_id] = added(dict(chain), own(span_id)), direct + span["ms"]
            else:
                memo[span_id] = own(span_id), span["ms"]
        return memo[span_id]

    def own(span_id: str) -> dict:
        span = spans[span_id]
        if not span["children"]:
            return {span["op"]: (span["ms"], 1)}
        last = max(span["children"], key=lambda child: spans[child]["end"])
        chain, direct = path(last, span["children"], {})
        chain = dict(chain)
        return added(chain, {span["op"]: (max(span["ms"] - direct, 0.0), 1)})

    root = next(span_id for span_id, span in spans.items() if span["parent"] is None)
    return [(op, ms, count) for op, (ms, count) in own(root).items()]


@pytest.mark.parametrize("seed", range(6))
def test_the_path_of_overlapping_spans_is_the_one_its_rule_gives(seed):
    """Hundreds of overlapping siblings, so kids are pruned and paths made whole many times: not a float apart."""
    events = random_tree(seed, 24 * LINKS)
    tally = new_tally()
    feed(tally, events)
    tally.finish()
    chain = tally.runs[0].chain
    assert chain is not None
    assert [(op, step.ms, step.spans) for op, step in chain.items()] == rule_chain(events)


def test_overlapping_siblings_that_repeat_their_names_keep_no_more_for_a_longer_run():
    """Threads that repeat their names: what is kept is bounded by the open spans, not by the run's length."""
    small, large = largest_kept(6 * LINKS, "by thread"), largest_kept(24 * LINKS, "by thread")
    assert large <= small * 1.1, (small, large)
