"""The join of a part's diagnosis (`diagnosis/parts/join.py`): each condition under which a part is refused, shown
on a run where joining it would leave the diagnosis other than one pass leaves it, and what a part takes from
before its cut (an asking LLM call, a speaker's name) shown where one pass finds it. Each run is read whole and
read with a part from its cut; both give the same report and collector (`splitruns`)."""

from __future__ import annotations

from typing import Any, Optional

from support.splitruns import parted, read_back, whole, written
from support.tracefactory import TraceBuilder, error

INSTRUCTION = "Before you cancel an order you must obtain explicit user confirmation (yes)."


def llm(trace: TraceBuilder, parent: Optional[str] = None, *, system: Optional[str] = None, user: str = "hi",
        tools: tuple[str, ...] = (), text: Optional[str] = None, asks: tuple[tuple[str, str], ...] = (),
        messages: tuple[dict[str, Any], ...] = ()) -> str:
    """One LLM call: its request (a system prompt, messages, the tools offered) and its answer (a text, the tool
    calls it asked for: (call id, tool))."""
    request = {"model": "m", "messages": [*([{"role": "system", "content": system}] if system else []), *messages,
                                          {"role": "user", "content": user}]}
    if tools:
        request["tools"] = [{"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
                            for name in tools]
    span = trace.start("llm", "openai.chat", parent, inputs=request)
    outputs = {"text": text, "finish_reason": "tool_calls" if asks else "stop",
               "tool_calls": [{"id": call_id, "name": name, "arguments": "{}"} for call_id, name in asks]}
    trace.end(span, 10.0, model="m", outputs=outputs, usage={"input_tokens": 100, "output_tokens": 10})
    return span


def tool(trace: TraceBuilder, name: str, parent: Optional[str] = None, *, failed: bool = False,
         start: Optional[dict[str, Any]] = None, end: Optional[dict[str, Any]] = None, result: str = "ok") -> str:
    """One tool call, its attributes on its start and on its end (`tool_call_id`, `llm_span_id`)."""
    span = trace.start("tool", name, parent, inputs={"id": "W1"})
    if start:
        trace.events[-1]["attrs"] = start
    trace.end(span, 5.0, status="failed" if failed else "completed", attrs=end,
              error=error("KeyError", "'W1'") if failed else None, outputs=None if failed else {"return": result})
    return span


def starts_at(trace: TraceBuilder, span_id: str) -> int:
    """The line (from 0) of a span's start: a cut there starts a part at it."""
    return next(at for at, event in enumerate(trace.events) if event["span_id"] == span_id
                and event["event_type"].endswith("_start"))


def read_both(tmp_path, trace: TraceBuilder, cut: int) -> tuple[str, str, int]:
    """The run read whole, and read with a part from line `cut`; and whether the part was joined."""
    path, starts = written(tmp_path, trace.events)
    got, joined = parted(path, starts, [cut])
    return whole(read_back(path)), got, joined


def test_a_part_cut_inside_an_agent_that_is_the_runs_root_is_refused(tmp_path):
    trace = TraceBuilder()
    root = trace.start("agent", "solo")  # no run_start: the agent is the root
    for _ in range(3):
        tool(trace, "get_order", root, failed=True)
    later = tool(trace, "get_order", root, failed=True)
    for _ in range(2):
        tool(trace, "get_order", root, failed=True)
    trace.end(root, 100.0)
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, later))
    assert (got, joined) == (one, 0)  # its steps are the agent's, whom the part does not know


def test_a_part_cut_inside_a_call_that_is_the_runs_root_is_refused(tmp_path):
    trace = TraceBuilder()
    root = trace.start("agent", "alice", kind="agent_turn")  # the root is a turn (a step) of agent alice
    llm(trace, root, text="one")
    later = llm(trace, root, text="two")
    tool(trace, "get_order", root)
    trace.end(root, 50.0, outputs={"return": "two"})
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, later))
    assert (got, joined) == (one, 0)  # its steps are alice's turn's, which the part does not know


def instructed_run(second: Optional[str], first_in_part: Optional[str]) -> tuple[TraceBuilder, str]:
    """A run told to ask before acting; after the cut, a request with `first_in_part` as its system prompt, then one
    with `second`, each asking to cancel an order without a yes."""
    trace = TraceBuilder()
    trace.run_start()
    llm(trace, system=INSTRUCTION, user="Cancel W1", asks=(("call_1", "cancel_order"),))
    tool(trace, "cancel_order", start={"tool_call_id": "call_1"})
    cut = llm(trace, system=first_in_part, user="Cancel W2", asks=(("call_2", "cancel_order"),))
    llm(trace, system=second, user="Cancel W3", asks=(("call_3", "cancel_order"),))
    trace.run_end()
    return trace, cut


def test_a_part_that_finds_another_instruction_to_ask_before_acting_is_refused(tmp_path):
    trace, cut = instructed_run("Before you book a flight you must get the customer's approval.",
                                "Before you book a flight you must get the customer's approval.")
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 0)  # one pass judges its actions by the run's first instruction


def test_a_part_whose_first_request_does_not_say_the_instruction_is_refused(tmp_path):
    trace, cut = instructed_run(INSTRUCTION, None)
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 0)  # one pass reads its first request's action as unconfirmed


def test_a_part_whose_first_request_says_the_same_instruction_is_joined(tmp_path):
    trace, cut = instructed_run(INSTRUCTION, INSTRUCTION)
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 1) and "unconfirmed_action" in one


def test_a_part_past_the_actors_it_counts_is_refused(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    agents: list[str] = []
    for name in ["zed", *(f"agent{number}" for number in range(33)), "zed"]:
        agent = trace.start("agent", name)
        agents.append(agent)
        llm(trace, agent)
        trace.end(agent, 20.0)
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, agents[1]))
    assert (got, joined) == (one, 0)  # zed's call after the part's 32 names is zed's, whom the run knew


def test_a_part_past_the_terms_it_notes_is_refused(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    tool(trace, "search", result="found 7777777")
    cut = trace.start("agent", "a")
    number = 0
    while number < 33_000:  # 33,000 terms of its own, then one the run wrote before the cut
        tool(trace, "search", cut, result=" ".join(str(100_000 + number + at) for at in range(50)))
        number += 50
    tool(trace, "search", cut, result="found 7777777")
    trace.end(cut, 10.0)
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 0)  # one pass counts 7777777's second writer; the part could not note it


def test_a_tool_asked_for_before_the_cut_is_linked_to_its_asker_and_its_slim_copy_too(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    asker = llm(trace, asks=(("call_1", "get_order"), ("call_2", "get_order")))
    first = tool(trace, "get_order", start={"tool_call_id": "call_1"}, result="order 4242")
    tool(trace, "get_order", start={"llm_span_id": asker}, end={"llm_span_id": asker}, result="order 4343")
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, first))
    assert (got, joined) == (one, 1)
    assert '"asked_by": 1' in one  # the tools' asker: the LLM call at seq 1, before the cut


def test_a_tool_whose_asker_is_found_at_its_start_is_not_looked_for_at_its_end(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    asker = llm(trace)
    llm(trace, asks=(("call_9", "get_order"),))  # another call asks for call_9, before the cut too
    cut = llm(trace)
    tool(trace, "get_order", start={"llm_span_id": asker}, end={"tool_call_id": "call_9"})
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 1) and '"asked_by": 1' in one  # the asker its start names, seq 1


def test_a_part_whose_link_one_pass_lets_go_first_is_refused(tmp_path):
    """A tool call id asked for before the cut and again in the part keeps its first place in one pass (a dict's
    key set again), among the oldest, so the links after it let it go there, not in the part."""
    trace = TraceBuilder()
    trace.run_start()
    llm(trace, asks=(("call_same", "get_order"), *((f"call_{number}", "search") for number in range(4000))))
    cut = llm(trace, asks=(("call_same", "get_order"),))
    llm(trace, asks=tuple((f"call_{number}", "search") for number in range(4000, 4200)))
    tool(trace, "get_order", start={"tool_call_id": "call_same"})
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 0)


def named_again(text: str, name: str = "ana") -> tuple[dict[str, Any], ...]:
    return ({"role": "assistant", "name": name, "content": text},)


def test_an_answer_said_again_in_a_part_under_a_name_is_that_speakers(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    llm(trace, text="The order W1 is pending.")
    cut = llm(trace, messages=named_again("The order W1 is pending."), text="Cancelled.")
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 1) and '"turn": "ana"' in one


def test_a_part_whose_waiting_answer_one_pass_lets_go_first_is_refused(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    llm(trace, text="same answer")
    for number in range(4000):
        llm(trace, text=f"answer {number}")
    cut = llm(trace, text="same answer")  # waits again: in one pass, in the first one's place, among the oldest
    for number in range(4000, 4200):
        llm(trace, text=f"answer {number}")
    llm(trace, messages=named_again("same answer"))
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 0)


def test_a_part_naming_answers_from_before_the_cut_past_the_actors_counted_is_refused(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    for number in range(20):
        llm(trace, trace.start("agent", f"early{number}"), text=f"said {number}")
        trace.end(trace.events[-3]["span_id"], 1.0)
    llm(trace, text="the unnamed answer")
    cut = trace.start("agent", "late0")
    llm(trace, cut)
    trace.end(cut, 1.0)
    for number in range(1, 12):
        agent = trace.start("agent", f"late{number}")
        llm(trace, agent)
        trace.end(agent, 1.0)
    llm(trace, messages=named_again("the unnamed answer", "zoe"))  # 20 + 12 names, then zoe's: 33
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 0)


def test_a_part_past_the_schemas_kept_with_the_runs_is_refused(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    for number in range(200):
        llm(trace, tools=(f"tool{number}",))
    cut = llm(trace, tools=("tool200",))
    for number in range(201, 300):
        llm(trace, tools=(f"tool{number}",), asks=(("call_x", f"tool{number}"),))
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 0)  # one pass keeps the first 256 sets of tools offered


def test_a_part_numbered_before_a_plan_made_before_its_cut_is_refused(tmp_path):
    """A broken file: the plan's answer is numbered past the part's records (and past its agent's end, so the
    run's path does not refuse the part); one pass does not take their answers for the plan's last."""
    trace = TraceBuilder()
    trace.run_start()
    plan = "Here is my plan:\n1. Look the order up with get_order.\n2. Cancel it with cancel_order."
    agent = trace.start("agent", "a")
    planned = llm(trace, agent, tools=("get_order", "cancel_order"), text=plan)
    trace.end(agent, 20.0)
    cut = trace.start("agent", "a")
    llm(trace, cut, text="Done.")
    trace.end(cut, 20.0)
    trace.run_end()
    trace.events[starts_at(trace, planned)]["seq"] = 1000
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 0)


def test_a_plan_made_before_the_cut_has_its_agents_answer_in_the_part_as_its_last(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    plan = "Here is my plan:\n1. Look the order up with get_order.\n2. Cancel it with cancel_order."
    llm(trace, tools=("get_order", "cancel_order"), text=plan)
    cut = llm(trace, text="Done.")
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 1) and "plan_step_skipped" in one


def test_a_part_past_the_planners_kept_with_the_runs_is_refused(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    plan = "Here is my plan:\n1. Look the order up with get_order.\n2. Cancel it with cancel_order."
    agents = []
    for _ in range(33):  # each agent execution plans: 33 planners, one more than a run keeps
        agents.append(trace.start("agent", "a"))
        llm(trace, agents[-1], tools=("get_order",), text=plan)
        trace.end(agents[-1], 20.0)
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, agents[20]))
    assert (got, joined) == (one, 0)


def test_a_part_past_the_tools_known_with_the_runs_is_refused(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    llm(trace, tools=tuple(f"tool{number}" for number in range(1000)))
    cut = llm(trace, tools=tuple(f"tool{number}" for number in range(1000, 1100)))
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 0)  # one pass knows the first 1,024 tools offered


def test_a_part_that_judged_an_agent_holding_a_tool_asked_for_before_the_cut_is_refused(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    asker = llm(trace, asks=(("call_1", "get_order"), ("call_2", "get_order")))
    agent = trace.start("agent", "runner")  # runs the tools the answer before the cut asked for, together
    tool(trace, "get_order", agent, start={"tool_call_id": "call_1"})
    tool(trace, "get_order", agent, start={"llm_span_id": asker})
    trace.end(agent, 20.0)
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, agent))
    assert (got, joined) == (one, 0)  # its rules read which call asked for its tools


def test_a_part_of_more_steps_in_no_agent_than_a_run_keeps_is_joined(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    for _ in range(10):
        tool(trace, "search", failed=True)
    tool(trace, "search")  # the last call before the cut did not fail (a retry of it is decided on it)
    cut = tool(trace, "search")
    for number in range(4200):  # past the loose steps a run keeps: counted, then their ends counted past them
        tool(trace, "search", failed=number % 7 == 0)
    trace.run_end()
    one, got, joined = read_both(tmp_path, trace, starts_at(trace, cut))
    assert (got, joined) == (one, 1) and "4,212 steps" in one
