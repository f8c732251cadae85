"""What the reading commands share: the runs their TRACE arguments name, a reader, time bounds, components."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from ..analysis.window import Bound, EventWindow, parse_bound
from ..config import ResolvedSettings, display_path, load_settings
from ..model.errors import UsageError
from ..model.events import COMPONENTS
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import RunSource, is_directory, resolve_sources
from .environment import Environment

if TYPE_CHECKING:
    from ..analysis.prices import Pricer


@dataclass(frozen=True)
class TraceArgs:
    """The runs to read: TRACE arguments (none: the newest run in trace_output_dir), --all, --strict, --config."""

    traces: tuple[str, ...] = ()
    all_runs: bool = False
    strict: bool = False
    config_path: Path | None = None


@dataclass(frozen=True)
class ReadRequest:
    """The runs a command reads and, of each, the events from --since to --until of each --component (none: every
    one), as `trace_options` ask; `AnalyzeRequest` and `DiagnoseRequest` add their own options to it."""

    runs: TraceArgs = field(default_factory=TraceArgs)
    since: str | None = None
    until: str | None = None
    components: tuple[str, ...] = ()

    def window(self) -> EventWindow:
        """The window they name. Raises UsageError for a time or a component that is not one."""
        return EventWindow(check_components(self.components), *bounds(self.since, self.until))


def open_traces(args: TraceArgs, env: Environment) -> tuple[list[RunSource], ResolvedSettings]:
    """The runs named, and the resolved settings (trace_output_dir, price_overrides)."""
    resolved = load_settings(env.environ, env.cwd, config_path=args.config_path)
    for message in resolved.warnings:
        env.warn(message)
    traces = args.traces
    if not traces:
        traces = (str(resolved.output_dir()),)
        if not is_directory(resolved.output_dir()):
            where = display_path(resolved.output_dir(), env.cwd)
            raise UsageError(f"no TRACE given, and no directory {where} to take the newest run from",
                             hint="record one with `namel3ss-debug trace app.py`, or name a trace file")
    if traces.count("-") > 1:
        raise UsageError("standard input (-) can be read only once")
    return resolve_sources(traces, all_runs=args.all_runs, trace_dir=resolved.output_dir()), resolved


def make_pricer(env: Environment, file_prices: Mapping[str, Any] | None = None,
                overrides: Mapping[str, Any] | None = None) -> Pricer:
    """A pricer whose genai-prices answers are kept in the cache directory the environment names."""
    from ..analysis.price_table import PriceTable, table_path  # noqa: PLC0415 - replay and inspect price nothing
    from ..analysis.prices import Pricer  # noqa: PLC0415 - replay and inspect price nothing

    return Pricer(file_prices, overrides, PriceTable(table_path(env.environ)))


def price_data(environ: Mapping[str, str]) -> str | None:
    """Which genai-prices data prices this environment's commands (its file's name): part of a cached answer's key."""
    from ..analysis.price_table import table_path  # noqa: PLC0415 - replay and inspect price nothing

    path = table_path(environ)
    return path.name if path is not None else None


def make_reader(strict: bool, env: Environment, **options: Any) -> TraceReader:
    """A reader whose warnings go to `env.warn` as they happen, one line each."""
    return TraceReader(ReadProblems(strict=strict, on_warning=env.warn), stdin=env.stdin, **options)


def bounds(since: str | None, until: str | None) -> tuple[Bound | None, Bound | None]:
    return (parse_bound(since, "--since") if since else None, parse_bound(until, "--until") if until else None)


def check_components(components: tuple[str, ...]) -> frozenset[str]:
    unknown = [name for name in components if name not in COMPONENTS]
    if unknown:
        raise UsageError(f"--component {unknown[0]!r} is not a component", hint=f"use one of: {', '.join(COMPONENTS)}")
    return frozenset(components)
