"""Runs read here by a reader the asker holds (`Given`): `verify`'s recording, read again by the reader that loaded
its timeline (`ops/judged.judge_run`), and a side of `diff --jobs` read while the other is read in a worker, its
problems logged for the asker to say in their turn (`ops/diff_sides.py`). The reader's problems hear what the read
meets and its own progress the bytes read: the read draws no bar of its own."""

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
from .way import Read
from .whole import analysed

if TYPE_CHECKING:
    from .plan import ReadPlan


@dataclass(frozen=True)
class Given:
    """Reads the plan's runs with `reader`, a block of lines at a time shown to `watching`. `again`: the reader read
    them before, and said then the types this version does not know; they are not said twice."""

    reader: TraceReader
    again: bool = False

    def read(self, plan: ReadPlan, pricer: Pricer, env: Environment, watching: Watching) -> Read:
        reader = self.reader
        counted = Counted(ReadProblems() if self.again else reader.problems)
        runs = ((source, counted(source, seen(reader.line_blocks(source), watching, source.files,
                                              watching.recorder is not None and rereadable(source))))
                for source in plan.sources)
        report = analysed(runs, plan.settings, pricer, reader.problems, watching, lambda: 0)
        return Read(report, reader.problems, counted.events)
