"""The fork as the rerun's policy (rerun/fork_policy.py): the plain rerun changes no call, the fork changes its own
and says what follows; `diagnose --experiment`'s judged fork keeps the judged rule for misses and the network."""

from __future__ import annotations

from namel3ss_debug.launch.verifying import reasking
from namel3ss_debug.rerun.fork import ForkPlan
from namel3ss_debug.rerun.fork_policy import ForkPolicy, rerun_policy
from namel3ss_debug.rerun.policy import LiveCalls, Policy

BASE = "http://127.0.0.1:8001"
URL = "https://api.openai.com/v1/chat/completions"


def test_without_a_fork_the_rerun_policy_changes_no_call_and_sends_none_for_real() -> None:
    policy = rerun_policy("inputs", "live", True, None)
    assert type(policy) is Policy
    assert (policy.match, policy.on_miss, policy.live_tools) == ("inputs", "live", True)
    assert (policy.change_at("llm", "chat", 1), policy.changed_answer(), policy.change_text) == (None, None, None)
    assert not policy.sends("llm", True, True)
    assert policy.request("openai.chat", {"model": "a"}, URL, False, False) == ({"model": "a"}, URL)
    assert (policy.changed(reached=False, parted=True), policy.changed(reached=True, parted=False)) == (True, False)


def test_a_fork_changes_its_own_call_and_answers_it_with_the_given_answer() -> None:
    policy = rerun_policy("call", "error", False, ForkPlan("llm:chat#2", "answer", "Take an umbrella."))
    assert isinstance(policy, ForkPolicy)
    assert (policy.change_at("llm", "chat", 2), policy.change_at("llm", "chat", 1)) == ("llm:chat#2", None)
    answer = policy.changed_answer()
    assert answer is not None and (answer.key.text, answer.value) == ("llm:chat#2", "Take an umbrella.")
    assert not policy.sends("llm", True, True)  # an answer is given, not sent
    assert (policy.changed(reached=False, parted=True), policy.changed(reached=True, parted=False)) == (False, True)


def test_past_a_forks_call_a_tool_runs_for_real_and_an_llm_call_goes_live_unless_offline() -> None:
    live = ForkPolicy(plan=ForkPlan("llm:chat#1", "resample"))
    offline = ForkPolicy(plan=ForkPlan("llm:chat#1", "answer", "v", offline=True))
    assert [live.on_miss_for(component, True) for component in ("llm", "tool")] == ["live", "live"]
    assert [offline.on_miss_for(component, True) for component in ("llm", "tool")] == ["error", "live"]
    assert live.on_miss_for("llm", False) == "error"  # before the fork: --on-miss's
    assert live.sends("llm", True, True) and not live.sends("llm", False, True)
    assert live.why_network(stepping=False) is not None and offline.why_network(stepping=False) is None


def test_an_experiments_fork_reasks_from_its_point_with_the_judged_rule_for_misses() -> None:
    policy = reasking(LiveCalls(BASE), "llm:chat#2")
    assert policy.change_at("llm", "chat", 2) == "llm:chat#2"
    assert policy.sends("llm", False, True) and not policy.sends("llm", False, False)  # every LLM call after it
    assert [policy.on_miss_for(component, True) for component in ("llm", "tool", "http")] == ["live", "live", "error"]
    assert policy.request("openai.chat", {}, URL, True, True) == ({}, f"{BASE}/v1/chat/completions")
    assert policy.why_network(stepping=False) == "--base-url: an LLM call the recording cannot answer goes live"
