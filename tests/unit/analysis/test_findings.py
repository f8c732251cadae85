"""Errors, patterns, anomalies, integrity, critical path and the verdict, on runs built in code."""

from __future__ import annotations

import pytest
from support.tracefactory import TraceBuilder, analyze_events, error

from namel3ss_debug.analysis.collectors import timing as timing_collector
from namel3ss_debug.analysis.thresholds import Judging, Thresholds
from namel3ss_debug.analysis.tally import Options
from namel3ss_debug.analysis.window import EventWindow


def _run(build, **kwargs):
    trace = TraceBuilder()
    trace.run_start()
    build(trace)
    trace.run_end()
    return analyze_events(trace.events, **kwargs), trace


# -- errors -------------------------------------------------------------------------------------
def test_an_error_failing_its_enclosing_spans_counts_once_where_it_began():
    def build(t):
        agent = t.start("agent", "a")
        t.span("tool", "search", 2, agent, status="failed", error=error("TimeoutError", "late"))
        t.end(agent, 3, status="failed", error=error("TimeoutError", "late"))
    report, _ = _run(build)
    assert (report.errors.total, report.errors.failed_spans, report.errors.by_type[0].examples[0].ref.name) == \
        (1, 2, "search")


def test_the_unhandled_report_of_an_error_already_counted_is_not_counted_again():
    def build(t):
        t.span("tool", "search", 2, status="failed", error=error("ValueError", "bad"))
        t.instant("error_occurred", "app", "ValueError", status="failed", error=error("ValueError", "bad"),
                  attrs={"unhandled": True})
    report, _ = _run(build)
    assert (report.errors.total, report.errors.error_events) == (1, 1)


def test_an_error_caught_and_reported_after_its_call_failed_counts_once():
    def build(t):
        t.span("tool", "search", 2, status="failed", error=error("ValueError", "bad"))
        t.instant("error_occurred", "app", "ValueError", status="failed", error=error("ValueError", "bad"))
    report, _ = _run(build)
    assert (report.errors.total, report.errors.error_events) == (1, 1)


def test_a_failing_retry_loop_counts_each_failure_once():
    def build(t):
        for _ in range(3):
            t.span("tool", "search", 2, status="failed", error=error("ValueError", "bad"))
            t.instant("error_occurred", "app", "ValueError", status="failed", error=error("ValueError", "bad"))
    report, _ = _run(build)
    assert (report.errors.total, report.errors.failed_spans, report.errors.error_events) == (3, 3, 3)


def test_two_reported_errors_alike_are_two_errors():
    def build(t):
        for _ in range(2):
            t.instant("error_occurred", "app", "ValueError", status="failed", error=error("ValueError", "bad input"))
    report, _ = _run(build)
    assert report.errors.total == 2


def test_a_reported_error_its_span_then_fails_with_counts_once():
    def build(t):
        tool = t.start("tool", "search")
        t.instant("error_occurred", "tool", "ValueError", tool, status="failed", error=error("ValueError", "bad"))
        t.end(tool, 2, status="failed", error=error("ValueError", "bad"))
    report, _ = _run(build)
    assert (report.errors.total, report.errors.failed_spans, report.errors.error_events) == (1, 1, 1)


def test_errors_by_category_use_the_recorded_category_or_classify_the_type():
    def build(t):
        t.span("tool", "a", 1, status="failed", error=error("Boom", "x", "rate_limit"))
        t.span("tool", "b", 1, status="failed", error=error("TimeoutError", "y"))
    report, _ = _run(build)
    assert report.errors.by_category == {"rate_limit": 1, "timeout": 1}


def test_error_examples_are_capped_and_keep_the_message():
    def build(t):
        for n in range(5):
            t.span("tool", "a", 1, status="failed", error=error("KeyError", f"k{n}"))
    report, _ = _run(build)
    kind = report.errors.by_type[0]
    assert (kind.count, [e.message for e in kind.examples]) == (5, ["k0", "k1", "k2"])


# -- patterns -----------------------------------------------------------------------------------
def test_a_call_after_its_failed_twin_is_a_retry_and_its_success_a_recovery():
    def build(t):
        turn = t.start("agent", "a", kind="agent_turn")
        t.span("tool", "search", 2, turn, inputs={"q": 1}, status="failed", error=error("TimeoutError", "t"))
        t.span("tool", "search", 2, turn, inputs={"q": 1})
        t.end(turn, 5)
    report, _ = _run(build)
    retry = report.patterns.retries[0]
    assert (retry.name, retry.retries, retry.recovered) == ("search", 1, 1)


def test_a_call_after_a_successful_twin_is_not_a_retry():
    def build(t):
        t.span("tool", "search", 2)
        t.span("tool", "search", 2)
    report, _ = _run(build)
    assert report.patterns.retries == []


def test_identical_calls_are_cache_candidates_with_the_time_they_repeated():
    def build(t):
        for _ in range(3):
            t.span("llm", "plan", 10, inputs={"prompt": "same"})
        t.span("llm", "plan", 10, inputs={"prompt": "other"})
    report, _ = _run(build)
    repeated = report.patterns.repeated_calls
    assert [(r.name, r.calls, r.duplicates, r.duplicate_ms) for r in repeated] == [("plan", 3, 2, 20.0)]


def test_the_most_repeated_calls_are_shown_most_first_ties_by_time_then_as_met():
    """Thirty repeated calls, of which the report shows twenty: by duplicates, then duplicate time, then the
    order they were first met in (ties on both are made on purpose)."""
    def build(t):
        for n in range(30):
            for _ in range(2 + n % 4):
                t.span("tool", f"t{n}", 5.0 if n % 3 else 7.0, inputs={"n": n})
    report, _ = _run(build)
    shown = [(r.name, r.duplicates, r.duplicate_ms) for r in report.patterns.repeated_calls]
    every = [(f"t{n}", 1 + n % 4, (1 + n % 4) * (5.0 if n % 3 else 7.0)) for n in range(30)]
    assert shown == sorted(every, key=lambda r: (-r[1], -r[2]))[:20]
    assert len({(duplicates, ms) for _, duplicates, ms in shown}) < len(shown)  # ties were there to break


@pytest.mark.parametrize("cycle, repeats, expected", [
    (["search"], 4, (["tool:search"], 4)),
    (["search", "plan"], 3, (["tool:search", "tool:plan"], 3)),
])
def test_an_agent_repeating_the_same_calls_is_a_loop(cycle, repeats, expected):
    def build(t):
        agent = t.start("agent", "looper")
        for _ in range(repeats):
            for name in cycle:
                t.span("tool", name, 1, agent, inputs={"same": True})
        t.end(agent, 10)
    report, _ = _run(build)
    loop = report.patterns.loops[0]
    assert (loop.agent, loop.cycle, loop.repetitions) == ("looper", *expected)


def test_the_loop_of_an_agent_that_never_ended_names_the_agent_as_it_started():
    def build(t):
        agent = t.start("agent", "stuck")
        for _ in range(3):
            t.span("tool", "search", 1, agent, inputs={"same": True})
    report, _ = _run(build)
    assert [(loop.agent, loop.cycle, loop.repetitions) for loop in report.patterns.loops] == \
        [("stuck", ["tool:search"], 3)]


def test_calls_without_inputs_are_neither_repeats_nor_loops():
    def build(t):
        agent = t.start("agent", "a")
        for _ in range(4):
            t.span("tool", "x", 1, agent)
        t.end(agent, 5)
    report, _ = _run(build)
    assert (report.patterns.repeated_calls, report.patterns.loops) == ([], [])


def test_identical_calls_in_two_runs_are_not_repeats():
    first, second = TraceBuilder(), TraceBuilder(run_id="20261122-110000-ffffff")
    for trace in (first, second):
        trace.run_start()
        trace.span("llm", "plan", 1, inputs={"prompt": "same"})
        trace.run_end()
    assert analyze_events(first.events + second.events).patterns.repeated_calls == []


def test_filters_leave_out_the_calls_they_exclude_from_patterns():
    def build(t):
        t.span("tool", "search", 1, inputs={"q": 1}, status="failed")
        t.span("tool", "search", 1, inputs={"q": 1})
    report, _ = _run(build, window=EventWindow(components=frozenset({"llm"})))
    assert (report.patterns.retries, report.patterns.repeated_calls) == ([], [])


def test_a_loop_points_at_its_agent_span():
    def build(t):
        agent = t.start("agent", "looper")
        for _ in range(3):
            t.span("tool", "x", 1, agent, inputs={"same": True})
        t.end(agent, 5)
    report, trace = _run(build)
    ref = report.patterns.loops[0].ref
    started = trace.events[ref.seq]
    assert started["event_type"] == "agent_execution_start" and ref.span_id == started["span_id"]


def _turns(t, turns):
    """A team under one system span: each (agent, tool) a turn of that agent calling the tool with the same inputs."""
    team = t.start("agent", "team")
    for agent, tool in turns:
        turn = t.start("agent", agent, team, kind="agent_turn")
        t.span("tool", tool, 1, turn, inputs={"same": True})
        t.end(turn, 2)
    t.end(team, 5)


def test_a_loop_in_a_conversation_is_its_turn_agents_named_at_its_first_turn():
    turns = [("Engineer", "write"), ("Leader", "ask"), ("Engineer", "write"), ("Leader", "review"),
             ("Engineer", "write")]
    report, trace = _run(lambda t: _turns(t, turns))
    [loop] = report.patterns.loops
    assert (loop.agent, loop.cycle, loop.repetitions) == ("Engineer", ["tool:write"], 3)
    started = trace.events[loop.ref.seq]
    assert (started["event_type"], started["name"], loop.ref.kind) == ("agent_turn_start", "Engineer", "agent_turn")


def test_agents_that_take_turns_at_the_same_call_are_no_loop_of_the_team():
    report, _ = _run(lambda t: _turns(t, [("Engineer", "finish"), ("Leader", "finish"), ("Architect", "finish")]))
    assert report.patterns.loops == []


def test_two_identical_calls_are_not_a_loop():
    def build(t):
        agent = t.start("agent", "a")
        t.span("tool", "x", 1, agent, inputs={"same": True})
        t.span("tool", "x", 1, agent, inputs={"same": True})
        t.end(agent, 3)
    report, _ = _run(build)
    assert report.patterns.loops == []


# -- anomalies ----------------------------------------------------------------------------------
def _latency(slowest: float, usual: float, **kwargs):
    """The latency anomaly of nine `llm:plan` spans of `usual` ms and one of `slowest` ms (None: no anomaly)."""
    def build(t):
        for _ in range(9):
            t.span("llm", "plan", usual)
        t.span("llm", "plan", slowest)
    report, trace = _run(build, **kwargs)
    return next((a for a in report.anomalies.items if a.kind == "latency"), None), trace


def test_a_span_over_twice_its_operations_median_is_a_latency_anomaly():
    anomaly, trace = _latency(600, 100)
    assert (anomaly.severity, anomaly.value, anomaly.threshold) == ("warning", 600, 200)
    assert trace.events[anomaly.ref.seq]["duration_ms"] == 600


def test_a_383_ms_call_among_45_ms_calls_is_no_critical_anomaly():
    anomaly, _ = _latency(383, 45)
    assert (anomaly.severity, anomaly.threshold) == ("warning", 145)  # 45 ms and the floor's tenth, 100 ms


def test_a_5_s_call_among_100_ms_calls_is_a_critical_anomaly():
    anomaly, _ = _latency(5000, 100)
    assert (anomaly.severity, anomaly.value) == ("critical", 5000)


def test_a_slow_call_under_a_tenth_of_the_floor_over_its_median_is_no_anomaly():
    anomaly, _ = _latency(0.5, 0.05)
    assert anomaly is None


def test_the_latency_floor_is_the_diagnose_latency_floor_ms_threshold():
    lowered = Options(judging=Judging(Thresholds(latency_floor_ms=300)))
    anomaly, _ = _latency(383, 45, options=lowered)
    assert anomaly.severity == "critical"


def test_a_window_where_most_spans_fail_is_an_error_spike():
    def build(t):
        for n in range(200):
            failed = 100 <= n < 110
            t.span("tool", "x", 500, status="failed" if failed else "completed",
                   error=error("E", "m") if failed else None)
    report, _ = _run(build)
    assert [a.kind for a in report.anomalies.items].count("error_spike") == 1


def test_failures_spread_evenly_are_not_a_spike():
    def build(t):
        for n in range(200):
            failed = n % 10 == 0
            t.span("tool", "x", 500, status="failed" if failed else "completed")
    report, _ = _run(build)
    assert "error_spike" not in report.anomalies.counts


def test_memory_growing_past_the_thresholds_is_an_anomaly():
    def build(t):
        t.span("tool", "x", 1, memory_mb=100.0)
        t.span("tool", "x", 1, memory_mb=260.0)
    report, _ = _run(build)
    anomaly = next(a for a in report.anomalies.items if a.kind == "memory_growth")
    assert (anomaly.severity, anomaly.value) == ("critical", 160.0)


def test_an_llm_call_near_its_context_window_is_an_anomaly():
    def build(t):
        t.span("llm", "big", 10, model="gpt-4o", usage={"input_tokens": 120_000, "output_tokens": 10})
        t.span("llm", "small", 10, model="gpt-4o", usage={"input_tokens": 1_000, "output_tokens": 10})
    report, _ = _run(build)
    found = [a for a in report.anomalies.items if a.kind == "context_limit"]
    assert [(a.ref.name, a.value) for a in found] == [("big", 120_000)]


def test_a_span_busy_outside_its_children_past_the_threshold_is_blocking():
    def build(t):
        agent = t.start("agent", "a")
        t.span("llm", "quick", 100, agent)
        t.end(agent, 3000)
    report, _ = _run(build, options=Options(block_threshold_ms=2000))
    anomaly = next(a for a in report.anomalies.items if a.kind == "blocking")
    assert (anomaly.value, anomaly.ref.name) == (2900, "a")


# -- integrity ----------------------------------------------------------------------------------
def test_a_run_recorded_with_only_end_events_has_no_unpaired_ends():
    trace = TraceBuilder()
    trace.run_start(config={"default_event_types": ["llm_call_end"]})
    trace.span("llm", "x", 1)
    trace.events = [e for e in trace.events if e["event_type"] != "llm_call_start"]
    for seq, event in enumerate(trace.events):
        event["seq"] = seq
    trace.run_end()
    assert analyze_events(trace.events).integrity.ends_without_start == 0



def test_a_clean_run_has_integrity():
    report, _ = _run(lambda t: t.span("tool", "x", 1))
    assert (report.integrity.ok, report.integrity.problems) == (True, [])


def test_unclosed_spans_and_a_missing_run_end_are_reported():
    trace = TraceBuilder()
    trace.run_start()
    trace.start("agent", "a")
    report = analyze_events(trace.events)
    assert (report.integrity.unclosed_spans, report.integrity.runs_not_ended, report.overview.runs[0].status) == \
        (1, 1, "unfinished")


def test_seq_gaps_orphans_duplicates_and_ends_without_start_are_counted():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "x", 1)
    trace.events.append({**trace.events[-1], "seq": 10})  # gap 3 -> 10, and an end without a start
    trace.event("tool_call_start", "tool", "y", "00000000000000aa", "00000000deadbeef", "started")  # orphan
    trace.event("tool_call_start", "tool", "y", "00000000000000aa", trace.root, "started")  # duplicate
    trace.events[-2]["seq"], trace.events[-1]["seq"] = 11, 12
    integrity = analyze_events(trace.events).integrity
    assert (integrity.seq_gaps, integrity.ends_without_start, integrity.orphan_parents, integrity.duplicate_ids,
            integrity.ok) == (1, 1, 1, 1, False)


def test_llm_requests_no_hook_recorded_are_an_integrity_problem_that_degrades_the_run():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "x", 1)
    trace.run_end(llm_traffic={"unrecorded": {"POST 127.0.0.1:8080/v1/chat/completions": 2},
                               "hosts": {"api.openai.com": 1}})
    report = analyze_events(trace.events)
    integrity = report.integrity
    assert (integrity.ok, integrity.unrecorded_llm_requests, report.health.verdict) == (False, 2, "degraded")
    assert "2 requests to an LLM API not recorded (POST 127.0.0.1:8080/v1/chat/completions 2)" in \
        integrity.problems[0]
    assert "send them through a client namel3ss-debug records" in integrity.problems[0]


def test_a_trace_of_0_1_0_counts_its_unrecorded_requests_only_when_it_recorded_no_llm_call():
    """0.1.0 wrote `unrecorded` and counted the requests `requests` sent and recorded too; now `not_hooked`."""
    counted = {}
    for key, llm in (("unrecorded", True), ("unrecorded", False), ("not_hooked", True)):
        trace = TraceBuilder()
        trace.run_start()
        trace.span("llm" if llm else "tool", "plan", 1)
        trace.run_end(llm_traffic={key: {"POST api.openai.com:443/v1/chat/completions": 2}})
        counted[key, llm] = analyze_events(trace.events).integrity.unrecorded_llm_requests
    assert counted == {("unrecorded", True): 0, ("unrecorded", False): 2, ("not_hooked", True): 2}


def test_known_llm_hosts_looked_up_alone_are_no_integrity_problem():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "plan", 1)
    trace.run_end(llm_traffic={"hosts": {"api.openai.com": 1}})
    integrity = analyze_events(trace.events).integrity
    assert (integrity.ok, integrity.unrecorded_llm_requests) == (True, 0)


# -- critical path ------------------------------------------------------------------------------
def test_the_critical_path_of_sequential_calls_holds_them_all_and_the_gaps():
    def build(t):
        agent = t.start("agent", "a")
        t.span("llm", "plan", 100, agent)
        t.span("tool", "search", 50, agent)
        t.end(agent, 200)
    report, _ = _run(build)
    steps = {(s.component, s.name): s.ms for s in report.critical_path[0].steps}
    assert (steps[("llm", "plan")], steps[("tool", "search")], steps[("agent", "a")]) == (100, 50, 50)


def test_of_overlapping_calls_only_the_one_the_parent_waited_for_is_on_the_path():
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "a")
    short = trace.start("llm", "short", agent)
    long = trace.start("llm", "long", agent)
    trace.end(short, 20, advance=False)
    trace.end(long, 90)
    trace.end(agent, 100)
    trace.run_end()
    steps = {s.name: s.ms for s in analyze_events(trace.events).critical_path[0].steps}
    assert ("long" in steps, "short" in steps, steps["a"]) == (True, False, 10)


# -- health -------------------------------------------------------------------------------------
def test_a_clean_run_is_healthy():
    report, _ = _run(lambda t: t.span("tool", "x", 1))
    assert report.health.verdict == "healthy"


def test_an_error_makes_a_run_degraded_with_the_reason():
    def build(t):
        for _ in range(9):
            t.span("tool", "x", 1)
        t.span("tool", "x", 1, status="failed", error=error("KeyError", "k"))
    report, _ = _run(build)
    assert (report.health.verdict, report.health.reasons[0]) == (
        "degraded", "completed with 1 handled error (KeyError 1)")


def test_a_failed_run_is_failing():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "x", 1)
    trace.run_end(status="failed", exit_code=1)
    report = analyze_events(trace.events)
    assert (report.health.verdict, report.health.reasons[0], report.health.failure) == \
        ("failing", "run ended failed", "run ended failed")  # the blame's line (`failed_run.py`)


def test_a_long_run_keeps_few_time_buckets_and_still_finds_its_spike(monkeypatch):

    monkeypatch.setattr(timing_collector, "MAX_BUCKETS", 64)  # 2000 s of spans end in 1-minute buckets

    def build(t):
        for n in range(400):
            failed = 200 <= n < 215
            t.span("tool", "x", 5000, status="failed" if failed else "completed")
    report, trace = _run(build)
    spikes = [a for a in report.anomalies.items if a.kind == "error_spike"]
    assert len(spikes) == 1 and "15 of" in spikes[0].message
