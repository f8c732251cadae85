"""Who spoke in a conversation recorded at the wire only: the agent of an LLM call that ran in no agent turn, read
from the messages' `name` (a group chat sends each agent's words under its name: AutoGen, AG2, a chat app that
names its speakers).

- **Its own words**: a request whose earlier messages of role `assistant` carry a name is that agent's call (an
  agent sends its own history back under its name); the last such name counts.
- **Its answer said again**: an answer whose text a later request holds as a message of role `user` or
  `assistant` under a name was that agent's (the chat hands each agent's words to the others under its speaker's
  name). The answers waiting for it are known by a digest of their whole text (`provenance.text_digest`), at
  most `MAX_WAITING` of them (the oldest dropped).

The name found becomes the call's `turn` (`Step.turn`: the agent that acted in it), as an agent turn's name would;
a call already in an agent's turn keeps it. The diagnosis decodes a request for it only when its bytes hold
`"name"`; the span table (`analysis/span_table.py`) names its rows' agents so, for the report's and `view`'s
agent column and filter.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, Optional, Protocol, TypeVar

from ....transport.apis.values import items
from ..notes.messages import MESSAGE_LISTS, texts
from ..notes.provenance import text_digest


class Spoken(Protocol):
    """An LLM call as the speakers see it: the agent that acted in it, None while unknown."""

    turn: Optional[str]


Call = TypeVar("Call", bound=Spoken)

MAX_WAITING = 4_096  # answers of unknown speaker waiting to be said again under a name
NAME_MARK = b'"name"'  # a request that may name a speaker holds it (`request_marks.NAMED`)
ROLES = ("user", "assistant")


class Speakers(Generic[Call]):
    """The answers of unknown speaker waiting to be named (digest -> call), and `named`: called with each call a
    later request named (the call's agent is known from then on)."""

    __slots__ = ("waiting", "named")
    looks_always = False  # whether a name said is looked for with no answer waiting (a part's: `parts/clues.py`)

    def __init__(self, named: Callable[[Call], None]):
        self.waiting: dict[int, Call] = {}
        self.named = named

    def request(self, step: Call, body: Optional[dict[str, Any]]) -> None:
        """A request, decoded (`messages.request_of`): its caller when its own words carry a name, and the waiting
        answers it says again under a name."""
        if body is None:
            return
        own: Optional[str] = None
        for key in MESSAGE_LISTS:
            for message in items(body.get(key)):
                name, role = message.get("name"), message.get("role")
                if not isinstance(name, str) or not name.strip() or role not in ROLES:
                    continue
                if role == "assistant":
                    own = name
                if self.waiting or self.looks_always:
                    self._said_again(message.get("content"), name)
        if own is not None and step.turn is None:
            step.turn = own

    def answered(self, step: Call, text: Optional[str]) -> None:
        """An LLM call's end, with its answer's whole text: it waits for its speaker when no turn names one."""
        if step.turn is not None or not text or not text.strip():
            return
        self._wait(text_digest(text), step)

    def _wait(self, digest: int, step: Call) -> None:
        """An answer of unknown speaker waits."""
        wait(self.waiting, digest, step)

    def _said_again(self, content: Any, name: str) -> None:
        text = "\n".join(texts(content))
        if not text.strip():
            return
        self._name(text_digest(text), name)

    def _name(self, digest: int, name: str) -> None:
        """The answer of `digest`, said again under `name`, when it waits: its speaker is named."""
        step = self.waiting.pop(digest, None)
        if step is not None and step.turn is None:
            step.turn = name
            self.named(step)


V = TypeVar("V")


def wait(waiting: dict[int, V], digest: int, value: V) -> None:
    """`value` waits under `digest` (a digest waiting already keeps its place), the oldest let go past
    MAX_WAITING."""
    waiting[digest] = value
    if len(waiting) > MAX_WAITING:
        del waiting[next(iter(waiting))]
