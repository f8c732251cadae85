"""Agents from the wire: where no hook or span names an agent, the LLM calls of one conversation are one.

A framework with no hook of ours (Haystack, Strands, Semantic Kernel) or an app's own loop leaves its LLM
calls and the tools seen on the wire flat under whatever span was current. Their requests say which belong
together: each request of a conversation sends the conversation so far again. So each LLM request the
transport records is placed in a conversation (`apis/dialogue.py` reads it):
- it continues one when it continues a stored response of it (Responses' `previous_response_id`), when its
  messages name a tool call id one of its answers asked for (the results, and the calls sent back), or when
  it has the same system prompt and tools and its messages begin with the conversation's latest request's
  (as many or more: a retry of a call that ended sends the same);
- else, if it offers tools (an LLM with tools in a loop is what an agent is), does not force one (structured
  output is an answer, not an agent) and no enclosing span is an agent (a hook's, or an OpenTelemetry
  `invoke_agent` span) or a framework's step (a `chain_step` span: a LangGraph node, a LlamaIndex workflow step,
  a CrewAI task; the conversation would outlive it, and the step already names what runs, so its calls sit in
  it), it begins a new conversation; otherwise it stays where it was.

A conversation's calls run under an `agent` span (`attrs.source: "wire"`, `attrs.conversation` its number
in the run). The span is opened by its first call, before that call's own span, under the span current
then (never made current: the app's context is left alone), and the call goes under it; later calls of the
conversation go under it too, and so do the tools they asked for: a wire tool span goes under its asking
call's parent, and a tool span a decorator or hook opens for one of its calls, where the span the agent
was opened under is current, goes under the agent while it is open (`ToolAsks.hold`). It ends when an
answer of the conversation asks for no tool and no call of it is in flight: the agent has answered
(`outputs.output`, its text). A later request of the same conversation (the user's next turn) opens
another agent span of it (`attrs.turn`). One opened under a span that ends before the agent has answered (an
app's span, a hook's) ends just before that span does (`run.ends_with`), with `attrs.answered: false`, `failed`
when that span failed; the conversation's next call opens its next turn where that call is made. One still open
when the run ends ends then, before `run_end`, with `attrs.answered: false`, `failed` when the run failed. So
every span starts before its children and ends after them, and within its parent, whatever order the app's
requests come in.

Its name is the one the app gave it in its first request, else one made of its tools (`agent(get_weather)`),
never of its prompt's words, so that an edited prompt moves no call (`agent_names.py` says the rule).

When a request of a conversation comes, the tool calls its earlier answers asked for that are still pending
(no hook recorded them, and no request carried their result) are given up: the conversation went on without
their results, and each becomes a failed `ToolResultMissing` span (`tracer/unanswered.py`).
"""

from __future__ import annotations

import functools
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from ..tracer.context import current
from ..tracer.core import Tracer
from ..tracer.unanswered import WENT_ON, record_unanswered
from .agent_names import AgentNames
from .apis.dialogue import Dialogue, dialogue

SOURCE = "wire"
MAX_CONVERSATIONS = 256  # the oldest ended ones are forgotten past this


@dataclass
class Conversation:
    """One conversation on the wire and its agent span while one is open."""

    number: int
    key: tuple[Any, ...]  # api, system prompt, tools
    name: str
    turns: tuple[int, ...]
    parent_id: str | None = None
    agent: Any = None  # the open agent span
    runs: int = 0  # agent spans opened
    in_flight: int = 0
    call_ids: set[str] = field(default_factory=set)
    response_ids: set[str] = field(default_factory=set)
    llm_ids: set[str] = field(default_factory=set)


@dataclass
class PlacedRequest:
    """Where one LLM request went: its conversation (None when it has none), and what its request said."""

    conversations: Conversations
    said: Dialogue
    conversation: Conversation | None

    @property
    def parent_id(self) -> str | None:
        agent = self.conversation.agent if self.conversation is not None else None
        return agent.span_id if agent is not None else None

    def opened(self, span: Any) -> None:
        """The request's LLM span (or the OpenTelemetry LLM span it is made inside) started."""
        self.conversations.opened(self, span)

    def answered(self, span: Any, outputs: Any, failed: bool) -> None:
        """The LLM span ended, with these outputs."""
        if self.conversation is not None:
            self.conversations.answered(self.conversation, span, outputs, failed)


class Conversations:
    """The conversations of one run."""

    def __init__(self, tracer: Tracer, run: Any):
        self._tracer, self._run = tracer, run
        self._lock = threading.RLock()  # an agent ends with its parent's end, which a span ended here may be
        self._all: list[Conversation] = []
        self._by_key: dict[tuple[Any, ...], list[Conversation]] = {}  # the same, by api, system prompt and tools
        self._count = 0
        self._names = AgentNames()

    def place(self, api_name: str, said: Dialogue, own_span: bool) -> PlacedRequest:
        """Place a request in its conversation (`own_span`: its LLM span is the transport's to parent)."""
        if not own_span:  # an OpenTelemetry LLM span's request: that span is where it is
            return PlacedRequest(self, said, None)
        with self._lock:
            found = self._continued(api_name, said)
            if found is None and said.tools and not said.forced and not _inside_agent(self._run):
                found = self._begun(api_name, said)
            if found is None:
                return PlacedRequest(self, said, None)
            given_up = self._run.asks.unanswered(found.llm_ids) if found.llm_ids and self._run.asks else []
            found.turns = said.turns
            found.call_ids |= said.call_ids
            found.in_flight += 1
            if given_up:  # under the agent span, still open: the conversation went on in it
                record_unanswered(self._tracer, given_up, WENT_ON)
            if found.agent is None:
                self._open_agent(found, api_name, said)
        return PlacedRequest(self, said, found)

    def opened(self, placed: PlacedRequest, span: Any) -> None:
        if placed.said.forced:
            self._run.asks.forced(span.span_id)
        if placed.conversation is not None:
            with self._lock:
                placed.conversation.llm_ids.add(span.span_id)

    def answered(self, conversation: Conversation, span: Any, outputs: Any, failed: bool) -> None:
        said = outputs if isinstance(outputs, dict) else {}
        calls = [call for call in said.get("tool_calls") or () if isinstance(call, dict)]
        with self._lock:
            conversation.in_flight -= 1
            conversation.call_ids.update(call["id"] for call in calls if isinstance(call.get("id"), str))
            if isinstance(said.get("id"), str):
                conversation.response_ids.add(said["id"])
            agent = conversation.agent
            over = not failed and not calls and conversation.in_flight <= 0 and agent is not None
            if over:
                conversation.agent = None
                self._run.asks.release(agent.span_id)
        if over:
            text = said.get("text")
            agent.outputs = {"output": text} if isinstance(text, str) else None
            self._tracer.end_span(agent)

    def close(self) -> None:
        """The run ends: every agent still open ends now, unanswered (failed, when the run failed)."""
        with self._lock:
            open_agents = [c.agent for c in self._all if c.agent is not None]
            for conversation in self._all:
                conversation.agent = None
        for agent in open_agents:
            self._end_unanswered(agent, self._run.ending == "failed", "run_end")

    def _parent_ended(self, conversation: Conversation, agent: Any, failed: bool) -> None:
        """The span the agent was opened under ends: the agent ends first, unanswered (failed, when that span
        failed). A later call of the conversation opens its next turn where that call is made."""
        with self._lock:
            if conversation.agent is not agent:
                return
            conversation.agent = None
        self._end_unanswered(agent, failed, "parent")

    def _end_unanswered(self, agent: Any, failed: bool, ended_by: str) -> None:
        """End an agent that has not answered, with what ended it (`ended_by`: `parent`, `run_end`); `failed` with
        it: no error of its own (`analysis/collectors/errors.py` counts it where it began)."""
        self._run.asks.release(agent.span_id)
        agent.set_attribute("answered", False)
        agent.set_attribute("ended_by", ended_by)
        if failed:
            agent.set_status("failed")
        self._tracer.end_span(agent)

    # -- finding and beginning -----------------------------------------------------------------------
    def _continued(self, api_name: str, said: Dialogue) -> Conversation | None:
        if said.previous is not None:
            found = next((c for c in reversed(self._all) if said.previous in c.response_ids), None)
            if found is not None:
                return found
        if said.call_ids:
            found = next((c for c in reversed(self._all) if c.call_ids & said.call_ids), None)
            if found is not None:
                return found
        same_key = reversed(self._by_key.get((api_name, said.system, said.tools), ()))
        extended = [c for c in same_key if c.turns and said.turns[:len(c.turns)] == c.turns
                    and (len(said.turns) > len(c.turns) or c.in_flight == 0)]
        return max(extended, key=lambda c: len(c.turns), default=None)

    def _begun(self, api_name: str, said: Dialogue) -> Conversation:
        self._count += 1
        conversation = Conversation(self._count, (api_name, said.system, said.tools), self._names.name(said),
                                    said.turns)
        self._all.append(conversation)
        self._by_key.setdefault(conversation.key, []).append(conversation)
        if len(self._all) > MAX_CONVERSATIONS:
            ended = next((c for c in self._all if c.agent is None and not c.in_flight), None)
            if ended is not None:
                self._all.remove(ended)
                same_key = self._by_key[ended.key]
                same_key.remove(ended)
                if not same_key:
                    del self._by_key[ended.key]
        return conversation

    def _open_agent(self, conversation: Conversation, api_name: str, said: Dialogue) -> None:
        conversation.runs += 1
        attrs: dict[str, Any] = {"source": SOURCE, "api": api_name, "conversation": conversation.number,
                                 "tools": list(said.tools)}
        if conversation.runs > 1:
            attrs["turn"] = conversation.runs
        inputs = {"input": said.question} if said.question is not None else None
        agent = conversation.agent = self._tracer.start_span("agent", conversation.name, "agent_execution",
                                                             inputs=inputs, attrs=attrs, activate=False)
        if agent is not None and agent.parent_id is not None:
            self._run.asks.hold(agent.span_id, agent.parent_id)
            if agent.parent_id != self._run.root_id:  # a span that ends: the agent ends with it, never after
                ending = functools.partial(self._parent_ended, conversation, agent)
                self._run.ends_with.setdefault(agent.parent_id, []).append(ending)


def _inside_agent(run: Any) -> bool:
    """Whether a span of this run that is (or may become) an agent encloses the current context: an `agent`
    span, an OpenTelemetry `invoke_agent` span (whose attributes may name it an agent only at its end), or a
    step of a framework's graph or workflow (`chain_step`: a LangGraph node, a LlamaIndex step), which a
    conversation outlives as it goes on in the next step. Walked through each span's context token to the span
    current before it."""
    span = current.get()
    for _ in range(256):
        if span is None or getattr(span, "run", None) is not run:
            return False
        if span.component == "agent" or span.prefix == "chain_step" or span.name.startswith("invoke_agent"):
            return True
        token = span.token
        if token is None:
            return False
        span = None if token.old_value is token.MISSING else token.old_value
    return False


_RUNS: weakref.WeakKeyDictionary[Any, Conversations] = weakref.WeakKeyDictionary()
_RUNS_LOCK = threading.Lock()


def place_request(tracer: Tracer, api_name: str, body: Any, own_span: bool) -> PlacedRequest | None:
    """Place an LLM request of the run in its conversation; None when its API has none, or when the body
    cannot be read (a failure of ours: counted, the request is still recorded)."""
    run = tracer.run
    if run is None:
        return None
    try:
        said = dialogue(api_name, body)
        if said is None:
            return None
        return _conversations(tracer, run).place(api_name, said, own_span)
    except Exception as exc:
        run.recorder.note_failure(exc)
        return None


def _conversations(tracer: Tracer, run: Any) -> Conversations:
    with _RUNS_LOCK:
        found = _RUNS.get(run)
        if found is None:
            found = _RUNS[run] = Conversations(tracer, run)
            run.at_end.append(found.close)
        return found
