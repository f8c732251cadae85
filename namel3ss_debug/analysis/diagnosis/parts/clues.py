"""The diagnosis's collector of one part of a big run (`analysis/part_tally.py`): the steps of the run's records from
a cut, collected and judged as `Clues` collects and judges them, but with nothing decided that the records before
the cut would change. `join.py` adds what it gives back (`CluesPart`) to the collector of the records before
the cut, or refuses it. An agent's steps are judged when it ends, and dropped, as in one pass; what the part keeps
beyond one pass's state is a few numbers a call, for the join.

A step's call number counts its operation's calls from the cut, so it is written marked (`#\x00op.N\x00`: `MARK`,
the operation's number in `ops`, the count), in the step's address and in every finding's text; the join writes
the run's number in its place. What a part cannot decide, it writes down in the order it met it, for the join to
do again on the run's own state:
- the steps in no agent, kept or ended (`loose`): the run's loose steps hold those before the cut too;
- the LLM calls that ended (`spent`) and the calls with inputs that ended (`repeated`), what each adds: the run's
  cost and each call's repeats, added in the run's order (a sum in another order is another float);
- the texts the run was given (`PartGiven`), its files' writes (`PartFiles`), each agent's last answer
  (`PartPlans`);
- the links to LLM calls and the answers waiting for a speaker that it made and looked for (`PartLinks`,
  `PartSpeakers`, `linked`): the join does them again on the run's; what it then finds from before the cut is
  the part's (a tool's asking LLM call, an answer's speaker), and a part that would find another of its own, or
  whose judged agent held a tool one pass links otherwise, is refused;
- its first LLM call (`first_request`): a run told before the cut to ask before acting has its part's requests
  read for it only when the part found the same instruction there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple, Optional, Union

import msgspec

from ....store.records import EventRecord
from ...run_state import RunState
from ..collector.clues import Clues, RunTrack
from ..notes.given import GIVEN_CHARS, Given
from ..collector.links import Links
from ..notes.plans import Plans
from ..notes.past_cut import CountedCall
from ..notes.products import Files
from ...records.findings import Finding
from .calls import Called, LinkLog, PartSpent
from ..collector.speakers import Speakers, wait
from ..notes.steps import NO_AGENT, AgentSteps, Step
from ...thresholds import MAX_AGENT_STEPS


class PartLinks(Links):
    """A part's links, and every link it made and looked up, in order (`log`: key, seq, whether made), for the
    join to make and look up again on the run's links."""

    __slots__ = ("log",)

    def __init__(self) -> None:
        super().__init__()
        self.log = LinkLog()

    def remember(self, key: str, seq: int) -> None:
        self.log.add(key, seq, True)
        super().remember(key, seq)

    def get(self, key: str) -> Optional[int]:
        seq = super().get(key)
        self.log.add(key, seq, False)
        return seq


class PartSpeakers(Speakers[Step]):
    """A part's answers waiting for a speaker, and every answer it made wait and looked for, in order (`log`:
    digest, a token (the answer made to wait, or the one found: -1 for none), and None or the name it was looked
    for under), for the join to do again on the run's. Each answer made to wait gets a token of its own (counted
    from 0); `tokens` mirrors `waiting` with them, so that the log holds no answer itself."""

    __slots__ = ("log", "tokens")
    looks_always = True  # an answer from before the cut may wait

    def __init__(self) -> None:
        super().__init__(_unbound)
        self.log: list[tuple[int, int, Optional[str]]] = []
        self.tokens: dict[int, int] = {}  # digest -> the token of the answer waiting, in `waiting`'s order

    def _wait(self, digest: int, step: Step) -> None:
        token = len(self.log)
        self.log.append((digest, token, None))
        wait(self.tokens, digest, token)
        super()._wait(digest, step)

    def _name(self, digest: int, name: str) -> None:
        self.log.append((digest, self.tokens.pop(digest, -1), name))
        super()._name(digest, name)

    def waiting_tokens(self) -> dict[int, Step]:
        """Each answer still waiting, by its token."""
        return dict(zip(self.tokens.values(), self.waiting.values()))


def _unbound(step: Step) -> None:
    raise RuntimeError("a part's speakers are bound to its run's clues first")


class PartGiven(Given):
    """A part's texts given, each as it was said (`said`; `first`: the place of the run's first request's, -1 for
    none), for the join to add after the texts given before the cut, as far as GIVEN_CHARS can hold."""

    said: list[str] = msgspec.field(default_factory=list)
    first: int = -1
    kept: int = 0  # the characters said, but the first request's: past GIVEN_CHARS no more is noted

    def ask(self, text: Optional[str]) -> None:
        self.asked = True
        if text:
            self.first = len(self.said)
            self.said.append(text[:GIVEN_CHARS])

    @property
    def full(self) -> bool:
        return self.kept >= GIVEN_CHARS

    def add(self, text: Optional[str]) -> None:
        if text and self.kept < GIVEN_CHARS:
            self.said.append(text[:GIVEN_CHARS])
            self.kept += len(self.said[-1]) + 1


class PartFiles(Files):
    """A part's LLM answers that asked for writes, each as it was when it ended (a later speaker's name is not
    its), for the join to note after the files written before the cut."""

    __slots__ = ("log",)

    def __init__(self) -> None:
        super().__init__()
        self.log: list[Step] = []

    def note(self, step: Step) -> None:
        self.log.append(msgspec.structs.replace(step))


class PartPlans(Plans):
    """A part's plans and tools, and each agent's last LLM answer (`answers`): it is the `last` of the agent's
    plan made before the cut."""

    __slots__ = ("answers",)

    def __init__(self) -> None:
        super().__init__()
        self.answers: dict[str, Step] = {}

    def answered(self, step: Step, text: Optional[str]) -> None:
        self.answers[step.turn or step.agent] = step
        super().answered(step, text)


class LooseEnd(NamedTuple):
    """What a step in no agent that ended adds to the run's loose steps past those kept (`past_cut.PastCut`)."""

    component: str
    name: str
    status: str
    error_type: Optional[str]
    seq: int


@dataclass
class CluesPart:
    """What a part's collector gives back (pickled: nothing holds a callable)."""

    track: RunTrack  # its run's steps, open agents and clues (its call numbers count from the cut: `ops`)
    ops: list[tuple[str, str]]  # the operations its call addresses name, by the number their mark gives them
    findings: list[Finding]  # the agent rules' findings over the agents that ended in it, in order
    judged: set[str]  # the span ids of those agents
    # the steps in no agent, in the order met: kept (True: the step; None past the first MAX_AGENT_STEPS, which no
    # run can keep) or ended (False, what `PastCut` counts of it)
    loose: list[Union[tuple[Literal[True], Optional[Step]], tuple[Literal[False], LooseEnd]]]
    spent: PartSpent  # the LLM calls that ended, in order: model, time, cost (`calls.py`)
    repeated: Called  # the calls with inputs that ended, in order
    first_request: Optional[int]  # the seq of its first LLM call, None for none
    # each tool's look-ups of the LLM call that asked for it that found none: the tool, and the places in the logs
    # of the links by span id and by call id (`PartLinks.log`) its look-ups took, from and to
    linked: list[tuple[Step, int, int, int, int]]


MARK = "\x00"  # a part's call number is written between two of these, with its operation's: `#\x00op.N\x00`


class PartClues(Clues):
    """The collector of one part (see the module's text): `shipped` once it stopped."""

    def __init__(self, clues: Clues):
        super().__init__(clues.judging, clues.price)
        self.ops: dict[tuple[str, str], int] = {}
        self.agents_judged: set[str] = set()
        self.loose: list[Union[tuple[Literal[True], Optional[Step]], tuple[Literal[False], LooseEnd]]] = []
        self.loose_kept = 0
        self.spent = PartSpent()
        self.repeated = Called()
        self.first_request: Optional[int] = None
        self.linked: list[tuple[Step, int, int, int, int]] = []

    def track(self, run: RunState) -> RunTrack:
        made = len(self._tracks) <= run.index
        track = super().track(run)
        if made:
            named = track.speakers.named
            track.speakers = PartSpeakers()
            track.speakers.named = named
            track.by_span, track.by_call_id = PartLinks(), PartLinks()
            clues = track.clues
            clues.given, clues.files, clues.plans = PartGiven(), PartFiles(), PartPlans()
        return track

    def shipped(self, run: RunState) -> CluesPart:
        track = self.track(run)
        track.speakers.named = _unbound
        return CluesPart(track, list(self.ops), self.findings, self.agents_judged, self.loose, self.spent,
                         self.repeated, self.first_request, self.linked)

    def _address(self, component: str, name: str, number: int) -> str:
        op = self.ops.get((component, name))
        if op is None:
            op = self.ops[component, name] = len(self.ops)
        return f"{component}:{name}#{MARK}{op}.{number}{MARK}"

    def _request(self, track: RunTrack, event: EventRecord, step: Step) -> None:
        if self.first_request is None:
            self.first_request = step.seq
        super()._request(track, event, step)

    def _tool_link(self, track: RunTrack, step: Step, event: EventRecord) -> None:
        spans, calls = track.by_span, track.by_call_id
        assert isinstance(spans, PartLinks) and isinstance(calls, PartLinks)
        span_at, call_at = len(spans.log), len(calls.log)
        super()._tool_link(track, step, event)
        if spans.log.missed(span_at) or calls.log.missed(call_at):  # one from before the cut may be found
            self.linked.append((step, span_at, len(spans.log), call_at, len(calls.log)))

    def _kept(self, owner: AgentSteps, step: Step) -> None:
        if owner.span_id != NO_AGENT:
            super()._kept(owner, step)
            return
        self.loose_kept += 1
        self.loose.append((True, step if self.loose_kept <= MAX_AGENT_STEPS else None))

    def _past(self, owner: AgentSteps, step: CountedCall) -> None:
        if owner.span_id != NO_AGENT:
            super()._past(owner, step)
            return
        assert isinstance(step, Step)  # this collector's own step
        self.loose.append((False, LooseEnd(step.component, step.name, step.status, step.error_type, step.seq)))

    def _repeat(self, track: RunTrack, step: Step) -> None:
        self.repeated.note(step)

    def _spend(self, track: RunTrack, step: Step) -> None:
        self.spent.note(step)

    def _judge(self, track: RunTrack, agent: AgentSteps) -> None:
        self.agents_judged.add(agent.span_id)
        super()._judge(track, agent)

