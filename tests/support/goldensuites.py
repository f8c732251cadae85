"""Golden runs under test (`tests/plugin/test_golden_*.py`): the app their sample suites test, a JSON service on
127.0.0.1 that is not an LLM API, and pytest run in a suite's directory, in a process of its own that loads the
plugin through its entry point."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from support.stubs import LoopbackServer, Reply, Request, json_reply

# The application the sample suites test: OpenAI and Anthropic SDK calls to the stub LLM server at $STUB_URL,
# an HTTP GET to the JSON service at $SERVICE_URL, and a hooked tool that counts its runs in $TOOL_RUNS.
APP = r'''
import json, os

import anthropic, httpx, openai
from namel3ss_debug import trace_tool_call


def ask(question, model="gpt-4o-mini", url=None):
    client = openai.OpenAI(base_url=(url or os.environ["STUB_URL"]) + "/v1", max_retries=0)
    reply = client.chat.completions.create(model=model, messages=[{"role": "user", "content": question}])
    return reply.choices[0].message.content


async def ask_async(question):
    client = openai.AsyncOpenAI(base_url=os.environ["STUB_URL"] + "/v1", max_retries=0)
    reply = await client.chat.completions.create(model="gpt-4o-mini",
                                                 messages=[{"role": "user", "content": question}])
    return reply.choices[0].message.content


def ask_claude(question, url=None):
    client = anthropic.Anthropic(base_url=url or os.environ["STUB_URL"], max_retries=0)
    reply = client.messages.create(model="claude-3-5-haiku-latest", max_tokens=64,
                                   messages=[{"role": "user", "content": question}])
    return reply.content[0].text


def weather(city):
    return httpx.get(os.environ["SERVICE_URL"] + "/weather", params={"city": city}).json()


@trace_tool_call(name="lookup")
def lookup(place):
    with open(os.environ["TOOL_RUNS"], "a") as runs:
        runs.write(place + "\n")
    return {"place": place, "found": True}


def keep(name, value):
    """What a test got, for the test that runs the suite to compare across runs."""
    with open(os.path.join(os.environ["ANSWERS"], name + ".json"), "w") as out:
        json.dump(value, out)
'''

_RUNS = itertools.count()
KEY = "sk-golden-recording-key-0123456789abcdef"  # the key the recordings are made with: never in a golden file


def isolate(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pytest processes the tests start see no tracing configuration or plugin choice of the developer's (the
    options in PYTEST_ADDOPTS are tests/conftest.py's), and do not know they run in CI (where pytest prints each
    failure's whole message once more, in its summary)."""
    for name in [n for n in os.environ if n.startswith("NAMEL3SS_DEBUG_")]:
        monkeypatch.delenv(name)
    for name in ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "CI",
                 "BUILD_NUMBER"):
        monkeypatch.delenv(name, raising=False)


def write_suite(directory: Path, ini: str = "", **tests: str) -> None:
    """A project: pyproject.toml (its root for pytest, `ini` among its pytest options), the app, and the test
    files `tests` (name: source)."""
    (directory / "pyproject.toml").write_text('[project]\nname = "sample"\nversion = "0"\n'
                                              '[tool.pytest.ini_options]\naddopts = "-p no:cacheprovider"\n' + ini)
    (directory / "agentapp.py").write_text(APP)
    for name, source in tests.items():
        (directory / f"{name}.py").write_text(source)


def suite_environ(directory: Path, llm_url: str, service_url: str = "", key: str | None = KEY) -> dict[str, str]:
    """The environment the suite runs in: where its servers are and its outputs go, the recording key."""
    for name in ("answers", "tools"):
        (directory / name).mkdir(exist_ok=True)
    environ = {"STUB_URL": llm_url, "SERVICE_URL": service_url, "ANSWERS": str(directory / "answers"),
               "TOOL_RUNS": str(directory / "tools" / "runs.txt")}
    if key is not None:
        environ["OPENAI_API_KEY"] = environ["ANTHROPIC_API_KEY"] = key
    return environ


def run_pytest(directory: Path, environ: dict[str, str], *args: str) -> pytest.RunResult:
    """pytest run in `directory`, in its own process, with `environ` added to this one's; its temporary directory
    is new for each run and outside the project, as pytest's own `/tmp/pytest-of-USER/pytest-N` is."""
    started = time.monotonic()
    temp = directory.parent / f"{directory.name}.temp{next(_RUNS)}"
    done = subprocess.run([sys.executable, "-m", "pytest", "--basetemp", str(temp), *args], cwd=directory,
                          capture_output=True, text=True,
                          env={**os.environ, **environ, "PYTHONPATH": str(directory)}, timeout=300)
    return pytest.RunResult(done.returncode, done.stdout.splitlines(), done.stderr.splitlines(),
                            time.monotonic() - started)


def answers(directory: Path, name: str) -> Any:
    return json.loads((directory / "answers" / f"{name}.json").read_text())


def tool_runs(directory: Path) -> list[str]:
    runs = directory / "tools" / "runs.txt"
    return runs.read_text().splitlines() if runs.exists() else []


def golden_events(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JsonService:
    """A JSON service on 127.0.0.1 that is no LLM API: `GET /weather?city=X` answers `{"city": X, "n": N}`, N
    counting the requests; `hits` lists the paths asked."""

    def __init__(self) -> None:
        self._server = LoopbackServer({"GET *": self._answer}, name="json-service", protocol="HTTP/1.0")

    @property
    def hits(self) -> list[str]:
        return [request.path for request in self._server.requests]

    @property
    def url(self) -> str:
        return self._server.url

    def _answer(self, request: Request) -> Reply:
        return json_reply({"city": request.path.partition("city=")[2], "n": len(self._server.requests)})

    def __enter__(self) -> JsonService:
        self._server.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._server.stop()
