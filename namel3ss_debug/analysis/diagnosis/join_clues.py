"""A part's diagnosis (`part_clues.CluesPart`) added to the collector of the records before its cut, as one pass
would have collected them, or refused (`analysis/join.py` asks both, before it changes anything).

The part was collected with no agent, step or agent turn open, no instruction to ask before acting, no link to an
LLM call and no answer waiting for a speaker. The state at the cut is that one, as far as the part read it
(`settled`), when:
- no agent, step or turn is open, and the run knows no instruction to ask before acting;
- no key the part linked or looked up is linked before the cut, no digest it made wait or looked for waits there,
  and no agent span id of the part was one before it;
- the part noted every actor and term it met (it was not past `MAX_ACTORS` or `writers.MAX_TERMS` alone), and the
  schemas, planners and tools of both sides fit under their bounds together;
- the plans made before the cut come before every record of the part (an answer after a plan is its last).

Then (`add`) the part's call numbers go on from the run's, each run clue is continued (the first few kept in
order, the last few, the sums added in the run's order by doing the part's notes again), the part's open agents and
steps become the run's, and the agents that ended in it are judged, in the order they ended.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from ..run_state import RunState
from .clues import MAX_SCHEMAS, Clues
from .given import Given
from .links import MAX_LINKS, Links
from .part_clues import CluesPart, PartFiles, PartGiven, PartLinks, PartPlans, PartSpeakers
from .plans import MAX_PLANNERS, MAX_TOOLS, Plans
from .speakers import MAX_WAITING, Speakers
from .steps import MAX_ACTORS, MAX_ERRORS, MAX_STOP_REQUESTS, OPENING_STEPS, RunClues, Step
from .writers import MAX_TERMS, Writers


def settled(clues: Clues, run: RunState, part: CluesPart, least_seq: int) -> bool:
    """Whether the run's state at the cut is the one the part was collected from (see the module's text);
    `least_seq`: the least seq of the part's records."""
    track, mine = clues.track(run), part.track
    before, theirs = track.clues, mine.clues
    if track.agents or track.open or track.turns or before.consent.rule is not None:
        return False
    if theirs.more_actors or theirs.writers.unindexed:
        return False
    if _touched(track.by_span, mine.by_span) or _touched(track.by_call_id, mine.by_call_id):
        return False
    speakers = mine.speakers
    assert isinstance(speakers, PartSpeakers)
    if any(digest in speakers.made or digest in speakers.missed for digest in track.speakers.waiting):
        return False
    if any(span_id in before.agents for span_id in theirs.agents):
        return False
    if len(before.schemas.keys() | theirs.schemas.keys()) > MAX_SCHEMAS:
        return False
    plans, more = before.plans, theirs.plans
    if len(plans.plans.keys() | more.plans.keys()) > MAX_PLANNERS or len(plans.calls.keys() | more.calls.keys()) \
            > MAX_TOOLS:
        return False
    return all(plan.step.seq < least_seq for plan in plans.plans.values())


def _touched(links: Links, part: Links) -> bool:
    assert isinstance(part, PartLinks)
    return any(key in part.made or key in part.missed for key in links.seqs)


def add(clues: Clues, run: RunState, part: CluesPart) -> None:
    """`part` added to `clues`, whose run holds every record before its cut (`settled` said yes)."""
    track, mine = clues.track(run), part.track
    for step in _steps(part):
        _renumber(step, track.numbers)
    for op, count in mine.numbers.items():
        track.numbers[op] = track.numbers.get(op, 0) + count
    _run_clues(track.clues, mine.clues)
    track.recent.extend(mine.recent)
    if mine.final_rank == 1:
        track.clues.final_text, track.clues.final_seq, track.final_rank = \
            mine.clues.final_text, mine.clues.final_seq, 1
    for kept, step in part.loose:
        if kept:
            clues._kept(track.loose, step)
        else:
            clues._past(track.loose, step)
    for step in part.spent:
        clues._spend(track, step)
    for step in part.repeated:
        clues._repeat(track, step)
    _links(track.by_span, mine.by_span)
    _links(track.by_call_id, mine.by_call_id)
    _speakers(track.speakers, mine.speakers)
    track.agents, track.open, track.turns = mine.agents, mine.open, mine.turns
    for agent in part.ended:
        clues._judge(track, agent)


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
    if part.consent.rule is not None:
        into.consent = part.consent
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
        if place != part.first or not into.asked:
            into.add(text)
    into.asked = into.asked or part.asked


def _links(into: Links, part: Links) -> None:
    """The part's links after the run's: the run's oldest let go as one pass would have let them go."""
    drop = min(len(into.seqs), max(len(into.seqs) + len(part.seqs) + part.dropped - MAX_LINKS, 0))
    _drop_oldest(into.seqs, drop)
    into.dropped += drop + part.dropped
    into.seqs.update(part.seqs)


def _speakers(into: Speakers[Step], part: Speakers[Step]) -> None:
    """The part's waiting answers after the run's, the run's oldest let go as one pass would have let them go (the
    most that waited in the part at once, on top of the run's)."""
    assert isinstance(part, PartSpeakers)
    waiting = into.waiting
    _drop_oldest(waiting, min(len(waiting), max(len(waiting) + part.peak - MAX_WAITING, 0)))
    waiting.update(part.waiting)


def _drop_oldest(items: dict[Any, Any], count: int) -> None:
    if count:
        kept = list(items.items())[count:]
        items.clear()
        items.update(kept)


def _renumber(step: Step, before: dict[tuple[str, str], int]) -> None:
    """A part's step's call number counted from the run's start: the run's calls of its op before the cut added."""
    count = before.get((step.component, step.name))
    if count:
        head, _, number = step.address.rpartition("#")
        step.address = f"{head}#{int(number) + count}"


def _steps(part: CluesPart) -> Iterator[Step]:
    """Every step the part gives back, each once (a step is held in several places)."""
    mine = part.track
    theirs = mine.clues
    seen: set[int] = set()
    held: list[Iterable[Step]] = [
        *(agent.steps for agent in part.ended), *(agent.steps for agent in mine.agents.values()),
        mine.open.values(), (step for _, step in part.loose), mine.recent, theirs.opening, theirs.errors,
        (step for step, _ in theirs.stop_requests), part.spent, part.repeated,
        (written.first for written in theirs.writers.terms.values()), _logged(theirs),
        mine.speakers.waiting.values(), _plan_steps(theirs.plans), _consent_steps(theirs),
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
