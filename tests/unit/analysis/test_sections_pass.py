"""A pass for some report sections (`check`'s, `diff`'s, `analyze --section`) keeps only what those sections
read, and gives each of them exactly as a pass for every section does."""

from __future__ import annotations

import pytest
from support.analysisruns import random_run
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.analysis.build import build_report
from namel3ss_debug.analysis.prices import Pricer
from namel3ss_debug.analysis.records.report import SECTIONS
from namel3ss_debug.analysis.tally import Options, Tally
from namel3ss_debug.checks.evaluate import SECTIONS_READ
from namel3ss_debug.diffing.profile import SECTIONS as DIFF_SECTIONS
from namel3ss_debug.render.analyze.analyze_json import report_to_dict
from namel3ss_debug.store.records import record_from_dict

PRICER = Pricer(file_prices={"m": {"input": 1.0, "output": 2.0}})
# sections that read no collector's patterns, anomalies or ids (`analyze --section overview,llm,...`)
LEAN = ("overview", "components", "operations", "llm", "errors")
# check's and diff's, a lean choice, each section alone, and pairs a pass keeps different things for
CHOICES = [SECTIONS_READ, DIFF_SECTIONS, LEAN, *((name,) for name in SECTIONS), ("tools", "slow"),
           ("critical_path", "llm"), ("anomalies", "operations"), ("patterns", "errors")]


def tally(events, sections):
    result = Tally(Options(slow_threshold_ms=50, block_threshold_ms=30, context_window=lambda m: 1000,
                           sections=frozenset(sections)))
    result.begin("run", "run", ("run.jsonl",))
    result.feed([record_from_dict(event)[0] for event in events])
    return result


def report(result, sections):
    result.finish()
    document = report_to_dict(build_report(result, PRICER, sections=sections))
    return {name: document[name] for name in sections}


@pytest.mark.parametrize("seed", range(12))
def test_a_pass_for_some_sections_gives_them_as_a_pass_for_all_does(seed):
    events = random_run(seed).events
    whole = report(tally(events, SECTIONS), SECTIONS)
    for sections in CHOICES:
        assert report(tally(events, sections), sections) == {name: whole[name] for name in sections}, sections


def kept_parts(result):
    """What a pass keeps only for some sections, by name: empty (or no collector) when it was not kept."""
    patterns, anomalies = result.patterns, result.anomalies
    return {"repeated": patterns.repeated if patterns else {}, "retries": patterns.retries if patterns else {},
            "loops": patterns.loops if patterns else [], "slow": result.timing.slow,
            "blocking": anomalies.blocking if anomalies else [],
            "near_limit": anomalies.near_limit if anomalies else []}


def test_the_runs_hold_what_the_skipped_parts_keep():
    """Else the test above would pass whatever a lean pass skipped."""
    kept = [tally(random_run(seed).events, SECTIONS) for seed in range(12)]
    for part in ("repeated", "retries", "loops", "slow", "blocking", "near_limit"):
        assert sum(1 for t in kept if kept_parts(t)[part]) >= 2, part
    assert all(run.chain and run.seconds for t in kept for run in t.runs)


def test_a_pass_for_sections_that_read_none_of_them_keeps_none_of_them():
    """(diff's pass reads every collector since it says each run's health, which needs the findings.)"""
    lean = tally(random_run(1).events, LEAN)
    lean.finish()
    assert (lean.patterns, lean.anomalies) == (None, None)
    assert not any(kept_parts(lean).values())
    assert not any(run.chain or run.seconds for run in lean.runs)


def test_a_pass_for_check_keeps_what_the_run_s_health_reads():
    """check shows each run's health beside its rules, and health reads the findings (`failed_run.py`)."""
    kept = tally(random_run(1).events, SECTIONS_READ)
    kept.finish()
    assert kept.clues is not None and kept.patterns is not None and kept.patterns.repeated


def test_a_pass_for_health_keeps_its_critical_anomalies():
    """A call past its context window and a burst of failures make the run's health: a pass for it alone
    keeps what they are found from."""
    trace = TraceBuilder()
    trace.run_start()
    for n in range(40):
        trace.span("tool", "search", 10, inputs={"q": n})
        trace.advance(1000)
    trace.span("llm", "plan", 10, model="m", usage={"input_tokens": 1500, "output_tokens": 5})
    for _ in range(6):
        trace.span("tool", "fetch", 10, status="failed", error=error("TimeoutError", "late"))
    trace.run_end()
    whole = report(tally(trace.events, SECTIONS), SECTIONS)
    assert {"context_limit", "error_spike"} <= set(whole["anomalies"]["counts"])
    assert report(tally(trace.events, ("health",)), ("health",)) == {"health": whole["health"]}


def test_a_pass_for_integrity_keeps_the_span_ids_it_is_found_from():
    """A span id used twice, a parent that never was and an end without its start: the sections that read the
    ids (integrity, health) show them from a pass for them alone; a pass for sections that read none keeps no ids."""
    trace = TraceBuilder()
    trace.run_start()
    first = trace.span("tool", "search", 5)
    trace.event("tool_call_start", "tool", "again", first, trace.root, "started")
    trace.event("tool_call_end", "tool", "again", first, trace.root, "completed", duration_ms=1.0)
    trace.event("memory_operation", "memory", "write", trace.new_id(), "no-such-parent", "completed")
    trace.event("tool_call_end", "tool", "lost", trace.new_id(), trace.root, "completed", duration_ms=1.0)
    trace.run_end()
    whole = report(tally(trace.events, SECTIONS), SECTIONS)
    found = whole["integrity"]
    assert (found["duplicate_ids"], found["orphan_parents"], found["ends_without_start"]) == (1, 1, 1)
    for sections in (("integrity",), ("health",), SECTIONS_READ):
        assert report(tally(trace.events, sections), sections) == {name: whole[name] for name in sections}
    lean = tally(trace.events, LEAN)
    assert not (lean.integrity.duplicates or lean.integrity.orphans or lean.integrity.ends_without_start)
