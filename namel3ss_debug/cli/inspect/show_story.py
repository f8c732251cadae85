"""`inspect --journey AGENT` and `--causality N|ID`: events told in order, around an agent or an error, as JSON
or JSON Lines (their tables are in tables.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...render.inspect import inspect_json as js

if TYPE_CHECKING:
    from ..output import Sink
    from .writing import Viewed


def show_journey(viewed: Viewed, sink: Sink) -> None:
    """One agent's events in order, nested under its spans."""
    request, story = viewed
    if sink.fmt == "jsonl":
        for step in story.steps[: request.limit]:
            sink.write(js.dumps(step.event) + b"\n")
    else:
        sink.write(js.dumps(js.document("journey", **js.journey_body(story, request.limit))) + b"\n")


def show_causality(viewed: Viewed, sink: Sink) -> None:
    """The spans around an event and the related events in the lookback window before it."""
    request, story = viewed
    found = story.found
    if sink.fmt == "jsonl":
        steps = found.steps if request.limit is None else found.steps[-request.limit:]
        for step in steps:
            sink.write(js.dumps(step.event) + b"\n")
    else:
        body = js.causality_body(found, request.limit)
        sink.write(js.dumps(js.document("causality", where=story.target.where, **body)) + b"\n")
