"""A `ReadPlan` carried out (`read`): the runs read into one report, with what the reading met and the records it
counted, by the plan's way (`whole.py`, `batches.py`, `parts.py`, `given.py`). Every command that reads runs for
their report reads them here (`analyze`, `check`, `diagnose`, `diff`, `verify`, the run index), so a run is read
the same way whoever asks."""

from __future__ import annotations

from collections.abc import Sequence

from ...analysis.prices import Pricer
from ...model.errors import TraceError
from ...store.sources import RunSource
from ..environment import Environment
from .plan import ReadPlan
from .watching import Watching
from .way import ReadResult


def read(plan: ReadPlan, pricer: Pricer, env: Environment, watching: Watching | None = None) -> ReadResult:
    """The plan's runs read into one report, each block shown to `watching` on the way. Raises TraceError and
    OSError as the reading meets them."""
    return plan.way.read(plan, pricer, env, watching if watching is not None else Watching())


def no_events(sources: Sequence[RunSource]) -> TraceError:
    """The error of a read that found no event in its runs."""
    files = ", ".join(file for source in sources for file in source.files)
    return TraceError(f"no events in {files}", hint="the trace is empty: was the run traced?")
