"""A run read again by the reader that read it before (`Again`): `verify`'s recording, read for its timeline and
then for its outcome (`ops/judged.judge_run`). The reader's problems hear what this read meets as they heard the
first read; no second bar is drawn, and the types it does not know were the first read's to say."""

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
class Again:
    """Reads the plan's runs here, a block of lines at a time shown to `watching`, with `reader`."""

    reader: TraceReader

    def read(self, plan: ReadPlan, pricer: Pricer, env: Environment, watching: Watching) -> Read:
        reader = self.reader
        counted = Counted(ReadProblems())  # counts only: the first read said the unknown types
        runs = ((source, counted(source, seen(reader.line_blocks(source), watching, source.files,
                                          watching.recorder is not None and rereadable(source))))
                for source in plan.sources)
        report = analysed(runs, plan.settings, pricer, reader.problems, watching, lambda: 0)
        return Read(report, reader.problems, counted.events)
