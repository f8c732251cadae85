"""`trace_retention_days`: delete our own trace files older than the limit, and nothing else.

The trace directory is the user's (followed when it is a link), but what is in it may not be: only names of the
tracer's own shape (`model/files.TRACER_FILE`) are looked at, and only a regular file of this user is removed,
through `model/fs.py` (a link, a FIFO, a directory or another user's file of such a name is left as it is).
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from ..model.files import TRACER_FILE
from ..model.fs import Folder

# Only names the tracer writes: `<run id>.<segment>.jsonl`, optionally compressed, and index sidecars.
TRACE_FILE = TRACER_FILE


def expired_traces(directory: Path, days: float, now: float | None = None) -> list[Path]:
    """Trace files in `directory` (regular files of this user) last modified more than `days` ago (none when
    `days` is 0, or `directory` is not one)."""
    if days <= 0:
        return []
    cutoff = (time.time() if now is None else now) - days * 86400
    try:
        with Folder.open(directory, follow=True) as folder:
            return [directory / name for name in sorted(folder.names(TRACE_FILE))
                    if _expired(folder.stat(name), cutoff)]
    except OSError:  # missing, not a directory, or not readable
        return []


def _expired(found: os.stat_result | None, cutoff: float) -> bool:
    return (found is not None and stat.S_ISREG(found.st_mode) and found.st_uid == os.geteuid()
            and found.st_mtime < cutoff)


def remove(paths: list[Path]) -> list[Path]:
    """Delete `paths` that are trace files of ours (`Folder.remove`: of TRACE_FILE's shape, regular files of
    this user); return the ones actually removed."""
    removed = []
    for path in paths:
        if not TRACE_FILE.fullmatch(path.name):
            continue
        try:
            with Folder.open(path.parent, follow=True) as folder:
                if folder.remove(path.name, TRACE_FILE):
                    removed.append(path)
        except OSError:
            continue
    return removed
