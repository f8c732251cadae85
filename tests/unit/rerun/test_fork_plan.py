"""The fork's plan (rerun/fork.py): what it changes in a request, and where a live one goes."""

from __future__ import annotations

import pytest

from namel3ss_debug.rerun.fork import ForkError, ForkPlan, fork_plan, rebased


def test_a_base_url_takes_the_origin_and_puts_its_path_before_the_requests():
    assert rebased("https://api.openai.com/v1/chat/completions?x=1", "https://api.groq.com/openai/") == \
        "https://api.groq.com/openai/v1/chat/completions?x=1"
    assert rebased("https://api.openai.com/v1/responses", "http://127.0.0.1:9000") == \
        "http://127.0.0.1:9000/v1/responses"


def test_ask_changes_the_fork_call_only_and_model_every_call_from_it_on():
    body = {"model": "a", "messages": [{"role": "user", "content": "hi"}]}
    ask = ForkPlan("llm:openai.chat#1", "ask", [{"role": "user", "content": "bye"}])
    assert ask.request("openai.chat", body, "u", True, True)[0]["messages"] == [{"role": "user", "content": "bye"}]
    assert ask.request("openai.chat", body, "u", False, True)[0] == body
    model = ForkPlan("llm:openai.chat#1", "model", model="b")
    assert model.request("anthropic.messages", body, "u", False, True)[0]["model"] == "b"
    assert model.request("openai.chat", body, "u", False, False) == (body, "u")  # before the fork: as the app made it
    assert ForkPlan("llm:openai.responses#1", "ask", ["x"]).request("openai.responses", {"input": "q"}, "u", True,
                                                                    True)[0] == {"input": ["x"]}


def test_once_forked_a_tool_runs_for_real_and_a_request_goes_live_unless_offline():
    live, offline = ForkPlan("llm:x#1", "answer", "v"), ForkPlan("llm:x#1", "answer", "v", offline=True)
    assert live.on_miss("llm", "error", forked=True) == "live"
    assert offline.on_miss("llm", "error", forked=True) == "error"
    assert live.on_miss("http", "error", forked=True) == "live"
    assert offline.on_miss("http", "error", forked=True) == "error"
    assert live.on_miss("tool", "error", forked=True) == "live"  # what the changed answer asked for
    assert offline.on_miss("tool", "error", forked=True) == "live"  # a tool's body runs, its requests stay closed
    assert live.on_miss("llm", "error", forked=False) == "error"  # before the fork: --on-miss
    assert live.on_miss("tool", "error", forked=False) == "error"


def test_a_plan_says_its_lineage():
    assert fork_plan("llm:openai.chat#2", {"model": "m"}, False, None).lineage() == \
        {"call": "llm:openai.chat#2", "change": "model", "model": "m"}
    assert fork_plan("llm:openai.chat#2", {}, False, None).change == "resample"
    with pytest.raises(ForkError, match="a call number"):
        fork_plan("llm:openai.chat#0", {}, False, None)
