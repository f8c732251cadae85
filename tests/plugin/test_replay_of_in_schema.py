"""A test's run answered from its golden run is a valid v1 trace: its `run_start` names the golden run in
`attrs.replay_of` with the record mode (`golden`) and no `mocks`, as the trace schema describes; the golden file
itself is valid too. Recorded once against the stub on 127.0.0.1, replayed with nothing listening and no key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.stubserver import StubServer
from support.tracehelpers import schema_errors

from namel3ss_debug.testing.golden_files import golden_run_id

pytestmark = pytest.mark.slow  # pytest sessions of sample projects, in processes of their own

TEST = '''
import os

import openai
import pytest


@pytest.mark.n3replay
def test_capital():
    client = openai.OpenAI(base_url=os.environ["STUB_URL"], max_retries=0)
    reply = client.chat.completions.create(model="gpt-4o-mini",
                                           messages=[{"role": "user", "content": "What is the capital of France?"}])
    assert reply.choices[0].message.content == "Echo: What is the capital of France?"
'''


def _pytest(project: Path, environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """pytest in `project`, in a process of its own: no tracing settings or key of the developer's."""
    kept = {name: value for name, value in os.environ.items()
            if not name.startswith("NAMEL3SS_DEBUG_") and name != "OPENAI_API_KEY"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=project,
                          capture_output=True, text=True, env={**kept, **environ}, timeout=300, check=False)


def _events(paths: list[Path]) -> list[dict[str, object]]:
    return [json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("mode", ["none", "once"])
def test_a_replayed_golden_run_is_a_valid_trace(tmp_path: Path, mode: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (project / "test_app.py").write_text(TEST, encoding="utf-8")
    with StubServer() as server:
        recorded = _pytest(project, {"STUB_URL": server.openai_url, "OPENAI_API_KEY": "sk-test"}, "--n3-record=once")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    replays = tmp_path / "replays"
    replayed = _pytest(project, {"STUB_URL": "http://127.0.0.1:9/v1"}, f"--n3-record={mode}", "--n3-trace",
                       str(replays))
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr

    events = _events(sorted(replays.glob("*.jsonl")))
    start = next(event for event in events if event["event_type"] == "run_start")
    assert start["attrs"]["replay_of"] == {  # type: ignore[index]
        "run_id": golden_run_id("test_app.py::test_capital"), "trace": "golden/test_app/test_capital.jsonl",
        "match": "inputs", "golden": mode}
    assert schema_errors(events) == []
    assert schema_errors(_events([project / "golden" / "test_app" / "test_capital.jsonl"])) == []
