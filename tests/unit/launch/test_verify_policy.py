"""The judged reruns' policy (launch/verifying.py: verify's tries, bisect's probes), per component: what a miss does,
where a live LLM request goes, which calls that run for real keep the network, and why the network may be used at
all, from `--base-url`, `--live` and `--live-requests`."""

from __future__ import annotations

import pytest

from namel3ss_debug.launch.verifying import bisecting, verifying
from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.rerun.policy import LiveCalls, Policy

COMPONENTS = ("llm", "tool", "http")
BASE = "http://127.0.0.1:8001"


def test_verify_matches_strictly_and_runs_the_apps_tools_whatever_its_options() -> None:
    for policy in (verifying(LiveCalls()), verifying(LiveCalls(BASE, requests=True))):
        assert (policy.strict, policy.live_tools, policy.on_miss, policy.match) == (True, True, "error", "call")


def test_without_options_every_miss_stops_the_run_and_no_call_keeps_the_network() -> None:
    policy = verifying(LiveCalls())
    assert [policy.on_miss_for(component, False) for component in COMPONENTS] == ["error", "error", "error"]
    assert [policy.keeps_network(component) for component in COMPONENTS] == [False, False, False]
    assert policy.why_network(stepping=False) is None
    assert policy.live_url("https://api.openai.com/v1/chat/completions") == "https://api.openai.com/v1/chat/completions"


def test_a_base_url_lets_only_llm_misses_out_and_sends_them_there() -> None:
    policy = verifying(LiveCalls(BASE))
    assert [policy.on_miss_for(component, False) for component in COMPONENTS] == ["live", "error", "error"]
    assert [policy.keeps_network(component) for component in COMPONENTS] == [True, False, False]
    assert policy.live_url("https://api.openai.com/v1/chat/completions?x=1") == f"{BASE}/v1/chat/completions?x=1"
    assert policy.why_network(stepping=False) == "--base-url: an LLM call the recording cannot answer goes live"


def test_live_sends_llm_misses_where_the_app_sent_them_and_nothing_else() -> None:
    policy = verifying(LiveCalls(own=True))
    assert [policy.on_miss_for(component, False) for component in COMPONENTS] == ["live", "error", "error"]
    assert [policy.keeps_network(component) for component in COMPONENTS] == [True, False, False]
    assert policy.live_url("https://api.openai.com/v1/chat/completions") == "https://api.openai.com/v1/chat/completions"
    assert policy.why_network(stepping=False) == \
        "--live: an LLM call the recording cannot answer goes to the endpoint the app called"


def test_live_and_base_url_together_are_a_usage_error_and_a_bad_url_too() -> None:
    with pytest.raises(UsageError, match="--live and --base-url"):
        LiveCalls(BASE, own=True).check()
    with pytest.raises(UsageError, match="not an http"):
        LiveCalls("ftp://x").check()
    LiveCalls(BASE).check()


def test_bisect_matches_as_a_plain_rerun_with_its_fallback_and_the_same_live_calls() -> None:
    def fallback(live: object, codec: object, generator: bool) -> None:
        return None

    policy = bisecting(LiveCalls(own=True), fallback)
    assert (policy.strict, policy.live_tools, policy.fallback) == (False, False, fallback)
    assert [policy.on_miss_for(component, False) for component in COMPONENTS] == ["live", "error", "error"]
    assert [bisecting(LiveCalls(), fallback).on_miss_for(component, False) for component in COMPONENTS] == \
        ["error", "error", "error"]


def test_live_requests_lets_every_other_miss_out_but_not_an_llm_calls() -> None:
    policy = verifying(LiveCalls(requests=True))
    assert [policy.on_miss_for(component, False) for component in COMPONENTS] == ["error", "live", "live"]
    assert [policy.keeps_network(component) for component in COMPONENTS] == [False, True, True]
    assert policy.why_network(stepping=False) == "--live-requests: what the app's tools send goes out for real"


def test_a_plain_rerun_says_why_its_calls_may_use_the_network() -> None:
    assert Policy().why_network(stepping=False) is None
    assert Policy().why_network(stepping=True) == "the rerun's console can run a call live"
    assert Policy(on_miss="live").why_network(stepping=False) == \
        "--on-miss live: a call the recording cannot answer runs for real"
    assert Policy(live_tools=True).why_network(stepping=False) == \
        "--live-tools: tool bodies run for real, with the network"
    assert [Policy().keeps_network(component) for component in COMPONENTS] == [True, True, True]
