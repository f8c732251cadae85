"""Random runs holding what the diagnosis reads, for the tests of a run read in parts (`test_split_run.py`): LLM
calls with requests (messages, offered tools, an instruction to ask before acting, named speakers, a framework's
stop message) and answers (texts, plans, tool calls with ids, file writes), the tools they asked for (linked by
call id and by span id, sometimes in the next request), users' turns, handoffs, repeated calls, failures, steps in
no agent and agents under the run's root one request after another.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any, Optional

import orjson
from support.tracefactory import TraceBuilder, error

TOOLS = ("get_order", "cancel_order", "write_file", "search")
INSTRUCTION = "Before you cancel an order you must obtain explicit user confirmation (yes)."
STOP = "You have reached the maximum number of iterations (3). Based on what you found, answer now."
ANSWERS = ("The order W1 is pending.", "Paris is 21C today.", "I could not find order W7.", "Done: 42 items.",
           "Here is my plan:\n1. Look the order up with get_order.\n2. Cancel it with cancel_order.\n3. Run search.",
           "Sorry, need more steps to process this request.")


class Talk:
    """One run being written: the builder, its random source, and what its answers said so far."""

    def __init__(self, seed: int, tidy: bool):
        self.rng = random.Random(seed)
        self.trace = TraceBuilder()
        self.said: list[str] = []  # answers given, for a later request to say again under a speaker's name
        self.asks: list[tuple[str, str, str]] = []  # (call id, tool, asking LLM span) not run yet
        self.tidy = tidy
        self.instructed = tidy or self.rng.random() < 0.4

    def request(self, parent: Optional[str]) -> dict[str, Any]:
        rng = self.rng
        messages: list[dict[str, Any]] = []
        if self.instructed or rng.random() < 0.1:
            messages.append({"role": "system", "content": INSTRUCTION})
        if self.said and not self.tidy and rng.random() < 0.4:
            messages.append({"role": rng.choice(["assistant", "user"]), "name": rng.choice(["ana", "bo"]),
                             "content": rng.choice(self.said)})
        if rng.random() < 0.15:
            messages.append({"role": "user", "content": STOP})
        messages.append({"role": "user", "content": rng.choice(["Cancel order W1.", "yes, go ahead", "Weather?",
                                                                 "Write the report to out/report.md"])})
        offered = rng.sample(TOOLS, rng.randint(0, 3))
        tools = [{"type": "function", "function": {"name": name, "parameters": {
            "type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}} for name in offered]
        return {"model": "m", "messages": messages, **({"tools": tools} if tools else {})}

    def llm(self, parent: Optional[str]) -> str:
        rng, trace = self.rng, self.trace
        span = trace.start("llm", "openai.chat", parent, inputs=self.request(parent))
        if rng.random() < 0.1:
            trace.end(span, rng.uniform(1, 50), status="failed", error=error("RateLimitError", "429 slow down"))
            return span
        asks = []
        for _ in range(rng.choice([0, 0, 1, 2])):
            tool = rng.choice(TOOLS)
            call_id = f"call_{rng.getrandbits(24):06x}"
            arguments = {"id": rng.choice(["W1", "W7"])}
            if tool == "write_file":
                arguments = {"path": rng.choice(["out/report.md", "report.md"]), "content": rng.choice(["a", "b"])}
            asks.append({"id": call_id, "name": tool, "arguments": orjson.dumps(arguments).decode()})
            self.asks.append((call_id, tool, span))
        text = rng.choice(ANSWERS) if not asks or rng.random() < 0.3 else None
        if text and self.tidy:
            text += f" ({len(self.trace.events)})"  # an answer of its own, said once
        if text:
            self.said.append(text)
        outputs = {"text": text, "tool_calls": asks, "finish_reason": "tool_calls" if asks else "stop"}
        trace.end(span, rng.uniform(1, 90), model=rng.choice(["m", "m", "other"]), outputs=outputs,
                  usage={"input_tokens": rng.randint(10, 900), "output_tokens": rng.randint(1, 50)})
        return span

    def tools(self, parent: Optional[str]) -> None:
        """The tools asked for so far, run (some failed, some asked again with the same inputs)."""
        rng, trace = self.rng, self.trace
        while self.asks:
            call_id, tool, asker = self.asks.pop(0)
            attrs = {"tool_call_id": call_id} if rng.random() < 0.7 else {"llm_span_id": asker}
            failed = rng.random() < 0.2
            span = trace.start("tool", tool, parent, inputs={"id": rng.choice(["W1", "W7"])})
            trace.events[-1]["attrs"] = attrs
            trace.end(span, rng.uniform(1, 60), status="failed" if failed else "completed",
                      error=error("KeyError", "'W7'") if failed else None,
                      outputs=None if failed else {"return": rng.choice(["pending", "cancelled", "42"])})

    def turn(self, agent: str, name: str) -> None:
        rng, trace = self.rng, self.trace
        turn = trace.start("agent", name, agent, kind="agent_turn")
        for _ in range(rng.randint(1, 3)):
            self.llm(turn)
            if self.tidy or rng.random() < 0.7:
                self.tools(turn)
        said = rng.choice(["Cancel order W1 please, in 2026.", None]) if name == "user" else rng.choice(ANSWERS)
        trace.end(turn, rng.uniform(5, 50), outputs={"return": said} if said else None)

    def agent(self) -> None:
        rng, trace = self.rng, self.trace
        name = rng.choice(["triage", "orders", "writer"])
        agent = trace.start("agent", name, inputs={"task": rng.choice(["Cancel W1", "Weather in Paris"])})
        for _ in range(rng.randint(1, 3)):
            self.turn(agent, rng.choice(["user", name, name]))
        if rng.random() < 0.3:
            handoff = trace.start("chain", "handoff", agent)
            trace.events[-1]["attrs"] = {"from_agent": name, "to_agent": rng.choice(["orders", "writer"])}
            trace.end(handoff, 1.0)
        if rng.random() < 0.2:
            trace.instant("error_occurred", "tool", "KeyError", agent, status="failed", error=error("KeyError", "x"))
        trace.end(agent, rng.uniform(10, 90), status="failed" if rng.random() < 0.1 else "completed",
                  outputs={"return": rng.choice(ANSWERS)})


def talking_run(seed: int, requests: tuple[int, int] = (4, 12), tidy: bool = False) -> TraceBuilder:
    """Requests one after another under the root (as many as `requests` draws): agents with turns, or LLM calls
    and tools in no agent (the tools an answer asked for sometimes run in the next request). `tidy`: each request
    runs the tools it asked for, every request tells the model to ask before acting, no speaker is named and no
    answer is said twice (a long run whose every part one pass can be joined)."""
    talk = Talk(seed, tidy)
    talk.trace.run_start()
    for _request in range(talk.rng.randint(*requests)):
        if talk.rng.random() < 0.5:
            talk.agent()
        else:
            talk.llm(None)
            if tidy or talk.rng.random() < 0.6:
                talk.tools(None)
        talk.trace.advance(talk.rng.uniform(0, 500))
    talk.tools(None)
    talk.trace.run_end("failed" if talk.rng.random() < 0.2 else "completed")
    return talk.trace


def clue_state(clues: Any) -> Any:
    """The diagnosis's collector's runs (`Clues.runs`) as plain data, every field of every record and step, dicts
    in their order: what a run read in parts must leave as one pass leaves it, beyond what the report shows. The
    actors are sorted: their order is read by nothing, and an answer from before a cut named
    in a part is counted at the join."""
    runs = _plain(clues.runs)
    for run in runs:
        run["actors"].sort()
    return runs


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return [[_plain(key), _plain(item)] for key, item in value.items()]
    if isinstance(value, (list, tuple, deque)):
        return [_plain(item) for item in value]
    fields = getattr(value, "__struct_fields__", None) or [
        name for kind in type(value).__mro__ for name in getattr(kind, "__slots__", ())]
    return {"type": type(value).__name__.removeprefix("Part"),
            **{name: _plain(getattr(value, name)) for name in fields if not callable(getattr(value, name, None))}}
