"""One figure, one place: every screen shows a run's cost, tokens and errors (handled and unhandled) as `analyze`
computes them.

Each example app is traced offline by the real CLI (as `test_examples_trace.py` does), then read by every screen:
`trace`'s summary, `analyze --format json`, `check`, `diff` of the run against itself, the report page's embedded
data and the OTLP JSON export. The examples' models are priced by `price_overrides` (recorded on each call);
`openai_app.py`'s gpt-4o-mini by genai-prices alone, as outside this repository, which the export prices too.
Two apps written here fail on purpose: one survives its tool's KeyError (handled), one does not (unhandled).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.main import cli
from namel3ss_debug.render.analyze.format import cost as cost_text

REPO = Path(__file__).resolve().parents[2]
PRICED = {"price_overrides": {"fake-gpt": {"input": 0.15, "output": 0.6},
                              "fake-gpt-mini": {"input": 0.05, "output": 0.2}}}
HANDLED_APP = '''
from namel3ss_debug import trace_tool_call

@trace_tool_call
def lookup(key):
    return {"a": 1}[key]

for key in ("a", "b"):
    try:
        lookup(key)
    except KeyError:
        print("could not look", key, "up")
'''
CRASHING_APP = HANDLED_APP + "\nlookup('c')\n"
APPS = {  # app -> (script, config, expected (errors, handled, unhandled))
    "research_agent": ("examples/research_agent.py", PRICED, (1, 1, 0)),
    "chain_app": ("examples/chain_app.py", PRICED, None),
    "async_multi_agent": ("examples/async_multi_agent.py", PRICED, None),
    "openai_app": ("examples/openai_app.py", {}, (0, 0, 0)),
    "handled_app": (HANDLED_APP, {}, (1, 1, 0)),
    "crashing_app": (CRASHING_APP, {}, (2, 1, 1)),
}


@dataclass
class Figures:
    """What one screen says of a run: cost (None: unknown), input, output and total tokens, and errors."""

    cost: float | None
    tokens: tuple[int, int, int] | None  # in, out, total; None where a screen does not show them
    errors: tuple[int, int, int] | None  # all, handled, unhandled


@dataclass
class Traced:
    trace: Path
    config: Path
    summary: str  # what `trace` printed on stderr


@pytest.fixture(scope="module", params=list(APPS))
def traced(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Traced:
    script, config, _ = APPS[request.param]
    root = tmp_path_factory.mktemp(request.param)
    (root / "debug.json").write_text(json.dumps(config), encoding="utf-8")
    if not script.endswith(".py"):
        (root / "app.py").write_text(script, encoding="utf-8")
        script = str(root / "app.py")
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "--config", str(root / "debug.json"),
                           "-o", str(root / "traces"), script], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    (trace,) = sorted((root / "traces").glob("*.jsonl"))
    return Traced(trace, root / "debug.json", done.stderr)


def command(traced: Traced, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--config", str(traced.config)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def analyzed(traced: Traced) -> tuple[dict[str, Any], Figures]:
    report = json.loads(command(traced, "analyze", str(traced.trace), "--no-cache", "--format", "json"))
    return report, from_report(report)


def from_report(report: dict[str, Any]) -> Figures:
    llm, errors = report["llm"], report["errors"]
    return Figures(llm["cost_usd"], (llm["input_tokens"], llm["output_tokens"], llm["total_tokens"]),
                   (errors["total"], errors["handled"], errors["unhandled"]))


def test_analyze_counts_the_errors_each_app_had(traced: Traced, request: pytest.FixtureRequest) -> None:
    expected = APPS[request.node.callspec.params["traced"]][2]
    _, figures = analyzed(traced)
    if expected is not None:
        assert figures.errors == expected
    assert figures.errors[0] == figures.errors[1] + figures.errors[2]


def test_the_trace_summary_shows_analyzes_figures(traced: Traced) -> None:
    report, figures = analyzed(traced)
    tokens = re.search(r"^llm calls\s+\d+\s+tokens (\d+) \(in (\d+), out (\d+)\)(?:\s+cost (.+?))?(?:\s{2}|$)",
                       traced.summary, re.M)
    assert tokens is not None, traced.summary
    assert (int(tokens[2]), int(tokens[3]), int(tokens[1])) == figures.tokens
    if report["llm"]["calls"]:
        assert tokens[4] == cost_text(figures.cost, report["llm"]["unpriced_calls"])
    errors = re.search(r"^errors\s+(\d+) errors?(?: \((\d+) handled, (\d+) unhandled\))?,", traced.summary, re.M)
    assert errors is not None, traced.summary
    assert tuple(int(n or 0) for n in errors.groups()) == figures.errors


def test_check_judges_analyzes_figures(traced: Traced) -> None:
    report, figures = analyzed(traced)
    out = json.loads(command(traced, "check", str(traced.trace), "--max-errors", "0", "--max-unhandled-errors", "0",
                             "--max-tokens", "0", "--max-cost", "0", "--format", "json"))
    results = {result["key"]: result for result in out["runs"][0]["results"]}
    values = {key: result["value_number"] for key, result in results.items()}
    assert (values["max_errors"], values["max_unhandled_errors"], values["max_tokens"]) == (
        figures.errors[0], figures.errors[2], figures.tokens[2])
    if figures.cost is not None:
        assert values["max_cost"] == figures.cost
    elif not report["llm"]["calls"]:  # no LLM call: nothing to pay
        assert results["max_cost"]["value"] == "$0.00"
    else:  # nothing priced: a lower bound of nothing, or unknown; never a cost of its own
        assert results["max_cost"]["value"] in ("at least $0.00", "cost unknown")


def test_diff_against_itself_shows_analyzes_figures_on_both_sides(traced: Traced) -> None:
    report, figures = analyzed(traced)
    out = json.loads(command(traced, "diff", str(traced.trace), str(traced.trace), "--no-cache", "--format", "json"))
    overview = {change["metric"]: (change["base"], change["new"]) for change in out["overview"]}
    for metric, figure in (("tokens", figures.tokens[2]), ("errors", figures.errors[0]),
                           ("handled_errors", figures.errors[1]), ("unhandled_errors", figures.errors[2])):
        assert overview[metric] == (figure, figure), metric
    cost = None if report["llm"]["unpriced_calls"] else figures.cost  # a lower bound is not compared
    assert overview["cost"] == (cost, cost)


def test_the_report_page_embeds_analyzes_figures(traced: Traced, tmp_path: Path) -> None:
    _, figures = analyzed(traced)
    command(traced, "report", str(traced.trace), "-o", str(tmp_path / "page.html"))
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="n3-data">(.*?)</script>', page, re.S)[1])
    assert from_report(data["runs"][0]["analysis"]) == figures


def test_the_export_carries_the_tokens_and_costs_analyze_counts(traced: Traced, tmp_path: Path) -> None:
    """The export holds each call's tokens and its cost: the one it recorded, else the one analyze gives it
    (a call priced only when read, by genai-prices, is priced the same in the export)."""
    report, figures = analyzed(traced)
    command(traced, "export", str(traced.trace), "--to", "otlp-json", str(tmp_path / "run.otlp.jsonl"))
    tokens_in = tokens_out = 0
    costs: list[float] = []
    for span in exported_spans(tmp_path / "run.otlp.jsonl"):
        if span.get("namel3ss.component") != "llm":
            continue
        tokens_in += span.get("gen_ai.usage.input_tokens", 0)
        tokens_out += span.get("gen_ai.usage.output_tokens", 0)
        if "namel3ss.cost_usd" in span:
            costs.append(span["namel3ss.cost_usd"])
    assert (tokens_in, tokens_out) == figures.tokens[:2]
    assert len(costs) == report["llm"]["calls"] - report["llm"]["unpriced_calls"]
    if costs:
        assert sum(costs) == pytest.approx(figures.cost, rel=1e-12)


def exported_spans(path: Path) -> list[dict[str, Any]]:
    """Each exported span's attributes as {key: value}."""
    spans = []
    for line in path.read_text(encoding="utf-8").splitlines():
        for resource in json.loads(line)["resourceSpans"]:
            for scope in resource["scopeSpans"]:
                spans.extend({item["key"]: _value(item["value"]) for item in span.get("attributes", [])}
                             for span in scope["spans"])
    return spans


def _value(value: dict[str, Any]) -> Any:
    (kind, raw), = value.items()
    return int(raw) if kind == "intValue" else raw
