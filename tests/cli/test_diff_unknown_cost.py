"""`diff`'s cost figure is unknown, not a sum that counts some calls as $0, when a run has LLM calls nothing could
price; a cost threshold over calls that recorded no usage cannot be judged and is crossed."""

from __future__ import annotations

import orjson
import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")  # each test in its own directory, no config

PRICES = '{"price_overrides": {"m": {"input": 1000, "output": 2000}}}'  # $0.02 for 10 in, 5 out


def run(path, *, streamed=False, model="m", run_id="20261122-100000-aaaaaa"):
    """A priced call to `model`, then (`streamed`) one that recorded no usage."""
    trace = TraceBuilder(run_id)
    trace.run_start()
    trace.span("llm", "planner", 100, model=model, usage={"input_tokens": 10, "output_tokens": 5})
    if streamed:
        trace.span("llm", "writer", 100, model=model)
    trace.run_end()
    return str(trace.write(path))


def diff(tmp_path, base, new, *args):
    (tmp_path / "prices.json").write_text(PRICES)
    return CliRunner().invoke(cli, ["diff", "--config", str(tmp_path / "prices.json"), base, new, *args],
                              catch_exceptions=False)


def cost_change(result):
    return next(c for c in orjson.loads(result.stdout)["overview"] if c["metric"] == "cost")


def test_the_cost_of_a_run_with_a_call_without_usage_is_unknown_not_a_smaller_sum(tmp_path):
    base, new = run(tmp_path / "base.jsonl"), run(tmp_path / "new.jsonl", streamed=True)
    change = cost_change(diff(tmp_path, base, new, "--format", "json"))
    assert (change["base"], change["new"], change["delta"]) == (0.02, None, None)  # not 0.02 -> 0.02, "="


def test_a_cost_threshold_over_a_call_without_usage_is_crossed_saying_why(tmp_path):
    base, new = run(tmp_path / "base.jsonl"), run(tmp_path / "new.jsonl", streamed=True)
    result = diff(tmp_path, base, new, "--fail-on", "cost>+10%", "--format", "json")
    (threshold,) = orjson.loads(result.stdout)["thresholds"]
    assert (result.exit_code, threshold["crossed"], threshold["note"]) == (
        1, True, "cost unknown in NEW: 1 LLM call recorded no usage")


def test_a_model_without_a_price_leaves_a_cost_threshold_not_crossed_saying_why(tmp_path):
    base = run(tmp_path / "base.jsonl")
    new = run(tmp_path / "new.jsonl", model="nobody-prices-this")
    result = diff(tmp_path, base, new, "--fail-on", "cost>+10%", "--format", "json")
    (threshold,) = orjson.loads(result.stdout)["thresholds"]
    assert (result.exit_code, threshold["crossed"], threshold["note"]) == (
        0, False, "cost unknown in NEW: 1 LLM call unpriced")


def test_runs_of_known_cost_compare_their_costs(tmp_path):
    base, new = run(tmp_path / "base.jsonl"), run(tmp_path / "new.jsonl", run_id="20261122-100000-bbbbbb")
    result = diff(tmp_path, base, new, "--fail-on", "cost>+10%", "--format", "json")
    assert (result.exit_code, cost_change(result)["delta"]) == (0, 0.0)
