"""The options every reading command (`analyze`, `inspect`) has: TRACE arguments, --all, --strict, time bounds;
and those of the two commands that show the report page (`report`, `view`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..model.events import COMPONENTS
from ..model.limits import COUNT_MAX


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


def no_cache_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--no-cache` of a reading command that keeps no result: it writes nothing beside the trace either."""
    return click.option("--no-cache", is_flag=True, help="Write nothing beside the trace (no offset index FILE.idx, "
                        "which a big file gets when it is read in full).")(command)


def page_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """What `report` and `view` both take to build the page: marks, cuts, prices, strictness, config."""
    decorators: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option("--slow-threshold", default="1s", show_default=True, metavar="DURATION",
                     help="Spans at least this long are marked slow (as analyze counts them)."),
        click.option("--max-text", type=click.IntRange(0, COUNT_MAX), default=20_000, show_default=True, metavar="N",
                     help="Cut any string of the payloads longer than N characters, saying how much was cut "
                          "(0: keep all)."),
        click.option("--prices", "prices_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                     help="Model prices (JSON, as price_overrides) used before the workspace's and genai-prices'."),
        click.option("--strict", is_flag=True, help="Stop at the first invalid line (exit 3) instead of skipping it."),
        click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="FILE",
                     help="Workspace config to read (trace_output_dir, price_overrides)."),
        no_cache_option,
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command
