"""An event read as a dict, with where it is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Placed = tuple[dict[str, Any], int, int]  # an event, the number of the line it came from and that line's offset


@dataclass(frozen=True)
class Located:
    """An event dict and where it is: `path:line`, and its byte offset in the (decompressed) file."""

    event: dict[str, Any]
    path: str
    line: int
    offset: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def placed_events(mapper: Any) -> Iterable[Placed]:
    """What a foreign format's mapper gives out when its file ends, each event with its place: the line it came
    from (OTLP/JSON: a span's request), or line 0 for the events that come from no line of their own (spans a
    legacy or n3 file left open, the run's end); OTLP/JSON's one at a time."""
    finish_placed = getattr(mapper, "finish_placed", None)
    if finish_placed is not None:
        return finish_placed()
    return [(event, 0, 0) for event in mapper.finish()]
