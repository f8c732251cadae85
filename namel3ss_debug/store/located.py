"""An event read as a dict, with where it is."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..model.json_types import JsonEvent

Placed = tuple[JsonEvent, int, int]  # an event, the number of the line it came from and that line's offset


@dataclass(frozen=True)
class Located:
    """An event dict and where it is: `path:line`, and its byte offset in the (decompressed) file."""

    event: JsonEvent
    path: str
    line: int
    offset: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


class Mapper(Protocol):
    """What reads a foreign format as v1 events (`formats.mapper_for`: legacy, n3, OTLP/JSON): each line's
    object through `map`, then through `finish` what the file left open."""

    def map(self, obj: JsonEvent) -> list[JsonEvent]: ...

    def finish(self) -> list[JsonEvent]: ...


@runtime_checkable
class LineMapper(Mapper, Protocol):
    """A mapper that reads the file's lines itself (OTLP/JSON: a request a line, or one document over many)
    and gives every event out at the end, each with its place."""

    @property
    def holding(self) -> bool:
        """Whether the file gave an event so far."""

    def feed(self, line: bytes, where: str, tail: bool = False, offset: int = 0) -> None: ...

    def finish_placed(self) -> Iterator[Placed]: ...


def placed_events(mapper: Mapper) -> Iterable[Placed]:
    """What a foreign format's mapper gives out when its file ends, each event with its place: the line it came
    from (OTLP/JSON: a span's request), or line 0 for the events that come from no line of their own (spans a
    legacy or n3 file left open, the run's end); OTLP/JSON's one at a time."""
    if isinstance(mapper, LineMapper):
        return mapper.finish_placed()
    return [(event, 0, 0) for event in mapper.finish()]
