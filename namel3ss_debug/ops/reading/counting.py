"""Counting the records `analyze` reads, and saying once which event types it does not know."""

from __future__ import annotations

from typing import Iterator, Protocol, TypeVar

from ...model.events import is_known_event_type
from ...store.handed import HandedRun
from ...store.problems import ReadProblems
from ...store.records import EventRecord


class Records(Protocol):
    """A block of records: a sequence of them, or a `LineBlock`."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[EventRecord]: ...


Block = TypeVar("Block", bound=Records)  # a block of records, handed on as it came


class Counted:
    """Counts the records that go by, whatever sections the report keeps, and says which types are unknown."""

    def __init__(self, problems: ReadProblems) -> None:
        self.events = 0
        self.problems = problems

    def __call__(self, source: HandedRun, blocks: Iterator[Block]) -> Iterator[Block]:
        for block in blocks:
            self.events += len(block)
            for event_type in {record.event_type for record in block}:
                if not is_known_event_type(event_type):
                    self.problems.unknown_type(event_type, source.label)
            yield block
