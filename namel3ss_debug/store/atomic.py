"""Writing a file whole or not at all: a reader (a CI step, a browser) never sees half a file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

T = TypeVar("T")


def replace_file(path: Path | str, write: Callable[[BinaryIO], T]) -> T:
    """Call `write` on a temporary file beside `path`, then put it in `path`'s place, with the permissions
    the umask gives; if `write` raises, `path` is untouched. A symlink, a device or a pipe (`/dev/null`,
    `/dev/stdout`) is written through, never replaced. Raises OSError as `open` does."""
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_file()):
        with open(path, "wb") as stream:
            return write(stream)
    import tempfile  # noqa: PLC0415 - 4 ms to import (shutil, random): only a write pays it

    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            done = write(stream)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
        return done
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
