"""`namel3ss-debug clean`: apply `trace_retention_days` to the trace directory."""

from __future__ import annotations

from pathlib import Path

import click

from .errors import warn
from .options import config_option, output_option
from ..ops.clean import CleanRequest, clean_traces
from ..ops.environment import Environment


@click.command("clean")
@click.option("--dry-run", is_flag=True, help="List what would be deleted, delete nothing.")
@click.option("--days", type=click.FloatRange(min=0), default=None,
              help="Delete traces older than this many days (default: trace_retention_days).")
@output_option()
@config_option
def clean(dry_run: bool, days: float | None, output: str | None, config_path: Path | None) -> None:
    """Delete trace files older than the retention limit.

    Only files the tracer writes (RUN.NNNN.jsonl and their sidecars) are touched.
    A limit of 0 days keeps everything.

    \b
    Examples:
      namel3ss-debug clean --dry-run
      namel3ss-debug clean --days 7 -o debug/traces
    """
    directory = Path(output) if output is not None else None
    done = clean_traces(CleanRequest(dry_run, days, directory, config_path), Environment.current(warn))
    if done.missing:
        warn(f"no such directory: {done.directory} (nothing to clean)")
        return
    verb = "would delete" if dry_run else "deleted"
    for path in done.removed:
        click.echo(f"{verb} {path}")
    click.echo(f"{verb} {len(done.removed)} file(s) older than {done.days:g} days in {done.directory}"
               if done.days > 0 else f"trace_retention_days is 0: nothing is ever deleted in {done.directory}",
               err=True)
