"""What the read path hands a pass (analysis, checks, diffing, replay): the run it reads, its records a block at
a time, and what the read met on the way. A pass depends on these shapes, not on the reader's classes
(`sources.RunSource`, `problems.ReadProblems`, the blocks `reader.TraceReader` gives), which satisfy them."""

from __future__ import annotations

from typing import Iterable, Protocol, Sequence

from .records import EventRecord

RecordBlocks = Iterable[Sequence[EventRecord]]  # a run's records, a block at a time, in the run's order


class HandedRun(Protocol):
    """A run a pass is handed: a label for messages, its files in reading order, its id when the caller knows it."""

    @property
    def label(self) -> str: ...

    @property
    def files(self) -> tuple[str, ...]: ...

    @property
    def run_id(self) -> str | None: ...


class ReadMet(Protocol):
    """What a read met that was not a clean event, as a pass counts it into its figures (the integrity
    section), and where a pass reports a line it refuses itself (an envelope of the wrong types)."""

    @property
    def torn(self) -> list[str]: ...

    @property
    def invalid(self) -> list[str]: ...

    @property
    def invalid_count(self) -> int: ...

    @property
    def dropped_fields(self) -> list[str]: ...

    @property
    def dropped_count(self) -> int: ...

    def invalid_line(self, where: str, why: str) -> None: ...
