"""`clean`'s use case: `trace_retention_days` applied to the trace directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import load_settings
from ..model.errors import UsageError
from ..tracer.retention import expired_traces, remove
from .environment import Environment


@dataclass(frozen=True)
class CleanRequest:
    dry_run: bool = False  # list what would be deleted, delete nothing
    days: float | None = None  # None: trace_retention_days
    output_dir: Path | None = None  # None: trace_output_dir
    config_path: Path | None = None


@dataclass(frozen=True)
class Cleaning:
    """What was deleted (with `dry_run`, what would be) in `directory`, by the limit of `days` (0: keep all)."""

    directory: Path
    days: float
    removed: list[Path]
    dry_run: bool
    missing: bool  # there is no such directory: nothing to clean


def clean_traces(request: CleanRequest, env: Environment) -> Cleaning:
    """Trace files older than the limit, deleted. Raises UsageError when the directory is a file."""
    overrides = {"trace_output_dir": str(request.output_dir) if request.output_dir else None,
                 "trace_retention_days": request.days}
    resolved = load_settings(env.environ, env.cwd, config_path=request.config_path, overrides=overrides,
                             override_source={"trace_output_dir": "--output", "trace_retention_days": "--days"})
    for message in resolved.warnings:
        env.warn(message)
    directory = resolved.output_dir()
    limit = resolved.settings.trace_retention_days
    if not directory.is_dir():
        if directory.exists():  # a file there is a mistake in the path
            raise UsageError(f"{directory} is not a directory",
                             hint="name the trace directory with -o or trace_output_dir")
        return Cleaning(directory, limit, [], request.dry_run, missing=True)
    expired = expired_traces(directory, limit)
    return Cleaning(directory, limit, expired if request.dry_run else remove(expired), request.dry_run, missing=False)
