"""An object of a store read front to back at its pinned version, a block ahead of the reader, its bytes shown to
the taps that watch it on the way.

- A read reads the pinned version or nothing: s3fs asks each range with `If-Match` on the ETag, and an object whose
  version at the open or at the end is not the pinned one is a `TraceError` (exit 3): it changed while it was
  read, and half of one version with half of another is never an answer.
- A read's first MiB is one request; from there a thread of the read's own fetches up to `AHEAD` blocks of
  `READ_BLOCK` ahead of the reader. `watch` shows a read's bytes to a tap on the way (the result cache learns
  there what redacting the run would hide, rather than downloading it again).
"""

from __future__ import annotations

import io
import queue
import threading
import weakref
from typing import Any, Callable, Mapping, Protocol, Sequence

from .remote_errors import changed, failure
from .remote_objects import RemoteObject, version_of
from .remote_stores import filesystem

READ_BLOCK = 8 << 20  # bytes per ranged GET: 13 requests for 100 MB, each well within READ_S
AHEAD = 2  # blocks fetched ahead of the reader at most: 16 MB held
FIRST_BLOCK = 1 << 20  # the first range, read without a thread: a look at a run's first lines costs no more
COPY = 1 << 20  # bytes of the buffer a read is given through, and of each step of a copy

# URL -> each owner's maker of a tap (the owner held weakly: an owner gone makes no more taps), by the owner's id
_WATCHERS: dict[str, dict[int, tuple[weakref.ref[Any], Callable[[Any], Tap]]]] = {}
_LOCK = threading.Lock()


class Tap(Protocol):
    """What is shown an object's bytes as a read reads them (`watch`): each block once, in order, from the first."""

    def see(self, data: bytes) -> None: ...

    def end(self) -> None:
        """The read reached the object's end, at its pinned version: every byte was seen."""

    def told(self, learned: Sequence[str]) -> None:
        """A read of the object in another process (a worker) saw every byte at its pinned version, and a tap of
        the same kind there made `learned` of them (`told`): as `end`, without the bytes."""


def watch(url: str, owner: object, make: Callable[[Any], Tap]) -> None:
    """Show each read of `url` to a tap `make(owner)` makes for it (one a read: a read that stops early never ends
    its tap), while `owner` lives; `owner`'s earlier watch of `url` is replaced. The result cache learns what
    redacting a run would hide from the read that answers, not from a second download (`ops/cache.py`)."""
    with _LOCK:
        makers = _WATCHERS.setdefault(url, {})
        for key in [key for key, (held, _) in makers.items() if held() is None]:
            del makers[key]  # owners gone
        makers[id(owner)] = (weakref.ref(owner), make)


def reading(found: RemoteObject, look_up: Callable[[str], RemoteObject]) -> io.BufferedReader:
    """`found`'s object read front to back at its version (`look_up` finds the object as it is now, to check it at
    the end where the ranges were not asked on its version). Closed by the caller."""
    return io.BufferedReader(_Reading(found, look_up), COPY)


def _taps(url: str) -> list[Tap]:
    with _LOCK:
        makers = list(_WATCHERS.get(url, {}).values())
    return [make(owner) for held, make in makers if (owner := held()) is not None]


def watched(url: str) -> bool:
    """Whether a read of `url` here would be shown to a tap (`watch`)."""
    with _LOCK:
        return any(held() is not None for held, _ in _WATCHERS.get(url, {}).values())


def told(url: str, learned: Sequence[str]) -> None:
    """A read of `url` in a worker process saw it whole, and its tap learned `learned`: each tap of this process's
    is told so (`Tap.told`), as if the read had been this process's."""
    for tap in _taps(url):
        tap.told(learned)


class _Reading(io.RawIOBase):
    """An object's bytes at its pinned version: the store's file read a block ahead by a thread of its own (the next
    ranged GET is on the wire while the reader decodes the last block: `analyze` of 100 MB took 5.3 s, 6.0 s with
    one block after the other; bench/README.md), its errors said as ours. The first `FIRST_BLOCK` is read without
    it, and the thread starts only when the reader asks for more (a look at a run's first event, as a listing
    makes, is one small request). The thread ends at the object's end, or at `close` after the request it is in."""

    def __init__(self, found: RemoteObject, look_up: Callable[[str], RemoteObject]):
        self.found = found
        self.look_up = look_up
        fs, path = filesystem(found.url)
        try:
            self.file = fs.open(path, "rb", block_size=READ_BLOCK, cache_type="none")
        except Exception as error:  # every store's errors, said in one line by `failure`
            raise failure(found.url, error) from None
        details = getattr(self.file, "details", None)
        if isinstance(details, Mapping) and version_of(details) not in ("", found.version):
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
        if not self.conditional and self.look_up(self.found.url).version != self.found.version:
            raise changed(self.found.url)

    def close(self) -> None:
        if not self.closed:
            self._stop.set()
            if self._ended and self._thread is not None:
                self._thread.join()
            self.file.close()
        super().close()
