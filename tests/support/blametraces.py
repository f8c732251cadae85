"""The blame of a trace file as `diagnose` gives it: the one pass (`analyze` with the findings section), its clues
blamed again with a failure judged outside the run (`--expect`), as `ops/diagnose.py` does."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from namel3ss_debug.analysis.analyze import analyze
from namel3ss_debug.analysis.diagnosis.collector.clues import Clues
from namel3ss_debug.analysis.diagnosis.diagnose import rediagnose
from namel3ss_debug.analysis.records.findings import Blame, BlamedFailure
from namel3ss_debug.judging.expect import Expectation
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import resolve_sources


def clues_of(path: Path) -> Clues:
    """The clues the one pass keeps of the trace at `path` (any format the reader takes)."""
    reader = TraceReader(ReadProblems())
    kept: list[Clues] = []
    sources = resolve_sources([str(path)])
    analyze([(source, reader.records(source)) for source in sources], sections=["overview", "findings"],
            keep_clues=kept.append)
    return kept[0]


def blames(path: Path, failures: Callable[[Clues], Sequence[BlamedFailure]] = lambda clues: ()) -> list[Blame]:
    clues = clues_of(path)
    return rediagnose(clues, failures(clues)).blames


def expect_failure(clues: Clues, rule: str) -> list[BlamedFailure]:
    """What `diagnose --expect RULE` hands the blame for each run whose final answer breaks it (`ops/diagnose.py`)."""
    return [BlamedFailure(run.run_id, f"expect {rule} not met (final answer {run.final_text!r})", "expect",
                          run.final_seq)
            for run in clues.runs if not Expectation.parse(rule).holds(run.final_text)]
