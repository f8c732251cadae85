"""How runs are read, chosen once (`plan_read`) from the runs and what the pass reads with, as a `ReadPlan` that
`read.read` carries out by its way: whole, in this process, one run after another (`whole.Whole`); many runs tallied
in worker processes a batch at a time and merged (`batches.Batches`); or one big run cut into parts, each tallied in
a worker and joined in its place (`parts.Parts`). A worker of a command reads whole: it starts no workers. Runs read
by a reader the asker holds (`verify`'s recording read again, a side of `diff --jobs`) are planned with it:
`given.GivenReader`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ...store.sources import RunSource
from ..workers import in_workers, main_process
from .batches import Batches
from .parts import Parts, cut_for
from .settings import PassSettings
from .way import Way
from .whole import Whole


@dataclass(frozen=True)
class ReadPlan:
    """The runs, what their pass reads with, and the way they are read."""

    sources: tuple[RunSource, ...]
    settings: PassSettings
    way: Way = field(default_factory=Whole)


def plan_read(sources: Sequence[RunSource], settings: PassSettings, jobs: int) -> ReadPlan:
    """The read of `sources` on `jobs` cores: one big run in parts when it can be cut exactly (`parts.cut_for`),
    many runs in batches when there are enough of them (`workers.in_workers`), else whole. A read of no section
    has no pass to share: it is read whole."""
    runs = tuple(sources)
    if jobs < 2 or not settings.sections or not main_process():
        return ReadPlan(runs, settings)
    cut = cut_for(runs, settings, jobs)
    if cut is not None:
        return ReadPlan(runs, settings, Parts(cut))
    if in_workers(runs, jobs):
        return ReadPlan(runs, settings, Batches(jobs))
    return ReadPlan(runs, settings)
