"""Tallies of different runs made one, as one pass over all of them makes it: `analyze` of many runs read in
worker processes (`ops/reading/batches.py`), each worker's runs tallied and finished on their own.

A worker gives back `part_of(tally)`, what a finished tally keeps that the report reads, in a form that pickles (no
callable, nothing a run's pass alone needed); `absorb(into, part)` adds its runs after `into`'s. Each run is finished
where it was read (`Tally.finish` at the end of each source), and what one pass keeps across runs is merged the way
it is kept, by the collector that keeps it (`collectors/*.merge`, beside its figures): counts summed, each
operation's durations joined in run order (the report sorts them and sums them exactly), what is kept of the first
few (error examples, integrity problems, calls near a context window) taken in run order up to the same cap, what is
kept of the most (the slowest spans, the longest blocking) the same top of the two, and every dict in the order one
pass would have met its keys. A reference to an event packs its run's place in the report (`run << SEQ_BITS | seq`):
`part`'s are moved past `into`'s runs first. The calls' identities (`figures.call_key`, a hash of this process) are
each run's own and are not kept past its end; the repeated calls are kept in their order, keyed by their part's first
run's place and identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .collectors.anomalies import AnomaliesCollector
from .collectors.errors import ErrorsCollector
from .collectors.figures import SEQ_BITS
from .collectors.integrity import IntegrityCollector
from .collectors.patterns import PatternsCollector
from .collectors.timing import Timing
from .collectors.usage import UsageCollector
from .diagnosis.collector.clues import Clues
from .collectors.overview import OverviewCollector
from .records.findings import Finding
from .diagnosis.notes.steps import RunClues
from .run_state import RunState
from .tally import Tally


@dataclass
class Part:
    """A finished tally's runs and figures, as a worker gives them back."""

    runs: list[RunState]
    overview: OverviewCollector
    timing: Timing
    errors: ErrorsCollector
    integrity: IntegrityCollector
    anomalies: Optional[AnomaliesCollector]
    usage: UsageCollector
    patterns: Optional[PatternsCollector]
    clues: Optional[tuple[list[RunClues], list[Finding]]]


def part_of(tally: Tally) -> Part:
    """What `tally` (every run finished) gives to `absorb`; `tally` is spent."""
    if tally.anomalies is not None:
        tally.anomalies.context_window = no_window
    tally.usage.anomalies = None
    if tally.patterns is not None:
        tally.patterns.calls = {}  # each run's calls' identities: its repeats were counted by its end
    clues = (tally.clues.runs, tally.clues.findings) if tally.clues is not None else None
    return Part(tally.runs, tally.overview, tally.timing, tally.errors, tally.integrity, tally.anomalies,
                tally.usage, tally.patterns, clues)


def no_window(model: str) -> Optional[int]:
    """No context window: what a tally given back holds instead of the pricer's lookup (which cannot be pickled)."""
    return None


def absorb(into: Tally, part: Part) -> None:
    """`part`'s runs after `into`'s (each finished), and every figure of theirs in `into`'s, each merged by its
    collector (`collectors/*.merge`). `part` is spent."""
    shift = len(into.runs) << SEQ_BITS
    offset = len(into.runs)
    for run in part.runs:
        run.index += offset
    into.adopt(part.runs)
    into.overview.merge(part.overview)
    into.timing.merge(part.timing, shift)
    into.errors.merge(part.errors, shift)
    into.integrity.merge(part.integrity)
    if into.anomalies is not None and part.anomalies is not None:
        into.anomalies.merge(part.anomalies, shift)
    into.usage.merge(part.usage)
    if into.patterns is not None and part.patterns is not None:
        into.patterns.merge(part.patterns, shift, offset)
    if into.clues is not None and part.clues is not None:
        _clues(into.clues, *part.clues, offset)


def _clues(into: Clues, runs: list[RunClues], findings: list[Finding], offset: int) -> None:
    for clues in runs:
        clues.index += offset
        into.runs.append(clues)
    into.findings += findings
