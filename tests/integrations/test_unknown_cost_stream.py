"""A real streamed chat completion made without `include_usage`, recorded at the openai SDK's HTTP client
against the stub server: the stream brings no usage, so its cost is unknown. `analyze` counts it unpriced
(`no_usage`), never as a call priced at $0, and `check --max-cost` fails saying the cost cannot be judged."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("openai", reason="the openai SDK is not installed: pip install openai")

pytestmark = pytest.mark.frameworks  # a subprocess app with the openai SDK

APP = """
import os, openai

client = openai.OpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], max_retries=0)
question = [{"role": "user", "content": "What is the capital of France"}]
reply = client.chat.completions.create(model="gpt-4o-mini", messages=question)
print("plain:", reply.choices[0].message.content)
counted = client.chat.completions.create(model="gpt-4o-mini", messages=question, stream=True,
                                         stream_options={"include_usage": True})
print("counted:", "".join(c.choices[0].delta.content or "" for c in counted if c.choices))
streamed = client.chat.completions.create(model="gpt-4o-mini", messages=question, stream=True)
print("streamed:", "".join(c.choices[0].delta.content or "" for c in streamed if c.choices))
"""


@pytest.fixture(scope="module")
def recorded(module_cli):
    """The app traced against the stub: (the Cli, the run's trace file)."""
    traced = module_cli.trace(APP)
    assert traced.returncode == 0, traced.stderr
    assert traced.printed["streamed"] == traced.printed["counted"] != [""]
    (path,) = sorted(traced.directory.glob("*.jsonl"))
    return module_cli, str(path)


def test_the_stream_without_include_usage_records_no_usage(recorded):
    _, path = recorded
    ends = [json.loads(line) for line in open(path, encoding="utf-8")]
    ends = [e for e in ends if e["event_type"] == "llm_call_end"]
    assert [bool(e.get("usage")) for e in ends] == [True, True, False]
    assert [e.get("model") for e in ends] == ["gpt-4o-mini"] * 3 and not [e for e in ends if "cost_usd" in e]


def test_analyze_reports_the_stream_unpriced_and_the_cost_a_lower_bound(recorded):
    cli, path = recorded
    done = cli.run("analyze", path, "--format", "json", "--no-cache")
    assert done.returncode == 0, done.stderr
    llm = json.loads(done.stdout)["llm"]
    (model,) = llm["models"]
    assert model["priced_by"] == {"genai-prices": 2, "no_usage": 1}  # was {"genai-prices": 3}: priced at $0
    assert (llm["calls"], llm["unpriced_calls"], llm["no_usage_calls"]) == (3, 1, 1)
    assert llm["cost_usd"] == model["cost_usd"] > 0  # the two calls that reported usage, alone
    health = json.loads(done.stdout)["health"]
    assert health["notes"] == ["1 LLM call recorded no usage (a stream made without include_usage reports none), "
                               "so the cost is a lower bound"]


@pytest.mark.parametrize("limit", ["0.000000001", "100"])  # under the priced calls' cost, and far over it
def test_check_max_cost_fails_saying_the_cost_cannot_be_judged(recorded, limit):
    cli, path = recorded
    done = cli.run("check", path, "--max-cost", limit, "--format", "json")
    (rule,) = json.loads(done.stdout)["runs"][0]["results"]
    assert (done.returncode, rule["passed"], rule["value"].startswith("at least $")) == (1, False, True), done.stderr
    assert rule["details"][0].startswith("1 LLM call recorded no usage, so the cost cannot be judged")
