"""Which trace files this user's tracer wrote on this machine, unchanged since: a keyed digest of each.

A trace is data anyone can write, and a rerun that runs code for real (a tool under `verify`) runs it with the
arguments the recorded answers chose. So a command asks before letting a recording choose, unless the recording
was written here. The tracer's writer digests every byte it writes to a file (HMAC-SHA256) and, when it closes
the file, notes the digest as an empty file named by it:

    $XDG_STATE_HOME/namel3ss-debug/seal.key        32 random bytes, mode 0600, made by the first run
    $XDG_STATE_HOME/namel3ss-debug/sealed/HEX      one empty file per trace file written (else ~/.local/state/...)

A golden file the pytest plugin writes is noted the same way once written. A file whose digest is noted was
written here by this user's tracer (or plugin) and has not changed a byte since; anybody
else's trace, one edited by hand or rewritten by a command (`redact`), or cut short (a run killed before its
file was closed), is not, and nobody without the key can make a digest that matches. The key is used only when
it is a regular file this user owns that nobody else may read or write (a planted or shared one is ignored);
the notes hold no text of the trace.

A seal means "written here from what was written here". A rerun (`replay --rerun`, a fork, a `verify` try, a
`bisect` probe) writes a new run whose every answer came from the recording it reran, so the writer seals that
run only when every recording that answered it was sealed (`RerunSource.answered_here`, looked up when the run
starts); otherwise its files are left unnoted, a stranger's to every command, whether the rerun was allowed
(`--yes`, a yes on the terminal) or stopped part way (the partial run a refused `verify` leaves in `-o`). By
induction a chain (stranger -> rerun -> rerun -> verify) never gains a seal: no link of it can be sealed unless
the one before it was. Leaving the seal out is chosen over sealing with a mark saying "tainted": an unsealed
trace is already what every command asks about, so no reader needs to learn a mark, and a reader that forgot
one could not launder it. The price: a rerun of a stranger's recording is asked about again, whoever reran it.
What the user gave the rerun (a `--mock`, a fork's answer, bisect's `--answers` file, the console's values) is
the user's own, as the app's code is: it does not take the seal away.

    seals = Seals.of(os.environ)          # None: no state directory (no HOME), or no key to be had
    sealing = seals.sealing()             # the writer's: .update(bytes) ... .note()
    seals.seal(path)                      # a file written whole by our own code (a golden file)
    seals.written_here([path, ...])       # True: every file is noted
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path
from typing import Iterable, Mapping

from .fs import TEMPORARY, UNWAITED, Folder

KEY_BYTES = 32
KEY_NAME = "seal.key"
SEALED = "sealed"
READ_BYTES = 1 << 20
PRIVATE = 0o077  # mode bits nobody but the owner may have on the key


def state_directory(environ: Mapping[str, str]) -> Path | None:
    """`$XDG_STATE_HOME/namel3ss-debug`, else `~/.local/state/namel3ss-debug`; None with neither variable."""
    base = environ.get("XDG_STATE_HOME") or (str(Path(environ["HOME"]) / ".local" / "state")
                                             if environ.get("HOME") else "")
    return Path(base) / "namel3ss-debug" if base else None


class Sealing:
    """The digest of one file as it is written: `update` with each chunk written, `note` when it is closed."""

    def __init__(self, seals: "Seals") -> None:
        self._seals = seals
        self._digest = seals.digest()

    def update(self, chunk: bytes | bytearray) -> None:
        self._digest.update(chunk)

    def note(self) -> None:
        """Note the file as written here; never raises (a file left unnoted is only asked about later)."""
        try:
            self._seals.note(self._digest.hexdigest())
        except OSError:
            pass


class Seals:
    """The notes of one user's state directory, with its key."""

    def __init__(self, directory: Path, key: bytes) -> None:
        self.directory = directory
        self._key = key

    @classmethod
    def of(cls, environ: Mapping[str, str], make: bool = True) -> "Seals | None":
        """This user's seals, the key made with `make` when there is none yet; None when there is no state
        directory or no key that can be trusted."""
        directory = state_directory(environ)
        if directory is None:
            return None
        try:
            with Folder.open(directory, make=make, private=True) as state:  # refused: another user's, a link
                key = _key(state, make)
        except (OSError, ValueError):  # none yet, no room, no permission, a name the file system refuses
            return None
        return cls(directory, key) if key is not None else None

    def digest(self) -> hmac.HMAC:
        """HMAC-SHA256 with this user's key: on a CPU with SHA instructions (most since 2017), OpenSSL's SHA-256
        digests twice as fast as keyed BLAKE2b (526 against 226 MB/s on the development machine)."""
        return hmac.new(self._key, digestmod=hashlib.sha256)

    def sealing(self) -> Sealing:
        return Sealing(self)

    def note(self, digest: str) -> None:
        with Folder.open(self.directory, make=True, private=True) as state, \
                state.folder(SEALED, make=True) as sealed:
            try:
                sealed.create(digest).close()
            except FileExistsError:
                pass  # the same bytes written and noted before

    def seal(self, path: Path) -> None:
        """Note a file this user's own code has just written whole (a golden file) as written here; never raises."""
        digest = self.digest()
        try:
            digest.update(path.read_bytes())
            self.note(digest.hexdigest())
        except OSError:
            pass

    def written_here(self, paths: Iterable[Path | str]) -> bool:
        """Whether every file in `paths` (at least one) was written here and is unchanged: its digest noted."""
        paths = list(paths)
        return bool(paths) and all(self._noted(Path(path)) for path in paths)

    def _noted(self, path: Path) -> bool:
        digest = self.digest()
        try:
            with open(os.open(path, UNWAITED), "rb") as handle:  # a FIFO: no wait
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return False
                while chunk := handle.read(READ_BYTES):
                    digest.update(chunk)
            with Folder.open(self.directory, private=True) as state, state.folder(SEALED) as sealed:
                found = sealed.stat(digest.hexdigest())
        except OSError:
            return False
        return found is not None and stat.S_ISREG(found.st_mode) and found.st_uid == os.geteuid()


def _key(state: Folder, make: bool) -> bytes | None:
    """The key in `state`, made (whole, mode 0600) when missing and `make`; None when there is none, or it is not a
    regular file of this user's that only they may read and write."""
    try:
        return _read_key(state)
    except FileNotFoundError:
        if not make:
            return None
    made, stream = state.temporary(KEY_NAME)
    try:
        with stream:
            stream.write(os.urandom(KEY_BYTES))
        try:
            os.link(made, KEY_NAME, src_dir_fd=state.fd, dst_dir_fd=state.fd, follow_symlinks=False)
        except FileExistsError:
            pass  # another process made it first: theirs is read then
    finally:
        state.remove(made, TEMPORARY)
    return _read_key(state)


def _read_key(state: Folder) -> bytes | None:
    with state.reader(KEY_NAME) as stream:  # FileNotFoundError when missing; a link, a FIFO: `Refused`
        if stat.S_IMODE(os.fstat(stream.fileno()).st_mode) & PRIVATE:
            return None
        key = stream.read(KEY_BYTES + 1)
    return key if len(key) == KEY_BYTES else None
