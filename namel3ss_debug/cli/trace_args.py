"""The reading commands' shared TRACE handling, for the commands not yet calling ops/ (replay): ops/traces.py's
functions, with this process's environment and warnings on stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import ResolvedSettings
from ..ops import traces
from ..ops.environment import Environment
from ..ops.traces import TraceArgs, bounds, check_components  # noqa: F401 - shared with the commands below
from ..store.reader import TraceReader
from ..store.sources import RunSource
from .errors import warn
from .options import trace_options  # noqa: F401 - shared with the commands below


def open_traces(traces_given: tuple[str, ...], all_runs: bool,
                config_path: Path | None) -> tuple[list[RunSource], ResolvedSettings]:
    """The runs named on the command line, and the resolved settings (trace_output_dir, price_overrides)."""
    return traces.open_traces(TraceArgs(traces_given, all_runs, False, config_path), Environment.current(warn))


def make_reader(strict: bool, **options: Any) -> TraceReader:
    """A reader whose warnings go to stderr as they happen, one line each."""
    return traces.make_reader(strict, Environment.current(warn), **options)
