"""`analyze --all`: the runs of a directory that can be opened, each other one left out in one warning line.

A folder of runs is read as many runs on their own: one a user may not read (a file of mode 000, another
user's) must not cost the report of the others. Each run's files are opened (read-only, non-blocking, closed
at once) before the pass, so a run that cannot be opened is left out before anything is counted, and the
report is of the others, exit 0 (`docs/analyze.md`, "Exit codes"). When none can be opened, every run is
kept, and reading the first says why, exit 3, as before.
"""

from __future__ import annotations

import os
from typing import Callable

from ...model.fs import UNWAITED
from ...store import remote
from ...store.sources import STDIN, RunSource, is_stream



def readable_runs(sources: list[RunSource], warn: Callable[[str], None]) -> list[RunSource]:
    """The runs whose every file opens; each other one named in one `warn` line. All of them when none does."""
    kept: list[RunSource] = []
    left_out: list[str] = []
    for source in sources:
        problem = _unopenable(source)
        if problem is None:
            kept.append(source)
        else:
            left_out.append(f"{problem}: left out of the report, the other runs are analysed "
                            "(check its permissions (ls -ld))")
    if not kept:
        return sources
    for line in left_out:
        warn(line)
    return kept


def _unopenable(source: RunSource) -> str | None:
    """Why one of the run's files cannot be opened for reading, or None."""
    for file in source.files:
        if file == STDIN or is_stream(file) or remote.is_url(file):  # an object the listing just found
            continue
        try:
            os.close(os.open(file, UNWAITED))  # a FIFO put in a run's place opens at once
        except OSError as error:
            return f"cannot read {file}: {error.strerror or error}"
    return None
