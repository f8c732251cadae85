"""Two stub models on 127.0.0.1 for the fork, verify and bisect tests of an app of `apps/` (test_*_fork.py):
stub A answers the recordings, stub B (its texts ending with a nonce) every call that goes live; each counts the
requests that reached it, and no command after a recording may send one to A. The commands run as a user runs
them, through `framework_support.Workbench` (a scrubbed environment; a framework's venv when its pins fight
ours), with the app's STUB_URL still A's: what reaches B was sent there by `--base-url`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import orjson
from framework_support import APPS, Run, Workbench
from support.stubserver import StubServer

Event = dict[str, Any]


class ForkBench:
    """Stubs A and B, and the apps of `apps/` named, copied into the workbench's directory."""

    def __init__(self, bench: Workbench, *apps: str):
        self.bench = bench
        for app in apps:
            shutil.copyfile(APPS / app, bench.directory / app)
        self.a = StubServer(api_key=bench.key).start()
        self.b = StubServer(api_key=bench.key, fresh=True).start()
        self._made = 0
        self._bodies_read = 0

    def stop(self) -> None:
        self.a.stop()
        self.b.stop()

    def record(self, *argv: str, exit_code: int = 0) -> Path:
        """The trace of one run of `argv` (the app and its arguments) against stub A, which exits with
        `exit_code`."""
        out = self._directory("recorded")
        run = self.bench.cli(self.a.url, "trace", "-q", "-o", str(out), *argv)
        traces = sorted(out.glob("*.jsonl"))
        assert run.returncode == exit_code and len(traces) == 1, run.stderr
        return traces[0]

    def command(self, *args: str) -> tuple[Run, dict[str, Any]]:
        """`namel3ss-debug ARGS --format json`: what it printed and its JSON report; asserts that no request
        reached stub A."""
        hits = len(self.a.hits)
        run = self.bench.cli(self.a.url, *args, "--format", "json")
        assert len(self.a.hits) == hits, "a request reached the recording's model"
        assert run.stdout.startswith("{"), run.stderr
        return run, json.loads(run.stdout)

    def live(self, *args: str) -> tuple[Run, dict[str, Any], list[dict[str, Any]]]:
        """`namel3ss-debug ARGS --live --format json` (`verify`, `bisect`): what it printed, its JSON report, and
        the requests that reached stub A, where the recording's requests went (and so where `--live` sends)."""
        before = len(self.a.requests)
        run = self.bench.cli(self.a.url, *args, "-o", str(self._directory("live")), "--live", "--format", "json")
        assert run.stdout.startswith("{"), run.stderr
        return run, json.loads(run.stdout), self.a.requests[before:]

    def fork(self, trace: Path, *args: str) -> tuple[Run, dict[str, Any]]:
        return self.command("replay", str(trace), "--rerun", "-o", str(self._directory("fork")), *args)

    def verify(self, trace: Path, *args: str) -> tuple[Run, dict[str, Any]]:
        return self.command("verify", str(trace), "-o", str(self._directory("verify")), *args)

    def bisect(self, trace: Path, *args: str) -> tuple[Run, dict[str, Any]]:
        return self.command("bisect", str(trace), "-o", str(self._directory("bisect")), *args)

    def write(self, name: str, value: Any) -> Path:
        """`value` as JSON in a file of the bench's directory."""
        path = self.bench.directory / name
        path.write_text(json.dumps(value))
        return path

    def new_bodies(self) -> list[str]:
        """The lines the app's tool bodies added to `tool_bodies.log` since the last call."""
        lines = self.bench.bodies()
        new, self._bodies_read = lines[self._bodies_read:], len(lines)
        return new

    def _directory(self, kind: str) -> Path:
        self._made += 1
        return self.bench.directory / f"{kind}-{self._made}"


def events_of(report: dict[str, Any]) -> list[Event]:
    """The events of the trace a fork's report names as its new run."""
    return [orjson.loads(line) for line in Path(report["new_trace"][0]).read_bytes().splitlines()]


def first(events: list[Event], event_type: str) -> Event:
    return next(event for event in events if event["event_type"] == event_type)


def tool_call(name: str, **arguments: str) -> str:
    """A provider-neutral answer asking for one tool, as `--answer` takes it."""
    return json.dumps({"content": None, "tool_calls": [{"name": name, "arguments": arguments}]})
