"""Which store a URL names, and that store, made once: fsspec's filesystem for `s3://`, `gs://`, `az://` and the
others its registry knows, with bounded requests, made again for another environment or process, and let go of
with its threads (`release`).

Credentials come from the store's own places (the environment, the AWS profile, an instance role: botocore's
chain; gcloud's and Azure's: `remote_kinds.py`), never from a trace or a workspace file: a store is keyed by the
environment it reads them from. Each request has `CONNECT_S` to connect, `READ_S` to answer and `ATTEMPTS` tries,
so a store that does not answer is one line after a bounded wait, not a hang. A store whose fsspec package is
missing is a `UsageError` naming the package to install.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Mapping

from ..model.errors import UsageError
from .remote_errors import failure
from .remote_kinds import (ENVIRONMENT, EXTRAS, PACKAGES, bound, finalized_now, quietly_imported, store_class,
                           store_options)

_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)", re.DOTALL)
LOCAL_SCHEMES = frozenset({"file", "local"})  # a path in another spelling: read as the path it is
__all__ = ["PACKAGES"]  # said here as well, where the stores are made (`remote_put.py` reads it here)
CONNECT_S = 5  # to open a connection: a loopback or a region's endpoint answers in well under a second
READ_S = 30  # for a request's answer (a range of READ_BLOCK bytes: 8 MB in 30 s is 2 Mbit/s)
ATTEMPTS = 2  # tries of one request, by botocore and again by s3fs: a silent store is said within 2.5 minutes
_ENVIRONMENT = ENVIRONMENT  # what a store reads its endpoint and credentials from
_FILESYSTEMS: dict[tuple[str, int, tuple[tuple[str, str], ...]], Any] = {}


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
        fs = _FILESYSTEMS[key] = _made(kind, url, os.environ)
    return fs, fs._strip_protocol(url)


def _made(kind: str, url: str, environ: Mapping[str, str]) -> Any:
    try:
        import fsspec  # noqa: PLC0415 - only a remote TRACE loads it (and the store's package)
    except ImportError:
        raise _missing(kind, "fsspec") from None
    try:
        with quietly_imported():
            cls = fsspec.get_filesystem_class(kind)
    except ValueError:
        raise UsageError(f"{kind}:// is not a store fsspec knows: {url}",
                         hint="name a trace by s3://, gs://, az:// or a local path") from None
    except ImportError:
        raise _missing(kind, PACKAGES.get(kind, f"the fsspec package for {kind}://")) from None
    options: dict[str, Any] = {"skip_instance_cache": True, "use_listings_cache": False,
                               **store_options(kind, CONNECT_S, READ_S, ATTEMPTS)}
    try:
        fs = store_class(kind, cls, environ)(**options)
    except Exception as error:  # a store made without credentials (adlfs) says so here, in one line by `failure`
        raise failure(url, error) from None
    return bound(fs, kind, ATTEMPTS)


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

    for fs in stores:
        finalized_now(fs)
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
    extra = EXTRAS.get(PACKAGES.get(kind, ""), "")
    extra = f" (or `pip install 'namel3ss-debug[{extra}]'`)" if extra else ""
    return UsageError(f"{kind}:// needs the {package} package, which is not installed",
                      hint=f"pip install {package}{extra}")
