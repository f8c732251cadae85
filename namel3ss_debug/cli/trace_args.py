"""`open_traces` and `make_reader` as `replay` (not yet calling ops/) uses them: ops/traces.py's, with this
process's environment and warnings on stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import ResolvedSettings
from ..ops import traces
from ..ops.environment import Environment
from ..store.reader import TraceReader
from ..store.sources import RunSource
from .errors import warn


def open_traces(named: tuple[str, ...], all_runs: bool,
                config_path: Path | None) -> tuple[list[RunSource], ResolvedSettings]:
    """The runs named on the command line, and the resolved settings (trace_output_dir, price_overrides)."""
    return traces.open_traces(traces.TraceArgs(named, all_runs, False, config_path), Environment.current(warn))


def make_reader(strict: bool, **options: Any) -> TraceReader:
    """A reader whose warnings go to stderr as they happen, one line each."""
    return traces.make_reader(strict, Environment.current(warn), **options)
