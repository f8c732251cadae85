"""What the reading commands (`analyze`, `inspect`) share: TRACE arguments, --all, --strict, time bounds."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from ..analysis.window import Bound, parse_bound
from ..config import load_settings
from ..model.errors import UsageError
from ..model.events import COMPONENTS
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import RunSource, resolve_sources
from .errors import warn


def trace_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every reading command has, in the order --help shows them."""
    decorators = [
        click.argument("traces", nargs=-1, metavar="[TRACE]..."),
        click.option("--all", "all_runs", is_flag=True, help="For a directory: every run in it, not just the newest."),
        click.option("--strict", is_flag=True, help="An invalid line is an error (exit 3) instead of a warning."),
        click.option("--since", metavar="TIME", help="Only events at or after TIME: ISO 8601 (UTC unless a zone "
                     "is given) or an offset from the run's start such as +30s."),
        click.option("--until", metavar="TIME", help="Only events before TIME (same forms as --since)."),
        click.option("--component", "components", multiple=True, metavar="NAME",
                     help=f"Only this component (repeatable): {', '.join(COMPONENTS)}."),
        click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="FILE",
                     help="Workspace config to read (for trace_output_dir and price_overrides)."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def open_traces(traces: tuple[str, ...], all_runs: bool, config_path: Path | None) -> tuple[list[RunSource], Any]:
    """The runs named on the command line, and the resolved settings (trace_output_dir, price_overrides)."""
    resolved = load_settings(os.environ, Path.cwd(), config_path=config_path)
    for message in resolved.warnings:
        warn(message)
    if not traces:
        traces = (str(resolved.output_dir()),)
        if not resolved.output_dir().is_dir():
            raise UsageError("no TRACE given and no trace directory here",
                             hint=f"name a trace file, or trace a run first (it goes to {resolved.output_dir()})")
    if traces.count("-") > 1:
        raise UsageError("standard input (-) can be read only once")
    return resolve_sources(traces, all_runs=all_runs, trace_dir=resolved.output_dir()), resolved


def make_reader(strict: bool, **options: Any) -> TraceReader:
    """A reader whose warnings go to stderr as they happen, one line each."""
    return TraceReader(ReadProblems(strict=strict, on_warning=warn), stdin=sys.stdin.buffer, **options)


def bounds(since: str | None, until: str | None) -> tuple[Bound | None, Bound | None]:
    return (parse_bound(since, "--since") if since else None, parse_bound(until, "--until") if until else None)


def check_components(components: tuple[str, ...]) -> frozenset[str]:
    unknown = [name for name in components if name not in COMPONENTS]
    if unknown:
        raise UsageError(f"--component {unknown[0]!r} is not a component", hint=f"use one of: {', '.join(COMPONENTS)}")
    return frozenset(components)
