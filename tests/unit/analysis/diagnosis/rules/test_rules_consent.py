"""`unconfirmed_action` (`rules/consent.py`, `consent.py`): the system prompt requires the user's yes before an
action and the model asked for one without it, in each API's request shape; and what looks alike but is not (the
user said yes, a tool that changes nothing, a prompt that asks for no confirmation, a confirmation number)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.findingtraces import findings_of
from support.tracefactory import TraceBuilder
from namel3ss_debug.analysis.diagnosis.notes.consent import instruction_in, says_yes

POLICY = ("You are a retail agent. Before you cancel or modify an order you must list the details and obtain "
          "explicit user confirmation (yes) to proceed.")
ASKED = "Please cancel order #W1, I don't need it."


def chat(system: str, *users: str) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": system},
                                                 *({"role": "user", "content": said} for said in users)]}


def anthropic(system: str, user: str) -> dict[str, Any]:
    """Anthropic's shape: the system apart, and a tool result sent as a user message (not the user's words)."""
    return {"model": "claude", "system": [{"type": "text", "text": system}],
            "messages": [{"role": "user", "content": [{"type": "text", "text": user}]},
                         {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "get_order",
                                                            "input": {}}]},
                         {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
                                                       "content": "yes: order found"}]}]}


def responses(system: str, user: str) -> dict[str, Any]:
    return {"model": "gpt-4o", "instructions": system,
            "input": [{"role": "user", "content": [{"type": "input_text", "text": user}]}]}


def gemini(system: str, user: str) -> dict[str, Any]:
    return {"systemInstruction": {"parts": [{"text": system}]},
            "contents": [{"role": "user", "parts": [{"text": user}]}]}


def run(path: Path, request: dict[str, Any], tool: str = "cancel_pending_order") -> Path:
    """One agent: a model call with `request` whose answer asks for `tool`, then the tool."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "support")
    llm = trace.start("llm", "openai.chat", agent, inputs=request)
    trace.end(llm, 5, outputs={"text": None, "tool_calls": [{"id": "call_1", "name": tool,
                                                             "arguments": '{"order_id": "#W1"}'}]})
    ran = trace.start("tool", tool, agent, inputs={"order_id": "#W1"})
    trace.end(ran, 2, outputs={"return": "done"}, attrs={"tool_call_id": "call_1", "llm_span_id": llm})
    trace.end(agent, 1)
    trace.run_end()
    return trace.write(path)


@pytest.mark.parametrize("request_", [chat(POLICY, ASKED), anthropic(POLICY, ASKED), responses(POLICY, ASKED),
                                      {"model": "gpt-4o", "instructions": POLICY, "input": ASKED},
                                      gemini(POLICY, ASKED)],
                         ids=["chat", "anthropic", "responses", "responses-text", "gemini"])
def test_an_action_asked_for_before_the_user_said_yes_is_the_finding(tmp_path: Path, request_: dict) -> None:
    [finding] = findings_of(run(tmp_path / "run.jsonl", request_), "unconfirmed_action")
    assert (finding.severity, finding.confidence, finding.agent) == ("warning", "medium", "support")
    assert [item.address for item in finding.evidence] == ["llm:openai.chat#1", "tool:cancel_pending_order#1"]
    assert "Please cancel order #W1, I don't need it." in finding.why and "which says no yes" in finding.why
    assert finding.figures == {"count": 1.0}


def test_an_action_the_prompt_does_not_name_but_its_verb_tells_is_low(tmp_path: Path) -> None:
    policy = "Always ask the user for explicit confirmation before you make any change to an account."
    [finding] = findings_of(run(tmp_path / "run.jsonl", chat(policy, "Move me to the new address."),
                                "update_address"), "unconfirmed_action")
    assert finding.confidence == "low" and "taken for an action by its verb" in finding.why


@pytest.mark.parametrize(("request_", "tool"), [
    (chat(POLICY, ASKED, "Yes, go ahead."), "cancel_pending_order"),  # the user said yes
    ({"model": "gpt-4o", "instructions": POLICY, "input": "yes, cancel it"}, "cancel_pending_order"),
    (chat(POLICY, ASKED), "get_order_details"),  # no action: it changes nothing
    (chat("You are a retail agent. Cancel orders when asked.", ASKED), "cancel_pending_order"),  # no such rule
    (chat("Give the user the confirmation number the tool returns.", ASKED), "cancel_pending_order"),
], ids=["confirmed", "confirmed-text", "lookup", "no-rule", "confirmation-number"])
def test_what_looks_alike_is_no_finding(tmp_path: Path, request_: dict, tool: str) -> None:
    assert findings_of(run(tmp_path / "run.jsonl", request_, tool), "unconfirmed_action") == []


def test_the_rules_words() -> None:
    assert instruction_in("Be kind.\nNever delete a file without the user's permission.") == \
        "Never delete a file without the user's permission."
    assert instruction_in("We confirm every order by email.") is None
    assert [says_yes(said) for said in ("yes", "Sure, do it.", "no, don't", "Wait, not yet.", "cancel it")] == \
        [True, True, False, False, False]
