"""The options every reading command (`analyze`, `inspect`) has: TRACE arguments, --all, --strict, time bounds."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click

from ..model.events import COMPONENTS


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
