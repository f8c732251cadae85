"""What a read command worked out from a trace, kept so that reading the same trace again is immediate.

Users open the same run many times (`analyze`, then `diff` against it in CI, then `analyze` again), and a
big run takes seconds to read. So the result of a read (`analyze`'s report, one side of a `diff`) is kept
in the cache directory (`$XDG_CACHE_HOME/namel3ss-debug/results`, else `~/.cache/...`), under a key made of
everything the answer depends on:

- each run as it was named (the answer shows those names), and each of its files: its path, size,
  modification time, inode and device, and a hash of its first and last 64 KiB (all of a small file), so a
  file that grew, shrank or was rewritten is a new key; an object in a store (`store/remote.py`) by its URL, its
  size and its version (ETag or version id) as the listing or look-up that found it said, so a cached answer
  costs that one request and no read, and a rewritten object is a new key;
- the question: the command, its options, the prices it was given, the installed genai-prices data;
- this package's version and the cache's own format.

A result is kept as a header naming the files it was read from (each file's real path, device and inode),
msgpack of its typed record, and the CRC-32 of both (msgspec checks every field as it decodes: nothing in a
cache file is run). It is not compressed: the big results are arrays of
numbers (a replay timeline, a diff side's calls), which zlib shrank 3.7-4.9x but took 0.1-0.2 s to inflate,
most of a second read; the CRC (about 2.4 GB/s: 0.05 s of a second `replay` of 1 GiB) still tells a damaged
file from a whole one. An entry is mapped, not read, and its arrays are used where they lie (`store/columns.py`);
entries are only ever replaced whole (a rename) or removed, never rewritten in place. Only a clean read
is kept: one that met an invalid or torn line, a gap, a dropped field or an unknown event type is read again
next time, so its warnings are printed again. A cache file
that is missing, damaged or of another format is a miss; one that cannot be written costs only the speed.
Standard input, a pipe or a device is never cached (nor opened to make a key: a pipe's head is its data).
The newest `KEEP` results are kept, `KEEP_BYTES` at most.

A result holds text from its run (names, error messages, previews of outputs), so the cache is kept from
others (the directory is made 0700, its files 0600) and never holds what redaction would hide:
- a result holding any text that redacting its run would hide (a credential's shape, a `password=...`
  pair, a value the run holds under a sensitive key and the redactor would remember) is not kept
  (`scrub.copies.would_hide`): the next read reads the run again, so a cached answer is always the answer
  a first read gives. Only the first, uncached read of a run pays for the look: its strings, and a scan of
  its files for values under sensitive keys (about 1 ms a MB). An object in a store is not downloaded again for
  it: the read that answers shows its bytes to a `scrub.learn.StreamLearner` on the way (`store/remote.watch`),
  a worker process's read too, which hands back what it learned (`ops/learned_there.py`);
- `redact` removes every result read from a file it rewrites (`purge`), found by the header: by path, or
  by device and inode for a result read through another name of the same file. An entry whose header
  cannot be read, and a temporary file a write left behind, go too.
The default redaction rules decide here; keys and patterns configured in `redact_keys` / `redact_patterns`
are applied by `redact`, whose purge then removes the results that may hold what they hide.

The results directory may be a stranger's (`XDG_CACHE_HOME` in a shared directory on a CI runner, a home
restored from a tarball), so it goes through `model/fs.py` alone: it is opened once (and made, 0700) with
no link followed, and must be a directory of this user's; each entry is opened, replaced, mapped and removed
relative to it. Only names of the cache's own shape are ever read or removed there: an entry is a key (40 hex
digits), a temporary `.KEY.RANDOM.tmp`; anything else (a file of the user's, a link, a FIFO, another user's
file) is left as it is, and an entry that is not a regular file of this user's is a miss, never waited on. A
results directory that cannot be used is no cache for the command: said in one warning line (on stderr, so
`--format json` stays clean) when something is at its name that should not be there (a link, a file,
another user's directory), silent when it only cannot be made (a read-only home), as a cache that cannot be
written costs only the speed.
"""

from __future__ import annotations

import mmap
import os
import re
import stat
import zlib  # its crc32
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, Union

import msgspec

from .._version import __version__
from ..config import cache_directory
from ..model.digest import blake2b
from ..model.errors import Namel3ssDebugError
from ..model.fs import UNWAITED, Folder, Refused
from ..store import remote
from ..store.problems import ReadProblems
from ..store.sources import RunSource, seekable
from .environment import ignore

if TYPE_CHECKING:
    from ..scrub.learn import StreamLearner

T = TypeVar("T")
FORMAT = 22  # 1: zlib-compressed msgpack; 2: before calls without usage were unpriced (`no_usage`), not $0;
# 3: before the overview said the start-up apart (`startup_ms`, `work_ms`) and the critical path left it out;
# 4: before each entry named the files it was read from (`purge`) and held no text redaction would hide;
# 5: before errors were counted handled and unhandled apart (`analysis/handling.py`);
# 6: before a run's overview said which run it reruns (`rerun_of`)
# 7: before `rerun_of` was the rerun's lineage (`model/lineage.py`: its fork, where it parted), not a run id
# 8: before a run's overview named its frameworks and tags (a kept report would read as having none)
# 9: before integrity counted the LLM requests no hook recorded and a latency anomaly needed a floor
# 10: before a run its rerun stopped was `stopped` (`failed_run.ended_as`), its stop no error of the app's
# 11: before a span that ended failed with its parent or the run (`attrs.ended_by`) was no error of its own
# 12: before an agent's answer that is a framework's stop text (LangGraph's "Sorry, need more steps") was a turn_limit,
# and before a step in an agent's turn was named after that agent, not the agent execution the turns run under
# 13: before an agent's calls past its kept steps were counted (`diagnosis/notes/past_cut.py`): a finding's count
# and outcome
# 14: before the blame left out what a run was given (`diagnosis/notes/given.py`), told a tool result from an
# introduction
# 15: before a finding in a group chat was named after the one speaker who acted in its evidence
# 16: before `call_loop` counted one agent's turns apart from another's under a system span
# 17: before `success_claimed_after_failure`
# 18: before the blame read which write made a file's content (`products.Wrote.made`), and put a file the task
#     named before an error the run went on past; before `patterns.loops` watched each turn agent apart
# 19: before `unconfirmed_action`, and before a blame with no step named the one agent that acted
# 20: before `plan_step_skipped`, and before a wire conversation's speakers were named by its messages' `name`
# 21: before a run's overview said its outcome (`failed_run.outcome`: `failed` for a run that gave up too)
KEEP = 200
KEEP_BYTES = 1 << 30  # 1 GiB; the newest result is kept whatever its size
_EDGE = 64 * 1024  # bytes hashed at each end of a file
_CHECK = 4  # bytes of the CRC-32 after the msgpack
_LENGTH = 4  # bytes of the header's length, before it
_HEAD = 64 * 1024  # a header longer than this is not one of ours
_PRIVATE = 0o600  # a result file's mode: its owner alone reads it, as the traces it comes from
ENTRY = re.compile(r"[0-9a-f]{40}")  # a key (`ResultCache.key`: 20 bytes of blake2b, in hex)
# what `Folder.replace` writes first (`.KEY.RANDOM.tmp`), and the eight characters of an earlier version's
TEMPORARY = re.compile(r"\.[0-9a-f]{40}\.([0-9a-f]{16}|[a-z0-9_]{8})\.tmp")
Mark = Union[str, tuple[int, int]]  # a file as `purge` knows it: its real path, or (device, inode)


class _Header(msgspec.Struct, array_like=True, frozen=True):
    files: list[tuple[str, int, int]]  # real path, device, inode of each file the result was read from


class ResultCache:
    """Results by key in `directory` (None: no cache, every read is a first read). `warn` says, once, why a
    results directory cannot be used (see the module's docstring)."""

    def __init__(self, directory: Path | None, warn: Callable[[str], None] = ignore):
        self.directory = directory
        self._warn = warn
        self._folder: Folder | None = None
        self._off = directory is None  # no cache, or one found unusable: not tried again
        self._files: dict[str, list[tuple[str, int, int]]] = {}  # key -> the files it was made from
        self._heard: dict[str, StreamLearner] = {}  # an object in a store -> what its last whole read taught

    def key(self, kind: str, sources: Sequence[RunSource], question: Any) -> str | None:
        """The key of a result of `kind` about `sources` for `question` (JSON-able); None when a file cannot
        be identified (standard input, a pipe, a file that went away): such reads are not cached."""
        if self.directory is None:
            return None
        parts: list[Any] = [FORMAT, __version__, kind, question]
        files = []
        for source in sources:
            parts.append([source.label, list(source.files), source.run_id])  # as named: the answer shows them
            for path in source.files:
                identity = _identity(path)
                if identity is None:
                    return None
                parts.append(identity)
                files.append((identity[0], identity[4], identity[3]))
                if remote.is_url(path) and not path.endswith(".gz"):  # learned from the read that answers
                    remote.watch(path, self, partial(ResultCache._learner, url=path))
        try:
            key = blake2b(msgspec.json.encode(parts), digest_size=20).hexdigest()
        except UnicodeEncodeError:  # a name with a byte that is not UTF-8 (a lone surrogate): kept out of the cache
            return None
        self._files[key] = files
        return key

    def get(self, key: str | None, kind: type[T]) -> T | None:
        """The result kept under `key`, or None."""
        folder = self._results(make=False) if key is not None else None
        if key is None or folder is None:
            return None
        data = _mapped(folder, key)
        if data is None:
            return None
        kept, check = data[:-_CHECK], data[-_CHECK:]
        if zlib.crc32(kept) != int.from_bytes(check, "little"):
            return None
        body = kept[_LENGTH + int.from_bytes(kept[:_LENGTH], "little"):]
        try:
            return msgspec.msgpack.decode(body, type=kind)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None

    def put(self, key: str | None, value: Any, *problems: ReadProblems) -> None:
        """Keep `value` under `key`, if the reads that made it were clean (see the module's docstring)."""
        if key is None or self._off or any(read.any or read.unknown_types for read in problems):
            return
        files = self._files.get(key, [])
        paths = [path for path, _, _ in files]
        learned = {path: heard.redactor.learned for path in paths if (heard := self._heard.get(path)) is not None}
        if _would_hide(value, paths, learned):
            return
        folder = self._results(make=True)
        if folder is None:
            return
        header = msgspec.msgpack.encode(_Header(files))
        head = len(header).to_bytes(_LENGTH, "little") + header
        body = msgspec.msgpack.encode(value)

        def write(stream: BinaryIO) -> None:
            stream.write(head)
            stream.write(body)
            stream.write(zlib.crc32(body, zlib.crc32(head)).to_bytes(_CHECK, "little"))

        try:
            folder.replace(key, write, _PRIVATE)
            _prune(folder)
        except OSError:
            pass  # a cache that cannot be written costs only the speed

    def purge(self, marks: Iterable[Mark]) -> int:
        """Remove every result read from one of the files `marks` names (`file_marks`), every entry whose
        header cannot be read, and any temporary file a write left; how many files went. Only regular files
        of this user's at names of the cache's shape are ever removed."""
        folder = self._results(make=False)
        if folder is None:
            return 0
        wanted = set(marks)
        try:
            entries, temporaries = folder.names(ENTRY), folder.names(TEMPORARY)
        except OSError:
            return 0
        gone = 0
        for name in entries:
            files = _header_files(folder, name)
            if files is None or any(path in wanted or (device, inode) in wanted for path, device, inode in files):
                gone += folder.remove(name, ENTRY)
        return gone + sum(folder.remove(name, TEMPORARY) for name in temporaries)

    def _learner(self, url: str) -> StreamLearner:
        """A tap of a read of `url`: what redacting it would hide, learned on the way and kept once every byte was
        seen (not when its first MiB says it is not plain v1: `learn_run` reads such a run's events again)."""
        from ..scrub.learn import StreamLearner  # noqa: PLC0415 - the redactor loads only for a run in a store

        def heard(learner: StreamLearner) -> None:
            if not learner.foreign:
                self._heard[url] = learner

        return StreamLearner(heard)

    def close(self) -> None:
        """Let go of the results directory (it is opened once, at the first use)."""
        if self._folder is not None:
            self._folder.close()
            self._folder = None

    def __del__(self) -> None:
        self.close()

    def _results(self, *, make: bool) -> Folder | None:
        """The results directory, opened once (made, with `make`, when missing); None with no cache, or with
        one that cannot be used (said once, where something not ours is at its name)."""
        if self._folder is not None or self._off or self.directory is None:
            return self._folder
        try:
            self._folder = Folder.open(self.directory, make=make, private=True)
        except FileNotFoundError:
            pass  # none yet: nothing kept to read or remove; made when a result is kept
        except Refused as refused:
            self._off = True
            self._warn(f"the result cache is off for this command: {refused}")
        except OSError:
            self._off = True  # cannot be made (a read-only home): costs only the speed
        return self._folder


def _mapped(folder: Folder, name: str) -> memoryview | None:
    """The entry's bytes, mapped read-only rather than read: a result's arrays are used in place (a 1 GiB run's
    timeline is 116 MB, which took 0.05 s to read and 0.06 s more to copy into arrays). Read on Windows, where a
    mapped file cannot be removed (`purge`, `_prune`) while a replay holds it. None for an entry that is missing,
    too short to be one, or not a regular file of this user's (a FIFO is refused, never waited on)."""
    try:
        with folder.reader(name) as stream:
            if os.fstat(stream.fileno()).st_size < _LENGTH + _CHECK:
                return None
            if os.name == "nt":
                return memoryview(stream.read())
            return memoryview(mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ))
    except (OSError, ValueError):  # ValueError: a file emptied since
        return None


def results_directory(environ: Mapping[str, str]) -> Path | None:
    """`results` in the cache directory (`config.cache_directory`); None without one."""
    directory = cache_directory(environ)
    return directory / "results" if directory is not None else None


def file_marks(paths: Iterable[str]) -> frozenset[Mark]:
    """What `purge` knows the files by, taken before they are replaced: each one's real path, and its device
    and inode (the file a result read through another name of it, a hard link, was made from)."""
    marks: set[Mark] = set()
    for path in paths:
        marks.add(os.path.realpath(path))
        try:
            status = os.stat(path)
        except OSError:
            continue
        marks.add((status.st_dev, status.st_ino))
    return frozenset(marks)


def _would_hide(value: Any, files: list[str], learned: Mapping[str, Sequence[str]]) -> bool:
    """`scrub.copies.would_hide`, loaded only when a result is about to be kept (the tracer's redactor)."""
    from ..scrub.copies import would_hide  # noqa: PLC0415 - the redactor loads only for a result to keep

    try:
        return would_hide(value, files, learned)
    except (OSError, ValueError, Namel3ssDebugError):
        return True  # a run that cannot be read again (gone, replaced by something else): keep nothing


def _header_files(folder: Folder, name: str) -> list[tuple[str, int, int]] | None:
    """The files a cache entry was read from, or None for anything that is not a whole entry of ours."""
    try:
        with folder.reader(name) as stream:
            length = int.from_bytes(stream.read(_LENGTH), "little")
            header = stream.read(length) if 0 < length <= _HEAD else b""
    except OSError:
        return None
    try:
        return msgspec.msgpack.decode(header, type=_Header).files
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _identity(path: str) -> list[Any] | None:
    """What makes a file the same file: None for one that is not a regular file. The path is the user's (a
    link they named is followed), but it is opened without waiting (a pipe's head is its data, and opening one
    waits for a writer) and passed over unless it is a regular file. An object in a store is its pinned version."""
    if remote.is_url(path):
        return _remote_identity(path)
    if not seekable(path):
        return None
    try:
        with os.fdopen(os.open(path, UNWAITED), "rb") as stream:
            status = os.fstat(stream.fileno())
            if not stat.S_ISREG(status.st_mode):
                return None
            head = stream.read(_EDGE)
            if status.st_size > 2 * _EDGE:
                stream.seek(status.st_size - _EDGE)
            tail = stream.read(_EDGE)
    except OSError:
        return None
    digest = blake2b(head + b"\0" + tail, digest_size=16).hexdigest()
    return [os.path.realpath(path), status.st_size, status.st_mtime_ns, status.st_ino, status.st_dev, digest]


def _remote_identity(url: str) -> list[Any] | None:
    """An object's URL, size and version, in `_identity`'s shape (no device or inode: purged by nothing local)."""
    try:
        found = remote.pinned(url)
    except Namel3ssDebugError:
        return None  # not there to read: the read says why
    return [url, found.size, found.version, 0, 0, ""]


def _prune(folder: Folder) -> None:
    """Keep the newest KEEP results, and of those no more than KEEP_BYTES in all; remove the temporaries of
    writes that were killed. Anything at an entry's name that is not a regular file (a link, even one to
    nowhere) is passed over, and left."""
    entries = []
    for name in folder.names(ENTRY):
        status = folder.stat(name)
        if status is not None and stat.S_ISREG(status.st_mode):
            entries.append((status, name))
    entries.sort(key=lambda item: -item[0].st_mtime_ns)
    total = 0
    for number, (status, name) in enumerate(entries):
        total += status.st_size
        if number >= KEEP or (number and total > KEEP_BYTES):
            folder.remove(name, ENTRY)
    folder.remove_abandoned(TEMPORARY)
