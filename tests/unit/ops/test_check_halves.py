"""`check` of a big run reads it in two halves side by side, each half scanned on the way, and folds the
second half's scan into the first's: the verdicts, the events each rule lists and their places are the ones
a single pass gives, whether the halves' scans merge or the second half has to be scanned again."""

from __future__ import annotations

import random
import sys

import pytest
from tracefactory import TraceBuilder, error

from namel3ss_debug.analysis.prices import Pricer
from namel3ss_debug.analysis.tally import Options
from namel3ss_debug.analysis.window import EventWindow
from namel3ss_debug.checks import scan_merge
from namel3ss_debug.checks.evaluate import SECTIONS_READ
from namel3ss_debug.checks.rules import active, rules_from_flags
from namel3ss_debug.checks.run import check_run, new_scan
from namel3ss_debug.checks.scan import EventScan
from namel3ss_debug.ops import check as check_module
from namel3ss_debug.ops.analyze.counting import Counted
from namel3ss_debug.ops.check import CheckRequest, check_traces
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.split import analyze_halves
from namel3ss_debug.ops.split.cut import find_cut
from namel3ss_debug.ops.traces import TraceArgs
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="two processes need fork")


def server_run(rng: random.Random, requests: int) -> TraceBuilder:
    """Requests one after another (quiet points between them), with calls, failures, errors and a rare step."""
    trace = TraceBuilder()
    trace.run_start()
    for _request in range(requests):
        agent = trace.start("agent", rng.choice(("helper", "planner")), kind="agent_execution")
        for _ in range(rng.randrange(1, 5)):
            if rng.random() < 0.5:
                trace.span("llm", "plan", rng.uniform(1, 500), agent, model="gpt-4o", inputs={"q": rng.randrange(4)},
                           usage={"input_tokens": rng.randrange(1, 3000), "output_tokens": rng.randrange(1, 300)})
            else:
                failed = rng.random() < 0.2
                kind = rng.choice(("TimeoutError", "PermissionError"))
                category = "auth" if kind == "PermissionError" else "timeout"
                trace.span("tool", rng.choice(("search", "fetch")), rng.uniform(1, 80), agent,
                           status="failed" if failed else "completed",
                           error=error(kind, "no", category) if failed else None)
        if rng.random() < 0.05:
            trace.span("tool", "deploy", 3, agent)
        if rng.random() < 0.1:
            trace.instant("error_occurred", "agent", "helper", agent, status="failed", error=error("ValueError", "bad"))
        trace.end(agent, rng.uniform(50, 900), kind="agent_execution")
    if rng.random() < 0.8:
        trace.run_end()
    return trace


def random_flags(rng: random.Random) -> dict:
    """Every rule kind, with limits that some runs pass and some fail (so events are listed)."""
    return {"max_errors": str(rng.randrange(0, 20)), "max_component_errors": (f"tool={rng.randrange(0, 10)}",),
            "max_category_errors": (f"timeout={rng.randrange(0, 10)}",), "max_p95": ("llm=300ms",),
            "max_p99": (f"tool={rng.randrange(20, 90)}ms",), "max_latency": (f"agent={rng.randrange(100, 900)}ms",),
            "max_tokens": str(rng.randrange(10_000, 400_000)), "max_cost": "0.05",
            "max_llm_calls": str(rng.randrange(0, 150)), "max_tool_calls": str(rng.randrange(0, 150)),
            "max_duration": "10s", "require": ("llm>=2", "tool:deploy"), "forbid": ("error:auth", "tool:fetch"),
            "require_order": ("agent,llm,tool:deploy,llm", "tool:deploy,tool:deploy"), "clean_integrity": True}


def one_pass(path, rules):
    source = RunSource(str(path), (str(path),))
    run, events = check_run(source, TraceReader(ReadProblems(), write_index=False), rules, pricer=Pricer())
    return run, events


def in_halves(path, rules, cut=None):
    source = RunSource(str(path), (str(path),))
    cut = cut or find_cut(source, min_bytes=0)
    assert cut is not None
    scan = new_scan(rules)
    reader = TraceReader(ReadProblems(), write_index=False, reuse_buffers=True)
    halves = analyze_halves.Halves(source, cut, Options(sections=frozenset(SECTIONS_READ)), EventWindow(), Pricer(),
                                   False, None, scan)  # as check's
    return check_run(source, reader, rules, scan=scan, read=lambda: halves.report(
        reader, Counted(reader.problems), bytes_read=lambda: 0, progress=lambda count: None))


@pytest.mark.parametrize("seed", range(12))
def test_the_halves_give_the_one_pass_verdicts_and_events(tmp_path, seed):
    rng = random.Random(seed)
    path = server_run(rng, rng.randrange(40, 120)).write(tmp_path / "run.jsonl")
    rules = active(rules_from_flags(random_flags(rng)))
    assert in_halves(path, rules) == one_pass(path, rules)


def test_check_reads_a_big_run_in_halves(tmp_path, monkeypatch):
    path = server_run(random.Random(3), 80).write(tmp_path / "run.jsonl")
    flags = random_flags(random.Random(4))
    single = check_traces(CheckRequest(TraceArgs((str(path),)), flags=flags), Environment(cwd=tmp_path))
    made = []
    monkeypatch.setattr(check_module, "halving_cut", lambda sources: made.append(find_cut(sources[0], min_bytes=0))
                        or made[-1])
    halved = check_traces(CheckRequest(TraceArgs((str(path),)), flags=flags), Environment(cwd=tmp_path))
    assert (made[0] is not None, halved) == (True, single)


def calls_run(calls: int, deploy_after: int | None = None) -> TraceBuilder:
    """Requests of one LLM call each; with `deploy_after`, a request that calls tool:deploy after that many."""
    trace = TraceBuilder()
    trace.run_start()
    for number in range(calls):
        agent = trace.start("agent", "helper", kind="agent_execution")
        trace.span("llm", "plan", 5, agent, model="gpt-4o")
        trace.end(agent, 6, kind="agent_execution")
        if number + 1 == deploy_after:
            agent = trace.start("agent", "helper", kind="agent_execution")
            trace.span("tool", "deploy", 3, agent)
            trace.end(agent, 4, kind="agent_execution")
    trace.run_end()
    return trace


def test_a_call_limit_past_what_the_second_half_kept_is_scanned_again(tmp_path, monkeypatch):
    path = calls_run(80).write(tmp_path / "run.jsonl")
    cut = find_cut(RunSource(str(path), (str(path),)), min_bytes=0)
    refused = []
    real = scan_merge.absorb

    def absorb(first: EventScan, second: EventScan) -> None:
        try:
            real(first, second)
        except scan_merge.NotMergeable:
            refused.append(True)
            raise

    monkeypatch.setattr(scan_merge, "absorb", absorb)
    rules = active(rules_from_flags({"max_llm_calls": "70"}))  # the 71st call is well into the second half
    run, _ = in_halves(path, rules, cut)
    assert refused == [True]
    assert (run, _) == one_pass(path, rules)
    assert [ref.detail for ref in run.results[0].events] == ["call 71", "call 72", "call 73", "call 74", "call 75"]


def test_a_call_limit_within_what_the_second_half_kept_is_merged(tmp_path, monkeypatch):
    path = calls_run(80).write(tmp_path / "run.jsonl")
    merged = []
    real = scan_merge.absorb
    monkeypatch.setattr(scan_merge, "absorb", lambda first, second: (real(first, second), merged.append(True)))
    rules = active(rules_from_flags({"max_llm_calls": "10", "max_tool_calls": "0"}))
    run, events = in_halves(path, rules)
    assert (merged, (run, events)) == ([True], one_pass(path, rules))
    assert [ref.detail for ref in run.results[0].events] == ["call 11", "call 12", "call 13", "call 14", "call 15"]


def test_an_order_begun_in_the_first_half_is_finished_in_the_second(tmp_path):
    path = calls_run(80, deploy_after=50).write(tmp_path / "run.jsonl")
    cut = find_cut(RunSource(str(path), (str(path),)), min_bytes=0)
    assert cut.first.stop[1] < path.read_bytes().index(b'"deploy"')  # the deploy call is in the second half
    rules = active(rules_from_flags({"require_order": ("llm,tool:deploy,llm",), "require": ("tool:deplyo",)}))
    run, events = in_halves(path, rules, cut)
    assert (run, events) == one_pass(path, rules)
    order, required = sorted(run.results, key=lambda result: result.key != "require_order")
    assert [(ref.component, ref.name) for ref in order.events] == [("llm", "plan"), ("tool", "deploy"), ("llm", "plan")]
    assert required.details == ["no tool:deplyo in this run (did you mean tool:deploy?)"]  # a label of the second half
