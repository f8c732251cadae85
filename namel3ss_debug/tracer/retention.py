"""`trace_retention_days`: delete our own trace files older than the limit, and nothing else."""

from __future__ import annotations

import time
from pathlib import Path

from ..model.files import TRACER_FILE

# Only names the tracer writes: `<run id>.<segment>.jsonl`, optionally compressed, and index sidecars.
TRACE_FILE = TRACER_FILE


def expired_traces(directory: Path, days: float, now: float | None = None) -> list[Path]:
    """Trace files in `directory` last modified more than `days` ago (none when `days` is 0)."""
    if days <= 0 or not directory.is_dir():
        return []
    cutoff = (time.time() if now is None else now) - days * 86400
    expired = []
    for path in sorted(directory.iterdir()):
        try:
            if TRACE_FILE.match(path.name) and path.is_file() and path.stat().st_mtime < cutoff:
                expired.append(path)
        except OSError:
            continue
    return expired


def remove(paths: list[Path]) -> list[Path]:
    """Delete `paths`; return the ones actually removed."""
    removed = []
    for path in paths:
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            continue
    return removed
