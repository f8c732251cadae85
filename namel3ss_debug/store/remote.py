"""Traces in an object store (`s3://bucket/key`, and `gs://`, `az://`, ... when fsspec reaches them): the one
module that knows fsspec (`remote_put.py` writes through the stores it makes). It recognises a URL, lists a
folder, looks an object up (its size and version) and opens it to read, front to back, a block at a time; every
other module reads what it gives as it reads a file.

- A URL names an object (a trace file, any segment of a run) or, ending in `/` or naming no object, a folder.
- Each object is pinned at the version the last listing or look-up of it found (`pin`: its ETag, or its version
  id where the bucket keeps versions, and its size): a command resolves its TRACE arguments first, so it reads
  the versions its resolution found. The result cache keys a remote run by that version (`pinned`), so a cached
  answer costs the one listing or look-up and no read.
- A read reads the pinned version or nothing: s3fs asks each range with `If-Match` on the ETag, and an object whose
  version at the open or at the end is not the pinned one is a `TraceError` (exit 3): it changed while it was
  read, and half of one version with half of another is never an answer.
- A read's first MiB is one request; from there a thread of the read's own fetches up to `AHEAD` blocks of
  `READ_BLOCK` ahead of the reader. `watch` shows a read's bytes to a tap on the way (the result cache learns
  there what redacting the run would hide, rather than downloading it again).
- Credentials come from the store's own places (the environment, the AWS profile, an instance role: botocore's
  chain), never from a trace or a workspace file. Each request has `CONNECT_S` to connect, `READ_S` to answer and
  `ATTEMPTS` tries, so a store that does not answer is one line after a bounded wait, not a hang.
- Writing an object is `remote_put.py`'s, through the stores made here (`filesystem`): a finished run's segment
  (`trace_upload_url`) and the Parquet tables of `export --to parquet URL`.
- What the store says is one line through the one translator (`failure`): a name that names nothing (no bucket, no
  key) is a `UsageError` (exit 2), as a missing local file is; a store that cannot be read (access denied, no
  credentials, unreachable) a `TraceError` (exit 3). A store whose fsspec package is missing is a `UsageError`
  naming the package to install.
"""

from __future__ import annotations

import io
import queue
import re
import threading
import weakref
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterable, Mapping, Protocol

from ..model.errors import Namel3ssDebugError, TraceError, UsageError

_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)", re.DOTALL)
LOCAL_SCHEMES = frozenset({"file", "local"})  # a path in another spelling: read as the path it is
# The package each store needs beside fsspec (fsspec's own registry names them; the usual ones said here so the
# line is right without it).
PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs",
            "abfss": "adlfs", "adl": "adlfs"}
CONNECT_S = 5  # to open a connection: a loopback or a region's endpoint answers in well under a second
READ_S = 30  # for a request's answer (a range of READ_BLOCK bytes: 8 MB in 30 s is 2 Mbit/s)
ATTEMPTS = 2  # tries of one request, by botocore and again by s3fs: a silent store is said within 2.5 minutes
READ_BLOCK = 8 << 20  # bytes per ranged GET: 13 requests for 100 MB, each well within READ_S
AHEAD = 2  # blocks fetched ahead of the reader at most: 16 MB held
FIRST_BLOCK = 1 << 20  # the first range, read without a thread: a look at a run's first lines costs no more
_COPY = 1 << 20
# Where an object says which version it is, by store: S3 (VersionId with versioning on, else ETag), GCS
# (generation), Azure (version_id, etag), else when it was written; the first one an object has is its version.
_VERSION_KEYS = ("VersionId", "version_id", "generation", "ETag", "etag", "md5Hash", "LastModified", "mtime",
                 "created")
_ENVIRONMENT = ("AWS_", "GOOGLE_", "AZURE_", "GCS")  # what a store reads its endpoint and credentials from


@dataclass(frozen=True)
class RemoteObject:
    """One object as this process found it: its URL, its size and its version (an ETag, a version id)."""

    url: str
    size: int
    version: str
    modified: str = ""  # when it was written, as the store says it (orders traces that are no segments)

    @property
    def name(self) -> str:
        """The last part of its key: `run.0000.jsonl`."""
        return self.url.rstrip("/").rpartition("/")[2]


def is_url(spec: str) -> bool:
    """Whether `spec` names something in a store by URL (`s3://...`), not a local path."""
    match = _URL.fullmatch(spec)
    return match is not None and match["scheme"].lower() not in LOCAL_SCHEMES


def scheme(url: str) -> str:
    match = _URL.fullmatch(url)
    return match["scheme"].lower() if match is not None else ""


def folder_url(url: str) -> str:
    """The folder `url` is in: `s3://b/runs/r.0000.jsonl` -> `s3://b/runs/`."""
    head, _, _ = url.rstrip("/").rpartition("/")
    return head + "/"


class Tap(Protocol):
    """What is shown an object's bytes as a read reads them (`watch`): each block once, in order, from the first."""

    def see(self, data: bytes) -> None: ...

    def end(self) -> None:
        """The read reached the object's end, at its pinned version: every byte was seen."""


_PINNED: dict[str, RemoteObject] = {}
# URL -> each owner's maker of a tap (the owner held weakly: an owner gone makes no more taps), by the owner's id
_WATCHERS: dict[str, dict[int, tuple[weakref.ref[Any], Callable[[Any], Tap]]]] = {}
_LOCK = threading.Lock()


def watch(url: str, owner: object, make: Callable[[Any], Tap]) -> None:
    """Show each read of `url` to a tap `make(owner)` makes for it (one a read: a read that stops early never ends
    its tap), while `owner` lives; `owner`'s earlier watch of `url` is replaced. The result cache learns what
    redacting a run would hide from the read that answers, not from a second download (`ops/cache.py`)."""
    with _LOCK:
        makers = _WATCHERS.setdefault(url, {})
        for key in [key for key, (held, _) in makers.items() if held() is None]:
            del makers[key]  # owners gone
        makers[id(owner)] = (weakref.ref(owner), make)


def _taps(url: str) -> list[Tap]:
    with _LOCK:
        makers = list(_WATCHERS.get(url, {}).values())
    return [make(owner) for held, make in makers if (owner := held()) is not None]


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
    return io.BufferedReader(_Reading(pinned(url)), _COPY)


def spooled(url: str) -> IO[bytes]:
    """The pinned version of `url` copied into an unnamed temporary file (0600, gone when closed or at exit, even
    when the process is killed: it has no name), for a reader that comes back to events by their offsets
    (replay's steps). On the disk of the temporary directory (`TMPDIR`): the object's size."""
    import tempfile  # noqa: PLC0415 - only a command that reads a remote run twice copies it

    try:
        copy = tempfile.TemporaryFile(prefix="namel3ss-debug-")
    except OSError as error:
        raise _no_copy(url, error) from None
    try:
        with open_object(url) as stream:
            while chunk := stream.read(_COPY):
                copy.write(chunk)
        copy.flush()
    except OSError as error:
        copy.close()
        raise _no_copy(url, error) from None
    except BaseException:
        copy.close()
        raise
    return copy


class _Reading(io.RawIOBase):
    """An object's bytes at its pinned version: the store's file read a block ahead by a thread of its own (the next
    ranged GET is on the wire while the reader decodes the last block: `analyze` of 100 MB took 5.3 s, 6.0 s with
    one block after the other; bench/README.md), its errors said as ours. The first `FIRST_BLOCK` is read without
    it, and the thread starts only when the reader asks for more (a look at a run's first event, as a listing
    makes, is one small request). The thread ends at the object's end, or at `close` after the request it is in."""

    def __init__(self, found: RemoteObject):
        self.found = found
        fs, path = filesystem(found.url)
        try:
            self.file = fs.open(path, "rb", block_size=READ_BLOCK, cache_type="none")
        except Exception as error:  # every store's errors, said in one line by `failure`
            raise failure(found.url, error) from None
        details = getattr(self.file, "details", None)
        if isinstance(details, Mapping) and _version(details) not in ("", found.version):
            self.file.close()
            raise changed(found.url)
        self.conditional = isinstance(getattr(self.file, "read_kw", None), Mapping) and "IfMatch" in self.file.read_kw
        self.given = 0
        self._taps = _taps(found.url)
        self._held = memoryview(b"")
        self._ended = False
        self._ahead: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=AHEAD)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._held and not self._ended:
            self._next()
        count = min(len(buffer), len(self._held))
        buffer[:count] = self._held[:count]
        self._held = self._held[count:]
        self.given += count
        return count

    def tell(self) -> int:
        return self.given

    def _next(self) -> None:
        """The next block (the first read here, the others from the thread); at the end, the end checked."""
        item = self._first() if self.given == 0 and self._thread is None else self._fetched()
        if isinstance(item, BaseException):
            self._ended = True
            raise failure(self.found.url, item) from None
        if not item:
            self._ended = True
            self._check_end()
        for tap in self._taps:
            if item:
                tap.see(item)
            else:
                tap.end()
        self._held = memoryview(item)

    def _first(self) -> bytes | BaseException:
        try:
            return bytes(self.file.read(FIRST_BLOCK))
        except Exception as error:  # every store's errors, said in one line by `failure`
            return error

    def _fetched(self) -> bytes | BaseException:
        if self._thread is None:
            self._thread = threading.Thread(target=self._fetch, name="namel3ss-debug-read-ahead", daemon=True)
            self._thread.start()
        return self._ahead.get()

    def _fetch(self) -> None:
        """The thread: each block in turn, then b"" at the end, or the error that stopped it."""
        try:
            while not self._stop.is_set():
                data = self.file.read(READ_BLOCK)
                self._put(data)
                if not data:
                    return
        except BaseException as error:  # handed to the reader, which says it in one line
            self._put(error)

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._ahead.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _check_end(self) -> None:
        """At the end: as many bytes as the pinned version holds and, where the ranges were not asked on its
        version, the same version still there."""
        if self.given != self.found.size:
            raise changed(self.found.url)
        if not self.conditional and stat(self.found.url).version != self.found.version:
            raise changed(self.found.url)

    def close(self) -> None:
        if not self.closed:
            self._stop.set()
            if self._ended and self._thread is not None:
                self._thread.join()
            self.file.close()
        super().close()


def changed(url: str) -> TraceError:
    """The one error of an object rewritten while it was read."""
    return TraceError("the object changed while it was read (its version is not the one the read began with)",
                      where=url, hint="read it again once nothing writes it")


def failure(url: str, error: BaseException) -> Namel3ssDebugError:
    """What a store raised, as one line: a name that names nothing exit 2, a store that cannot be read exit 3."""
    if isinstance(error, Namel3ssDebugError):
        return error
    names = {kind.__name__ for kind in type(error).__mro__}
    said = str(error).strip() or type(error).__name__
    if "FileExpired" in names:
        return changed(url)
    if isinstance(error, FileNotFoundError):
        what = "no such bucket" if "bucket" in said.lower() else "no such object or folder"
        return UsageError(f"{what}: {url}", hint="check the bucket and key (`aws s3 ls` lists them)")
    if isinstance(error, PermissionError) or "AccessDenied" in said or "Forbidden" in said:
        return TraceError(f"access denied: {said}", where=url,
                          hint="check the credentials in the environment or profile, and the bucket's policy")
    if "NoCredentialsError" in names or "PartialCredentialsError" in names:
        return TraceError("no credentials for the store", where=url,
                          hint="set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, as the AWS CLI reads")
    if names & {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionError",
                "ClientConnectorError", "ServerTimeoutError", "TimeoutError"} or isinstance(error, TimeoutError):
        return TraceError(f"the store does not answer ({said})", where=url,
                          hint="check the endpoint (AWS_ENDPOINT_URL_S3) and the network")
    return TraceError(f"cannot read it: {said}", where=url)


def object_of(url: str, info: Mapping[str, Any]) -> RemoteObject:
    """The object at `url` as the store's `info` about it says: its size, version and time of writing."""
    modified = info.get("LastModified") or info.get("mtime") or info.get("last_modified") or ""
    return RemoteObject(url, int(info.get("size") or 0), _version(info), str(modified))


def _version(info: Mapping[str, Any]) -> str:
    for key in _VERSION_KEYS:
        value = info.get(key)
        if value not in (None, "", "null"):
            # a time is said as a datetime by one call and as seconds by another (fsspec's listing and look-up)
            return repr(float(value.timestamp())) if hasattr(value, "timestamp") else str(value)
    return ""


_FILESYSTEMS: dict[tuple[str, int, tuple[tuple[str, str], ...]], Any] = {}


def filesystem(url: str) -> tuple[Any, str]:
    """The store `url` is in and the path in it. One per store, environment and process (a worker forked from this
    one makes its own: the parent's event loop is not in it); listings are not kept (a second command sees the
    store as it is); requests are bounded (`CONNECT_S`, `READ_S`, `ATTEMPTS`)."""
    import os  # noqa: PLC0415 - the environment the store reads its credentials from, as its client reads it

    kind = scheme(url)
    if not kind or kind in LOCAL_SCHEMES:
        raise UsageError(f"not a URL of a store: {url}", hint="write it as s3://bucket/key")
    said = tuple(sorted((name, value) for name, value in os.environ.items() if name.startswith(_ENVIRONMENT)))
    key = (kind, os.getpid(), said)
    fs = _FILESYSTEMS.get(key)
    if fs is None:
        fs = _FILESYSTEMS[key] = _made(kind, url)
    return fs, fs._strip_protocol(url)


def _made(kind: str, url: str) -> Any:
    try:
        import fsspec  # noqa: PLC0415 - only a remote TRACE loads it (and the store's package)
    except ImportError:
        raise _missing(kind, "fsspec") from None
    try:
        cls = fsspec.get_filesystem_class(kind)
    except ValueError:
        raise UsageError(f"{kind}:// is not a store fsspec knows: {url}",
                         hint="name a trace by s3://, gs://, az:// or a local path") from None
    except ImportError:
        raise _missing(kind, PACKAGES.get(kind, f"the fsspec package for {kind}://")) from None
    options: dict[str, Any] = {"skip_instance_cache": True, "use_listings_cache": False}
    if PACKAGES.get(kind) == "s3fs":
        options["config_kwargs"] = {"connect_timeout": CONNECT_S, "read_timeout": READ_S,
                                    "retries": {"max_attempts": ATTEMPTS, "mode": "standard"}}
    fs = cls(**options)
    if hasattr(fs, "retries"):
        fs.retries = ATTEMPTS  # s3fs's own retries, around botocore's
    return fs


def release() -> None:
    """End the threads reading a store left running (fsspec's event loop, its resolver's pool) and let go of the
    stores: a rerun closes the network for the whole process only while it has one thread (`launch/netns.py`).
    A later read makes them again. Nothing to do when no store was read."""
    import sys  # noqa: PLC0415 - fsspec is looked for, never loaded, here

    stores = list(_FILESYSTEMS.values())
    _FILESYSTEMS.clear()
    asyn = sys.modules.get("fsspec.asyn")
    running = getattr(asyn, "loop", [None])[0] if asyn is not None else None
    if asyn is None or running is None:
        return
    import asyncio  # noqa: PLC0415 - only a process that read a store ends its loop

    closing = [creator.__aexit__(None, None, None) for fs in stores
               if (creator := getattr(fs, "_s3creator", None)) is not None]  # s3fs's client and its connections
    for step in (*closing, running.shutdown_default_executor()):
        try:
            asyncio.run_coroutine_threadsafe(step, running).result(CONNECT_S)
        except Exception:  # what does not end in time is left to the exit, as before
            pass
    running.call_soon_threadsafe(running.stop)
    thread = asyn.iothread[0]
    if thread is not None:
        thread.join(CONNECT_S)
        _reaped()
    if thread is None or not thread.is_alive():
        running.close()
        asyn.reset_lock()


def release_for_fork() -> None:
    """`release` when the store's threads are this process's only others: worker processes are then forked from a
    process of one thread (`ops/workers.start_method`), with no client, loop or connection of this one's in them. A
    process with threads of its own (`view`'s) keeps its store, and its workers start from a fork server."""
    here = threading.current_thread()
    others = [thread for thread in threading.enumerate() if thread is not here]
    if others and all(thread.name == "fsspecIO" or thread.name.startswith("asyncio_") for thread in others):
        release()


def pins(urls: Iterable[str]) -> list[RemoteObject]:
    """The versions pinned here of those of `urls` that are pinned: a worker process pins them (`pin`), so that it
    reads the versions this process's listing found, not the ones a look-up of its own would."""
    with _LOCK:
        return [found for url in urls if (found := _PINNED.get(url)) is not None]


def without_store_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without what a store reads its endpoint and credentials from: what a worker process is handed. It
    reads those from its own environment, as this process did; no credential is ever an argument."""
    return {name: value for name, value in environ.items() if not name.startswith(_ENVIRONMENT)}


def _reaped() -> None:
    """Wait (at most `CONNECT_S`) until the system has reaped the threads `join` saw end: Python lets go of a
    thread a moment before the kernel does, and a process's threads are counted from `/proc/self/task`."""
    import os  # noqa: PLC0415 - only `release` waits
    import time  # noqa: PLC0415 - only `release` waits

    deadline = time.monotonic() + CONNECT_S
    while time.monotonic() < deadline:
        try:
            if len(os.listdir("/proc/self/task")) <= threading.active_count():
                return
        except OSError:
            return  # no /proc: nothing counts the threads that way
        time.sleep(0.001)


def _missing(kind: str, package: str) -> UsageError:
    extra = " (or `pip install 'namel3ss-debug[s3]'`)" if PACKAGES.get(kind) == "s3fs" else ""
    return UsageError(f"{kind}:// needs the {package} package, which is not installed",
                      hint=f"pip install {package}{extra}")


def _no_copy(url: str, error: OSError) -> TraceError:
    return TraceError(f"cannot copy it into a temporary file ({error.strerror or error})", where=url,
                      hint="make room in the temporary directory, or set TMPDIR to one with room")
