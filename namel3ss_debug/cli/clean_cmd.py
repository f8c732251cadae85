"""`namel3ss-debug clean`: apply `trace_retention_days` to the trace directory."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..config import load_settings
from ..model.errors import UsageError
from ..tracer.retention import expired_traces, remove
from .errors import warn


@click.command("clean", short_help="Delete traces older than the retention limit.")
@click.option("--dry-run", is_flag=True, help="List what would be deleted, delete nothing.")
@click.option("--days", type=click.FloatRange(min=0), default=None,
              help="Delete traces older than this many days (default: trace_retention_days).")
@click.option("-o", "--output", "output_dir", type=click.Path(path_type=Path), metavar="DIRECTORY",
              help="Trace directory (default: trace_output_dir).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="FILE",
              help="Workspace config file to read instead of .namel3ss/debug.json.")
def clean(dry_run: bool, days: float | None, output_dir: Path | None, config_path: Path | None) -> None:
    """Delete trace files older than the retention limit.

    Only files the tracer writes (RUN.NNNN.jsonl and their sidecars) are touched.
    A limit of 0 days keeps everything.

    \b
    Examples:
      namel3ss-debug clean --dry-run
      namel3ss-debug clean --days 7 -o debug/traces
    """
    overrides = {"trace_output_dir": str(output_dir) if output_dir else None, "trace_retention_days": days}
    resolved = load_settings(os.environ, Path.cwd(), config_path=config_path, overrides=overrides,
                             override_source={"trace_output_dir": "--output", "trace_retention_days": "--days"})
    for message in resolved.warnings:
        warn(message)
    directory = resolved.output_dir()
    if not directory.is_dir():
        _missing_directory(directory)
        return
    limit = resolved.settings.trace_retention_days
    expired = expired_traces(directory, limit)
    removed = expired if dry_run else remove(expired)
    verb = "would delete" if dry_run else "deleted"
    for path in removed:
        click.echo(f"{verb} {path}")
    click.echo(f"{verb} {len(removed)} file(s) older than {limit:g} days in {directory}"
               if limit > 0 else f"trace_retention_days is 0: nothing is ever deleted in {directory}", err=True)


def _missing_directory(directory: Path) -> None:
    """Nothing to clean where there is no directory; a file there is a mistake in the path."""
    if directory.exists():
        raise UsageError(f"{directory} is not a directory", hint="name the trace directory with -o or trace_output_dir")
    warn(f"no such directory: {directory} (nothing to clean)")
