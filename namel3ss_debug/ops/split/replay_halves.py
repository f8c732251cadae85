"""`replay` of one big run on two cores: its timeline's second half read by a forked process, then joined.

Only where it can be exact, as `analyze` reads in halves (`ops/split/analyze_halves.py`): one run of plain v1 files
of 32 MiB or more, no `--run` (the run kept is the input's first), a quiet point near its middle. The second
half is read from there with the root span as its ghost (`replay/load.FileReading`) and joined to the first
(`replay/joined.py`); where the join refuses, or the other process died, the second half is read again here,
going on with the first half's reading. Either way the timeline is the one a single reading gives.
"""

from __future__ import annotations

from typing import Callable

from ...replay.joined import NotMergeable, join
from ...replay.load import FileReading
from ...replay.timeline import Timeline
from ...store.reader import Part, TraceReader
from ...store.sources import RunSource
from .cut import Cut, numbered
from ..heap import give_back
from .second_half import SecondHalf, join_indexes, reading_again


class TimelineHalves:
    """The second half being read by another process from now; `timeline` reads the first here and joins."""

    def __init__(self, source: RunSource, cut: Cut, strict: bool, on_warning: Callable[[str], None] | None):
        self.source, self.cut = source, cut
        ghost = (cut.root_id, cut.first_event)
        wanted = cut.first_event.get("run_id")
        self.second = SecondHalf(source, cut, strict, on_warning,
                                 lambda reader, part: _second_half(reader, part, source, wanted, ghost))

    def timeline(self, reader: TraceReader, progress: Callable[[int], None]) -> Timeline:
        """The whole run's timeline (not yet checked for events: `load.checked`)."""
        try:
            reader.progress = self.second.progress(progress)
            first = FileReading(self.source, None)
            first.feed(reader.line_blocks_part(self.source, self.cut.first))
            second = self.second.receive()
            progress(self.second.catch_up())
            if second is not None:
                theirs, problems, indexes = second
                join_indexes(reader, indexes)
                try:
                    join(first, theirs, self.cut.root_id)
                except NotMergeable:
                    pass
                else:
                    reader.problems.absorb(problems)
                    del theirs, second
                    give_back()  # what the join let go of, before the timeline is kept (its msgpack, a copy)
                    return first.done()
            with reading_again(reader, died=second is None) as again:
                first.feed(again.line_blocks_part(self.source, numbered(self.cut, self.source)))
            return first.done()
        finally:
            self.second.stop()


def _second_half(reader: TraceReader, part: Part, source: RunSource, wanted: str | None,
                 ghost: tuple[str, dict]) -> FileReading:
    """In the forked process: the rest of the run read from the cut, under the root as a ghost."""
    reading = FileReading(source, wanted, ghost)
    reading.feed(reader.line_blocks_part(source, part))
    return reading
