"""Fixtures for the SDK integration tests: the stand-in for the LLM HTTP APIs
(examples/llm_stub_server.py) on 127.0.0.1, servers whose streams break or stall midway, and
`namel3ss-debug` run in a subprocess as a user runs it (a recording and a rerun inside this process
are tests/support/rerunhelpers.py's), and each SDK's app (sdk_support.py) recorded and rerun once for the
session, for every test module that looks at it.

The apps the tests write read the stub's address and key from STUB_URL and STUB_KEY: neither is in
their source or their argv, which a trace may hold (source lines in stack traces, argv as typed),
so a key found in a trace can only have come through the recording of the HTTP requests.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson
import pytest
from support.stubserver import StubServer
from support.stubs import LoopbackServer, Stream, sse_frames

if str(Path(__file__).parent) not in sys.path:  # the helpers beside this file, under any import mode
    sys.path.insert(0, str(Path(__file__).parent))

from sdk_support import Sdk

Event = dict[str, Any]




@pytest.fixture(scope="session")
def stub_key() -> str:
    """A key no trace could contain by chance."""
    return f"sk-test-{secrets.token_hex(16)}"


@pytest.fixture(scope="session")
def start_stub(stub_key: str) -> Iterator[Callable[[], Any]]:
    """Start a stub server of our own (one a test may stop); all are stopped after the session."""
    servers: list[Any] = []

    def start() -> Any:
        servers.append(StubServer(api_key=stub_key).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()  # a second stop of a stopped server returns at once


@pytest.fixture(scope="module")
def llm_stub(start_stub: Callable[[], Any]) -> Any:
    """The module's shared stub server, up for the whole module."""
    return start_stub()


class PartialStreamServer(LoopbackServer):
    """Answers every POST on 127.0.0.1 with the first server-sent events of a stream, then breaks the
    connection mid-body, as a dropped network does, or (`stall`) sends nothing more until it is stopped,
    as a model still writing does: a stream the app closes then has not all come. Started."""

    def __init__(self, events: list[dict[str, Any]], stall: bool = False):
        stream = Stream(sse_frames(events), end="hold" if stall else "garbage")
        super().__init__({"POST *": stream}, name="stalled-stream" if stall else "broken-stream")
        self.start()


@pytest.fixture(scope="session")
def partial_stream_server() -> Iterator[Callable[..., PartialStreamServer]]:
    """`partial_stream_server(events, stall=False)`: a server whose streams break (or stall) after
    `events`; stopped after the session."""
    servers: list[PartialStreamServer] = []

    def start(events: list[dict[str, Any]], stall: bool = False) -> PartialStreamServer:
        servers.append(PartialStreamServer(events, stall))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@dataclass
class Traced:
    """One run of `namel3ss-debug trace`: its trace directory and what the command printed."""

    directory: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def events(self) -> list[Event]:
        """Every event of the run, strictly: each line must be JSON."""
        paths = sorted(self.directory.glob("*.jsonl"))
        assert paths, f"no trace in {self.directory}; stderr: {self.stderr}"
        return [orjson.loads(line) for path in paths for line in path.read_bytes().splitlines()]

    def llm_calls(self, name: str) -> list[tuple[Event, Event]]:
        """(start, end) of each LLM span named `name`, in the order the calls started."""
        events = self.events
        ends = {e["span_id"]: e for e in events if e["event_type"] == "llm_call_end" and e["name"] == name}
        starts = [e for e in events if e["event_type"] == "llm_call_start" and e["name"] == name]
        assert set(ends) == {start["span_id"] for start in starts}, "each LLM span starts and ends once"
        return [(start, ends[start["span_id"]]) for start in starts]

    def file_bytes(self) -> bytes:
        """The bytes of every file the run wrote."""
        return b"".join(path.read_bytes() for path in sorted(self.directory.rglob("*")) if path.is_file())

    @property
    def printed(self) -> dict[str, list[str]]:
        """The app's `label: value` lines on stdout, by label, in order."""
        lines: dict[str, list[str]] = defaultdict(list)
        for line in self.stdout.splitlines():
            label, sep, value = line.partition(": ")
            if sep:
                lines[label].append(value)
        return dict(lines)


class Cli:
    """`python -m namel3ss_debug` (or an app, with `python`) in a subprocess, in `directory`, with the
    stub's address and key (STUB_URL, STUB_KEY) in its environment and none of the environment's
    NAMEL3SS_DEBUG_* or SDK settings."""

    def __init__(self, directory: Path, url: str, key: str):
        self.directory, self.url, self.key = directory, url, key
        self._runs = 0

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return self._python("-m", "namel3ss_debug", *args, env=env)

    def _python(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        environ = {key: value for key, value in os.environ.items()
                   if not key.startswith(("NAMEL3SS_DEBUG_", "OPENAI_", "ANTHROPIC_"))
                   and key.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
        environ.update({"NO_COLOR": "1", "COLUMNS": "200", "PYTHONDONTWRITEBYTECODE": "1",
                        "NO_PROXY": "127.0.0.1,localhost", "STUB_URL": self.url, "STUB_KEY": self.key, **(env or {})})
        return subprocess.run([sys.executable, *args], cwd=self.directory, env=environ,
                              capture_output=True, text=True, timeout=120)

    def trace(self, source: str, *options: str, env: dict[str, str] | None = None,
              name: str = "app.py") -> Traced:
        """Write the app `source` to `name` and run it under `namel3ss-debug trace -q`."""
        (self.directory / name).write_text(source)
        out = self._new_directory("trace")
        done = self.run("trace", "-q", "-o", str(out), *options, name, env=env)
        return Traced(out, done.returncode, done.stdout, done.stderr)

    def autostart(self, source: str, name: str = "plain.py") -> Traced:
        """Write the app `source` to `name` and run it with `python`, tracing enabled by the environment."""
        (self.directory / name).write_text(source)
        out = self._new_directory("autostart")
        done = self._python(name, env={"NAMEL3SS_DEBUG_ENABLED": "1", "NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR": str(out)})
        return Traced(out, done.returncode, done.stdout, done.stderr)

    def configured(self, source: str, settings: str = "", name: str = "configured.py") -> Traced:
        """Run the app `source` with `python`, after `namel3ss_debug.configure(enabled=True, ...)` with
        the trace directory and `settings` (keyword arguments as Python text)."""
        out = self._new_directory("configured")
        prologue = f"import namel3ss_debug\nnamel3ss_debug.configure(enabled=True, trace_output_dir={str(out)!r}, " \
                   f"{settings})\n"
        (self.directory / name).write_text(prologue + source)
        done = self._python(name)
        return Traced(out, done.returncode, done.stdout, done.stderr)

    def rerun(self, recorded: Traced, *options: str) -> Traced:
        """`namel3ss-debug replay TRACE --rerun`: the new run's trace, and what the app and report printed."""
        out = self._new_directory("rerun")
        trace_file = sorted(recorded.directory.glob("*.jsonl"))[0]
        done = self.run("replay", str(trace_file), "--rerun", "-o", str(out), *options)
        return Traced(out, done.returncode, done.stdout, done.stderr)

    def _new_directory(self, kind: str) -> Path:
        self._runs += 1
        return self.directory / f"{kind}-{self._runs}"


@pytest.fixture(scope="session")
def new_cli(tmp_path_factory: pytest.TempPathFactory, stub_key: str) -> Callable[[Any], Cli]:
    """`new_cli(server)`: a Cli in a directory of its own, pointed at `server`."""
    return lambda server: Cli(tmp_path_factory.mktemp("sdk-app"), server.url, stub_key)


@pytest.fixture(scope="module")
def module_cli(new_cli: Callable[[Any], Cli], llm_stub: Any) -> Cli:
    """A Cli in the module's own directory, pointed at the shared stub."""
    return new_cli(llm_stub)


@dataclass
class Recorded:
    """A run traced against a stub server of its own, stopped since: a rerun reaches nothing."""

    cli: Cli
    traced: Traced
    server: Any


@pytest.fixture(scope="session")
def record_offline(start_stub: Callable[[], Any], new_cli: Callable[[Any], Cli]) -> Callable[..., Recorded]:
    """`record_offline(source, *trace_options, env=...)`: trace the app against a new stub server, then
    stop it."""

    def record(source: str, *options: str, env: dict[str, str] | None = None) -> Recorded:
        server = start_stub()
        cli = new_cli(server)
        traced = cli.trace(source, *options, env=env)
        server.stop()
        assert traced.returncode == 0, traced.stderr
        return Recorded(cli, traced, server)

    return record


@pytest.fixture(scope="session")
def dead_url(start_stub: Callable[[], Any]) -> str:
    """The address of a stub server that was started and stopped: nothing answers there."""
    server = start_stub()
    server.stop()
    return server.url


@dataclass
class SdkRun:
    """An SDK's app (sdk_support.py) recorded offline, and rerun with its server stopped."""

    recorded: Recorded
    rerun: Traced


class SdkRuns:
    """Each SDK's app recorded and rerun once for the session, on first use: the shared tests
    (test_sdk_calls.py) and each SDK's own (test_openai_sdk.py, ...) look at the same two runs."""

    def __init__(self, record: Callable[..., Recorded], partial_stream_server: Callable[..., PartialStreamServer],
                 dead_url: str, key: str):
        self._record, self._partial, self._dead_url, self._key = record, partial_stream_server, dead_url, key
        self._runs: dict[str, SdkRun] = {}

    def __call__(self, sdk: Sdk) -> SdkRun:
        if sdk.module not in self._runs:
            self._runs[sdk.module] = self._run(sdk)
        return self._runs[sdk.module]

    def _run(self, sdk: Sdk) -> SdkRun:
        broken, stalled = self._partial(sdk.first_frames), self._partial(sdk.first_frames, stall=True)
        # --no-redact: the redactor would hide a key that the recording let through
        recorded = self._record(sdk.app, "--no-redact", env={
            sdk.key_variable: self._key, "BROKEN_URL": broken.url, "STALLED_URL": stalled.url,
            "DEAD_URL": self._dead_url})
        broken.stop()
        stalled.stop()
        requests = len(recorded.server.requests)
        rerun = recorded.cli.rerun(recorded.traced)  # without the key variable: a Cli passes on none
        assert len(recorded.server.requests) == requests  # the server is stopped: nothing reached it
        return SdkRun(recorded, rerun)


@pytest.fixture(scope="session")
def sdk_runs(record_offline: Callable[..., Recorded], partial_stream_server: Callable[..., PartialStreamServer],
             dead_url: str, stub_key: str) -> SdkRuns:
    """`sdk_runs(sdk)`: the SDK's app recorded with every server it talks to stopped since, and its rerun."""
    return SdkRuns(record_offline, partial_stream_server, dead_url, stub_key)
