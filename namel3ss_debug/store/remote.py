"""Traces in an object store (`s3://bucket/key`, and `gs://`, `az://`, ... when fsspec reaches them): the one door
to the stores (`remote_put.py` writes through the stores it makes). It recognises a URL, lists a folder, looks an
object up (its size and version) and opens it to read, front to back, a block at a time; every other module reads
what it gives as it reads a file, and imports it alone of the modules below.

- A URL names an object (a trace file, any segment of a run) or, ending in `/` or naming no object, a folder.
- Each object is pinned at the version the last listing or look-up of it found (`pin`: its ETag, or its version
  id where the bucket keeps versions, and its size): a command resolves its TRACE arguments first, so it reads
  the versions its resolution found. The result cache keys a remote run by that version (`pinned`), so a cached
  answer costs the one listing or look-up and no read.
- Below it, one idea a module: which store a URL names and the store made, bounded, credentials from the store's
  own places (`remote_stores.py`); an object and its version as the store says them (`remote_objects.py`); a read
  at the pinned version, a block ahead, shown to the taps that watch it (`remote_read.py`); what the store says,
  as one line through the one translator (`remote_errors.failure`); what each store (S3, Google's, Azure's)
  needs said and bounded (`remote_kinds.py`).
- Writing an object is `remote_put.py`'s, through the stores made here (`filesystem`): a finished run's segment
  (`trace_upload_url`) and the Parquet tables of `export --to parquet URL`.
"""

from __future__ import annotations

import io
import threading
from typing import IO, Iterable

from ..model.errors import UsageError
from .remote_errors import failure, no_copy
from .remote_objects import RemoteObject, object_of
from .remote_read import COPY, Tap, reading, told, watch, watched
from .remote_kinds import kind_of
from .remote_stores import (filesystem, folder_url, is_url, release, release_for_fork, scheme,
                            without_store_environment)

# what the modules above the store take from here, besides what is defined here
__all__ = ["RemoteObject", "Tap", "filesystem", "folder_url", "is_url", "kind_of", "release", "release_for_fork",
           "scheme", "told", "watch", "watched", "without_store_environment"]

_PINNED: dict[str, RemoteObject] = {}
_LOCK = threading.Lock()


def pin(found: RemoteObject) -> RemoteObject:
    """`found` is the version of its URL to read from now on (a read already begun keeps its own)."""
    with _LOCK:
        _PINNED[found.url] = found
    return found


def pinned(url: str) -> RemoteObject:
    """The pinned version of `url`, looked up now if nothing pinned it yet."""
    with _LOCK:
        found = _PINNED.get(url)
    return found if found is not None else pin(stat(url))


def pins(urls: Iterable[str]) -> list[RemoteObject]:
    """The versions pinned here of those of `urls` that are pinned: a worker process pins them (`pin`), so that it
    reads the versions this process's listing found, not the ones a look-up of its own would."""
    with _LOCK:
        return [found for url in urls if (found := _PINNED.get(url)) is not None]


def stat(url: str) -> RemoteObject:
    """`url`'s object now; raises the `failure` of a missing or unreadable one."""
    fs, path = filesystem(url)
    try:
        info = fs.info(path)
    except Exception as error:  # every store's errors, said in one line by `failure`
        raise failure(url, error) from None
    if info.get("type") != "file":
        raise failure(url, FileNotFoundError(url))
    return object_of(url, info)


def exists(url: str) -> RemoteObject | None:
    """`url`'s object, pinned, or None when there is none (a folder's name, or nothing)."""
    try:
        return pin(stat(url))
    except (FileNotFoundError, UsageError):
        return None


def listing(url: str) -> list[RemoteObject]:
    """The objects directly in the folder `url` (no deeper), each pinned; a folder with none is empty."""
    fs, path = filesystem(url)
    base = url.rstrip("/")
    try:
        entries = fs.ls(path.rstrip("/"), detail=True)
    except FileNotFoundError as error:
        if "bucket" in str(error).lower():
            raise failure(url, error) from None
        return []  # a prefix nothing is under: an empty folder
    except Exception as error:  # every store's errors, said in one line by `failure`
        raise failure(url, error) from None
    found = []
    for info in entries:
        if info.get("type") == "file":
            name = str(info["name"]).rstrip("/").rpartition("/")[2]
            found.append(pin(object_of(f"{base}/{name}", info)))
    return found


def keys_under(url: str) -> list[str]:
    """The key of every object under the folder `url`, at any depth, as a path below it (`day=2026-11-22/r.parquet`);
    none when nothing is under it. One listing, paged by the store (S3: a request a thousand keys)."""
    fs, path = filesystem(url)
    base = path.rstrip("/") + "/"
    try:
        found = fs.find(base)
    except FileNotFoundError as error:
        if "bucket" in str(error).lower():
            raise failure(url, error) from None
        return []  # a prefix nothing is under
    except Exception as error:  # every store's errors, said in one line by `failure`
        raise failure(url, error) from None
    return [name[len(base):] for name in map(str, found) if name.startswith(base)]


def open_object(url: str) -> io.BufferedReader:
    """The pinned version of `url`, read front to back (ranged reads of `READ_BLOCK`, each conditional on its
    version where the store allows); a read that finds another version raises a `TraceError`. Closed by the
    caller."""
    return reading(pinned(url), stat)


def spooled(url: str) -> IO[bytes]:
    """The pinned version of `url` copied into an unnamed temporary file (0600, gone when closed or at exit, even
    when the process is killed: it has no name), for a reader that comes back to events by their offsets
    (replay's steps). On the disk of the temporary directory (`TMPDIR`): the object's size."""
    import tempfile  # noqa: PLC0415 - only a command that reads a remote run twice copies it

    try:
        copy = tempfile.TemporaryFile(prefix="namel3ss-debug-")
    except OSError as error:
        raise no_copy(url, error) from None
    try:
        with open_object(url) as stream:
            while chunk := stream.read(COPY):
                copy.write(chunk)
        copy.flush()
    except OSError as error:
        copy.close()
        raise no_copy(url, error) from None
    except BaseException:
        copy.close()
        raise
    return copy
