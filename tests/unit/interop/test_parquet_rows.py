"""`interop/parquet/rows.py`: a run's events as span and event rows, each with its UTC day."""

from __future__ import annotations

from support.tracefactory import TraceBuilder, error

from namel3ss_debug.interop.parquet.rows import EventRows, SpanRows, day_of, lean


def dated_rows(events):
    rows = SpanRows()
    return [row for event in events for row in rows.feed(lean(event))] + rows.finish()


def span_rows(events):
    return {row["name"]: (day, row) for day, row in dated_rows(events)}


def agent_run() -> TraceBuilder:
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "researcher", kind="agent_execution")
    turn = trace.start("agent", "researcher", agent, kind="agent_turn")
    trace.span("llm", "plan", 20, turn, model="gpt-4o", cost_usd=0.5,
               usage={"input_tokens": 10, "output_tokens": 4}, inputs={"prompt": "secret-ish question"},
               outputs={"text": "answer"})
    trace.span("tool", "search", 5, turn, status="failed", error=error("TimeoutError", "took too long"))
    trace.end(turn, 1, usage={"input_tokens": 10, "output_tokens": 4})  # an agent repeating its calls' usage
    trace.end(agent, 1)
    trace.span("llm", "summarize", 3, model="mystery-model", usage={"input_tokens": 1, "output_tokens": 1})
    trace.run_end()
    return trace


def test_a_span_works_for_the_nearest_agent_above_it() -> None:
    rows = span_rows(agent_run().events)
    assert rows["plan"][1]["agent"] == "researcher" and rows["search"][1]["agent"] == "researcher"
    assert rows["summarize"][1]["agent"] is None and rows["app.py"][1]["agent"] is None


def test_tokens_and_cost_are_on_llm_spans_only() -> None:
    rows = span_rows(agent_run().events)
    plan = rows["plan"][1]
    assert (plan["input_tokens"], plan["output_tokens"], plan["total_tokens"], plan["cost_usd"]) == (10, 4, 14, 0.5)
    turn = next(row for _, row in dated_rows(agent_run().events) if row["kind"] == "agent_turn")
    assert (turn["input_tokens"], turn["total_tokens"], turn["cost_usd"]) == (None, None, None)


def test_an_unknown_cost_is_null_never_zero() -> None:
    assert span_rows(agent_run().events)["summarize"][1]["cost_usd"] is None


def test_a_failed_span_carries_its_error_and_its_category() -> None:
    search = span_rows(agent_run().events)["search"][1]
    assert (search["status"], search["error_type"], search["error_message"]) == ("failed", "TimeoutError",
                                                                                  "took too long")
    assert search["error_category"] == "timeout"


def test_a_failure_without_an_error_is_of_unknown_category() -> None:
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "search", 5, status="failed")
    trace.run_end()
    assert span_rows(trace.events)["search"][1]["error_category"] == "unknown"


def test_a_span_never_ended_is_unclosed_with_no_duration() -> None:
    trace = TraceBuilder()
    trace.run_start()
    trace.start("tool", "hang")
    trace.advance(50)
    trace.span("llm", "plan", 5)
    _, hang = span_rows(trace.events)["hang"]
    assert (hang["status"], hang["duration_ms"]) == ("unclosed", None)
    assert hang["end_ts"] > hang["start_ts"]


def test_a_span_is_filed_on_the_day_it_started_not_its_runs() -> None:
    trace = TraceBuilder(start="2026-11-22T23:59:59+00:00")
    trace.run_start()
    trace.advance(2000)
    trace.span("llm", "after_midnight", 5)
    trace.run_end()
    rows = span_rows(trace.events)
    assert rows["app.py"][0] == "2026-11-22" and rows["after_midnight"][0] == "2026-11-23"


def test_an_event_without_a_readable_time_is_filed_on_the_last_day_read() -> None:
    trace = TraceBuilder(start="2026-11-22T23:59:59+00:00")
    trace.run_start()
    trace.advance(2000)
    trace.span("llm", "plan", 5)
    trace.events[2]["ts"] = "not a time"
    rows = EventRows("2026-11-22")
    days = [rows.row(event) for event in trace.events]
    assert [day for day, _ in days] == ["2026-11-22", "2026-11-23", "2026-11-23"]
    assert days[2][1]["ts"] is None and days[1][1]["ts"] is not None


def test_lean_keeps_no_payload() -> None:
    event = agent_run().events[3]
    assert "inputs" in event and set(lean(event)) >= {"run_id", "seq", "span_id"}
    assert not {"inputs", "outputs", "attrs"} & set(lean(event))
    assert lean({"error": {"type": "E", "message": "m", "stack": "Traceback..."}})["error"] == {"type": "E",
                                                                                            "message": "m"}


def test_a_day_is_the_utc_day_of_the_moment() -> None:
    assert day_of(0) == "1970-01-01" and day_of(86_400 * 10**9 - 1) == "1970-01-01"
    assert day_of(86_400 * 10**9) == "1970-01-02"


def test_a_secret_in_an_error_message_is_redacted_again() -> None:
    """A trace written with redaction off holds the key as the app raised it; the shared table does not."""
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "plan", 5, status="failed",
               error=error("AuthenticationError", "bad key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD"))
    trace.run_end()
    message = span_rows(trace.events)["plan"][1]["error_message"]
    assert message.startswith("bad key [REDACTED") and "abcdefghijklmnop" not in message
