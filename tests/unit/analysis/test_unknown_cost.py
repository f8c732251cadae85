"""An LLM call that recorded neither usage nor a cost is unpriced (`no_usage`), never priced at $0: counted in
`unpriced_calls`, left out of the cost (then a lower bound, or unknown), noted beside the health verdict, and
never served from a cache entry kept before it was so."""

from __future__ import annotations

import os
import zlib

import msgspec
import pytest
from support.tracefactory import TraceBuilder, analyze_events, error

from namel3ss_debug.analysis.prices import Pricer
from namel3ss_debug.ops import cache as cache_module
from namel3ss_debug.ops.analyze.analyze import AnalyzeRequest, analyze_traces
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.traces import TraceArgs

USAGE = {"input_tokens": 1000, "output_tokens": 100}
PRICER = Pricer(file_prices={"m": {"input": 2.0, "output": 4.0}})  # a known price: $0.0024 for USAGE


def run_of(*calls: dict) -> list[dict]:
    """A run of LLM calls to model `m`, each with the end fields given."""
    trace = TraceBuilder()
    trace.run_start()
    for number, fields in enumerate(calls):
        trace.span("llm", f"call{number}", 10, **{"model": "m", **fields})
    trace.run_end()
    return trace.events


def test_a_call_without_usage_is_unpriced_not_free():
    llm = analyze_events(run_of({}), pricer=PRICER).llm
    model = llm.models[0]
    assert (model.priced_by, model.cost_usd) == ({"no_usage": 1}, None)  # the price of m would give it $0
    assert (llm.cost_usd, llm.unpriced_calls, llm.no_usage_calls) == (None, 1, 1)


@pytest.mark.parametrize(("usage", "priced_by"), [
    (None, {"no_usage": 1}),
    ({"total_tokens": 40}, {"no_usage": 1}),  # a total alone cannot be priced
    ({"input_tokens": 0, "output_tokens": 0}, {"prices_file": 1}),  # a recorded 0 is a real usage
    ({"input_tokens": 0}, {"prices_file": 1}),
    ({"output_tokens": 7}, {"prices_file": 1}),
], ids=["absent", "total-only", "zeros", "input-zero", "output-only"])
def test_no_usage_means_neither_input_nor_output_tokens_recorded(usage, priced_by):
    model = analyze_events(run_of({"usage": usage}), pricer=PRICER).llm.models[0]
    assert model.priced_by == priced_by


def test_a_recorded_cost_prices_a_call_whatever_its_usage():
    llm = analyze_events(run_of({"cost_usd": 0.5}), pricer=PRICER).llm
    assert (llm.models[0].priced_by, llm.cost_usd, llm.unpriced_calls) == ({"event": 1}, 0.5, 0)


def test_the_cost_of_the_other_calls_is_a_lower_bound_and_said_so():
    report = analyze_events(run_of({"usage": USAGE}, {}, {"usage": USAGE, "status": "failed"}, {"status": "failed"}),
                            pricer=PRICER)
    llm = report.llm
    assert llm.models[0].priced_by == {"prices_file": 2, "no_usage": 2}  # a failed call without usage too
    assert (llm.cost_usd, llm.unpriced_calls, llm.no_usage_calls) == (pytest.approx(0.0048), 2, 2)
    assert (report.overview.cost_usd, report.overview.unpriced_llm_calls) == (pytest.approx(0.0048), 2)
    assert report.health.notes == ["1 LLM call ended without an answer (failed or stopped) and so recorded no "
                                   "usage, so the cost is a lower bound",
                                   "1 LLM call recorded no usage (a stream made without include_usage reports "
                                   "none), so the cost is a lower bound"]


def test_a_call_a_rerun_stopped_at_its_miss_is_not_blamed_on_a_stream():
    """A rerun stopped at a miss: the missed call (never streamed) got no answer, so no usage."""
    miss = error("RerunMiss", "llm:chat#2 at run/llm:chat#2: no recorded call asks this")
    report = analyze_events(run_of({"usage": USAGE}, {"status": "failed", "error": miss}), pricer=PRICER)
    assert report.health.notes == ["1 LLM call ended without an answer (failed or stopped) and so recorded no "
                                   "usage, so the cost is a lower bound"]


def test_a_healthy_run_of_unknown_cost_stays_healthy_with_a_note():
    health = analyze_events(run_of({}), pricer=PRICER).health
    assert (health.verdict, health.notes) == ("healthy", [
        "1 LLM call recorded no usage (a stream made without include_usage reports none), so the cost is unknown"])


def test_a_degraded_run_keeps_its_note_beside_its_reasons():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "search", 5, status="failed", error=error("TimeoutError", "late"))
    for _ in range(5):  # few enough failures to be degraded, not failing
        trace.span("tool", "search", 5)
    trace.span("llm", "answer", 10, model="m")
    trace.run_end()
    health = analyze_events(trace.events, pricer=PRICER).health
    assert (health.verdict, health.notes[0].startswith("1 LLM call recorded no usage")) == ("degraded", True)
    assert not [reason for reason in health.reasons if "usage" in reason]


def test_a_model_without_a_price_is_noted_apart_from_calls_without_usage():
    events = run_of({"usage": USAGE}, {})
    health = analyze_events(events, pricer=Pricer()).health  # nobody prices `m`
    assert health.notes == [
        "1 LLM call recorded no usage (a stream made without include_usage reports none), so the cost is unknown",
        "1 LLM call of m had no price (give one in price_overrides or --prices), so the cost is unknown"]


def test_a_run_of_known_cost_has_no_note():
    assert analyze_events(run_of({"usage": USAGE}), pricer=PRICER).health.notes == []


# --- the result cache ------------------------------------------------------------------------------------

def test_an_answer_kept_by_the_cache_before_calls_without_usage_were_unpriced_is_not_served(tmp_path, monkeypatch):
    """The cache's key holds its FORMAT: an answer kept by an older format (one that priced a call without
    usage at $0) is a miss, and the run is read again."""
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "answer", 10, model="gpt-4o")
    trace.run_end()
    path = trace.write(tmp_path / "run.jsonl")
    env = Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path, warn=lambda message: None)

    def analyze(**options):
        return analyze_traces(AnalyzeRequest(TraceArgs((str(path),)), **options), env)

    honest = analyze(cache=False)
    monkeypatch.setattr(cache_module, "FORMAT", cache_module.FORMAT - 1)
    analyze()  # kept under the older format's key ...
    directory = tmp_path / "cache" / "namel3ss-debug" / "results"
    (kept,) = directory.iterdir()
    raw = kept.read_bytes()
    head = raw[:4 + int.from_bytes(raw[:4], "little")]  # the files it was read from, then the answer
    stale = head + msgspec.msgpack.encode(_priced_at_zero(msgspec.msgpack.decode(raw[len(head):-4], type=type(honest))))
    kept.write_bytes(stale + zlib.crc32(stale).to_bytes(4, "little"))  # ... with what that format answered
    assert analyze().llm.unpriced_calls == 0  # the older format is served its own answer
    monkeypatch.undo()
    again = analyze()
    assert again == honest and (again.llm.unpriced_calls, again.llm.no_usage_calls) == (1, 1)
    assert len(os.listdir(directory)) == 2


def _priced_at_zero(report):
    """`report` as the format before no_usage answered it: the call priced at $0 by genai-prices."""
    llm = report.llm
    model = msgspec.structs.replace(llm.models[0], cost_usd=0.0, priced_by={"genai-prices": 1})
    return msgspec.structs.replace(report, llm=msgspec.structs.replace(llm, cost_usd=0.0, unpriced_calls=0,
                                                                       no_usage_calls=0, models=[model]))
