"""The bad-input corpus's fixtures: each case in its own empty directory with no configuration of the
environment; the OTLP receivers export sends to (on 127.0.0.1, never a real network); a case's files
removed once it passed (kept, and named in the failure, when it did not)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[Any]:
    report = yield
    if report.when == "call":
        item.stash[_PASSED] = report.passed
    return report


_PASSED = pytest.StashKey[bool]()
# Set to a file name, each failing case is appended to it as a JSON line (its id and what was wrong): how
# the list of cases other fixes are waiting for is kept, without reading pytest's output.
FAILURES_LOG = "N3_BADINPUT_FAILURES"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    log = os.environ.get(FAILURES_LOG)
    if log and report.failed and report.when == "call":
        crash = getattr(report.longrepr, "reprcrash", None)
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"id": report.nodeid, "message": crash.message if crash else str(report.longrepr),
                                     "seconds": round(report.duration, 2)}) + "\n")


@pytest.fixture
def workspace(isolated_workspace: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
              ) -> Iterator[Path]:
    """The case's directory, its working directory; no `NAMEL3SS_DEBUG_*` or `OTEL_*` variable."""
    for name in list(os.environ):
        if name.startswith("OTEL_"):
            monkeypatch.delenv(name)
    yield isolated_workspace
    if request.node.stash.get(_PASSED, False):
        _empty(isolated_workspace)


def _empty(directory: Path) -> None:
    """Delete what the case wrote (some of it megabytes), whatever its modes."""
    for path in directory.iterdir():
        if path.is_symlink() or not path.is_dir():
            path.unlink(missing_ok=True)
            continue
        for inner in [path, *path.rglob("*")]:
            if inner.is_dir() and not inner.is_symlink():
                inner.chmod(stat.S_IRWXU)
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def receivers() -> Iterator[dict[str, str]]:
    """OTLP receivers on 127.0.0.1: HTTP and gRPC that take spans, one that answers 503, a refused port."""
    # late: the receivers need opentelemetry's optional packages, and only the export cases ask for them
    from support.otlpreceivers import GrpcReceiver, HttpReceiver, StatusReceiver, refused_url  # noqa: PLC0415 - see above

    http, grpc, busy = HttpReceiver(), GrpcReceiver(), StatusReceiver(503)
    try:
        yield {"http": http.url, "grpc": grpc.url, "busy": busy.url, "refused": refused_url()}
    finally:
        for receiver in (http, grpc, busy):
            receiver.close()
