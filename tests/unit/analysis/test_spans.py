"""The span tree `inspect --tree` shows: pairs, nesting, tokens, and traces that break the rules."""

from __future__ import annotations

import copy

from support.tracefactory import TraceBuilder, error

from namel3ss_debug.analysis.spans import build_tree
from namel3ss_debug.analysis.timeline import timeline


def research_run() -> TraceBuilder:
    """run > agent researcher > turn > (llm planner, tool search failed, memory write)."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "researcher", inputs={"question": "why?"})
    turn = trace.start("agent", "researcher", agent, kind="agent_turn")
    trace.span("llm", "planner", 3, turn, outputs={"text": "plan"},
               usage={"input_tokens": 10, "output_tokens": 5, "total_tokens": 15})
    trace.span("tool", "search", 2, turn, status="failed", error=error("TimeoutError", "slow", "timeout"))
    trace.instant("memory_operation", "memory", "write", turn)
    trace.end(turn, 6)
    trace.end(agent, 7)
    trace.run_end()
    return trace


def shape(tree) -> list[tuple[int, str, str, str]]:
    return [(depth, node.kind, node.component, node.name) for depth, node in tree.walk()]


def test_start_and_end_become_one_node_with_the_ends_status_and_duration():
    tree = build_tree(research_run().events)
    search = next(node for _, node in tree.walk() if node.name == "search")
    assert (search.kind, search.status, search.duration_ms, search.start["seq"], search.end["seq"]) == \
        ("span", "failed", 2.0, 5, 6)


def test_children_nest_under_their_parent_in_start_order_with_instants_as_leaves():
    assert shape(build_tree(research_run().events)) == [
        (0, "span", "app", "app.py"), (1, "span", "agent", "researcher"), (2, "span", "agent", "researcher"),
        (3, "span", "llm", "planner"), (3, "span", "tool", "search"), (3, "instant", "memory", "write"),
    ]


def test_tokens_are_the_spans_own_and_its_subtrees_total():
    tree = build_tree(research_run().events)
    root = tree.roots[0]
    planner = next(node for _, node in tree.walk() if node.name == "planner")
    assert (root.tokens, root.total_tokens, planner.tokens, planner.total_tokens) == (None, 15, 15, 15)


def test_a_span_without_end_is_marked_unclosed_and_keeps_its_start_status():
    trace = TraceBuilder()
    trace.run_start()
    trace.start("tool", "hang")
    node = next(node for _, node in build_tree(trace.events).walk() if node.name == "hang")
    assert (node.unclosed, node.status, node.duration_ms, node.end) == (True, "started", None, None)


def test_an_end_without_start_still_makes_a_node():
    trace = research_run()
    events = [e for e in trace.events if e["event_type"] != "llm_call_start"]
    node = next(node for _, node in build_tree(events).walk() if node.name == "planner")
    assert (node.start, node.end["seq"], node.unclosed, node.seq) == (None, 4, False, 4)


def test_a_missing_parent_makes_its_children_roots():
    events = [e for e in research_run().events if e["event_type"] not in ("agent_turn_start", "agent_turn_end")]
    roots = build_tree(events).roots
    assert [root.name for root in roots] == ["app.py", "planner", "search", "write"]


def test_parent_links_that_loop_are_cut_and_every_node_is_kept():
    trace = TraceBuilder()
    a = trace.instant("custom_mark", "custom", "a")
    b = trace.instant("custom_mark", "custom", "b", a)
    trace.events[0]["parent_id"] = b  # a -> b -> a
    tree = build_tree(trace.events)
    assert (len(tree), [root.name for root in tree.roots]) == (2, ["a"])


def test_a_second_start_of_the_same_span_is_a_separate_node():
    trace = TraceBuilder()
    trace.run_start()
    span = trace.start("tool", "search")
    trace.events.append({**trace.events[-1], "seq": len(trace.events)})
    trace.end(span, 1)
    tree = build_tree(trace.events)
    searches = [node for _, node in tree.walk() if node.name == "search"]
    assert [(n.start["seq"], n.end["seq"] if n.end else None) for n in searches] == [(1, 3), (2, None)]


def test_without_duration_ms_the_duration_comes_from_the_timestamps():
    trace = TraceBuilder()
    span = trace.start("tool", "search")
    trace.end(span, 250)
    del trace.events[-1]["duration_ms"]
    assert build_tree(trace.events).roots[0].duration_ms == 250.0


def test_the_same_span_id_in_two_runs_makes_two_nodes():
    first, second = TraceBuilder(run_id="run-a"), TraceBuilder(run_id="run-b")
    for trace in (first, second):
        trace.span("tool", "search", 1)
    tree = build_tree(first.events + second.events)
    assert [(root.run_id, root.span_id) for root in tree.roots] == [("run-a", "0000000000000001"),
                                                                    ("run-b", "0000000000000001")]


def test_events_out_of_seq_order_are_paired_in_seq_order():
    events = research_run().events
    tree = build_tree(list(reversed(events)))
    assert shape(tree) == shape(build_tree(events))


def test_fields_of_the_wrong_type_do_not_stop_the_tree():
    trace = research_run()
    odd = copy.deepcopy(trace.events)
    odd[2].update(name=12, component=None, span_id=["x"], usage="lots", duration_ms="fast")
    names = [node.name for _, node in build_tree(odd).walk()]
    assert "12" in names and len(names) == 7


def test_a_very_deep_trace_does_not_hit_the_recursion_limit():
    trace = TraceBuilder()
    parent = None
    for _ in range(5000):
        parent = trace.instant("custom_mark", "custom", "deep", parent)
    tree = build_tree(trace.events)
    assert max(depth for depth, _ in tree.walk()) == 4999


def test_find_looks_a_span_up_by_id():
    tree = build_tree(research_run().events)
    assert tree.find("0000000000000004").name == "planner"
    assert tree.find("nope") is None


def test_timeline_places_bars_by_ts_and_sizes_them_by_duration():
    line = timeline(build_tree(research_run().events))
    bars = {bar.node.name: bar for bar in line.bars if bar.node.kind == "span"}
    assert (bars["planner"].offset_ms, bars["planner"].length_ms, bars["search"].offset_ms,
            bars["search"].length_ms, line.total_ms) == (0.0, 3.0, 3.0, 2.0, 18.0)


def test_timeline_draws_an_unclosed_span_to_the_last_moment_seen():
    trace = TraceBuilder()
    trace.run_start()
    trace.start("tool", "hang")
    trace.advance(40)
    trace.span("llm", "later", 10)
    bar = next(bar for bar in timeline(build_tree(trace.events)).bars if bar.node.name == "hang")
    assert (bar.open_ended, bar.offset_ms, bar.length_ms) == (True, 0.0, 50.0)


def test_timeline_of_events_without_timestamps_has_no_offsets():
    trace = research_run()
    for event in trace.events:
        event["ts"] = "yesterday"
    line = timeline(build_tree(trace.events))
    assert (line.total_ms, {bar.offset_ms for bar in line.bars}) == (0.0, {None})
