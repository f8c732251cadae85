"""`inspect --journey AGENT` and `--causality N|ID`: events told in order, around an agent or an error."""

from __future__ import annotations

from ..analysis.causality import causality
from ..analysis.fields import is_failure
from ..analysis.journey import journey
from ..model.errors import UsageError
from ..render.inspect import to_json as js
from ..render.inspect.stories import causality_view, journey_view
from ..store.reader import Located
from ..store.sources import RunSource
from .inspect_cmd import InspectRequest
from .inspect_events import EventStream
from .inspect_sink import Sink


def show_journey(request: InspectRequest, stream: EventStream, sink: Sink) -> None:
    """One agent's events in order, nested under its spans."""
    agent = request.target
    assert agent is not None
    story = journey((item.event for item in stream.all()), agent)
    if not story.steps:
        known = ", ".join(story.agents_seen[:10])
        raise UsageError(f"no agent named {agent!r} in {stream.label}",
                         hint=f"agents here: {known}" if known else "this trace has no agent spans")
    if sink.fmt == "jsonl":
        for step in story.steps[: request.limit]:
            sink.write(js.dumps(step.event) + b"\n")
    elif sink.fmt == "json":
        sink.write(js.dumps(js.document("journey", **js.journey_body(story, request.limit))) + b"\n")
    else:
        sink.print(journey_view(story, request.limit))


def show_causality(request: InspectRequest, stream: EventStream, sink: Sink) -> None:
    """The spans around an event and the related events in the lookback window before it."""
    source, target = _target(request.target or "", stream)
    found = causality((item.event for item in stream.of(source)), target.event, request.lookback_ms)
    if sink.fmt == "jsonl":
        steps = found.steps if request.limit is None else found.steps[-request.limit:]
        for step in steps:
            sink.write(js.dumps(step.event) + b"\n")
    elif sink.fmt == "json":
        body = js.causality_body(found, request.limit)
        sink.write(js.dumps(js.document("causality", where=target.where, **body)) + b"\n")
    else:
        sink.print(causality_view(found, request.limit))


def _target(ref: str, stream: EventStream) -> tuple[RunSource, Located]:
    """The event a seq names, or for an id the failing one of its events (else the last)."""
    source, items = stream.resolve(ref, "--causality")
    failing = [item for item in items if is_failure(item.event)]
    return source, (failing or items)[-1]
