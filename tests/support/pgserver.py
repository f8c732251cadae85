"""A real PostgreSQL server on 127.0.0.1 for the shared run index's tests: Debian's package
(/usr/lib/postgresql/N/bin), its cluster made by `initdb` in a temporary directory and run by `pg_ctl`.

    with PgServer() as server:
        url = server.database("t1")          # a fresh database: postgresql://postgres@127.0.0.1:PORT/t1
        environ = {**os.environ, **server.environ()}   # PGPASSWORD, as libpq reads it

It listens on 127.0.0.1 alone (a free port) and on a socket in its own directory; TCP asks for the password
(scram-sha-256), which `environ()` gives as PGPASSWORD, so the code under test finds it where a user keeps theirs.
PostgreSQL refuses to run as root, and CI runs as root: there the cluster belongs to, and the server runs as, an
unprivileged user (`nobody`, through `runuser`), its directory made in /tmp (which that user can reach) and given
to it. A server that cannot start skips its tests (`s3server.missing`: a failure under
NAMEL3SS_TEST_SERVERS=required). `stop` and `start` again keep the cluster: a server down for a while; `paused`
stops its processes with SIGSTOP (a server that took the connection and then stopped answering).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Optional

from support.s3server import STARTING_S, free_port, missing

SUPERUSER = "postgres"
UNPRIVILEGED = "nobody"  # who runs the server when the tests run as root


def binaries() -> Optional[Path]:
    """The newest of Debian's PostgreSQL binary folders that holds initdb, else None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: _major(path.parent.parent.name))
    return found[-1].parent if found else None


def _major(name: str) -> int:
    return int(name) if name.isdigit() else -1


class PgServer:
    """A PostgreSQL cluster in a temporary directory, served at 127.0.0.1:PORT (the same port across stops)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.password = secrets.token_hex(12)
        self.root: Optional[Path] = None
        self._bin: Optional[Path] = None
        self._user: Optional[str] = None  # who runs initdb and the server (None: this process's user)

    def environ(self) -> dict[str, str]:
        """What points libpq's password lookup at this server's superuser (the URL carries none)."""
        return {"PGPASSWORD": self.password}

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        if self.root is None:
            self._make_cluster()
        self._ctl("start", "-w", "-t", str(int(STARTING_S)), "-l", str(self._path("server.log")),
                  "-o", f"-p {self.port} -k {self._path('socket')} -c listen_addresses=127.0.0.1")

    def stop(self) -> None:
        if self.root is not None and self._path("data", "postmaster.pid").exists():
            self._ctl("stop", "-w", "-m", "fast")

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The server's processes stopped (SIGSTOP: each one's kernel still takes and acknowledges what is sent,
        nothing answers), then let go on (SIGCONT) whatever happens inside."""
        stopped: list[int] = []
        try:
            for pid in self._processes():
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
            yield
        finally:
            for pid in stopped:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    def _processes(self) -> list[int]:
        """The postmaster first (so that it starts no other process meanwhile), then its children."""
        postmaster = int(self._path("data", "postmaster.pid").read_text().split()[0])
        children = []
        for entry in Path("/proc").iterdir():
            with suppress(OSError, ValueError, IndexError):
                parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])  # after `(name) state`
                if entry.name.isdigit() and parent == postmaster:
                    children.append(int(entry.name))
        return [postmaster, *children]

    def database(self, name: str) -> str:
        """A new, empty database `name` (dropped first if a test of that name made one), and its URL."""
        import psycopg  # noqa: PLC0415 - only a test that has a server needs it

        with psycopg.connect(self.url(), password=self.password, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        self.stop()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> PgServer:
        self.start()
        return self

    def __exit__(self, kind: Optional[type[BaseException]], error: Optional[BaseException],
                 trace: Optional[TracebackType]) -> None:
        self.close()

    def _make_cluster(self) -> None:
        self._bin = binaries()
        if self._bin is None:
            missing("PostgreSQL's server is not installed (apt-get install postgresql)")
            return
        self._user = self._runner()
        self.root = Path(tempfile.mkdtemp(prefix="n3pg-", dir="/tmp"))
        self._path("socket").mkdir()
        secret = self._path("password")
        secret.write_text(self.password + "\n")
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            for path in (self.root, self._path("socket"), secret):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run(str(self._bin / "initdb"), "-D", str(self._path("data")), "-U", SUPERUSER, "-E", "UTF8",
                  "--locale", "C", "--auth-local", "trust", "--auth-host", "scram-sha-256", "--pwfile", str(secret))

    def _runner(self) -> Optional[str]:
        """The user to run PostgreSQL as: None when this process is not root; else `nobody`, through runuser."""
        if os.geteuid() != 0:
            return None
        if shutil.which("runuser") is None:
            missing("the tests run as root and runuser is missing: PostgreSQL cannot be started as another user")
        try:
            pwd.getpwnam(UNPRIVILEGED)
        except KeyError:
            missing(f"the tests run as root and there is no user {UNPRIVILEGED!r} to run PostgreSQL as")
        return UNPRIVILEGED

    def _ctl(self, *arguments: str) -> None:
        assert self._bin is not None
        self._run(str(self._bin / "pg_ctl"), "-D", str(self._path("data")), *arguments)

    def _run(self, *command: str) -> None:
        wrapped = ["runuser", "-u", self._user, "--", *command] if self._user is not None else list(command)
        done = subprocess.run(wrapped, capture_output=True, text=True, timeout=STARTING_S * 2, check=False)
        if done.returncode != 0:
            log = self._path("server.log")
            said = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            missing(f"PostgreSQL did not start ({' '.join(command[:2])}: {done.stderr.strip()[-500:]} {said})")

    def _path(self, *parts: str) -> Path:
        assert self.root is not None
        return self.root.joinpath(*parts)
