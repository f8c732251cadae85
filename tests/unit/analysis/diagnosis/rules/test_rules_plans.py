"""`plan_step_skipped` (`rules/plans.py`, `plans.py`): a step of the model's own plan names a tool, no call of it
started, and the agent went on; and what looks alike but is not (every step carried out, a step done before the
plan, a plan replaced by a new one, a list that is no plan, a run cut short, a step carried out by a tool the
`--component` filter leaves out)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from support.findingtraces import findings_of
from support.tracefactory import TraceBuilder
from namel3ss_debug.analysis.diagnosis.notes.plans import plan_items, tools_named

TOOLS = [{"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
         for name in ("get_order", "issue_refund", "send_email")]
PLAN = ("Here is my plan:\n1. Look the order up with get_order.\n2. Refund it with issue_refund.\n"
        "3. Email the customer the receipt with send_email.")


def run(path: Path, answers: list[tuple[Optional[str], list[str]]], *, ended: bool = True,
        before: tuple[str, ...] = ()) -> Path:
    """One agent: the tools in `before`, then for each answer a model call (offered TOOLS) whose answer says its
    text and asks for its tools, each of which then runs."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "support")
    for name in before:
        trace.end(trace.start("tool", name, agent, inputs={}), 1, outputs={"return": "ok"})
    for number, (text, asks) in enumerate(answers):
        llm = trace.start("llm", "openai.chat", agent, inputs={"model": "gpt-4o", "tools": TOOLS, "messages": [
            {"role": "user", "content": "Refund order #W1 and send me the receipt."}]})
        calls = [{"id": f"call_{number}_{index}", "name": name, "arguments": "{}"} for index, name in enumerate(asks)]
        trace.end(llm, 5, outputs={"text": text, "tool_calls": calls})
        for call in calls:
            ran = trace.start("tool", call["name"], agent, inputs={})
            trace.end(ran, 2, outputs={"return": "ok"}, attrs={"tool_call_id": call["id"], "llm_span_id": llm})
    if ended:
        trace.end(agent, 1)
        trace.run_end()
    return trace.write(path)


SKIPPING = [(PLAN, ["get_order"]), (None, ["issue_refund"]), ("Your order #W1 has been refunded.", [])]


def test_a_step_of_the_plan_no_call_carried_out_is_the_finding_at_the_answer_that_went_on_without_it(
        tmp_path: Path) -> None:
    [finding] = findings_of(run(tmp_path / "run.jsonl", SKIPPING), "plan_step_skipped")
    assert (finding.severity, finding.confidence, finding.agent) == ("warning", "medium", "support")
    assert finding.title == "step 3 of the plan llm:openai.chat#1 wrote (send_email) was never carried out"
    assert [item.address for item in finding.evidence] == ["llm:openai.chat#3"]
    assert "'Email the customer the receipt with send_email.'" in finding.why
    assert "no call of send_email started before or after the plan" in finding.why
    assert finding.figures == {"count": 1.0}


def test_a_step_that_names_the_tool_by_its_words_only_is_low(tmp_path: Path) -> None:
    plan = "Plan:\n1. Get the order.\n2. Issue the refund.\n3. Send the email with the receipt."
    [finding] = findings_of(run(tmp_path / "run.jsonl", [(plan, ["get_order"]), (None, ["issue_refund"]),
                                                         ("Refunded.", [])]), "plan_step_skipped")
    assert finding.confidence == "low" and "reads as the tool send_email" in finding.why


def test_every_step_carried_out_is_no_finding(tmp_path: Path) -> None:
    answers = [(PLAN, ["get_order"]), (None, ["issue_refund", "send_email"]), ("Done: refunded and emailed.", [])]
    assert findings_of(run(tmp_path / "run.jsonl", answers), "plan_step_skipped") == []


def test_a_step_done_before_the_plan_is_left_out(tmp_path: Path) -> None:
    """The item may tell what was done: a summary written as a list is no plan to carry out."""
    path = run(tmp_path / "run.jsonl", SKIPPING, before=("send_email",))
    assert findings_of(path, "plan_step_skipped") == []


def test_a_new_plan_replaces_the_last(tmp_path: Path) -> None:
    replan = "New plan, the customer wants no email:\n1. Refund with issue_refund.\n2. Then answer."
    answers = [(PLAN, ["get_order"]), (replan, ["issue_refund"]), ("Refunded.", [])]
    assert findings_of(run(tmp_path / "run.jsonl", answers), "plan_step_skipped") == []


def test_a_plan_its_agent_did_not_go_on_after_and_a_run_cut_short_are_no_finding(tmp_path: Path) -> None:
    assert findings_of(run(tmp_path / "last.jsonl", [(PLAN, ["get_order"])]), "plan_step_skipped") == []
    assert findings_of(run(tmp_path / "cut.jsonl", SKIPPING, ended=False), "plan_step_skipped") == []


def test_tool_calls_count_whatever_the_component_filter_keeps(tmp_path: Path) -> None:
    answers = [(PLAN, ["get_order"]), (None, ["issue_refund", "send_email"]), ("Done.", [])]
    path = run(tmp_path / "run.jsonl", answers)
    assert findings_of(path, "plan_step_skipped", components=("llm",)) == []
    assert findings_of(run(tmp_path / "skip.jsonl", SKIPPING), "plan_step_skipped", components=("llm",)) != []


def test_what_is_a_plan_and_which_tools_its_steps_name() -> None:
    assert plan_items("Results:\n- 21C in Paris\n- 18C in Lyon") == ()  # no plan's words
    assert plan_items("I will look it up.\n1. get_order") == ()  # one item is no list
    assert plan_items("Steps:\n* search flights\n* book_flight(cheapest)") == ("search flights",
                                                                              "book_flight(cheapest)")
    tools = ["search", "book_flight", "Editor.create_file", "get_order_details"]
    assert tools_named("Search the web", tools) == []  # a one-word name only as code
    assert tools_named("call search(query)", tools) == [("search", True)]
    assert tools_named("Create the file solution.py", tools) == [("Editor.create_file", False)]
    assert tools_named("Get the order's details", tools) == [("get_order_details", False)]
    assert tools_named("The details of the order: get them", tools) == []  # not in the name's order
