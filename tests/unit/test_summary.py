"""The run summary printed after `trace`: counts from the events alone."""

from __future__ import annotations

from namel3ss_debug.analysis.summary import summarize


def ev(event_type: str, component: str, span_id: str, **fields):
    return {"event_type": event_type, "component": component, "span_id": span_id, "name": "x", **fields}


def test_calls_are_counted_once_per_span_from_start_or_end_events() -> None:
    events = [ev("llm_call_start", "llm", "a"), ev("llm_call_end", "llm", "a"),
              ev("llm_call_end", "llm", "b"), ev("tool_call_start", "tool", "c")]
    summary = summarize(events)
    assert (summary.llm_calls, summary.tool_calls, summary.spans_by_component) == (2, 1, {"llm": 2, "tool": 1})


def test_tokens_and_cost_add_up_over_end_events() -> None:
    events = [ev("llm_call_end", "llm", "a", usage={"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
                 cost_usd=0.5),
              ev("llm_call_end", "llm", "b", usage={"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
                 cost_usd=0.25)]
    summary = summarize(events)
    assert (summary.input_tokens, summary.output_tokens, summary.total_tokens, summary.cost_usd) == (4, 5, 9, 0.75)


def test_errors_count_failed_spans_and_error_events_by_type() -> None:
    events = [ev("tool_call_end", "tool", "a", status="failed"),
              ev("error_occurred", "app", "b", status="failed", error={"type": "KeyError"}),
              ev("error_occurred", "app", "c", status="failed", error={"type": "KeyError"})]
    summary = summarize(events)
    assert (summary.failed_spans, summary.errors, summary.error_types) == (1, 2, {"KeyError": 2})


def test_run_events_give_status_and_duration_and_are_not_spans() -> None:
    events = [{"event_type": "run_start", "component": "app", "span_id": "r", "run_id": "R"},
              {"event_type": "run_end", "component": "app", "span_id": "r", "status": "failed", "duration_ms": 12.5}]
    summary = summarize(events)
    assert (summary.run_id, summary.status, summary.duration_ms, summary.spans_by_component) == (
        "R", "failed", 12.5, {})


def test_the_tool_calls_no_hook_recorded_come_from_the_runs_own_account() -> None:
    events = [{"event_type": "run_start", "component": "app", "span_id": "r", "run_id": "R"},
              ev("tool_call_start", "tool", "t", attrs={"source": "wire"}),
              {"event_type": "run_end", "component": "app", "span_id": "r", "status": "completed",
               "attrs": {"tool_calls": {"asked": 4, "hooked": 0, "wire": 1, "unseen": 3}}}]
    summary = summarize(events)
    assert (summary.tool_calls, summary.wire_tool_calls, summary.unseen_tool_calls) == (1, 1, 3)
    broken = [{**events[-1], "attrs": {"tool_calls": {"wire": "1", "unseen": -2}}}]
    assert (summarize(broken).wire_tool_calls, summarize(broken).unseen_tool_calls) == (0, 0)
