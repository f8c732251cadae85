"""The fork as the rerun's policy (rerun/fork_policy.py): the plain rerun changes no call, the fork changes its own
and says what follows; `diagnose --experiment`'s judged fork keeps the judged rule for misses and the network.
Around the run, the use case asks the same questions of both, and the plain rerun's answers are neutral."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from namel3ss_debug.launch.verifying import reasking
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.recording.call_paths import PathTable
from namel3ss_debug.recording.calls import Recording
from namel3ss_debug.rerun.candidates import Miss
from namel3ss_debug.rerun.fork import ForkError, ForkPlan
from namel3ss_debug.rerun.fork_policy import ForkPolicy, rerun_policy
from namel3ss_debug.rerun.network import GUARD, Network
from namel3ss_debug.rerun.policy import LiveCalls, Policy

from support.tracefactory import TraceBuilder

BASE = "http://127.0.0.1:8001"
URL = "https://api.openai.com/v1/chat/completions"
MISS = Miss("llm:chat#3", "app:app.py#1/llm:chat#3", None, "no recorded answer")


@dataclass(frozen=True)
class Ended:
    """What a rerun's exit code is read from, as its report holds it."""

    exit_code: int
    misses: tuple[Miss, ...] = ()
    network: Network | None = None


def one_chat() -> Recording:
    """A recording of one LLM call, `llm:openai.chat#1`, sent to api.openai.com."""
    trace = TraceBuilder()
    trace.run_start()
    span = trace.start("llm", "openai.chat")
    trace.events[-1]["attrs"] = {"http": {"url": URL}}
    trace.end(span, 5)
    trace.run_end()
    return Recording(timeline_of(trace.events, "old.jsonl"), PathTable())


def heard(policy: Policy) -> list[tuple[str, tuple[str, ...], bool]]:
    told: list[tuple[str, tuple[str, ...], bool]] = []
    policy.going_live(one_chat().timeline, lambda call, endpoints, given: told.append((call, endpoints, given)))
    return told


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


def test_around_the_run_a_plain_reruns_answers_are_neutral() -> None:
    policy = rerun_policy("call", "error", False, None)
    policy.check(one_chat())  # nothing to check: no change
    assert (heard(policy), policy.lineage()) == ([], {})
    assert [policy.exit_code(Ended(code, (MISS,)), 0) for code in (0, 1, 2)] == [0, 1, 2]  # the report's own


def test_a_fork_at_a_call_the_recording_lacks_is_refused_before_the_app_runs() -> None:
    policy = rerun_policy("call", "error", False, ForkPlan("llm:openai.chat#2", "resample"))
    with pytest.raises(ForkError, match="names no recorded call"):
        policy.check(one_chat())
    rerun_policy("call", "error", False, ForkPlan("llm:openai.chat#1", "resample")).check(one_chat())


def test_a_fork_says_where_it_goes_live_and_names_itself_in_the_lineage() -> None:
    recorded = ForkPolicy(plan=ForkPlan("llm:openai.chat#1", "model", model="m"))
    based = ForkPolicy(plan=ForkPlan("llm:openai.chat#1", "resample", base_url=BASE))
    offline = ForkPolicy(plan=ForkPlan("llm:openai.chat#1", "answer", "v", offline=True))
    assert heard(recorded) == [("llm:openai.chat#1", ("https://api.openai.com",), False)]
    assert (heard(based), heard(offline)) == ([("llm:openai.chat#1", (BASE,), True)], [])
    assert recorded.lineage() == {"fork": {"call": "llm:openai.chat#1", "change": "model", "model": "m"}}


def test_a_forks_exit_code_fails_on_a_miss_the_apps_failure_or_the_network_not_on_live_calls() -> None:
    policy = ForkPolicy(plan=ForkPlan("llm:chat#1", "resample"))
    reached = Network(GUARD, "the guard", (), reached=1)
    assert policy.exit_code(Ended(1), 0) == 0  # the report's 1 for calls that ran live: what a fork asks for
    assert [policy.exit_code(Ended(1, (MISS,)), 0), policy.exit_code(Ended(0), 3),
            policy.exit_code(Ended(1, network=reached), 0)] == [1, 1, 1]
