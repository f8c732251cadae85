"""The span table a picture draws: rows in tree order, where each sits on the time axis, and what marks it."""

from __future__ import annotations

from support.tracefactory import TraceBuilder, error

from namel3ss_debug.analysis.prices import Pricer
from namel3ss_debug.analysis.span_table import ANOMALY, CRITICAL, ERROR, SLOW, span_table


def agent_run() -> TraceBuilder:
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "researcher", kind="agent_execution")
    trace.span("llm", "plan", 20, agent, model="gpt-4o", usage={"input_tokens": 1000, "output_tokens": 500})
    trace.span("tool", "search", 5, agent, status="failed", error=error("TimeoutError", "no answer"))
    trace.instant("memory_operation", "memory", "write", agent)
    trace.end(agent, 30)
    trace.run_end()
    return trace


def test_rows_are_in_tree_order_with_parents_depths_and_subtree_sizes() -> None:
    rows = span_table(agent_run().events).rows
    assert [(row.node.name, row.parent, row.depth, row.size) for row in rows] == [
        ("app.py", -1, 0, 4), ("researcher", 0, 1, 3), ("plan", 1, 2, 0), ("search", 1, 2, 0), ("write", 1, 2, 0)]


def test_a_span_works_for_the_nearest_agent_above_it() -> None:
    rows = span_table(agent_run().events).rows
    assert [row.agent for row in rows] == [None, "researcher", "researcher", "researcher", "researcher"]


def test_a_wire_group_chats_calls_work_for_the_speakers_their_messages_name() -> None:
    """A group chat's LLM calls in a chat span, no agent turn: each is the agent whose `name` its words are sent under
    (its own earlier messages, or its answer said again by the others), and so is the HTTP call below it; a call
    inside an agent turn keeps the turn's agent."""
    task = {"role": "user", "name": "user", "content": "How many people live in Lyon?"}
    plan, found = "Coder, please look up the population of Lyon.", "Lyon has 516,092 inhabitants."
    requests = [[task], [task, {"role": "user", "name": "Planner", "content": plan}],
                [task, {"role": "assistant", "name": "Planner", "content": plan},
                 {"role": "user", "name": "Coder", "content": found}]]
    trace = TraceBuilder()
    trace.run_start()
    chat = trace.start("agent", "group_chat", kind="agent_execution")
    for messages, said in zip(requests, [plan, found, "516,092"]):
        llm = trace.start("llm", "openai.chat", chat, inputs={"model": "gpt-4o", "messages": messages})
        trace.span("http", "POST /v1/chat/completions", 1, llm)
        trace.end(llm, 5, outputs={"text": said})
    turn = trace.start("agent", "Critic", chat, kind="agent_turn")
    critic = trace.start("llm", "openai.chat", turn, inputs={"messages": requests[2]})
    trace.end(critic, 5, outputs={"text": "Fine."})
    trace.end(turn, 6)
    trace.end(chat, 30)
    trace.run_end()
    rows = span_table(trace.events).rows
    assert [(row.node.component, row.agent) for row in rows[2:]] == [
        ("llm", "Planner"), ("http", "Planner"), ("llm", "Coder"), ("http", "Coder"), ("llm", "Planner"),
        ("http", "Planner"), ("agent", "Critic"), ("llm", "Critic")]


def test_times_are_offsets_from_the_run_start_and_instants_last_no_time() -> None:
    rows = span_table(agent_run().events).rows
    plan, search, write = rows[2], rows[3], rows[4]
    assert (plan.start_ms, plan.duration_ms) == (0.0, 20.0)
    assert (search.start_ms, search.duration_ms) == (20.0, 5.0)
    assert (write.kind, write.duration_ms) == ("memory_operation", 0.0)


def test_a_span_that_never_ended_is_unclosed_without_a_duration() -> None:
    trace = TraceBuilder()
    trace.run_start()
    trace.start("tool", "hangs")
    row = span_table(trace.events).rows[1]
    assert (row.status, row.duration_ms) == ("unclosed", None)


def test_a_failed_span_carries_its_error_category_and_the_error_flag() -> None:
    search = span_table(agent_run().events).rows[3]
    assert (search.status, search.category, bool(search.flags & ERROR)) == ("failed", "timeout", True)


def test_cost_is_the_recorded_one_else_the_tokens_priced() -> None:
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "priced", 1, model="m", usage={"input_tokens": 1_000_000, "output_tokens": 0})
    trace.span("llm", "recorded", 1, model="m", usage={"input_tokens": 5, "output_tokens": 5}, cost_usd=0.25)
    trace.run_end()
    rows = span_table(trace.events, pricer=Pricer({"m": {"input": 2.0, "output": 4.0}})).rows
    assert [row.cost_usd for row in rows[1:]] == [2.0, 0.25]


def test_slow_and_anomalous_spans_are_flagged() -> None:
    trace = agent_run()
    search_id = next(event["span_id"] for event in trace.events if event["name"] == "search")
    rows = span_table(trace.events, slow_ms=10, anomalous=frozenset({search_id})).rows
    assert [bool(row.flags & SLOW) for row in rows] == [True, True, True, False, False]
    assert [bool(row.flags & ANOMALY) for row in rows] == [False, False, False, True, False]


def test_tracks_are_thread_and_task_and_a_row_without_one_takes_its_parents() -> None:
    trace = TraceBuilder()
    trace.run_start()
    worker = trace.start("agent", "worker", kind="agent_execution")
    trace.events[-1]["thread"], trace.events[-1]["task"] = "MainThread", "Task-2"
    trace.span("tool", "inner", 1, worker)
    trace.end(worker, 2)
    trace.run_end()
    assert [row.track for row in span_table(trace.events).rows] == [
        "MainThread / Task-2", "MainThread / Task-2", "MainThread / Task-2"]


def test_the_critical_path_is_what_the_end_waited_for() -> None:
    trace = TraceBuilder()
    trace.run_start()
    first = trace.span("tool", "first", 5)
    # two overlapping calls: `short` ends before `long`, so the run waited for `long` only
    long = trace.start("llm", "long")
    short = trace.start("tool", "short")
    trace.end(short, 1)
    trace.end(long, 9)
    trace.run_end()
    flagged = {row.node.span_id for row in span_table(trace.events).rows if row.flags & CRITICAL}
    assert flagged == {trace.root, first, long}


def test_the_run_span_is_on_the_main_threads_track_even_when_a_worker_wrote_first() -> None:
    trace = TraceBuilder()
    trace.run_start()
    worker = trace.start("tool", "background")
    trace.events[-1]["thread"] = "worker-1"
    trace.end(worker, 1)
    main = trace.start("tool", "main work")
    trace.events[-1]["thread"] = "MainThread"
    trace.end(main, 1)
    trace.run_end()
    assert [row.track for row in span_table(trace.events).rows] == ["MainThread", "worker-1", "MainThread"]
