"""`inspect --journey AGENT` and `--causality N|ID`: events told in order, around an agent or an error."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...render.inspect import inspect_json as js

if TYPE_CHECKING:
    from ..output import Sink
    from ...analysis.journey import Journey
    from ...ops.inspect.inspect import InspectRequest
    from ...ops.inspect.read_story import CauseStory


def show_journey(request: InspectRequest, story: Journey, sink: Sink) -> None:
    """One agent's events in order, nested under its spans."""
    if sink.fmt == "jsonl":
        for step in story.steps[: request.limit]:
            sink.write(js.dumps(step.event) + b"\n")
    elif sink.fmt == "json":
        sink.write(js.dumps(js.document("journey", **js.journey_body(story, request.limit))) + b"\n")
    else:
        from ...render.inspect.stories import journey_view  # noqa: PLC0415 - Rich only for a table

        sink.print(journey_view(story, request.limit))


def show_causality(request: InspectRequest, story: CauseStory, sink: Sink) -> None:
    """The spans around an event and the related events in the lookback window before it."""
    found = story.found
    if sink.fmt == "jsonl":
        steps = found.steps if request.limit is None else found.steps[-request.limit:]
        for step in steps:
            sink.write(js.dumps(step.event) + b"\n")
    elif sink.fmt == "json":
        body = js.causality_body(found, request.limit)
        sink.write(js.dumps(js.document("causality", where=story.target.where, **body)) + b"\n")
    else:
        from ...render.inspect.stories import causality_view  # noqa: PLC0415 - Rich only for a table

        sink.print(causality_view(found, request.limit))
