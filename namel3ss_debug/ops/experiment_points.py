"""The fork points of `diagnose --experiment`: a recorded run's model calls, and which of them the blame points at.

A fork point is a model request the app sent on the wire (an LLM span whose start names its API: only such a
request can be sent again as recorded); a run with none (its LLM calls are the app's own decorated functions)
takes its `llm` calls instead. A blame's step maps to the last model call that started at or before it: an LLM
call is itself; a tool, an error or an answer is what the model said before it.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Iterable

from ..analysis.records.findings import Blame
from ..judging.experiment import ForkPoint
from ..recording.calls import RecordedCall, Recording
from ..recording.endpoints import request_api
from ..recording.timeline import Timeline

LLM, AGENT = "llm", "agent"


def fork_points(recording: Recording) -> list[ForkPoint]:
    """The run's model calls, in the order they started (requests on the wire when there are any)."""
    timeline = recording.timeline
    calls = sorted((call for call in recording.calls if call.component == LLM), key=lambda call: call.start)
    wired = [call for call in calls if request_api(timeline.event(call.start).get("attrs")) is not None]
    return [ForkPoint(call.key, number, _seq(timeline, call), _agent(timeline, call.start))
            for number, call in enumerate(wired or calls, 1)]


def candidate_points(blame: Blame | None, points: list[ForkPoint]) -> tuple[list[ForkPoint], list[int]]:
    """`points` with each the blame's candidates map to marked (its rank: 0 is the blame's own step), and those
    points' indices, best first, each once."""
    if blame is None or not points:
        return points, []
    seqs = [point.seq for point in points]
    ranks: dict[int, int] = {}
    for rank, seq in enumerate(_candidate_seqs(blame)):
        at = bisect_right(seqs, seq)
        if at >= 1:
            ranks.setdefault(at, rank)
    marked = [_marked(point, ranks.get(point.index)) for point in points]
    return marked, sorted(ranks, key=ranks.__getitem__)


def read_call(blame: Blame | None, points: list[ForkPoint]) -> str | None:
    """The model call the blame's decisive step maps to, or None when no step is blamed."""
    if blame is None or blame.step is None:
        return None
    at = bisect_right([point.seq for point in points], blame.step.ref.seq)
    return points[at - 1].call if at >= 1 else None


def _candidate_seqs(blame: Blame) -> Iterable[int]:
    if blame.candidates:
        return (candidate.step.ref.seq for candidate in blame.candidates)
    return (blame.step.ref.seq,) if blame.step is not None else ()


def _marked(point: ForkPoint, rank: int | None) -> ForkPoint:
    if rank is None:
        return point
    return ForkPoint(point.call, point.index, point.seq, point.agent, rank)


def _seq(timeline: Timeline, call: RecordedCall) -> int:
    seq = timeline.event(call.start).get("seq")
    return seq if isinstance(seq, int) else call.start


def _agent(timeline: Timeline, index: int) -> str | None:
    """The innermost agent span the call ran in, by its name."""
    for start in reversed(timeline.enclosing(index)):
        if timeline.component(start) == AGENT:
            return timeline.name(start)
    return None
