"""A part's diagnosis (`clues.CluesPart`) added to the collector of the records before its cut, as one pass
would have collected them, or refused (`analysis/join.py` asks both, before it changes anything).

The part was collected with no step open and no link, answer waiting for a speaker or instruction to ask before
acting known. The state at the cut is that one, as far as the part read it (`settled`), when:
- no step is open (an agent turn is a step, and a root's turn holds its children; an agent that is the root is
  refused by `analysis/join.py`, for its loop watch);
- the run knew no instruction to ask before acting, or the part's first LLM call found the same one;
- the links the part made and looked up, made and looked up again on the run's links, find what the part found,
  or an LLM call before the cut where the part found none (`_asked`: then the tool gets it, unless it was in an
  agent the part judged without it); and so do the answers it made wait for a speaker and looked for (an answer
  before the cut said again in the part gets its speaker's name, `_waiting`);
- the part noted every actor and term it met (it was not past `MAX_ACTORS` or `writers.MAX_TERMS` alone), and the
  schemas, planners, tools and actors of both sides fit under their bounds together;
- the plans made before the cut come before every record of the part (an answer after a plan is its last).

Then (`add`) the part's marked call numbers are written as the run's, in its steps and in the findings it judged
(which follow the run's in order), each run clue is continued (the first few kept in order, the last few, the
sums added in the run's order by doing the part's notes again), and the part's open agents and steps become the
run's.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Callable, Iterable, Iterator, Optional, TypeVar

import msgspec

from ...run_state import RunState
from ..collector.clues import MAX_SCHEMAS, Clues, RunTrack
from ..notes.given import Given
from ..collector.actors import note_actor
from ..notes.consent import MAX_NOTED, AskBeforeActing
from ..collector.links import Links
from .clues import MARK, CluesPart, LooseEnd, PartFiles, PartGiven, PartLinks, PartPlans, PartSpeakers
from ...records.findings import Finding
from ..collector.repeats import note_call
from ..collector.spend import add_spend
from ..notes.plans import MAX_PLANNERS, MAX_TOOLS, Plans
from ..collector.speakers import Speakers, wait
from ..notes.steps import MAX_ACTORS, MAX_ERRORS, MAX_STOP_REQUESTS, OPENING_STEPS, AgentSteps, RunClues, Step
from ..notes.writers import MAX_TERMS, Writers

T = TypeVar("T")
MARKED = re.compile(MARK + r"(\d+)\.(\d+)" + MARK)  # a part's call number, marked with its operation's
MARKED_JSON = re.compile(r"\\u0000(\d+)\.(\d+)\\u0000")  # the same in JSON, where the mark is escaped
Named = list[tuple[Step, str]]  # answers from before the cut said again in a part, each with its speaker's name


def settled(clues: Clues, run: RunState, part: CluesPart, least_seq: int) -> bool:
    """Whether the run's state at the cut is the one the part was collected from (see the module's text);
    `least_seq`: the least seq of the part's records."""
    track, mine = clues.track(run), part.track
    before, theirs = track.clues, mine.clues
    if track.open or not _told_alike(before.consent, theirs.consent, part):
        return False
    if theirs.more_actors or theirs.writers.unindexed:
        return False
    if _asked(track, part) is None:
        return False
    said_again = _waiting(track.speakers.waiting, mine.speakers)
    if said_again is None or (said_again[1] and len(before.actors.keys() | theirs.actors.keys()
                                                    | {name for _, name in said_again[1]}) > MAX_ACTORS):
        return False
    if len(before.schemas.keys() | theirs.schemas.keys()) > MAX_SCHEMAS:
        return False
    plans, more = before.plans, theirs.plans
    if len(plans.plans.keys() | more.plans.keys()) > MAX_PLANNERS or len(plans.calls.keys() | more.calls.keys()) \
            > MAX_TOOLS:
        return False
    return all(plan.step.seq < least_seq for plan in plans.plans.values())


def _told_alike(before: AskBeforeActing, part: AskBeforeActing, told: CluesPart) -> bool:
    """Whether the part read its requests for the instruction to ask before acting as one pass would: the run knew
    none at the cut, or the part has no LLM call, or its first found the same one."""
    return before.rule is None or told.first_request is None or (
        part.rule == before.rule and part.told is not None and part.told.seq == told.first_request)


def _links(links: Links, part: Links) -> Optional[tuple[Links, dict[int, Optional[int]]]]:
    """The run's links with the part's made and looked up again in order, and what each look-up found (by its
    place in the part's log); None when one finds another LLM call than the part's did (a part's own link let go
    first)."""
    assert isinstance(part, PartLinks)
    again = Links()
    again.seqs, again.dropped = OrderedDict(links.seqs), links.dropped
    found: dict[int, Optional[int]] = {}
    for at, (key, seq, made) in enumerate(part.log):
        if made:
            assert seq is not None  # a link made is to an LLM call
            again.remember(key, seq)
            continue
        found[at] = again.get(key)
        if seq is not None and found[at] != seq:
            return None
    return again, found


def _asked(track: RunTrack, part: CluesPart) -> Optional[tuple[Links, Links, list[tuple[Step, int]]]]:
    """The run's links with the part's done again on them (`_links`), and the part's tools whose asking LLM call one
    pass finds where the part found none (a call before the cut: its first look-up that finds one, by span id, then
    by call id, at its start, then at its end), each with it; None when the part cannot be joined so (such a tool
    was in an agent the part judged)."""
    mine = part.track
    spans, calls = _links(track.by_span, mine.by_span), _links(track.by_call_id, mine.by_call_id)
    if spans is None or calls is None:
        return None
    asked: dict[int, tuple[Step, int]] = {}
    for step, span_from, span_to, call_from, call_to in part.linked:
        if id(step) in asked:
            continue  # found at its start: one pass looks no more
        seq = _first(spans[1], span_from, span_to)
        seq = seq if seq is not None else _first(calls[1], call_from, call_to)
        if seq is not None and seq != step.asked_by:
            if step.agent in part.judged:
                return None  # judged in the part without it
            asked[id(step)] = (step, seq)
    return spans[0], calls[0], list(asked.values())


def _first(found: dict[int, Optional[int]], start: int, end: int) -> Optional[int]:
    return next((seq for at in range(start, end) if (seq := found.get(at)) is not None), None)


def _waiting(waiting: dict[int, Step], part: Speakers[Step]) -> Optional[tuple[dict[int, Step], Named]]:
    """The run's answers waiting for a speaker with the part's made to wait and looked for again in order, and the
    answers from before the cut one pass finds said again in the part (each with its speaker's name); None when a
    look-up finds another of the part's answers than the part did. The run's answers take the tokens below 0."""
    assert isinstance(part, PartSpeakers)
    before = list(waiting.values())
    again = {digest: -2 - at for at, digest in enumerate(waiting)}  # -1: none
    named: Named = []
    for digest, token, name in part.log:
        if name is None:
            wait(again, digest, token)
            continue
        found = again.pop(digest, -1)
        if found == token:
            continue
        if token != -1 or found >= 0:
            return None
        named.append((before[-2 - found], name))
    live = part.waiting_tokens()
    return {digest: before[-2 - token] if token < 0 else live[token] for digest, token in again.items()}, named


def add(clues: Clues, run: RunState, part: CluesPart) -> None:
    """`part` added to `clues`, whose run holds every record before its cut (`settled` said yes)."""
    track, mine = clues.track(run), part.track
    number = _numbering(part.ops, track.numbers)
    for step in _steps(part):
        step.address = MARKED.sub(number, step.address)
    clues.findings += _renumbered(part.findings, number)
    for op, count in mine.numbers.items():
        track.numbers[op] = track.numbers.get(op, 0) + count
    _run_clues(track.clues, mine.clues)
    track.recent.extend(mine.recent)
    if mine.final_rank == 1:
        track.clues.final_text, track.clues.final_seq, track.final_rank = \
            mine.clues.final_text, mine.clues.final_seq, 1
    _loose(clues, track.loose, part)
    for model, ms, cost, costly in part.spent:
        if add_spend(track.clues, model, ms, cost):
            assert costly is not None  # a call that cost more than every one before it in the part
            track.clues.costliest = costly
    for ended in part.repeated:
        note_call(track.firsts, track.repeats, *ended)
    track.by_span, track.by_call_id, asked = _known(_asked(track, part))
    _ask(asked, mine.clues.writers)
    track.speakers.waiting, named = _known(_waiting(track.speakers.waiting, mine.speakers))
    for step, name in named:  # an answer from before the cut, said again in the part under its speaker's name
        if step.turn is None:
            step.turn = name
            note_actor(track.clues, step)
    track.agents, track.open, track.turns = mine.agents, mine.open, mine.turns


def _loose(clues: Clues, loose: AgentSteps, part: CluesPart) -> None:
    """The part's steps in no agent kept or counted after the run's, and those past them counted as they end."""
    for kept, step in part.loose:
        if not kept:
            assert isinstance(step, LooseEnd)
            clues._past(loose, step)
        elif step is not None:
            assert isinstance(step, Step)
            clues._kept(loose, step)
        else:  # a step past the part's first MAX_AGENT_STEPS: past the run's kept ones too
            loose.dropped += 1


def _numbering(ops: list[tuple[str, str]], before: dict[tuple[str, str], int]) -> Callable[[re.Match[str]], str]:
    """What writes a marked call number (`clues.MARK`) as the run's: the run's calls of its operation before
    the cut added."""
    def number(found: re.Match[str]) -> str:
        return str(int(found[2]) + before.get(ops[int(found[1])], 0))

    return number


def _renumbered(findings: list[Finding], number: Callable[[re.Match[str]], str]) -> list[Finding]:
    """The part's findings with the run's call numbers in every text (in their JSON, where the mark is escaped)."""
    if not findings:
        return findings
    text = MARKED_JSON.sub(number, msgspec.json.encode(findings).decode())
    return msgspec.json.decode(text, type=list[Finding])


def _run_clues(into: RunClues, part: RunClues) -> None:
    into.opening += part.opening[:max(OPENING_STEPS - len(into.opening), 0)]
    into.errors += part.errors[:max(MAX_ERRORS - len(into.errors), 0)]
    into.errors_seen += part.errors_seen
    for kept in part.stop_requests:
        if len(into.stop_requests) < MAX_STOP_REQUESTS:
            into.stop_requests.append(kept)
        else:
            into.stop_requests[-1] = kept
    if part.stopped_answer is not None:
        into.stopped_answer = part.stopped_answer
    into.agents.update(part.agents)
    for name, steps in part.actors.items():
        if name in into.actors:
            into.actors[name] += steps
        elif len(into.actors) < MAX_ACTORS:
            into.actors[name] = steps
        else:
            into.more_actors = True
    into.handoffs += part.handoffs
    into.schemas.update(part.schemas)
    if part.slowest is not None and (into.slowest is None
                                     or (part.slowest.duration_ms or 0.0) > (into.slowest.duration_ms or 0.0)):
        into.slowest = part.slowest
    _writers(into.writers, part.writers)
    _consent(into, part.consent)
    assert isinstance(part.plans, PartPlans) and isinstance(part.given, PartGiven)
    assert isinstance(part.files, PartFiles)
    _plans(into.plans, part.plans)
    _given(into.given, part.given)
    for step in part.files.log:
        into.files.note(step)


def _writers(into: Writers, part: Writers) -> None:
    """The part's terms after the run's: a term new to the run noted while there is room, else each of its
    writers unindexed (as one pass counts them)."""
    terms = into.terms
    for key, written in part.terms.items():
        found = terms.get(key)
        if found is not None:
            found.steps += written.steps
        elif len(terms) < MAX_TERMS:
            terms[key] = written
        else:
            into.unindexed += written.steps


def _plans(into: Plans, part: PartPlans) -> None:
    """A plan made before the cut has the agent's last answer in the part as its last; the part's plans replace
    the agents' earlier ones; each tool's first and last call go on."""
    for agent, plan in into.plans.items():
        answer = part.answers.get(agent)
        if answer is not None and agent not in part.plans:
            plan.last = answer
    into.plans.update(part.plans)
    for name, (first, last) in part.calls.items():
        known = into.calls.get(name)
        if known is None:
            into.calls[name] = (first, last)
        elif first >= 0:
            into.calls[name] = (known[0], last) if known[0] >= 0 else (first, last)


def _given(into: Given, part: PartGiven) -> None:
    for place, text in enumerate(part.said):
        if place != part.first:
            into.add(text)
        elif not into.asked:  # the run's first request: the end of its input (`Given.input_chars`)
            into.ask(text)
    into.asked = into.asked or part.asked


def _ask(asked: list[tuple[Step, int]], writers: Writers) -> None:
    """Each of the part's tools asked for by the LLM call one pass finds before the cut, and so the slim copy a
    term's first writer keeps of it (made at its end, after its last look-up)."""
    fixed = {(step.seq, step.span_id): seq for step, seq in asked}
    for step, seq in asked:
        step.asked_by = seq
    if fixed:
        for written in writers.terms.values():
            first = written.first
            if (first.seq, first.span_id) in fixed:
                first.asked_by = fixed[first.seq, first.span_id]


def _known(again: Optional[T]) -> T:
    assert again is not None  # `settled` did it without a look-up finding another
    return again


def _consent(into: RunClues, part: AskBeforeActing) -> None:
    """The instruction known before the cut goes on with the part's actions asked for without a yes (the part read
    its requests with the same instruction); else the part's is the run's."""
    consent = into.consent
    if consent.rule is None:
        into.consent = part
        return
    consent.said.update(part.said)
    consent.unconfirmed += part.unconfirmed[:max(MAX_NOTED - len(consent.unconfirmed), 0)]
    consent.count += part.count


def _steps(part: CluesPart) -> Iterator[Step]:
    """Every step the part gives back, each once (a step is held in several places)."""
    mine = part.track
    theirs = mine.clues
    seen: set[int] = set()
    held: list[Iterable[Step]] = [
        *(agent.steps for agent in mine.agents.values()), mine.open.values(), mine.recent, theirs.opening,
        theirs.errors, (step for _, step in part.loose if isinstance(step, Step)),
        part.spent.costliest.values(), (step for step, *_ in part.linked),
        (step for step, _ in theirs.stop_requests), (written.first for written in theirs.writers.terms.values()),
        _logged(theirs), mine.speakers.waiting.values(), _plan_steps(theirs.plans), _consent_steps(theirs),
        [step for step in (theirs.slowest,) if step is not None],
    ]
    for steps in held:
        for step in steps:
            if id(step) not in seen:
                seen.add(id(step))
                yield step


def _plan_steps(plans: Plans) -> Iterator[Step]:
    assert isinstance(plans, PartPlans)
    for plan in plans.plans.values():
        yield plan.step
        if plan.last is not None:
            yield plan.last
    yield from plans.answers.values()


def _logged(clues: RunClues) -> list[Step]:
    assert isinstance(clues.files, PartFiles)
    return clues.files.log


def _consent_steps(clues: RunClues) -> Iterator[Step]:
    consent = clues.consent
    if consent.told is not None:
        yield consent.told
    for unconfirmed in consent.unconfirmed:
        yield unconfirmed.asked
