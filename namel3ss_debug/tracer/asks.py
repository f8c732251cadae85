"""Which LLM call asked for a tool call, and whether anything has recorded that call yet.

Every tool call an `llm` span's outputs name is kept as an `Ask`: its id, name and arguments, the LLM call
that asked, the span that was current when it asked, and when its answer ended. Two readers use it:
- a tool span a framework's hook or a decorator opens says which LLM call it answers (`attrs.llm_span_id`),
  found by the model's id or, for a client that passes no id to the tool (an MCP `call_tool`), by name and
  arguments: the newest call that asked for the same, not matched yet. Either way the call is marked
  `hooked`. The span goes under its own parent, the span current where it runs, except in a conversation
  only the wire sees: when the asking call's parent is a wire agent still open (`hold`, never made current:
  `transport/agents.py`) that was opened where the tool runs, the tool goes under that agent (`home`), as
  the conversation's LLM calls and wire tools do;
- a later request that carries the call's result (`transport/tool_wire.py`) makes a `tool` span of a call no
  hook recorded, timed from the asking answer's end, and marks it `wired`, so the conversation's history,
  sent again with every request, never makes a second one.
A call still pending when its conversation went on without its result, or when the run ended, is given up
(`unanswered`): it becomes a failed `ToolResultMissing` span (`tracer/unanswered.py`) and is counted
`missing`, once. The calls of an LLM call whose request forced a tool (`tool_choice` naming one, or
`required`) are its answer, as structured output is, not work awaiting a result: they are never missing.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Collection

import orjson

MAX_ASKS = 4096  # a long run's oldest calls are forgotten: a tool answers an LLM call made shortly before
MAX_SAME = 64  # of calls asked for with the same name and arguments, the newest kept

# nothing recorded it yet; a hook's span; the wire's span; given up (its result never came); the tool that
# crashed the run; left pending because the run crashed (`tracer/unanswered.py`)
PENDING, HOOKED, WIRED, MISSING = "pending", "hooked", "wired", "missing"
CRASHED, NOT_ANSWERED = "crashed", "not_answered"

CallKey = tuple[str, bytes]  # a tool call's name and its arguments as canonical JSON


@dataclass
class Ask:
    """One tool call an LLM call's answer asked for."""

    call_id: str | None
    name: str | None
    arguments: Any
    asker: str  # the span id of the LLM call
    parent_id: str | None  # the span current when it asked (the LLM call's parent), else its nearest open ancestor
    ts: str  # when the answer that asked ended (the event clock), and the same on the monotonic clock
    ns: int
    state: str = PENDING
    key: CallKey | None = field(default=None, compare=False, repr=False)  # its name and arguments (call_key)


class ToolAsks:
    """The tool calls this run's LLM calls asked for: by the model's id, and by name and arguments; bounded."""

    __slots__ = ("_by_id", "_by_call", "_by_asker", "_counts", "_answers", "_homes", "_under")

    def __init__(self) -> None:
        self._by_id: OrderedDict[str, Ask] = OrderedDict()
        self._by_call: OrderedDict[CallKey, list[Ask]] = OrderedDict()  # oldest first
        # each LLM call's asks, so a conversation that goes on looks only at its own calls, not at the run's
        self._by_asker: OrderedDict[str, list[Ask]] = OrderedDict()
        self._counts = {"asked": 0, HOOKED: 0, WIRED: 0, MISSING: 0, CRASHED: 0, NOT_ANSWERED: 0}
        self._answers: OrderedDict[str, None] = OrderedDict()  # LLM calls whose tool calls are their answer
        self._homes: dict[str, str] = {}  # open spans never made current (wire agents) -> the span they are under
        self._under: dict[str | None, list[Ask]] = {}  # the calls asked under each span (its id), while it is open

    def note(self, span_id: str, outputs: Any, *, parent_id: str | None = None, ts: str = "", ns: int = 0) -> None:
        """Remember the tool calls of an LLM call's outputs (`outputs.tool_calls[]`: id, name, arguments),
        asked by the span `span_id` under `parent_id`, whose answer ended at `ts` / `ns`."""
        calls = outputs.get("tool_calls") if isinstance(outputs, dict) else None
        if not isinstance(calls, list):
            return
        for call in calls:
            if isinstance(call, dict):
                self._add(Ask(_id_of(call), call.get("name"), call.get("arguments"), span_id, parent_id, ts, ns))
        while len(self._by_id) > MAX_ASKS:
            self._by_id.popitem(last=False)
        while len(self._by_call) > MAX_ASKS:
            self._by_call.popitem(last=False)
        while len(self._by_asker) > MAX_ASKS:
            self._by_asker.popitem(last=False)

    def _add(self, ask: Ask) -> None:
        self._counts["asked"] += 1
        if ask.call_id is not None:
            self._by_id[ask.call_id] = ask
            self._by_id.move_to_end(ask.call_id)
        self._by_asker.setdefault(ask.asker, []).append(ask)
        under = self._under.setdefault(ask.parent_id, [])
        under.append(ask)
        if len(under) > MAX_ASKS:  # the run's root never ends
            del under[0]
        key = ask.key = call_key(ask.name, ask.arguments)
        if key is not None:
            same = self._by_call.setdefault(key, [])
            same.append(ask)
            if len(same) > MAX_SAME:
                del same[0]
            self._by_call.move_to_end(key)

    def __bool__(self) -> bool:
        """Whether any LLM call of this run asked for a tool (else a request has no result to look for)."""
        return bool(self._by_id or self._by_call)

    def asked(self, call_id: str | None) -> Ask | None:
        """The call the model gave `call_id`, if this run saw it asked for."""
        return self._by_id.get(call_id) if call_id else None

    def asker(self, call_id: str | None) -> str | None:
        """The span id of the LLM call that asked for `call_id`, if this run saw it; the call is now hooked."""
        ask = self.asked(call_id)
        if ask is None:
            return None
        self._move(ask, HOOKED)
        return ask.asker

    def claim(self, name: str, arguments: Any) -> tuple[str | None, str] | None:
        """The newest call not recorded yet that asked for `name` with these arguments, now hooked: its id
        (None where the API gives none) and the LLM call's span id; None when no LLM call of this run asked."""
        key = call_key(name, arguments)
        for ask in reversed(self._by_call.get(key, ()) if key is not None else ()):
            if ask.state == PENDING:
                self._move(ask, HOOKED)
                return ask.call_id, ask.asker
        return None

    def claim_named(self, name: str) -> tuple[str | None, str] | None:
        """`claim` by the tool's name alone (a decorated function's inputs need not be the model's arguments)."""
        pending = [ask for same in self._by_call.values() for ask in same if ask.name == name and ask.state == PENDING]
        if not pending:
            return None
        ask = max(pending, key=lambda ask: ask.ns)
        self._move(ask, HOOKED)
        return ask.call_id, ask.asker

    def unrecorded(self, call_id: str | None, name: Any = None, arguments: Any = None) -> Ask | None:
        """The call a request carries the result of, when nothing has recorded it yet: by its id, or (for an
        API whose calls have none) the oldest call asked for with this name and these arguments. It is
        marked `wired`: the caller records it now, once."""
        if call_id:
            ask = self._by_id.get(call_id)
            found = ask if ask is not None and ask.state == PENDING else None
        else:
            key = call_key(name, arguments)
            found = next((ask for ask in (self._by_call.get(key, ()) if key is not None else ())
                          if ask.state == PENDING and ask.call_id is None), None)
        if found is not None:
            self._move(found, WIRED)
        return found

    def _move(self, ask: Ask, state: str) -> None:
        if ask.state == PENDING:
            ask.state = state
            self._counts[state] += 1

    def ended(self, span_id: str, parent_id: str | None) -> None:
        """The span `span_id` (under `parent_id`) ends: the calls asked under it that nothing recorded yet are
        under its parent now, so that a span made for one later (from the wire, or given up) starts inside a span
        still open: a LangGraph tool asked for in the `agent` node and answered (or never) after that node ended."""
        asks = self._under.pop(span_id, None)
        if not asks:
            return
        moved = [ask for ask in asks if ask.state == PENDING]
        for ask in moved:
            ask.parent_id = parent_id
        if moved:
            self._under.setdefault(parent_id, []).extend(moved)

    def hold(self, span_id: str, under: str) -> None:
        """The span `span_id`, opened under `under` and never made current (a wire agent), holds the tools its
        LLM calls ask for that run where `under` is current, until `release` (`home`)."""
        self._homes[span_id] = under

    def release(self, span_id: str) -> None:
        """The span `span_id` ended: it holds no more tools (`hold`)."""
        self._homes.pop(span_id, None)

    def home(self, attrs: Any, current_id: str) -> str:
        """The parent of a span opened where `current_id` is current: `current_id`, unless the span answers a
        tool call (`attrs.llm_span_id`, the asking LLM call) whose asking call is under a span held open under
        `current_id` (`hold`): then that span, its conversation's agent."""
        if not self._homes or not isinstance(attrs, dict):
            return current_id
        asker = attrs.get("llm_span_id")
        asks = self._by_asker.get(asker) if isinstance(asker, str) else None
        holder = asks[0].parent_id if asks else None
        return holder if holder is not None and self._homes.get(holder) == current_id else current_id

    def forced(self, asker: str) -> None:
        """The LLM call `asker`'s request forced a tool: the calls it asks for are its answer (structured
        output), never missing."""
        self._answers[asker] = None
        while len(self._answers) > MAX_ASKS:
            self._answers.popitem(last=False)

    def pending(self) -> list[Ask]:
        """The calls still pending (not a forced call's answer), oldest first; they stay pending."""
        return sorted((ask for ask in self._remembered() if ask.state == PENDING and ask.asker not in self._answers),
                      key=lambda ask: ask.ns)

    def crashed(self, ask: Ask) -> None:
        """`ask`'s tool crashed the run: the caller records it, once."""
        self._move(ask, CRASHED)

    def unanswered(self, askers: Collection[str] | None = None, state: str = MISSING) -> list[Ask]:
        """The calls still pending (those asked by the LLM calls `askers`, or all), oldest first, now given up
        as `state` (`missing`, or `not_answered` when the run crashed): the caller records each, once. A forced
        call (`forced`) is never given up."""
        asks = self._remembered() if askers is None else \
            [ask for asker in askers for ask in self._by_asker.get(asker, ()) if self._kept(ask)]
        found = sorted((ask for ask in asks if ask.state == PENDING and ask.asker not in self._answers),
                       key=lambda ask: ask.ns)
        for ask in found:
            self._move(ask, state)
        return found

    def _kept(self, ask: Ask) -> bool:
        """Whether `ask` is still remembered (by its id, or by its name and arguments)."""
        if ask.call_id is not None and self._by_id.get(ask.call_id) is ask:
            return True
        return ask.key is not None and any(same is ask for same in self._by_call.get(ask.key, ()))

    def _remembered(self) -> list[Ask]:
        remembered = {id(ask): ask for ask in self._by_id.values()}
        remembered.update((id(ask), ask) for same in self._by_call.values() for ask in same)
        return list(remembered.values())

    def tally(self) -> dict[str, int]:
        """How the run's tool calls were seen, for its `run_end`: `asked` by the LLM calls, recorded by a
        `hooked` span or from the `wire`, `missing`: given up, each a `ToolResultMissing` span (`unanswered`),
        `crashed` and `not_answered` (only when any: the tool that crashed the run, and the calls the crash left
        unanswered), and `unseen`: asked for, still remembered, and neither recorded nor given up (a forced call, the
        answer itself). Empty when no LLM call asked for a tool."""
        if not self._counts["asked"]:
            return {}
        unseen = sum(ask.state == PENDING for ask in self._remembered())
        counts = {"asked": self._counts["asked"], "hooked": self._counts[HOOKED], "wire": self._counts[WIRED],
                  "missing": self._counts[MISSING], "unseen": unseen}
        counts.update((state, self._counts[state]) for state in (CRASHED, NOT_ANSWERED) if self._counts[state])
        return counts


def _id_of(call: dict[str, Any]) -> str | None:
    call_id = call.get("id")
    return call_id if isinstance(call_id, str) and call_id else None


def call_key(name: Any, arguments: Any) -> CallKey | None:
    """A tool call's name and arguments, comparable whether the API sent the arguments as JSON text
    (OpenAI) or as an object (Anthropic, Gemini)."""
    if not isinstance(name, str) or not name:
        return None
    if isinstance(arguments, str):
        try:
            arguments = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            return name, arguments.encode()
    try:
        return name, orjson.dumps(arguments, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
