"""`WidthCap`: of a node's children, the first, the last and the failed are kept with all under them; the others
are counted exactly, under their parent, in one pass."""

from __future__ import annotations

from typing import Any, Callable

from support.tracefactory import TraceBuilder
from support.widetrees import ROOT, RUN_ID, wide_run

from namel3ss_debug.analysis.spans import build_tree
from namel3ss_debug.analysis.wide import TERMINAL, Cut, WidthCap, Widths

SMALL = Widths(first=3, last=2, failed=2)


def capped(events: list[dict[str, Any]], widths: Widths = SMALL) -> tuple[list[dict[str, Any]], dict]:
    cap = WidthCap(widths)
    for event in events:
        cap.feed(event)
    return cap.finish()


def child_names(events: list[dict[str, Any]]) -> list[str]:
    (root,) = build_tree(events).roots
    return [child.name for child in root.children]


def test_the_first_the_last_and_the_failed_children_are_kept_and_the_rest_counted():
    kept, cuts = capped(wide_run(20, failed={7, 9, 12}))
    assert child_names(kept) == ["t0", "t1", "t2", "t7", "t9", "t18", "t19"]  # failed: the first two
    assert cuts == {(RUN_ID, ROOT): Cut(children=13, nodes=13, failed=1, first_seq=7)}


def test_a_node_with_no_more_children_than_it_keeps_loses_none():
    events = wide_run(TERMINAL.first + TERMINAL.last)
    kept, cuts = capped(events, TERMINAL)
    assert kept == events
    assert cuts == {}


def test_what_is_under_a_cut_child_is_counted_with_it():
    kept, cuts = capped(wide_run(8, grandchildren=4))
    assert child_names(kept) == ["t0", "t1", "t2", "t6", "t7"]
    assert cuts[(RUN_ID, ROOT)] == Cut(children=3, nodes=15, failed=0, first_seq=19)
    assert len(build_tree(kept)) == 1 + 5 * 5  # the root, and each kept child with its four reads


def turns(count: int, inside: Callable[[TraceBuilder, int, str], object]) -> tuple[TraceBuilder, str]:
    """A run of `count` agent turns under its root, `inside(trace, number, span)` adding what each turn holds:
    the run and its root's id."""
    trace = TraceBuilder()
    root = trace.run_start()
    for number in range(count):
        span = trace.new_id()
        trace.event("agent_turn_start", "agent", f"turn{number}", span, root, "started")
        inside(trace, number, span)
        trace.event("agent_turn_end", "agent", f"turn{number}", span, root, "completed", duration_ms=1.0)
    return trace, root


def test_a_child_with_a_failure_under_it_is_kept_as_a_failed_one():
    def failure(trace: TraceBuilder, number: int, span: str) -> None:
        if number == 5:
            trace.event("error_occurred", "tool", "search", trace.new_id(), span, "failed",
                        error={"type": "TimeoutError", "message": "slow"})

    trace, root = turns(10, failure)
    kept, cuts = capped(trace.events)
    assert child_names(kept) == ["turn0", "turn1", "turn2", "turn5", "turn8", "turn9"]
    assert cuts[(trace.run_id, root)].children == 4


def test_the_widths_apply_at_every_level_and_to_a_runs_roots():
    trace = TraceBuilder()
    for number in range(9):
        trace.event("tool_call_start", "tool", f"r{number}", f"root{number}", None, "started")
        trace.event("tool_call_end", "tool", f"r{number}", f"root{number}", None, "completed", duration_ms=1.0)
    kept, cuts = capped(trace.events)
    assert [root.name for root in build_tree(kept).roots] == ["r0", "r1", "r2", "r7", "r8"]
    assert cuts == {(trace.run_id, None): Cut(children=4, nodes=4, failed=0, first_seq=6)}


def test_a_cut_span_still_open_keeps_its_later_events_out_of_the_tree():
    """Children running at once: a span cut while open, its events after the cut are counted where it was cut,
    not made roots of their own."""
    trace = TraceBuilder()
    root = trace.run_start()
    ids = [trace.new_id() for _ in range(6)]
    for number, span in enumerate(ids):
        trace.event("tool_call_start", "tool", f"t{number}", span, root, "started")
    for number, span in enumerate(ids):  # all six end after all started; t3 has a read first
        if number == 3:
            trace.event("memory_operation", "memory", "read", trace.new_id(), span, "completed")
        trace.event("tool_call_end", "tool", f"t{number}", span, root, "completed", duration_ms=1.0)
    kept, cuts = capped(trace.events, Widths(first=1, last=1, failed=1, open=2))
    tree = build_tree(kept)
    assert [node.name for node in tree.roots] == ["app.py"]
    assert [child.name for child in tree.roots[0].children] == ["t0", "t5"]
    assert cuts[(trace.run_id, root)] == Cut(children=4, nodes=5, failed=0, first_seq=2)


def test_a_cut_child_takes_the_counts_of_what_was_cut_under_it():
    def reads(trace: TraceBuilder, number: int, span: str) -> None:
        for call in range(8 if number == 4 else 0):
            trace.event("memory_operation", "memory", f"read{call}", trace.new_id(), span, "completed")

    trace, root = turns(8, reads)
    kept, cuts = capped(trace.events)
    assert list(cuts) == [(trace.run_id, root)]  # turn4's own cut went with it
    assert cuts[(trace.run_id, root)] == Cut(children=3, nodes=3 + 8, failed=0, first_seq=7)
