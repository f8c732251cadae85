"""A real S3-compatible server on 127.0.0.1 for the bucket's tests: moto's server (`moto_server`, from PyPI) in a
process of its own, so a test can stop it and start it again (a bucket that is unreachable for a while).

    with S3Server() as server:
        server.make_bucket("runs")
        environ = {**os.environ, **server.environ()}  # what a traced app or a command needs to reach it

Its state is in the server's memory: a server started again has no buckets (`make_bucket` again). The keys are
moto's dummies; `environ()` also sets `AWS_ENDPOINT_URL_S3`, which botocore (and so s3fs) reads, so the code
under test is given the endpoint the way a user gives theirs. Without moto installed the tests are skipped, unless
`NAMEL3SS_TEST_SERVERS=required` (CI), where that is a failure (`servers_required`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Callable, Optional

import pytest

STARTING_S = 60.0  # how long a start may take on a loaded 2-core machine before the test fails (not a budget)
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def servers_required() -> bool:
    """Whether a server that cannot start fails its tests instead of skipping them (`.ci/run` sets this)."""
    return os.environ.get("NAMEL3SS_TEST_SERVERS") == "required"


def missing(why: str) -> None:
    """Skip the test (fail it under NAMEL3SS_TEST_SERVERS=required) for want of a server."""
    if servers_required():
        pytest.fail(f"{why} (NAMEL3SS_TEST_SERVERS=required)", pytrace=False)
    pytest.skip(why)


def free_port() -> int:
    """A port nobody listens on at 127.0.0.1 now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class S3Server:
    """moto's S3 server at http://127.0.0.1:PORT, the same port across `stop` and `start`."""

    def __init__(self, settings: Optional[dict[str, str]] = None) -> None:
        """`settings`: moto's own variables for its process (`INITIAL_NO_AUTH_ACTION_COUNT=0`: every request
        authenticated, so the dummy keys are refused)."""
        self.settings = settings or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: Optional[subprocess.Popen[bytes]] = None

    def environ(self) -> dict[str, str]:
        """The variables that point boto3, botocore and s3fs at this server, with its dummy keys."""
        return {**KEYS, "AWS_ENDPOINT_URL_S3": self.url, "AWS_ENDPOINT_URL": self.url}

    what = "moto's server"  # how the skip names the server (`support.storeservers` starts others this way)
    install = "pip install 'moto[server]'"

    def command(self) -> Optional[list[str]]:
        """The server's command line, listening on 127.0.0.1 at `port`; None when it is not installed."""
        found = _command()
        return [*found, "-H", "127.0.0.1", "-p", str(self.port)] if found else None

    def start(self) -> None:
        command = self.command()
        if command is None:
            missing(f"{self.what} is not installed ({self.install})")
            return
        self._process = subprocess.Popen(command, env={**os.environ, **self.settings},
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + STARTING_S
        while not self.answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                missing(f"{self.what} did not start on {self.url}")
            time.sleep(0.05)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def answers(self) -> bool:
        """Whether the server answers an HTTP request now."""
        try:
            with urllib.request.urlopen(self.url + "/", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # an error page is an answer
        except OSError:
            return False

    def make_bucket(self, name: str) -> None:
        request = urllib.request.Request(f"{self.url}/{name}", method="PUT")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def __enter__(self) -> S3Server:
        self.start()
        return self

    def __exit__(self, kind: Optional[type[BaseException]], error: Optional[BaseException],
                 trace: Optional[TracebackType]) -> None:
        self.stop()


def _command() -> Optional[list[str]]:
    """How to start moto's server with this interpreter's packages: its script beside the interpreter, else PATH."""
    beside = Path(sys.executable).with_name("moto_server")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("moto_server")
    return [found] if found else None


def rewritten_after_first_block(monkeypatch: pytest.MonkeyPatch, rewrite: Callable[[], None]) -> None:
    """`remote.open_object` patched so that each object read is rewritten (`rewrite`) once its first block is
    read: the read that began with one version ends on another."""
    import io  # noqa: PLC0415 - only the tests that rewrite an object need it

    from namel3ss_debug.store import remote  # noqa: PLC0415 - as above

    real = remote.open_object

    class RewrittenAfterItsFirstBlock(io.RawIOBase):
        def __init__(self, url: str) -> None:
            self.stream, self.blocks = real(url), 0

        def readinto(self, buffer: Any) -> int:
            count: int = self.stream.readinto(buffer)
            self.blocks += 1
            if self.blocks == 1:
                rewrite()
            return count

    monkeypatch.setattr(remote, "open_object", RewrittenAfterItsFirstBlock)
