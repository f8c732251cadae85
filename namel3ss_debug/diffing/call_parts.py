"""`diff`'s call recorder over one big run read in parts (`ops/reading/parts.py`): each part's calls recorded in its
worker (`PartRecorder`, seeded with the run's id and root) and joined in their place by the asking process's
recorder (`JoiningRecorder.adopt`), which then holds the calls one recorder reading the whole file holds.

A part is cut where a child of the run's root starts, and its tally stops at the first record that would read what
came before the cut; the part's recorder sees the records its tally took. Its call numbers count from its cut (the
join adds the run's count of each operation there); its calls' parents are its own calls, or the root
(`call_table.ROOT_PARENT`), which the join makes the run's root call. What it cannot know, it says
(`PartCalls.sound` False), and the asking process reads the part's lines itself: a call with no parent in the part
but the root (a second root, or a parent that ended before the cut), an event of another run, a block the typed
decoder did not read whole. The join takes a part only where the run's root alone is open at its cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from ..store.line_blocks import LineBlock
from ..store.records import EventRecord
from ..model.text_keys import RunChoice
from .call_table import ROOT_PARENT, CallTable
from .calls import CallRecorder, OpenCall


@dataclass
class PartCalls:
    """What a part's recorder gives back (pickled to the asking process)."""

    table: CallTable  # its calls, in the order they started; parents and numbers as the module's text says
    numbers: dict[tuple[str, str], int]  # (component, name) -> its events in the part that count in call numbers
    open: dict[str, OpenCall]  # the spans open where it stopped (the root's among them)
    closed: list[tuple[str, OpenCall]]  # the spans it saw end, the last remembered, in the order they ended
    events: int  # its events of the run
    root: str  # the run's root span id
    sound: bool  # False: what it recorded is not what one recorder records there


class PartRecorder(CallRecorder):
    """The recorder of one part: the run's root open (its call before the cut), the run's id the one kept."""

    def __init__(self, run_id: str, root: str):
        super().__init__()
        self._runs = RunChoice(run_id, self.other_runs)
        self._spans.start(root, (ROOT_PARENT, 0, False))
        self.root = root
        self.sound = True

    @classmethod
    def of_head(cls, head: Iterable[EventRecord]) -> Optional[PartRecorder]:
        """The recorder of a part of the run whose first records are `head`; None without a root among them."""
        root = next((record for record in head if record.parent_id is None and record.status == "started"), None)
        return cls(root.run_id, root.span_id) if root is not None else None

    def see(self, block: LineBlock, upto: Optional[int]) -> None:
        """A block the part's tally read, or its first `upto` records (where the tally stopped)."""
        if not self.sound:
            return
        if not block.decoded:
            self.sound = False  # its events would be read as dicts: the asking process reads them
            return
        self.add_block(block.records if upto is None else block.records[:upto], block.path, block.offsets)

    def part(self) -> PartCalls:
        self._hand_over()
        table = self._table
        sound = self.sound and not self.other_runs and -1 not in table.parent and self.root in self._spans.open
        return PartCalls(table, self._numbers, dict(self._spans.open), list(self._spans.closed.items()),
                         self.events, self.root, sound)


class JoiningRecorder(CallRecorder):
    """The asking process's recorder of a run read in parts: the calls of the lines it reads, and each part's
    adopted in its place."""

    def settles(self, part: Optional[PartCalls]) -> bool:
        """Whether a part's calls join here: recorded soundly, from a cut where the run's root alone is open."""
        return part is not None and part.sound and list(self._spans.open) == [part.root]

    def adopt(self, part: PartCalls) -> None:
        """The part's calls after those read here (`settles` said yes), and where its spans stand."""
        self._hand_over()
        spans, numbers, base = self._spans, self._numbers, self._calls
        root = spans.open[part.root][0]
        self._table.append(part.table, root, lambda component, name: numbers.get((component, name), 0))
        for operation, count in part.numbers.items():
            numbers[operation] = numbers.get(operation, 0) + count

        def moved(call: OpenCall) -> OpenCall:
            return (root if call[0] == ROOT_PARENT else call[0] + base, call[1], call[2])

        for span_id, call in part.open.items():
            if call[0] != ROOT_PARENT:
                spans.open[span_id] = moved(call)
        for span_id, call in part.closed:
            spans.closed[span_id] = moved(call)
            if len(spans.closed) > spans.remembered:
                spans.closed.popitem(last=False)
        self._calls += len(part.table)
        self.events += part.events
