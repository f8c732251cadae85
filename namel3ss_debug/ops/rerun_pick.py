"""Which run `replay --rerun` reruns when no TRACE is given: the newest in trace_output_dir that is not
itself a rerun.

A rerun writes a run too, its `run_start.attrs.replay_of` naming the run it reran; after one rerun the
newest run is that rerun, and rerunning it would rerun a rerun. So the runs are looked at newest first,
by their `run_start` alone (the first lines of each), and the first that is no rerun is chosen.

    picked = newest_recording(args, env)
    picked.source, picked.passed_over  # the run, and the newer reruns left aside
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import ResolvedSettings
from ..model.errors import UsageError
from ..model.lineage import lineage_of
from ..store.lookup import run_start_of
from ..store.sources import RunSource
from .environment import Environment
from .traces import TraceArgs, open_traces


@dataclass(frozen=True)
class Picked:
    """The run to rerun, and how many newer runs were left aside as reruns."""

    source: RunSource
    passed_over: int
    run_id: str | None


def newest_recording(args: TraceArgs, env: Environment) -> tuple[Picked, ResolvedSettings]:
    """The newest run of trace_output_dir that is no rerun (`args` names no TRACE); a UsageError when
    every run there is one."""
    sources, resolved = open_traces(TraceArgs((), True, args.strict, args.config_path), env)
    passed_over = 0
    for source in reversed(sources):
        start = run_start_of(source)
        if lineage_of(start.get("attrs") if start is not None else None) is None:
            run_id = start.get("run_id") if isinstance(start, dict) else source.run_id
            return Picked(source, passed_over, run_id if isinstance(run_id, str) else source.run_id), resolved
        passed_over += 1
    raise UsageError(f"no TRACE given, and every run in {resolved.output_dir()} is a rerun "
                     f"({passed_over} of them)", hint="name the trace to rerun: namel3ss-debug replay TRACE --rerun")
