"""Helpers for the framework tests (test_frameworks.py, test_*_hook.py): the framework apps of `apps/`,
`namel3ss-debug` run on them in a subprocess as a user runs it, and what the stub server sent, to hold the
trace against.

Every command runs with the stub's address and key (STUB_URL, STUB_KEY) and none of the SDKs' own
settings (OPENAI_*, ANTHROPIC_*, GEMINI_*, GOOGLE_*): a rerun that needed a real key would fail.
Python's warnings are off: under `replay --rerun --format json` the app's lines go to stderr, where
the frameworks' deprecation warnings would mix with them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import orjson
import pytest
from support.stubserver import StubServer
from support.venvs import FrameworkVenv, framework_venv

APPS = Path(__file__).resolve().parent / "apps"
Event = dict[str, Any]
VERDICT_PREFIXES = ("reproduced:", "not reproduced:")
REPRODUCED = "reproduced: the rerun matches the recording"
FORK_GOES_LIVE = "fork: LLM calls the recording cannot answer"  # the line a fork says before the app runs


@dataclass(frozen=True)
class App:
    """An app of `apps/`: the modules it needs, how many requests it makes, how many tool calls of a
    framework's it makes (a rerun answers both from the recording), and how many tool calls its own loop
    makes (recorded from the wire: a rerun runs them again)."""

    stem: str
    modules: tuple[str, ...]
    requests: int
    tools: int = 0
    wire_tools: int = 0

    @property
    def answered(self) -> int:
        """The calls a rerun answers from the recording: the requests and the framework's tool calls."""
        return self.requests + self.tools

    @property
    def source(self) -> Path:
        return APPS / f"{self.stem}.py"


@dataclass(frozen=True)
class Run:
    """What one command printed, and its exit code."""

    returncode: int
    stdout: str
    stderr: str

    def app_lines(self) -> list[str]:
        """The app's own lines: stdout up to a rerun's report, or under `--format json` (where stdout
        holds the report alone) stderr after the rerun's `rerun of RUN: ...` line, but a fork's line saying
        where its live calls go."""
        if self.stdout.startswith("{"):
            lines = self.stderr.splitlines()
            starts = [i for i, line in enumerate(lines) if line.startswith("rerun of ")]
            assert starts, f"no `rerun of` line on stderr:\n{self.stderr}"
            return [kept for kept in lines[starts[0] + 1:] if kept and not kept.startswith(FORK_GOES_LIVE)]
        lines = self.stdout.splitlines()
        for index, line in enumerate(lines):
            if line.startswith(VERDICT_PREFIXES):
                return [kept for kept in lines[:index] if kept]
        return [kept for kept in lines if kept]

    def report(self) -> dict[str, Any]:
        """The JSON report of `replay --rerun --format json`, after the app's lines."""
        return json.loads(self.stdout)

    def verdict(self) -> str:
        """The report's first line: `reproduced: ...` or `not reproduced: ...`."""
        found = [line for line in self.stdout.splitlines() if line.startswith(VERDICT_PREFIXES)]
        assert found, f"no verdict in the report:\n{self.stdout}\n{self.stderr}"
        return found[0]

    def stopped(self) -> str:
        """The one line saying why the rerun stopped the app, as the report's `ended` row has it after
        `rerun:    stopped: ` (`no recorded answer (KEY ...)`, `quit at the rerun's console`)."""
        found = [line.strip().removeprefix("rerun:").strip().removeprefix("stopped: ")
                 for line in self.stdout.splitlines() if line.strip().startswith("rerun:    stopped: ")]
        assert len(found) == 1, f"not one `stopped:` row in the report:\n{self.stdout}\n{self.stderr}"
        return found[0]


@dataclass
class Recording:
    """An app traced against a stub server of its own, stopped since: what the server saw and sent,
    the trace, and what the app printed."""

    app: App
    script: Path
    url: str
    run: Run
    trace: Path
    hits: list[tuple[str, str]]
    requests: list[dict[str, Any]]
    answers: list[dict[str, Any]]
    _events: list[Event] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def events(self) -> list[Event]:
        if not self._events:
            self._events = [orjson.loads(line) for line in self.trace.read_bytes().splitlines()]
        return self._events

    def of_type(self, event_type: str) -> list[Event]:
        return [e for e in self.events if e["event_type"] == event_type]

    def spans(self, component: str) -> list[tuple[Event, Event]]:
        """(start, end) of each span of `component` (`llm`, `tool`, `agent`, ...), in the order they started."""
        ends = {e["span_id"]: e for e in self.events if e["status"] != "started"}
        return [(e, ends[e["span_id"]]) for e in self.events
                if e["component"] == component and e["status"] == "started"]

    def printed_answers(self) -> list[str]:
        """What the app printed after `answer: `, a line an answer."""
        return [line.removeprefix("answer: ") for line in self.run.app_lines() if line.startswith("answer: ")]

    def assert_agents_hold_llm_calls(self, per_agent: int) -> None:
        """Each agent span holds the next `per_agent` LLM calls, and the stub got no request beside the app's."""
        agent_ids = [start["span_id"] for start, _ in self.spans("agent")]
        assert [start["parent_id"] for start, _ in self.spans("llm")] == \
            [agent for agent in agent_ids for _ in range(per_agent)], f"{per_agent} LLM calls in each agent span"
        assert len(self.hits) == self.app.requests


class Workbench:
    """Runs `python -m namel3ss_debug ...` in `directory`, with a scrubbed environment: this Python, or a
    framework's venv (`venvs.framework_venv`) when its pins fight ours."""

    def __init__(self, directory: Path, key: str, venv: FrameworkVenv | None = None,
                 env: dict[str, str] | None = None):
        self.directory, self.key, self.venv = directory, key, venv
        self.env = env or {}  # the app's own switches (`STREAM=1`, ...), for every command the bench runs
        self._runs = 0
        self._lock = threading.Lock()  # recordings run in threads: one copies apps/, each gets its own directory

    def environ(self, url: str) -> dict[str, str]:
        kept = {name: value for name, value in os.environ.items()
                if not name.startswith(("NAMEL3SS_DEBUG_", "OPENAI_", "ANTHROPIC_", "GEMINI_", "GOOGLE_"))
                and name.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
        environ = {**kept, "NO_COLOR": "1", "COLUMNS": "200", "PYTHONDONTWRITEBYTECODE": "1",
                   "NO_PROXY": "127.0.0.1,localhost", "PYTHONWARNINGS": "ignore", "STUB_URL": url,
                   "STUB_KEY": self.key, **self.env}
        return self.venv.environ(environ) if self.venv is not None else environ

    @property
    def python(self) -> str:
        return str(self.venv.python) if self.venv is not None else sys.executable

    def cli(self, url: str, *args: str) -> Run:
        done = subprocess.run([self.python, "-m", "namel3ss_debug", *args], cwd=self.directory,
                              env=self.environ(url), capture_output=True, text=True, timeout=180)
        return Run(done.returncode, done.stdout, done.stderr)

    def record(self, app: App, script: Path | None = None) -> Recording:
        """Trace `app` (or `script`, in its place) against a new stub server, then stop the server."""
        script = self._in_directory(script or app.source)
        server = self.serve()
        try:
            out = self._new_directory("trace")
            run = self.cli(server.url, "trace", "-o", str(out), str(script))
        finally:
            server.stop()
        traces = sorted(out.glob("*.jsonl"))
        if run.returncode != 0 or len(traces) != 1:  # a failure of the setup, not an assertion of a test
            pytest.fail(f"{app.stem} failed under trace:\n{run.stderr}")
        return Recording(app, script, server.url, run, traces[0], server.hits, server.requests, server.answers)

    def serve(self) -> Any:
        """A new stub server for a recording, started: the shared stub (a bench whose app the shared stub
        cannot drive gives a stub of its own, with the same `url`, `hits`, `requests`, `answers`, `stop`)."""
        return StubServer(api_key=self.key, fresh=True).start()

    def bodies(self) -> list[str]:
        """The lines the apps' tools have added to `tool_bodies.log` so far, one a body run (an app's
        tools log each run of their bodies there, in the directory the bench runs its commands in)."""
        log = self.directory / "tool_bodies.log"
        return log.read_text().splitlines() if log.exists() else []

    def rerun(self, recording: Recording, *options: str) -> Run:
        """`replay TRACE --rerun`, the app's STUB_URL still the recording's server."""
        out = self._new_directory("rerun")
        return self.cli(recording.url, "replay", str(recording.trace), "--rerun", "-o", str(out), *options)

    def analyze(self, recording: Recording) -> dict[str, Any]:
        run = self.cli(recording.url, "analyze", str(recording.trace), "--format", "json")
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    def _new_directory(self, kind: str) -> Path:
        with self._lock:
            self._runs += 1
            return self.directory / f"{kind}-{self._runs}"

    def _in_directory(self, script: Path) -> Path:
        """The app as a file of the bench's directory, where its commands run: `apps/` is copied there once
        (an app may start a file beside it), as a user's app is in the project they rerun it from (a
        rerun runs an app outside its directory only when asked to)."""
        if script.resolve().is_relative_to(self.directory.resolve()):
            return script
        copy = self.directory / script.parent.name
        with self._lock:
            if not copy.exists():
                shutil.copytree(script.parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
        return copy / script.name


def new_bench(tmp_path_factory: pytest.TempPathFactory, name: str, pins: tuple[str, ...] = (),
              kind: type[Workbench] = Workbench) -> Workbench:
    """A workbench (of `kind`) in a new directory named `name`, with a stub key of its own, running the
    venv of `name` holding `pins` (`venvs.framework_venv`) when pins are given, else this Python."""
    venv = framework_venv(name, pins) if pins else None
    return kind(tmp_path_factory.mktemp(name), f"sk-test-{secrets.token_hex(16)}", venv=venv)


def recorded_then_rerun(bench: Workbench, app: App) -> tuple[Recording, Run]:
    """`app` recorded on `bench`, and its rerun with the stub stopped."""
    recording = bench.record(app)
    return recording, bench.rerun(recording)


def recorded_then_rerun_fixture(name: str, app: App) -> Any:
    """A module-scoped fixture (named as the module's variable that holds it): `recorded_then_rerun` of `app` on
    a new bench named `name`, running this Python; its tests are skipped when a module `app` needs is missing."""
    @pytest.fixture(scope="module")
    def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Recording, Run]:
        skip_unless_installed(app.stem, *app.modules)
        return recorded_then_rerun(new_bench(tmp_path_factory, name), app)
    return recorded


@dataclass(frozen=True)
class Reruns:
    """An app recorded, then rerun with its server stopped (`offline`) and with `--live-tools` (`live`), and
    the tool bodies each of the three ran."""

    bench: Workbench
    recording: Recording
    bodies_recorded: list[str]
    offline: Run
    bodies_offline: list[str]
    live: Run
    bodies_live: list[str]

    def spans(self, component: str) -> list[tuple[Event, Event]]:
        """The recording's spans of `component` (`Recording.spans`)."""
        return self.recording.spans(component)

    def assert_offline_reproduced(self, calls: int | None = None) -> None:
        """The rerun with the server stopped printed what the recording printed, reproduced it (exit 0), ran no
        tool body and (when `calls` is given) answered `calls` calls from the recording."""
        assert self.offline.app_lines() == self.recording.run.app_lines()
        assert (self.offline.verdict(), self.offline.returncode) == (REPRODUCED, 0), self.offline.stdout
        assert self.bodies_offline == []
        if calls is not None:
            assert f"calls         {calls} from the recording" in self.offline.stdout

    def assert_live_reproduced(self, answered: int, ran: int) -> None:
        """The rerun with `--live-tools` ran the tool bodies the recording ran, printed what it printed, answered
        `answered` calls from the recording, ran `ran` again and reproduced the recording (exit 0)."""
        assert self.bodies_live == self.bodies_recorded
        assert self.live.app_lines() == self.recording.run.app_lines()
        assert f"calls         {answered} from the recording, {ran} run again (judged by what they returned)" \
            in self.live.stdout
        assert (self.live.verdict(), self.live.returncode) == (REPRODUCED, 0), self.live.stdout

    def tool_counts(self) -> dict[str, tuple[int, int]]:
        """`analyze`'s (calls, failures) of each tool of the recording, by the tool's name."""
        tools = self.bench.analyze(self.recording)["tools"]
        return {tool["name"]: (tool["calls"], tool["failures"]) for tool in tools}


def record_and_rerun(bench: Workbench, app: App) -> Reruns:
    """Record `app` on `bench`, rerun it with its server stopped, then with `--live-tools`, one after the
    other (each rerun's tool bodies are the lines `tool_bodies.log` gained in it)."""
    recording = bench.record(app)
    recorded = bench.bodies()
    offline = bench.rerun(recording)
    after_offline = bench.bodies()
    live = bench.rerun(recording, "--live-tools")
    return Reruns(bench, recording, recorded, offline, after_offline[len(recorded):], live,
                  bench.bodies()[len(after_offline):])


def skip_unless_installed(app: str, *modules: str) -> None:
    """Skip the test when a module `app` needs is not installed (looked for, not imported: the app
    imports it, in its own process)."""
    for module in modules:
        if find_spec(module) is None:
            pytest.skip(f"{app} needs {module}")


@dataclass(frozen=True)
class Listened:
    """A rerun with a fresh stub server listening at the recorded address: what reached the server."""

    hits: list[tuple[str, str]]
    run: Run


def listening_at(recording: Recording, key: str) -> Any:
    """A fresh stub server at the address the recording's server had."""
    return StubServer(api_key=key, fresh=True, port=recording.port).start()


def sent_body(recording: Recording, index: int) -> dict[str, Any]:
    """The body of request `index` as a span's `inputs` records it: Gemini's model, which travels in
    the URL path, is added to the body."""
    body = recording.requests[index]
    model = recording.answers[index].get("model")
    return body if "model" in body or model is None else {"model": model, **body}


def tokens_sent(recording: Recording, index: int) -> tuple[int, int] | None:
    """(input, output) tokens of answer `index` as the stub sent them, or None when it sent none: a
    streamed chat completion carries usage only when `stream_options.include_usage` asks for it."""
    answer, request = recording.answers[index], recording.requests[index]
    if answer["api"] == "openai.chat" and answer["stream"] and \
            not (request.get("stream_options") or {}).get("include_usage"):
        return None
    return answer["input_tokens"], answer["output_tokens"]


def pair_spans_with_requests(recording: Recording) -> list[tuple[Event, int]]:
    """Each LLM span's end with the index of the request it recorded in the stub's lists: the request
    whose body is the span's inputs (identical requests in the order they were made)."""
    unused = list(range(len(recording.requests)))
    pairs = []
    for start, end in recording.spans("llm"):
        index = next((i for i in unused if sent_body(recording, i) == start["inputs"]), None)
        assert index is not None, f"span {start['name']} asked what no request asked: {start['inputs']}"
        unused.remove(index)
        pairs.append((end, index))
    return pairs


def list_price(recording: Recording) -> float:
    """The price genai-prices gives the tokens the stub sent, for the model of each answer, summed."""
    from genai_prices import Usage, calc_price  # noqa: PLC0415 - the price data takes a while to load

    total = Decimal(0)
    for index, answer in enumerate(recording.answers):
        tokens = tokens_sent(recording, index)
        if tokens is not None:
            usage = Usage(input_tokens=tokens[0], output_tokens=tokens[1])
            total += calc_price(usage, model_ref=answer["model"]).total_price
    return float(total)


def labelled(lines: list[str], prefix: str) -> dict[str, str]:
    """`PREFIX NAME: value` lines as {NAME: value}."""
    found = {}
    for line in lines:
        if line.startswith(prefix):
            name, _, value = line.removeprefix(prefix).partition(": ")
            found[name] = value
    return found


def assert_judged_survived(recording: Recording) -> dict[str, Any]:
    """A run that went on after its tool's error handed to the model, judged as issue 60 asks: `analyze` says it
    is not healthy and counts the error handled, `check --max-errors 0` fails and `--max-unhandled-errors 0`
    passes. The readers run on the trace alone (no server), from this checkout's interpreter."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "namel3ss_debug", *args, str(recording.trace)],
                              cwd=recording.trace.parent, env=environ, capture_output=True, text=True, timeout=180)

    analyzed = cli("analyze", "--format", "json")
    assert analyzed.returncode == 0, analyzed.stderr
    report = json.loads(analyzed.stdout)
    assert report["health"]["verdict"] != "healthy", report["health"]
    assert (report["errors"]["handled"] >= 1, report["errors"]["unhandled"]) == (True, 0), report["errors"]
    assert cli("check", "--max-errors", "0").returncode == 1
    assert cli("check", "--max-unhandled-errors", "0").returncode == 0
    return report


def assert_handled_keyerror(end: dict[str, Any], tool_function: str, key: str = "Atlantis") -> None:
    """A tool span that failed with `KeyError(key)` the framework handed to the model: failed, handled, and its
    stack through the tool's own function (`return STATIONS[city]` in the test apps)."""
    error = end["error"]
    assert (end["status"], error["type"], error["message"], error["handled"]) == ("failed", "KeyError", repr(key), True)
    assert f", in {tool_function}\n    return STATIONS[city]" in error["stack"]
