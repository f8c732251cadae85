"""A progress bar on stderr for big inputs, only when stderr is a terminal; the byte count either way."""

from __future__ import annotations

import os
import sys
from functools import partial
from typing import Any, Callable, Sequence

from ..store.sources import STDIN
from .output import console

MIN_BYTES = 64 << 20  # below this a run is read in well under a second: no bar


class ByteProgress:
    """Counts bytes read; draws a Rich bar for inputs of known size past MIN_BYTES on a terminal."""

    def __init__(self, total: int | None, enabled: bool):
        self.total = total
        self.done = 0
        self._bar: Any = None
        self._task: Any = None
        self.enabled = enabled and total is not None and total >= MIN_BYTES and sys.stderr.isatty()

    @classmethod
    def for_sources(cls, sources: list[Any], enabled: bool = True) -> "ByteProgress":
        files = [file for source in sources for file in source.files]
        if STDIN in files:
            return cls(None, enabled)
        return cls(sum(_size(file) for file in files), enabled)

    def advance(self, count: int) -> None:
        self.done += count
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)

    def __enter__(self) -> "ByteProgress":
        if self.enabled:
            from rich.progress import (  # noqa: PLC0415 - Rich only when a bar is drawn
                BarColumn,
                DownloadColumn,
                Progress,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._bar = Progress("reading", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                                 TimeRemainingColumn(), console=console(stderr=True), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task("read", total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None


def bars(enabled: bool) -> Callable[[Sequence[Any]], ByteProgress]:
    """What draws a bar for the runs a use case is about to read (its `Environment.progress`)."""
    return partial(ByteProgress.for_sources, enabled=enabled)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
