"""The diagnosis's collector of one part of a big run (`analysis/part_tally.py`): the steps of the run's records from
a cut, collected as `Clues` collects them, but with nothing judged and nothing decided that the records before the
cut would change. `join_clues.py` adds what it gives back (`CluesPart`) to the collector of the records before the
cut, or refuses it.

What a part cannot decide, it writes down in the order it met it, for the join to do again on the run's own state:
- the agents that ended (`ended`): the agent rules judge them at the join, once their steps' call numbers (counted
  from the cut here) are the run's;
- the steps in no agent, kept or ended (`loose`): the run's loose steps hold those before the cut too;
- the LLM calls that ended (`spent`) and the calls with inputs that ended (`repeated`): the run's cost and each
  call's repeats, added in the run's order (a sum in another order is another float);
- the texts the run was given (`PartGiven`), its files' writes (`PartFiles`), each agent's last answer
  (`PartPlans`);
- the links to LLM calls and the answers waiting for a speaker that it made, and those it looked for and did not
  find (`PartLinks`, `PartSpeakers`): the join refuses a part that may have needed one from before the cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import msgspec

from ..run_state import RunState
from .clues import Clues, RunTrack
from .given import GIVEN_CHARS, Given
from .links import Links
from .plans import Plans
from .products import Files
from .speakers import Speakers
from .steps import NO_AGENT, AgentSteps, Step


class PartLinks(Links):
    """A part's links: also every key it made (`made`) and every key it looked for in vain (`missed`)."""

    __slots__ = ("made", "missed")

    def __init__(self) -> None:
        super().__init__()
        self.made: set[str] = set()
        self.missed: set[str] = set()

    def remember(self, key: str, seq: int) -> None:
        self.made.add(key)
        super().remember(key, seq)

    def get(self, key: str) -> Optional[int]:
        seq = self.seqs.get(key)
        if seq is None:
            self.missed.add(key)
        return seq


class PartSpeakers(Speakers[Step]):
    """A part's answers waiting for a speaker: also every digest it made wait (`made`), every digest it looked for in
    vain (`missed`) and the most answers that waited at once (`peak`, counted before the oldest is let go)."""

    __slots__ = ("made", "missed", "peak")

    def __init__(self) -> None:
        super().__init__(_unbound)
        self.made: set[int] = set()
        self.missed: set[int] = set()
        self.peak = 0

    def _wait(self, digest: int, step: Step) -> None:
        self.made.add(digest)
        self.peak = max(self.peak, len(self.waiting) + (digest not in self.waiting))
        super()._wait(digest, step)

    def _name(self, digest: int, name: str) -> None:
        if digest not in self.waiting:
            self.missed.add(digest)
        super()._name(digest, name)


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


@dataclass
class CluesPart:
    """What a part's collector gives back (pickled: nothing holds a callable)."""

    track: RunTrack  # its run's steps, open agents and clues (its call numbers count from the cut)
    ended: list[AgentSteps]  # the agents that ended, in the order they ended, not judged
    loose: list[tuple[bool, Step]]  # the steps in no agent: kept (True) or ended (False), in the order met
    spent: list[Step]  # the LLM calls that ended, in order
    repeated: list[Step]  # the calls with inputs that ended, in order


class PartClues(Clues):
    """The collector of one part (see the module's text): `shipped` once it stopped."""

    def __init__(self, clues: Clues):
        super().__init__(clues.judging, clues.price)
        self.agents_ended: list[AgentSteps] = []
        self.loose: list[tuple[bool, Step]] = []
        self.spent: list[Step] = []
        self.repeated: list[Step] = []

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
        return CluesPart(track, self.agents_ended, self.loose, self.spent, self.repeated)

    def _kept(self, owner: AgentSteps, step: Step) -> None:
        if owner.span_id == NO_AGENT:
            self.loose.append((True, step))
        else:
            super()._kept(owner, step)

    def _past(self, owner: AgentSteps, step: Step) -> None:
        if owner.span_id == NO_AGENT:
            self.loose.append((False, step))
        else:
            super()._past(owner, step)

    def _repeat(self, track: RunTrack, step: Step) -> None:
        self.repeated.append(step)

    def _spend(self, track: RunTrack, step: Step) -> None:
        self.spent.append(step)

    def _judge(self, track: RunTrack, agent: AgentSteps) -> None:
        self.agents_ended.append(agent)
