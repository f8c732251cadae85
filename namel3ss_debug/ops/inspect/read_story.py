"""`inspect --journey AGENT` and `--causality N|ID`: events told in order, around an agent or an error."""

from __future__ import annotations

from dataclasses import dataclass

from ...analysis.causality import Causality, causality
from ...analysis.fields import is_failure
from ...analysis.journey import Journey, journey
from ...model.errors import UsageError
from ...model.limits import shown
from ...store.reader import Located
from ...store.sources import RunSource
from .inspect import InspectRequest
from .stream import EventStream


@dataclass(frozen=True)
class CauseStory:
    """What led up to `target`: the spans around it and the related events before it."""

    found: Causality
    target: Located


def read_journey(request: InspectRequest, stream: EventStream) -> Journey:
    """One agent's events in order, nested under its spans."""
    agent = request.target
    assert agent is not None
    story = journey((item.event for item in stream.all()), agent)
    if not story.steps:
        known = ", ".join(story.agents_seen[:10])
        raise UsageError(f"no agent named {shown(agent)} in {stream.label}",
                         hint=f"agents here: {known}" if known else "this trace has no agent spans")
    return story


def read_causality(request: InspectRequest, stream: EventStream) -> CauseStory:
    """The spans around an event and the related events in the lookback window before it."""
    source, target = _target(request.target or "", stream)
    return CauseStory(causality((item.event for item in stream.of(source)), target.event, request.lookback_ms),
                      target)


def _target(ref: str, stream: EventStream) -> tuple[RunSource, Located]:
    """The event a seq names, or for an id the failing one of its events (else the last)."""
    source, items = stream.resolve(ref, "--causality")
    failing = [item for item in items if is_failure(item.event)]
    return source, (failing or items)[-1]
