"""Who watches a read besides the pass that tallies it (`Watching`): `check`'s scan, `diff`'s call recorder and the
timeline `verify` builds of its recording, each shown every block of lines on the way (`seen`), and the hooks handed
the finished tally and the diagnosis's clues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator, Optional, Sequence

from ...analysis.diagnosis.collector.clues import Clues
from ...analysis.tally import Tally
from ...checks.scan import EventScan
from ...store.line_blocks import LineBlock
from ...store.records import EventRecord

if TYPE_CHECKING:  # loaded by the reads that record calls (`diff`) or build a timeline (`verify`), not by `analyze`
    from ...diffing.call_parts import JoiningRecorder
    from ...recording.load import FileReading


@dataclass(frozen=True)
class Watching:
    """`scan` (`check`'s), `recorder` (`diff`'s) and `timeline` (`verify`'s recording, built from the same read
    that judges it) see every event; `keep_tally` and `keep_clues` are handed the
    finished tally and its clues (`analysis.analyze.analyze`); `count_bytes` False: the overview says 0 bytes read,
    as a pass given records (`diff`'s, `check`'s) says."""

    scan: Optional[EventScan] = None
    recorder: Optional[JoiningRecorder] = None
    timeline: Optional[FileReading] = None
    keep_tally: Callable[[Tally], None] | None = None
    keep_clues: Callable[[Clues], None] | None = None
    count_bytes: bool = True

    @property
    def sees_lines(self) -> bool:
        """Whether a block's lines are shown to someone (then the records are read as line blocks)."""
        return self.scan is not None or self.recorder is not None or self.timeline is not None


def seen(blocks: Iterator[LineBlock], watching: Watching, files: Sequence[str], rereadable: bool,
         ) -> Iterator[Sequence[EventRecord]]:
    """The records of each block, the block shown first to the timeline being built (`verify`'s recording), to
    `check`'s scan and to `diff`'s call recorder (its places kept when the file can be read again)."""
    scan, recorder, timeline = watching.scan, watching.recorder, watching.timeline
    for block in blocks:
        if timeline is not None:
            timeline.see_block(block)
        if scan is not None:
            scan.see_block(block, files[block.file])
        if recorder is not None:
            recorder.see_block(block, rereadable)
        yield block.records
