"""Runs read here by a reader the asker holds (`GivenReader`): `verify`'s recording, its timeline built from the blocks
its outcome is judged from (`ops/judged.read_recording`), and a side of `diff --jobs` read while the other is read
in a worker, its problems logged for the asker to say in their turn (`ops/diff_sides.py`). The reader's problems
hear what the read meets and its own progress the bytes read: the read draws no bar of its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...analysis.prices import Pricer
from ...store.formats import rereadable
from ...store.problems import ReadProblems
from ...store.reader import TraceReader
from ..environment import Environment
from .counting import Counted
from .watching import Watching, seen
from .way import ReadResult
from .whole import analysed

if TYPE_CHECKING:
    from .plan import ReadPlan


@dataclass(frozen=True)
class GivenReader:
    """Reads the plan's runs with `reader`, a block of lines at a time shown to `watching`. `quiet_types`: the
    types this version does not know are not said here (a recording's are said, if at all, as its timeline is
    read: by the reader of a mapped format)."""

    reader: TraceReader
    quiet_types: bool = False

    def read(self, plan: ReadPlan, pricer: Pricer, env: Environment, watching: Watching) -> ReadResult:
        reader = self.reader
        counted = Counted(ReadProblems() if self.quiet_types else reader.problems)
        runs = ((source, counted(source, seen(reader.line_blocks(source), watching, source.files,
                                              watching.recorder is not None and rereadable(source))))
                for source in plan.sources)
        report = analysed(runs, plan.settings, pricer, reader.problems, watching, lambda: 0)
        return ReadResult(report, reader.problems, counted.events)
