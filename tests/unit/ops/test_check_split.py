"""`check` has its report made by a second process while it scans the events (a file can be read twice):
the verdicts are the ones a single pass gives, on random runs and every rule kind."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from tracefactory import TraceBuilder, error

from namel3ss_debug.checks.rules import active, rules_from_flags
from namel3ss_debug.checks.run import check_report, check_run
from namel3ss_debug.ops.check import CheckRequest, check_traces
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.split import forked
from namel3ss_debug.ops.traces import TraceArgs, make_pricer, make_reader
from namel3ss_debug.store.sources import RunSource

FLAGS = {"max_errors": "1", "max_component_errors": ("tool=0",), "max_category_errors": ("timeout=1",),
         "max_p95": ("llm=300ms",), "max_p99": ("tool=40ms",), "max_latency": ("agent=5s",),
         "max_tokens": "20000", "max_cost": "0.01", "max_llm_calls": "10", "max_tool_calls": "10",
         "max_duration": "10s", "require": ("llm>=2",), "require_order": ("agent,llm,tool",),
         "forbid": ("error:auth",), "clean_integrity": True}


def random_run(path: Path, seed: int) -> Path:
    rng = random.Random(seed)
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "researcher", kind="agent_execution")
    for _ in range(rng.randrange(3, 30)):
        if rng.random() < 0.5:
            trace.span("llm", "plan", rng.uniform(1, 500), agent, model="gpt-4o",
                       usage={"input_tokens": rng.randrange(1, 3000), "output_tokens": rng.randrange(1, 300)})
        else:
            failed = rng.random() < 0.25
            trace.span("tool", "search", rng.uniform(1, 80), agent, status="failed" if failed else "completed",
                       error=error(rng.choice(("TimeoutError", "PermissionError")), "no") if failed else None)
    trace.end(agent, 1)
    if rng.random() < 0.7:
        trace.run_end()
    return trace.write(path)


@pytest.mark.parametrize("seed", range(10))
def test_the_split_check_gives_the_single_pass_verdicts(tmp_path, seed, monkeypatch) -> None:
    monkeypatch.setattr(forked, "MIN_BYTES", 0)  # these runs are small: split them all the same
    path = random_run(tmp_path / "run.jsonl", seed)
    env = Environment(cwd=tmp_path)
    split = check_traces(CheckRequest(TraceArgs((str(path),)), flags=FLAGS), env)
    rules = active(rules_from_flags(FLAGS))
    source = RunSource(str(path), (str(path),))
    run, _ = check_run(source, make_reader(False, env), rules, pricer=make_pricer(env))
    assert split == check_report([run], rules)
