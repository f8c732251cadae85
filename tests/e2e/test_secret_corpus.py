"""No secret reaches the disk, whatever its kind and wherever the app puts it.

Every kind of tests/support/secretcorpus.py at every position apps/secret_corpus_app.py knows (a prompt, a return
value, an exception's message, a nested field, a dict key, bytes, JSON inside a string, a span's inputs and
attrs, the app's argv, and a message sent through the openai SDK), traced with `python -m namel3ss_debug
trace` in a subprocess: one run per position, all kinds in it, the runs side by side. Then every file the run
wrote is read, and none may hold a secret, nor any 12 characters in a row of one (a redaction that stops
early leaks the rest). Bytes are written as base64, so they are searched as the text they decode to.

Each case (kind x position) draws its own secrets from a generator seeded with its kind and position, so a
secret found on disk names the one case that leaked it. The environment each run is given holds the values
of the kinds that only an environment variable gives away (MISTRAL_API_KEY...).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import orjson
import pytest
from support.secretcorpus import GENERATORS, Sample, sample
from support.stubserver import StubServer

APP = Path(__file__).parent / "apps" / "secret_corpus_app.py"
POSITIONS = ("prompt", "return", "exception", "nested", "dict_key", "bytes", "json_string", "span", "argv",
             "argv_flag")
SDK = "sdk"
# A value the app hands over under a sensitive key is known from then on: run_start's argv comes before it.
NOT_APPLICABLE = {("seen_under_key", "argv"), ("seen_under_key", "argv_flag")}
WINDOW = 12  # a leak is a secret or any WINDOW characters in a row of it
MARKER = "[REDACTED"
PLAN = "cases.json"  # the cases handed to the app: the one file in a run's directory that holds the secrets
TIMEOUT = 120
_BYTES = re.compile(r'"\$bytes":"([A-Za-z0-9+/=]*)"')


def cases(position: str) -> list[Sample]:
    return [sample(kind, position) for kind in GENERATORS if (kind, position) not in NOT_APPLICABLE]


def case_ids() -> list[tuple[str, str]]:
    return [(s.kind, position) for position in POSITIONS for s in cases(position)]


@dataclass
class TracedRun:
    """One position's run: the cases it carried, its trace directory, and what the command said."""

    position: str
    samples: list[Sample]
    directory: Path
    returncode: int = -1
    stdout: str = ""
    stderr: str = ""
    leaks: dict[str, list[str]] = field(default_factory=dict)

    def files(self) -> list[Path]:
        """Every file the run wrote: the trace directory and anything else in its working directory."""
        return sorted(path for path in self.directory.parent.rglob("*") if path.is_file() and path.name != PLAN)

    def events(self) -> list[dict[str, Any]]:
        return [orjson.loads(line) for path in sorted(self.directory.glob("*.jsonl"))
                for line in path.read_bytes().splitlines() if line.strip()]

    def find_leaks(self) -> None:
        """Every place a case's secret (or WINDOW characters of it) is written, by kind."""
        owner = {secret[i:i + WINDOW]: s.kind for s in self.samples for secret in s.secrets
                 for i in range(len(secret) - WINDOW + 1)}
        found: dict[str, list[str]] = defaultdict(list)
        for path in self.files():
            for number, line in enumerate(path.read_text("utf-8", "replace").splitlines(), 1):
                for text in (line, *decoded_bytes(line)):
                    for kind, fragment in leaked(text, owner):
                        found[kind].append(f"{path.name}:{number} {event_name(line)}: ...{fragment}...")
        self.leaks = dict(found)

    def unmarked(self) -> list[str]:
        """The kinds whose events (or argv entries) hold no redaction marker: a secret that left no trace of
        itself was not recorded at all, and its absence proves nothing."""
        parts = self.recorded_parts()
        return [s.kind for i, s in enumerate(self.samples)
                if i >= len(parts) or not all(MARKER in part for part in parts[i])]

    def recorded_parts(self) -> list[list[str]]:
        """What the run recorded of each case, in the order of `samples`, as searchable text: the parts that
        must each hold a marker (for the SDK, the request and the stub's echo of it in the response)."""
        events = self.events()
        if self.position.startswith("argv"):
            argv = next(e for e in events if e["event_type"] == "run_start")["attrs"]["argv"][2:]
            step = 2 if self.position == "argv_flag" else 1
            return [[json.dumps(argv[i * step:(i + 1) * step])] for i in range(len(argv) // step)]
        if self.position == SDK:
            calls = [e for e in events if e.get("name") == "openai.chat"]
            ends = {e["span_id"]: e for e in calls if e["event_type"] == "llm_call_end"}
            return [[readable(start), readable(ends.get(start["span_id"], {}))]
                    for start in calls if start["event_type"] == "llm_call_start"]
        by_name: dict[str, str] = defaultdict(str)
        for event in events:
            by_name[str(event.get("name"))] += readable(event)
        return [[by_name[f"{self.position}.{s.kind}"]] for s in self.samples]


def readable(event: dict[str, Any]) -> str:
    text = orjson.dumps(event).decode()
    return text + "".join(decoded_bytes(text))


def decoded_bytes(line: str) -> list[str]:
    """The text of every bytes value (`{"$bytes": base64}`) in a line."""
    texts = []
    for match in _BYTES.finditer(line):
        try:
            texts.append(base64.b64decode(match.group(1), validate=True).decode("utf-8", "replace"))
        except (binascii.Error, ValueError):
            continue
    return texts


def leaked(text: str, owner: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(kind, fragment) for each window of a secret in `text`, one per kind and place."""
    last: dict[str, int] = {}
    for i in range(len(text) - WINDOW + 1):
        kind = owner.get(text[i:i + WINDOW])
        if kind is not None and last.get(kind, -WINDOW) < i - WINDOW:
            yield kind, text[max(0, i - 20):i + WINDOW + 20]
        if kind is not None:
            last[kind] = i


def event_name(line: str) -> str:
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError:
        return "(not JSON)"
    return f"{event.get('event_type')} {event.get('name')}" if isinstance(event, dict) else "(not an event)"


def environment(samples: list[Sample], extra: dict[str, str]) -> dict[str, str]:
    """The test's environment without namel3ss-debug's settings, SDK keys or proxies, plus the variables
    the samples need (MISTRAL_API_KEY...)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("NAMEL3SS_DEBUG_", "OPENAI_", "ANTHROPIC_"))
           and key.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update({"NO_PROXY": "127.0.0.1,localhost", "PYTHONDONTWRITEBYTECODE": "1", **extra})
    for s in samples:
        env.update(s.env)
    return env


def app_arguments(position: str, samples: list[Sample]) -> list[str]:
    if position == "argv":
        return [s.text for s in samples]
    if position == "argv_flag":
        return [arg for s in samples for arg in ("--token", s.text)]
    return []


def start(position: str, workdir: Path, extra_env: dict[str, str], *flags: str) -> tuple[TracedRun, subprocess.Popen]:
    """Write the position's cases and start the app under `namel3ss-debug trace FLAGS` (not waited for)."""
    samples = cases(position)
    folder = workdir / "-".join((position, *flags))
    folder.mkdir()
    plan = {"position": position, "cases": [{"kind": s.kind, "text": s.text, "known": dict(s.known)} for s in samples]}
    (folder / PLAN).write_text(json.dumps(plan))
    run = TracedRun(position, samples, folder / "traces")
    command = [sys.executable, "-m", "namel3ss_debug", "trace", "-q", "-o", str(run.directory), *flags, str(APP),
               PLAN, *app_arguments(position, samples)]
    process = subprocess.Popen(command, cwd=folder, env=environment(samples, extra_env), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    return run, process


def finish(run: TracedRun, process: subprocess.Popen) -> TracedRun:
    run.stdout, run.stderr = process.communicate(timeout=TIMEOUT)
    run.returncode = process.returncode
    run.find_leaks()
    return run


def ran_every_case(run: TracedRun) -> tuple[int, str]:
    return run.returncode, run.stdout.strip()


def leak_report(run: TracedRun, kind: str) -> list[str]:
    return [f"{kind} x {run.position}: {place}" for place in run.leaks.get(kind, [])]


# -- the positions a decorated function, a span or argv reaches --------------------------------------------------

UNREDACTED = "bytes"  # the position also traced with --no-redact, where every secret must be found


@pytest.fixture(scope="module")
def all_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TracedRun]:
    """One run per position, and one with redaction off, started side by side."""
    workdir = tmp_path_factory.mktemp("secret-corpus")
    started = [start(position, workdir, {}) for position in POSITIONS]
    started.append(start(UNREDACTED, workdir, {}, "--no-redact"))
    done = [finish(run, process) for run, process in started]
    return {**{run.position: run for run in done[:-1]}, "--no-redact": done[-1]}


@pytest.fixture(scope="module")
def runs(all_runs: dict[str, TracedRun]) -> dict[str, TracedRun]:
    return {position: all_runs[position] for position in POSITIONS}


@pytest.mark.parametrize("position", POSITIONS)
def test_the_app_puts_every_case_at_its_position_under_trace(runs, position):
    run = runs[position]
    assert ran_every_case(run) == (0, f"{position}: {len(run.samples)} cases"), run.stderr[-3000:]


@pytest.mark.parametrize(("kind", "position"), case_ids(), ids=[f"{k}-{p}" for k, p in case_ids()])
def test_no_secret_reaches_the_disk(runs, kind, position):
    report = leak_report(runs[position], kind)
    assert not report, "\n".join(report)


@pytest.mark.parametrize("position", POSITIONS)
def test_every_case_was_recorded_with_a_redaction_marker(runs, position):
    # Guards the test above: each case's payload was written, with its secret replaced, not left out.
    unmarked = runs[position].unmarked()
    assert not unmarked, f"no {MARKER} where {position} put: {unmarked}"


def test_the_search_finds_every_secret_of_a_run_with_redaction_off(all_runs):
    # Guards the search itself: in bytes (written as base64), every kind's secret is found.
    run = all_runs["--no-redact"]
    assert (run.returncode, sorted(run.leaks)) == (0, sorted(s.kind for s in run.samples))


# -- the openai SDK, recorded at its HTTP client ------------------------------------------------------------------

SDK_KINDS = [s.kind for s in cases(SDK)]


@pytest.fixture(scope="module")
def sdk_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TracedRun]:
    pytest.importorskip("openai", reason="the openai SDK is not installed: pip install -e '.[dev]'")

    key = f"sk-test-{secrets.token_hex(16)}"
    with StubServer(api_key=key) as server:
        run, process = start(SDK, tmp_path_factory.mktemp("secret-corpus-sdk"), {"STUB_URL": server.url,
                                                                                "STUB_KEY": key})
        yield finish(run, process)


@pytest.mark.frameworks
def test_the_app_sends_every_case_through_the_openai_sdk_under_trace(sdk_run):
    assert ran_every_case(sdk_run) == (0, f"{SDK}: {len(sdk_run.samples)} cases"), sdk_run.stderr[-3000:]


@pytest.mark.frameworks
@pytest.mark.parametrize("kind", SDK_KINDS)
def test_no_secret_sent_or_echoed_through_the_openai_sdk_reaches_the_disk(sdk_run, kind):
    report = leak_report(sdk_run, kind)
    assert not report, "\n".join(report)


@pytest.mark.frameworks
def test_every_sdk_call_was_recorded_with_a_redaction_marker_in_its_request_and_its_response(sdk_run):
    unmarked = sdk_run.unmarked()
    assert not unmarked, f"no {MARKER} in the request or the response of: {unmarked}"


# -- the corpus itself ------------------------------------------------------------------------------------------

def test_every_secret_of_the_corpus_is_in_its_text_and_long_enough_to_look_for():
    wrong = [(s.kind, secret) for seed in range(50) for s in (sample(kind, seed) for kind in GENERATORS)
             for secret in s.secrets if secret not in s.text or len(secret) < WINDOW]
    assert wrong == []
