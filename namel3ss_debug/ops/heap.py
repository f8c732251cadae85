"""Freed memory given back to the system between two big steps of one command.

When `diff` has read NEW, what the reading built (the tally's tables of a million entries) is gone, but the C
allocator keeps the freed pages for later; reading BASE next would then add to a peak that counts memory no
longer held. glibc's `malloc_trim(0)` hands free pages back (about 25 MB after a
1 GiB run). Elsewhere (macOS, musl) there is no such call, and nothing is done.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from typing import Any, Optional

from ..store.sources import RunSource, seekable

# A run smaller than this frees a few MB at most: not worth loading ctypes (a few ms of a small diff's start-up).
TRIM_FROM_BYTES = 64 << 20


def give_back() -> None:
    """Return the allocator's free pages to the system, where the C library can."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Optional[Any]:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # noqa: PLC0415 - only a big diff on Linux needs it

    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:
        return None


def size_on_disk(source: RunSource) -> float:
    """The bytes of a run's files; infinite when not known from the disk (a stream, a `.gz` file's content)."""
    total = 0
    for path in source.files:
        if not seekable(path) or path.endswith(".gz"):
            return math.inf
        try:
            total += os.stat(path).st_size
        except OSError:
            return math.inf
    return total
