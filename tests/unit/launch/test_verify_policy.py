"""verify's policy (launch/verifying.py), per component: what a miss does, where a live LLM request goes, which calls
that run for real keep the network, and why the network may be used at all, from `--base-url` and `--live-tools`."""

from __future__ import annotations

from namel3ss_debug.launch.verifying import verifying
from namel3ss_debug.rerun.policy import Policy

COMPONENTS = ("llm", "tool", "http")
BASE = "http://127.0.0.1:8001"


def test_verify_matches_strictly_and_runs_the_apps_tools_whatever_its_options() -> None:
    for policy in (verifying(None, False), verifying(BASE, True)):
        assert (policy.strict, policy.live_tools, policy.on_miss, policy.match) == (True, True, "error", "call")


def test_without_options_every_miss_stops_the_run_and_no_call_keeps_the_network() -> None:
    policy = verifying(None, False)
    assert [policy.on_miss_for(component, False) for component in COMPONENTS] == ["error", "error", "error"]
    assert [policy.keeps_network(component) for component in COMPONENTS] == [False, False, False]
    assert policy.why_network(stepping=False) is None
    assert policy.live_url("https://api.openai.com/v1/chat/completions") == "https://api.openai.com/v1/chat/completions"


def test_a_base_url_lets_only_llm_misses_out_and_sends_them_there() -> None:
    policy = verifying(BASE, False)
    assert [policy.on_miss_for(component, False) for component in COMPONENTS] == ["live", "error", "error"]
    assert [policy.keeps_network(component) for component in COMPONENTS] == [True, False, False]
    assert policy.live_url("https://api.openai.com/v1/chat/completions?x=1") == f"{BASE}/v1/chat/completions?x=1"
    assert policy.why_network(stepping=False) == "--base-url: an LLM call the recording cannot answer goes live"


def test_live_tools_lets_every_other_miss_out_but_not_an_llm_calls() -> None:
    policy = verifying(None, True)
    assert [policy.on_miss_for(component, False) for component in COMPONENTS] == ["error", "live", "live"]
    assert [policy.keeps_network(component) for component in COMPONENTS] == [False, True, True]
    assert policy.why_network(stepping=False) == "--live-tools: what the app's tools send goes out for real"


def test_a_plain_rerun_says_why_its_calls_may_use_the_network() -> None:
    assert Policy().why_network(stepping=False) is None
    assert Policy().why_network(stepping=True) == "the rerun's console can run a call live"
    assert Policy(on_miss="live").why_network(stepping=False) == \
        "--on-miss live: a call the recording cannot answer runs for real"
    assert Policy(live_tools=True).why_network(stepping=False) == \
        "--live-tools: tool bodies run for real, with the network"
    assert [Policy().keeps_network(component) for component in COMPONENTS] == [True, True, True]
