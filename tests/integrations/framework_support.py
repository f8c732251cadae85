"""Helpers for test_frameworks.py: the framework apps of `apps/`, `namel3ss-debug` run on them in a
subprocess as a user runs it, and what the stub server sent, to hold the trace against.

Every command runs with the stub's address and key (STUB_URL, STUB_KEY) and none of the SDKs' own
settings (OPENAI_*, ANTHROPIC_*, GEMINI_*, GOOGLE_*): a rerun that needed a real key would fail.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[2]
APPS = Path(__file__).resolve().parent / "apps"
Event = dict[str, Any]
VERDICT_PREFIXES = ("reproduced:", "not reproduced:")


def _stub_module() -> Any:
    spec = importlib.util.spec_from_file_location("llm_stub_server", ROOT / "examples" / "llm_stub_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


StubServer = _stub_module().StubServer


@dataclass(frozen=True)
class App:
    """An app of `apps/`: the modules it needs and how many requests it makes."""

    stem: str
    modules: tuple[str, ...]
    requests: int

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
        """The app's own lines: stdout up to a rerun's report (a verdict line, or a JSON document)."""
        lines = self.stdout.splitlines()
        for index, line in enumerate(lines):
            if line.startswith(VERDICT_PREFIXES) or line == "{":
                return [kept for kept in lines[:index] if kept]
        return [kept for kept in lines if kept]

    def report(self) -> dict[str, Any]:
        """The JSON report of `replay --rerun --format json`, after the app's lines."""
        lines = self.stdout.splitlines()
        return json.loads("\n".join(lines[lines.index("{"):]))

    def verdict(self) -> str:
        """The report's first line: `reproduced: ...` or `not reproduced: ...`."""
        found = [line for line in self.stdout.splitlines() if line.startswith(VERDICT_PREFIXES)]
        assert found, f"no verdict in the report:\n{self.stdout}\n{self.stderr}"
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

    def llm_spans(self) -> list[tuple[Event, Event]]:
        """(start, end) of each LLM span, in the order the calls started."""
        ends = {e["span_id"]: e for e in self.of_type("llm_call_end")}
        return [(start, ends[start["span_id"]]) for start in self.of_type("llm_call_start")]


class Workbench:
    """Runs `python -m namel3ss_debug ...` in `directory`, with a scrubbed environment."""

    def __init__(self, directory: Path, key: str):
        self.directory, self.key = directory, key
        self._runs = 0

    def environ(self, url: str) -> dict[str, str]:
        kept = {name: value for name, value in os.environ.items()
                if not name.startswith(("NAMEL3SS_DEBUG_", "OPENAI_", "ANTHROPIC_", "GEMINI_", "GOOGLE_"))
                and name.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
        return {**kept, "NO_COLOR": "1", "COLUMNS": "200", "PYTHONDONTWRITEBYTECODE": "1",
                "NO_PROXY": "127.0.0.1,localhost", "STUB_URL": url, "STUB_KEY": self.key}

    def cli(self, url: str, *args: str) -> Run:
        done = subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], cwd=self.directory,
                              env=self.environ(url), capture_output=True, text=True, timeout=180)
        return Run(done.returncode, done.stdout, done.stderr)

    def record(self, app: App, copy: bool = False) -> Recording:
        """Trace `app` (a copy of it in the directory, when `copy`) against a new stub server, then
        stop the server."""
        script = self.directory / app.source.name if copy else app.source
        if copy:
            shutil.copyfile(app.source, script)
        server = StubServer(api_key=self.key, fresh=True).start()
        try:
            out = self._new_directory("trace")
            run = self.cli(server.url, "trace", "-o", str(out), str(script))
        finally:
            server.stop()
        traces = sorted(out.glob("*.jsonl"))
        assert run.returncode == 0 and len(traces) == 1, f"{app.stem} failed under trace:\n{run.stderr}"
        return Recording(app, script, server.url, run, traces[0], server.hits, server.requests, server.answers)

    def rerun(self, recording: Recording, *options: str) -> Run:
        """`replay TRACE --rerun`, the app's STUB_URL still the recording's server."""
        out = self._new_directory("rerun")
        return self.cli(recording.url, "replay", str(recording.trace), "--rerun", "-o", str(out), *options)

    def analyze(self, recording: Recording) -> dict[str, Any]:
        run = self.cli(recording.url, "analyze", str(recording.trace), "--format", "json")
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    def _new_directory(self, kind: str) -> Path:
        self._runs += 1
        return self.directory / f"{kind}-{self._runs}"


def sent_body(recording: Recording, index: int) -> dict[str, Any]:
    """The body of request `index` as a span's `inputs` records it: Gemini's model, which travels in
    the URL path, is added to the body."""
    body = recording.requests[index]
    model = recording.answers[index].get("model")
    return body if "model" in body or model is None else {"model": model, **body}


def pair_spans_with_requests(recording: Recording) -> list[tuple[Event, dict[str, Any]]]:
    """Each LLM span's end with the stub's answer to the request it recorded: the request whose body
    is the span's inputs (identical requests in the order they were made)."""
    unused = list(range(len(recording.requests)))
    pairs = []
    for start, end in recording.llm_spans():
        index = next((i for i in unused if sent_body(recording, i) == start["inputs"]), None)
        assert index is not None, f"span {start['name']} asked what no request asked: {start['inputs']}"
        unused.remove(index)
        pairs.append((end, recording.answers[index]))
    return pairs


def list_price(answers: list[dict[str, Any]]) -> float:
    """The price genai-prices gives each answer's model and tokens, summed."""
    from genai_prices import Usage, calc_price  # noqa: PLC0415 - the price data takes a while to load

    total = sum((calc_price(Usage(input_tokens=a["input_tokens"], output_tokens=a["output_tokens"]),
                            model_ref=a["model"]).total_price for a in answers), Decimal(0))
    return float(total)


def labelled(lines: list[str], prefix: str) -> dict[str, str]:
    """`PREFIX NAME: value` lines as {NAME: value}."""
    found = {}
    for line in lines:
        if line.startswith(prefix):
            name, _, value = line.removeprefix(prefix).partition(": ")
            found[name] = value
    return found
