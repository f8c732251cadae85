"""Shared test setup: make the helper package beside this file (`support`, as in `support.tracehelpers`)
importable, the `isolated_workspace` fixture, and the session's PostgreSQL server (`pg_server`, `pg_url`).

pytest's default import mode already puts this directory on sys.path; doing it here too keeps the
helpers importable under `--import-mode=importlib`.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from support import timing  # noqa: E402 - the helper package is importable from here on
from support.pgserver import PgServer  # noqa: E402 - as above
from support.scheduling import SpreadingScheduling, fast_first  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    """The commands the tests run keep their cache (genai-prices' answers) in a directory of the session's,
    not in the developer's ~/.cache; subprocesses inherit it. Every pytest a test starts (a sample project's
    golden runs, a traced `pytest`) leaves out the third-party plugins this session leaves out; the run ends
    with where its time went."""
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="namel3ss-debug-test-cache-")
    os.environ["PYTEST_ADDOPTS"] = " ".join(left_out_plugins(config))
    _signals_as_from_a_terminal()
    config.pluginmanager.register(timing, "namel3ss-debug-test-kinds")  # each report's kind and CPU seconds
    if not hasattr(config, "workerinput"):  # under xdist, the controller: the workers' reports reach it
        config.pluginmanager.register(timing.TimingReport(), "namel3ss-debug-test-timing")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    fast_first(items)


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> SpreadingScheduling | None:
    """Under `--dist=loadfile` (pyproject.toml's addopts), a file a worker, but the long files of SPREAD a test a
    worker; another `--dist` is left as it is."""
    return SpreadingScheduling(config, log) if config.getvalue("dist") == "loadfile" else None


def left_out_plugins(config: pytest.Config) -> list[str]:
    """The `-p no:NAME` options of pyproject.toml's addopts: the plugins of other packages (langsmith's takes
    seconds to import) that no test here uses."""
    options = config.getini("addopts")
    return [f"-p {value}" for option, value in zip(options, options[1:]) if option == "-p" and value.startswith("no:")]


def _signals_as_from_a_terminal() -> None:
    """Ctrl-C and SIGTERM as a terminal delivers them, to this process and so to every child it starts: a test
    run started in the background (`pytest &` in a script) ignores SIGINT, and a child inherits an ignored signal
    (Python then installs no KeyboardInterrupt handler). Done here, once, rather than in a `preexec_fn`: that
    would run Python between fork and exec, where this process's gRPC threads make the child print or abort."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_IGN:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.fixture
def isolated_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test in its own directory: no workspace config and no `NAMEL3SS_DEBUG_*` of the environment
    (so not the repository's trace directory either). Modules use it with `pytest.mark.usefixtures`."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("NAMEL3SS_DEBUG_"):
            monkeypatch.delenv(name)
    return tmp_path


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One real PostgreSQL server for the session (`support/pgserver.py`), on 127.0.0.1; skipped (failed under
    NAMEL3SS_TEST_SERVERS=required) when it cannot start."""
    server = PgServer()
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def pg_url(pg_server: PgServer, request: pytest.FixtureRequest) -> str:
    """A new database of the session's server for this test alone, its URL (no password: `pg_server.environ()`)."""
    return pg_server.database("t_" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:20])
