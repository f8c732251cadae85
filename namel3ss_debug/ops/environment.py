"""What a use case takes from the process that runs it: environment variables, the working directory,
standard input, and where its warnings and its reading progress go.

The CLI builds one per command (`Environment.current(warn, progress)`); a test builds its own.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Mapping, Protocol, Sequence

if TYPE_CHECKING:  # for annotations only: the CLI imports this module for every command
    from ..store.sources import RunSource


class Progress(Protocol):
    """The bytes read of some runs: `advance` hears each block, `done` is the sum; entered while reading."""

    done: int

    def advance(self, count: int) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> Any: ...


class ByteCount:
    """A `Progress` that only counts (the CLI's draws a bar as well)."""

    def __init__(self) -> None:
        self.done = 0

    def advance(self, count: int) -> None:
        self.done += count

    def __enter__(self) -> "ByteCount":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def count_bytes(sources: Sequence[RunSource]) -> Progress:
    return ByteCount()


def ignore(message: str) -> None:
    """A warning nobody hears."""


@dataclass(frozen=True)
class Environment:
    """The process around a use case, given rather than read, so that tests pass their own."""

    environ: Mapping[str, str] = field(default_factory=dict)
    cwd: Path = field(default_factory=Path)
    stdin: BinaryIO | None = None
    warn: Callable[[str], None] = ignore  # one line each, as it happens
    progress: Callable[[Sequence[RunSource]], Progress] = count_bytes  # for the runs about to be read

    @classmethod
    def current(cls, warn: Callable[[str], None] = ignore,
                progress: Callable[[Sequence[RunSource]], Progress] = count_bytes) -> "Environment":
        """This process's environment variables, working directory and standard input."""
        return cls(os.environ, Path.cwd(), getattr(sys.stdin, "buffer", None), warn, progress)
