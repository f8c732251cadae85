"""The SDK apps of the rerun tests (`test_rerun_neutral_answers.py`, `test_rerun_rebuilt_streams.py`): the head
their source shares (the SDKs, the stub server, the tool and the question), and an app recorded against the
stub server as a user records one. Importing this skips the module without the three SDKs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from support.rerunhelpers import command

ROOT = Path(__file__).resolve().parents[2]
pytest.importorskip("openai")
pytest.importorskip("anthropic")
pytest.importorskip("google.genai")

HEAD = '''
import json, sys
import anthropic, httpx, openai
from google import genai
from llm_stub_server import StubServer

TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}}}}
USER = [{"role": "user", "content": "Weather in Paris"}]
'''


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`namel3ss-debug ARGS` in a process of its own, 240 columns wide."""
    return command(*args, cwd=cwd, extra={"COLUMNS": "240"})


def recorded(directory: Path, name: str, body: str) -> subprocess.CompletedProcess[str]:
    """HEAD + `body` written to `directory/name` beside the stub server's files, and recorded into
    `directory/recorded` with `namel3ss-debug trace`; it must exit 0."""
    for stub in ("llm_stub_server.py", "llm_stub_apis.py"):
        shutil.copyfile(ROOT / "examples" / stub, directory / stub)
    (directory / name).write_text(HEAD + body)
    done = run("trace", "-q", "-o", "recorded", name, cwd=directory)
    assert done.returncode == 0, done.stderr
    return done
